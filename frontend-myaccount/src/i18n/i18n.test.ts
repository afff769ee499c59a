import { afterEach, describe, expect, it } from 'vitest';
import { payHint } from '../components/PayButton';
import { chooseLanguage, currentLanguage, followLanguage, lineLabel, vehicleStatus, wordsFor } from '.';
import { en } from './en';
import { es } from './es';

const english = wordsFor('en');
const spanish = wordsFor('es');

/** Every key path of a catalog, with the kind of its value (words, or a function of some values). */
function shape(table: object, prefix = ''): string[] {
  return Object.entries(table).flatMap(([key, value]: [string, unknown]) =>
    typeof value === 'object' && value !== null ? shape(value, `${prefix}${key}.`) : [`${prefix}${key}: ${typeof value}`],
  );
}

describe('the catalogs', () => {
  it('have the same keys, each words in one and words in the other, or a function in both', () => {
    expect(shape(es)).toEqual(shape(en));
  });
});

describe('dates', () => {
  it('write a calendar date as written, in each language', () => {
    expect(spanish.date('2026-12-12')).toBe('12 de dic. de 2026');
    expect(spanish.date('2027-01-01')).toBe('1 de ene. de 2027');
    expect(english.date('2026-12-12')).toBe('Dec 12, 2026');
    expect(english.date('2027-01-01')).toBe('Jan 1, 2027');
  });

  it('never move a business date by the time zone (the last and first day of a month stay theirs)', () => {
    expect(spanish.date('2026-11-30')).toBe('30 de nov. de 2026');
    expect(spanish.date('2026-12-01')).toBe('1 de dic. de 2026');
  });

  it('write a location clock time in each language', () => {
    expect(english.clockTime('18:04')).toBe('6:04 PM');
    // ICU separates "p. m." with a (narrow) no-break space in some versions.
    expect(spanish.clockTime('18:04').replace(/[\s\u00a0\u202f]/g, '')).toBe('6:04p.m.');
    expect(spanish.clockTime('00:30').replace(/[\s\u00a0\u202f]/g, '')).toBe('12:30a.m.');
  });

  it('run in Tokyo (the test command sets TZ), where the browser’s own zone would move days and hours', () => {
    expect(new Date('2026-12-01T03:00:00Z').getTimezoneOffset()).toBe(-540);
  });

  it('write an instant on the clocks of the location’s zone, never the browser’s', () => {
    // 9:00 PM on Nov 30 in Austin is 12:00 PM on Dec 1 in Tokyo.
    expect(english.dateTime('2026-12-01T03:00:00Z', 'America/Chicago')).toBe('Nov 30, 2026, 9:00 PM');
    expect(spanish.dateTime('2026-12-01T03:00:00Z', 'America/Chicago')).toMatch(/^30 de nov\. de 2026, 9:00\sp\.\s?m\.$/);
  });

  it('write a business date in words in each language’s order, unshifted, and refuse an instant', () => {
    expect(english.date('2026-12-01')).toBe('Dec 1, 2026');
    expect(spanish.date('2026-12-01')).toBe('1 de dic. de 2026');
    expect(() => english.date('2026-12-01T03:00:00Z')).toThrow(RangeError);
  });

  it('write an invoice’s status in words, and a status they have no words for capitalized', () => {
    expect(['paid', 'open', 'void'].map(english.invoiceStatus)).toEqual(['Paid', 'Open', 'Void']);
    expect(['paid', 'open', 'void'].map(spanish.invoiceStatus)).toEqual(['Pagada', 'Abierta', 'Anulada']);
    expect(english.invoiceStatus('disputed')).toBe('Disputed');
  });
});

describe('money', () => {
  it('is written the same in US English and US Spanish, as Intl writes US dollars for es-US', () => {
    for (const cents of [0, 5, 12345, 123456, 100000000]) {
      expect(spanish.money(cents)).toBe(english.money(cents));
      expect(spanish.money(cents)).toBe(
        new Intl.NumberFormat('es-US', { style: 'currency', currency: 'USD' }).format(cents / 100),
      );
    }
    expect(spanish.money(123456)).toBe('$1,234.56');
  });
});

