//! The input rules the compiler enforces. Each rule gets an input that
//! breaks it, and the test checks that `build` exits 2, names the file,
//! line, column and TOML key path, states what is wrong, and leaves
//! `out/` as it was. A few success cases check the behaviour the rules
//! protect.

mod support;

use std::collections::BTreeMap;

use base64::Engine as _;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{EnvVar, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::de::DeserializeOwned;
use support::{Project, Run};

const ACME: &str = "offices/acme.toml";

/// The office settings every test shares: the external backend and a
/// pinned agent image. Tests append agents and other tables.
const EXTERNAL: &str = r#"[secrets]
backend = "external"
store = "vault"
store_kind = "ClusterSecretStore"
key_prefix = "mitosis/acme"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"
"#;

/// Like [`EXTERNAL`], on the sealed backend.
const SEALED: &str = r#"[secrets]
backend = "sealed"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"
"#;

const RUNNER: &str = r#"
[task_runner]
image = "ghcr.io/example/task-dispatch:0.3.1"
"#;

/// A colony container entry: a per-office SOCKS5 proxy with a data claim
/// that provides the capability `private_network`.
const PROXY: &str = r#"name = "Proxy"
description = "A per-office SOCKS5 proxy."
category = "services"
aliases = ["px"]
provides = ["private_network"]

[[secrets]]
key = "PROXY_AUTH_KEY"
label = "Auth key"
type = "password"
required = true

[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
ports = [{ name = "socks5", port = 1055 }]
storage = "1Gi"
mount_path = "/var/lib/proxy"
url_env = "ALL_PROXY"
url_scheme = "socks5"
"#;

/// The top of a colony container entry, without the container table.
const COLONY_HEAD: &str = r#"name = "Proxy"
description = "A per-office proxy."
category = "services"

[[secrets]]
key = "PROXY_AUTH_KEY"
label = "Auth key"
type = "password"
required = true
"#;

/// An entry with member controls: engineers only, one agent per office,
/// and a region setting with two allowed values.
const DEPLOY: &str = r#"name = "Deploy"
description = "Ships releases."
category = "services"
aliases = ["ship"]

[[secrets]]
key = "DEPLOY_TOKEN"
label = "Token"
type = "password"
required = true

[members]
required_roles = ["engineer"]
max_agents = 1

[members.config.DEPLOY_REGION]
default = "eu"
allowed = ["eu", "us"]
"#;

// ---------------------------------------------------------------------
// Helpers

/// Returns the office settings in [`EXTERNAL`] followed by `body`.
fn office(body: &str) -> String {
    format!("{EXTERNAL}{body}")
}

/// Returns the office settings in [`SEALED`] followed by `body`.
fn sealed_office(body: &str) -> String {
    format!("{SEALED}{body}")
}

/// Creates a project with the Slack and GitHub entries and `text` as
/// `offices/acme.toml`.
fn project(text: &str) -> Project {
    let project = Project::minimal();
    project.write(ACME, text);
    project
}

/// Returns a registry entry `id` with one required secret `<ID>_TOKEN`
/// that agents get as an env var. `extra` goes between the top-level keys and
/// the secret, so it may hold top-level keys followed by tables.
fn entry(id: &str, extra: &str) -> String {
    let key = format!("{}_TOKEN", id.to_uppercase().replace('-', "_"));
    format!(
        r#"name = "{id}"
description = "Test entry {id}."
category = "services"
agent_env = ["{key}"]
{extra}

[[secrets]]
key = "{key}"
label = "Token"
type = "password"
required = true
"#
    )
}

/// Returns a colony container entry with `container` as its container
/// table.
fn colony_entry(container: &str) -> String {
    format!("{COLONY_HEAD}{container}")
}

/// Returns base64 bytes in the layout of `kubeseal --raw` output: a 2-byte length, a
/// 256-byte encrypted session key, then 32 bytes of AES-GCM ciphertext
/// and tag. The bytes are filler, not a real sealed value.
fn ciphertext() -> String {
    let mut bytes = vec![0x01, 0x00];
    bytes.extend(std::iter::repeat_n(0x5a, 256 + 32));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Returns the byte offset of `needle`, which must occur exactly once in
/// `text`.
#[track_caller]
fn unique_offset(text: &str, needle: &str) -> usize {
    let mut found = text.match_indices(needle).map(|(offset, _)| offset);
    let offset = found
        .next()
        .unwrap_or_else(|| panic!("{needle:?} is not in the fixture"));
    assert!(
        found.next().is_none(),
        "{needle:?} occurs more than once in the fixture"
    );
    offset
}

/// Returns `path:line:col:` of a byte offset in `text`, counting lines
/// and columns from 1 and columns in characters.
fn location(path: &str, text: &str, offset: usize) -> String {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{path}:{line}:{column}:")
}

/// Returns `path:line:col:` of `needle`, which must occur exactly once in
/// `text`, the content of the file at `path`.
#[track_caller]
fn at(path: &str, text: &str, needle: &str) -> String {
    location(path, text, unique_offset(text, needle))
}

/// Returns `path:line:col:` of the first `needle` inside `context`, which
/// must occur exactly once in `text`. For values that repeat in a fixture.
#[track_caller]
fn at_in(path: &str, text: &str, context: &str, needle: &str) -> String {
    let inner = context
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in {context:?}"));
    location(path, text, unique_offset(text, context) + inner)
}

/// [`at`] in `offices/acme.toml`.
#[track_caller]
fn office_at(text: &str, needle: &str) -> String {
    at(ACME, text, needle)
}

/// Runs `build` on invalid input. Checks that it exits 2 and leaves
/// `out/` byte for byte as it was, without creating it.
#[track_caller]
fn build_rejects(project: &Project) -> Run {
    let had_out = project.exists("out");
    let before = project.snapshot("out");
    let run = project.run(&["build"]);
    run.assert_code(2);
    assert_eq!(
        project.snapshot("out"),
        before,
        "a failed build changed out/\n--- stderr\n{}",
        run.stderr
    );
    if !had_out {
        assert!(!project.exists("out"), "a failed build created out/");
    }
    run
}

/// Splits stderr into diagnostics: each starts at an `error:` or `hint:`
/// line and takes the source excerpt and help lines below it.
fn diagnostics(stderr: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error: ") || line.starts_with("hint: ") {
            blocks.push(String::new());
        }
        if let Some(block) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// Finds the diagnostic of `severity` at `location` (from [`at`]) and
/// `key_path` whose headline contains `message`, and returns it with its
/// excerpt and help lines.
#[track_caller]
fn assert_diagnostic(
    run: &Run,
    severity: &str,
    location: &str,
    key_path: &str,
    message: &str,
) -> String {
    let prefix = if key_path.is_empty() {
        format!("{severity}: {location} ")
    } else {
        format!("{severity}: {location} {key_path}: ")
    };
    let found: Vec<String> = diagnostics(&run.stderr)
        .into_iter()
        .filter(|block| block.starts_with(&prefix))
        .collect();
    assert!(
        !found.is_empty(),
        "no {severity} starts with {prefix:?}\n--- stderr\n{}",
        run.stderr
    );
    found
        .into_iter()
        .find(|block| block.lines().next().unwrap_or("").contains(message))
        .unwrap_or_else(|| {
            panic!(
                "no {severity} at {prefix:?} contains {message:?}\n--- stderr\n{}",
                run.stderr
            )
        })
}

/// [`assert_diagnostic`] for an error.
#[track_caller]
fn assert_error(run: &Run, location: &str, key_path: &str, message: &str) -> String {
    assert_diagnostic(run, "error", location, key_path, message)
}

/// Checks that a diagnostic from [`assert_error`] carries `help`.
#[track_caller]
fn assert_help(diagnostic: &str, help: &str) {
    let line = format!("  = help: {help}");
    assert!(
        diagnostic.lines().any(|text| text == line),
        "the diagnostic lacks the help {help:?}\n--- diagnostic\n{diagnostic}"
    );
}

/// Reads a YAML file of the project as `T`.
#[track_caller]
fn read_yaml<T: DeserializeOwned>(project: &Project, relative: &str) -> T {
    let text = project.read(relative);
    serde_saphyr::from_str(&text).unwrap_or_else(|error| panic!("parse {relative}: {error}"))
}

/// Lists the files in `out/acme/` whose names start with `prefix`,
/// sorted.
fn out_files(project: &Project, prefix: &str) -> Vec<String> {
    project
        .snapshot("out/acme")
        .into_iter()
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix))
        .collect()
}

/// Reads the env of the agent container in `agent-<name>`'s Deployment.
#[track_caller]
fn agent_env(project: &Project, agent: &str) -> Vec<EnvVar> {
    let deployment: Deployment =
        read_yaml(project, &format!("out/acme/deployment-agent-{agent}.yaml"));
    let pod = deployment
        .spec
        .and_then(|spec| spec.template.spec)
        .expect("the Deployment has a pod spec");
    pod.containers[0].env.clone().unwrap_or_default()
}

/// Returns the env vars named `name` in `env`.
fn env_named<'a>(env: &'a [EnvVar], name: &str) -> Vec<&'a EnvVar> {
    env.iter().filter(|var| var.name == name).collect()
}

