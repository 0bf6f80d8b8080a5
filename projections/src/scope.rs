//! Reading under row-level security. The API's read pools run as [`READ_ROLE`]; every query
//! runs in a transaction that first sets `app.satker_id` (transaction-local), which the
//! tables' policies compare with each row's satker. Forgetting the scope shows nothing.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Postgres, Transaction};

/// The role the API reads as: SELECT only, subject to row-level security.
pub const READ_ROLE: &str = "sekretariat_read";

/// Which satker's rows a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SatkerScope {
    /// Every satker (system administrators).
    All,
    /// One satker.
    One(String),
    /// Nothing (a caller with no satker in their token).
    Nothing,
}

impl SatkerScope {
    fn setting(&self) -> &str {
        match self {
            Self::All => "*",
            Self::One(s) => s,
            // A value no satker code can have (codes are uppercase letters, digits, '-').
            Self::Nothing => "-none-",
        }
    }
}

/// A pool whose connections all run as [`READ_ROLE`].
///
/// # Errors
/// When the database cannot be reached or the login may not `SET ROLE`.
pub async fn connect_read_pool(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(format!("set role {READ_ROLE}").as_str())
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// Begins a read transaction scoped to `scope`, on the calendar day `today` (the app's clock:
/// a mutasi or pensiun takes effect from its TMT, see `app_today()` in the kepegawaian
/// migrations). Dropping it rolls back, which is all a read needs.
///
/// # Errors
/// Database errors.
pub async fn begin_scoped(
    pool: &PgPool,
    scope: &SatkerScope,
    today: time::Date,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select set_config('app.satker_id', $1, true), set_config('app.today', $2, true)")
        .bind(scope.setting())
        .bind(today.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
