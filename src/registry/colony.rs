//! The colony container layer: a per-office service that runs while at
//! least one agent of the office enables the integration.

use std::collections::BTreeMap;

use toml::Spanned;

use super::SecretKey;
use super::raw::{RawColonyContainer, RawIntegration, RawResources};
use crate::diag::{Diagnostic, Diagnostics, index_path, key_path};
use crate::names;
use crate::source::SourceFile;

#[derive(Debug, Clone)]
pub struct ColonyContainer {
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// Plain env values; the secret's keys are added when rendering.
    pub env: BTreeMap<String, String>,
    pub ports: Vec<Port>,
    /// Size of the data claim; `None` means the service keeps no state.
    pub storage: Option<String>,
    pub mount_path: Option<String>,
    pub url_env: Option<String>,
    pub url_scheme: String,
    pub resources: Resources,
}

#[derive(Debug, Clone)]
pub struct Port {
    pub name: String,
    pub port: i32,
    pub protocol: String,
}

/// Container resource requests and limits by resource name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
}

impl Resources {
    pub fn new(requests: [(&str, &str); 2], limits: [(&str, &str); 2]) -> Self {
        let map = |pairs: [(&str, &str); 2]| {
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Resources {
            requests: map(requests),
            limits: map(limits),
        }
    }
}

const RESOURCE_NAMES: [&str; 3] = ["cpu", "ephemeral-storage", "memory"];

/// Checks `raw` resources at `at`, filling the CPU and memory entries it
/// leaves out from `defaults`.
pub(crate) fn check_resources(
    file: &SourceFile,
    at: &str,
    raw: Option<&RawResources>,
    defaults: &Resources,
    diagnostics: &mut Diagnostics,
) -> Resources {
    let mut resources = defaults.clone();
    let Some(raw) = raw else {
        return resources;
    };
    let mut parsed: BTreeMap<(&str, &str), (f64, &Spanned<String>)> = BTreeMap::new();
    for (section, values, target) in [
        ("requests", &raw.requests, &mut resources.requests),
        ("limits", &raw.limits, &mut resources.limits),
    ] {
        for (name, value) in values {
            let path = key_path(&key_path(at, section), name);
            if !RESOURCE_NAMES.contains(&name.as_str()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    path,
                    format!(
                        "unknown resource `{name}`; use `cpu`, `memory` or `ephemeral-storage`"
                    ),
                ));
                continue;
            }
            match names::parse_quantity(value.get_ref()) {
                Ok(amount) => {
                    parsed.insert((section, name.as_str()), (amount, value));
                    target.insert(name.clone(), value.get_ref().clone());
                }
                Err(reason) => diagnostics.push(Diagnostic::error(
                    file,
                    value.span().into(),
                    path,
                    format!("`{}` {reason}", value.get_ref()),
                )),
            }
        }
    }
    for name in RESOURCE_NAMES {
        let request = parsed
            .get(&("requests", name))
            .map(|(amount, _)| *amount)
            .or_else(|| {
                resources
                    .requests
                    .get(name)
                    .and_then(|value| names::parse_quantity(value).ok())
            });
        let limit = parsed
            .get(&("limits", name))
            .map(|(amount, _)| *amount)
            .or_else(|| {
                resources
                    .limits
                    .get(name)
                    .and_then(|value| names::parse_quantity(value).ok())
            });
        if let (Some(request), Some(limit)) = (request, limit)
            && request > limit
        {
            let (span, path) = match (
                parsed.get(&("requests", name)),
                parsed.get(&("limits", name)),
            ) {
                (Some((_, value)), _) => (value.span(), key_path(&key_path(at, "requests"), name)),
                (None, Some((_, value))) => (value.span(), key_path(&key_path(at, "limits"), name)),
                (None, None) => continue,
            };
            diagnostics.push(Diagnostic::error(
                file,
                span.into(),
                path,
                format!(
                    "the {name} request `{}` is more than its limit `{}`",
                    resources.requests[name], resources.limits[name]
                ),
            ));
        }
    }
    resources
}

/// Default resources of a colony container when the entry sets none.
pub(crate) fn default_colony_resources() -> Resources {
    Resources::new(
        [("cpu", "50m"), ("memory", "64Mi")],
        [("cpu", "500m"), ("memory", "256Mi")],
    )
}

