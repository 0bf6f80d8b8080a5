//! `GET /health`: liveness and readiness. 200 when every database answers (status `ok`, or
//! `degraded` when a projector is stopped at an event or far behind), 503 when a database does
//! not answer. Each projector's state, checkpoint and lag (events stored after its checkpoint)
//! are listed, so an operator sees which event a stuck projector stopped at. Reachable without
//! a token, from the monitoring addresses only (`security::MonitoringAccess`).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use sekretariat_projections::runtime::{ProjectorState, events_after, read_checkpoint};
use serde_json::{Value, json};
use sqlx::PgPool;

use super::AppState;
use crate::security::MonitoringAccess;

async fn ping(pool: &PgPool) -> Result<(), String> {
    match tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("select 1").execute(pool),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timeout".into()),
    }
}

/// `GET /health`. Only monitoring addresses may read it ([`MonitoringAccess`]): the answer
/// names databases and the event a projector stopped at.
pub async fn health(_access: MonitoringAccess, state: web::Data<AppState>) -> HttpResponse {
    let mut databases = serde_json::Map::new();
    let mut all_up = true;
    let mut dbs: Vec<(&str, &PgPool)> = vec![("eventstore", &state.eventstore)];
    for (m, p) in &state.read {
        dbs.push((m.name(), p));
    }
    dbs.sort_by_key(|(n, _)| *n);
    for (name, pool) in dbs {
        let v = match ping(pool).await {
            Ok(()) => json!("ok"),
            Err(e) => {
                all_up = false;
                json!({ "error": e })
            }
        };
        databases.insert(name.to_string(), v);
    }
    let mut degraded = false;
    let mut projectors = Vec::new();
    for p in &state.projectors {
        let status = p.status.borrow().clone();
        let (checkpoint, lag) = match read_checkpoint(&p.checkpoints, &status.name).await {
            Ok((cp, _)) => (Some(cp), events_after(&state.eventstore, cp).await.ok()),
            Err(_) => (None, None),
        };
        if matches!(
            status.state,
            ProjectorState::Failed { .. } | ProjectorState::Unavailable { .. }
        ) {
            degraded = true;
        }
        let mut v = serde_json::to_value(&status).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("module".into(), json!(p.label));
            o.insert("checkpoint".into(), json!(checkpoint));
            o.insert("lag".into(), json!(lag));
        }
        projectors.push(v);
    }
    let status = if !all_up {
        "down"
    } else if degraded {
        "degraded"
    } else {
        "ok"
    };
    let body = json!({ "status": status, "databases": databases, "projectors": projectors });
    if all_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
