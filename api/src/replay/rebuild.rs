//! `sekretariat replay rebuild` (being written).

/// Arguments of `replay rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {}

/// Runs `replay rebuild`.
///
/// # Errors
/// Always, until it is written.
pub async fn run(_settings: &crate::config::Settings, _args: RebuildArgs) -> anyhow::Result<()> {
    anyhow::bail!("replay rebuild is not available yet")
}
