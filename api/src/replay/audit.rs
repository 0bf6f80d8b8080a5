//! `sekretariat replay audit` (being written).

/// Arguments of `replay audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {}

/// Runs `replay audit`.
///
/// # Errors
/// Always, until it is written.
pub async fn run(_settings: &crate::config::Settings, _args: AuditArgs) -> anyhow::Result<()> {
    anyhow::bail!("replay audit is not available yet")
}
