import { render } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { formatDateTime } from '@kit/format';
import { DateTime } from '../src/components/DateTime';

describe('DateTime', () => {
  it('writes the instant as formatDateTime does, in a <time>, its date and its time of day in a run each', () => {
    const iso = '2026-12-01T15:30:00Z';
    const { container } = render(<DateTime iso={iso} timeZone="America/Chicago" />);
    const time = container.querySelector('time');
    expect(time?.getAttribute('datetime')).toBe(iso);
    expect(time?.textContent).toBe(formatDateTime(iso, 'America/Chicago'));
    // Each run stays on one line (styles.css), so the stamp breaks only between them.
    expect([...(time?.querySelectorAll('span') ?? [])].map((span) => span.textContent)).toEqual(['Dec 1, 2026,', '9:30 AM']);
  });
});
