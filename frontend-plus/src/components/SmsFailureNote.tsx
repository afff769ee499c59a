import type { LinkView } from '../api/client';

type SmsFailure = NonNullable<LinkView['sms_failure']>;

/** Why a link's text failed and what the agent can do next, from the API's `sms_failure`. */
export function SmsFailureNote({ failure }: { failure: SmsFailure }) {
  return (
    <p class="sms-failure" data-testid="sms-failure">
      <strong>Text not delivered.</strong> {failure.description}{' '}
      <span class="next-step">Next step: {failure.next_step}</span>
      {failure.provider_error_code != null && (
        <small class="muted"> (SMS provider error {failure.provider_error_code})</small>
      )}
    </p>
  );
}
