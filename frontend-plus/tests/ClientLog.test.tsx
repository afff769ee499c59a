import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../src/api/client';
import { ClientLog } from '../src/components/ClientLog';
import { dana, stubApi } from './fixtures';

const at = '2026-11-25T15:09:26Z';
const entries: Schemas['LogEntry'][] = [
  { id: '1', author_kind: 'payer', author_name: 'Payer at (737) 555-0199', created_at: at,
    message: 'Secure payment link payment of $155.88 by the payer at (737) 555-0199 succeeded.' },
  { id: '2', author_kind: 'staff', author_name: 'Alex Agent', created_at: at, message: 'Called the client.' },
  { id: '3', author_kind: 'api_key', author_name: 'API key “Billing system”', created_at: at, message: 'Sent a link.' },
  { id: '4', author_kind: 'system', author_name: 'System', created_at: at, message: 'Auto Pay declined.' },
];

describe('ClientLog', () => {
  it('names each author in words: a link’s payer, staff, an API key and the system, never a raw kind', async () => {
    stubApi({ [`GET /clients/${dana().id}/log`]: { status: 200, body: entries } });
    render(<ClientLog clientId={dana().id} timeZone="America/Chicago" version={0} />);
    const items = await screen.findAllByRole('listitem');
    const authors = items.map((item) => item.querySelector('.small-text')?.textContent?.split(' · ')[0]);
    expect(authors).toEqual([
      'Payer at (737) 555-0199',
      'Alex Agent (staff)',
      'API key “Billing system”',
      'System',
    ]);
    expect(items.map((item) => item.textContent).join('\n')).not.toMatch(/\((payer|api_key|system)\)/);
  });

  it('times each line on the clocks of the client’s location, not the browser’s (the test command runs in Tokyo)', async () => {
    expect(new Date(at).getTimezoneOffset()).toBe(-540);
    stubApi({ [`GET /clients/${dana().id}/log`]: { status: 200, body: entries.slice(0, 1) } });
    render(<ClientLog clientId={dana().id} timeZone="America/Chicago" version={0} />);
    const time = (await screen.findByRole('listitem')).querySelector('time');
    expect(time?.textContent).toBe('Nov 25, 2026, 9:09 AM'); // 15:09 UTC; 00:09 the next day in Tokyo
    expect(time?.getAttribute('datetime')).toBe(at);
  });
});
