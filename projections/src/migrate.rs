//! Migrations of the read databases: one migrator per database, never two migration folders in
//! one `_sqlx_migrations` table (DESIGN §3a).

use sqlx::PgPool;
use sqlx::migrate::{MigrateError, Migrator};

/// The read databases, one per module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Master,
    Kepegawaian,
    Umum,
    Keuangan,
    Audit,
}

impl Module {
    pub const ALL: [Module; 5] = [
        Self::Master,
        Self::Kepegawaian,
        Self::Umum,
        Self::Keuangan,
        Self::Audit,
    ];

    /// The module's short name, as in `db_<name>` and `SEKRETARIAT_DB_<NAME>_URL`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Kepegawaian => "kepegawaian",
            Self::Umum => "umum",
            Self::Keuangan => "keuangan",
            Self::Audit => "audit",
        }
    }

    fn migrator(self) -> &'static Migrator {
        static MASTER: Migrator = sqlx::migrate!("../read-migrations/master");
        static KEPEGAWAIAN: Migrator = sqlx::migrate!("../read-migrations/kepegawaian");
        static UMUM: Migrator = sqlx::migrate!("../read-migrations/umum");
        static KEUANGAN: Migrator = sqlx::migrate!("../read-migrations/keuangan");
        static AUDIT: Migrator = sqlx::migrate!("../read-migrations/audit");
        match self {
            Self::Master => &MASTER,
            Self::Kepegawaian => &KEPEGAWAIAN,
            Self::Umum => &UMUM,
            Self::Keuangan => &KEUANGAN,
            Self::Audit => &AUDIT,
        }
    }
}

/// Runs the module's migrations on its database (or schema, per the pool's search_path).
///
/// # Errors
/// When a migration fails or an applied one was edited.
pub async fn migrate(module: Module, pool: &PgPool) -> Result<(), MigrateError> {
    module.migrator().run(pool).await
}
