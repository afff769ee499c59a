import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardEntry, type CardState } from './CardEntry';
import { payHint } from './PayButton';

afterEach(cleanup);

describe('card entry', () => {
  it('types a card into the sandbox only when the sandbox is the gateway', () => {
    render(<CardEntry gateway="sandbox" onChange={vi.fn()} />);
    expect(screen.getByLabelText('Card number')).toBeTruthy();
  });

  it('shows no card field at all for Stripe without its publishable key, nor for an unknown gateway', () => {
    for (const gateway of ['stripe', 'adyen']) {
      const onChange = vi.fn();
      render(<CardEntry gateway={gateway} publishableKey={null} onChange={onChange} />);
      expect(screen.queryByLabelText('Card number')).toBeNull();
      expect(screen.getByRole('alert').textContent).toMatch(/not available/);
      expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ valid: false }));
      cleanup();
    }
  });

  it('after a decline keeps number, expiry and ZIP, clears the security code and focuses the number (issue 18)', () => {
    let state: CardState | undefined;
    const onChange = (s: CardState) => (state = s);
    const { rerender } = render(<CardEntry gateway="sandbox" onChange={onChange} declines={0} />);
    const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });
    type('Card number', '4000000000000002');
    type('Expiry (MM/YY)', '1230');
    type('Security code', '123');
    type('Billing ZIP code', '78701');
    expect(state?.valid).toBe(true);
    rerender(<CardEntry gateway="sandbox" onChange={onChange} declines={1} />);
    const value = (label: string) => (screen.getByLabelText(label) as HTMLInputElement).value;
    expect(value('Card number')).toBe('4000 0000 0000 0002');
    expect(value('Expiry (MM/YY)')).toBe('12/30');
    expect(value('Billing ZIP code')).toBe('78701');
    expect(value('Security code')).toBe('');
    expect(document.activeElement).toBe(screen.getByLabelText('Card number'));
    expect(state?.missing).toEqual(['cvc']);
  });

  it('names what is missing in the pay hint, and the terms only where there are terms', () => {
    expect(payHint(['the security code'])).toBe('To pay, enter the security code.');
    expect(payHint(['the card number', 'the security code'])).toBe('To pay, enter the card number and the security code.');
    expect(payHint(['your card details'], ['accept the terms'])).toBe('To pay, enter your card details and accept the terms.');
    expect(payHint(['the card number', 'the expiry date'], ['accept the terms'])).toBe(
      'To pay, enter the card number and the expiry date, and accept the terms.',
    );
    expect(payHint([], ['accept the terms'])).toBe('To pay, accept the terms.');
    expect(payHint([])).toBeNull();
  });
});
