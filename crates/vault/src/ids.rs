//! Public identifiers: the vault id (and its human "vault code"), item and device ids, and
//! envelope version hashes. None of these is secret, though the vault code is what lets a
//! second device fetch the vault header.

use crate::error::{Error, Object, Result, VaultCodeProblem};
use crate::hazmat;

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a vault code: 128 id bits + 12 check bits = 140 bits = 28 × 5.
const CODE_SYMBOLS: usize = 28;
/// Symbols per displayed group.
const CODE_GROUP: usize = 4;

/// A vault's random 128-bit identifier.
///
/// It has two text forms:
///
/// - the **vault code** ([`VaultId::to_code`], also `Display`), for people: 28 Crockford
///   base32 characters in seven groups of four, e.g. `1B7Q-2M9D-...`, the last 12 bits being
///   a checksum so a mistyped character is caught (all but 1 in 4096 typos). Parsing ignores
///   case, hyphens and spaces, and reads `O` as `0` and `I`/`L` as `1`.
/// - the **relay id** ([`VaultId::to_relay_id`]), for the relay API's `{vault}` path segment:
///   32 lowercase hex characters (within the API's 16–64 `[A-Za-z0-9_-]` rule).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VaultId([u8; 16]);

impl VaultId {
    /// A fresh random vault id.
    pub fn random() -> Result<Self> {
        hazmat::random_array().map(Self)
    }

    /// The id with these bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    fn check_bits(id: &[u8; 16]) -> [u8; 2] {
        let digest = hazmat::sha256(&[crate::labels::VAULT_CODE, id]);
        [digest[0], digest[1] & 0xf0]
    }

    /// The human vault code: `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
    pub fn to_code(&self) -> String {
        let mut bits = [0u8; 18];
        bits[..16].copy_from_slice(&self.0);
        bits[16..].copy_from_slice(&Self::check_bits(&self.0));
        let mut out = String::with_capacity(CODE_SYMBOLS + CODE_SYMBOLS / CODE_GROUP);
        for i in 0..CODE_SYMBOLS {
            if i > 0 && i % CODE_GROUP == 0 {
                out.push('-');
            }
            out.push(char::from(CROCKFORD[usize::from(read5(&bits, i * 5))]));
        }
        out
    }

    /// Reads a vault code as a person typed it.
    pub fn from_code(code: &str) -> Result<Self> {
        let mut bits = [0u8; 18];
        let mut count = 0;
        for c in code.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let value = crockford_value(c).ok_or(Error::VaultCode(VaultCodeProblem::Character))?;
            if count == CODE_SYMBOLS {
                return Err(Error::VaultCode(VaultCodeProblem::Length));
            }
            write5(&mut bits, count * 5, value);
            count += 1;
        }
        if count != CODE_SYMBOLS {
            return Err(Error::VaultCode(VaultCodeProblem::Length));
        }
        let mut id = [0u8; 16];
        id.copy_from_slice(&bits[..16]);
        if bits[16..] != Self::check_bits(&id) {
            return Err(Error::VaultCode(VaultCodeProblem::Checksum));
        }
        Ok(Self(id))
    }

    /// The relay API form: 32 lowercase hex characters.
    pub fn to_relay_id(&self) -> String {
        base16ct::lower::encode_string(&self.0)
    }

    /// Reads the relay API form (exactly 32 lowercase hex characters).
    pub fn from_relay_id(text: &str) -> Result<Self> {
        if text.len() != 32 {
            return Err(Error::VaultCode(VaultCodeProblem::Length));
        }
        let mut id = [0u8; 16];
        base16ct::lower::decode(text, &mut id)
            .map_err(|_| Error::VaultCode(VaultCodeProblem::Character))?;
        Ok(Self(id))
    }
}

impl core::fmt::Display for VaultId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_code())
    }
}

impl core::fmt::Debug for VaultId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VaultId({})", self.to_code())
    }
}

impl core::str::FromStr for VaultId {
    type Err = Error;

    /// Accepts a vault code or a relay id.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Self::from_relay_id(s)
        } else {
            Self::from_code(s)
        }
    }
}

fn crockford_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    CROCKFORD
        .iter()
        .position(|&a| char::from(a) == c)
        .and_then(|p| u8::try_from(p).ok())
}

fn read5(bits: &[u8], offset: usize) -> u8 {
    let mut value = 0u8;
    for k in 0..5 {
        let bit = offset + k;
        value = (value << 1) | ((bits[bit / 8] >> (7 - bit % 8)) & 1);
    }
    value
}

fn write5(bits: &mut [u8], offset: usize, value: u8) {
    for k in 0..5 {
        let bit = offset + k;
        if (value >> (4 - k)) & 1 == 1 {
            bits[bit / 8] |= 1 << (7 - bit % 8);
        }
    }
}

