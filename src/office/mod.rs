//! Offices: loading `offices/*.toml` and resolving each against the
//! registry into a checked [`Office`] that the renderers accept.

mod agents;
mod members;
pub(crate) mod raw;
mod secrets;
mod tasks;

pub use members::AgentConfig;
pub use tasks::{Context, Task};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use raw::RawOffice;

use crate::diag::{Diagnostic, Diagnostics, index_path, key_path};
use crate::names;
use crate::registry::colony::check_resources;
use crate::registry::{ColonyContainer, Integration, Registry, Resources};
use crate::source::{SourceFile, Span};

/// A checked office, ready to render.
#[derive(Debug)]
pub struct Office {
    pub id: String,
    pub namespace: String,
    /// Locations of `id` and `namespace`, or the file's start when they are
    /// derived.
    pub id_span: Span,
    pub namespace_span: Span,
    pub file: Arc<SourceFile>,
    pub backend: Backend,
    pub agent_image: String,
    pub agent_storage: String,
    pub agent_resources: Resources,
    pub task_runner_image: Option<String>,
    /// One entry per configured or enabled integration instance, sorted
    /// by secret name.
    pub secrets: Vec<SecretInstance>,
    /// Sorted by name.
    pub agents: Vec<Agent>,
    /// Colony containers that at least one agent enables, sorted by
    /// integration id.
    pub colonies: Vec<Colony>,
    /// Tasks of every agent, in agent order.
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    External {
        store: String,
        store_kind: String,
        key_prefix: String,
        refresh_interval: String,
    },
    Sealed,
}

/// The secret of one integration instance in one office.
#[derive(Debug)]
pub struct SecretInstance {
    pub integration: Arc<Integration>,
    pub instance: Option<String>,
    /// The rendered `secret_name`, used for the secret reference object
    /// and the Secret it produces.
    pub name: String,
    /// Sealed backend: ciphertext by key.
    pub sealed: BTreeMap<String, String>,
}

impl SecretInstance {
    /// `id` or `id:instance`, as offices write it.
    pub fn label(&self) -> String {
        instance_label(&self.integration.id, self.instance.as_deref())
    }

    /// Returns whether the Secret this instance produces contains `key`.
    pub fn has_key(&self, backend: &Backend, key: &str) -> bool {
        match backend {
            Backend::External { .. } => self.integration.secret_key(key).is_some(),
            Backend::Sealed => self.sealed.contains_key(key),
        }
    }
}

pub fn instance_label(id: &str, instance: Option<&str>) -> String {
    match instance {
        Some(instance) => format!("{id}:{instance}"),
        None => id.to_string(),
    }
}

#[derive(Debug)]
pub struct Agent {
    pub name: String,
    pub role: Option<String>,
    /// Indexes into [`Office::secrets`] of the enabled instances, in the
    /// order the office lists them.
    pub enabled: Vec<usize>,
    /// The agent's env, sorted by name.
    pub env: Vec<EnvVar>,
    /// Effective `[members.config]` values of each enabled integration.
    pub config: AgentConfig,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    pub source: EnvSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Plain(String),
    SecretKey {
        secret: String,
        key: String,
        optional: bool,
    },
}

/// The source of an env var, for `explain` and diff summaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// A secret key of an integration instance (`github:work`).
    Integration(String),
    /// The URL of a colony container.
    Colony(String),
    /// A `[members.config]` setting of an integration.
    Config(String),
    /// The agent's own `env` table.
    Agent,
}

impl std::fmt::Display for EnvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EnvSource::Integration(label) => write!(f, "{label}"),
            EnvSource::Colony(id) => write!(f, "{id} (colony container URL)"),
            EnvSource::Config(id) => write!(f, "{id} (setting)"),
            EnvSource::Agent => write!(f, "the agent's own env"),
        }
    }
}

/// A colony container that runs in the office.
#[derive(Debug)]
pub struct Colony {
    pub integration: Arc<Integration>,
    pub container: ColonyContainer,
    /// Name of the integration's secret in this office.
    pub secret: usize,
    /// Names of the agents that enable it, sorted.
    pub agents: Vec<String>,
}

impl Colony {
    /// Returns the name shared by the Deployment, Service and NetworkPolicy.
    pub fn object_name(&self) -> String {
        colony_object_name(&self.integration.id)
    }
}

pub fn colony_object_name(id: &str) -> String {
    format!("colony-{id}")
}

