//! Wallets created by `registerEndUser`: deterministic `wa-…`/`key-…` ids, addresses and
//! public keys drawn from the seed. They look right and are stable; they hold no real keys.

use data_encoding::HEXLOWER;
use serde_json::{json, Value};

use super::DfnsApi;

/// Networks whose keys are Ed25519 (EdDSA); every other network gets secp256k1 (ECDSA).
const EDDSA_NETWORKS: &[&str] = &[
    "Solana",
    "SolanaDevnet",
    "Aptos",
    "AptosTestnet",
    "Sui",
    "SuiTestnet",
    "Algorand",
    "AlgorandTestnet",
    "Stellar",
    "StellarTestnet",
    "Near",
    "NearTestnet",
    "Polkadot",
    "Westend",
    "Tezos",
    "TezosGhostnet",
    "Ton",
    "TonTestnet",
    "Cardano",
    "CardanoPreprod",
];

impl DfnsApi {
    /// The `index`-th wallet of `user_id` on `network`.
    pub(crate) fn wallet(
        &self,
        user_id: &str,
        index: usize,
        network: &str,
        name: Option<&str>,
        now: i64,
    ) -> Value {
        let parts = [user_id, network, &index.to_string()];
        let key_bytes = self.seed.bytes("wallet-key", &parts);
        let eddsa = EDDSA_NETWORKS.contains(&network);
        let (scheme, curve, public_key) = if eddsa {
            ("EdDSA", "ed25519", hex(&key_bytes))
        } else {
            // A compressed secp256k1-shaped point: 0x02/0x03 prefix and 32 bytes.
            let prefix = if key_bytes[0] & 1 == 0 { "02" } else { "03" };
            ("ECDSA", "secp256k1", format!("{prefix}{}", hex(&key_bytes)))
        };
        let address = if eddsa {
            hex(&self.seed.bytes("wallet-address", &parts))
        } else {
            format!(
                "0x{}",
                hex(&self.seed.bytes("wallet-address", &parts)[..20])
            )
        };
        let mut wallet = json!({
            "id": self.seed.dfns_id("wa", &parts),
            "network": network,
            "address": address,
            "signingKey": {
                "id": self.seed.dfns_id("key", &parts),
                "scheme": scheme,
                "curve": curve,
                "publicKey": public_key,
            },
            "status": "Active",
            "dateCreated": crate::clock::rfc3339(now),
            "custodial": false,
            "tags": [],
        });
        if let Some(name) = name {
            wallet["name"] = json!(name);
        }
        wallet
    }
}

fn hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}
