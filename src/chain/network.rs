//! The `Network` values of the official SDK (`@dfns/sdk@0.8.21`, `generated/wallets/types.d.ts`:
//! 130 networks and the pseudo networks `KeyECDSA`, `KeyEdDSA`, `KeyECDSAStark`), each with the
//! key family the mock gives its wallets.
//!
//! Neither the SDK nor the Dfns docs have a network → curve table: the families below are the
//! mock's classification from well-known chain facts. Where a network's curve or signature
//! scheme is not one the mock serves (the Stark curve, Kaspa's Schnorr) or is not known with
//! confidence (Hedera, the Internet Computer, Origyn, Areum, Tsc), [`Network::family`] is `None`
//! and wallets on it are refused.

use serde::{Deserialize, Serialize};

/// An elliptic curve of a wallet key, spelt as in `signingKey.curve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Curve {
    /// secp256k1, signed with ECDSA.
    #[serde(rename = "secp256k1")]
    Secp256k1,
    /// Ed25519, signed with EdDSA.
    #[serde(rename = "ed25519")]
    Ed25519,
}

impl Curve {
    /// `signingKey.curve`.
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::Secp256k1 => "secp256k1",
            Curve::Ed25519 => "ed25519",
        }
    }

    /// `signingKey.scheme`: `ECDSA` or `EdDSA`.
    pub fn scheme(self) -> &'static str {
        match self {
            Curve::Secp256k1 => "ECDSA",
            Curve::Ed25519 => "EdDSA",
        }
    }
}

/// How a network other than an EVM one writes an address (see [`super::address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFormat {
    /// Base58Check of `0x41` ‖ the last 20 bytes of Keccak-256 of the uncompressed point.
    Tron,
    /// Base58 of the public key.
    Solana,
    /// `0x` ‖ hex SHA3-256(public key ‖ `0x00`).
    Aptos,
    /// `0x` ‖ hex BLAKE2b-256(`0x00` ‖ public key).
    Sui,
    /// Hex of the public key (an implicit account).
    Near,
    /// StrKey `G…`: base32 of `0x30` ‖ public key ‖ CRC16-XModem (little endian).
    Stellar,
    /// Base32 (unpadded) of public key ‖ the last 4 bytes of SHA-512/256(public key).
    Algorand,
}

/// The kind of key a network's wallets have and what the mock derives and signs for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// An EVM network: secp256k1, EIP-55 address, `Message`/`Eip191` signed as EIP-191.
    Evm,
    /// secp256k1 on a non-EVM chain (or `KeyECDSA`): `Hash` signing only; an address only
    /// where the format is known to the mock.
    Secp256k1(Option<AddressFormat>),
    /// Ed25519 (or `KeyEdDSA`): `Hash` and `Message` sign the bytes as given; an address only
    /// where the format is known to the mock.
    Ed25519(Option<AddressFormat>),
}

impl Family {
    /// The key's curve.
    pub fn curve(self) -> Curve {
        match self {
            Family::Evm | Family::Secp256k1(_) => Curve::Secp256k1,
            Family::Ed25519(_) => Curve::Ed25519,
        }
    }
}

const EVM: Option<Family> = Some(Family::Evm);
const SECP256K1: Option<Family> = Some(Family::Secp256k1(None));
const ED25519: Option<Family> = Some(Family::Ed25519(None));
const fn secp256k1(format: AddressFormat) -> Option<Family> {
    Some(Family::Secp256k1(Some(format)))
}
const fn ed25519(format: AddressFormat) -> Option<Family> {
    Some(Family::Ed25519(Some(format)))
}

macro_rules! networks {
    ($($family:expr => [$($name:ident),* $(,)?]),* $(,)?) => {
        /// A network of the SDK's enum. Serde refuses any other value.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Network {
            $($($name,)*)*
        }

        impl Network {
            /// Every value, pseudo networks included.
            pub const ALL: &'static [Network] = &[$($(Network::$name,)*)*];

            /// The key family of the network's wallets; `None` when the mock refuses them.
            pub fn family(self) -> Option<Family> {
                match self {
                    $($(Network::$name)|* => $family,)*
                }
            }

            /// The SDK's spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(Network::$name => stringify!($name),)*)*
                }
            }
        }
    };
}

