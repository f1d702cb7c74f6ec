//! End-to-end tests of `integrate diff` and of the summary and hand-edit
//! protection of `integrate build`, run through the real binary in
//! scratch projects and git repositories that each test creates.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{OFFICE, Project, Run};

/// Returns the minimal office with GitHub's `work` instance enabled for
/// alice.
fn office_with_github() -> String {
    OFFICE.replace(
        "integrations = [\"slack\"]",
        "integrations = [\"slack\", \"github:work\"]",
    ) + "\n[integrations.github]\ninstances = [\"work\"]\n"
}

/// Returns the minimal office with a second agent, bob.
fn office_with_bob() -> String {
    format!("{OFFICE}\n[agents.bob]\nintegrations = [\"slack\"]\n")
}

/// Returns the part of the text output before the first unified diff.
fn summary_part(stdout: &str) -> &str {
    stdout.split("\n--- ").next().unwrap_or_default()
}

/// Runs the binary in `dir` with git's user configuration kept out.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = isolated(Command::new(env!("CARGO_BIN_EXE_integrate")))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run integrate");
    Run::from_output(&output)
}

fn isolated(mut command: Command) -> Command {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1");
    command
}

/// Runs git in the project and returns its stdout.
#[track_caller]
fn git(project: &Project, args: &[&str]) -> String {
    let output = isolated(Command::new("git"))
        .args(args)
        .current_dir(project.path())
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Makes the project a git repository with one commit of everything in it.
fn commit_everything(project: &Project) {
    git(project, &["init", "-q", "-b", "main"]);
    git(project, &["add", "-A"]);
    git(project, &["commit", "-q", "-m", "Add inputs"]);
}

#[test]
fn unchanged_inputs_exit_zero() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let run = project.run(&["diff"]);
    run.assert_code(0)
        .assert_stderr_contains("no difference: 1 office compared with out/");
    assert_eq!(run.stdout, "");
}

#[test]
fn enabled_integration_exits_one_with_summary() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", &office_with_github());
    let run = project.run(&["diff"]);
    run.assert_code(1);
    let summary = summary_part(&run.stdout);
    assert!(
        summary.starts_with("acme: 1 added, 2 changed\n"),
        "{summary}"
    );
    assert!(
        summary.contains("  + ExternalSecret github-work-acme: integration github:work enabled\n")
    );
    assert!(summary.contains("  ~ Deployment agent-alice: env +GITHUB_TOKEN from github:work\n"));
    assert!(summary.contains("  ~ Kustomization kustomization.yaml: fields changed: resources\n"));
    assert!(run.stdout.contains(
        "--- a/out/acme/deployment-agent-alice.yaml\n+++ b/out/acme/deployment-agent-alice.yaml\n"
    ));
    assert!(
        run.stdout
            .contains("--- /dev/null\n+++ b/out/acme/externalsecret-github-work-acme.yaml\n")
    );
    run.assert_stderr_contains(
        "1 of 1 office differs from out/: 1 object added, 2 changed, 0 removed",
    );
}

#[test]
fn invalid_office_exits_two() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &OFFICE.replace("[\"slack\"]", "[\"slak\"]"),
    );
    let run = project.run(&["diff"]);
    run.assert_code(2)
        .assert_stderr_contains("unknown integration `slak`");
    assert_eq!(run.stdout, "");
}

#[test]
fn unknown_format_exits_two() {
    let project = Project::minimal();
    project.run(&["diff", "--format", "html"]).assert_code(2);
}

#[test]
fn added_agent_lists_its_objects() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", &office_with_bob());
    let run = project.run(&["diff"]);
    run.assert_code(1);
    let summary = summary_part(&run.stdout);
    assert!(
        summary.contains("  + Deployment agent-bob: env from slack\n"),
        "{summary}"
    );
    assert!(summary.contains("  + PersistentVolumeClaim agent-bob-home\n"));
    assert!(
        run.stdout
            .contains("+++ b/out/acme/deployment-agent-bob.yaml\n")
    );
}

