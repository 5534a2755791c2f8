//! Runs the Playwright kit (`playwright/`, npm package `dfns-mock-playwright`) with the real
//! `@playwright/test` runner in Debian's Chromium, against this build's binary:
//! - the kit's own suite (`examples/app/`: the sample app's journeys with two SDK versions,
//!   signing a message with a passkey through the SDK's user-action flow, scripted errors, the
//!   journal), twice against fresh servers with a frozen clock, and the
//!   two runs' recorded challenges, user ids and tokens must be identical;
//! - its scripted-error tests with `--repeat-each 3` in 4 workers, to prove sessions isolate;
//! - the kit's TypeScript types, with `tsc` over `examples/app/types/`;
//! - the README's "Use it in your Playwright suite" snippet, copied into a fresh folder
//!   outside the repository, with the kit and `@playwright/test` installed there by npm.
//!
//! Needs `npm ci` in `examples/app` and `examples/app/sdk-0.6`, and `/usr/bin/chromium`
//! (`bash .ci/run` installs them); the README test also needs the npm registry.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// Playwright runs one at a time: each already uses 4 workers on the machine's cores.
static ONE_RUN_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Test count of the kit's suite: 18 in the `sdk-0.8` project, 4 journeys in `sdk-0.6`.
const KIT_TESTS: u32 = 22;
/// The `@isolation` tests (scripted errors), each run `--repeat-each 3`.
const ISOLATION_TESTS: u32 = 9;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// `command` in CI mode (fresh servers), without the kit's variables of the calling shell.
fn clean(mut command: Command) -> Command {
    command
        .env_remove("DFNS_MOCK_BIN")
        .env_remove("DFNS_MOCK_URL")
        .env("CI", "1");
    command
}

/// Asserts a Playwright run passed exactly `expected` tests, none failed or flaky.
fn assert_passed(output: &Output, expected: u32, what: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{what} failed\n{stdout}\n{stderr}");
    let passed = stdout
        .lines()
        .find_map(|l| l.trim().strip_suffix(')')?.split_once(" passed ("))
        .and_then(|(n, _)| n.trim().parse::<u32>().ok());
    assert_eq!(passed, Some(expected), "{what}: wrong test count\n{stdout}");
    assert!(
        !stdout.contains(" flaky") && !stdout.contains(" failed"),
        "{what}: not every test passed on the first try\n{stdout}"
    );
}

/// The ports of the mock and of the two app servers.
struct Ports([u16; 3]);

impl Ports {
    fn free() -> Self {
        Ports([free_port(), free_port(), free_port()])
    }
}

/// The kit's suite in `examples/app` on `ports`, with `args` after `playwright test`.
fn kit_suite(ports: &Ports, args: &[&str], record_dir: Option<&Path>) -> Output {
    let app = repo().join("examples/app");
    assert!(
        app.join("node_modules/@playwright/test").exists()
            && app.join("sdk-0.6/node_modules/@dfns/sdk").exists(),
        "run `npm ci --prefix examples/app && npm ci --prefix examples/app/sdk-0.6` (bash .ci/run does)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some(),
        "Chromium is not installed: `apt-get install -y chromium` (bash .ci/run does)"
    );
    let mut command = clean(Command::new(app.join("node_modules/.bin/playwright")));
    command
        .arg("test")
        .args(args)
        .current_dir(&app)
        .env("DFNS_MOCK_BIN", env!("CARGO_BIN_EXE_dfns-mock"))
        .env("DFNS_MOCK_URL", format!("http://127.0.0.1:{}", ports.0[0]))
        .env("APP_PORT", ports.0[1].to_string())
        .env("APP_PORT_SDK_0_6", ports.0[2].to_string());
    if let Some(dir) = record_dir {
        command.env("SAMPLE_APP_RECORD_DIR", dir);
    }
    command.output().expect("the Playwright runner starts")
}

/// Every file of `dir` by name, with its contents.
fn recorded(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("the run recorded its sessions")
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("a record"))
        })
        .collect()
}

