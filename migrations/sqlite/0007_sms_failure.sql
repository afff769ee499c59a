-- Why a text failed, for staff (PLUS Web's links list) and the sms_failed metric: the provider's
-- error code as reported (Twilio's ErrorCode, e.g. 21610) and our reason for it (domain::SmsFailureReason,
-- e.g. opted_out; also link_expired and provider_unavailable, which have no provider code).
alter table sms_outbox add column error_code bigint;
alter table sms_outbox add column failure_reason text;