/// Returns the secret that an env var reads, as `(secret name, key)`.
fn secret_ref(var: &EnvVar) -> Option<(String, String)> {
    let selector = var.value_from.as_ref()?.secret_key_ref.as_ref()?;
    Some((selector.name.clone(), selector.key.clone()))
}

/// Reads the pod labels of `agent-<name>`'s Deployment.
#[track_caller]
fn agent_pod_labels(project: &Project, agent: &str) -> BTreeMap<String, String> {
    let deployment: Deployment =
        read_yaml(project, &format!("out/acme/deployment-agent-{agent}.yaml"));
    deployment
        .spec
        .and_then(|spec| spec.template.metadata)
        .and_then(|metadata| metadata.labels)
        .unwrap_or_default()
}

/// Checks whether `selector` selects an object with `labels`, by the
/// Kubernetes rules for `matchLabels` and `matchExpressions`.
fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let labels_match = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(key, value)| labels.get(key) == Some(value));
    let expressions_match = selector.match_expressions.iter().flatten().all(|rule| {
        let value = labels.get(&rule.key);
        let values = rule.values.clone().unwrap_or_default();
        match rule.operator.as_str() {
            "In" => value.is_some_and(|value| values.contains(value)),
            "NotIn" => value.is_none_or(|value| !values.contains(value)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            other => panic!("unknown selector operator {other}"),
        }
    });
    labels_match && expressions_match
}

/// Checks for an RFC 1123 label, independently of the product's check.
fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

// ---------------------------------------------------------------------
// Integration references in an office

#[test]
fn unknown_integration_suggests_closest_id() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slak"]
"#,
    );
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &office_at(&text, "\"slak\""),
        "agents.alice.integrations[0]",
        "unknown integration `slak`",
    );
    assert_help(&error, "did you mean `slack`?");
}

#[test]
fn unknown_id_with_instance_suggests() {
    let text = office(
        r#"
[integrations.github]
instances = ["work"]

[agents.alice]
integrations = ["githb:work"]
"#,
    );
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &office_at(&text, "\"githb:work\""),
        "agents.alice.integrations[0]",
        "unknown integration `githb`",
    );
    assert_help(&error, "did you mean `github`?");
}

#[test]
fn unknown_configured_integration_suggests_id() {
    let text = office(
        r#"
[integrations.slck]
"#,
    );
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &office_at(&text, "[integrations.slck]"),
        "integrations.slck",
        "unknown integration `slck`",
    );
    assert_help(&error, "did you mean `slack`?");
}

#[test]
fn alias_resolves_to_its_integration() {
    let text = office(
        r#"
[integrations.gh]
instances = ["personal", "work"]

[agents.alice]
integrations = ["gh:work"]
"#,
    );
    let project = project(&text);
    project.run(&["build"]).assert_code(0);
    let env = agent_env(&project, "alice");
    let token = env_named(&env, "GITHUB_TOKEN");
    assert_eq!(token.len(), 1, "{env:?}");
    assert_eq!(
        secret_ref(token[0]),
        Some(("github-work-acme".to_string(), "GITHUB_TOKEN".to_string()))
    );
}

#[test]
fn unknown_instance_label_lists_declared() {
    let text = office(
        r#"
[integrations.github]
instances = ["personal", "work"]

[agents.alice]
integrations = ["github:wrok"]
"#,
    );
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &office_at(&text, "\"github:wrok\""),
        "agents.alice.integrations[0]",
        "unknown instance `wrok` of `github`; the office declares `personal`, `work`",
    );
    assert_help(&error, "did you mean `work`?");
}

#[test]
fn instance_given_for_single_instance() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slack:main"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"slack:main\""),
        "agents.alice.integrations[0]",
        "`slack` is a single-instance integration, so the instance `main` cannot be chosen",
    );
}

#[test]
fn instance_missing_where_several_exist() {
    let text = office(
        r#"
[integrations.github]
instances = ["personal", "work"]

[agents.alice]
integrations = ["github"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"github\""),
        "agents.alice.integrations[0]",
        "`github` has several instances (`personal`, `work`); choose one",
    );
}

#[test]
fn single_declared_instance_is_default() {
    let text = office(
        r#"
[integrations.github]
instances = ["work"]

[agents.alice]
integrations = ["github"]
"#,
    );
    let project = project(&text);
    project.run(&["build"]).assert_code(0);
    let env = agent_env(&project, "alice");
    let token = env_named(&env, "GITHUB_TOKEN");
    assert_eq!(token.len(), 1, "{env:?}");
    assert_eq!(
        secret_ref(token[0]),
        Some(("github-work-acme".to_string(), "GITHUB_TOKEN".to_string()))
    );
}

#[test]
fn multi_instance_table_needs_instances() {
    let text = office(
        r#"
[integrations.github]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "[integrations.github]"),
        "integrations.github",
        "`github` is a multi-instance integration; list its instances",
    );
}

#[test]
fn multi_instance_reference_needs_instances() {
    let text = office(
        r#"
[agents.alice]
integrations = ["github"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"github\""),
        "agents.alice.integrations[0]",
        "`github` is a multi-instance integration and the office declares no instance",
    );
}

#[test]
fn instances_on_single_instance_table() {
    let text = office(
        r#"
[integrations.slack]
instances = ["main"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"main\""),
        "integrations.slack.instances",
        "`slack` is a single-instance integration and takes no `instances`",
    );
}

#[test]
fn same_instance_enabled_twice_through_alias() {
    let text = office(
        r#"
[integrations.github]
instances = ["work"]

[agents.alice]
integrations = ["github:work", "gh:work"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"gh:work\""),
        "agents.alice.integrations[1]",
        "`github:work` is enabled twice for this agent",
    );
}

#[test]
fn integration_configured_twice_through_alias() {
    let text = office(
        r#"
[integrations.github]
instances = ["work"]

[integrations.gh]
instances = ["personal"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "[integrations.github]"),
        "integrations.github",
        "`github` and `gh` both name the integration `github`; keep one table",
    );
}

#[test]
fn instance_label_must_be_dns_label() {
    let text = office(
        r#"
[integrations.github]
instances = ["Work"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"Work\""),
        "integrations.github.instances[0]",
        "instance label `Work` must consist of lowercase letters, digits and `-`",
    );
}

// ---------------------------------------------------------------------
// Agent env

#[test]
fn two_integrations_export_same_env_var() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slack", "slack-bridge"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/slack-bridge.toml",
        &support::SLACK.replace("Slack", "Slack bridge"),
    );
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"slack-bridge\""),
        "agents.alice.integrations[1]",
        "`slack-bridge` would set the env var `SLACK_BOT_TOKEN`, which `slack` already sets",
    );
}

#[test]
fn instances_on_one_agent_clash() {
    let text = office(
        r#"
[integrations.github]
instances = ["personal", "work"]

[agents.alice]
integrations = ["github:personal", "github:work"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"github:work\""),
        "agents.alice.integrations[1]",
        "`github:work` would set the env var `GITHUB_TOKEN`, which `github:personal` already sets",
    );
}

#[test]
fn setting_and_secret_export_same_env_var() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["slack", "deploy"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/deploy.toml",
        &DEPLOY.replace("DEPLOY_REGION", "SLACK_BOT_TOKEN"),
    );
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"deploy\""),
        "agents.alice.integrations[1]",
        "would set the env var `SLACK_BOT_TOKEN`, which `slack` already sets",
    );
}

#[test]
fn reserved_key_in_agent_env() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slack"]
env = { SLACK_BOT_TOKEN = "xoxb-typed-by-hand" }
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"xoxb-typed-by-hand\""),
        "agents.alice.env.SLACK_BOT_TOKEN",
        "`SLACK_BOT_TOKEN` is reserved by the integration `slack`",
    );
}

#[test]
fn agent_env_overrides_unreserved_var() {
    let text = office(
        r#"
[agents.alice]
integrations = ["search"]
env = { SEARCH_ENDPOINT = "https://search.internal.example" }
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/search.toml",
        r#"name = "Search"
description = "Web search."
category = "services"
agent_env = ["SEARCH_API_KEY", "SEARCH_ENDPOINT"]
reserved = false

[[secrets]]
key = "SEARCH_API_KEY"
label = "API key"
type = "password"
required = true

[[secrets]]
key = "SEARCH_ENDPOINT"
label = "Endpoint"
type = "text"
required = false
"#,
    );
    project.run(&["build"]).assert_code(0);
    let env = agent_env(&project, "alice");
    let endpoint = env_named(&env, "SEARCH_ENDPOINT");
    assert_eq!(endpoint.len(), 1, "{env:?}");
    assert_eq!(
        endpoint[0].value.as_deref(),
        Some("https://search.internal.example")
    );
    assert_eq!(endpoint[0].value_from, None);
    assert_eq!(
        env_named(&env, "SEARCH_API_KEY")
            .first()
            .and_then(|var| secret_ref(var)),
        Some(("search-acme".to_string(), "SEARCH_API_KEY".to_string()))
    );
}

