import { render } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { EmailAddress } from './EmailAddress';

/** The address's text between its break opportunities (<wbr>). */
function pieces(address: string): string[] {
  const { container } = render(<EmailAddress address={address} />);
  expect(container.textContent).toBe(address);
  return container.innerHTML.split('<wbr>');
}

describe('EmailAddress', () => {
  it('may break after the @ and before each dot, nowhere else', () => {
    expect(pieces('client@example.com')).toEqual(['client@', 'example', '.com']);
    expect(pieces('dana.whitfield@mail.example.co.uk')).toEqual(['dana', '.whitfield@', 'mail', '.example', '.co', '.uk']);
  });

  it('leaves an address without an @ or a dot whole', () => {
    expect(pieces('postmaster')).toEqual(['postmaster']);
  });
});
