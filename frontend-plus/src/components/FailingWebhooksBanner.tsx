import { useStaffMe } from '../permissions';
import { webhooksPath } from '../routes';

/**
 * Tells admins, on every page, that webhook endpoints were disabled after every delivery failed for 24 hours
 * (`staff_me`'s `failing_webhook_endpoints`, read on load and again after a change on the webhooks page): the
 * partner systems behind them hear of no payment until someone fixes and resumes them.
 */
export function FailingWebhooksBanner() {
  const count = useStaffMe()?.failing_webhook_endpoints ?? 0;
  if (count <= 0) return null;
  const one = count === 1;
  return (
    <div class="notice banner" role="region" aria-label="Webhook endpoints disabled">
      <strong>
        {count} webhook {one ? 'endpoint was' : 'endpoints were'} disabled after failing for 24 hours.
      </strong>{' '}
      {one ? 'Its partner system is' : 'Their partner systems are'} told of no payment until{' '}
      {one ? 'it is' : 'they are'} fixed and resumed. <a href={webhooksPath()}>Review webhook endpoints</a>
    </div>
  );
}