#[test]
fn env_value_must_be_string() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slack"]
env = { MAX_TOKENS = 4096 }
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "4096"),
        "agents.alice.env.MAX_TOKENS",
        "invalid type: integer `4096`, expected a string",
    );
}

#[test]
fn env_name_must_be_identifier() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slack"]
env = { "LOG-LEVEL" = "debug" }
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"debug\""),
        "agents.alice.env.LOG-LEVEL",
        "env var name `LOG-LEVEL` must consist of letters, digits and `_`",
    );
}

// ---------------------------------------------------------------------
// Member controls

#[test]
fn required_role_not_held() {
    let text = office(
        r#"
[agents.alice]
role = "assistant"
integrations = ["deploy"]
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"deploy\""),
        "agents.alice.integrations[0]",
        "`deploy` requires the role `engineer`, but agent `alice` has the role `assistant`",
    );
}

#[test]
fn required_role_without_any_role() {
    let text = office(
        r#"
[agents.alice]
integrations = ["deploy"]
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"deploy\""),
        "agents.alice.integrations[0]",
        "`deploy` requires the role `engineer`, but agent `alice` has no role",
    );
}

#[test]
fn more_agents_than_max_agents() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["deploy"]

[agents.bob]
role = "engineer"
integrations = ["ship"]
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"ship\""),
        "agents.bob.integrations[0]",
        "`deploy` allows at most 1 agent per office",
    );
}

#[test]
fn config_override_key_not_declared() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["deploy"]

[agents.alice.config.deploy]
DEPLOY_REGON = "us"
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    let error = assert_error(
        &run,
        &office_at(&text, "\"us\""),
        "agents.alice.config.deploy.DEPLOY_REGON",
        "`DEPLOY_REGON` is not a setting of `deploy`",
    );
    assert_help(&error, "did you mean `DEPLOY_REGION`?");
}

#[test]
fn config_override_value_not_allowed() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["deploy"]

[agents.alice.config.deploy]
DEPLOY_REGION = "ap"
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"ap\""),
        "agents.alice.config.deploy.DEPLOY_REGION",
        "`ap` is not an allowed value of `DEPLOY_REGION`; use one of `eu`, `us`",
    );
}

#[test]
fn config_override_for_integration_not_enabled() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["slack"]

[agents.alice.config.deploy]
DEPLOY_REGION = "us"
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "[agents.alice.config.deploy]"),
        "agents.alice.config.deploy",
        "agent `alice` does not enable `deploy`",
    );
}

#[test]
fn config_override_reaches_agent_env() {
    let text = office(
        r#"
[agents.alice]
role = "engineer"
integrations = ["deploy"]

[agents.alice.config.ship]
DEPLOY_REGION = "us"
"#,
    );
    let project = project(&text);
    project.write("integrations/deploy.toml", DEPLOY);
    project.run(&["build"]).assert_code(0);
    let env = agent_env(&project, "alice");
    let region = env_named(&env, "DEPLOY_REGION");
    assert_eq!(region.len(), 1, "{env:?}");
    assert_eq!(region[0].value.as_deref(), Some("us"));
}

// ---------------------------------------------------------------------
// Composability

/// Creates a project whose registry adds `review`, which depends on
/// `target`, and whose agent `alice` enables `agent_integrations`.
fn dependency_project(target: &str, agent_integrations: &str) -> (Project, String) {
    let text = office(&format!(
        r#"
[integrations.github]
instances = ["work"]

[agents.alice]
integrations = [{agent_integrations}]
"#
    ));
    let project = project(&text);
    project
        .write(
            "integrations/review.toml",
            &entry("review", &format!("depends_on = [\"{target}\"]")),
        )
        .write("integrations/proxy.toml", PROXY);
    (project, text)
}

#[test]
fn depends_on_id_not_enabled() {
    let (project, text) = dependency_project("github", r#""review""#);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"review\""),
        "agents.alice.integrations[0]",
        "`review` depends on `github`, which agent `alice` does not enable",
    );
}