/// Default agent resources when the office sets none.
pub fn default_agent_resources() -> Resources {
    Resources::new(
        [("cpu", "250m"), ("memory", "512Mi")],
        [("cpu", "2"), ("memory", "2Gi")],
    )
}

/// Namespaces that Kubernetes creates and uses itself.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// Default size of an agent's home claim.
pub const DEFAULT_AGENT_STORAGE: &str = "10Gi";

/// Loads and resolves one office file.
pub fn load(path: &Path, registry: &Registry, diagnostics: &mut Diagnostics) -> Option<Office> {
    let file = match crate::load::read_source(path) {
        Ok(file) => Arc::new(file),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let raw: RawOffice = match crate::toml_input::parse(&file) {
        Ok(raw) => raw,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let stem = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default()
        .to_string();
    resolve(file, stem, raw, registry, diagnostics)
}

fn resolve(
    file: Arc<SourceFile>,
    stem: String,
    raw: RawOffice,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> Option<Office> {
    let errors_before = diagnostics.error_count();
    let mut error = |span: Span, key: &str, message: String| {
        diagnostics.push(Diagnostic::error(&file, span, key, message));
    };

    let id = match &raw.id {
        Some(id) => {
            if let Err(reason) = names::check_dns_label(id.get_ref()) {
                error(
                    id.span().into(),
                    "id",
                    format!("office id `{}` {reason}", id.get_ref()),
                );
            }
            id.get_ref().clone()
        }
        None => {
            if let Err(reason) = names::check_dns_label(&stem) {
                error(
                    Span::default(),
                    "",
                    format!(
                        "the file name gives the office id `{stem}`, which {reason}; \
                         rename the file or set `id`"
                    ),
                );
            }
            stem
        }
    };
    let namespace = match &raw.namespace {
        Some(namespace) => {
            if let Err(reason) = names::check_dns_label(namespace.get_ref()) {
                error(
                    namespace.span().into(),
                    "namespace",
                    format!("namespace `{}` {reason}", namespace.get_ref()),
                );
            } else if SYSTEM_NAMESPACES.contains(&namespace.get_ref().as_str()) {
                error(
                    namespace.span().into(),
                    "namespace",
                    format!(
                        "`{}` belongs to Kubernetes itself; give the office a namespace of its own",
                        namespace.get_ref()
                    ),
                );
            }
            namespace.get_ref().clone()
        }
        None => id.clone(),
    };

    let backend = secrets::check_backend(&file, &raw.secrets, diagnostics);
    let mut error = |span: Span, key: &str, message: String| {
        diagnostics.push(Diagnostic::error(&file, span, key, message));
    };

    let defaults = raw.agent_defaults.get_ref();
    if let Err(reason) = names::check_pinned_image(defaults.image.get_ref()) {
        error(
            defaults.image.span().into(),
            "agent_defaults.image",
            format!("image `{}` {reason}", defaults.image.get_ref()),
        );
    }
    let agent_storage = match &defaults.storage {
        Some(storage) => {
            match names::parse_quantity(storage.get_ref()) {
                Ok(amount) if amount > 0.0 => {}
                Ok(_) => error(
                    storage.span().into(),
                    "agent_defaults.storage",
                    "storage must be more than zero".into(),
                ),
                Err(reason) => error(
                    storage.span().into(),
                    "agent_defaults.storage",
                    format!("`{}` {reason}", storage.get_ref()),
                ),
            }
            storage.get_ref().clone()
        }
        None => DEFAULT_AGENT_STORAGE.to_string(),
    };
    let task_runner_image = raw.task_runner.as_ref().map(|runner| {
        if let Err(reason) = names::check_pinned_image(runner.image.get_ref()) {
            error(
                runner.image.span().into(),
                "task_runner.image",
                format!("image `{}` {reason}", runner.image.get_ref()),
            );
        }
        runner.image.get_ref().clone()
    });
    if let Some(drive) = &raw.shared_drive
        && let Err(reason) = names::check_dns_subdomain(drive.claim.get_ref())
    {
        error(
            drive.claim.span().into(),
            "shared_drive.claim",
            format!("claim name `{}` {reason}", drive.claim.get_ref()),
        );
    }
    if let Some(database) = &raw.database {
        if let Err(reason) = names::check_dns_subdomain(database.host.get_ref()) {
            error(
                database.host.span().into(),
                "database.host",
                format!("host `{}` {reason}", database.host.get_ref()),
            );
        }
        if let Err(reason) = names::check_dns_subdomain(database.admin_secret.get_ref()) {
            error(
                database.admin_secret.span().into(),
                "database.admin_secret",
                format!("secret name `{}` {reason}", database.admin_secret.get_ref()),
            );
        }
    }
    let agent_resources = check_resources(
        &file,
        "agent_defaults.resources",
        defaults.resources.as_ref(),
        &default_agent_resources(),
        diagnostics,
    );

    let configured = configured_instances(&file, &raw, registry, diagnostics);
    let plan = agents::resolve_agents(
        &file,
        &id,
        &namespace,
        &raw,
        registry,
        &configured,
        &backend,
        diagnostics,
    );
    if diagnostics.error_count() > errors_before {
        return None;
    }
    let (secrets, agents, colonies, tasks) = plan?;
    Some(Office {
        id,
        namespace,
        id_span: raw
            .id
            .as_ref()
            .map_or(Span::default(), |id| id.span().into()),
        namespace_span: raw
            .namespace
            .as_ref()
            .map_or(Span::default(), |namespace| namespace.span().into()),
        file,
        backend: backend?,
        agent_image: defaults.image.get_ref().clone(),
        agent_storage,
        agent_resources,
        task_runner_image,
        secrets,
        agents,
        colonies,
        tasks,
    })
}

/// An integration configured in the office's `[integrations]` table.
#[derive(Debug)]
pub(crate) struct Configured {
    pub integration: Arc<Integration>,
    pub key: String,
    pub span: Span,
    /// Declared instance labels with their location and array index.
    pub instances: Vec<(String, Span, usize)>,
}

/// Resolves the `[integrations]` table: ids or aliases, and their
/// instance labels.
fn configured_instances(
    file: &SourceFile,
    raw: &RawOffice,
    registry: &Registry,
    diagnostics: &mut Diagnostics,
) -> BTreeMap<String, Configured> {
    let mut configured: BTreeMap<String, Configured> = BTreeMap::new();
    for (key, table) in &raw.integrations {
        let at = key_path("integrations", key);
        let span: Span = table.span().into();
        let Some(integration) = registry.resolve(key) else {
            if !registry.is_broken(key) {
                diagnostics.push(
                    Diagnostic::error(file, span, &at, format!("unknown integration `{key}`"))
                        .suggest(key, registry.names()),
                );
            }
            continue;
        };
        if let Some(previous) = configured.get(&integration.id) {
            diagnostics.push(Diagnostic::error(
                file,
                span,
                &at,
                format!(
                    "`{key}` and `{}` both name the integration `{}`; keep one table",
                    previous.key, integration.id
                ),
            ));
            continue;
        }
        let mut instances: Vec<(String, Span, usize)> = Vec::new();
        match (&table.get_ref().instances, integration.multi_instance) {
            (Some(labels), true) => {
                if labels.is_empty() {
                    diagnostics.push(Diagnostic::error(
                        file,
                        span,
                        key_path(&at, "instances"),
                        "list at least one instance label",
                    ));
                }
                for (i, label) in labels.iter().enumerate() {
                    let label_at = index_path(&key_path(&at, "instances"), i);
                    if let Err(reason) = names::check_dns_label(label.get_ref()) {
                        diagnostics.push(Diagnostic::error(
                            file,
                            label.span().into(),
                            label_at,
                            format!("instance label `{}` {reason}", label.get_ref()),
                        ));
                    } else if instances
                        .iter()
                        .any(|(known, _, _)| known == label.get_ref())
                    {
                        diagnostics.push(Diagnostic::error(
                            file,
                            label.span().into(),
                            label_at,
                            format!("instance label `{}` is listed twice", label.get_ref()),
                        ));
                    } else {
                        instances.push((label.get_ref().clone(), label.span().into(), i));
                    }
                }
            }
            (None, true) => diagnostics.push(Diagnostic::error(
                file,
                span,
                &at,
                format!(
                    "`{}` is a multi-instance integration; list its instances, \
                     for example `instances = [\"work\"]`",
                    integration.id
                ),
            )),
            (Some(labels), false) => diagnostics.push(Diagnostic::error(
                file,
                labels.first().map_or(span, |label| label.span().into()),
                key_path(&at, "instances"),
                format!(
                    "`{}` is a single-instance integration and takes no `instances`",
                    integration.id
                ),
            )),
            (None, false) => {}
        }
        configured.insert(
            integration.id.clone(),
            Configured {
                integration: integration.clone(),
                key: key.clone(),
                span,
                instances,
            },
        );
    }
    configured
}
