//! The RBAC matrix: one table of which role may run which command or query, enforced for every
//! request under `/api/v1` by one middleware, and rendered into the README (a test keeps the
//! two equal).
//!
//! A request whose method and path match no row is refused: an unknown route gets 404, a known
//! route with another method 405, a route whose row does not name one of the caller's roles
//! 403. A handler added without a row is therefore unreachable, never open.
//!
//! Beyond the role, two scopes narrow what a caller sees (enforced in the handlers and by
//! row-level security in the database): a non-admin sees and changes only their own satker;
//! a caller whose only role is `staf` sees only their own pegawai record (`nip` claim).

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage};
use sekretariat_projections::scope::SatkerScope;

use crate::auth::{AuthUser, Role};
use crate::problem::Problem;

use Role::{Admin, KasubagKepegawaian, KasubagKeuangan, Sekretaris, Staf};

/// Every role.
const ALL: &[Role] = &[Admin, Sekretaris, KasubagKepegawaian, KasubagKeuangan, Staf];
/// Who keeps the personnel records.
const KEPEGAWAIAN: &[Role] = &[Admin, KasubagKepegawaian];
/// Who plans personnel actions and reads early warnings.
const PIMPINAN_KEPEGAWAIAN: &[Role] = &[Admin, Sekretaris, KasubagKepegawaian];
/// Master data is the administrators'.
const ADMIN: &[Role] = &[Admin];

/// One row of the matrix.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    /// actix pattern, as registered.
    pub path: &'static str,
    pub roles: &'static [Role],
    /// What it is, for the README.
    pub what: &'static str,
    /// Staf sees only their own data through this route.
    pub staf_own_only: bool,
    /// No token needed (the API description).
    pub public: bool,
}

const fn rule(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    what: &'static str,
) -> Rule {
    Rule {
        method,
        path,
        roles,
        what,
        staf_own_only: false,
        public: false,
    }
}

/// A route anyone may call, token or not.
const fn public(method: &'static str, path: &'static str, what: &'static str) -> Rule {
    Rule {
        method,
        path,
        roles: ALL,
        what,
        staf_own_only: false,
        public: true,
    }
}

const fn own(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    what: &'static str,
) -> Rule {
    Rule {
        method,
        path,
        roles,
        what,
        staf_own_only: true,
        public: false,
    }
}

