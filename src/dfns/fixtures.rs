//! Pre-registered users from `fixtures/users.yaml`: every new session starts with them.
//! A user's id derives from the seed, org and email exactly as a social registration
//! with a token minted for that email would, so the two meet.

use std::path::Path;

use serde::Deserialize;

use crate::oidc::verify::BUILTIN_PROVIDER;
use crate::scenario::load::{without_position, Problem};
use crate::seed::Seed;
use crate::users::{Credential, CredentialData, CredentialKind, Factor, KeyPair, User, UserId};
use crate::webauthn::{CredentialKey, KeyDigest};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    users: Vec<FixtureUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FixtureUser {
    email: String,
    sub: Option<String>,
    org_id: Option<String>,
    #[serde(default)]
    credentials: Vec<FixtureCredential>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FixtureCredential {
    kind: String,
    name: Option<String>,
    cred_id: Option<String>,
    public_key: Option<String>,
    password: Option<String>,
    encrypted_private_key: Option<String>,
    #[serde(default)]
    second_factor: bool,
}

/// Parses the fixture users of `text`, the contents of `path` (a label for messages); their
/// credentials are dated `now`.
pub(crate) fn parse_users(
    path: &Path,
    text: &str,
    seed: &Seed,
    default_org: &str,
    now: i64,
) -> Result<Vec<User>, Problem> {
    let problem = |line: usize, column: usize, message: String| Problem {
        file: path.to_path_buf(),
        line,
        column,
        message,
    };
    let file: UsersFile = serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        problem(line, column, without_position(&e))
    })?;
    let at = |needle: &str, message: String| {
        let offset = text.find(needle).unwrap_or(0);
        let before = &text[..offset];
        problem(
            before.matches('\n').count() + 1,
            before.rsplit('\n').next().map_or(0, str::len) + 1,
            message,
        )
    };
    file.users
        .into_iter()
        .map(|fixture| {
            let org_id = fixture.org_id.unwrap_or_else(|| default_org.to_string());
            // The same subject `POST /oidc/token` derives for a bare email.
            let sub = fixture
                .sub
                .unwrap_or_else(|| seed.digits("subject", &[&fixture.email], 21));
            let id = UserId::derive(seed, &org_id, BUILTIN_PROVIDER, &sub);
            let credentials = fixture
                .credentials
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let Some(kind) = CredentialKind::parse(&c.kind) else {
                        return Err(at(
                            &c.kind,
                            format!(
                                "unknown credential kind `{}` (known: {})",
                                c.kind,
                                CredentialKind::names()
                            ),
                        ));
                    };
                    let needs = |what: &str| {
                        at(
                            &c.kind,
                            format!("{} credential of {} needs {what}", c.kind, fixture.email),
                        )
                    };
                    let pair = || {
                        let (Some(cred_id), Some(pem)) = (&c.cred_id, &c.public_key) else {
                            return Err(needs("credId and publicKey"));
                        };
                        let key = CredentialKey::from_spki_pem(pem)
                            .map_err(|e| at("publicKey", format!("{}: {e}", fixture.email)))?;
                        Ok(KeyPair {
                            cred_id: cred_id.clone(),
                            key,
                            digest: KeyDigest::Sha256,
                        })
                    };
                    let data = match kind {
                        CredentialKind::Fido2 => {
                            let KeyPair { cred_id, key, .. } = pair()?;
                            CredentialData::Fido2 {
                                cred_id,
                                key,
                                sign_count: 0,
                            }
                        }
                        CredentialKind::Key => CredentialData::Key(pair()?),
                        CredentialKind::PasswordProtectedKey => {
                            CredentialData::PasswordProtectedKey {
                                pair: pair()?,
                                encrypted_private_key: c
                                    .encrypted_private_key
                                    .clone()
                                    .ok_or_else(|| needs("encryptedPrivateKey"))?,
                            }
                        }
                        CredentialKind::RecoveryKey => CredentialData::RecoveryKey {
                            pair: pair()?,
                            encrypted_private_key: c.encrypted_private_key.clone(),
                        },
                        CredentialKind::Password => CredentialData::Password(
                            c.password.clone().ok_or_else(|| needs("password"))?,
                        ),
                        CredentialKind::Totp => CredentialData::Totp,
                    };
                    Ok(Credential {
                        uuid: seed.dfns_id("cr", &[&id, "fixture", &i.to_string()]),
                        name: c.name.unwrap_or_else(|| c.kind.clone()),
                        factor: if c.second_factor || kind == CredentialKind::Totp {
                            Factor::Second
                        } else {
                            Factor::First
                        },
                        active: true,
                        created: now,
                        data,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(User {
                id,
                username: fixture.email,
                org_id,
                credentials,
                wallets: Vec::new(),
            })
        })
        .collect()
}
