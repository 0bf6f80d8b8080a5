//! `sekretariat replay ...`: the tools that answer from the event history (DESIGN §4): rebuild
//! a read model, verify the tamper-evidence chain, answer an auditor's question about one
//! resource.

pub mod audit;
pub mod rebuild;
pub mod verify;

use clap::Subcommand;

/// The `replay` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// Rebuilds a read model from position zero into fresh tables, then swaps them in.
    Rebuild(rebuild::RebuildArgs),
    /// Recomputes the hash chain over the events and names the first event that no longer
    /// matches its seal.
    Verify(verify::VerifyArgs),
    /// The history of one resource (who, when, from where, what changed) and its state as of a
    /// date.
    Audit(audit::AuditArgs),
}

/// Runs a replay subcommand.
///
/// # Errors
/// The tool's failure, already explained for an operator.
pub async fn run(settings: &crate::config::Settings, command: ReplayCommand) -> anyhow::Result<()> {
    match command {
        ReplayCommand::Rebuild(args) => rebuild::run(settings, args).await,
        ReplayCommand::Verify(args) => verify::run(settings, args).await,
        ReplayCommand::Audit(args) => audit::run(settings, args).await,
    }
}
