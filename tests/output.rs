//! Invariants of what `integrate build` writes: the committed examples,
//! determinism, idempotence, the index of written files, type-safe YAML
//! and the traps that keep Argo CD or Flux from syncing.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::Value;
use support::{OFFICE, Project};

/// Parses every YAML file of an office folder into JSON values, by file.
fn documents(project: &Project, office: &str) -> BTreeMap<String, Value> {
    let dir = project.path().join("out").join(office);
    let mut documents = BTreeMap::new();
    for entry in fs::read_dir(&dir).expect("office folder exists") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            let text = fs::read_to_string(&path).unwrap();
            let value: Value = serde_saphyr::from_str(&text)
                .unwrap_or_else(|error| panic!("{} does not parse: {error}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            documents.insert(name, value);
        }
    }
    documents
}

fn inode_and_mtime(root: &Path) -> Vec<(String, u64, i64, i64)> {
    let mut entries: Vec<_> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|entry| {
            let meta = entry.metadata().unwrap();
            (
                entry.path().display().to_string(),
                meta.ino(),
                meta.mtime(),
                meta.mtime_nsec(),
            )
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn examples_match_committed_out() {
    let project = Project::examples();
    project.run(&["build", "offices/"]).assert_code(0);
    let committed = Project::empty();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in walkdir::WalkDir::new(root.join("out"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(root).unwrap();
            committed.write(
                relative.to_str().unwrap(),
                &fs::read_to_string(entry.path()).unwrap(),
            );
        }
    }
    assert!(
        project.snapshot("out") == committed.snapshot("out"),
        "out/ is stale: run `cargo run -- build offices/` and commit the result"
    );
}

#[test]
fn builds_are_byte_identical() {
    let first = Project::examples();
    let second = Project::examples();
    first.run(&["build"]).assert_code(0);
    second.run(&["build"]).assert_code(0);
    assert!(first.snapshot("out") == second.snapshot("out"));
}

#[test]
fn second_build_touches_no_file() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let before = inode_and_mtime(&project.path().join("out"));
    project.run(&["build"]).assert_code(0);
    let after = inode_and_mtime(&project.path().join("out"));
    assert_eq!(before, after);
}

#[test]
fn check_flag_reports_stale_out() {
    let project = Project::minimal();
    project.run(&["build", "--check"]).assert_code(1);
    assert!(!project.exists("out"));
    project.run(&["build"]).assert_code(0);
    project.run(&["build", "--check"]).assert_code(0);
}

#[test]
fn no_plain_secret_is_written() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            assert_ne!(document["kind"], "Secret", "{office}/{file}");
        }
    }
}

#[test]
fn sealed_secret_keeps_its_sealed_name_and_namespace() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let office = project.read("offices/globex.toml");
    for (file, document) in documents(&project, "globex") {
        if document["kind"] != "SealedSecret" {
            continue;
        }
        let name = document["metadata"]["name"].as_str().unwrap();
        assert!(
            office.contains(&format!("[secrets.sealed.\"{name}\"]")),
            "{file}"
        );
        assert_eq!(document["metadata"]["namespace"], "globex", "{file}");
        assert_eq!(
            document["spec"]["template"]["metadata"]["name"], name,
            "{file}"
        );
        assert_eq!(
            document["spec"]["template"]["metadata"]["namespace"],
            "globex"
        );
    }
}

#[test]
fn every_namespaced_object_names_its_namespace() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    for (file, document) in documents(&project, "initech") {
        match document["kind"].as_str().unwrap() {
            "Namespace" => assert!(document["metadata"].get("namespace").is_none()),
            "Kustomization" => assert_eq!(document["namespace"], "initech-agents"),
            _ => assert_eq!(
                document["metadata"]["namespace"], "initech-agents",
                "{file}"
            ),
        }
    }
}

#[test]
fn no_null_or_empty_fields_are_written() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            let text = project.read(&format!("out/{office}/{file}"));
            for trap in ["null", "{}", "[]", "creationTimestamp", "status:", "~"] {
                assert!(
                    !text
                        .lines()
                        .any(|line| line.trim_end().ends_with(&format!(": {trap}"))
                            || line.trim() == trap),
                    "{office}/{file} writes `{trap}`:\n{text}"
                );
            }
            assert!(document.get("status").is_none(), "{office}/{file}");
        }
    }
}

