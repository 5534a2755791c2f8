//! `rust-version` in Cargo.toml is what the locked crates need: the highest `rust-version`
//! among the crates of Cargo.lock built on this machine (no older toolchain can be installed
//! here to try, so the lock file decides).

use std::path::PathBuf;

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"))
}

fn version(text: &str) -> Vec<u32> {
    text.split('.').map(|n| n.parse().unwrap()).collect()
}

#[test]
fn rust_version_is_the_highest_one_the_locked_crates_declare() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.lock")).unwrap()).unwrap();
    let sources: Vec<PathBuf> = std::fs::read_dir(cargo_home().join("registry/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut needed: Vec<(Vec<u32>, String)> = Vec::new();
    for package in lock["package"].as_array().unwrap() {
        if package.get("source").is_none() {
            continue;
        }
        let dir = format!(
            "{}-{}",
            package["name"].as_str().unwrap(),
            package["version"].as_str().unwrap()
        );
        // Crates of other platforms are never downloaded here; they do not build here either.
        let Some(manifest) = sources
            .iter()
            .map(|s| s.join(&dir).join("Cargo.toml"))
            .find(|m| m.exists())
        else {
            continue;
        };
        let manifest: toml::Value =
            toml::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
        if let Some(rv) = manifest["package"]
            .get("rust-version")
            .and_then(|v| v.as_str())
        {
            needed.push((version(rv), dir));
        }
    }
    let (highest, by) = needed
        .into_iter()
        .max()
        .expect("locked crates declare rust-version");
    let ours: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let declared = version(ours["package"]["rust-version"].as_str().unwrap());
    let pad = |mut v: Vec<u32>| {
        v.resize(3, 0);
        v
    };
    assert_eq!(
        pad(declared),
        pad(highest),
        "rust-version must be what {by} needs"
    );
}
