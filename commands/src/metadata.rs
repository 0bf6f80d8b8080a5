//! Who ran a command, from where, and as part of what: stored in every event's `metadata`
//! (DESIGN §3). The audit trail is built from it.

use std::collections::HashMap;

/// The metadata a command's events carry. Empty fields are left out of the stored JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandMetadata {
    pub user_id: String,
    pub user_name: String,
    pub roles: Vec<String>,
    pub satker_id: Option<String>,
    pub unit_kerja_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub correlation_id: Option<String>,
    pub causation_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// The command's name, e.g. `pegawai.daftarkan`.
    pub command: String,
}

impl CommandMetadata {
    /// Metadata of work the system does by itself (demo loading, imports).
    pub fn system(command: &str) -> Self {
        Self {
            user_id: "system".into(),
            user_name: "system".into(),
            command: command.into(),
            ..Self::default()
        }
    }

    /// The id of an aggregate this request creates, derived from its idempotency key (UUIDv5 of
    /// kind, user and key), so that two retries of one request target the same stream and
    /// collide instead of creating two (DESIGN §3). `None` without a key.
    pub fn id_from_key(&self, kind: &str) -> Option<uuid::Uuid> {
        const NAMESPACE: uuid::Uuid =
            uuid::Uuid::from_u128(0x9f1c_2b7e_4d6a_4e31_b8c5_0a7d_3e2f_6c19);
        self.idempotency_key.as_ref().map(|key| {
            uuid::Uuid::new_v5(
                &NAMESPACE,
                format!("{kind}\n{}\n{key}", self.user_id).as_bytes(),
            )
        })
    }

    #[must_use]
    pub fn for_command(mut self, command: &str) -> Self {
        self.command = command.into();
        self
    }

    /// The flat map cqrs-es stores, plus the id that finds this command's events again.
    pub fn to_map(&self, command_id: &str) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("command_id".into(), command_id.into());
        m.insert("command".into(), self.command.clone());
        m.insert("user_id".into(), self.user_id.clone());
        m.insert("user_name".into(), self.user_name.clone());
        if !self.roles.is_empty() {
            m.insert("roles".into(), self.roles.join(","));
        }
        let optional = [
            ("satker_id", &self.satker_id),
            ("unit_kerja_id", &self.unit_kerja_id),
            ("ip", &self.ip),
            ("user_agent", &self.user_agent),
            ("request_id", &self.request_id),
            ("correlation_id", &self.correlation_id),
            ("causation_id", &self.causation_id),
            ("idempotency_key", &self.idempotency_key),
        ];
        for (k, v) in optional {
            if let Some(v) = v {
                m.insert(k.into(), v.clone());
            }
        }
        m
    }
}
