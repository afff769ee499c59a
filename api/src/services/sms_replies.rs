//! Texts clients send us (issue 19, item 4): PAY (a fresh secure payment
//! link, [`links::send_by_reply`]) and the opt-out keywords. The
//! opt-out is the phone's ([`crate::store::OutboxStore::set_sms_opt_out`]):
//! no payment link is sent to an opted-out phone (`422 phone_opted_out`)
//! and no receipt text is queued for it.

use crate::domain::{sms_templates, PhoneNumber, SmsKeyword};
use crate::error::ApiResult;
use crate::services::links::{self, PayByReply};
use crate::state::AppState;

/// Handles the text `body` from `from`; returns the reply to send, if any.
/// A sender that is not a phone number is ignored.
pub async fn inbound(state: &AppState, from: &str, body: &str) -> ApiResult<Option<String>> {
    let Ok(phone) = PhoneNumber::parse(from) else {
        return Ok(None);
    };
    let now = state.clock.now();
    match SmsKeyword::parse(body) {
        SmsKeyword::Stop => {
            state
                .store
                .set_sms_opt_out(&phone.to_string(), true, now)
                .await?;
            tracing::info!(phone = %phone.masked(), "a phone opted out of texts");
            Ok(None)
        }
        SmsKeyword::Start => {
            state
                .store
                .set_sms_opt_out(&phone.to_string(), false, now)
                .await?;
            tracing::info!(phone = %phone.masked(), "a phone opted back in to texts");
            Ok(None)
        }
        SmsKeyword::Help => {
            // In the language of the client whose phone it is; English for a
            // phone no client has.
            let language = state
                .store
                .phone_language(&phone.to_string())
                .await?
                .unwrap_or_default();
            Ok(Some(sms_templates::help(
                language,
                &state.settings.company_name,
                &state.settings.support_phone,
            )))
        }
        SmsKeyword::Pay => {
            let company = &state.settings.company_name;
            let support = &state.settings.support_phone;
            let outcome = links::send_by_reply(state, &phone).await?;
            // In the language of the client whose phone it is, as HELP.
            let language = state
                .store
                .phone_language(&phone.to_string())
                .await?
                .unwrap_or_default();
            tracing::info!(phone = %phone.masked(), ?outcome, "a phone texted PAY");
            Ok(match outcome {
                // The link's own text is the answer.
                PayByReply::Sent | PayByReply::InProgress => None,
                // Nothing goes to a phone that opted out, not even an answer.
                PayByReply::OptedOut => None,
                PayByReply::LinkStillLive { minutes } => Some(sms_templates::pay_link_still_live(
                    language, company, minutes,
                )),
                PayByReply::UnknownPhone => {
                    Some(sms_templates::pay_unknown_phone(language, company, support))
                }
                PayByReply::NotAccepted => {
                    Some(sms_templates::pay_not_accepted(language, company, support))
                }
                PayByReply::RateLimited => {
                    Some(sms_templates::pay_rate_limited(language, company, support))
                }
                PayByReply::NothingDue => Some(sms_templates::pay_nothing_due(language, company)),
            })
        }
        SmsKeyword::Other => Ok(None),
    }
}
