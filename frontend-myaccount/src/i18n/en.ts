/**
 * Every word My Account and the secure payment page show, in English: one table, grouped by screen. The Spanish
 * table (`es.ts`) has the type of this one (`Catalog`), so a key added here fails `tsc` until it has Spanish
 * words too. Words with values in them are functions of those values; amounts and dates come in already
 * formatted (see `index.ts`), so no table formats anything itself.
 */
/** The statuses the API gives an invoice (`Invoice.status`, `ledger::invoice_status`). */
export type InvoiceStatus = 'paid' | 'open' | 'void';

export const en = {
  /** The language switch itself, on every page. */
  language: {
    group: 'Language',
  },
  /** Words more than one screen uses. */
  common: {
    /** "Visa ending 4242" (cards on file). */
    cardEnding: (brand: string, last4: string) => `${brand} ending ${last4}`,
    /** "(exp 04/29)". */
    expires: (mmYy: string) => `(exp ${mmYy})`,
    /** "Card" when the gateway did not say the brand. */
    card: 'Card',
    callSupport: 'Call our support team at',
    processing: 'Processing…',
    makePayment: 'Make Payment',
    summaryTitle: 'Payment Summary',
    totalDue: 'Total Due Amount',
    totalPaid: 'Total Paid',
    days: (days: number) => `${days} days`,
  },
  /** Quote and invoice lines, by the API's `kind`; `description` is the API's own English words. */
  lines: {
    monitoring: (days: number) => `Monitoring, ${days} days`,
    pastDue: 'Past due balance',
    tax: (percent: string) => `Tax (${percent})`,
    credit: 'Credit',
  },
  /** The pay button's hint (`payHint`): what is still missing. */
  payHint: {
    enter: (fields: string) => `enter ${fields}`,
    and: 'and',
    toPay: (steps: string) => `To pay, ${steps}.`,
    acceptTerms: 'accept the terms',
    yourCardDetails: 'your card details',
  },
  /** The card fields (sandbox) and their errors. */
  cardEntry: {
    legend: 'Card details',
    number: 'Card number',
    expiry: 'Expiry (MM/YY)',
    expiryPlaceholder: 'MM/YY',
    cvc: 'Security code',
    postal: 'Billing ZIP code',
    unavailable: 'Card payments are not available right now. Please call us to pay.',
    fieldWords: {
      number: 'the card number',
      expiry: 'the expiry date',
      cvc: 'the security code',
      postal: 'the billing ZIP code',
    },
    errors: {
      number: 'Enter a valid card number.',
      expiry: 'Enter a future expiry date as MM/YY.',
      cvc: 'Enter the 3 or 4 digit security code.',
      postal: 'Enter your billing ZIP code.',
    },
    bankTitle: 'Sandbox bank: confirm this payment',
    bankText: 'Your bank asks you to confirm this payment (3-D Secure). In the sandbox, choose the answer.',
    approve: 'Approve',
    fail: 'Fail',
  },
  /** The secure payment page (`src/pay/`). */
  pay: {
    title: 'Secure Payment',
    greeting: (firstName: string) => `Hi ${firstName},`,
    /**
     * The greeting for who pays (issue 18): a link texted to the client's own phone greets the client; one texted
     * to someone who pays for them (a relative, an employer) says whose account it is, never "Hi Dana".
     */
    greetingFor: (link: { payer: 'client' | 'third_party'; client_first_name: string; client_short_name: string }) =>
      link.payer === 'third_party'
        ? `You're paying for ${link.client_short_name}${link.client_short_name.endsWith('.') ? '' : '.'}`
        : `Hi ${link.client_first_name},`,
    /** The end state of a link whose amount no longer stands (`409 link_outdated`). */
    outdatedText:
      'This link is out of date: the account was paid another way since it was sent, so its amount is no longer right. Nothing was charged.',
    outdatedNext: 'Ask for a new link with the right amount:',
    vehicle: (vehicle: string, days: number) => `${vehicle}: monitoring for ${days} days.`,
    keepOpen:
      'Keep this page open until you have paid: this browser does not let us keep your link, so after a reload open the link in your text message again.',
    tryAnotherCard: 'Try another card',
    /** Why Make Payment waits after the link has loaded: the terms it records as accepted have not (`get_terms`). */
    termsLoading: 'Loading the terms of payment: you can pay once they are here.',
    termsFailed: 'The terms of payment could not be loaded, so you cannot pay yet. Nothing was charged.',
    termsRetry: 'Load the terms again',
    terms: (company: string | undefined, amount: string | undefined) =>
      `I accept the terms of payment and authorize ${company ?? 'us'} to charge my card${amount ? ` ${amount}` : ''} once.`,
    paidReceipt: 'This link has been paid. Here is your receipt.',
    thankYou: 'Thank you',
    complete: 'Your payment is complete. You can close this page.',
    outcomes: {
      paid: 'Payment Complete',
      confirming: 'Confirming your payment',
      under_review: 'Payment Under Review',
      link_used: 'Already Paid',
      link_expired: 'Link Expired',
      link_revoked: 'Link Cancelled',
      link_not_found: 'Link Not Found',
      link_outdated: 'Link Out of Date',
    },
    received: 'Thank you. We received your payment of',
    date: 'Date',
    receipt: 'Receipt',
    paidThrough: 'Paid through',
    invoiceNumber: 'Invoice number:',
    viewReceipt: 'View receipt',
    done: 'Done',
    confirmingText: 'Your card was sent to the bank and we are waiting for its answer. Please do not pay again.',
    updatesItself: 'This page updates by itself.',
    underReviewText:
      "Your bank's answer did not match this payment, so we are checking it. Please do not pay again: our support team will contact you.",
    expiredText: 'The 10 minutes to pay this link are up. Nothing was charged.',
    renew: 'Text me a new link',
    renewed: (phone: string) => `We texted a new link to ${phone}. Open it from your messages: you have 10 minutes to pay.`,
    timeLeft: 'Time left to pay:',
    warning30s: '30 seconds left to pay. After that, you can ask for a new link by text.',
    warning2m: '2 minutes left to pay this link.',
  },
  /** A receipt (in the pay page's pop-up and on the receipt pages). */
  receipt: {
    title: (company: string | undefined) => (company ? `${company} receipt` : 'Receipt'),
    paid: 'Paid',
    paidBy: 'Paid by',
    phone: (masked: string) => `Phone ${masked}`,
    location: 'Location',
    invoice: 'Invoice',
    refunds: 'Refunds',
    refundedToCredit: 'refunded, kept as credit for your next payment,',
    creditRefunded: 'of your credit refunded to this card',
    refunded: 'refunded',
    paidThrough: 'Monitoring paid through',
    print: 'Print receipt',
  },
  /** The receipt pages (`src/receipt/`): one receipt by its reference, and the signed-in client's receipts. */
  receiptPages: {
    title: 'Receipt',
    list: 'Receipts',
    none: 'No receipts yet.',
    back: 'Back to Account Information',
    signIn: 'Sign in',
  },
  /** The sign-in page. */
  login: {
    title: 'My Account',
    pageTitle: 'Sign in',
    email: 'Email',
    password: 'Password',
    wrong: 'The email or password is not right.',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
  },
  /** The signed-in app's frame: the top bar and the session warning. */
  app: {
    nav: 'Main',
    payment: 'Payment',
    account: 'Account Information',
    signOut: 'Sign out',
    pageTitle: (page: string) => `${page} – My Account`,
    reloadSignsOut: 'This browser does not let this site keep data, so reloading the page signs you out.',
    sessionWarning: (time: string) => `For your security, you will be signed out in ${time} unless you stay signed in.`,
    staySignedIn: 'Stay signed in',
  },
  /** Make a Payment. */
  makePayment: {
    heading: 'Payment',
    tab: 'Make a Payment',
    vehicle: '1. Vehicle',
    days: '2. Monitoring days',
    card: '3. Card',
    caption: (vehicle: string, days: number) => `${vehicle}, ${days} days`,
    pastDue: 'Past due balance:',
    pastDueIncluded: 'It is included in this payment.',
    newCard: 'A new card',
    saveCard: 'Save this card for next time',
    autopayStrong: 'Turn on Auto Pay',
    autopayText: ' with this card: we pay your monitoring automatically before it runs out, so your device never lapses.',
    autopayNeedsSave: ' (Save the card to use Auto Pay.)',
    creditCovers: 'Your credit covers this period. Call us and we will apply it.',
    payAmount: (amount: string) => `Make Payment of ${amount}`,
  },
  /** A vehicle's paid-through date (`paidStatus`). */
  vehicles: {
    notPaid: 'Overdue: not paid yet',
    overdue: (date: string) => `Overdue: paid through ${date}`,
    paidThrough: (date: string) => `Paid through ${date}`,
  },
  /** Account Information. */
  account: {
    heading: 'Account Information',
    waiting:
      'Your payment was sent and we are waiting for your bank to confirm it. Please do not pay again: it will show here once confirmed.',
    received: (invoice: number | undefined) => `Payment received${invoice !== undefined ? `: invoice #${invoice}` : ''}`,
    viewReceipt: (number: string | undefined) => `View receipt ${number ?? ''}`.trim(),
    thanks: 'Thank you for your payment.',
    email: 'Email',
    phone: 'Phone',
    pastDue: 'Past due balance',
    vehicles: 'Vehicles',
    receipts: 'Receipts',
    viewReceipts: 'View and print your receipts',
    invoices: 'Invoices',
    noInvoices: 'No invoices yet.',
    invoice: 'Invoice',
    date: 'Date',
    status: 'Status',
    total: 'Total',
    /** An invoice's status (`ledger::invoice_status` in the API) in words; see `Words.invoiceStatus`. */
    invoiceStatuses: { paid: 'Paid', open: 'Open', void: 'Void' } satisfies Record<InvoiceStatus, string>,
    refundsOf: (number: number) => `Refunds of invoice #${number}`,
    refundInProgress: 'Refund in progress:',
    creditRefunded: 'Credit refunded to the card:',
    refunded: 'Refunded',
    keptAsCredit: ' (kept as credit)',
  },
  /** The Auto Pay switch. */
  autopay: {
    title: 'Auto Pay',
    pitch: 'Never miss a payment: with Auto Pay we charge your card on file automatically before your monitoring runs out.',
    cardFor: 'Card for Auto Pay',
    needsCard: 'Save a card when you make a payment to use Auto Pay.',
    off: 'Auto Pay is off.',
    /** The in-page confirm before Auto Pay is turned off: what stops, with the next charge when one is due. */
    offAsk: 'Turn off Auto Pay?',
    offWhat: (card: string, day: string | undefined) =>
      day
        ? `Auto Pay will not charge ${card} on ${day}; you will need to pay yourself.`
        : `Auto Pay will not charge ${card} any more; you will need to pay yourself.`,
    turnOff: 'Turn off Auto Pay',
    keepOn: 'Keep Auto Pay on',
    /** Where Auto Pay stands (`get_my_autopay`). */
    onWith: (card: string) => `Auto Pay is on with ${card}.`,
    next: (amount: string, date: string, vehicle: string | undefined) =>
      `Next Auto Pay charge: ${amount} on ${date}${vehicle ? ` for the ${vehicle}` : ''}.`,
    none: 'No Auto Pay charge is scheduled.',
    dontPayTwice: 'You do not need to pay that yourself.',
  },
  /** A vehicle's next service appointment (issue 18, sentence 2). */
  appointment: {
    label: 'Next service appointment:',
    when: (date: string, time: string, place: string) => `${date} at ${time}, ${place}`,
    payBefore: (day: string) => `Pay before your appointment on ${day} so you don't pay at the service center.`,
  },
  /** The past due, prominent on Account Information, with Pay now (issue 18, sentence 3). */
  pastDue: {
    heading: 'Past due',
    amount: (amount: string) => `You have a past due balance of ${amount}.`,
    payNow: 'Pay now',
  },
  /** "Read the terms" and the terms dialog (issue 18, sentence 4). */
  terms: {
    before: 'Read the ',
    link: 'terms',
    version: (version: string, effective: string) => `Version ${version}, in effect from ${effective}.`,
    loading: 'Loading the terms…',
    close: 'Close',
  },
  /** Cards on file. */
  cards: {
    title: 'Cards on file',
    none: 'No cards on file. Tick "Save this card" when you make a payment to keep one.',
    autopayCard: 'Auto Pay charges this card. To remove it, turn Auto Pay off first.',
    removeCard: 'Remove card',
    keep: 'Keep',
    remove: 'Remove',
    removeNamed: (card: string) => `Remove ${card}`,
    removeAsk: (card: string) => `Remove ${card}?`,
    removed: (card: string) => `${card} was removed.`,
  },
  /** Send a payment link (issue 18). */
  sendLink: {
    title: 'Send a payment link',
    pitch: 'Someone else paying for you? Text them a secure link to pay this amount.',
    vehicle: 'Vehicle',
    days: 'Days',
    amount: (amount: string | null) => `Amount: ${amount ?? '…'}`,
    phone: 'Their mobile number',
    send: 'Send',
    sending: 'Sending…',
    sent: (amount: string, phone: string) => `Payment link for ${amount} sent to ${phone}. It can be paid once, within 10 minutes.`,
    list: 'Payment links you sent',
    to: 'to',
    status: {
      sent: 'Sent',
      delivered: 'Delivered',
      sms_failed: 'Text not delivered',
      opened: 'Opened',
      paying: 'Being paid',
      paid: 'Paid',
      expired: 'Expired',
      revoked: 'Cancelled',
      outdated: 'Out of date',
    },
  },
};

/** The shape every language's table has: English's. */
export type Catalog = typeof en;
