import { describe, expect, it } from 'vitest';
import { cardErrors, cardValid, cvcValid, expiryValid, formatCardNumber, formatExpiry, luhnValid, parseExpiry } from './card';

const today = new Date(2026, 10, 25); // 25 Nov 2026

describe('luhnValid', () => {
  it.each(['4242424242424242', '4242 4242 4242 4242', '4000000000000002', '5555555555554444', '378282246310005'])(
    'accepts %s',
    (number) => expect(luhnValid(number)).toBe(true),
  );
  it.each(['4242424242424241', '1234', '', 'abcd abcd abcd abcd', '42424242424242424242'])('refuses %s', (number) =>
    expect(luhnValid(number)).toBe(false),
  );
});

describe('expiry', () => {
  it('parses MM/YY and MM/YYYY', () => {
    expect(parseExpiry('12/30')).toEqual({ month: 12, year: 2030 });
    expect(parseExpiry('1/2031')).toEqual({ month: 1, year: 2031 });
    expect(parseExpiry('13/30')).toBeNull();
    expect(parseExpiry('ab')).toBeNull();
  });
  it('is valid through the end of its month', () => {
    expect(expiryValid('11/26', today)).toBe(true);
    expect(expiryValid('12/30', today)).toBe(true);
    expect(expiryValid('10/26', today)).toBe(false);
    expect(expiryValid('', today)).toBe(false);
  });
});

describe('cvc', () => {
  it('takes 3 or 4 digits', () => {
    expect(cvcValid('123')).toBe(true);
    expect(cvcValid('1234')).toBe(true);
    expect(cvcValid('12')).toBe(false);
    expect(cvcValid('12345')).toBe(false);
    expect(cvcValid('12a')).toBe(false);
  });
});

describe('a whole card', () => {
  const good = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123', postal: '78701' };
  it('is valid when every field is', () => {
    expect(cardValid(good, today)).toBe(true);
  });
  it('names each bad field', () => {
    expect(Object.keys(cardErrors({ number: '4242', expiry: '01/20', cvc: '1', postal: '' }, today)).sort()).toEqual([
      'cvc',
      'expiry',
      'number',
      'postal',
    ]);
  });
});

describe('formatting while typing', () => {
  it('groups the number and adds the expiry slash', () => {
    expect(formatCardNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(formatExpiry('1230')).toBe('12/30');
    expect(formatExpiry('12/3')).toBe('12/3');
    expect(formatExpiry('1')).toBe('1');
  });
});
