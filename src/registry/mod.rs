//! The integration registry: loading `integrations/*.toml`, checking each
//! entry and the registry as a whole, and looking entries up by id or
//! alias.

pub(crate) mod colony;
mod compose;
mod layers;
pub(crate) mod raw;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub use colony::{ColonyContainer, Port, Resources};
pub use compose::{Edge, Relation};
pub use layers::{ConfigKey, Members, TaskTemplate};
pub use raw::{Category, SecretType, Wizard};

use crate::diag::{Diagnostic, Diagnostics, index_path, key_path};
use crate::load;
use crate::names;
use crate::source::{SourceFile, Span};
use crate::templates;
use raw::RawIntegration;

/// Maximum length of an entry id.
pub const MAX_ID_LENGTH: usize = 40;

/// A value from an input file together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub(crate) fn from_spanned(spanned: toml::Spanned<T>) -> Self {
        let span = Span::from(spanned.span());
        Located {
            value: spanned.into_inner(),
            span,
        }
    }
}

/// All registry entries, by id.
#[derive(Debug, Default)]
pub struct Registry {
    pub integrations: BTreeMap<String, Arc<Integration>>,
    aliases: BTreeMap<String, String>,
    /// Capability to the ids of the entries that provide it.
    providers: BTreeMap<String, Vec<String>>,
    /// Ids of entries that failed to load. Offices that name one get no
    /// second, misleading "unknown integration" error.
    broken: std::collections::BTreeSet<String>,
}

/// One validated registry entry.
#[derive(Debug)]
pub struct Integration {
    pub id: String,
    pub file: Arc<SourceFile>,
    pub name: String,
    pub description: String,
    pub version: String,
    pub category: Category,
    pub icon: Option<String>,
    pub aliases: Vec<Located<String>>,
    pub verified: bool,
    pub capabilities: Vec<String>,
    pub channels: Vec<String>,
    pub wizard: Wizard,
    /// Path of the setup guide, relative to the working folder.
    pub guide: Option<String>,
    pub multi_instance: bool,
    pub office_level: bool,
    /// The minijinja template of the secret name.
    pub secret_name: Located<String>,
    pub agent_env: Vec<String>,
    pub reserved: bool,
    pub secrets: Vec<SecretKey>,
    pub colony_container: Option<ColonyContainer>,
    pub task_templates: Vec<TaskTemplate>,
    pub members: Members,
    pub depends_on: Vec<Located<String>>,
    pub provides: Vec<Located<String>>,
    pub conflicts: Vec<Located<String>>,
    pub composed_with: Vec<Located<String>>,
}

/// One key of an integration's secret.
#[derive(Debug, Clone)]
pub struct SecretKey {
    pub key: String,
    pub label: String,
    pub kind: SecretType,
    pub required: bool,
    pub hint: Option<String>,
    pub help_url: Option<String>,
    pub help_label: Option<String>,
}

impl Integration {
    pub fn secret_key(&self, key: &str) -> Option<&SecretKey> {
        self.secrets.iter().find(|secret| secret.key == key)
    }
}

impl Registry {
    /// Looks an entry up by id or alias.
    pub fn resolve(&self, name: &str) -> Option<&Arc<Integration>> {
        let id = self.aliases.get(name).map_or(name, String::as_str);
        self.integrations.get(id)
    }

    /// Returns whether `name` is the id of an entry that failed to load.
    pub fn is_broken(&self, name: &str) -> bool {
        self.broken.contains(name)
    }

    /// Returns every id and alias, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.integrations
            .keys()
            .chain(self.aliases.keys())
            .map(String::as_str)
    }

    /// The integration whose `[[secrets]]` declare `key` as a password,
    /// if any: a value for it in an office file would be plaintext.
    pub fn password_owner(&self, key: &str) -> Option<&str> {
        self.integrations
            .values()
            .find(|integration| {
                integration
                    .secrets
                    .iter()
                    .any(|secret| secret.key == key && secret.kind == SecretType::Password)
            })
            .map(|integration| integration.id.as_str())
    }

    /// The env var names that agents may not set themselves, with the
    /// integration that reserves each.
    pub fn reserved_env(&self) -> BTreeMap<&str, &str> {
        let mut reserved = BTreeMap::new();
        for integration in self.integrations.values().filter(|i| i.reserved) {
            for key in &integration.agent_env {
                reserved
                    .entry(key.as_str())
                    .or_insert(integration.id.as_str());
            }
        }
        reserved
    }
}

