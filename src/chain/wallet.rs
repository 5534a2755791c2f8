//! A wallet: its derived key, public key, address and signatures.

use data_encoding::{HEXLOWER, HEXLOWER_PERMISSIVE};
use ed25519_dalek::Signer as _;
use serde::Serialize;
use sha3::{Digest, Keccak256};

use super::network::{Curve, Family, Network};
use super::{address, ChainError};
use crate::seed::Seed;

/// A wallet's private key.
#[derive(Clone)]
pub enum WalletKey {
    /// secp256k1 (ECDSA).
    Secp256k1(k256::ecdsa::SigningKey),
    /// Ed25519 (EdDSA).
    Ed25519(ed25519_dalek::SigningKey),
}

impl std::fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WalletKey({}, {})",
            self.curve().as_str(),
            self.public_key_hex()
        )
    }
}

impl WalletKey {
    /// The key of `wallet_id` on `curve`: HMAC-SHA256 of the seed over
    /// (`wallet-key`, curve, wallet id, counter), the counter moving on in the (negligible)
    /// case of bytes that are not a secp256k1 scalar.
    pub fn derive(seed: &Seed, wallet_id: &str, curve: Curve) -> WalletKey {
        let bytes = |i: u32| seed.bytes("wallet-key", &[curve.as_str(), wallet_id, &i.to_string()]);
        match curve {
            Curve::Ed25519 => WalletKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&bytes(0))),
            Curve::Secp256k1 => WalletKey::Secp256k1(
                (0..)
                    .find_map(|i| k256::ecdsa::SigningKey::from_slice(&bytes(i)).ok())
                    .expect("some HMAC output is a valid scalar"),
            ),
        }
    }

    /// The key's curve.
    pub fn curve(&self) -> Curve {
        match self {
            WalletKey::Secp256k1(_) => Curve::Secp256k1,
            WalletKey::Ed25519(_) => Curve::Ed25519,
        }
    }

    /// `signingKey.publicKey`: hex of the 33-byte compressed point (secp256k1) or of the
    /// 32-byte key (Ed25519), no `0x`.
    pub fn public_key_hex(&self) -> String {
        match self {
            WalletKey::Secp256k1(k) => {
                HEXLOWER.encode(k.verifying_key().to_encoded_point(true).as_bytes())
            }
            WalletKey::Ed25519(k) => HEXLOWER.encode(k.verifying_key().as_bytes()),
        }
    }

    /// ECDSA over a 32-byte digest (no further hashing), low-s, with the recovery id.
    fn sign_digest(key: &k256::ecdsa::SigningKey, digest: &[u8]) -> Signature {
        let (signature, recid) = key
            .sign_prehash_recoverable(digest)
            .expect("a 32-byte digest signs");
        let bytes = signature.to_bytes();
        let recid = recid.to_byte();
        let mut encoded = bytes.to_vec();
        encoded.push(27 + recid);
        Signature {
            r: format!("0x{}", HEXLOWER.encode(&bytes[..32])),
            s: format!("0x{}", HEXLOWER.encode(&bytes[32..])),
            recid: Some(recid),
            encoded: format!("0x{}", HEXLOWER.encode(&encoded)),
        }
    }

    fn sign_ed25519(key: &ed25519_dalek::SigningKey, message: &[u8]) -> Signature {
        let bytes = key.sign(message).to_bytes();
        Signature {
            r: format!("0x{}", HEXLOWER.encode(&bytes[..32])),
            s: format!("0x{}", HEXLOWER.encode(&bytes[32..])),
            recid: None,
            encoded: format!("0x{}", HEXLOWER.encode(&bytes)),
        }
    }
}

/// What to sign, as the `kind` of a signature request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignRequest {
    /// `Hash`: a 32-byte digest signed as is.
    Hash(Vec<u8>),
    /// `Message`: arbitrary bytes (EIP-191 on EVM networks, raw on Ed25519 ones).
    Message(Vec<u8>),
    /// `Eip191`: the same as `Message` on EVM networks, and only there.
    Eip191(Vec<u8>),
}

impl SignRequest {
    /// A request of `kind` (`Hash`, `Message` or `Eip191`) over hex `payload` (`0x`
    /// optional, either case). Other kinds are [`ChainError::UnsupportedKind`].
    pub fn parse(kind: &str, payload: &str, network: Network) -> Result<SignRequest, ChainError> {
        let field = if kind == "Hash" { "hash" } else { "message" };
        let decode = || {
            let hex = payload.strip_prefix("0x").unwrap_or(payload);
            HEXLOWER_PERMISSIVE
                .decode(hex.as_bytes())
                .map_err(|_| ChainError::NotHex(field))
        };
        match kind {
            "Hash" => decode().map(SignRequest::Hash),
            "Message" => decode().map(SignRequest::Message),
            "Eip191" => decode().map(SignRequest::Eip191),
            other => Err(ChainError::UnsupportedKind {
                kind: other.to_string(),
                network,
            }),
        }
    }

