//! Serde structs that mirror a registry entry `integrations/<id>.toml`
//! field for field. Validation turns them into [`super::Integration`].

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIntegration {
    pub name: Spanned<String>,
    pub description: Spanned<String>,
    pub version: Option<Spanned<String>>,
    pub category: Category,
    pub icon: Option<String>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub wizard: Wizard,
    pub guide: Option<Spanned<String>>,
    #[serde(default)]
    pub multi_instance: bool,
    pub office_level: Option<bool>,
    pub secret_name: Option<Spanned<String>>,
    #[serde(default)]
    pub agent_env: Vec<Spanned<String>>,
    #[serde(default)]
    pub reserved: bool,
    #[serde(default)]
    pub secrets: Vec<RawSecretKey>,
    pub colony_container: Option<Spanned<RawColonyContainer>>,
    #[serde(default)]
    pub task_templates: Vec<Spanned<RawTaskTemplate>>,
    pub members: Option<RawMembers>,
    #[serde(default)]
    pub depends_on: Vec<Spanned<String>>,
    #[serde(default)]
    pub provides: Vec<Spanned<String>>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
    #[serde(default)]
    pub composed_with: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Llm,
    Communication,
    Services,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wizard {
    #[default]
    Guide,
    Interactive,
    Oauth,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretType {
    Text,
    Password,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSecretKey {
    pub key: Spanned<String>,
    pub label: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: SecretType,
    pub required: bool,
    pub hint: Option<String>,
    pub help_url: Option<Spanned<String>>,
    pub help_label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawColonyContainer {
    pub image: Spanned<String>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub ports: Vec<Spanned<RawPort>>,
    pub storage: Option<Spanned<String>>,
    pub mount_path: Option<Spanned<String>>,
    pub url_env: Option<Spanned<String>>,
    pub url_scheme: Option<Spanned<String>>,
    pub resources: Option<RawResources>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPort {
    pub name: Spanned<String>,
    pub port: Spanned<i64>,
    pub protocol: Option<Spanned<String>>,
}

/// Requests and limits by resource name (`cpu`, `memory`,
/// `ephemeral-storage`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResources {
    #[serde(default)]
    pub requests: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub limits: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTaskTemplate {
    pub name: Spanned<String>,
    pub title: Spanned<String>,
    pub prompt: Spanned<String>,
    pub schedule: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMembers {
    #[serde(default)]
    pub required_roles: Vec<Spanned<String>>,
    pub max_agents: Option<Spanned<i64>>,
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<RawConfigKey>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfigKey {
    pub default: Spanned<String>,
    pub description: Option<String>,
    pub allowed: Option<Vec<Spanned<String>>>,
}