#[test]
fn depends_on_id_enabled() {
    let (project, _) = dependency_project("github", r#""review", "github:work""#);
    project.run(&["build"]).assert_code(0);
}

#[test]
fn depends_on_alias_not_enabled() {
    let (project, text) = dependency_project("gh", r#""review""#);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"review\""),
        "agents.alice.integrations[0]",
        "`review` depends on `gh`",
    );
}

#[test]
fn depends_on_alias_enabled() {
    let (project, _) = dependency_project("gh", r#""github", "review""#);
    project.run(&["build"]).assert_code(0);
}

#[test]
fn depends_on_capability_not_enabled() {
    let (project, text) = dependency_project("private_network", r#""review""#);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"review\""),
        "agents.alice.integrations[0]",
        "`review` depends on `private_network` (provided by `proxy`), \
         which agent `alice` does not enable",
    );
}

#[test]
fn depends_on_capability_enabled() {
    let (project, _) = dependency_project("private_network", r#""review", "px""#);
    project.run(&["build"]).assert_code(0);
}

#[test]
fn depends_on_unknown_name() {
    let project = Project::minimal();
    let review = entry("review", r#"depends_on = ["slakc"]"#);
    project.write("integrations/review.toml", &review);
    let run = build_rejects(&project);
    let error = assert_error(
        &run,
        &at("integrations/review.toml", &review, "\"slakc\""),
        "depends_on[0]",
        "`slakc` is neither an integration nor a capability that an entry provides",
    );
    assert_help(&error, "did you mean `slack`?");
}

/// Creates a project where `alpha` declares a conflict with `beta` and
/// agent `alice` enables `agent_integrations`.
fn conflict_project(agent_integrations: &str) -> (Project, String) {
    let text = office(&format!(
        r#"
[agents.alice]
integrations = [{agent_integrations}]
"#
    ));
    let project = project(&text);
    project
        .write(
            "integrations/alpha.toml",
            &entry("alpha", r#"conflicts = ["beta"]"#),
        )
        .write("integrations/beta.toml", &entry("beta", ""));
    (project, text)
}

#[test]
fn conflict_declared_by_earlier_entry() {
    let (project, text) = conflict_project(r#""alpha", "beta""#);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"beta\""),
        "agents.alice.integrations[1]",
        "`beta` conflicts with `alpha`, which agent `alice` also enables",
    );
}

#[test]
fn conflict_declared_by_later_entry() {
    let (project, text) = conflict_project(r#""beta", "alpha""#);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"alpha\""),
        "agents.alice.integrations[1]",
        "`alpha` conflicts with `beta`, which agent `alice` also enables",
    );
}

#[test]
fn conflicting_entries_on_separate_agents() {
    let text = office(
        r#"
[agents.alice]
integrations = ["alpha"]

[agents.bob]
integrations = ["beta"]
"#,
    );
    let project = project(&text);
    project
        .write(
            "integrations/alpha.toml",
            &entry("alpha", r#"conflicts = ["beta"]"#),
        )
        .write("integrations/beta.toml", &entry("beta", ""));
    project.run(&["build"]).assert_code(0);
}

#[test]
fn dependency_cycle_between_two_entries() {
    let project = Project::minimal();
    let alpha = entry("alpha", r#"depends_on = ["beta"]"#);
    let beta = entry("beta", r#"depends_on = ["alpha"]"#);
    project
        .write("integrations/alpha.toml", &alpha)
        .write("integrations/beta.toml", &beta);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/alpha.toml", &alpha, "\"beta\""),
        "depends_on[0]",
        "dependency cycle: alpha -> beta -> alpha",
    );
}

#[test]
fn dependency_on_itself_is_cycle() {
    let project = Project::minimal();
    let alpha = entry("alpha", r#"depends_on = ["alpha"]"#);
    project.write("integrations/alpha.toml", &alpha);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at_in(
            "integrations/alpha.toml",
            &alpha,
            "[\"alpha\"]",
            "\"alpha\"",
        ),
        "depends_on[0]",
        "dependency cycle: alpha -> alpha",
    );
}

#[test]
fn dependency_cycle_through_capability() {
    let project = Project::minimal();
    let alpha = entry(
        "alpha",
        "provides = [\"search_index\"]\ndepends_on = [\"beta\"]",
    );
    let beta = entry("beta", r#"depends_on = ["search_index"]"#);
    project
        .write("integrations/alpha.toml", &alpha)
        .write("integrations/beta.toml", &beta);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/alpha.toml", &alpha, "\"beta\""),
        "depends_on[0]",
        "dependency cycle: alpha -> beta -> alpha",
    );
}

#[test]
fn composed_with_only_hints() {
    let text = office(
        r#"
[agents.alice]
integrations = ["alpha"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/alpha.toml",
        &entry("alpha", r#"composed_with = ["slack"]"#),
    );
    let run = project.run(&["build"]);
    run.assert_code(0);
    assert_diagnostic(
        &run,
        "hint",
        &office_at(&text, "\"alpha\""),
        "agents.alice.integrations[0]",
        "`alpha` works well together with `slack`, which agent `alice` does not enable",
    );
    assert!(project.exists("out/acme/deployment-agent-alice.yaml"));
}

// ---------------------------------------------------------------------
// Sealed backend

#[test]
fn sealed_ciphertext_reaches_sealed_secret() {
    let value = ciphertext();
    let text = sealed_office(&format!(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "{value}"

[agents.alice]
integrations = ["slack"]
"#
    ));
    let project = project(&text);
    project.run(&["build"]).assert_code(0);
    let sealed = project.read("out/acme/sealedsecret-slack-acme.yaml");
    assert!(sealed.contains(&value), "{sealed}");
}

#[test]
fn sealed_missing_ciphertext_for_required_key() {
    let text = sealed_office(
        r#"
[agents.alice]
integrations = ["slack"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"sealed\""),
        "secrets.sealed",
        "missing ciphertext for the required key `SLACK_BOT_TOKEN` of `slack` \
         (secret `slack-acme`)",
    );
}

#[test]
fn sealed_ciphertext_for_unknown_secret_name() {
    let value = ciphertext();
    let text = sealed_office(&format!(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "{value}"

[secrets.sealed."slack-acne"]
SLACK_BOT_TOKEN = "{value}"

[agents.alice]
integrations = ["slack"]
"#
    ));
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &office_at(&text, "[secrets.sealed.\"slack-acne\"]"),
        "secrets.sealed.slack-acne",
        "no configured or enabled integration renders a secret named `slack-acne`",
    );
    assert_help(&error, "did you mean `slack-acme`?");
}

#[test]
fn sealed_ciphertext_for_unknown_key() {
    let value = ciphertext();
    let text = sealed_office(&format!(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "{value}"
SLACK_BOT_TOKN = "{value}"

[agents.alice]
integrations = ["slack"]
"#
    ));
    let run = build_rejects(&project(&text));
    let error = assert_error(
        &run,
        &at_in(ACME, &text, "SLACK_BOT_TOKN = \"", "\""),
        "secrets.sealed.slack-acme.SLACK_BOT_TOKN",
        "`SLACK_BOT_TOKN` is not a secret key of `slack`",
    );
    assert_help(&error, "did you mean `SLACK_BOT_TOKEN`?");
}

#[test]
fn sealed_plaintext_instead_of_ciphertext() {
    let text = sealed_office(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "xoxb-1234-5678-abcdef"

[agents.alice]
integrations = ["slack"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"xoxb-1234-5678-abcdef\""),
        "secrets.sealed.slack-acme.SLACK_BOT_TOKEN",
        "is not base64, so it is not kubeseal ciphertext",
    );
}

#[test]
fn sealed_base64_plaintext_fails_layout() {
    // "xoxb-1234-5678-abcdef" in base64: valid base64, but not kubeseal's layout.
    let text = sealed_office(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "eG94Yi0xMjM0LTU2NzgtYWJjZGVm"

[agents.alice]
integrations = ["slack"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"eG94Yi0xMjM0LTU2NzgtYWJjZGVm\""),
        "secrets.sealed.slack-acme.SLACK_BOT_TOKEN",
        "so it is not kubeseal ciphertext",
    );
}

#[test]
fn sealed_keys_with_external_backend() {
    let value = ciphertext();
    let text = office(&format!(
        r#"
[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "{value}"

[agents.alice]
integrations = ["slack"]
"#
    ));
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &at_in(ACME, &text, "[secrets.sealed.\"slack-acme\"]", "sealed"),
        "secrets.sealed",
        "ciphertext is only read with `backend = \"sealed\"`",
    );
}

#[test]
fn store_settings_with_sealed_backend() {
    let value = ciphertext();
    let text = format!(
        r#"[secrets]
backend = "sealed"
store = "vault"
key_prefix = "mitosis/acme"

[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "{value}"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"

[agents.alice]
integrations = ["slack"]
"#
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"vault\""),
        "secrets.store",
        "`store` belongs to the external backend, not the sealed one",
    );
    assert_error(
        &run,
        &office_at(&text, "\"mitosis/acme\""),
        "secrets.key_prefix",
        "`key_prefix` belongs to the external backend, not the sealed one",
    );
}

#[test]
fn sealed_plaintext_reported_with_store_error() {
    let text = r#"[secrets]
backend = "sealed"
store = "vault"

[secrets.sealed."slack-acme"]
SLACK_BOT_TOKEN = "xoxb-1234-5678-abcdef"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"

[agents.alice]
integrations = ["slack"]
"#;
    let run = build_rejects(&project(text));
    assert_error(
        &run,
        &office_at(text, "\"vault\""),
        "secrets.store",
        "`store` belongs to the external backend",
    );
    assert_error(
        &run,
        &office_at(text, "\"xoxb-1234-5678-abcdef\""),
        "secrets.sealed.slack-acme.SLACK_BOT_TOKEN",
        "is not base64, so it is not kubeseal ciphertext",
    );
    run.assert_stderr_contains("2 errors; nothing was written");
}

// ---------------------------------------------------------------------
// External backend

/// Returns an office on the external backend with `secrets` as the body
/// of its `[secrets]` table.
fn external_office(secrets: &str) -> String {
    format!(
        r#"[secrets]
backend = "external"
{secrets}
[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"

[agents.alice]
integrations = ["slack"]
"#
    )
}

#[test]
fn external_backend_needs_store() {
    let text = external_office("key_prefix = \"mitosis/acme\"\n");
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "[secrets]"),
        "secrets",
        "the external backend needs `store`",
    );
}

#[test]
fn external_backend_needs_key_prefix() {
    let text = external_office("store = \"vault\"\n");
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "[secrets]"),
        "secrets",
        "the external backend needs `key_prefix`",
    );
}

#[test]
fn refresh_interval_must_be_duration() {
    let text = external_office(
        "store = \"vault\"\nkey_prefix = \"mitosis/acme\"\nrefresh_interval = \"1d\"\n",
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"1d\""),
        "secrets.refresh_interval",
        "`1d` is not a valid duration",
    );
}

#[test]
fn store_kind_must_be_known() {
    let text = external_office(
        "store = \"vault\"\nstore_kind = \"VaultStore\"\nkey_prefix = \"mitosis/acme\"\n",
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"VaultStore\""),
        "secrets.store_kind",
        "`VaultStore` is not `SecretStore` or `ClusterSecretStore`",
    );
}

#[test]
fn backend_must_be_known() {
    let text = r#"[secrets]
backend = "vault"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"
"#;
    let run = build_rejects(&project(text));
    assert_error(
        &run,
        &office_at(text, "\"vault\""),
        "secrets.backend",
        "unknown variant `vault`",
    );
}

// ---------------------------------------------------------------------
// Secret names

#[test]
fn secret_name_too_long_names_template() {
    let padding = "x".repeat(250);
    let template = format!("{{{{ integration }}}}-{padding}-{{{{ office }}}}");
    let text = office(
        r#"
[agents.alice]
integrations = ["notes"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/notes.toml",
        &entry("notes", &format!("secret_name = \"{template}\"")),
    );
    let run = build_rejects(&project);
    let error = assert_error(
        &run,
        &office_at(&text, "\"notes\""),
        "agents.alice.integrations[0]",
        &format!(
            "the secret name `notes-{padding}-acme` of `notes` is 261 characters long, \
             more than the maximum of 253"
        ),
    );
    assert_help(
        &error,
        &format!(
            "the name comes from `secret_name = {template:?}` in integrations/notes.toml; \
             it is never shortened, because the secret store and the SealedSecret depend on it"
        ),
    );
}

#[test]
fn uppercase_secret_name_names_template() {
    let text = office(
        r#"
[agents.alice]
integrations = ["notes"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/notes.toml",
        &entry("notes", r#"secret_name = "{{ office | upper }}-notes""#),
    );
    let run = build_rejects(&project);
    let error = assert_error(
        &run,
        &office_at(&text, "\"notes\""),
        "agents.alice.integrations[0]",
        "the secret name `ACME-notes` of `notes` must consist of lowercase letters",
    );
    assert_help(
        &error,
        "the name comes from `secret_name = \"{{ office | upper }}-notes\"` in \
         integrations/notes.toml; it is never shortened, because the secret store and \
         the SealedSecret depend on it",
    );
}

#[test]
fn secret_name_template_undefined_variable() {
    let text = office(
        r#"
[agents.alice]
integrations = ["notes"]
"#,
    );
    let notes = entry("notes", r#"secret_name = "notes-{{ agent }}""#);
    let project = project(&text);
    project.write("integrations/notes.toml", &notes);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/notes.toml", &notes, "\"notes-{{ agent }}\""),
        "secret_name",
        "rendering the secret name for office `acme` failed: undefined value",
    );
}

#[test]
fn two_instances_same_secret_name_located() {
    let text = office(
        r#"
[integrations.github]
instances = ["personal", "work"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/github.toml",
        &support::GITHUB.replace(
            "multi_instance = true",
            "multi_instance = true\nsecret_name = \"{{ integration }}-{{ office }}\"",
        ),
    );
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"work\""),
        "integrations.github.instances[1]",
        "`github:work` and `github:personal` both render the secret name `github-acme`",
    );
}

#[test]
fn two_instances_render_same_secret_name() {
    let text = office(
        r#"
[integrations.github]
instances = ["personal", "work"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/github.toml",
        &support::GITHUB.replace(
            "multi_instance = true",
            "multi_instance = true\nsecret_name = \"{{ integration }}-{{ office }}\"",
        ),
    );
    let run = build_rejects(&project);
    run.assert_stderr_contains(
        "`github:work` and `github:personal` both render the secret name `github-acme`",
    );
}

// ---------------------------------------------------------------------
// Names of offices and agents

#[test]
fn office_id_must_be_dns_label() {
    let text = format!("id = \"Acme_Corp\"\n{EXTERNAL}");
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"Acme_Corp\""),
        "id",
        "office id `Acme_Corp` must consist of lowercase letters, digits and `-`",
    );
}

#[test]
fn office_file_name_must_give_valid_id() {
    let project = Project::minimal();
    project.write("offices/acme_corp.toml", EXTERNAL);
    let run = build_rejects(&project);
    run.assert_stderr_contains("error: offices/acme_corp.toml:");
    run.assert_stderr_contains("the file name gives the office id `acme_corp`");
}

#[test]
fn namespace_must_be_dns_label() {
    let text = format!("namespace = \"team.acme\"\n{EXTERNAL}");
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "\"team.acme\""),
        "namespace",
        "namespace `team.acme` must consist of lowercase letters, digits and `-`",
    );
}

