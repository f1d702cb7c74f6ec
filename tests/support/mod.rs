//! A scratch project folder for end-to-end tests of the `integrate`
//! binary: write input files, run a command, read what it wrote.

#![allow(dead_code, unreachable_pub)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Converts the output of a finished process.
    pub fn from_output(output: &std::process::Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_stderr_contains(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }
}

/// A temporary folder laid out like a GitOps repository.
pub struct Project {
    dir: TempDir,
}

/// A registry entry with one required secret key.
pub const SLACK: &str = r#"
name = "Slack"
description = "Chat."
category = "communication"
agent_env = ["SLACK_BOT_TOKEN"]
reserved = true

[[secrets]]
key = "SLACK_BOT_TOKEN"
label = "Bot token"
type = "password"
required = true
"#;

/// A multi-instance registry entry.
pub const GITHUB: &str = r#"
name = "GitHub"
description = "Code hosting."
category = "services"
aliases = ["gh"]
multi_instance = true
agent_env = ["GITHUB_TOKEN"]
reserved = true

[[secrets]]
key = "GITHUB_TOKEN"
label = "Token"
type = "password"
required = true
"#;

/// An office on the external backend with one agent enabling Slack.
pub const OFFICE: &str = r#"
[secrets]
backend = "external"
store = "vault"
store_kind = "ClusterSecretStore"
key_prefix = "mitosis/acme"

[agent_defaults]
image = "ghcr.io/example/agent:1.8.0"

[agents.alice]
role = "engineer"
integrations = ["slack"]
"#;

impl Project {
    /// Creates an empty project.
    pub fn empty() -> Project {
        Project {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    /// Creates a project with the Slack and GitHub entries and
    /// `offices/acme.toml`.
    pub fn minimal() -> Project {
        let project = Project::empty();
        project
            .write("integrations/slack.toml", SLACK)
            .write("integrations/github.toml", GITHUB)
            .write("offices/acme.toml", OFFICE);
        project
    }

    /// Creates a project with a copy of the shipped registry and example
    /// offices.
    pub fn examples() -> Project {
        let project = Project::empty();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for folder in ["integrations", "offices", "templates"] {
            copy_tree(&root.join(folder), &project.path().join(folder));
        }
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative`, creating folders as needed.
    pub fn write(&self, relative: &str, text: &str) -> &Project {
        let path = self.path().join(relative);
        fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create folder");
        fs::write(&path, text).expect("write file");
        self
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path().join(relative))
            .unwrap_or_else(|error| panic!("read {relative}: {error}"))
    }

    pub fn exists(&self, relative: &str) -> bool {
        self.path().join(relative).exists()
    }

    /// Runs the binary in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_integrate"))
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run integrate");
        Run::from_output(&output)
    }

    /// Returns every file under `relative` with its bytes, sorted by path.
    pub fn snapshot(&self, relative: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let root = self.path().join(relative);
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let bytes = fs::read(entry.path()).expect("read file");
                (
                    entry.path().strip_prefix(&root).unwrap().to_path_buf(),
                    bytes,
                )
            })
            .collect();
        files.sort();
        files
    }
}

fn copy_tree(from: &Path, to: &Path) {
    if !from.exists() {
        return;
    }
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("create folder");
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
