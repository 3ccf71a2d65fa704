//! End-to-end tests: the real `baton` binary, driven the way people use it, against a fresh
//! SQLite file and a fresh PostgreSQL schema.

mod cli;
mod digest;
mod discord;
mod layout;
mod replicas;
mod security;
mod serve;
mod shell;
mod slack;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A config file for a test: the demo people and accounts, on the given database.
pub fn write_config(dir: &Path, database_url: &str) -> PathBuf {
    let rest = r#"
[tickets]
reopen_window = "1d"

[[channels]]
channel = "shell:acme"
who_may_open = "anyone"

[[channels]]
channel = "shell:globex"
auto_intake = true

[[people]]
id = "dana"
name = "Dana Agent"
role = "agent"

[[people]]
id = "casey"
name = "Casey CSM"
role = "csm"

[[people]]
id = "wile"
name = "Wile E."
role = "customer"
account = "acme"

[[accounts]]
id = "acme"
name = "Acme Corp"
tier = "enterprise"
arr = 120000
currency = "USD"
renewal_date = "2027-01-15"
csm = "casey"
key_prefix = "ACME"
channels = ["shell:acme"]

[[accounts]]
id = "globex"
name = "Globex"
tier = "business"
key_prefix = "GLX"
channels = ["shell:globex"]
"#;
    support::write_config_file(dir, database_url, support::TIERS, rest)
}

/// Runs `baton --config CONFIG run --script SCRIPT` and returns its stdout; fails the test
/// with stderr when it exits non-zero.
pub fn run_script(config: &Path, script: &str) -> String {
    let dir = config.parent().expect("config dir");
    let script_path = dir.join(format!("script-{}.txt", rand_suffix()));
    std::fs::write(&script_path, script).expect("write script");
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .arg("--script")
        .arg(&script_path)
        .env_remove("RUST_LOG")
        .output()
        .expect("run baton");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "baton exited with {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}
