//! HTTP handlers: extract, authorize, call the domain, answer. One file per resource.

pub mod api_keys;
pub mod auth;
pub mod cards;
pub mod clients;
pub mod confirm;
pub mod credits;
pub mod health;
pub mod history;
pub mod idempotency;
pub mod links;
pub mod me;
pub mod payments;
pub mod public_config;
pub mod quote;
pub mod receipts;
pub mod refunds;
pub mod sandbox;
pub mod terms;
pub mod webhook_endpoints;
pub mod webhooks;

use actix_web::web;

/// Every `/api/v1` route.
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(public_config::public_config)
        .service(auth::staff_login)
        .service(auth::client_login)
        .service(auth::logout)
        .service(auth::refresh_session)
        .service(clients::search_clients)
        .service(clients::get_client)
        .service(clients::update_client)
        .service(clients::get_client_reminders)
        .service(clients::set_next_appointment)
        .service(clients::clear_next_appointment)
        .service(terms::get_terms)
        .service(me::get_me)
        .service(me::staff_me)
        .service(quote::quote_summary)
        .service(payments::next_payment)
        .service(payments::take_payment)
        .service(payments::make_payment)
        .service(refunds::refund_payment)
        .service(history::account_history)
        .service(history::add_invoice)
        .service(credits::apply_credit)
        .service(credits::refund_credit)
        .service(credits::grant_credit)
        .service(history::client_log)
        .service(history::my_invoices)
        .service(history::my_invoice)
        .service(cards::my_cards)
        .service(cards::add_card)
        .service(cards::remove_card)
        .service(cards::remove_client_card)
        .service(cards::get_my_autopay)
        .service(cards::set_autopay)
        .service(sandbox::tokenize)
        .service(sandbox::authenticate)
        .service(confirm::confirm_my_payment)
        .service(confirm::confirm_link_payment)
        .service(links::send_link)
        .service(links::send_my_link)
        .service(links::list_my_links)
        .service(links::client_links)
        .service(links::revoke_link)
        .service(links::resend_link)
        .service(links::get_link)
        .service(links::redeem_token)
        .service(links::renew_expired_link)
        .service(receipts::get_receipt_by_reference)
        .service(receipts::list_my_receipts)
        .service(receipts::get_my_receipt)
        .service(receipts::get_payment_receipt)
        .service(api_keys::create_api_key)
        .service(api_keys::list_api_keys)
        .service(api_keys::revoke_api_key)
        .service(webhook_endpoints::create_webhook_endpoint)
        .service(webhook_endpoints::list_webhook_endpoints)
        .service(webhook_endpoints::delete_webhook_endpoint)
        .service(webhook_endpoints::list_webhook_deliveries)
        .service(webhook_endpoints::replay_webhook_delivery)
        .service(webhook_endpoints::update_webhook_endpoint)
        .service(webhooks::stripe_webhook)
        .service(webhooks::twilio_status)
        .service(webhooks::twilio_inbound);
}