#[test]
fn removed_agent_lists_its_objects() {
    let project = Project::minimal();
    project.write("offices/acme.toml", &office_with_bob());
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", OFFICE);
    let run = project.run(&["diff"]);
    run.assert_code(1);
    let summary = summary_part(&run.stdout);
    assert!(
        summary.starts_with("acme: 1 changed, 2 removed\n"),
        "{summary}"
    );
    assert!(summary.contains("  - Deployment agent-bob\n"));
    assert!(summary.contains(concat!(
        "  - PersistentVolumeClaim agent-bob-home: ",
        "kept in the cluster: Argo CD and Flux do not prune it\n"
    )));
    assert!(
        run.stdout
            .contains("--- a/out/acme/deployment-agent-bob.yaml\n+++ /dev/null\n")
    );
}

#[test]
fn removed_office_folder_is_listed() {
    let project = Project::minimal();
    project.write(
        "offices/beta.toml",
        &OFFICE.replace("mitosis/acme", "mitosis/beta"),
    );
    project.run(&["build"]).assert_code(0);
    fs::remove_file(project.path().join("offices/beta.toml")).unwrap();
    let run = project.run(&["diff"]);
    run.assert_code(1);
    assert!(
        run.stdout.starts_with("beta: 5 removed\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  - Namespace beta: kept in the cluster"),
        "{}",
        run.stdout
    );
    assert!(
        project.exists("out/beta/namespace-beta.yaml"),
        "diff wrote nothing"
    );
}

#[test]
fn plain_env_value_stays_out_of_summary() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}env = {{ API_MODE = \"first\" }}\n"),
    );
    project.run(&["build"]).assert_code(0);
    project.write(
        "offices/acme.toml",
        &format!("{OFFICE}env = {{ API_MODE = \"hunter2\" }}\n"),
    );
    let run = project.run(&["diff"]);
    run.assert_code(1);
    let summary = summary_part(&run.stdout);
    assert!(
        summary.contains("  ~ Deployment agent-alice: env ~API_MODE value changed\n"),
        "{summary}"
    );
    assert!(!summary.contains("hunter2"));
    assert!(!summary.contains("first"));
}

#[test]
fn markdown_has_table_and_sections() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", &office_with_github());
    let run = project.run(&["diff", "--format", "markdown"]);
    run.assert_code(1);
    let text = &run.stdout;
    assert!(text.starts_with("<!-- integrate-diff -->\n"));
    assert!(text.contains("| Office | Added | Changed | Removed |\n"));
    assert!(text.contains("| acme | 1 | 2 | 0 |\n"));
    assert!(text.contains("<details><summary><b>acme</b>: 1 added, 2 changed</summary>"));
    assert!(
        text.contains("- `~` Deployment `agent-alice`\n  - env +GITHUB\\_TOKEN from github:work\n")
    );
    assert!(text.contains("```diff\n--- a/out/acme/deployment-agent-alice.yaml\n"));
    assert!(!text.contains("[!WARNING]"));
    assert!(!text.contains('\x1b'));
}

#[test]
fn markdown_without_changes_says_so() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let run = project.run(&["diff", "--format", "markdown"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("No change: 1 office compared with the files in `out/`.")
    );
}

#[test]
fn markdown_is_cut_below_comment_limit() {
    let project = Project::minimal();
    let mut office = OFFICE.to_string();
    for index in 0..150 {
        office.push_str(&format!(
            "\n[agents.agent{index:03}]\nintegrations = [\"slack\"]\nenv = {{ NOTE = \"{}\" }}\n",
            "x".repeat(200)
        ));
    }
    project.write("offices/acme.toml", &office);
    let run = project.run(&["diff", "--format", "markdown"]);
    run.assert_code(1);
    let text = &run.stdout;
    let characters = text.chars().count();
    assert!(characters < 65_536, "{characters} characters");
    assert!(
        characters > 50_000,
        "the cut left too much out: {characters} characters"
    );
    assert!(text.contains("> [!WARNING]\n> This comment was cut to fit GitHub's limit"));
    assert!(text.contains("file diffs are left out here to fit the comment limit"));
    assert_eq!(
        text.matches("```diff\n").count(),
        text.matches("\n```\n").count(),
        "a code fence was cut"
    );
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count()
    );
}

