//! `sekretariat replay rebuild <projector>|--all [--verify] [--json]`: rebuilds read models
//! from the event store into fresh tables and swaps them in (or, with `--verify`, compares a
//! scratch rebuild with the live tables and reports the first difference).
//!
//! The notifier and other side-effect subscribers are not in the list of projectors this
//! accepts, so a rebuild never sends anything.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::rebuild::{self, Outcome, Progress, RebuildTarget};
use sekretariat_projections::runtime::Projector;
use sqlx::postgres::PgPoolOptions;

use crate::config::Settings;
use crate::startup::projectors;

/// Arguments of `replay rebuild`.
#[derive(Debug, clap::Args)]
pub struct RebuildArgs {
    /// The projector to rebuild (master, kepegawaian, audit); its whole module is rebuilt.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub projector: Option<String>,
    /// Rebuild every read model.
    #[arg(long)]
    pub all: bool,
    /// Build into a scratch copy and compare with the live tables; change nothing.
    #[arg(long)]
    pub verify: bool,
    /// Machine-readable progress and result (JSON lines) instead of a progress bar.
    #[arg(long)]
    pub json: bool,
}

/// A module and the projectors that write it.
type ModuleProjectors = (Module, Vec<Arc<dyn Projector>>);

/// The modules to rebuild with their projectors, for a projector name or `--all`.
///
/// # Errors
/// An unknown projector name, listing the known ones.
pub fn targets(settings: &Settings, projector: Option<&str>) -> anyhow::Result<Vec<RebuildTarget>> {
    let mut by_module: BTreeMap<&'static str, ModuleProjectors> = BTreeMap::new();
    for (module, p) in projectors() {
        by_module
            .entry(module.name())
            .or_insert_with(|| (module, Vec::new()))
            .1
            .push(p);
    }
    let chosen: Vec<ModuleProjectors> = match projector {
        None => by_module.into_values().collect(),
        Some(name) => {
            let known: Vec<String> = projectors()
                .iter()
                .map(|(_, p)| p.name().to_string())
                .collect();
            let Some(module) = projectors()
                .into_iter()
                .find(|(_, p)| p.name() == name)
                .map(|(m, _)| m)
            else {
                bail!("unknown projector '{name}'; known: {}", known.join(", "));
            };
            by_module
                .into_values()
                .filter(|(m, _)| *m == module)
                .collect()
        }
    };
    Ok(chosen
        .into_iter()
        .map(|(module, projectors)| RebuildTarget {
            module,
            options: settings.databases.module(module).clone(),
            projectors,
            batch_size: rebuild::REBUILD_BATCH,
        })
        .collect())
}

/// Runs the rebuilds (or verifications) one module after another, reporting through `report`.
///
/// # Errors
/// The first failure; modules already swapped stay swapped.
pub async fn execute(
    settings: &Settings,
    args: &RebuildArgs,
    progress: &mut (dyn FnMut(Module, Progress) + Send),
) -> anyhow::Result<Vec<Outcome>> {
    // Reads run ahead of the fold on their own connections (`rebuild::SOURCE_CONNECTIONS`).
    let source = PgPoolOptions::new()
        .max_connections(rebuild::SOURCE_CONNECTIONS)
        .connect_with(settings.databases.eventstore.clone())
        .await
        .context("connecting to the event store")?;
    let mut outcomes = Vec::new();
    for target in targets(settings, args.projector.as_deref())? {
        let module = target.module;
        let mut report = |p: Progress| progress(module, p);
        let outcome = if args.verify {
            rebuild::verify(&source, &target, &mut report).await
        } else {
            rebuild::rebuild(&source, &target, &mut report).await
        }
        .with_context(|| format!("rebuilding db_{}", module.name()))?;
        outcomes.push(outcome);
    }
    source.close().await;
    Ok(outcomes)
}

/// Runs `replay rebuild`.
///
/// # Errors
/// A failed rebuild, or a verification that found differences.
pub async fn run(settings: &Settings, args: RebuildArgs) -> anyhow::Result<()> {
    let bar = (!args.json).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>12} [{bar:40}] {pos}/{len} events  {per_sec}  sisa {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let json = args.json;
    let mut last_module = None;
    let outcomes = execute(settings, &args, &mut |module, p| {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "module": module.name(),
                    "done": p.done,
                    "total": p.total,
                    "events_per_second": p.events_per_second().round(),
                    "eta_seconds": p.eta().map(|d| d.as_secs()),
                })
            );
        } else if let Some(bar) = &bar {
            if last_module != Some(module) {
                bar.reset();
                bar.set_prefix(format!("db_{}", module.name()));
                last_module = Some(module);
            }
            bar.set_length(p.total);
            bar.set_position(p.done);
        }
    })
    .await?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut differences = false;
    for outcome in &outcomes {
        if json {
            println!("{}", serde_json::to_string(outcome)?);
            continue;
        }
        match outcome {
            Outcome::Swapped {
                module,
                events,
                seconds,
                events_per_second,
            } => println!(
                "db_{module}: {events} events replayed in {seconds:.1} s ({events_per_second:.0} events/s), swapped in"
            ),
            Outcome::Verified {
                module,
                events,
                identical: true,
                tables,
                ..
            } => println!("db_{module}: identical ({tables} tables, {events} events replayed)"),
            Outcome::Verified {
                module,
                differences: d,
                ..
            } => {
                let first = &d[0];
                println!(
                    "db_{module}: DIFFERENT in table {} (live {} rows, rebuilt {} rows)\n  live only:    {}\n  rebuilt only: {}",
                    first.table,
                    first.live_rows,
                    first.rebuilt_rows,
                    first.first_live_only.as_deref().unwrap_or("-"),
                    first.first_rebuilt_only.as_deref().unwrap_or("-"),
                );
            }
        }
        if let Outcome::Verified {
            identical: false, ..
        } = outcome
        {
            differences = true;
        }
    }
    if differences {
        bail!("a read model differs from its rebuild from the events");
    }
    Ok(())
}