pub(super) fn check(
    file: &SourceFile,
    colony: &Spanned<RawColonyContainer>,
    raw: &RawIntegration,
    secrets: &[SecretKey],
    diagnostics: &mut Diagnostics,
) -> Option<ColonyContainer> {
    let errors_before = diagnostics.error_count();
    let at = "colony_container";
    let span = colony.span().into();
    let colony = colony.get_ref();
    let mut error = |span, key: String, message: String| {
        diagnostics.push(Diagnostic::error(file, span, key, message));
    };

    if raw.multi_instance {
        error(
            span,
            at.into(),
            "a multi-instance integration cannot have a colony container, \
             because the container would not know which instance's secret to use"
                .into(),
        );
    }
    if let Err(reason) = names::check_pinned_image(colony.image.get_ref()) {
        error(
            colony.image.span().into(),
            key_path(at, "image"),
            format!("image `{}` {reason}", colony.image.get_ref()),
        );
    }
    for (name, value) in &colony.env {
        let path = key_path(&key_path(at, "env"), name);
        if let Err(reason) = names::check_env_name(name) {
            error(
                value.span().into(),
                path,
                format!("env var name `{name}` {reason}"),
            );
        } else if secrets.iter().any(|secret| &secret.key == name) {
            error(
                value.span().into(),
                path,
                format!(
                    "`{name}` is a key of the integration's secret, which the container \
                     already gets from the secret; remove it here"
                ),
            );
        }
    }

    let mut ports: Vec<super::Port> = Vec::new();
    for (i, port) in colony.ports.iter().enumerate() {
        let path = index_path(&key_path(at, "ports"), i);
        let port = port.get_ref();
        if let Err(reason) = names::check_port_name(port.name.get_ref()) {
            error(
                port.name.span().into(),
                key_path(&path, "name"),
                format!("port name `{}` {reason}", port.name.get_ref()),
            );
        }
        let number = *port.port.get_ref();
        if !(1..=65535).contains(&number) {
            error(
                port.port.span().into(),
                key_path(&path, "port"),
                format!("port {number} is outside 1 to 65535"),
            );
        }
        let protocol = port
            .protocol
            .as_ref()
            .map_or("TCP".to_string(), |p| p.get_ref().clone());
        if !["TCP", "UDP", "SCTP"].contains(&protocol.as_str()) {
            let span = port.protocol.as_ref().map_or(span, |p| p.span().into());
            error(
                span,
                key_path(&path, "protocol"),
                format!("protocol `{protocol}` is not one of `TCP`, `UDP`, `SCTP`"),
            );
        }
        if ports.iter().any(|known| &known.name == port.name.get_ref()) {
            error(
                port.name.span().into(),
                key_path(&path, "name"),
                format!("port name `{}` is used twice", port.name.get_ref()),
            );
        }
        if ports
            .iter()
            .any(|known| i64::from(known.port) == number && known.protocol == protocol)
        {
            error(
                port.port.span().into(),
                key_path(&path, "port"),
                format!("port {number}/{protocol} is listed twice"),
            );
        }
        ports.push(super::Port {
            name: port.name.get_ref().clone(),
            port: i32::try_from(number).unwrap_or(0),
            protocol,
        });
    }

    if let Some(storage) = &colony.storage {
        match names::parse_quantity(storage.get_ref()) {
            Ok(amount) if amount > 0.0 => {}
            Ok(_) => error(
                storage.span().into(),
                key_path(at, "storage"),
                "storage must be more than zero".into(),
            ),
            Err(reason) => error(
                storage.span().into(),
                key_path(at, "storage"),
                format!("`{}` {reason}", storage.get_ref()),
            ),
        }
        if colony.mount_path.is_none() {
            error(
                storage.span().into(),
                key_path(at, "storage"),
                "a container with `storage` also needs `mount_path`, where the claim is mounted"
                    .into(),
            );
        }
    }
    if let Some(mount_path) = &colony.mount_path {
        if colony.storage.is_none() {
            error(
                mount_path.span().into(),
                key_path(at, "mount_path"),
                "`mount_path` needs `storage`, the size of the claim to mount there".into(),
            );
        }
        if !mount_path.get_ref().starts_with('/') || mount_path.get_ref().contains(':') {
            error(
                mount_path.span().into(),
                key_path(at, "mount_path"),
                format!(
                    "`{}` must be an absolute path without `:`",
                    mount_path.get_ref()
                ),
            );
        }
    }

    if let Some(url_env) = &colony.url_env {
        if let Err(reason) = names::check_env_name(url_env.get_ref()) {
            error(
                url_env.span().into(),
                key_path(at, "url_env"),
                format!("env var name `{}` {reason}", url_env.get_ref()),
            );
        }
        if ports.is_empty() {
            error(
                url_env.span().into(),
                key_path(at, "url_env"),
                "`url_env` needs at least one entry in `ports`; agents reach the first one".into(),
            );
        }
        if secrets
            .iter()
            .any(|secret| &secret.key == url_env.get_ref())
        {
            error(
                url_env.span().into(),
                key_path(at, "url_env"),
                format!(
                    "`{}` is also a secret key of this integration",
                    url_env.get_ref()
                ),
            );
        }
    }
    let url_scheme = match &colony.url_scheme {
        Some(scheme) => {
            let valid = scheme
                .get_ref()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && scheme
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
            if !valid {
                error(
                    scheme.span().into(),
                    key_path(at, "url_scheme"),
                    format!(
                        "`{}` is not a URL scheme such as `http` or `socks5`",
                        scheme.get_ref()
                    ),
                );
            }
            scheme.get_ref().clone()
        }
        None => "http".to_string(),
    };

    let resources = check_resources(
        file,
        &key_path(at, "resources"),
        colony.resources.as_ref(),
        &default_colony_resources(),
        diagnostics,
    );

    if diagnostics.error_count() > errors_before {
        return None;
    }
    Some(ColonyContainer {
        image: colony.image.get_ref().clone(),
        command: colony.command.clone(),
        args: colony.args.clone(),
        env: colony
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect(),
        ports,
        storage: colony.storage.as_ref().map(|s| s.get_ref().clone()),
        mount_path: colony.mount_path.as_ref().map(|s| s.get_ref().clone()),
        url_env: colony.url_env.as_ref().map(|s| s.get_ref().clone()),
        url_scheme,
        resources,
    })
}
