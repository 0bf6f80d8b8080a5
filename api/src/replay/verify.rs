//! `sekretariat replay verify` (being written).

/// Arguments of `replay verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

/// Runs `replay verify`.
///
/// # Errors
/// Always, until it is written.
pub async fn run(_settings: &crate::config::Settings, _args: VerifyArgs) -> anyhow::Result<()> {
    anyhow::bail!("replay verify is not available yet")
}
