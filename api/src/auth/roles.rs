//! Who may do what: the one permission matrix for staff roles (DESIGN.md,
//! "Roles"; published in docs/api.md). Handlers ask for a permission with the
//! [`Can`] extractor; a staff member whose role lacks it gets
//! `403 forbidden`, and an unknown role is allowed nothing.

use super::Staff;
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

    /// `Ok` when this staff member's role allows `permission`, else `403 forbidden`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        match Role::parse(&self.role) {
            Some(role) if allows(role, permission) => Ok(()),
            _ => Err(ApiError::Forbidden(
                "your role does not allow this; ask a supervisor",
            )),
        }
    }
}

/// A permission as a type, for [`Can`].
pub trait Permit {
    const PERMISSION: Permission;
}

/// Marker types, one per [`Permission`].
pub mod permits {
    use super::{Permission, Permit};

    macro_rules! permit {
        ($($name:ident),*) => {$(
            #[doc = concat!("[`Permission::", stringify!($name), "`] as a type.")]
            pub struct $name;
            impl Permit for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }
    permit!(
        ReadClients,
        SendLinks,
        TakePayments,
        AddInvoices,
        Refund,
        Administer
    );
}

/// A signed-in staff member (PLUS Web) whose role allows `P`: `401` without
/// a staff token, `403 forbidden` when the role does not allow it.
pub struct Can<P>(pub Staff, pub PhantomData<P>);

impl<P: Permit> FromRequest for Can<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = super::staff(&req).await?;
            staff.require(P::PERMISSION)?;
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
        };
        assert!(staff.require(Permission::ReadClients).is_err());
    }
}