#[test]
fn deployments_recreate_without_rolling_update() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let mut seen = 0;
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            if document["kind"] != "Deployment" {
                continue;
            }
            seen += 1;
            assert_eq!(document["spec"]["strategy"]["type"], "Recreate", "{file}");
            assert!(
                document["spec"]["strategy"].get("rollingUpdate").is_none(),
                "{file}"
            );
            assert_eq!(document["spec"]["replicas"], 1, "{file}");
        }
    }
    assert!(seen > 0);
}

fn pod_specs(document: &Value) -> Vec<&Value> {
    match document["kind"].as_str().unwrap() {
        "Deployment" | "Job" => vec![&document["spec"]["template"]["spec"]],
        "CronJob" => vec![&document["spec"]["jobTemplate"]["spec"]["template"]["spec"]],
        _ => vec![],
    }
}

#[test]
fn every_pod_is_hardened() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let mut pods = 0;
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            for spec in pod_specs(&document) {
                pods += 1;
                let pod = &spec["securityContext"];
                assert_eq!(pod["runAsNonRoot"], true, "{file}");
                assert_eq!(pod["seccompProfile"]["type"], "RuntimeDefault", "{file}");
                for container in spec["containers"].as_array().unwrap() {
                    let context = &container["securityContext"];
                    assert_eq!(context["allowPrivilegeEscalation"], false, "{file}");
                    assert_eq!(context["capabilities"]["drop"][0], "ALL", "{file}");
                    assert!(
                        container["resources"]["requests"]["cpu"].is_string(),
                        "{file}"
                    );
                    assert!(
                        container["resources"]["limits"]["memory"].is_string(),
                        "{file}"
                    );
                }
            }
        }
    }
    assert!(pods > 0);
}

#[test]
fn claims_are_never_pruned() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let mut claims = 0;
    for (file, document) in documents(&project, "acme") {
        if document["kind"] != "PersistentVolumeClaim" {
            continue;
        }
        claims += 1;
        let annotations = &document["metadata"]["annotations"];
        assert_eq!(
            annotations["argocd.argoproj.io/sync-options"], "Prune=false,Delete=false",
            "{file}"
        );
        assert_eq!(
            annotations["kustomize.toolkit.fluxcd.io/prune"], "disabled",
            "{file}"
        );
    }
    assert!(claims >= 2);
}

#[test]
fn kustomization_lists_every_object_file() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let docs = documents(&project, "acme");
    let listed: Vec<&str> = docs["kustomization.yaml"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry.as_str().unwrap())
        .collect();
    let files: Vec<&str> = docs
        .keys()
        .map(String::as_str)
        .filter(|name| *name != "kustomization.yaml")
        .collect();
    assert_eq!(listed, files);
    assert_eq!(docs["kustomization.yaml"]["namespace"], "acme");
}

#[test]
fn each_file_names_its_inputs() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let text = project.read("out/acme/externalsecret-slack-acme.yaml");
    assert!(
        text.starts_with(
            "# Generated by integrate from offices/acme.toml, integrations/slack.toml."
        ),
        "{text}"
    );
}

#[test]
fn env_values_stay_strings_under_yaml_1_1() {
    let project = Project::minimal();
    let values = [
        "no",
        "on",
        "off",
        "yes",
        "y",
        "n",
        "1_000",
        "1:20",
        "2024-01-01",
        "0755",
        "true",
        "12",
        "~",
        "",
    ];
    let mut office = OFFICE.to_string();
    office.push_str("env = { ");
    let entries: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, value)| format!("V{i} = {value:?}"))
        .collect();
    office.push_str(&entries.join(", "));
    office.push_str(" }\n");
    project.write("offices/acme.toml", &office);
    project.run(&["build"]).assert_code(0);
    let text = project.read("out/acme/deployment-agent-alice.yaml");
    let document: Value = serde_saphyr::from_str(&text).unwrap();
    let env = document["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    for (i, value) in values.iter().enumerate() {
        let entry = env
            .iter()
            .find(|entry| entry["name"] == format!("V{i}"))
            .unwrap();
        assert_eq!(entry["value"], Value::String(value.to_string()), "V{i}");
        let line = text
            .lines()
            .skip_while(|line| !line.ends_with(&format!("name: V{i}")))
            .nth(1)
            .unwrap();
        let written = line.trim().strip_prefix("value: ").unwrap();
        assert!(
            written.starts_with('"') || written.starts_with('\''),
            "`{value}` is written unquoted: {line}"
        );
    }
}

