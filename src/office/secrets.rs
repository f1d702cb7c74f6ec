//! The office's secret backend: External Secrets Operator settings, or
//! SealedSecret ciphertext checked against kubeseal's layout.

use std::collections::BTreeMap;

use base64::Engine as _;
use toml::Spanned;

use super::raw::{BackendKind, RawSecrets};
use super::{Backend, SecretInstance};
use crate::diag::{Diagnostic, Diagnostics, key_path};
use crate::names;
use crate::source::{SourceFile, Span};

/// ESO's default refresh interval.
const DEFAULT_REFRESH_INTERVAL: &str = "1h";

pub(super) fn check_backend(
    file: &SourceFile,
    raw: &Spanned<RawSecrets>,
    diagnostics: &mut Diagnostics,
) -> Option<Backend> {
    let errors_before = diagnostics.error_count();
    let span: Span = raw.span().into();
    let raw = raw.get_ref();
    let mut error = |span: Span, key: &str, message: String| {
        diagnostics.push(Diagnostic::error(file, span, key, message));
    };
    let backend = match raw.backend.get_ref() {
        BackendKind::External => {
            if let Some(sealed) = &raw.sealed {
                error(
                    sealed.span().into(),
                    "secrets.sealed",
                    "ciphertext is only read with `backend = \"sealed\"`; \
                     the external backend reads values from the store"
                        .into(),
                );
            }
            let store = match &raw.store {
                Some(store) => {
                    if let Err(reason) = names::check_dns_subdomain(store.get_ref()) {
                        error(
                            store.span().into(),
                            "secrets.store",
                            format!("store name `{}` {reason}", store.get_ref()),
                        );
                    }
                    store.get_ref().clone()
                }
                None => {
                    error(
                        span,
                        "secrets",
                        "the external backend needs `store`, the name of the \
                         SecretStore or ClusterSecretStore to read from"
                            .into(),
                    );
                    String::new()
                }
            };
            let store_kind = match &raw.store_kind {
                Some(kind) => {
                    if !["SecretStore", "ClusterSecretStore"].contains(&kind.get_ref().as_str()) {
                        error(
                            kind.span().into(),
                            "secrets.store_kind",
                            format!(
                                "`{}` is not `SecretStore` or `ClusterSecretStore`",
                                kind.get_ref()
                            ),
                        );
                    }
                    kind.get_ref().clone()
                }
                None => "SecretStore".to_string(),
            };
            let key_prefix = match &raw.key_prefix {
                Some(prefix) => {
                    let value = prefix.get_ref();
                    if value.is_empty()
                        || value.starts_with('/')
                        || value.ends_with('/')
                        || value.contains("//")
                        || value.chars().any(char::is_whitespace)
                    {
                        error(
                            prefix.span().into(),
                            "secrets.key_prefix",
                            format!(
                                "`{value}` is not a usable key prefix: write path segments \
                                 separated by single `/`, for example `mitosis/acme`"
                            ),
                        );
                    }
                    value.clone()
                }
                None => {
                    error(
                        span,
                        "secrets",
                        "the external backend needs `key_prefix`; each secret is read \
                         from the remote key `<key_prefix>/<secret name>`"
                            .into(),
                    );
                    String::new()
                }
            };
            let refresh_interval = match &raw.refresh_interval {
                Some(interval) => {
                    if let Err(reason) = names::check_duration(interval.get_ref()) {
                        error(
                            interval.span().into(),
                            "secrets.refresh_interval",
                            format!("`{}` {reason}", interval.get_ref()),
                        );
                    }
                    interval.get_ref().clone()
                }
                None => DEFAULT_REFRESH_INTERVAL.to_string(),
            };
            Backend::External {
                store,
                store_kind,
                key_prefix,
                refresh_interval,
            }
        }
        BackendKind::Sealed => {
            for (key, value) in [
                ("store", raw.store.as_ref()),
                ("store_kind", raw.store_kind.as_ref()),
                ("key_prefix", raw.key_prefix.as_ref()),
                ("refresh_interval", raw.refresh_interval.as_ref()),
            ] {
                if let Some(value) = value {
                    error(
                        value.span().into(),
                        &key_path("secrets", key),
                        format!("`{key}` belongs to the external backend, not the sealed one"),
                    );
                }
            }
            Backend::Sealed
        }
    };
    (diagnostics.error_count() == errors_before).then_some(backend)
}

