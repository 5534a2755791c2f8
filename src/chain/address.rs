//! Addresses from public keys, as each chain writes them.

use blake2::digest::consts::U32;
use blake2::Blake2b;
use data_encoding::{BASE32_NOPAD, HEXLOWER};
use sha2::{Digest, Sha512_256};
use sha3::{Keccak256, Sha3_256};

use super::network::AddressFormat;

/// The 20-byte Ethereum account of a secp256k1 key: the last 20 bytes of Keccak-256 of the
/// uncompressed point without its `0x04` prefix.
pub fn evm_account(public: &k256::ecdsa::VerifyingKey) -> [u8; 20] {
    let point = public.to_encoded_point(false);
    let hash = Keccak256::digest(&point.as_bytes()[1..]);
    hash[12..].try_into().expect("20 bytes")
}

/// `0x` ‖ the EIP-55 mixed-case checksum encoding of a 20-byte account.
pub fn eip55(account: &[u8; 20]) -> String {
    let lower = HEXLOWER.encode(account);
    let hash = Keccak256::digest(lower.as_bytes());
    let mixed: String = lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    format!("0x{mixed}")
}

/// The address of a secp256k1 key in `format` (only Tron's is secp256k1).
pub fn secp256k1(format: AddressFormat, public: &k256::ecdsa::VerifyingKey) -> Option<String> {
    match format {
        AddressFormat::Tron => {
            let mut payload = vec![0x41];
            payload.extend_from_slice(&evm_account(public));
            Some(bs58::encode(payload).with_check().into_string())
        }
        _ => None,
    }
}

/// The address of an Ed25519 key in `format` (every format but Tron's).
pub fn ed25519(format: AddressFormat, public: &[u8; 32]) -> Option<String> {
    match format {
        AddressFormat::Tron => None,
        AddressFormat::Solana => Some(bs58::encode(public).into_string()),
        AddressFormat::Aptos => {
            let hash = Sha3_256::new().chain_update(public).chain_update([0u8]);
            Some(format!("0x{}", HEXLOWER.encode(&hash.finalize())))
        }
        AddressFormat::Sui => {
            let hash = Blake2b::<U32>::new()
                .chain_update([0u8])
                .chain_update(public);
            Some(format!("0x{}", HEXLOWER.encode(&hash.finalize())))
        }
        AddressFormat::Near => Some(HEXLOWER.encode(public)),
        AddressFormat::Stellar => {
            let mut payload = vec![6 << 3]; // version byte of an account id: `G`
            payload.extend_from_slice(public);
            let crc = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM).checksum(&payload);
            payload.extend_from_slice(&crc.to_le_bytes());
            Some(BASE32_NOPAD.encode(&payload))
        }
        AddressFormat::Algorand => {
            let mut payload = public.to_vec();
            payload.extend_from_slice(&Sha512_256::digest(public)[28..]);
            Some(BASE32_NOPAD.encode(&payload))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vectors of EIP-55 itself.
    #[test]
    fn eip55_vectors() {
        for address in [
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
            "0xde709f2102306220921060314715629080e2fb77",
            "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let bytes = data_encoding::HEXLOWER_PERMISSIVE
                .decode(&address.as_bytes()[2..])
                .unwrap();
            assert_eq!(eip55(&bytes.try_into().unwrap()), address);
        }
    }

    /// The EIP-155 example key (32 × `0x46`) and its well-known address; Tron's form of the
    /// same account checked with Python's hashlib (double SHA-256, base58).
    #[test]
    fn secp256k1_addresses() {
        let key = k256::ecdsa::SigningKey::from_slice(&[0x46; 32]).unwrap();
        let public = key.verifying_key();
        assert_eq!(
            eip55(&evm_account(public)),
            "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
        );
        assert_eq!(
            secp256k1(AddressFormat::Tron, public).unwrap(),
            "TQLCsShbQNXMTVCjprY64qZmEA4rBarpQp"
        );
        assert_eq!(secp256k1(AddressFormat::Solana, public), None);
    }

    /// Public key of the Ed25519 seed 0x01‥0x20; expected values from Python's hashlib,
    /// base64 and binascii.crc_hqx, and the Solana one from the spec's Node run.
    #[test]
    fn ed25519_addresses() {
        let public: [u8; 32] = data_encoding::HEXLOWER
            .decode(b"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664")
            .unwrap()
            .try_into()
            .unwrap();
        let cases = [
            (
                AddressFormat::Solana,
                "9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj",
            ),
            (
                AddressFormat::Aptos,
                "0xb6bbeddd149a70b603089e5a1e4e259c39d6cbfb0139265b1d4bd79eaf790b03",
            ),
            (
                AddressFormat::Sui,
                "0x7573c697fa68450f04fa0dee2d39dcdc8a5ccf5db547f3e47638a6f8eeeec110",
            ),
            (
                AddressFormat::Near,
                "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664",
            ),
            (
                AddressFormat::Stellar,
                "GB43KVROR7TFJ6KAPCYRF2FJROTZAH4FHLTJLPWX4DRZCC5NASLGITR6",
            ),
            (
                AddressFormat::Algorand,
                "PG2VMLUP4ZKPSQDYWEJORKMLU6IB7BJ242K35V7A4OIQXLIESZSCUKNU44",
            ),
        ];
        for (format, expected) in cases {
            assert_eq!(ed25519(format, &public).unwrap(), expected, "{format:?}");
        }
        assert_eq!(ed25519(AddressFormat::Tron, &public), None);
    }

    /// SEP-23's StrKey account vector.
    #[test]
    fn stellar_strkey_vector() {
        let public: [u8; 32] = data_encoding::HEXLOWER
            .decode(b"3f0c34bf93ad0d9971d04ccc90f705511c838aad9734a4a2fb0d7a03fc7fe89a")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            ed25519(AddressFormat::Stellar, &public).unwrap(),
            "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"
        );
    }
}