#[test]
fn kit_suite_passes_twice_with_identical_recordings() {
    let _serial = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let (first, second) = (scratch.path().join("first"), scratch.path().join("second"));
    // The same ports both times: the issuer's URL (a token's `iss`) contains the port.
    let ports = Ports::free();
    for dir in [&first, &second] {
        let output = kit_suite(&ports, &["--workers", "4"], Some(dir));
        assert_passed(&output, KIT_TESTS, "the kit's suite");
    }
    let (first, second) = (recorded(&first), recorded(&second));
    assert_eq!(first.len(), KIT_TESTS as usize, "one record per test");
    for (name, contents) in &first {
        let other = second.get(name).map(String::as_str).unwrap_or_default();
        let differs = contents.lines().zip(other.lines()).find(|(a, b)| a != b);
        assert!(
            contents == other,
            "{name} differs between two frozen-clock runs: {differs:?}"
        );
    }
    let generated = first.values().filter(|c| c.contains("\"user.id\"")).count();
    assert!(generated >= 6, "only {generated} records hold a user id");
}

#[test]
fn kit_sessions_isolate_under_repeat_each() {
    let _serial = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let output = kit_suite(
        &Ports::free(),
        &[
            "--workers",
            "4",
            "--repeat-each",
            "3",
            "--grep",
            "@isolation",
            "--project",
            "sdk-0.8",
        ],
        None,
    );
    assert_passed(
        &output,
        ISOLATION_TESTS * 3,
        "the @isolation tests, repeated",
    );
}

#[test]
fn kit_types_check_with_tsc() {
    // examples/app/types/kit-usage.ts uses every public name of the kit's index.d.ts, and
    // `@ts-expect-error` lines that must stay errors.
    let app = repo().join("examples/app");
    let output = Command::new(app.join("node_modules/.bin/tsc"))
        .args(["-p", "."])
        .current_dir(&app)
        .output()
        .expect("tsc runs (npm ci --prefix examples/app)");
    assert!(
        output.status.success(),
        "tsc found errors\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// The fenced blocks of the README section `title`: (info string, body).
fn readme_blocks(title: &str) -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section `{title}`"));
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((info.to_string(), body.join("\n") + "\n"));
        }
    }
    blocks
}

#[test]
fn readme_playwright_snippet_runs_in_a_fresh_folder() {
    let _serial = ONE_RUN_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let blocks = readme_blocks("Use it in your Playwright suite");
    let folder = tempfile::tempdir().expect("a folder outside the repository");
    let project = folder.path();
    assert!(!project.starts_with(repo()));
    // The binary "installed" on the PATH, as `cargo install` would put it.
    let bin = project.join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_dfns-mock"), bin.join("dfns-mock")).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let app = project.join("app");
    std::fs::create_dir(&app).unwrap();
    let sh = |script: &str, bin: Option<&Path>| {
        let mut command = clean(Command::new("sh"));
        command
            .args(["-ec", script])
            .current_dir(&app)
            .env("PATH", &path)
            .env("CHROMIUM", "/usr/bin/chromium");
        if let Some(bin) = bin {
            command.env("DFNS_MOCK_BIN", bin);
        }
        command.output().expect("sh runs")
    };
    let run = |script: &str| {
        let output = sh(script, None);
        assert!(
            output.status.success(),
            "`{script}` failed\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    run("npm init -y >/dev/null");

    let mut files: Vec<PathBuf> = Vec::new();
    let mut installs = 0;
    for (info, body) in &blocks {
        match info.as_str() {
            // Install commands: the npm ones run here, with the placeholder replaced.
            "sh" => {
                for line in body.lines().filter(|l| l.starts_with("npm install ")) {
                    let repo = repo().to_str().expect("a UTF-8 path");
                    run(&line.replace("path/to/dfns-mock", repo));
                    installs += 1;
                }
            }
            // Files, named by their first line (`// playwright.config.ts`).
            "ts" => {
                let name = body
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("// "))
                    .expect("a ts block starts with `// <file name>`");
                let file = app.join(name);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, body).unwrap();
                files.push(file);
            }
            _ => {}
        }
    }
    assert_eq!(
        installs, 1,
        "the README installs the kit with one npm command"
    );
    assert!(
        files.iter().any(|f| f.ends_with("playwright.config.ts")) && files.len() >= 2,
        "the README gives a playwright.config.ts and a test: {files:?}"
    );
    let output = run("npx playwright test --workers 4");
    let tests = blocks
        .iter()
        .map(|(_, body)| body.matches("\ntest(").count() as u32)
        .sum();
    assert_passed(&output, tests, "the README's Playwright snippet");

    // Without the binary, the run stops and says how to get it.
    let output = sh(
        "npx playwright test --workers 4",
        Some(&project.join("missing/dfns-mock")),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("the dfns-mock binary was not found") && stderr.contains("cargo install"),
        "{stderr}"
    );
}