#[test]
fn agent_name_must_be_dns_label() {
    let text = office(
        r#"
[agents.Alice]
integrations = ["slack"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "[agents.Alice]"),
        "agents.Alice",
        "agent name `Alice` must consist of lowercase letters, digits and `-`",
    );
}

#[test]
fn two_offices_with_same_id_rejected() {
    let other = format!("id = \"acme\"\nnamespace = \"globex\"\n{EXTERNAL}");
    let project = Project::minimal();
    project.write("offices/globex.toml", &other);
    let run = build_rejects(&project);
    run.assert_stderr_contains("office id `acme` is also the id of offices/acme.toml");
}

#[test]
fn two_offices_with_same_id_located() {
    let other = format!("id = \"acme\"\nnamespace = \"globex\"\n{EXTERNAL}");
    let project = Project::minimal();
    project.write("offices/globex.toml", &other);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("offices/globex.toml", &other, "\"acme\""),
        "id",
        "office id `acme` is also the id of offices/acme.toml",
    );
}

#[test]
fn two_offices_with_same_namespace_rejected() {
    let other = format!("namespace = \"acme\"\n{EXTERNAL}");
    let project = Project::minimal();
    project.write("offices/globex.toml", &other);
    let run = build_rejects(&project);
    run.assert_stderr_contains("namespace `acme` is also the namespace of offices/acme.toml");
}

#[test]
fn two_offices_with_same_namespace_located() {
    let other = format!("namespace = \"acme\"\n{EXTERNAL}");
    let project = Project::minimal();
    project.write("offices/globex.toml", &other);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("offices/globex.toml", &other, "\"acme\""),
        "namespace",
        "namespace `acme` is also the namespace of offices/acme.toml",
    );
}

// ---------------------------------------------------------------------
// Pinned images

const UNPINNED: [(&str, &str); 2] = [
    ("ghcr.io/example/image", "is not pinned: add a version tag"),
    (
        "ghcr.io/example/image:latest",
        "is not pinned: `latest` moves",
    ),
];

#[test]
fn agent_image_must_be_pinned() {
    for (image, reason) in UNPINNED {
        let text = format!(
            r#"[secrets]
backend = "external"
store = "vault"
key_prefix = "mitosis/acme"

[agent_defaults]
image = "{image}"
"#
        );
        let run = build_rejects(&project(&text));
        assert_error(
            &run,
            &office_at(&text, &format!("\"{image}\"")),
            "agent_defaults.image",
            &format!("image `{image}` {reason}"),
        );
    }
}

#[test]
fn task_runner_image_must_be_pinned() {
    for (image, reason) in UNPINNED {
        let text = office(&format!("\n[task_runner]\nimage = \"{image}\"\n"));
        let run = build_rejects(&project(&text));
        assert_error(
            &run,
            &office_at(&text, &format!("\"{image}\"")),
            "task_runner.image",
            &format!("image `{image}` {reason}"),
        );
    }
}

#[test]
fn colony_image_must_be_pinned() {
    for (image, reason) in UNPINNED {
        let proxy = colony_entry(&format!("\n[colony_container]\nimage = \"{image}\"\n"));
        let project = Project::minimal();
        project.write("integrations/proxy.toml", &proxy);
        let run = build_rejects(&project);
        assert_error(
            &run,
            &at("integrations/proxy.toml", &proxy, &format!("\"{image}\"")),
            "colony_container.image",
            &format!("image `{image}` {reason}"),
        );
    }
}

#[test]
fn image_digest_counts_as_pinned() {
    let digest = "0123456789abcdef".repeat(4);
    let text = office(&format!(
        "\n[task_runner]\nimage = \"ghcr.io/example/runner@sha256:{digest}\"\n"
    ));
    project(&text).run(&["build"]).assert_code(0);
}

// ---------------------------------------------------------------------
// Task templates: schedules, time zones and templates

/// Returns a registry entry `digest` with one task template: a name,
/// title and prompt, then the keys in `task`.
fn task_entry(task: &str) -> String {
    entry(
        "digest",
        &format!(
            r#"
[[task_templates]]
name = "daily"
title = "Digest for {{{{ agent }}}}"
prompt = "Summarise what happened in {{{{ office }}}}."
{task}"#
        ),
    )
}

/// Builds a project whose registry has `digest` with `task`, and checks
/// that the build rejects it.
#[track_caller]
fn reject_task(task: &str) -> (Run, String) {
    let digest = task_entry(task);
    let project = Project::minimal();
    project.write("integrations/digest.toml", &digest);
    (build_rejects(&project), digest)
}

#[test]
fn schedule_with_seconds_field() {
    let (run, digest) = reject_task("schedule = \"0 0 9 * * *\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"0 0 9 * * *\""),
        "task_templates[0].schedule",
        "has 6 fields, but a schedule has five (minute hour day-of-month month day-of-week); \
         a seconds field is not supported",
    );
}

#[test]
fn schedule_hour_out_of_range() {
    let (run, digest) = reject_task("schedule = \"0 25 * * *\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"0 25 * * *\""),
        "task_templates[0].schedule",
        "has an invalid hour field `25`: 25 is outside 0 to 23",
    );
}

#[test]
fn schedule_weekday_out_of_range() {
    let (run, digest) = reject_task("schedule = \"0 9 * * 7\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"0 9 * * 7\""),
        "task_templates[0].schedule",
        "has an invalid day of week field `7`: 7 is outside 0 to 6",
    );
}

#[test]
fn schedule_with_cron_tz_prefix() {
    let (run, digest) = reject_task("schedule = \"CRON_TZ=Europe/Berlin 0 9 * * *\"\n");
    assert_error(
        &run,
        &at(
            "integrations/digest.toml",
            &digest,
            "\"CRON_TZ=Europe/Berlin 0 9 * * *\"",
        ),
        "task_templates[0].schedule",
        "sets its time zone with a `TZ=` prefix, which Kubernetes rejects; set `timezone` instead",
    );
}

#[test]
fn schedule_unknown_macro() {
    let (run, digest) = reject_task("schedule = \"@fortnightly\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"@fortnightly\""),
        "task_templates[0].schedule",
        "is not a macro Kubernetes accepts",
    );
}

#[test]
fn schedule_macro_must_be_lowercase() {
    let (run, digest) = reject_task("schedule = \"@HOURLY\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"@HOURLY\""),
        "task_templates[0].schedule",
        "is not a macro Kubernetes accepts",
    );
}

