import { describe, expect, it } from 'vitest';
import { ApiError, declineCodes, errorMessage, problemMessage } from './problems';

describe('problemMessage', () => {
  it('tells used, revoked, expired and unknown links apart', () => {
    const texts = ['link_used', 'link_revoked', 'link_expired', 'link_not_found'].map(problemMessage);
    expect(new Set(texts).size).toBe(4);
    expect(problemMessage('link_used')).toMatch(/already been used/);
    expect(problemMessage('link_revoked')).toMatch(/replaced or cancelled/);
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

  it('has a safe fallback for codes it does not know', () => {
    expect(problemMessage('brand_new_code')).toMatch(/Something went wrong/);
  });

  it('reads the code of an ApiError and treats anything else as internal', () => {
    expect(errorMessage(new ApiError(0, 'network_error', 'offline'))).toMatch(/connection/);
    expect(errorMessage(new Error('boom'))).toMatch(/Something went wrong/);
  });
});
