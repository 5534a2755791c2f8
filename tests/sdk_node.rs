//! Runs the Node suite `tests/node/` (the official `@dfns/sdk@0.8.21` as a client) against
//! this build's binary. Needs `npm ci --prefix tests/node` (`bash .ci/run` does). The browser
//! journeys (Chromium, `@dfns/sdk-browser`) are the Playwright kit's: `tests/playwright_kit.rs`.

use std::path::Path;
use std::process::Command;

/// Runs `node --test DIR` and asserts at least `expected` tests passed.
fn node_suite(dir: &str, expected: u32) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sdk = repo.join("tests/node/node_modules/@dfns/sdk/package.json");
    assert!(
        sdk.exists(),
        "the official SDK is not installed: run `npm ci --prefix tests/node` (bash .ci/run does)"
    );
    let output = Command::new("node")
        .args(["--test", dir])
        .current_dir(repo)
        .env("DFNS_MOCK_BIN", env!("CARGO_BIN_EXE_dfns-mock"))
        .output()
        .expect("node runs (Node 20 is on every machine)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node --test {dir} failed\n{stdout}\n{stderr}"
    );
    // The suite really ran tests: a run of zero tests is a failure too.
    let passed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(
        passed >= expected,
        "expected {expected} passing tests in {dir}, got {passed}\n{stdout}"
    );
}

#[test]
fn official_sdk_suite_passes_against_the_binary() {
    node_suite("tests/node/", 24);
}