#[test]
fn schedule_names_and_macros_accepted() {
    for schedule in [
        "30 6 * * MON-FRI",
        "0 0 1 JAN,JUL *",
        "@weekly",
        "*/15 * * * *",
    ] {
        let text = office(&format!(
            "{RUNNER}\n[agents.alice]\nintegrations = [\"digest\"]\n"
        ));
        let project = project(&text);
        project.write(
            "integrations/digest.toml",
            &task_entry(&format!("schedule = \"{schedule}\"\n")),
        );
        let run = project.run(&["build"]);
        assert_eq!(run.code, 0, "{schedule}: {}", run.stderr);
    }
}

#[test]
fn unknown_time_zone() {
    let (run, digest) = reject_task("schedule = \"0 9 * * *\"\ntimezone = \"Mars/Olympus_Mons\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"Mars/Olympus_Mons\""),
        "task_templates[0].timezone",
        "time zone `Mars/Olympus_Mons` is not a time zone of the IANA database",
    );
}

#[test]
fn time_zone_without_schedule() {
    let (run, digest) = reject_task("timezone = \"Europe/Berlin\"\n");
    assert_error(
        &run,
        &at("integrations/digest.toml", &digest, "\"Europe/Berlin\""),
        "task_templates[0].timezone",
        "`timezone` only applies to a task with a `schedule`",
    );
}

/// Returns the path of the one file in `dir` whose name starts with
/// `prefix`.
#[track_caller]
fn only_file(project: &Project, dir: &str, prefix: &str) -> String {
    let names: Vec<String> = std::fs::read_dir(project.path().join(dir))
        .expect("the folder exists")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix))
        .collect();
    assert_eq!(names.len(), 1, "files starting with {prefix}: {names:?}");
    format!("{dir}/{}", names[0])
}

#[test]
fn time_zone_goes_to_cronjob_field() {
    let text = office(&format!(
        "{RUNNER}\n[agents.alice]\nintegrations = [\"digest\"]\n"
    ));
    let project = project(&text);
    project.write(
        "integrations/digest.toml",
        &task_entry("schedule = \"0 9 * * 1-5\"\ntimezone = \"Europe/Berlin\"\n"),
    );
    project.run(&["build"]).assert_code(0);
    let file = only_file(&project, "out/acme", "cronjob-task-alice-digest-daily-");
    let cronjob: CronJob = read_yaml(&project, &file);
    let spec = cronjob.spec.expect("the CronJob has a spec");
    assert_eq!(spec.schedule, "0 9 * * 1-5");
    assert_eq!(spec.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
}

#[test]
fn task_template_undefined_variable() {
    let text = office(&format!(
        "{RUNNER}\n[agents.alice]\nintegrations = [\"notes\"]\n"
    ));
    let notes = entry(
        "notes",
        r#"
[[task_templates]]
name = "weekly"
title = "Weekly notes"
prompt = "Write the notes of {{ offce }}."
schedule = "@weekly"
"#,
    );
    let project = project(&text);
    project.write("integrations/notes.toml", &notes);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at(
            "integrations/notes.toml",
            &notes,
            "\"Write the notes of {{ offce }}.\"",
        ),
        "task_templates[0].prompt",
        "rendering for agent `alice` of office `acme` failed: undefined value",
    );
}

#[test]
fn single_instance_task_lacks_instance() {
    let text = office(&format!(
        "{RUNNER}\n[agents.alice]\nintegrations = [\"notes\"]\n"
    ));
    let notes = entry(
        "notes",
        r#"
[[task_templates]]
name = "weekly"
title = "Notes of {{ instance }}"
prompt = "Write the notes."
"#,
    );
    let project = project(&text);
    project.write("integrations/notes.toml", &notes);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at(
            "integrations/notes.toml",
            &notes,
            "\"Notes of {{ instance }}\"",
        ),
        "task_templates[0].title",
        "undefined value",
    );
}

#[test]
fn tasks_need_task_runner() {
    let text = office(
        r#"
[agents.alice]
integrations = ["digest"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/digest.toml",
        &task_entry("schedule = \"@daily\"\n"),
    );
    let run = build_rejects(&project);
    run.assert_stderr_contains("error: offices/acme.toml:11:17: agents.alice.integrations[0]:");
    run.assert_stderr_contains(
        "`digest` has task templates, but the office sets no `[task_runner]` image to run them",
    );
}

#[test]
fn missing_task_runner_among_errors() {
    let text = office(
        r#"
[agents.alice]
integrations = ["digest", "slak"]
"#,
    );
    let project = project(&text);
    project.write(
        "integrations/digest.toml",
        &task_entry("schedule = \"@daily\"\n"),
    );
    let run = build_rejects(&project);
    run.assert_stderr_contains("unknown integration `slak`");
    run.assert_stderr_contains("the office sets no `[task_runner]` image");
    run.assert_stderr_contains("2 errors; nothing was written");
}

// ---------------------------------------------------------------------
// File shape: TOML syntax and unknown keys

#[test]
fn toml_syntax_error_location() {
    let text = office(
        r#"
[agents.alice]
role = engineer
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "engineer"),
        "",
        "string values must be quoted",
    );
}

#[test]
fn unknown_key_in_office() {
    let text = office(
        r#"
[agents.alice]
integration = ["slack"]
"#,
    );
    let run = build_rejects(&project(&text));
    assert_error(
        &run,
        &office_at(&text, "integration ="),
        "agents.alice.integration",
        "unknown field `integration`",
    );
}

#[test]
fn unknown_key_in_registry_entry() {
    let proxy = format!("{PROXY}volume = \"5Gi\"\n");
    let project = Project::minimal();
    project.write("integrations/proxy.toml", &proxy);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/proxy.toml", &proxy, "volume ="),
        "colony_container.volume",
        "unknown field `volume`",
    );
}

#[test]
fn unknown_top_level_key_in_entry() {
    let slack = format!("homepage = \"https://slack.com\"\n{}", support::SLACK);
    let project = Project::minimal();
    project.write("integrations/slack.toml", &slack);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/slack.toml", &slack, "homepage ="),
        "homepage",
        "unknown field `homepage`",
    );
}

// ---------------------------------------------------------------------
// Colony containers

/// Builds a project whose registry has the colony entry with `container`,
/// and checks that the build rejects it.
#[track_caller]
fn reject_colony(container: &str) -> (Run, String) {
    let proxy = colony_entry(container);
    let project = Project::minimal();
    project.write("integrations/proxy.toml", &proxy);
    (build_rejects(&project), proxy)
}

const PROXY_PATH: &str = "integrations/proxy.toml";

#[test]
fn colony_port_name_over_15_characters() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
ports = [{ name = "socks5-over-tailnet", port = 1055 }]
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"socks5-over-tailnet\""),
        "colony_container.ports[0].name",
        "port name `socks5-over-tailnet` is 19 characters long, but a port name has 1 to 15",
    );
}

#[test]
fn colony_duplicate_port_number() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
ports = [{ name = "socks5", port = 1055 }, { name = "http", port = 1055 }]
"#,
    );
    assert_error(
        &run,
        &at_in(
            PROXY_PATH,
            &proxy,
            "{ name = \"http\", port = 1055 }",
            "1055",
        ),
        "colony_container.ports[1].port",
        "port 1055/TCP is listed twice",
    );
}

#[test]
fn colony_duplicate_port_name() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
ports = [{ name = "socks5", port = 1055 }, { name = "socks5", port = 1080 }]
"#,
    );
    assert_error(
        &run,
        &at_in(
            PROXY_PATH,
            &proxy,
            "{ name = \"socks5\", port = 1080 }",
            "\"socks5\"",
        ),
        "colony_container.ports[1].name",
        "port name `socks5` is used twice",
    );
}

#[test]
fn colony_storage_without_mount_path() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
storage = "1Gi"
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"1Gi\""),
        "colony_container.storage",
        "a container with `storage` also needs `mount_path`",
    );
}

#[test]
fn colony_url_env_without_ports() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
url_env = "ALL_PROXY"
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"ALL_PROXY\""),
        "colony_container.url_env",
        "`url_env` needs at least one entry in `ports`",
    );
}

#[test]
fn colony_on_multi_instance_entry() {
    let proxy = PROXY.replace(
        "provides = [\"private_network\"]",
        "provides = [\"private_network\"]\nmulti_instance = true",
    );
    let project = Project::minimal();
    project.write(PROXY_PATH, &proxy);
    let run = build_rejects(&project);
    run.assert_stderr_contains(&format!(
        "error: {} colony_container: a multi-instance integration cannot have a colony container",
        at(PROXY_PATH, &proxy, "[colony_container]")
    ));
}

#[test]
fn colony_bad_resource_quantity() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
resources = { limits = { memory = "256MB" } }
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"256MB\""),
        "colony_container.resources.limits.memory",
        "`256MB` is not a valid quantity",
    );
}

#[test]
fn colony_request_above_limit() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
resources = { requests = { cpu = "2" }, limits = { cpu = "500m" } }
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"2\""),
        "colony_container.resources.requests.cpu",
        "the cpu request `2` is more than its limit `500m`",
    );
}

