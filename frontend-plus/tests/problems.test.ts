import { describe, expect, it } from 'vitest';
import { problemMessage } from '../src/problems';

describe('problemMessage', () => {
  it('maps a known code to words a person understands', () => {
    expect(problemMessage({ code: 'card_declined', title: 'Card declined', detail: 'the card was declined' }))
      .toBe('The card was declined. Nothing was charged. Try another card.');
    expect(problemMessage({ code: 'location_not_accepting_payments' })).toMatch(/does not accept payments/);
  });

  it('lists the invalid fields of a validation problem', () => {
    const problem = { code: 'validation_failed', errors: [{ field: 'phone', message: 'phone is required' }] };
    expect(problemMessage(problem)).toBe('Some details are not valid: phone is required.');
  });

  it('falls back to the detail, then the title, of an unknown code', () => {
    expect(problemMessage({ code: 'brand_new_code', title: 'New', detail: 'something new happened' }))
      .toBe('Something new happened.');
    expect(problemMessage({ code: 'brand_new_code', title: 'Brand new problem' })).toBe('Brand new problem.');
  });

  it('explains a network failure and never dumps JSON', () => {
    expect(problemMessage(new TypeError('Failed to fetch'))).toMatch(/Cannot reach the server/);
    expect(problemMessage('<html>502</html>')).toBe('Something went wrong. Try again.');
  });
});
