//! Who may do what: the one permission matrix for staff roles and API key
//! scopes (DESIGN.md, "Roles"; published in docs/api.md). Handlers ask for a
//! permit with the [`Can`] extractor: a staff member whose role lacks its
//! permission gets `403 forbidden` (an unknown role is allowed nothing), an
//! API key without its scope `403 insufficient_scope` (a permit with no
//! scope is for staff only).

use super::Staff;
use crate::domain::api_key::Scope;
use crate::error::ApiError;
use actix_web::{dev::Payload, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

/// A staff role, as stored on the staff user and carried in the JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn parse(role: &str) -> Option<Role> {
        match role {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What a staff operation needs. Serialized in snake_case (`add_invoices`)
/// for `GET /api/v1/staff/me`, so PLUS Web offers only what the role allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Search clients; read a client, their quote, account history, Client Log and links.
    ReadClients,
    /// Send, resend and revoke Secure Payment Links.
    SendLinks,
    /// Take a Payment with a card on file.
    TakePayments,
    /// Add New Invoice (it raises what the client owes).
    AddInvoices,
    /// Refunds and credits.
    Refund,
    /// Staff accounts and integrations (API keys, webhooks).
    Administer,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::ReadClients,
        Permission::SendLinks,
        Permission::TakePayments,
        Permission::AddInvoices,
        Permission::Refund,
        Permission::Administer,
    ];
}

/// The matrix. Agents serve clients; supervisors also change what a client
/// owes; admins also manage staff and integrations.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match permission {
        ReadClients | SendLinks | TakePayments => true,
        AddInvoices | Refund => matches!(role, Role::Supervisor | Role::Admin),
        Administer => role == Role::Admin,
    }
}

impl Staff {
    /// Every permission this staff member's role has (none for an unknown role).
    pub fn permissions(&self) -> Vec<Permission> {
        Role::parse(&self.role).map_or_else(Vec::new, |role| {
            Permission::ALL
                .into_iter()
                .filter(|p| allows(role, *p))
                .collect()
        })
    }

    /// `Ok` when this staff member's role allows `permission`, else `403
    /// forbidden` (always for an API key: it has scopes, not a role).
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        match Role::parse(&self.role) {
            Some(role) if self.api_key.is_none() && allows(role, permission) => Ok(()),
            _ => Err(ApiError::Forbidden(
                "your role does not allow this; ask a supervisor",
            )),
        }
    }

    /// `Ok` when this caller may use permit `P`: a staff member whose role
    /// has its permission, or an API key that has its scope. Else `403`:
    /// `forbidden` for the role, `insufficient_scope` for the key.
    pub fn require_permit<P: Permit>(&self) -> Result<(), ApiError> {
        let Some(key) = &self.api_key else {
            return self.require(P::PERMISSION);
        };
        match P::SCOPE {
            Some(scope) if key.scopes.contains(&scope) => Ok(()),
            Some(_) => Err(ApiError::InsufficientScope(
                "this API key lacks the scope this operation needs; the spec names it",
            )),
            None => Err(ApiError::InsufficientScope(
                "this operation is for staff only; no API key scope allows it",
            )),
        }
    }
}

/// What a staff operation needs, as a type, for [`Can`]: the permission a
/// staff role must have, and the scope an API key must have (`None`: staff
/// only). The spec declares the same scope on the operation
/// (`security(("api_key" = ["…"]))`); `tests/api/roles.rs` checks both agree.
pub trait Permit {
    const PERMISSION: Permission;
    const SCOPE: Option<Scope>;
}

/// The permits: a [`Permission`] of the role matrix with its API key scope.
/// One permission may be split across scopes (reading clients, quotes and
/// payments are one permission for staff, three scopes for keys).
pub mod permits {
    use super::{Permission, Permit, Scope};

