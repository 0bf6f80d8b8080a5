//! `sekretariat replay audit <resource_type> <id> [--as-of YYYY-MM-DD] [--json]`: an auditor's
//! question about one resource answered from the history: who did what, when, from which IP,
//! by which command, what changed field by field, and what it looked like at the end of a day
//! (folded from the event store). `--json` prints what `GET /api/v1/audit/history/...` answers.
//!
//! It reads with the least it needs: the audit database as the read role (scope: every
//! satker, as for an admin) and the event store as the application role, one connection each.

use std::fmt::Write as _;

use anyhow::Context;
use sekretariat_commands::ports::SystemClock;
use sekretariat_domain::ports::Clock;
use sekretariat_projections::history::{self, JAKARTA, ResourceHistory, StateAsOf};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::scope::{self, SatkerScope};
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use time::macros::format_description;

/// Arguments of `replay audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// The resource type (aggregate type): pegawai, satker, unit_kerja, jabatan, ...
    pub resource_type: String,
    /// The resource id: a NIP, a kode satker, a UUID.
    pub id: String,
    /// Also show its state at the end of this day (YYYY-MM-DD, Asia/Jakarta).
    #[arg(long = "as-of", value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Print JSON (the HTTP endpoint's shape) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `replay audit`: connects, answers, prints.
///
/// # Errors
/// Bad arguments, unreachable databases, or an unknown resource.
pub async fn run(settings: &crate::config::Settings, args: AuditArgs) -> anyhow::Result<()> {
    let audit = scope::connect_read_pool(settings.databases.module(Module::Audit).clone(), 1)
        .await
        .context("menghubungi db_audit sebagai peran baca")?;
    let eventstore =
        sekretariat_commands::store::connect_app_pool(settings.databases.eventstore.clone(), 1)
            .await
            .context("menghubungi event store")?;
    let out = report(&eventstore, &audit, &args).await;
    audit.close().await;
    eventstore.close().await;
    print!("{}", out?);
    Ok(())
}

/// The answer as it is printed (text, or JSON with `--json`): the core of `replay audit`,
/// callable without a terminal. `audit` is a pool on db_audit (read role or owner).
///
/// # Errors
/// Bad arguments (the same checks as the HTTP endpoint), database errors, or a resource
/// neither the audit trail nor the event store knows.
pub async fn report(
    eventstore: &PgPool,
    audit: &PgPool,
    args: &AuditArgs,
) -> anyhow::Result<String> {
    let as_of =
        crate::routes::audit::history_params(&args.resource_type, &args.id, args.as_of.as_deref())
            .map_err(|p| anyhow::anyhow!(p.detail))?;
    let mut tx = scope::begin_scoped(audit, &SatkerScope::All, SystemClock.today())
        .await
        .context("membaca db_audit")?;
    let found =
        history::resource_history(&mut tx, eventstore, &args.resource_type, &args.id, as_of)
            .await
            .context("membaca riwayat")?;
    let Some(h) = found else {
        anyhow::bail!(
            "Tidak ada riwayat untuk {} {}.",
            args.resource_type,
            args.id
        );
    };
    if args.json {
        let mut s = serde_json::to_string_pretty(&h)?;
        s.push('\n');
        Ok(s)
    } else {
        Ok(render_text(&h))
    }
}

/// An instant as the court reads it.
fn wib(t: OffsetDateTime) -> String {
    t.to_offset(JAKARTA)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .map(|s| format!("{s} WIB"))
        .unwrap_or_else(|_| t.to_string())
}

/// A value as JSON, so text and `null` and `""` stay distinguishable.
fn value(v: &Value) -> String {
    v.to_string()
}

/// The human-readable history: one block per entry (time, action, command; who and from
/// where; then `field: old → new`), then the state as of the date asked for.
pub fn render_text(h: &ResourceHistory) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Riwayat {} {} ({} catatan)",
        h.resource_type,
        h.id,
        h.entries.len()
    );
    for e in &h.entries {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}  {}  {}{}",
            wib(e.at),
            e.action,
            e.command.as_deref().unwrap_or("-"),
            e.version
                .map(|v| format!("  (versi {v})"))
                .unwrap_or_default()
        );
        let who = match (&e.user_name, &e.user_id) {
            (Some(name), Some(id)) if name != id => format!("{name} ({id})"),
            (Some(name), _) => name.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => "tidak diketahui".into(),
        };
        let _ = writeln!(
            out,
            "  oleh {who}, dari {}",
            e.ip_address.as_deref().unwrap_or("alamat tidak tercatat")
        );
        if e.changes.is_empty() {
            let _ = writeln!(out, "  (tidak ada kolom yang berubah)");
        }
        for c in &e.changes {
            let _ = writeln!(out, "  {}: {} → {}", c.field, value(&c.old), value(&c.new));
        }
    }
    if let Some(s) = &h.state_as_of {
        out.push('\n');
        render_state(&mut out, s);
    }
    out
}

fn render_state(out: &mut String, s: &StateAsOf) {
    match (&s.state, s.last_event_at) {
        (Some(Value::Object(fields)), Some(at)) => {
            let _ = writeln!(
                out,
                "Keadaan pada akhir {} (versi {}, perubahan terakhir {}):",
                s.date,
                s.version,
                wib(at)
            );
            for (k, v) in fields {
                let _ = writeln!(out, "  {k}: {}", value(v));
            }
        }
        _ => {
            let _ = writeln!(out, "Keadaan pada akhir {}: belum ada (versi 0).", s.date);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};

    use super::*;
    use sekretariat_projections::history::{FieldChange, HistoryEntry};

    #[test]
    fn the_text_report_shows_who_from_where_which_command_and_each_change() {
        let h = ResourceHistory {
            resource_type: "pegawai".into(),
            id: "199805142022032003".into(),
            entries: vec![HistoryEntry {
                at: datetime!(2026-11-29 03:00 UTC),
                action: "UPDATE".into(),
                user_id: Some("user-1".into()),
                user_name: Some("Penguji Sistem".into()),
                ip_address: Some("127.0.0.1".into()),
                user_agent: None,
                command: Some("pegawai.ubah".into()),
                event_type: Some("DataPribadiPegawaiDiubah".into()),
                version: Some(2),
                changes: vec![FieldChange {
                    field: "tempat_lahir".into(),
                    old: json!("Bekasi"),
                    new: json!("Jakarta"),
                }],
            }],
            state_as_of: Some(StateAsOf {
                date: date!(2026 - 11 - 28),
                version: 0,
                last_event_at: None,
                state: None,
            }),
        };
        let text = render_text(&h);
        assert!(
            text.contains("2026-11-29 10:00:00 WIB  UPDATE  pegawai.ubah  (versi 2)"),
            "{text}"
        );
        assert!(
            text.contains("oleh Penguji Sistem (user-1), dari 127.0.0.1"),
            "{text}"
        );
        assert!(
            text.contains("tempat_lahir: \"Bekasi\" → \"Jakarta\""),
            "{text}"
        );
        assert!(
            text.contains("Keadaan pada akhir 2026-11-28: belum ada"),
            "{text}"
        );
    }
}
