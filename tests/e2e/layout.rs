//! The dependency rule: adapters know the neutral chat contract, never the store or the rules.

use std::process::Command;

#[test]
fn adapters_do_not_depend_on_the_core_or_sqlx() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for krate in ["baton-chat", "baton-shell", "baton-slack", "baton-discord"] {
        let out = Command::new(&cargo)
            .current_dir(root)
            .args(["tree", "--offline", "-e", "normal", "--prefix", "none", "-p", krate])
            .output()
            .expect("run cargo tree");
        assert!(out.status.success(), "cargo tree -p {krate}: {}", String::from_utf8_lossy(&out.stderr));
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(tree.lines().count() > 1, "cargo tree printed nothing for {krate}");
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            assert!(!name.starts_with("sqlx"), "{krate} depends on {line}");
            assert_ne!(name, "baton", "{krate} depends on the core crate: {line}");
        }
    }
}
