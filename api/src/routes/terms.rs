//! The usage terms a payer accepts (public: the pay page shows them before
//! anyone signs in).

use crate::domain::terms::{self, Terms};
use actix_web::{get, web};

/// The usage terms in force: their version (what a payment records when the
/// payer sends it as `terms_version`), effective date and text as HTML-safe
/// markup (`<h2>`, `<p>`, `<ul>`, `<li>` only).
#[utoipa::path(tag = "config", operation_id = "get_terms", security(()), responses(
    (status = 200, body = Terms),
    (status = 422, description = "validation_failed: a control character in the query string (refused for every request)", body = crate::error::Problem, content_type = "application/problem+json"),
))]
#[get("/terms")]
pub async fn get_terms() -> web::Json<Terms> {
    web::Json(terms::CURRENT)
}