/// Attaches each secret's ciphertext and checks that every required key
/// has one and that no ciphertext is left without a secret.
pub(super) fn attach_sealed(
    file: &SourceFile,
    raw: &RawSecrets,
    secrets: &mut [SecretInstance],
    diagnostics: &mut Diagnostics,
) {
    let empty = BTreeMap::new();
    let (sealed, sealed_span): (_, Span) = match &raw.sealed {
        Some(sealed) => (sealed.get_ref(), sealed.span().into()),
        None => (&empty, raw.backend.span().into()),
    };
    for (name, keys) in sealed {
        let at = key_path("secrets.sealed", name);
        let Some(secret) = secrets.iter_mut().find(|secret| &secret.name == name) else {
            let message = format!(
                "no configured or enabled integration renders a secret named `{name}`; \
                 a SealedSecret only decrypts under the name it was sealed for"
            );
            diagnostics.push(
                Diagnostic::error(file, keys.span().into(), &at, message)
                    .suggest(name, secrets_names(secrets)),
            );
            continue;
        };
        for (key, ciphertext) in keys.get_ref() {
            let key_at = key_path(&at, key);
            if secret.integration.secret_key(key).is_none() {
                let message = format!("`{key}` is not a secret key of `{}`", secret.integration.id);
                let known = secret.integration.secrets.iter().map(|s| s.key.as_str());
                diagnostics.push(
                    Diagnostic::error(file, ciphertext.span().into(), key_at, message)
                        .suggest(key, known),
                );
                continue;
            }
            if let Err(reason) = check_ciphertext(ciphertext.get_ref()) {
                diagnostics.push(Diagnostic::error(
                    file,
                    ciphertext.span().into(),
                    key_at,
                    format!("the value {reason}; paste the output of `kubeseal --raw`"),
                ));
                continue;
            }
            secret
                .sealed
                .insert(key.clone(), ciphertext.get_ref().clone());
        }
    }
    for secret in secrets.iter() {
        let (span, at) = match sealed.get(&secret.name) {
            Some(keys) => (keys.span().into(), key_path("secrets.sealed", &secret.name)),
            None => (sealed_span, "secrets.sealed".to_string()),
        };
        for key in secret.integration.secrets.iter().filter(|key| key.required) {
            let written = sealed
                .get(&secret.name)
                .is_some_and(|keys| keys.get_ref().contains_key(&key.key));
            if !written {
                diagnostics.push(Diagnostic::error(
                    file,
                    span,
                    &at,
                    format!(
                        "missing ciphertext for the required key `{}` of `{}` \
                         (secret `{}`); add it under `[secrets.sealed.\"{}\"]`",
                        key.key,
                        secret.label(),
                        secret.name,
                        secret.name
                    ),
                ));
            }
        }
    }
}

fn secrets_names(secrets: &[SecretInstance]) -> impl Iterator<Item = &str> {
    secrets.iter().map(|secret| secret.name.as_str())
}

/// Checks that `value` is kubeseal output: base64 of a 2-byte big-endian
/// length, an RSA-OAEP encrypted session key of that length (a 2048 to
/// 4096-bit key), then AES-GCM ciphertext with its 16-byte tag. Plaintext
/// pasted by mistake fails this check.
pub(crate) fn check_ciphertext(value: &str) -> Result<(), String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| "is not base64, so it is not kubeseal ciphertext".to_string())?;
    if bytes.len() < 2 {
        return Err("is too short to be kubeseal ciphertext".into());
    }
    let key_length = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
    if ![256, 384, 512].contains(&key_length) {
        return Err(
            "does not start with the length of an RSA-encrypted session key, \
             so it is not kubeseal ciphertext"
                .into(),
        );
    }
    if bytes.len() < 2 + key_length + 16 {
        return Err("is shorter than kubeseal's session key and tag, \
             so it is not kubeseal ciphertext"
            .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(key_length: u16, body: usize) -> String {
        let mut bytes = key_length.to_be_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(7u8, usize::from(key_length) + body));
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn ciphertext_in_kubeseal_layout_passes() {
        assert!(check_ciphertext(&sealed(512, 40)).is_ok());
        assert!(check_ciphertext(&sealed(256, 16)).is_ok());
    }

    #[test]
    fn plaintext_and_bad_layouts_fail() {
        assert!(check_ciphertext("ghp_abcdefghijklmnop").is_err());
        assert!(check_ciphertext("aGVsbG8=").is_err());
        assert!(check_ciphertext(&sealed(512, 10)).is_err());
        assert!(check_ciphertext(&sealed(100, 400)).is_err());
        assert!(check_ciphertext("").is_err());
    }
}
