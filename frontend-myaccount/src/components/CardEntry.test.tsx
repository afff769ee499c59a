import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardEntry } from './CardEntry';

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
});
