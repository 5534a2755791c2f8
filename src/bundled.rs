//! The fixtures (issuer keys, pre-registered users, the fixture passkey) and the scenario
//! library compiled into the binary, and the choice between them and a folder on disk.
//!
//! A folder wins when it exists: the configured path, or `fixtures/` and `scenarios/` in
//! the working directory by default. Without one the binary runs on what it carries, so it
//! works from any folder, in a `FROM scratch` image, or after `cargo install`. Owns no
//! parsing: readers get the text and a label for their error messages.

use std::fmt;
use std::path::{Path, PathBuf};

/// Files of `fixtures/`, by name, as compiled in.
pub const FIXTURES: &[(&str, &str)] = &[
    (
        "issuer-rs256.pem",
        include_str!("../fixtures/issuer-rs256.pem"),
    ),
    (
        "issuer-ed25519.pem",
        include_str!("../fixtures/issuer-ed25519.pem"),
    ),
    (
        "passkey-p256.pem",
        include_str!("../fixtures/passkey-p256.pem"),
    ),
    ("users.yaml", include_str!("../fixtures/users.yaml")),
];

/// Scenario files of `scenarios/`, by name, as compiled in (`schema.json` is no scenario).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "challenge-not-valid.yaml",
        include_str!("../scenarios/challenge-not-valid.yaml"),
    ),
    (
        "dropped-connection.yaml",
        include_str!("../scenarios/dropped-connection.yaml"),
    ),
    ("happy.yaml", include_str!("../scenarios/happy.yaml")),
    (
        "invalid-body.yaml",
        include_str!("../scenarios/invalid-body.yaml"),
    ),
    (
        "invalid-code.yaml",
        include_str!("../scenarios/invalid-code.yaml"),
    ),
    (
        "invalid-id-token.yaml",
        include_str!("../scenarios/invalid-id-token.yaml"),
    ),
    (
        "no-usable-credential.yaml",
        include_str!("../scenarios/no-usable-credential.yaml"),
    ),
    (
        "not-authorized.yaml",
        include_str!("../scenarios/not-authorized.yaml"),
    ),
    (
        "passkey-only.yaml",
        include_str!("../scenarios/passkey-only.yaml"),
    ),
    (
        "rate-limited.yaml",
        include_str!("../scenarios/rate-limited.yaml"),
    ),
    (
        "recovery-credential-refused.yaml",
        include_str!("../scenarios/recovery-credential-refused.yaml"),
    ),
    (
        "registration-code-expired.yaml",
        include_str!("../scenarios/registration-code-expired.yaml"),
    ),
    (
        "server-error.yaml",
        include_str!("../scenarios/server-error.yaml"),
    ),
    ("slow.yaml", include_str!("../scenarios/slow.yaml")),
    (
        "social-registration-disabled.yaml",
        include_str!("../scenarios/social-registration-disabled.yaml"),
    ),
    (
        "totp-second-factor.yaml",
        include_str!("../scenarios/totp-second-factor.yaml"),
    ),
    (
        "unknown-org.yaml",
        include_str!("../scenarios/unknown-org.yaml"),
    ),
    (
        "user-action-missing.yaml",
        include_str!("../scenarios/user-action-missing.yaml"),
    ),
    (
        "user-action-replayed.yaml",
        include_str!("../scenarios/user-action-replayed.yaml"),
    ),
    (
        "user-already-exists.yaml",
        include_str!("../scenarios/user-already-exists.yaml"),
    ),
    (
        "user-deactivated.yaml",
        include_str!("../scenarios/user-deactivated.yaml"),
    ),
    (
        "user-not-found.yaml",
        include_str!("../scenarios/user-not-found.yaml"),
    ),
    (
        "wallet-not-found.yaml",
        include_str!("../scenarios/wallet-not-found.yaml"),
    ),
];

/// Where a set of default files comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A folder on disk.
    Folder(PathBuf),
    /// The copy compiled into the binary (`files` is [`FIXTURES`] or [`SCENARIOS`]).
    Bundled {
        /// What the set is called in labels: `fixtures` or `scenarios`.
        set: &'static str,
        /// The files, by name.
        files: &'static [(&'static str, &'static str)],
    },
}

/// A configured folder that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {} is not a directory", path.display())]
pub struct MissingFolder {
    /// The setting (`fixtures` or `scenarios`).
    pub key: &'static str,
    /// The configured path.
    pub path: PathBuf,
}

impl Origin {
    /// The fixtures in use: `configured` when it is a folder, else the bundled ones when
    /// `configured` is the default, else an error (a configured folder must exist).
    pub fn fixtures(configured: &Path) -> Result<Origin, MissingFolder> {
        Origin::resolve("fixtures", configured, FIXTURES)
    }

    /// The scenario library in use, chosen as [`Origin::fixtures`] chooses.
    pub fn scenarios(configured: &Path) -> Result<Origin, MissingFolder> {
        Origin::resolve("scenarios", configured, SCENARIOS)
    }

    fn resolve(
        set: &'static str,
        configured: &Path,
        files: &'static [(&'static str, &'static str)],
    ) -> Result<Origin, MissingFolder> {
        if configured.is_dir() {
            Ok(Origin::Folder(configured.to_path_buf()))
        } else if configured == Path::new(set) {
            Ok(Origin::Bundled { set, files })
        } else {
            Err(MissingFolder {
                key: set,
                path: configured.to_path_buf(),
            })
        }
    }

    /// The label of `file` in messages: its path, or `bundled:SET/FILE`.
    pub fn label(&self, file: &str) -> PathBuf {
        match self {
            Origin::Folder(dir) => dir.join(file),
            Origin::Bundled { set, .. } => PathBuf::from(format!("bundled:{set}")).join(file),
        }
    }

    /// The text of `file`, `None` when the set has no such file.
    pub fn read(&self, file: &str) -> std::io::Result<Option<String>> {
        match self {
            Origin::Folder(dir) => match std::fs::read_to_string(dir.join(file)) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Origin::Bundled { files, .. } => Ok(files
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, text)| text.to_string())),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Folder(dir) => write!(f, "{}", dir.display()),
            Origin::Bundled { .. } => f.write_str("bundled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &str, skip: &[&str]) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !skip.contains(&n.as_str()))
                .collect();
        names.sort();
        names
    }

    #[test]
    fn every_file_of_the_repository_folders_is_compiled_in() {
        let listed = |files: &[(&str, &str)]| -> Vec<String> {
            let mut v: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(listed(FIXTURES), names("fixtures", &[]));
        assert_eq!(listed(SCENARIOS), names("scenarios", &["schema.json"]));
    }

    #[test]
    fn a_missing_default_folder_means_bundled_and_a_missing_configured_one_is_an_error() {
        let empty = tempfile::tempdir().unwrap();
        let origin = Origin::scenarios(Path::new("scenarios"));
        // The unit tests run in the repository, where the folder exists.
        assert_eq!(origin.unwrap(), Origin::Folder(PathBuf::from("scenarios")));
        let missing = empty.path().join("nope");
        let err = Origin::fixtures(&missing).unwrap_err();
        assert!(err.to_string().starts_with("fixtures: "), "{err}");
        let bundled = Origin::Bundled {
            set: "fixtures",
            files: FIXTURES,
        };
        assert!(bundled
            .read("users.yaml")
            .unwrap()
            .unwrap()
            .contains("users:"));
        assert_eq!(bundled.read("nope.yaml").unwrap(), None);
        assert_eq!(
            bundled.label("users.yaml"),
            PathBuf::from("bundled:fixtures/users.yaml")
        );
    }
}