#[test]
fn selector_stays_when_integrations_change() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let before: Value =
        serde_saphyr::from_str(&project.read("out/acme/deployment-agent-alice.yaml")).unwrap();
    let office = OFFICE.replace(
        "integrations = [\"slack\"]",
        "integrations = [\"slack\", \"github:work\"]\n[integrations.github]\ninstances = [\"work\"]\n[agents.alice.env]\nX = \"1\"",
    );
    project.write("offices/acme.toml", &office);
    project.run(&["build"]).assert_code(0);
    let after: Value =
        serde_saphyr::from_str(&project.read("out/acme/deployment-agent-alice.yaml")).unwrap();
    assert_eq!(before["spec"]["selector"], after["spec"]["selector"]);
    assert_ne!(
        before["spec"]["template"]["metadata"]["annotations"],
        after["spec"]["template"]["metadata"]["annotations"]
    );
}

#[test]
fn env_comes_only_from_declared_keys() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            for spec in pod_specs(&document) {
                for container in spec["containers"].as_array().unwrap() {
                    assert!(container.get("envFrom").is_none(), "{office}/{file}");
                }
            }
        }
    }
}

#[test]
fn rotated_ciphertext_rolls_the_pod() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let read_hash = |project: &Project| {
        let document: Value =
            serde_saphyr::from_str(&project.read("out/globex/deployment-agent-eve.yaml")).unwrap();
        document["spec"]["template"]["metadata"]["annotations"]
            ["integrate.mitosis.dev/config-sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = read_hash(&project);
    let office = project.read("offices/globex.toml");
    let sealed = office
        .split("[secrets.sealed.\"slack-globex\"]")
        .nth(1)
        .unwrap()
        .lines()
        .find(|line| line.starts_with("SLACK_BOT_TOKEN"))
        .unwrap()
        .to_string();
    let value = sealed.split('"').nth(1).unwrap();
    let mut rotated: Vec<char> = value.chars().collect();
    let last = rotated.len() - 10;
    rotated[last] = if rotated[last] == 'A' { 'B' } else { 'A' };
    let rotated: String = rotated.into_iter().collect();
    project.write("offices/globex.toml", &office.replace(value, &rotated));
    project.run(&["build"]).assert_code(0);
    assert_ne!(before, read_hash(&project));
}

#[test]
fn index_records_sha256_of_each_file() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let index = project.read("out/acme/.integrate-index");
    assert!(
        index.starts_with("# source: offices/acme.toml\n"),
        "{index}"
    );
    let mut listed = 0;
    for line in index.lines().skip(1) {
        let (hash, name) = line.split_once("  ").unwrap();
        let bytes = fs::read(project.path().join("out/acme").join(name)).unwrap();
        let expected = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
        assert_eq!(hash, expected, "{name}");
        listed += 1;
    }
    assert_eq!(
        listed, 5,
        "namespace, secret, deployment, claim, kustomization"
    );
}

#[test]
fn files_not_written_by_integrate_survive() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("out/acme/README.md", "notes\n");
    project.write("out/acme/extra/config.yaml", "a: b\n");
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}\n[agents.bob]\nintegrations = []\n"),
    );
    project.run(&["build"]).assert_code(0);
    assert_eq!(project.read("out/acme/README.md"), "notes\n");
    assert_eq!(project.read("out/acme/extra/config.yaml"), "a: b\n");
    assert!(project.exists("out/acme/deployment-agent-bob.yaml"));
}