    macro_rules! permit {
        ($($(#[$doc:meta])* $name:ident = ($permission:ident, $scope:expr),)*) => {$(
            $(#[$doc])*
            pub struct $name;
            impl Permit for $name {
                const PERMISSION: Permission = Permission::$permission;
                const SCOPE: Option<Scope> = $scope;
            }
        )*};
    }
    permit!(
        /// Search clients; read a client, their Client Log and links.
        ReadClients = (ReadClients, Some(Scope::ClientsRead)),
        /// Quote a period: the quote summary and the next payment.
        ReadQuotes = (ReadClients, Some(Scope::QuotesRead)),
        /// A client's account history and a payment's receipt.
        ReadPayments = (ReadClients, Some(Scope::PaymentsRead)),
        /// Send, resend and revoke payment links.
        SendLinks = (SendLinks, Some(Scope::LinksWrite)),
        /// Take a Payment with a card on file.
        TakePayments = (TakePayments, Some(Scope::PaymentsWrite)),
        /// Edit a client's details (the language of their texts and pages):
        /// every staff role, as removing a client's card; staff only.
        UpdateClients = (TakePayments, None),
        /// Book or clear a vehicle's next service appointment: every staff
        /// role that serves clients; staff only.
        ScheduleAppointments = (ReadClients, None),
        /// Add New Invoice: staff only.
        AddInvoices = (AddInvoices, None),
        /// Refunds and credits: staff only.
        Refund = (Refund, None),
        /// Staff accounts and integrations (API keys): admins only, never a key.
        Administer = (Administer, None),
    );
}

/// A staff member (PLUS Web) whose role allows `P`, or an API key with `P`'s
/// scope: `401` without a valid staff token or key, `403` when the role
/// (`forbidden`) or the key's scopes (`insufficient_scope`) do not allow it.
pub struct Can<P>(pub Staff, pub PhantomData<P>);

impl<P: Permit> FromRequest for Can<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = super::operator(&req).await?;
            staff.require_permit::<P>()?;
            Ok(Can(staff, PhantomData))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_serve_supervisors_bill_and_admins_administer() {
        use Permission::*;
        let everyone = [ReadClients, SendLinks, TakePayments];
        for role in [Role::Agent, Role::Supervisor, Role::Admin] {
            assert!(everyone.iter().all(|p| allows(role, *p)), "{role:?}");
        }
        assert!(!allows(Role::Agent, AddInvoices) && !allows(Role::Agent, Refund));
        assert!(allows(Role::Supervisor, AddInvoices) && allows(Role::Supervisor, Refund));
        assert!(!allows(Role::Supervisor, Administer));
        assert!(allows(Role::Admin, Administer) && allows(Role::Admin, AddInvoices));
    }

    #[test]
    fn an_unknown_role_is_allowed_nothing() {
        let staff = Staff {
            id: uuid::Uuid::nil(),
            name: "x".into(),
            role: "owner".into(),
            api_key: None,
        };
        assert!(staff.require(Permission::ReadClients).is_err());
    }

    #[test]
    fn a_key_may_use_exactly_the_permits_of_its_scopes() {
        let key = |scopes: Vec<Scope>| Staff {
            id: uuid::Uuid::nil(),
            name: "API key “x”".into(),
            role: "admin".into(),
            api_key: Some(crate::auth::ApiKeyCaller {
                id: uuid::Uuid::nil(),
                scopes,
            }),
        };
        let reader = key(vec![Scope::ClientsRead]);
        assert!(reader.require_permit::<permits::ReadClients>().is_ok());
        assert!(reader.require_permit::<permits::ReadQuotes>().is_err());
        assert!(reader.require_permit::<permits::TakePayments>().is_err());
        let everything = key(Scope::ALL.to_vec());
        assert!(everything.require_permit::<permits::TakePayments>().is_ok());
        // Staff-only permits, even with every scope and an admin role string.
        assert!(everything.require_permit::<permits::Refund>().is_err());
        assert!(everything.require_permit::<permits::Administer>().is_err());
        assert!(everything.require(Permission::ReadClients).is_err());
    }
}