    /// The SDK's name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            SignRequest::Hash(_) => "Hash",
            SignRequest::Message(_) => "Message",
            SignRequest::Eip191(_) => "Eip191",
        }
    }
}

/// The SDK's `signature` object: `r`, `s` as `0x` hex of 32 bytes; for secp256k1 `recid`
/// and `encoded` = `0x` ‖ r ‖ s ‖ (27 + recid); for Ed25519 `encoded` = `0x` ‖ the 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
/// Fields in the order of their names, the order the answer is written in.
pub struct Signature {
    /// The whole signature.
    pub encoded: String,
    /// First half (ECDSA r, Ed25519 R).
    pub r: String,
    /// ECDSA recovery id (0 or 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recid: Option<u8>,
    /// Second half (ECDSA s, Ed25519 S).
    pub s: String,
}

/// A wallet on a network, with its key.
#[derive(Debug, Clone)]
pub struct Wallet {
    /// The network.
    pub network: Network,
    /// The network's family.
    pub family: Family,
    /// The key.
    pub key: WalletKey,
}

impl Wallet {
    /// The wallet `wallet_id` on `network`, its key derived from `seed` and the id.
    pub fn derive(seed: &Seed, wallet_id: &str, network: Network) -> Result<Wallet, ChainError> {
        let family = network
            .family()
            .ok_or(ChainError::UnsupportedNetwork(network))?;
        Ok(Wallet {
            network,
            family,
            key: WalletKey::derive(seed, wallet_id, family.curve()),
        })
    }

    /// The address, if the network has one the mock derives (never for pseudo networks).
    pub fn address(&self) -> Option<String> {
        match (&self.key, self.family) {
            (WalletKey::Secp256k1(k), Family::Evm) => Some(super::evm_address(k.verifying_key())),
            (WalletKey::Secp256k1(k), Family::Secp256k1(Some(format))) => {
                address::secp256k1(format, k.verifying_key())
            }
            (WalletKey::Ed25519(k), Family::Ed25519(Some(format))) => {
                address::ed25519(format, k.verifying_key().as_bytes())
            }
            _ => None,
        }
    }

    /// Signs `request` as the network does, or says why it cannot.
    pub fn sign(&self, request: &SignRequest) -> Result<Signature, ChainError> {
        if let SignRequest::Hash(hash) = request {
            if hash.len() != 32 {
                return Err(ChainError::HashLength(hash.len()));
            }
        }
        let unsupported = || ChainError::UnsupportedKind {
            kind: request.kind().to_string(),
            network: self.network,
        };
        match (&self.key, request) {
            (WalletKey::Secp256k1(k), SignRequest::Hash(hash)) => {
                Ok(WalletKey::sign_digest(k, hash))
            }
            (WalletKey::Secp256k1(k), SignRequest::Message(m) | SignRequest::Eip191(m))
                if self.family == Family::Evm =>
            {
                Ok(WalletKey::sign_digest(k, &eip191_digest(m)))
            }
            (WalletKey::Ed25519(k), SignRequest::Hash(bytes) | SignRequest::Message(bytes)) => {
                Ok(WalletKey::sign_ed25519(k, bytes))
            }
            _ => Err(unsupported()),
        }
    }
}