/// Loads and checks every `*.toml` file directly inside `dir`.
pub fn load(dir: &Path, diagnostics: &mut Diagnostics) -> Registry {
    let mut registry = Registry::default();
    let files = match load::toml_files(dir) {
        Ok(files) => files,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return registry;
        }
    };
    let mut alias_sources: BTreeMap<String, (String, Arc<SourceFile>, Span, usize)> =
        BTreeMap::new();
    for path in files {
        let file = match load::read_source(&path) {
            Ok(file) => Arc::new(file),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let Some(integration) = check_entry(&path, &file, diagnostics) else {
            if let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) {
                registry.broken.insert(stem.to_string());
            }
            continue;
        };
        for (i, Located { value: alias, span }) in
            integration.aliases.clone().into_iter().enumerate()
        {
            if let Some((owner, _, _, _)) = alias_sources.get(&alias) {
                diagnostics.push(Diagnostic::error(
                    &file,
                    span,
                    index_path("aliases", i),
                    format!("alias `{alias}` is already taken by `{owner}`"),
                ));
                continue;
            }
            alias_sources.insert(alias, (integration.id.clone(), file.clone(), span, i));
        }
        registry
            .integrations
            .insert(integration.id.clone(), Arc::new(integration));
    }
    for (alias, (owner, file, span, i)) in alias_sources {
        if registry.integrations.contains_key(&alias) {
            diagnostics.push(Diagnostic::error(
                &file,
                span,
                index_path("aliases", i),
                format!("alias `{alias}` of `{owner}` is the id of another entry"),
            ));
            continue;
        }
        registry.aliases.insert(alias, owner);
    }
    compose::check(&mut registry, diagnostics);
    registry
}

/// Checks one entry; returns it when it has no error.
fn check_entry(
    path: &Path,
    file: &Arc<SourceFile>,
    diagnostics: &mut Diagnostics,
) -> Option<Integration> {
    let raw: RawIntegration = match crate::toml_input::parse(file) {
        Ok(raw) => raw,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let errors_before = diagnostics.error_count();
    let mut error = |span: Span, key: &str, message: String| {
        diagnostics.push(Diagnostic::error(file, span, key, message));
    };

    let id = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default()
        .to_string();
    if let Err(reason) = names::check_dns_label(&id) {
        error(
            Span::default(),
            "",
            format!("the file name gives the id `{id}`, which {reason}"),
        );
    } else if id.len() > MAX_ID_LENGTH {
        error(
            Span::default(),
            "",
            format!(
                "the file name gives the id `{id}`, which is longer than \
                 {MAX_ID_LENGTH} characters"
            ),
        );
    }

    for (key, value) in [("name", &raw.name), ("description", &raw.description)] {
        if value.get_ref().trim().is_empty() {
            error(value.span().into(), key, "must not be empty".into());
        }
    }

    let version = match &raw.version {
        Some(version) => {
            if let Err(reason) = semver::Version::parse(version.get_ref()) {
                error(
                    version.span().into(),
                    "version",
                    format!(
                        "`{}` is not a semantic version ({reason}); write it as `1.2.3`",
                        version.get_ref()
                    ),
                );
            }
            version.get_ref().clone()
        }
        None => "1.0.0".to_string(),
    };

    let mut aliases = Vec::new();
    for (i, alias) in raw.aliases.iter().enumerate() {
        if let Err(reason) = names::check_dns_label(alias.get_ref()) {
            error(
                alias.span().into(),
                &index_path("aliases", i),
                format!("alias `{}` {reason}", alias.get_ref()),
            );
        } else if alias.get_ref() == &id
            || aliases
                .iter()
                .any(|known: &Located<String>| &known.value == alias.get_ref())
        {
            error(
                alias.span().into(),
                &index_path("aliases", i),
                format!(
                    "alias `{}` is listed twice or repeats the id",
                    alias.get_ref()
                ),
            );
        } else {
            aliases.push(Located::from_spanned(alias.clone()));
        }
    }

    let guide = match &raw.guide {
        Some(guide) => {
            let guide_path = path.with_file_name(guide.get_ref());
            if !guide_path.is_file() {
                error(
                    guide.span().into(),
                    "guide",
                    format!(
                        "guide `{}` does not exist next to the entry",
                        guide.get_ref()
                    ),
                );
            }
            Some(load::display_path(&guide_path))
        }
        None => {
            let default = path.with_extension("md");
            default.is_file().then(|| load::display_path(&default))
        }
    };

    let secrets = check_secrets(file, &raw, diagnostics);
    let mut error = |span: Span, key: &str, message: String| {
        diagnostics.push(Diagnostic::error(file, span, key, message));
    };

    let mut agent_env = Vec::new();
    for (i, key) in raw.agent_env.iter().enumerate() {
        let at = index_path("agent_env", i);
        if !secrets.iter().any(|secret| &secret.key == key.get_ref()) {
            error(
                key.span().into(),
                &at,
                format!(
                    "`{}` is not the key of any `[[secrets]]` entry",
                    key.get_ref()
                ),
            );
        } else if agent_env.contains(key.get_ref()) {
            error(
                key.span().into(),
                &at,
                format!("`{}` is listed twice", key.get_ref()),
            );
        } else {
            agent_env.push(key.get_ref().clone());
        }
    }

    let secret_name = match &raw.secret_name {
        Some(template) => {
            if let Err(reason) = templates::check_syntax(template.get_ref()) {
                error(
                    template.span().into(),
                    "secret_name",
                    format!("invalid template: {reason}"),
                );
            }
            Located::from_spanned(template.clone())
        }
        None => Located {
            value: if raw.multi_instance {
                "{{ integration }}-{{ instance }}-{{ office }}".to_string()
            } else {
                "{{ integration }}-{{ office }}".to_string()
            },
            span: Span::default(),
        },
    };

    let colony_container = raw
        .colony_container
        .as_ref()
        .and_then(|colony| colony::check(file, colony, &raw, &secrets, diagnostics));

    let task_templates = layers::check_tasks(file, &raw.task_templates, diagnostics);
    let members = layers::check_members(file, raw.members.as_ref(), &secrets, diagnostics);
    if let Some(url_env) = colony_container.as_ref().and_then(|c| c.url_env.as_ref())
        && members.config.contains_key(url_env)
    {
        diagnostics.push(Diagnostic::error(
            file,
            Span::default(),
            key_path("members.config", url_env),
            format!("setting `{url_env}` has the name of the colony container's `url_env`"),
        ));
    }
    let mut provides: Vec<Located<String>> = Vec::new();
    for (i, capability) in raw.provides.iter().enumerate() {
        let value = capability.get_ref();
        let valid = value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            diagnostics.push(Diagnostic::error(
                file,
                capability.span().into(),
                index_path("provides", i),
                format!(
                    "capability `{value}` must consist of lowercase letters, digits, `_` and `-`"
                ),
            ));
        } else if provides.iter().any(|known| &known.value == value) {
            diagnostics.push(Diagnostic::error(
                file,
                capability.span().into(),
                index_path("provides", i),
                format!("capability `{value}` is listed twice"),
            ));
        } else {
            provides.push(Located::from_spanned(capability.clone()));
        }
    }
    let located = |list: &[toml::Spanned<String>]| -> Vec<Located<String>> {
        list.iter().cloned().map(Located::from_spanned).collect()
    };

    if diagnostics.error_count() > errors_before {
        return None;
    }
    Some(Integration {
        id,
        file: file.clone(),
        name: raw.name.into_inner(),
        description: raw.description.into_inner(),
        version,
        category: raw.category,
        icon: raw.icon,
        aliases,
        verified: raw.verified,
        capabilities: raw.capabilities,
        channels: raw.channels,
        wizard: raw.wizard,
        guide,
        multi_instance: raw.multi_instance,
        office_level: raw.office_level.unwrap_or(true),
        secret_name,
        agent_env,
        reserved: raw.reserved,
        secrets,
        colony_container,
        task_templates,
        members,
        depends_on: located(&raw.depends_on),
        provides,
        conflicts: located(&raw.conflicts),
        composed_with: located(&raw.composed_with),
    })
}