/// The matrix. Order does not matter; each (method, path) appears once.
pub const MATRIX: &[Rule] = &[
    own("GET", "/api/v1/pegawai", ALL, "daftar pegawai"),
    rule("POST", "/api/v1/pegawai", KEPEGAWAIAN, "daftarkan pegawai"),
    own("GET", "/api/v1/pegawai/{nip}", ALL, "detail pegawai"),
    rule(
        "PATCH",
        "/api/v1/pegawai/{nip}",
        KEPEGAWAIAN,
        "ubah data pegawai",
    ),
    own(
        "GET",
        "/api/v1/pegawai/{nip}/riwayat",
        ALL,
        "riwayat pangkat, jabatan, mutasi dan pensiun",
    ),
    rule(
        "POST",
        "/api/v1/pegawai/{nip}/mutasi",
        KEPEGAWAIAN,
        "catat SK mutasi (keluar, masuk, internal)",
    ),
    rule(
        "POST",
        "/api/v1/pegawai/{nip}/pensiun",
        KEPEGAWAIAN,
        "catat SK pensiun",
    ),
    rule("GET", "/api/v1/master/satker", ALL, "daftar satker"),
    rule("POST", "/api/v1/master/satker", ADMIN, "daftarkan satker"),
    rule("GET", "/api/v1/master/satker/{id}", ALL, "detail satker"),
    rule(
        "PATCH",
        "/api/v1/master/satker/{id}",
        ADMIN,
        "ubah nama satker",
    ),
    rule("GET", "/api/v1/master/unit-kerja", ALL, "daftar unit kerja"),
    rule(
        "POST",
        "/api/v1/master/unit-kerja",
        ADMIN,
        "bentuk unit kerja",
    ),
    rule(
        "GET",
        "/api/v1/master/unit-kerja/{id}",
        ALL,
        "detail unit kerja",
    ),
    rule(
        "PATCH",
        "/api/v1/master/unit-kerja/{id}",
        ADMIN,
        "ubah nama unit kerja",
    ),
    rule("GET", "/api/v1/master/jabatan", ALL, "daftar jabatan"),
    rule("POST", "/api/v1/master/jabatan", ADMIN, "buat jabatan"),
    rule("GET", "/api/v1/master/jabatan/{id}", ALL, "detail jabatan"),
    rule(
        "PATCH",
        "/api/v1/master/jabatan/{id}",
        ADMIN,
        "ubah jabatan",
    ),
    rule("GET", "/api/v1/master/golongan", ALL, "referensi golongan"),
    rule("GET", "/api/v1/audit", ADMIN, "log audit"),
    rule(
        "GET",
        "/api/v1/audit/export.xlsx",
        ADMIN,
        "unduh log audit (.xlsx)",
    ),
    rule(
        "GET",
        "/api/v1/audit/history/{resource_type}/{id}",
        ADMIN,
        "riwayat dan keadaan satu data",
    ),
    rule(
        "GET",
        "/api/v1/kepegawaian/peringatan",
        PIMPINAN_KEPEGAWAIAN,
        "peringatan dini KP, pensiun, KGB",
    ),
    rule(
        "GET",
        "/api/v1/kepegawaian/kenaikan-pangkat",
        PIMPINAN_KEPEGAWAIAN,
        "daftar usul kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat",
        KEPEGAWAIAN,
        "usulkan kenaikan pangkat",
    ),
    rule(
        "GET",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}",
        PIMPINAN_KEPEGAWAIAN,
        "detail dan riwayat usul kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/verifikasi",
        KEPEGAWAIAN,
        "verifikasi usul kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/ajukan",
        KEPEGAWAIAN,
        "ajukan usul kenaikan pangkat ke BKN",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/pertek",
        KEPEGAWAIAN,
        "catat pertek kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/sk",
        KEPEGAWAIAN,
        "catat SK kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/tolak",
        KEPEGAWAIAN,
        "tolak usul kenaikan pangkat",
    ),
    rule(
        "POST",
        "/api/v1/kepegawaian/kenaikan-pangkat/{id}/selesai",
        KEPEGAWAIAN,
        "selesaikan usul kenaikan pangkat",
    ),
    rule(
        "GET",
        "/api/v1/kepegawaian/duk",
        PIMPINAN_KEPEGAWAIAN,
        "daftar urut kepangkatan (DUK)",
    ),
    rule(
        "GET",
        "/api/v1/kepegawaian/duk.xlsx",
        PIMPINAN_KEPEGAWAIAN,
        "unduh DUK (.xlsx)",
    ),
    rule(
        "POST",
        "/api/v1/integration/sikep/pegawai",
        KEPEGAWAIAN,
        "impor data pegawai dari SIKEP (JSON/CSV)",
    ),
    public("GET", "/api/v1/openapi.json", "dokumen OpenAPI"),
];

static DEFS: LazyLock<Vec<(Rule, ResourceDef)>> = LazyLock::new(|| {
    MATRIX
        .iter()
        .map(|r| (*r, ResourceDef::new(r.path)))
        .collect()
});

/// What the matrix says about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Found(Rule),
    /// The path is known, the method is not.
    MethodNotAllowed,
    NotFound,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.method == other.method && self.path == other.path
    }
}
impl Eq for Rule {}

/// Finds the row for `method` and `path`.
pub fn lookup(method: &Method, path: &str) -> Lookup {
    let mut path_known = false;
    for (rule, def) in DEFS.iter() {
        if def.is_match(path) {
            if rule.method == method.as_str() {
                return Lookup::Found(*rule);
            }
            path_known = true;
        }
    }
    if path_known {
        Lookup::MethodNotAllowed
    } else {
        Lookup::NotFound
    }
}