networks! {
    EVM => [
        ArbitrumOne, ArbitrumGoerli, ArbitrumSepolia, ArcTestnet, AvalancheC, AvalancheCFuji,
        Adi, AdiTestnet, AdiTestnetAb, Base, BaseGoerli, BaseSepolia, Berachain, BerachainBArtio,
        BerachainBepolia, BesuTestnet, Bob, BobSepolia, Bsc, BscTestnet, Celo, CeloAlfajores,
        Codex, CodexSepolia, Ethereum, EthereumClassic, EthereumClassicMordor, EthereumGoerli,
        EthereumSepolia, EthereumHolesky, EthereumHoodi, FantomOpera, FantomTestnet, FlareC,
        FlareCCoston2, FlowEvm, FlowEvmTestnet, Ink, InkSepolia, Optimism, OptimismGoerli,
        OptimismSepolia, Plasma, PlasmaTestnet, Plume, PlumeSepolia, Polygon, PolygonAmoy,
        PolygonMumbai, Race, RaceSepolia, Sonic, SonicTestnet, Tempo, TempoAndantino,
        TempoModerato, Xdc, XdcApothem, XLayer, XLayerSepolia,
    ],
    // Bitcoin-style, XRPL, Cosmos-SDK chains (Sei is named by its Cosmos chain ids).
    SECP256K1 => [
        Bitcoin, BitcoinSignet, BitcoinTestnet3, BitcoinTestnet4, BitcoinCash, BitcoinCashTestnet,
        Litecoin, LitecoinTestnet, Dogecoin, DogecoinTestnet, XrpLedger, XrpLedgerTestnet,
        CosmosHub4, CosmosIcsTestnet, BabylonGenesis, BabylonTestnet5, SeiAtlantic2, SeiPacific1,
        KeyECDSA,
    ],
    secp256k1(AddressFormat::Tron) => [Tron, TronNile],
    ED25519 => [
        Polkadot, PolkadotAssetHub, Kusama, KusamaAssetHub, Westend, WestendAssetHub, Paseo,
        PaseoAssetHub, Polymesh, PolymeshTestnet, Tezos, TezosGhostnet, TezosShadownet, Ton,
        TonTestnet, Ion, IonTestnet, Cardano, CardanoPreprod, Iota, IotaTestnet, IotaZodianet,
        Concordium, ConcordiumTestnet, Canton, CantonDevnet, CantonTestnet, KeyEdDSA,
    ],
    ed25519(AddressFormat::Solana) => [Solana, SolanaDevnet],
    ed25519(AddressFormat::Aptos) => [Aptos, AptosTestnet],
    ed25519(AddressFormat::Sui) => [Sui, SuiTestnet],
    ed25519(AddressFormat::Near) => [Near, NearTestnet],
    ed25519(AddressFormat::Stellar) => [Stellar, StellarTestnet],
    ed25519(AddressFormat::Algorand) => [Algorand, AlgorandTestnet],
    // Stark curve, Schnorr, or a curve the mock cannot tell with confidence.
    None => [
        Starknet, StarknetSepolia, KeyECDSAStark, Kaspa, KaspaTestnet11, Hedera, HederaTestnet,
        InternetComputer, Origyn, Areum, Tsc, TscTestnet1,
    ],
}

#[cfg(test)]
impl Network {
    /// `KeyECDSA`, `KeyEdDSA` or `KeyECDSAStark`: a bare key, no address.
    pub fn is_pseudo(self) -> bool {
        matches!(
            self,
            Network::KeyECDSA | Network::KeyEdDSA | Network::KeyECDSAStark
        )
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's union, copied from its type declarations.
    const SDK_UNION: &str = include_str!("../../tests/fixtures/sdk-networks.txt");

    #[test]
    fn the_enum_is_exactly_the_sdk_union() {
        let union = SDK_UNION
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<String>();
        let sdk: Vec<&str> = regex::Regex::new(r#""([A-Za-z0-9]+)""#)
            .unwrap()
            .captures_iter(&union)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(sdk.len(), 133);
        let mut ours: Vec<&str> = Network::ALL.iter().map(|n| n.as_str()).collect();
        let mut sdk_sorted = sdk.clone();
        ours.sort_unstable();
        sdk_sorted.sort_unstable();
        assert_eq!(ours, sdk_sorted);
        for name in sdk {
            let network: Network = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(serde_json::to_value(network).unwrap(), name);
        }
    }

    #[test]
    fn unknown_values_are_refused_by_serde() {
        for bad in ["NotANetwork", "ethereum", "", "Key"] {
            let err = serde_json::from_value::<Network>(serde_json::json!(bad)).unwrap_err();
            assert!(err.to_string().contains("unknown variant"), "{err}");
        }
    }

    #[test]
    fn families() {
        assert_eq!(Network::EthereumSepolia.family(), Some(Family::Evm));
        assert_eq!(
            Network::Solana.family(),
            Some(Family::Ed25519(Some(AddressFormat::Solana)))
        );
        assert_eq!(Network::KeyEdDSA.family(), Some(Family::Ed25519(None)));
        assert_eq!(Network::KeyECDSA.family(), Some(Family::Secp256k1(None)));
        assert_eq!(Network::Bitcoin.family().unwrap().curve(), Curve::Secp256k1);
        assert_eq!(Network::Starknet.family(), None);
        assert_eq!(Network::KeyECDSAStark.family(), None);
        assert!(Network::KeyECDSA.is_pseudo() && !Network::Ethereum.is_pseudo());
        let refused = Network::ALL.iter().filter(|n| n.family().is_none()).count();
        assert_eq!(refused, 12);
    }
}