#[test]
fn json_is_versioned_and_stable() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", &office_with_github());
    let first = project.run(&["diff", "--format", "json"]);
    first.assert_code(1);
    let second = project.run(&["diff", "--format", "json"]);
    assert_eq!(first.stdout, second.stdout);
    let value: Value = serde_json::from_str(&first.stdout).expect("valid JSON");
    assert_eq!(value["version"], 1);
    assert_eq!(value["against"]["type"], "out");
    assert_eq!(value["has_differences"], true);
    assert_eq!(value["totals"]["added"], 1);
    let office = &value["offices"][0];
    assert_eq!(office["office"], "acme");
    let deployment = office["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|object| object["kind"] == "Deployment")
        .expect("the deployment changed");
    let env = &deployment["details"][0];
    assert_eq!(env["type"], "env");
    assert_eq!(env["change"], "added");
    assert_eq!(env["name"], "GITHUB_TOKEN");
    assert_eq!(env["new"]["integration"], "github:work");
    assert_eq!(env["text"], "env +GITHUB_TOKEN from github:work");
    let files = office["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn color_follows_the_color_flag() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    project.write("offices/acme.toml", &office_with_github());
    let plain = project.run(&["diff"]);
    assert!(!plain.stdout.contains('\x1b'), "piped output is colored");
    let colored = project.run(&["diff", "--color", "always"]);
    colored.assert_code(1);
    assert!(
        colored
            .stdout
            .contains("\x1b[32m+        - name: GITHUB_TOKEN\x1b[0m")
    );
    assert!(
        colored
            .stdout
            .contains("\x1b[1m--- a/out/acme/deployment-agent-alice.yaml\x1b[0m")
    );
}

#[test]
fn hand_edited_file_gets_a_note() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let path = "out/acme/deployment-agent-alice.yaml";
    project.write(
        path,
        &project.read(path).replace("replicas: 1", "replicas: 3"),
    );
    let run = project.run(&["diff"]);
    run.assert_code(1).assert_stderr_contains(
        "note: out/acme/deployment-agent-alice.yaml was edited by hand after integrate wrote it",
    );
    assert!(
        run.stdout
            .contains("  ~ Deployment agent-alice: replicas 3 -> 1\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-  replicas: 3\n+  replicas: 1\n"));
}

#[test]
fn build_rejects_hand_edit_until_forced() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let path = "out/acme/persistentvolumeclaim-agent-alice-home.yaml";
    let edited = project.read(path).replace("storage: ", "storage: 99");
    project.write(path, &edited);
    project.write("offices/acme.toml", &office_with_github());
    let before = project.snapshot("out");
    let run = project.run(&["build"]);
    run.assert_code(2).assert_stderr_contains(&format!(
        "error: {path}: was edited by hand after integrate wrote it"
    ));
    run.assert_stderr_contains("pass `--force` to replace it");
    assert!(
        project.snapshot("out") == before,
        "a rejected build changed out/"
    );
    project.run(&["build", "--force"]).assert_code(0);
    assert!(!project.read(path).contains("storage: 99"));
    assert!(project.exists("out/acme/externalsecret-github-work-acme.yaml"));
    project.run(&["diff"]).assert_code(0);
}

#[test]
fn build_prints_object_summary() {
    let project = Project::minimal();
    project
        .run(&["build"])
        .assert_code(0)
        .assert_stderr_contains("acme: new office folder, 5 files");
    project.write("offices/acme.toml", &office_with_github());
    let before = project.snapshot("out");
    let check = project.run(&["build", "--check"]);
    check
        .assert_code(1)
        .assert_stderr_contains("  ~ Deployment agent-alice: env +GITHUB_TOKEN from github:work\n")
        .assert_stderr_contains("1 of 1 office folders out of date");
    assert!(
        project.snapshot("out") == before,
        "build --check wrote files"
    );
    let build = project.run(&["build"]);
    build
        .assert_code(0)
        .assert_stderr_contains(
            "  + ExternalSecret github-work-acme: integration github:work enabled\n",
        )
        .assert_stderr_contains("1 of 1 office folders updated");
    assert_eq!(build.stdout, "");
    project
        .run(&["build", "--check"])
        .assert_code(0)
        .assert_stderr_contains("0 of 1 office folders out of date");
}