fn check_secrets(
    file: &SourceFile,
    raw: &RawIntegration,
    diagnostics: &mut Diagnostics,
) -> Vec<SecretKey> {
    let mut secrets: Vec<SecretKey> = Vec::new();
    for (i, secret) in raw.secrets.iter().enumerate() {
        let at = index_path("secrets", i);
        let key = secret.key.get_ref();
        if let Err(reason) = names::check_env_name(key) {
            diagnostics.push(Diagnostic::error(
                file,
                secret.key.span().into(),
                key_path(&at, "key"),
                format!("secret key `{key}` {reason}"),
            ));
            continue;
        }
        if secrets.iter().any(|known| &known.key == key) {
            diagnostics.push(Diagnostic::error(
                file,
                secret.key.span().into(),
                key_path(&at, "key"),
                format!("secret key `{key}` is declared twice"),
            ));
            continue;
        }
        if secret.label.get_ref().trim().is_empty() {
            diagnostics.push(Diagnostic::error(
                file,
                secret.label.span().into(),
                key_path(&at, "label"),
                "must not be empty",
            ));
        }
        if let Some(url) = &secret.help_url
            && !url.get_ref().starts_with("https://")
        {
            diagnostics.push(Diagnostic::error(
                file,
                url.span().into(),
                key_path(&at, "help_url"),
                format!("`{}` is not an https:// URL", url.get_ref()),
            ));
        }
        secrets.push(SecretKey {
            key: key.clone(),
            label: secret.label.get_ref().clone(),
            kind: secret.kind,
            required: secret.required,
            hint: secret.hint.clone(),
            help_url: secret.help_url.as_ref().map(|url| url.get_ref().clone()),
            help_label: secret.help_label.clone(),
        });
    }
    secrets
}