#[test]
fn stale_generated_files_are_removed() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}\n[agents.bob]\nintegrations = [\"slack\"]\n"),
    );
    project.run(&["build"]).assert_code(0);
    assert!(project.exists("out/acme/deployment-agent-bob.yaml"));
    project.write("offices/acme.toml", OFFICE);
    let run = project.run(&["build"]);
    run.assert_code(0);
    assert!(!project.exists("out/acme/deployment-agent-bob.yaml"));
    assert!(
        !project.exists("out/acme/persistentvolumeclaim-agent-bob-home.yaml"),
        "the claim file leaves out/; the cluster keeps the claim through its annotations"
    );
    run.assert_stderr_contains("- Deployment agent-bob");
}

#[test]
fn hand_edited_file_blocks_the_build() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let path = "out/acme/deployment-agent-alice.yaml";
    let edited = project.read(path).replace("replicas: 1", "replicas: 2");
    project.write(path, &edited);
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}\nenv = {{ A = \"b\" }}\n"),
    );
    let before = project.snapshot("out");
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("out/acme/deployment-agent-alice.yaml: was edited by hand");
    assert!(
        project.snapshot("out") == before,
        "a failed build changed out/"
    );
    project.run(&["build", "--force"]).assert_code(0);
    assert!(project.read(path).contains("replicas: 1"));
}

#[test]
fn foreign_file_with_a_generated_name_is_kept() {
    let project = Project::minimal();
    project.write("out/acme/namespace-acme.yaml", "# mine\n");
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("out/acme/namespace-acme.yaml: was not written by integrate");
    assert_eq!(project.read("out/acme/namespace-acme.yaml"), "# mine\n");
    assert!(!project.exists("out/acme/.integrate-index"));
}

#[test]
fn removed_office_folder_is_pruned() {
    let project = Project::minimal();
    project.write(
        "offices/beta.toml",
        &OFFICE.replace("mitosis/acme", "mitosis/beta"),
    );
    project.run(&["build"]).assert_code(0);
    assert!(project.exists("out/beta/namespace-beta.yaml"));
    fs::remove_file(project.path().join("offices/beta.toml")).unwrap();
    project.run(&["build"]).assert_code(0);
    assert!(!project.exists("out/beta"));
    assert!(project.exists("out/acme/namespace-acme.yaml"));
}

#[test]
fn single_office_build_prunes_nothing() {
    let project = Project::minimal();
    project.write("offices/beta.toml", OFFICE);
    project.run(&["build"]).assert_code(0);
    project.run(&["build", "offices/acme.toml"]).assert_code(0);
    assert!(project.exists("out/beta/namespace-beta.yaml"));
}

#[test]
fn colliding_secret_names_are_an_error() {
    let project = Project::minimal();
    let shared = "secret_name = \"shared-{{ office }}\"\n";
    project.write(
        "integrations/slack.toml",
        &format!("{shared}{}", support::SLACK),
    );
    project.write(
        "integrations/other.toml",
        &format!(
            "{shared}{}",
            support::SLACK.replace("SLACK_BOT_TOKEN", "OTHER_TOKEN")
        ),
    );
    project.write(
        "offices/acme.toml",
        &OFFICE.replace("[\"slack\"]", "[\"slack\", \"other\"]"),
    );
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("both render the secret name `shared-acme`");
    assert!(!project.exists("out"));
}

#[test]
fn index_cannot_name_files_outside_out() {
    let project = Project::minimal();
    project.write("victim.txt", "keep me\n");
    let hash = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(b"keep me\n"));
    project.write(
        "out/evil/.integrate-index",
        &format!(
            "# source: offices/evil.toml\n{hash}  ../../victim.txt\n{hash}  {}/victim.txt\n",
            project.path().display()
        ),
    );
    project.run(&["build", "--force"]).assert_code(0);
    assert_eq!(project.read("victim.txt"), "keep me\n");
}