#[test]
fn one_example_office_change_stays_in_it() {
    let project = Project::examples();
    project.run(&["build"]).assert_code(0);
    let globex = project.read("offices/globex.toml");
    let changed = globex.replace("TZ = \"America/Chicago\"", "TZ = \"Europe/Berlin\"");
    assert_ne!(globex, changed, "the example office changed its agent env");
    project.write("offices/globex.toml", &changed);
    let run = project.run(&["diff", "--format", "json"]);
    run.assert_code(1);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    let offices: Vec<&str> = value["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|office| office["office"].as_str().unwrap())
        .collect();
    assert_eq!(offices, ["globex"]);
    assert_eq!(value["offices_compared"], 3);
    for file in value["offices"][0]["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        assert!(path.starts_with("out/globex/"), "{path}");
    }
    for object in value["offices"][0]["objects"].as_array().unwrap() {
        assert_eq!(object["namespace"], "globex");
    }
    let text = project.run(&["diff"]);
    assert!(summary_part(&text.stdout).contains("~ Deployment agent-dana: env ~TZ value changed"));
}

#[test]
fn base_revision_without_committed_out() {
    let project = Project::minimal();
    project.write(".gitignore", "out/\n");
    commit_everything(&project);
    project.write("offices/acme.toml", &office_with_github());
    let status = git(&project, &["status", "--porcelain"]);
    let index = fs::read(project.path().join(".git/index")).unwrap();
    let run = project.run(&["diff", "--base", "HEAD"]);
    run.assert_code(1);
    assert!(
        run.stdout
            .contains("  ~ Deployment agent-alice: env +GITHUB_TOKEN from github:work\n")
    );
    assert!(
        run.stdout
            .contains("--- a/out/acme/deployment-agent-alice.yaml\n")
    );
    run.assert_stderr_contains("1 of 1 office differs from revision HEAD (");
    assert_eq!(
        fs::read(project.path().join(".git/index")).unwrap(),
        index,
        "the index changed"
    );
    assert_eq!(git(&project, &["status", "--porcelain"]), status);
    assert!(!project.exists("out"), "diff wrote out/");
}

#[test]
fn base_revision_with_committed_out() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    commit_everything(&project);
    project.write("offices/acme.toml", &office_with_bob());
    let run = project.run(&["diff", "--base", "HEAD", "--format", "json"]);
    run.assert_code(1);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["against"]["type"], "revision");
    assert_eq!(value["against"]["revision"], "HEAD");
    let head = git(&project, &["rev-parse", "HEAD"]);
    assert_eq!(value["against"]["commit"], head.trim());
    assert_eq!(value["offices"][0]["added"], 2);
    assert_eq!(
        git(&project, &["status", "--porcelain"]),
        " M offices/acme.toml\n"
    );
    project
        .run(&["diff", "--base", "HEAD", "offices/"])
        .assert_code(1);
    git(&project, &["checkout", "-q", "--", "offices/acme.toml"]);
    project.run(&["diff", "--base", "HEAD"]).assert_code(0);
}

#[test]
fn base_paths_resolve_from_a_subfolder() {
    let project = Project::minimal();
    project.write("docs/README.md", "notes\n");
    commit_everything(&project);
    project.write("offices/acme.toml", &office_with_github());
    let docs = project.path().join("docs");
    let relative = run_in(
        &docs,
        &[
            "diff",
            "--base",
            "HEAD",
            "--registry",
            "../integrations",
            "../offices",
        ],
    );
    relative.assert_code(1);
    assert!(
        relative
            .stdout
            .contains("env +GITHUB_TOKEN from github:work")
    );
    let registry = project.path().join("integrations");
    let offices = project.path().join("offices");
    let absolute = run_in(
        &docs,
        &[
            "diff",
            "--base",
            "HEAD",
            "--registry",
            registry.to_str().unwrap(),
            offices.to_str().unwrap(),
        ],
    );
    absolute.assert_code(1);
    assert_eq!(
        summary_part(&absolute.stdout),
        summary_part(&relative.stdout),
        "absolute and relative paths render alike"
    );
}

