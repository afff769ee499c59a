import { en } from '../i18n/en';

/** What the payer typed into the card fields (sandbox gateway only). */
export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
  postal: string;
}

export const emptyCard: CardInput = { number: '', expiry: '', cvc: '', postal: '' };

export const digitsOnly = (value: string) => value.replace(/\D/g, '');

/** Luhn checksum over 12–19 digits (spaces and dashes ignored). */
export function luhnValid(number: string): boolean {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Parses "MM/YY" or "MM/YYYY"; null when malformed. */
export function parseExpiry(expiry: string): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  if (!match) return null;
  const month = Number(match[1]);
  const yearText = match[2] ?? '';
  const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
  if (month < 1 || month > 12) return null;
  return { month, year };
}

/** A card is good through the last day of its expiry month. */
export function expiryValid(expiry: string, today: Date = new Date()): boolean {
  const parsed = parseExpiry(expiry);
  if (!parsed) return false;
  const now = today.getFullYear() * 12 + today.getMonth();
  return parsed.year * 12 + (parsed.month - 1) >= now;
}

export const cvcValid = (cvc: string) => /^\d{3,4}$/.test(cvc);

export const postalValid = (postal: string) => /^[A-Za-z0-9 -]{3,10}$/.test(postal.trim());

export interface CardErrors {
  number?: string;
  expiry?: string;
  cvc?: string;
  postal?: string;
}

/** What is wrong with each field, in `words` (the page's language; English unless given). */
export function cardErrors(card: CardInput, today?: Date, words: Required<CardErrors> = en.cardEntry.errors): CardErrors {
  const errors: CardErrors = {};
  if (!luhnValid(card.number)) errors.number = words.number;
  if (!expiryValid(card.expiry, today)) errors.expiry = words.expiry;
  if (!cvcValid(card.cvc)) errors.cvc = words.cvc;
  if (!postalValid(card.postal)) errors.postal = words.postal;
  return errors;
}

export const cardValid = (card: CardInput, today?: Date) => Object.keys(cardErrors(card, today)).length === 0;

/** Shows the number in groups of four as it is typed. */
export const formatCardNumber = (value: string) => digitsOnly(value).slice(0, 19).replace(/(\d{4})(?=\d)/g, '$1 ');

/** Inserts the slash of MM/YY as it is typed. */
export function formatExpiry(value: string): string {
  const digits = digitsOnly(value).slice(0, 4);
  return digits.length > 2 ? `${digits.slice(0, 2)}/${digits.slice(2)}` : digits;
}
