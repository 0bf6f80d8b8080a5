//! The realm roles this application knows, and the guard handlers use to check them.
//!
//! Roles come from Keycloak's `realm_access.roles`. Keycloak adds roles of its own there
//! (`offline_access`, `uma_authorization`, `default-roles-<realm>`), so a role string we do not
//! know is ignored rather than rejected: a token is not wrong for carrying them.

use serde::{Deserialize, Serialize};

use crate::problem::Problem;

use super::AuthUser;

/// A realm role of the Sekretariat application (DESIGN §6).
///
/// Serialised as the Keycloak role name (`admin`, `sekretaris`, `kasubag_kepegawaian`,
/// `kasubag_keuangan`, `staf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// IT administrator: manages reference data and users.
    Admin,
    /// Sekretaris: heads the secretariat, approves across sub-sections.
    Sekretaris,
    /// Kepala Subbagian Kepegawaian dan Ortala (staffing).
    KasubagKepegawaian,
    /// Kepala Subbagian Perencanaan, TI dan Pelaporan / Keuangan (finance).
    KasubagKeuangan,
    /// Every other employee.
    Staf,
}

impl Role {
    /// Every role, in order of precedence.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Sekretaris,
        Role::KasubagKepegawaian,
        Role::KasubagKeuangan,
        Role::Staf,
    ];

    /// The role name as it appears in the token and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sekretaris => "sekretaris",
            Role::KasubagKepegawaian => "kasubag_kepegawaian",
            Role::KasubagKeuangan => "kasubag_keuangan",
            Role::Staf => "staf",
        }
    }

    /// The name shown to people, in Bahasa Indonesia.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Sekretaris => "Sekretaris",
            Role::KasubagKepegawaian => "Kasubag Kepegawaian",
            Role::KasubagKeuangan => "Kasubag Keuangan",
            Role::Staf => "Staf",
        }
    }

    /// Parses a realm role name; `None` for a role this application does not know.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The known roles among `names`, deduplicated, in the order they first appear.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Role> {
        let mut roles = Vec::new();
        for role in names.into_iter().filter_map(Role::parse) {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        roles
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A guard for handlers: `Ok(())` if `user` holds at least one of `roles`, otherwise a 403
/// problem with code `forbidden_role` whose detail names the roles that would do.
///
/// There is no implicit super-user: if admins may do something, list [`Role::Admin`].
///
/// ```text
/// require_any(&user, &[Role::Sekretaris, Role::KasubagKepegawaian])?;
/// ```
///
/// # Errors
/// [`Problem`] 403 `forbidden_role` when none of `roles` is held (always, if `roles` is empty).
pub fn require_any(user: &AuthUser, roles: &[Role]) -> Result<(), Problem> {
    if user.has_any(roles) {
        return Ok(());
    }
    let needed = match roles {
        [] => "(tidak ada peran yang diizinkan)".to_string(),
        [only] => only.label().to_string(),
        [rest @ .., last] => format!(
            "{} atau {}",
            rest.iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", "),
            last.label()
        ),
    };
    Err(Problem::forbidden(
        "forbidden_role",
        format!("Anda tidak memiliki hak untuk tindakan ini. Peran yang diperlukan: {needed}."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_with(roles: Vec<Role>) -> AuthUser {
        AuthUser {
            sub: "u-1".into(),
            username: "budi".into(),
            name: None,
            roles,
            satker_id: None,
            unit_kerja_id: None,
            nip: None,
        }
    }

    #[test]
    fn role_names_round_trip_through_serde_and_parse() {
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn unknown_and_duplicate_role_names_are_dropped() {
        let roles = Role::from_names([
            "offline_access",
            "staf",
            "default-roles-sekretariat",
            "admin",
            "staf",
            "Admin",
        ]);
        assert_eq!(roles, vec![Role::Staf, Role::Admin]);
    }

    #[test]
    fn require_any_passes_when_one_role_matches() {
        let user = user_with(vec![Role::Staf, Role::KasubagKeuangan]);
        assert!(require_any(&user, &[Role::Sekretaris, Role::KasubagKeuangan]).is_ok());
    }

    #[test]
    fn require_any_answers_403_naming_the_needed_roles() {
        let user = user_with(vec![Role::Staf]);
        let err = require_any(
            &user,
            &[Role::Admin, Role::Sekretaris, Role::KasubagKepegawaian],
        )
        .unwrap_err();
        assert_eq!(err.status, 403);
        assert_eq!(err.code, "forbidden_role");
        assert!(
            err.detail
                .contains("Admin, Sekretaris atau Kasubag Kepegawaian"),
            "{}",
            err.detail
        );
    }

    #[test]
    fn admin_is_not_an_implicit_super_user() {
        let admin = user_with(vec![Role::Admin]);
        assert!(admin.is_admin());
        assert!(require_any(&admin, &[Role::KasubagKeuangan]).is_err());
        assert!(require_any(&admin, &[]).is_err());
    }
}