#[test]
fn new_office_at_base_is_all_added() {
    let project = Project::minimal();
    commit_everything(&project);
    project.write(
        "offices/beta.toml",
        &OFFICE.replace("mitosis/acme", "mitosis/beta"),
    );
    let run = project.run(&["diff", "--base", "HEAD"]);
    run.assert_code(1);
    assert!(run.stdout.starts_with("beta: 5 added\n"), "{}", run.stdout);
    let single = project.run(&["diff", "--base", "HEAD", "offices/beta.toml"]);
    single.assert_code(1);
}

#[test]
fn unknown_base_revision_exits_two() {
    let project = Project::minimal();
    commit_everything(&project);
    let run = project.run(&["diff", "--base", "no-such-branch"]);
    run.assert_code(2)
        .assert_stderr_contains("unknown revision `no-such-branch`");
    assert_eq!(run.stdout, "");
    project
        .run(&["diff", "--base=-n"])
        .assert_code(2)
        .assert_stderr_contains("`-n` is not a revision");
}

#[test]
fn broken_base_inputs_exit_two() {
    let project = Project::minimal();
    project.write(
        "offices/acme.toml",
        &OFFICE.replace("[\"slack\"]", "[\"slak\"]"),
    );
    commit_everything(&project);
    project.write("offices/acme.toml", OFFICE);
    let run = project.run(&["diff", "--base", "HEAD"]);
    run.assert_code(2)
        .assert_stderr_contains("the inputs at revision `HEAD`")
        .assert_stderr_contains("do not build")
        .assert_stderr_contains("error: HEAD:offices/acme.toml:")
        .assert_stderr_contains("unknown integration `slak`");
    assert_eq!(run.stdout, "");
}

#[test]
fn base_outside_a_repository_exits_two() {
    let project = Project::minimal();
    let inside_a_repository = project
        .path()
        .ancestors()
        .any(|dir| dir.join(".git").exists());
    if inside_a_repository {
        // The temporary folder lies inside a repository on this machine.
        return;
    }
    let run = run_in(project.path(), &["diff", "--base", "HEAD"]);
    run.assert_code(2)
        .assert_stderr_contains("`--base` needs a git repository");
}

#[test]
fn build_summary_lists_twenty_offices() {
    let project = Project::minimal();
    for index in 0..22 {
        let office = format!("{OFFICE}env = {{ LEVEL = \"1\" }}\n");
        project.write(&format!("offices/o{index:02}.toml"), &office);
    }
    project.run(&["build"]).assert_code(0);
    for index in 0..22 {
        let office = format!("{OFFICE}env = {{ LEVEL = \"2\" }}\n");
        project.write(&format!("offices/o{index:02}.toml"), &office);
    }
    let run = project.run(&["build"]);
    run.assert_code(0)
        .assert_stderr_contains(
            "o19: 1 changed\n  ~ Deployment agent-alice: env ~LEVEL value changed\n",
        )
        .assert_stderr_contains("o20: 1 file changed\no21: 1 file changed\n")
        .assert_stderr_contains("the objects of 2 more offices are not listed")
        .assert_stderr_contains("22 of 23 office folders updated");
}

#[test]
fn base_rejects_a_symlinked_registry() {
    let project = Project::minimal();
    fs::rename(
        project.path().join("integrations"),
        project.path().join("registry"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        project.path().join("registry"),
        project.path().join("integrations"),
    )
    .unwrap();
    commit_everything(&project);
    let slack = project.read("registry/slack.toml");
    project.write("registry/slack.toml", &slack.replace("Chat.", "Team chat."));
    let run = project.run(&["diff", "--base", "HEAD"]);
    run.assert_code(2)
        .assert_stderr_contains("`integrations` is a symbolic link in that revision");
}

#[test]
fn check_notes_hand_edited_files() {
    let project = Project::minimal();
    project.run(&["build"]).assert_code(0);
    let path = "out/acme/namespace-acme.yaml";
    let edited = format!("{}# edited\n", project.read(path));
    project.write(path, &edited);
    project
        .run(&["build", "--check"])
        .assert_code(1)
        .assert_stderr_contains("note: out/acme/namespace-acme.yaml was edited by hand");
}
