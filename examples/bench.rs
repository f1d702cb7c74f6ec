//! Build benchmark: generates offices × agents × integrations, then times
//! a full build, a rebuild with nothing changed, and `cp -r` of the same
//! output tree, and reports the peak resident memory of this process.
//!
//! cargo run --release --example bench -- [OFFICES] [AGENTS] [INTEGRATIONS]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|arg| arg.parse().expect("arguments are counts"))
        .collect();
    let offices = args.first().copied().unwrap_or(1000);
    let agents = args.get(1).copied().unwrap_or(25);
    let integrations = args.get(2).copied().unwrap_or(8);

    let dir = tempfile::tempdir().expect("create a temporary folder");
    let root = dir.path();
    generate(root, offices, agents, integrations);
    eprintln!(
        "generated {offices} offices × {agents} agents × {integrations} integrations in {}",
        root.display()
    );

    let full = time(|| build(root, "out"));
    let files = walkdir::WalkDir::new(root.join("out"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .count();
    let rebuild = time(|| build(root, "out"));
    let copy = time(|| {
        let status = Command::new("cp")
            .args(["-r", "out", "out-copy"])
            .current_dir(root)
            .status()
            .expect("run cp");
        assert!(status.success(), "cp -r failed");
    });
    let peak = peak_memory_kib();

    let mut report = String::new();
    let _ = writeln!(report, "files written     {files}");
    let _ = writeln!(report, "full build        {:.2} s", full.as_secs_f64());
    let _ = writeln!(report, "cp -r of out/     {:.2} s", copy.as_secs_f64());
    let _ = writeln!(
        report,
        "build / cp -r     {:.2}",
        full.as_secs_f64() / copy.as_secs_f64()
    );
    let _ = writeln!(report, "rebuild           {:.2} s", rebuild.as_secs_f64());
    let _ = writeln!(
        report,
        "rebuild / build   {:.3}",
        rebuild.as_secs_f64() / full.as_secs_f64()
    );
    let _ = writeln!(report, "peak memory       {} MiB", peak / 1024);
    print!("{report}");
}

fn time(work: impl FnOnce()) -> Duration {
    let start = Instant::now();
    work();
    start.elapsed()
}

fn build(root: &Path, out: &str) {
    std::env::set_current_dir(root).expect("enter the benchmark folder");
    let cli = integrate::cli::Cli::parse_from(["integrate", "build", "--out", out, "offices"]);
    let code = integrate::run(cli);
    assert_eq!(code, 0, "the build failed");
}

/// Peak resident set size of this process, from /proc, in KiB.
fn peak_memory_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn generate(root: &Path, offices: usize, agents: usize, integrations: usize) {
    let registry = root.join("integrations");
    fs::create_dir_all(&registry).unwrap();
    for i in 0..integrations {
        let upper = format!("SERVICE_{i:02}");
        let mut entry = format!(
            "name = \"Service {i}\"\ndescription = \"Generated entry.\"\ncategory = \"services\"\n\
             agent_env = [\"{upper}_TOKEN\", \"{upper}_URL\"]\nreserved = true\n\n\
             [[secrets]]\nkey = \"{upper}_TOKEN\"\nlabel = \"Token\"\ntype = \"password\"\nrequired = true\n\n\
             [[secrets]]\nkey = \"{upper}_URL\"\nlabel = \"URL\"\ntype = \"text\"\nrequired = true\n"
        );
        if i == 0 {
            entry.push_str(
                "\n[[task_templates]]\nname = \"daily\"\ntitle = \"Daily for {{ agent }}\"\n\
                 prompt = \"Summarize the day in {{ office }}.\"\nschedule = \"0 9 * * 1-5\"\n\
                 timezone = \"Europe/Berlin\"\n",
            );
        }
        if i == 1 {
            entry.push_str(
                "\n[colony_container]\nimage = \"ghcr.io/example/proxy:1.0.0\"\n\
                 ports = [{ name = \"http\", port = 8080 }]\nstorage = \"1Gi\"\n\
                 mount_path = \"/data\"\nurl_env = \"SERVICE_PROXY_URL\"\n",
            );
        }
        fs::write(registry.join(format!("service-{i:02}.toml")), entry).unwrap();
    }
    let enabled: Vec<String> = (0..integrations)
        .map(|i| format!("\"service-{i:02}\""))
        .collect();
    let enabled = enabled.join(", ");
    let office_dir = root.join("offices");
    fs::create_dir_all(&office_dir).unwrap();
    for o in 0..offices {
        let mut office = format!(
            "[secrets]\nbackend = \"external\"\nstore = \"vault\"\n\
             store_kind = \"ClusterSecretStore\"\nkey_prefix = \"mitosis/office-{o:04}\"\n\n\
             [agent_defaults]\nimage = \"ghcr.io/example/agent:1.8.0\"\n\n\
             [task_runner]\nimage = \"ghcr.io/example/task-dispatch:0.3.1\"\n"
        );
        for a in 0..agents {
            let _ = write!(
                office,
                "\n[agents.agent-{a:02}]\nrole = \"engineer\"\nintegrations = [{enabled}]\n\
                 env = {{ LOG_LEVEL = \"info\" }}\n"
            );
        }
        fs::write(office_dir.join(format!("office-{o:04}.toml")), office).unwrap();
    }
}
