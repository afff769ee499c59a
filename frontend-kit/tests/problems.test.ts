import { describe, expect, it } from 'vitest';
import { ApiError, declineCodes, errorCode, problemMessage } from '../src/problems';

describe('problemMessage', () => {
  it('maps a known code to words a person understands', () => {
    expect(problemMessage({ code: 'card_declined', title: 'Card declined', detail: 'the card was declined' }))
      .toBe('The card was declined. Nothing was charged. Try another card.');
    expect(problemMessage({ code: 'location_not_accepting_payments' })).toMatch(/does not accept payments/);
    expect(problemMessage(new ApiError(402, 'card_declined', 'the card was declined'))).toBe(problemMessage('card_declined'));
  });

  it('lists the invalid fields of a validation problem', () => {
    const problem = { code: 'validation_failed', errors: [{ field: 'phone', message: 'phone is required' }] };
    expect(problemMessage(problem)).toBe('Some details are not valid: phone is required.');
    expect(problemMessage(new ApiError(422, 'validation_failed', 'phone is required', problem)))
      .toBe('Some details are not valid: phone is required.');
  });

  it('falls back to the detail, then the title, of an unknown code', () => {
    expect(problemMessage({ code: 'brand_new_code', title: 'New', detail: 'something new happened' }))
      .toBe('Something new happened.');
    expect(problemMessage({ code: 'brand_new_code', title: 'Brand new problem' })).toBe('Brand new problem.');
  });

  it('has a safe fallback for codes it does not know', () => {
    expect(problemMessage('brand_new_code')).toMatch(/Something went wrong/);
  });

  it('explains a network failure and never dumps JSON', () => {
    expect(problemMessage(new TypeError('Failed to fetch'))).toMatch(/Cannot reach the server/);
    expect(problemMessage(new ApiError(0, 'network_error', 'offline'))).toMatch(/connection/);
    expect(problemMessage('<html>502</html>')).toBe('Something went wrong. Try again.');
    expect(problemMessage(new Error('boom'))).toMatch(/Something went wrong/);
  });

  it('tells used, revoked, expired and unknown links apart', () => {
    const texts = ['link_used', 'link_revoked', 'link_expired', 'link_not_found'].map((code) => problemMessage(code));
    expect(new Set(texts).size).toBe(4);
    expect(problemMessage('link_used')).toMatch(/already been used/);
    expect(problemMessage('link_revoked')).toMatch(/cancelled and can no longer be paid/);
  });

  it('says an out-of-date link took nothing and a new link is needed', () => {
    expect(problemMessage('link_outdated')).toMatch(/Nothing was charged/);
    expect(problemMessage('link_outdated')).toMatch(/new link/);
  });

  it('says a declined card took nothing and another card may work', () => {
    for (const code of ['card_declined', 'insufficient_funds']) {
      expect(declineCodes.has(code)).toBe(true);
      expect(problemMessage(code)).toMatch(/Nothing was charged/);
      expect(problemMessage(code)).toMatch(/another card/);
    }
    expect(problemMessage('insufficient_funds')).toMatch(/insufficient funds/);
  });
});

describe('errorCode', () => {
  it('reads the code of an ApiError or a problem, and treats anything else as internal', () => {
    expect(errorCode(new ApiError(410, 'link_used', 'used'))).toBe('link_used');
    expect(errorCode({ code: 'query_too_short' })).toBe('query_too_short');
    expect(errorCode(new TypeError('Failed to fetch'))).toBe('network_error');
    expect(errorCode(new Error('boom'))).toBe('internal_error');
  });
});

describe('problemMessage in Spanish', () => {
  it('has Spanish words for every code, different from the English ones where the words differ', () => {
    expect(problemMessage('card_declined', 'es')).toBe('La tarjeta fue rechazada. No se cobró nada. Pruebe con otra tarjeta.');
    expect(problemMessage('link_expired', 'es')).toBe('Este enlace de pago ha vencido.');
    expect(problemMessage('invalid_language', 'es')).toBe('Elija inglés o español.');
    expect(problemMessage('invalid_language')).toBe('Choose English or Spanish.');
    expect(problemMessage(new ApiError(402, 'insufficient_funds', 'declined'), 'es')).toMatch(/fondos insuficientes/);
  });

  it('says network failures, validation fields and unknown codes in Spanish', () => {
    expect(problemMessage(new TypeError('Failed to fetch'), 'es')).toMatch(/No se puede conectar/);
    expect(problemMessage('brand_new_code', 'es')).toBe('Algo salió mal. Inténtelo de nuevo.');
    const problem = { code: 'validation_failed', errors: [{ field: 'phone', message: 'phone is required' }] };
    expect(problemMessage(problem, 'es')).toBe('Algunos datos no son válidos: phone is required.');
  });

  it('English stays the default', () => {
    expect(problemMessage('card_declined')).toBe(problemMessage('card_declined', 'en'));
  });
});