macro_rules! id16 {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Result<Self> {
                hazmat::random_array().map(Self)
            }

            /// The id with these bytes.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(bytes)
            }

            /// The id's bytes.
            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }

            /// 32 lowercase hex characters.
            pub fn to_hex(&self) -> String {
                base16ct::lower::encode_string(&self.0)
            }

            /// Reads 32 hex characters.
            pub fn from_hex(text: &str) -> Result<Self> {
                let mut id = [0u8; 16];
                match base16ct::mixed::decode(text, &mut id) {
                    Ok(decoded) if decoded.len() == 16 => Ok(Self(id)),
                    _ => Err(Error::Encoding {
                        object: Object::Envelope,
                        reason: "an id is 32 hex characters",
                    }),
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_hex())
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
    };
}

id16! {
    /// Identifies an item (a journal entry, the consent receipt, a questionnaire result...)
    /// across all its versions. Random 128 bits.
    ItemId
}

id16! {
    /// Identifies the device that wrote an envelope. Random 128 bits, chosen once per device.
    DeviceId
}

/// SHA-256 of an envelope's complete bytes: names one exact version of an item. An
/// envelope records its parent's version hash, so versions form a lineage the sync engine
/// can merge.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionHash([u8; 32]);

impl VersionHash {
    /// The hash with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex characters.
    pub fn to_hex(&self) -> String {
        base16ct::lower::encode_string(&self.0)
    }

    /// Reads 64 hex characters.
    pub fn from_hex(text: &str) -> Result<Self> {
        let mut hash = [0u8; 32];
        match base16ct::mixed::decode(text, &mut hash) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self(hash)),
            _ => Err(Error::Encoding {
                object: Object::Envelope,
                reason: "a version hash is 64 hex characters",
            }),
        }
    }
}

impl core::fmt::Debug for VersionHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "VersionHash({})", self.to_hex())
    }
}

impl core::fmt::Display for VersionHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn vault_code_round_trips_and_forgives_case_separators_and_lookalikes() {
        for _ in 0..200 {
            let id = VaultId::random().unwrap();
            let code = id.to_code();
            assert_eq!(code.len(), 34);
            assert_eq!(code.matches('-').count(), 6);
            assert_eq!(VaultId::from_code(&code).unwrap(), id);
            let sloppy = code
                .to_lowercase()
                .replace('-', " ")
                .replace('0', "o")
                .replace('1', "l");
            assert_eq!(VaultId::from_code(&sloppy).unwrap(), id);
            assert_eq!(code.parse::<VaultId>().unwrap(), id);
            assert_eq!(id.to_relay_id().parse::<VaultId>().unwrap(), id);
        }
    }

    #[test]
    fn vault_code_catches_every_single_character_typo() {
        let id = VaultId::from_bytes(*b"hearth-vault-id!");
        let code: Vec<char> = id.to_code().chars().collect();
        let mut caught = 0;
        let mut total = 0;
        for (i, &c) in code.iter().enumerate() {
            if c == '-' {
                continue;
            }
            for &replacement in CROCKFORD {
                let replacement = char::from(replacement);
                if replacement == c {
                    continue;
                }
                let mut typo = code.clone();
                typo[i] = replacement;
                let typo: String = typo.into_iter().collect();
                total += 1;
                if VaultId::from_code(&typo).is_err() {
                    caught += 1;
                }
            }
        }
        // 12 check bits: a single typo slips through with probability 1/4096 at most.
        assert!(total - caught <= 1, "{caught}/{total} typos caught");
    }

    #[test]
    fn vault_code_problems_are_typed() {
        let code = VaultId::from_bytes([9; 16]).to_code();
        assert_eq!(
            VaultId::from_code(&code[..code.len() - 1]),
            Err(Error::VaultCode(VaultCodeProblem::Length))
        );
        assert_eq!(
            VaultId::from_code(&format!("{code}0")),
            Err(Error::VaultCode(VaultCodeProblem::Length))
        );
        assert_eq!(
            VaultId::from_code(&code.replacen(|c: char| c.is_ascii_alphanumeric(), "U", 1)),
            Err(Error::VaultCode(VaultCodeProblem::Character))
        );
        assert_eq!(
            VaultId::from_relay_id("0123"),
            Err(Error::VaultCode(VaultCodeProblem::Length))
        );
        assert_eq!(
            VaultId::from_relay_id(&"G".repeat(32)),
            Err(Error::VaultCode(VaultCodeProblem::Character))
        );
    }

    #[test]
    fn relay_id_meets_the_relay_api_rule() {
        let id = VaultId::random().unwrap().to_relay_id();
        assert!((16..=64).contains(&id.len()));
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
    }
}