#[test]
fn symlinked_office_folder_is_refused() {
    let project = Project::minimal();
    project.write("elsewhere/secret.txt", "private\n");
    fs::create_dir_all(project.path().join("out")).unwrap();
    std::os::unix::fs::symlink(
        project.path().join("elsewhere"),
        project.path().join("out/acme"),
    )
    .unwrap();
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("out/acme: is a symbolic link");
    assert!(
        fs::symlink_metadata(project.path().join("out/acme"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(project.read("elsewhere/secret.txt"), "private\n");
}

#[test]
fn dollar_signs_survive_kubelet_expansion() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}env = {{ GREETING = \"$(HOME) costs $$5\" }}\n"),
    );
    project.run(&["build"]).assert_code(0);
    let text = project.read("out/acme/deployment-agent-alice.yaml");
    assert!(text.contains("value: $$(HOME) costs $$$$5"), "{text}");
}

#[test]
fn tab_led_block_values_stay_parseable() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}env = {{ TABBED = \"\\tindented\\nsecond line\" }}\n"),
    );
    project.run(&["build"]).assert_code(0);
    let text = project.read("out/acme/deployment-agent-alice.yaml");
    assert!(
        !text
            .lines()
            .any(|line| line.trim_start_matches(' ').starts_with('\t')),
        "{text}"
    );
    let document: Value = serde_saphyr::from_str(&text).unwrap();
    let env = &document["spec"]["template"]["spec"]["containers"][0]["env"];
    let tabbed = env
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == "TABBED")
        .unwrap();
    assert_eq!(tabbed["value"], "\tindented\nsecond line");
}

#[test]
fn headers_do_not_depend_on_path_spelling() {
    let project = Project::minimal();
    let absolute = project.path().join("offices");
    project
        .run(&["build", absolute.to_str().unwrap()])
        .assert_code(0);
    let text = project.read("out/acme/namespace-acme.yaml");
    assert!(
        text.starts_with("# Generated by integrate from offices/acme.toml."),
        "{text}"
    );
    project
        .run(&["build", "offices/", "--check"])
        .assert_code(0);
}

#[test]
fn concurrent_build_is_refused() {
    let project = Project::minimal();
    fs::create_dir_all(project.path().join("out")).unwrap();
    let out = fs::File::open(project.path().join("out")).unwrap();
    rustix::fs::flock(&out, rustix::fs::FlockOperation::LockExclusive).unwrap();
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("another integrate build is writing this folder");
    assert!(!project.exists("out/acme"));
}

#[test]
fn namespace_keeps_retain_annotations() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let document: Value =
        serde_saphyr::from_str(&project.read("out/acme/namespace-acme.yaml")).unwrap();
    let annotations = &document["metadata"]["annotations"];
    assert_eq!(
        annotations["argocd.argoproj.io/sync-options"],
        "Prune=false,Delete=false"
    );
    assert_eq!(annotations["kustomize.toolkit.fluxcd.io/prune"], "disabled");
}

#[test]
fn oversized_object_is_an_error() {
    let project = Project::minimal();
    let big = "x".repeat(1024 * 1024 + 1);
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}env = {{ BIG = \"{big}\" }}\n"),
    );
    project
        .run(&["build"])
        .assert_code(2)
        .assert_stderr_contains("Deployment `agent-alice` is");
    assert!(!project.exists("out"));
}

/// Collects every `labels` map in a document, at any depth.
fn label_maps<'a>(value: &'a Value, found: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if (key == "labels" || key == "matchLabels")
                    && let Value::Object(labels) = inner
                {
                    found.push(labels);
                }
                label_maps(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| label_maps(item, found)),
        _ => {}
    }
}

#[test]
fn every_label_value_is_valid() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let valid = |value: &str| {
        value.len() <= 63
            && (value.is_empty()
                || (value.chars().next().unwrap().is_ascii_alphanumeric()
                    && value.chars().last().unwrap().is_ascii_alphanumeric()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))))
    };
    let mut checked = 0;
    for office in ["acme", "globex", "initech"] {
        for (file, document) in documents(&project, office) {
            let mut maps = Vec::new();
            label_maps(&document, &mut maps);
            for labels in maps {
                for (key, value) in labels {
                    let value = value.as_str().expect("label values are strings");
                    assert!(valid(value), "{office}/{file}: {key}={value}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} labels checked");
}
