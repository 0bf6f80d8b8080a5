//! `sekretariat replay verify [--json]`: recomputes the tamper-evidence chain over the events
//! and names the first event whose stored bytes no longer match its seal.

use anyhow::{Context, bail};
use sekretariat_projections::seal::{self, Break, VerifyReport};
use sqlx::postgres::PgPoolOptions;

use crate::config::Settings;

/// Arguments of `replay verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Checks the chain.
///
/// # Errors
/// The event store cannot be read.
pub async fn check(settings: &Settings) -> anyhow::Result<VerifyReport> {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(settings.databases.eventstore.clone())
        .await
        .context("connecting to the event store")?;
    let report = seal::verify(&pool)
        .await
        .context("reading events and seals")?;
    pool.close().await;
    Ok(report)
}

/// The report for an operator.
pub fn describe(report: &VerifyReport) -> String {
    match &report.first_break {
        None => format!(
            "OK: {} events match their seals{}",
            report.checked,
            if report.unsealed > 0 {
                format!(" ({} newer events not sealed yet)", report.unsealed)
            } else {
                String::new()
            }
        ),
        Some(Break::Altered {
            chain_index,
            global_position,
            aggregate_type,
            aggregate_id,
            sequence,
            event_type,
        }) => format!(
            "BROKEN: event at global position {global_position} ({aggregate_type}/{aggregate_id} #{sequence}, \
             {event_type}; seal #{chain_index}) differs from what was sealed; {} events before it match",
            report.checked
        ),
        Some(Break::Missing {
            chain_index,
            global_position,
        }) => format!(
            "BROKEN: the event sealed as #{chain_index} (global position {global_position}) is no longer in the \
             store; {} events before it match",
            report.checked
        ),
    }
}

/// Runs `replay verify`; fails (exit code 1) when the chain is broken.
///
/// # Errors
/// A broken chain or an unreadable store.
pub async fn run(settings: &Settings, args: VerifyArgs) -> anyhow::Result<()> {
    let report = check(settings).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{}", describe(&report));
    }
    if report.first_break.is_some() {
        bail!("the event store does not match its seals");
    }
    Ok(())
}