/// Keccak-256 of `"\x19Ethereum Signed Message:\n"` ‖ decimal length ‖ message (EIP-191
/// version `0x45`, `personal_sign`).
pub fn eip191_digest(message: &[u8]) -> [u8; 32] {
    Keccak256::new()
        .chain_update(format!("\x19Ethereum Signed Message:\n{}", message.len()))
        .chain_update(message)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier as _;

    fn unhex(s: &str) -> Vec<u8> {
        HEXLOWER_PERMISSIVE
            .decode(s.trim_start_matches("0x").as_bytes())
            .unwrap()
    }

    #[test]
    fn eip191_digest_of_the_docs_message() {
        // "I love Dfns", the docs' example message: digest from an independent JavaScript
        // Keccak (the spec's scratch/evm.js); "Hello World": the ethers docs' hashMessage example.
        assert_eq!(
            HEXLOWER.encode(&eip191_digest(&unhex("0x49206c6f76652044666e73"))),
            "3a823776bcb21889b390e41a05c2c65dbac2436c34af65a399c4ab853d923d40"
        );
        assert_eq!(
            HEXLOWER.encode(&eip191_digest(b"Hello World")),
            "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2"
        );
    }

    #[test]
    fn keys_are_deterministic_per_seed_wallet_and_curve() {
        let seed = Seed::new("s");
        let a = Wallet::derive(&seed, "wa-1", Network::Ethereum).unwrap();
        let again = Wallet::derive(&Seed::new("s"), "wa-1", Network::Polygon).unwrap();
        assert_eq!(a.key.public_key_hex(), again.key.public_key_hex());
        assert_eq!(a.address(), again.address());
        let other_id = Wallet::derive(&seed, "wa-2", Network::Ethereum).unwrap();
        let other_seed = Wallet::derive(&Seed::new("t"), "wa-1", Network::Ethereum).unwrap();
        assert_ne!(a.key.public_key_hex(), other_id.key.public_key_hex());
        assert_ne!(a.key.public_key_hex(), other_seed.key.public_key_hex());
        let ed = Wallet::derive(&seed, "wa-1", Network::Solana).unwrap();
        assert_eq!(ed.key.public_key_hex().len(), 64);
        let pk = a.key.public_key_hex();
        assert!(
            pk.len() == 66 && (pk.starts_with("02") || pk.starts_with("03")),
            "{pk}"
        );
        // Same request, same signature (RFC 6979 and Ed25519 are deterministic).
        let request = SignRequest::Message(b"hi".to_vec());
        assert_eq!(a.sign(&request), again.sign(&request));
    }

    #[test]
    fn evm_message_signatures_recover_to_the_wallet_address() {
        for id in ["wa-1", "wa-2", "wa-3", "wa-4", "wa-5", "wa-6"] {
            let wallet = Wallet::derive(&Seed::new("s"), id, Network::EthereumSepolia).unwrap();
            let address = wallet.address().unwrap();
            let message = unhex("0x49206c6f76652044666e73");
            for request in [
                SignRequest::Message(message.clone()),
                SignRequest::Eip191(message.clone()),
                SignRequest::Hash(eip191_digest(&message).to_vec()),
            ] {
                let sig = wallet.sign(&request).unwrap();
                let encoded = unhex(&sig.encoded);
                assert_eq!(encoded.len(), 65);
                assert_eq!(&encoded[..32], unhex(&sig.r).as_slice());
                assert_eq!(&encoded[32..64], unhex(&sig.s).as_slice());
                let recid = sig.recid.unwrap();
                assert_eq!(encoded[64], 27 + recid);
                let parsed = k256::ecdsa::Signature::from_slice(&encoded[..64]).unwrap();
                assert!(parsed.normalize_s().is_none(), "s is low");
                let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
                    &eip191_digest(&message),
                    &parsed,
                    k256::ecdsa::RecoveryId::from_byte(recid).unwrap(),
                )
                .unwrap();
                assert_eq!(super::super::evm_address(&recovered), address);
            }
        }
    }

    #[test]
    fn hash_signatures_on_key_ecdsa_verify_and_messages_are_refused() {
        let wallet = Wallet::derive(&Seed::new("s"), "wa-k", Network::KeyECDSA).unwrap();
        assert_eq!(wallet.address(), None);
        let hash = [7u8; 32];
        let sig = wallet.sign(&SignRequest::Hash(hash.to_vec())).unwrap();
        let WalletKey::Secp256k1(key) = &wallet.key else {
            panic!("secp256k1")
        };
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        let parsed = k256::ecdsa::Signature::from_slice(&unhex(&sig.encoded)[..64]).unwrap();
        key.verifying_key().verify_prehash(&hash, &parsed).unwrap();
        assert_eq!(
            wallet.sign(&SignRequest::Message(vec![1])),
            Err(ChainError::UnsupportedKind {
                kind: "Message".into(),
                network: Network::KeyECDSA
            })
        );
        assert_eq!(
            wallet.sign(&SignRequest::Hash(vec![1; 31])),
            Err(ChainError::HashLength(31))
        );
    }

    #[test]
    fn ed25519_signatures_verify_and_eip191_is_refused() {
        let wallet = Wallet::derive(&Seed::new("s"), "wa-sol", Network::Solana).unwrap();
        let address = wallet.address().unwrap();
        let public = bs58::decode(&address).into_vec().unwrap();
        assert_eq!(HEXLOWER.encode(&public), wallet.key.public_key_hex());
        let public = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
        for request in [
            SignRequest::Message(b"I love Dfns".to_vec()),
            SignRequest::Hash(vec![9; 32]),
        ] {
            let sig = wallet.sign(&request).unwrap();
            assert_eq!(sig.recid, None);
            let bytes: [u8; 64] = unhex(&sig.encoded).try_into().unwrap();
            assert_eq!(format!("{}{}", sig.r, &sig.s[2..]), sig.encoded);
            let (SignRequest::Message(m) | SignRequest::Hash(m)) = &request else {
                unreachable!()
            };
            public
                .verify(m, &ed25519_dalek::Signature::from_bytes(&bytes))
                .unwrap();
        }
        assert!(matches!(
            wallet.sign(&SignRequest::Eip191(vec![1])),
            Err(ChainError::UnsupportedKind { .. })
        ));
    }

    /// The spec's Ed25519 vector (seed 0x01‥0x20, computed with Node's crypto.sign).
    #[test]
    fn ed25519_signature_vector() {
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8 + 1);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let sig = WalletKey::sign_ed25519(&key, b"I love Dfns");
        assert_eq!(
            sig.encoded,
            "0x551a4565c7eb0d72f1511698d1796ae95cdfc5f8bbbc24665ef0a8e5d84e8b456952088fe298249cf0d590e780c52bbbecab80016cadd5e643fef9f8b6c9840a"
        );
    }

    #[test]
    fn requests_parse_hex_with_or_without_0x_and_refuse_other_kinds() {
        let n = Network::Ethereum;
        assert_eq!(
            SignRequest::parse("Message", "0x49AB", n),
            Ok(SignRequest::Message(vec![0x49, 0xab]))
        );
        assert_eq!(
            SignRequest::parse("Hash", "49ab", n),
            Ok(SignRequest::Hash(vec![0x49, 0xab]))
        );
        assert_eq!(
            SignRequest::parse("Hash", "0xzz", n),
            Err(ChainError::NotHex("hash"))
        );
        assert!(matches!(
            SignRequest::parse("Transaction", "00", n),
            Err(ChainError::UnsupportedKind { .. })
        ));
    }

    #[test]
    fn refused_networks_make_no_wallet() {
        let err = Wallet::derive(&Seed::new("s"), "wa", Network::Starknet).unwrap_err();
        assert_eq!(err, ChainError::UnsupportedNetwork(Network::Starknet));
        assert!(err.to_string().contains("Starknet"));
    }

    #[test]
    fn every_served_network_has_a_key_and_the_expected_address_presence() {
        for &network in Network::ALL {
            let Ok(wallet) = Wallet::derive(&Seed::new("s"), "wa", network) else {
                assert_eq!(network.family(), None);
                continue;
            };
            let has_address = matches!(
                wallet.family,
                Family::Evm | Family::Secp256k1(Some(_)) | Family::Ed25519(Some(_))
            );
            assert_eq!(wallet.address().is_some(), has_address, "{network}");
            assert!(!(network.is_pseudo() && has_address));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn every_evm_wallet_signs_what_recovers_to_its_checksummed_address(
            wallet_id in "wa-[a-z0-9]{1,20}",
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let wallet = Wallet::derive(&Seed::new("p"), &wallet_id, Network::Ethereum).unwrap();
            let address = wallet.address().unwrap();
            // EIP-55 round trip: the hex is the account, only the letters' case changes.
            let account = unhex(&address.to_lowercase());
            proptest::prop_assert_eq!(account.len(), 20);
            proptest::prop_assert_eq!(
                address::eip55(&account.clone().try_into().unwrap()),
                address.clone()
            );
            let sig = wallet.sign(&SignRequest::Message(message.clone())).unwrap();
            let encoded = unhex(&sig.encoded);
            let parsed = k256::ecdsa::Signature::from_slice(&encoded[..64]).unwrap();
            let recovered = k256::ecdsa::VerifyingKey::recover_from_prehash(
                &eip191_digest(&message),
                &parsed,
                k256::ecdsa::RecoveryId::from_byte(sig.recid.unwrap()).unwrap(),
            )
            .unwrap();
            proptest::prop_assert_eq!(super::super::evm_address(&recovered), address);
        }

        #[test]
        fn every_solana_wallet_signs_what_verifies_against_its_base58_address(
            wallet_id in "wa-[a-z0-9]{1,20}",
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let wallet = Wallet::derive(&Seed::new("p"), &wallet_id, Network::Solana).unwrap();
            let public: [u8; 32] = bs58::decode(wallet.address().unwrap())
                .into_vec()
                .unwrap()
                .try_into()
                .unwrap();
            proptest::prop_assert_eq!(HEXLOWER.encode(&public), wallet.key.public_key_hex());
            let sig = wallet.sign(&SignRequest::Message(message.clone())).unwrap();
            let key = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
            let signature = ed25519_dalek::Signature::from_slice(&unhex(&sig.encoded)).unwrap();
            proptest::prop_assert!(key.verify(&message, &signature).is_ok());
        }
    }
}