#[test]
fn colony_request_above_default_limit() {
    let (run, proxy) = reject_colony(
        r#"
[colony_container]
image = "ghcr.io/example/proxy:1.2.3"
resources = { requests = { memory = "1Gi" } }
"#,
    );
    assert_error(
        &run,
        &at(PROXY_PATH, &proxy, "\"1Gi\""),
        "colony_container.resources.requests.memory",
        "the memory request `1Gi` is more than its limit `256Mi`",
    );
}

// ---------------------------------------------------------------------
// Registry entries

#[test]
fn version_must_be_semver() {
    let slack = support::SLACK.replace(
        "category = \"communication\"",
        "category = \"communication\"\nversion = \"1.2\"",
    );
    let project = Project::minimal();
    project.write("integrations/slack.toml", &slack);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/slack.toml", &slack, "\"1.2\""),
        "version",
        "`1.2` is not a semantic version",
    );
}

#[test]
fn agent_env_key_not_among_secrets() {
    let slack = support::SLACK.replace(
        "agent_env = [\"SLACK_BOT_TOKEN\"]",
        "agent_env = [\"SLACK_BOT_TOKEN\", \"SLACK_APP_TOKEN\"]",
    );
    let project = Project::minimal();
    project.write("integrations/slack.toml", &slack);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/slack.toml", &slack, "\"SLACK_APP_TOKEN\""),
        "agent_env[1]",
        "`SLACK_APP_TOKEN` is not the key of any `[[secrets]]` entry",
    );
}

#[test]
fn alias_taken_by_another_entry() {
    let chat = entry("chat", r#"aliases = ["gh"]"#);
    let project = Project::minimal();
    project.write("integrations/chat.toml", &chat);
    let run = build_rejects(&project);
    run.assert_stderr_contains("alias `gh` is already taken by `chat`");
}

#[test]
fn alias_taken_by_another_entry_located() {
    let chat = entry("chat", r#"aliases = ["gh"]"#);
    let project = Project::minimal();
    project.write("integrations/chat.toml", &chat);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/github.toml", support::GITHUB, "\"gh\""),
        "aliases[0]",
        "alias `gh` is already taken by `chat`",
    );
}