describe('quote lines', () => {
  it('keep the API words in English and write each kind in Spanish', () => {
    const lines = [
      { kind: 'monitoring', description: 'Monitoring, 14 days' },
      { kind: 'past_due', description: 'Past due balance' },
      { kind: 'tax', description: 'Tax (8.25%)' },
      { kind: 'credit', description: 'Credit' },
    ];
    expect(lines.map(english.line)).toEqual(['Monitoring, 14 days', 'Past due balance', 'Tax (8.25%)', 'Credit']);
    expect(lines.map(spanish.line)).toEqual(['Monitoreo, 14 días', 'Saldo vencido', 'Impuesto (8.25%)', 'Crédito']);
  });

  it('keep the API words when they do not read as expected, rather than show a wrong number', () => {
    expect(lineLabel({ kind: 'monitoring', description: 'Monitoring' }, es, 'es')).toBe('Monitoring');
    expect(lineLabel({ kind: 'tax', description: 'Sales tax' }, es, 'es')).toBe('Sales tax');
    expect(lineLabel({ kind: 'refund', description: 'Refund' }, es, 'es')).toBe('Refund');
  });
});

describe('words with values', () => {
  it('put the values in their place in each language', () => {
    expect(spanish.t.pay.greeting('Lucía')).toBe('Hola, Lucía:');
    expect(spanish.t.makePayment.payAmount(spanish.money(10284))).toBe('Pagar $102.84');
    expect(spanish.t.common.cardEnding('Visa', '4242')).toBe('Visa terminada en 4242');
    expect(spanish.t.pay.terms('Acme', '$102.84')).toBe(
      'Acepto los términos de pago y autorizo a Acme a cobrar $102.84 a mi tarjeta una sola vez.',
    );
    expect(english.t.pay.terms(undefined, undefined)).toBe(
      'I accept the terms of payment and authorize us to charge my card once.',
    );
  });

  it('say what is missing before paying in Spanish', () => {
    const f = es.cardEntry.fieldWords;
    expect(payHint([f.cvc], [], es.payHint)).toBe('Para pagar, escriba el código de seguridad.');
    expect(payHint([f.number, f.expiry], [es.payHint.acceptTerms], es.payHint)).toBe(
      'Para pagar, escriba el número de tarjeta y la fecha de vencimiento, y acepte los términos.',
    );
  });

  it('write a vehicle paid-through date in each language', () => {
    expect(vehicleStatus('2026-12-12', '2026-11-30', spanish)).toEqual({ overdue: false, text: 'Pagado hasta el 12 de dic. de 2026' });
    expect(vehicleStatus('2026-11-20', '2026-11-30', spanish)).toEqual({ overdue: true, text: 'Vencido: pagado hasta el 20 de nov. de 2026' });
    expect(vehicleStatus(null, '2026-11-30', spanish)).toEqual({ overdue: true, text: 'Vencido: todavía no se ha pagado' });
    expect(vehicleStatus('2026-12-12', '2026-11-30', english)).toEqual({ overdue: false, text: 'Paid through Dec 12, 2026' });
  });

  it('take problem messages from the kit table of the language', () => {
    expect(spanish.problem('card_declined')).toBe('La tarjeta fue rechazada. No se cobró nada. Pruebe con otra tarjeta.');
    expect(english.problem('card_declined')).toBe('The card was declined. Nothing was charged. Try another card.');
  });
});

describe('the language shown', () => {
  afterEach(() => {
    sessionStorage.clear();
    followLanguage('en');
  });

  it("follows the client's language until the tab chooses one, and marks the page with it", () => {
    followLanguage('es');
    expect(currentLanguage()).toBe('es');
    expect(document.documentElement.lang).toBe('es');
    chooseLanguage('en');
    followLanguage('es'); // e.g. /me answered again
    expect(currentLanguage()).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(sessionStorage.getItem('myaccount.language')).toBe('en');
  });

  it('ignores a language this build has no words for', () => {
    followLanguage('fr');
    expect(currentLanguage()).toBe('en');
    followLanguage(undefined);
    expect(currentLanguage()).toBe('en');
  });
});