/// The middleware: authenticate, find the row, check the role. The verified user is kept in
/// the request's extensions, so handlers extracting [`AuthUser`] do not verify again.
///
/// # Errors
/// 404/405 for requests outside the matrix, 401 without a valid token, 403 for a role the row
/// does not name.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let rule = match lookup(req.method(), req.path()) {
        Lookup::Found(rule) => rule,
        Lookup::MethodNotAllowed => {
            return Err(Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!(
                    "Metode {} tidak didukung untuk {}.",
                    req.method(),
                    req.path()
                ),
            )
            .into());
        }
        Lookup::NotFound => {
            return Err(Problem::not_found(
                "route_not_found",
                format!("Alamat {} tidak dikenal.", req.path()),
            )
            .into());
        }
    };
    if rule.public {
        return next.call(req).await;
    }
    let user = {
        let (http, payload) = req.parts_mut();
        AuthUser::from_request(http, payload).await?
    };
    if !user.has_any(rule.roles) {
        let names: Vec<&str> = rule.roles.iter().map(|r| r.label()).collect();
        return Err(Problem::forbidden(
            "forbidden_role",
            format!(
                "Peran Anda tidak diizinkan untuk {}. Peran yang diperlukan: {}.",
                rule.what,
                names.join(", ")
            ),
        )
        .into());
    }
    req.extensions_mut().insert(rule);
    next.call(req).await
}

/// Which satker's rows the user may see: all for an admin, their own otherwise, none without a
/// satker claim.
pub fn satker_scope(user: &AuthUser) -> SatkerScope {
    if user.is_admin() {
        SatkerScope::All
    } else {
        match &user.satker_id {
            Some(s) if !s.is_empty() => SatkerScope::One(s.clone()),
            _ => SatkerScope::Nothing,
        }
    }
}

/// True when the user reads only their own pegawai record (their only role is `staf`).
pub fn staf_only(user: &AuthUser) -> bool {
    !user.has_any(&[Admin, Sekretaris, KasubagKepegawaian, KasubagKeuangan])
}

/// The matrix as a Markdown table (the README holds exactly this).
pub fn render_markdown() -> String {
    let mut out = String::from("| method | path | what |");
    for r in ALL {
        out.push_str(&format!(" {} |", r.as_str()));
    }
    out.push_str("\n|---|---|---|");
    for _ in ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for rule in MATRIX {
        out.push_str(&format!(
            "| {} | `{}` | {} |",
            rule.method, rule.path, rule.what
        ));
        for r in ALL {
            let cell = if rule.public {
                "public"
            } else if !rule.roles.contains(r) {
                "–"
            } else if *r == Staf && rule.staf_own_only {
                "own"
            } else {
                "✓"
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_and_path_appears_once_in_the_matrix() {
        for (i, a) in MATRIX.iter().enumerate() {
            for b in &MATRIX[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn lookup_distinguishes_unknown_routes_from_unknown_methods() {
        assert!(
            matches!(lookup(&Method::GET, "/api/v1/pegawai/123"), Lookup::Found(r) if r.path == "/api/v1/pegawai/{nip}")
        );
        assert_eq!(
            lookup(&Method::DELETE, "/api/v1/pegawai/123"),
            Lookup::MethodNotAllowed
        );
        assert_eq!(lookup(&Method::GET, "/api/v1/tidak-ada"), Lookup::NotFound);
        assert_eq!(
            lookup(&Method::GET, "/api/v1/pegawai/1/riwayat/x"),
            Lookup::NotFound
        );
    }

    #[test]
    fn writing_pegawai_is_for_admin_and_kasubag_kepegawaian_only() {
        let Lookup::Found(rule) = lookup(&Method::POST, "/api/v1/pegawai") else {
            panic!()
        };
        assert_eq!(rule.roles, &[Admin, KasubagKepegawaian]);
    }

    #[test]
    fn the_readme_shows_the_matrix_as_the_code_has_it() {
        let readme = include_str!("../../README.md");
        let table = render_markdown();
        assert!(
            readme.contains(&table),
            "README.md's RBAC table differs from rbac::render_markdown(); paste this:\n{table}"
        );
    }
}
