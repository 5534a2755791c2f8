//! Wallets that hold real keys: the SDK's [`Network`] enum classified by key family, keys
//! derived from the seed and the wallet id, addresses as each chain writes them, and
//! signatures in the shape of the SDK's `signature` object. Knows nothing of HTTP or Dfns
//! sessions.
//!
//! - EVM networks: secp256k1, address `0x` ‖ EIP-55(Keccak-256(X‖Y)[12..]); `Hash` signs the
//!   32 bytes (ECDSA, low-s, with `recid`); `Message` and `Eip191` sign the EIP-191
//!   `personal_sign` digest.
//! - Ed25519 networks: `Hash` and `Message` sign the bytes as given; Solana, Aptos, Sui,
//!   Near, Stellar and Algorand have addresses.
//! - Other secp256k1 networks and `KeyECDSA`: `Hash` only (the Dfns docs: "ECDSA with
//!   secp256k1 … only support this kind"); Tron has an address.
//! - Networks without a family ([`Network::family`] is `None`) are refused: see
//!   [`network`].

mod address;
pub mod network;
mod wallet;

pub use network::Network;
pub use wallet::{SignRequest, Signature, Wallet};

/// `0x` ‖ the EIP-55 address of a secp256k1 key (to check recovered signers).
pub fn evm_address(public: &k256::ecdsa::VerifyingKey) -> String {
    address::eip55(&address::evm_account(public))
}

/// Why a wallet cannot be made or cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The network has no family the mock serves.
    #[error("wallets on `{0}` are not supported by the mock (its curve or scheme is not served)")]
    UnsupportedNetwork(Network),
    /// The signature kind is not available on the network (or not served at all).
    #[error("signature kind `{kind}` is not supported on `{network}`")]
    UnsupportedKind {
        /// The kind asked for.
        kind: String,
        /// The wallet's network.
        network: Network,
    },
    /// The payload is not hex.
    #[error("{0} must be hex encoded (an optional 0x prefix)")]
    NotHex(&'static str),
    /// A `Hash` that is not 32 bytes.
    #[error("hash must be 32 bytes, got {0}")]
    HashLength(usize),
}