#[test]
fn alias_equal_to_another_id() {
    let chat = entry("chat", r#"aliases = ["slack"]"#);
    let project = Project::minimal();
    project.write("integrations/chat.toml", &chat);
    let run = build_rejects(&project);
    run.assert_stderr_contains(&format!(
        "error: {} ",
        at("integrations/chat.toml", &chat, "\"slack\"")
    ));
    run.assert_stderr_contains("alias `slack` of `chat` is the id of another entry");
}

#[test]
fn invalid_entry_is_not_called_unknown() {
    let slack = support::SLACK.replace(
        "category = \"communication\"",
        "category = \"communication\"\nversion = \"1.2\"",
    );
    let project = Project::minimal();
    project.write("integrations/slack.toml", &slack);
    let run = build_rejects(&project);
    assert!(
        !run.stderr.contains("unknown integration `slack`"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------
// All errors of a run, and out/ after a failed build

#[test]
fn all_errors_reported_together() {
    let text = r#"[secrets]
backend = "external"
store = "vault"
key_prefix = "mitosis/acme"

[agent_defaults]
image = "ghcr.io/example/agent:latest"

[agents.alice]
integrations = ["slak"]
env = { SLACK_BOT_TOKEN = "typed-by-hand" }
"#;
    let run = build_rejects(&project(text));
    assert_error(
        &run,
        &office_at(text, "\"ghcr.io/example/agent:latest\""),
        "agent_defaults.image",
        "is not pinned",
    );
    assert_error(
        &run,
        &office_at(text, "\"slak\""),
        "agents.alice.integrations[0]",
        "unknown integration `slak`",
    );
    assert_error(
        &run,
        &office_at(text, "\"typed-by-hand\""),
        "agents.alice.env.SLACK_BOT_TOKEN",
        "is reserved by the integration `slack`",
    );
    run.assert_stderr_contains("3 errors; nothing was written");
}

#[test]
fn registry_and_office_errors_together() {
    let broken = entry("broken", r#"version = "one""#);
    let text = office(
        r#"
[agents.alice]
integrations = ["slak"]
"#,
    );
    let project = project(&text);
    project.write("integrations/broken.toml", &broken);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &at("integrations/broken.toml", &broken, "\"one\""),
        "version",
        "is not a semantic version",
    );
    assert_error(
        &run,
        &office_at(&text, "\"slak\""),
        "agents.alice.integrations[0]",
        "unknown integration `slak`",
    );
    run.assert_stderr_contains("2 errors; nothing was written");
}

#[test]
fn errors_in_two_offices_together() {
    let globex = office(
        r#"
[agents.bob]
integrations = ["slak"]
"#,
    );
    let text = office(
        r#"
[agents.alice]
integrations = ["github"]
"#,
    );
    let project = project(&text);
    project.write("offices/globex.toml", &globex);
    let run = build_rejects(&project);
    assert_error(
        &run,
        &office_at(&text, "\"github\""),
        "agents.alice.integrations[0]",
        "multi-instance",
    );
    assert_error(
        &run,
        &at("offices/globex.toml", &globex, "\"slak\""),
        "agents.bob.integrations[0]",
        "unknown integration `slak`",
    );
    run.assert_stderr_contains("2 errors; nothing was written");
}

#[test]
fn check_rejects_like_build() {
    let text = office(
        r#"
[agents.alice]
integrations = ["slak"]
"#,
    );
    let project = project(&text);
    let run = project.run(&["check"]);
    run.assert_code(2);
    assert_error(
        &run,
        &office_at(&text, "\"slak\""),
        "agents.alice.integrations[0]",
        "unknown integration `slak`",
    );
    assert!(!project.exists("out"), "check created out/");
}

#[test]
fn failed_build_keeps_previous_output() {
    let broken_offices = [
        office("\n[agents.alice]\nintegrations = [\"slak\"]\n"),
        office("\n[agents.alice]\nintegrations = [\"slack\"]\nenv = { SLACK_BOT_TOKEN = \"x\" }\n"),
        office("\n[agents.Alice]\nintegrations = [\"slack\"]\n"),
        "[secrets\n".to_string(),
    ];
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let good = project.snapshot("out");
    assert!(!good.is_empty(), "the good build wrote nothing");
    for text in broken_offices {
        project.write(ACME, &text);
        build_rejects(&project);
        assert_eq!(project.snapshot("out"), good, "input:\n{text}");
    }
}

#[test]
fn failed_build_skips_valid_offices() {
    let globex = office("\n[agents.bob]\nintegrations = [\"slack\"]\n");
    let project = Project::minimal();
    project.write("offices/globex.toml", &globex);
    project.run(&["build"]).assert_code(0);
    let good = project.snapshot("out");
    project
        .write("offices/globex.toml", &globex.replace("bob", "carol"))
        .write(
            ACME,
            &office("\n[agents.alice]\nintegrations = [\"slak\"]\n"),
        );
    build_rejects(&project);
    assert_eq!(project.snapshot("out"), good);
}

#[test]
fn broken_registry_keeps_previous_output() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let good = project.snapshot("out");
    project.write(
        "integrations/slack.toml",
        &support::SLACK.replace("required = true", "required = \"yes\""),
    );
    build_rejects(&project);
    assert_eq!(project.snapshot("out"), good);
}

// ---------------------------------------------------------------------
// Generated names of tasks

/// Creates a project where `operations-assistant-eu` enables
/// `weekly-digest`, whose task templates are `tasks`.
fn long_task_project(tasks: &str) -> Project {
    let text = office(&format!(
        "{RUNNER}\n[agents.operations-assistant-eu]\nintegrations = [\"weekly-digest\"]\n"
    ));
    let project = project(&text);
    project.write(
        "integrations/weekly-digest.toml",
        &entry("weekly-digest", tasks),
    );
    project
}

#[test]
fn long_cronjob_names_are_shortened() {
    let project = long_task_project(
        r#"
[[task_templates]]
name = "summarise-open-pull-requests-monday"
title = "Monday summary"
prompt = "Summarise the open pull requests."
schedule = "0 9 * * MON"

[[task_templates]]
name = "summarise-open-pull-requests-friday"
title = "Friday summary"
prompt = "Summarise the open pull requests."
schedule = "0 9 * * FRI"
"#,
    );
    project.run(&["build"]).assert_code(0);
    let files = out_files(&project, "cronjob-");
    assert_eq!(files.len(), 2, "{files:?}");
    let names: Vec<String> = files
        .iter()
        .map(|file| {
            let cronjob: CronJob = read_yaml(&project, &format!("out/acme/{file}"));
            cronjob.metadata.name.expect("the CronJob has a name")
        })
        .collect();
    for name in &names {
        assert!(name.len() <= 52, "`{name}` is longer than 52 characters");
        assert!(is_dns_label(name), "`{name}` is not a DNS label");
        assert!(
            name.starts_with("task-operations-assistant-eu-"),
            "`{name}` lost its readable prefix"
        );
    }
    assert_ne!(names[0], names[1]);
}

#[test]
fn cronjob_names_distinct_across_hyphens() {
    let text = office(&format!(
        "{RUNNER}
[agents.ops]
integrations = [\"slack-digest\"]

[agents.ops-slack]
integrations = [\"digest\"]
"
    ));
    let daily = r#"
[[task_templates]]
name = "daily"
title = "Daily digest"
prompt = "Summarise the day."
schedule = "@daily"
"#;
    let project = project(&text);
    project
        .write("integrations/digest.toml", &entry("digest", daily))
        .write(
            "integrations/slack-digest.toml",
            &entry("slack-digest", daily),
        );
    let run = project.run(&["build"]);
    run.assert_code(0);
    assert_eq!(out_files(&project, "cronjob-").len(), 2);
}

/// Returns the file name of the only run-once Job in the output.
#[track_caller]
fn only_job(project: &Project) -> String {
    let jobs = out_files(project, "job-");
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    jobs[0].clone()
}

const ONBOARDING: &str = r#"
[[task_templates]]
name = "onboarding"
title = "Welcome {{ agent }}"
prompt = "Read the handbook of {{ office }}."
"#;

#[test]
fn job_name_stable_without_changes() {
    let project = long_task_project(ONBOARDING);
    project.run(&["build"]).assert_code(0);
    let first = only_job(&project);
    project.run(&["build"]).assert_code(0);
    assert_eq!(only_job(&project), first);
}

#[test]
fn job_name_changes_with_prompt() {
    let project = long_task_project(ONBOARDING);
    project.run(&["build"]).assert_code(0);
    let first = only_job(&project);
    project.write(
        "integrations/weekly-digest.toml",
        &entry(
            "weekly-digest",
            &ONBOARDING.replace("Read the handbook", "Read the new handbook"),
        ),
    );
    project.run(&["build"]).assert_code(0);
    let second = only_job(&project);
    assert_ne!(second, first);
    let name = second
        .strip_prefix("job-")
        .and_then(|rest| rest.strip_suffix(".yaml"))
        .unwrap_or_default();
    assert!(is_dns_label(name), "`{name}` is not a DNS label");
}

// ---------------------------------------------------------------------
// Colony containers: lazy start, claims, network policy and URL env

/// Creates a project with the proxy entry and an office that configures
/// it, with one agent per `(name, integrations)` pair, where
/// `integrations` is the inside of the agent's TOML array.
fn proxy_project(agents: &[(&str, &str)]) -> Project {
    let mut body = String::from("\n[integrations.proxy]\n");
    for (name, integrations) in agents {
        body.push_str(&format!(
            "\n[agents.{name}]\nintegrations = [{integrations}]\n"
        ));
    }
    let project = project(&office(&body));
    project.write(PROXY_PATH, PROXY);
    project
}

const COLONY_FILES: [&str; 4] = [
    "deployment-colony-proxy.yaml",
    "service-colony-proxy.yaml",
    "networkpolicy-colony-proxy.yaml",
    "persistentvolumeclaim-colony-proxy-data.yaml",
];

#[test]
fn colony_rendered_while_enabled() {
    let project = proxy_project(&[("alice", r#""slack", "proxy""#)]);
    project.run(&["build"]).assert_code(0);
    for file in COLONY_FILES {
        assert!(
            project.exists(&format!("out/acme/{file}")),
            "{file} is missing"
        );
    }
}

#[test]
fn colony_torn_down_without_agents() {
    let project = proxy_project(&[("alice", r#""slack", "proxy""#)]);
    project.run(&["build"]).assert_code(0);
    project.write(
        ACME,
        &office("\n[integrations.proxy]\n\n[agents.alice]\nintegrations = [\"slack\"]\n"),
    );
    project.run(&["build"]).assert_code(0);
    for file in COLONY_FILES {
        assert!(
            !project.exists(&format!("out/acme/{file}")),
            "{file} is still rendered"
        );
    }
    assert!(
        project.exists("out/acme/externalsecret-proxy-acme.yaml"),
        "the configured integration lost its secret"
    );
}

#[test]
fn colony_claim_keeps_retain_annotations() {
    let project = proxy_project(&[("alice", r#""proxy""#)]);
    project.run(&["build"]).assert_code(0);
    let claim: PersistentVolumeClaim = read_yaml(
        &project,
        "out/acme/persistentvolumeclaim-colony-proxy-data.yaml",
    );
    let annotations = claim.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations
            .get("argocd.argoproj.io/sync-options")
            .map(String::as_str),
        Some("Prune=false,Delete=false")
    );
    assert_eq!(
        annotations
            .get("kustomize.toolkit.fluxcd.io/prune")
            .map(String::as_str),
        Some("disabled")
    );
}

#[test]
fn network_policy_admits_enabling_agents() {
    let project = proxy_project(&[
        ("alice", r#""proxy""#),
        ("bob", r#""slack""#),
        ("carol", r#""px", "slack""#),
    ]);
    project.run(&["build"]).assert_code(0);
    let policy: NetworkPolicy = read_yaml(&project, "out/acme/networkpolicy-colony-proxy.yaml");
    let spec = policy.spec.expect("the NetworkPolicy has a spec");
    assert_eq!(spec.policy_types, Some(vec!["Ingress".to_string()]));
    let rules = spec.ingress.unwrap_or_default();
    assert_eq!(rules.len(), 1, "{rules:?}");
    let peers = rules[0].from.clone().unwrap_or_default();
    assert_eq!(peers.len(), 1, "{peers:?}");
    let selector = peers[0]
        .pod_selector
        .clone()
        .expect("the peer selects pods");
    for (agent, admitted) in [("alice", true), ("bob", false), ("carol", true)] {
        assert_eq!(
            selects(&selector, &agent_pod_labels(&project, agent)),
            admitted,
            "agent {agent}"
        );
    }
}

#[test]
fn url_env_reaches_only_enabling_agents() {
    let project = proxy_project(&[("alice", r#""proxy""#), ("bob", r#""slack""#)]);
    project.run(&["build"]).assert_code(0);
    let alice = agent_env(&project, "alice");
    let proxy = env_named(&alice, "ALL_PROXY");
    assert_eq!(proxy.len(), 1, "{alice:?}");
    assert_eq!(
        proxy[0].value.as_deref(),
        Some("socks5://colony-proxy.acme.svc.cluster.local:1055")
    );
    let bob = agent_env(&project, "bob");
    assert!(env_named(&bob, "ALL_PROXY").is_empty(), "{bob:?}");
    let service: Service = read_yaml(&project, "out/acme/service-colony-proxy.yaml");
    let ports = service.spec.and_then(|spec| spec.ports).unwrap_or_default();
    assert_eq!(ports.first().map(|port| port.port), Some(1055));
}

#[test]
fn colony_secret_stays_out_of_agents() {
    let project = proxy_project(&[("alice", r#""proxy""#)]);
    project.run(&["build"]).assert_code(0);
    let alice = agent_env(&project, "alice");
    assert!(
        env_named(&alice, "PROXY_AUTH_KEY").is_empty(),
        "the proxy entry exports no agent_env, yet alice got its key: {alice:?}"
    );
}

#[test]
fn password_key_in_agent_env_is_plaintext() {
    let text = office(
        r#"
[agents.alice]
integrations = []
env = { COPY_TOKEN = "x" }
"#,
    );
    let project = project(&text);
    project.write("integrations/copy.toml", &entry("copy", ""));
    let run = build_rejects(&project);
    run.assert_stderr_contains(
        "agents.alice.env.COPY_TOKEN: `COPY_TOKEN` is a password of the integration \
         `copy`, and an office file never holds a plaintext secret",
    );
}

#[test]
fn system_namespace_is_refused() {
    for namespace in ["kube-system", "default"] {
        let text = format!("namespace = \"{namespace}\"\n{}", office(""));
        let project = project(&text);
        let run = build_rejects(&project);
        run.assert_stderr_contains(&format!(
            "namespace: `{namespace}` belongs to Kubernetes itself"
        ));
    }
}

#[test]
fn new_refuses_a_taken_alias() {
    let project = project(&office(""));
    project
        .run(&["new", "gh"])
        .assert_code(2)
        .assert_stderr_contains("`gh` already names the integration `github`");
    assert!(!project.exists("integrations/gh.toml"));
}

#[test]
fn endless_task_template_is_stopped() {
    let text = office(&format!(
        "{RUNNER}\n[agents.alice]\nintegrations = [\"looper\"]\n"
    ));
    let project = project(&text);
    let task = r#"
[[task_templates]]
name = "spin"
title = "Spin"
prompt = "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}"
"#;
    project.write("integrations/looper.toml", &entry("looper", task));
    build_rejects(&project).assert_stderr_contains("steps, so it was stopped");
}
