//! Serde structs that mirror an office file `offices/<office>.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::registry::raw::RawResources;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOffice {
    pub id: Option<Spanned<String>>,
    pub namespace: Option<Spanned<String>>,
    pub secrets: Spanned<RawSecrets>,
    pub agent_defaults: Spanned<RawAgentDefaults>,
    pub task_runner: Option<RawTaskRunner>,
    pub shared_drive: Option<RawSharedDrive>,
    pub database: Option<RawDatabase>,
    #[serde(default)]
    pub integrations: BTreeMap<String, Spanned<RawOfficeIntegration>>,
    #[serde(default)]
    pub agents: BTreeMap<String, Spanned<RawAgent>>,
}

/// Ciphertext by secret name, then by key.
pub(crate) type SealedTable = BTreeMap<String, Spanned<BTreeMap<String, Spanned<String>>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BackendKind {
    External,
    Sealed,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSecrets {
    pub backend: Spanned<BackendKind>,
    pub store: Option<Spanned<String>>,
    pub store_kind: Option<Spanned<String>>,
    pub key_prefix: Option<Spanned<String>>,
    pub refresh_interval: Option<Spanned<String>>,
    pub sealed: Option<Spanned<SealedTable>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgentDefaults {
    pub image: Spanned<String>,
    pub storage: Option<Spanned<String>>,
    pub resources: Option<RawResources>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTaskRunner {
    pub image: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSharedDrive {
    pub claim: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDatabase {
    pub host: Spanned<String>,
    pub admin_secret: Spanned<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOfficeIntegration {
    pub instances: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgent {
    pub role: Option<Spanned<String>>,
    #[serde(default)]
    pub integrations: Vec<Spanned<String>>,
    #[serde(default)]
    pub env: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<BTreeMap<String, Spanned<String>>>>,
}
