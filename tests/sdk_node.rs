//! Runs the Node suite in `tests/node/`, where the official `@dfns/sdk@0.8.21` talks to
//! this build's binary. Needs `npm ci --prefix tests/node` first (`.ci/run` does it).

use std::path::Path;
use std::process::Command;

#[test]
fn official_sdk_suite_passes_against_the_binary() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sdk = repo.join("tests/node/node_modules/@dfns/sdk/package.json");
    assert!(
        sdk.exists(),
        "the official SDK is not installed: run `npm ci --prefix tests/node` (bash .ci/run does)"
    );
    let output = Command::new("node")
        .args(["--test", "tests/node/"])
        .current_dir(repo)
        .env("DFNS_MOCK_BIN", env!("CARGO_BIN_EXE_dfns-mock"))
        .output()
        .expect("node runs (Node 20 is on every machine)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test failed\n{stdout}\n{stderr}"
    );
    // The suite really ran tests: a run of zero tests is a failure too.
    let passed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(
        passed >= 5,
        "expected the SDK tests to run, got {passed} passing\n{stdout}"
    );
}
