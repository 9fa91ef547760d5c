//! Secret newtypes. Each zeroizes its bytes on drop, prints as `[redacted]` under `Debug`,
//! and has no `Display`. Key types that must never leave the crate are `pub(crate)`.

use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, RecoveryWordsProblem, Result};
use crate::hazmat;

const REDACTED: &str = "[redacted]";

macro_rules! secret_key32 {
    ($(#[$meta:meta])* $vis:vis struct $name:ident;) => {
        $(#[$meta])*
        #[derive(Zeroize, ZeroizeOnDrop)]
        $vis struct $name([u8; 32]);

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(REDACTED)
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// Takes ownership of key bytes.
            pub(crate) fn from_bytes(bytes: &Zeroizing<[u8; 32]>) -> Self {
                Self(**bytes)
            }

            /// Fresh random key bytes.
            pub(crate) fn random() -> Result<Self> {
                let mut key = Self([0u8; 32]);
                hazmat::fill_random(&mut key.0)?;
                Ok(key)
            }

            /// The raw bytes, for the hazmat layer.
            pub(crate) fn expose(&self) -> &[u8; 32] {
                &self.0
            }
        }
    };
}

secret_key32! {
    /// The vault root key (VRK): 32 random bytes from which every item key and the relay token
    /// derive. Stored only wrapped, under a [`Kek`].
    pub(crate) struct VaultRootKey;
}

secret_key32! {
    /// A key-encryption key: wraps the VRK. Derived from the passphrase (Argon2id, then HKDF)
    /// or from the recovery key (HKDF).
    pub(crate) struct Kek;
}

secret_key32! {
    /// A per-envelope AES-256-GCM key, HKDF-derived from the VRK and the envelope's salt.
    pub(crate) struct ItemKey;
}

secret_key32! {
    /// The recovery key: 256 random bits, shown to the patient once as 24 BIP-39 words.
    ///
    /// It opens the vault without the passphrase (see [`crate::UnlockedVault::recover`]). It
    /// never changes for the life of a vault: a passphrase change does not touch it.
    pub struct RecoveryKey;
}

secret_key32! {
    /// A clinician's X25519 secret key (RFC 7748 scalar bytes as RFC 9180 serialises them).
    pub(crate) struct ClinicianSecret;
}

/// Number of recovery words: 24 BIP-39 words carry the 256-bit recovery key plus an 8-bit
/// checksum.
pub const RECOVERY_WORD_COUNT: usize = 24;

impl RecoveryKey {
    /// Whether `other` is the same key, in constant time: for the "type your recovery words
    /// back" confirmation when a vault is created.
    pub fn matches(&self, other: &RecoveryKey) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// Reads the 24 recovery words as the patient typed them: case, surrounding and repeated
    /// whitespace do not matter; each word must be a full word of the BIP-39 English list and
    /// the words' built-in checksum must match.
    pub fn from_words(words: &str) -> Result<Self> {
        let lowered = Zeroizing::new(words.to_lowercase());
        let list: Vec<&str> = lowered.split_whitespace().collect();
        if list.len() != RECOVERY_WORD_COUNT {
            return Err(Error::RecoveryWords(RecoveryWordsProblem::WordCount(
                list.len(),
            )));
        }
        if let Some(position) = list
            .iter()
            .position(|w| bip39::Language::English.find_word(w).is_none())
        {
            return Err(Error::RecoveryWords(RecoveryWordsProblem::UnknownWord(
                position,
            )));
        }
        let joined = Zeroizing::new(list.join(" "));
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &joined)
            .map_err(|_| Error::RecoveryWords(RecoveryWordsProblem::Checksum))?;
        let (mut entropy, len) = mnemonic.to_entropy_array();
        let result = if len == 32 {
            let mut key = Zeroizing::new([0u8; 32]);
            key.copy_from_slice(&entropy[..32]);
            Ok(Self::from_bytes(&key))
        } else {
            Err(Error::RecoveryWords(RecoveryWordsProblem::WordCount(
                mnemonic.word_count(),
            )))
        };
        entropy.zeroize();
        result
    }

    /// The 24 words that encode this key, for showing to the patient once.
    pub fn to_words(&self) -> RecoveryWords {
        match bip39::Mnemonic::from_entropy_in(bip39::Language::English, &self.0) {
            Ok(mnemonic) => {
                let mut text = Zeroizing::new(String::with_capacity(24 * 9));
                for (i, word) in mnemonic.words().enumerate() {
                    if i > 0 {
                        text.push(' ');
                    }
                    text.push_str(word);
                }
                RecoveryWords(text)
            }
            // BIP-39 accepts 16, 20, 24, 28 and 32 bytes of entropy; ours is always 32.
            Err(_) => unreachable!("32 bytes is a valid BIP-39 entropy length"),
        }
    }
}

/// The recovery key as 24 space-separated lowercase BIP-39 English words. Zeroized on drop;
/// `Debug` prints `[redacted]`.
pub struct RecoveryWords(Zeroizing<String>);

impl RecoveryWords {
    /// The words, separated by single spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The words one by one (for a numbered grid in the UI).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }
}

impl core::fmt::Debug for RecoveryWords {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The patient's passphrase, normalised to Unicode NFC so that the same passphrase typed on
/// two devices (one composing "é" as one code point, one as two) opens the same vault.
/// Nothing else is changed: no trimming, no case folding. Zeroized on drop (best effort: the
/// normalisation allocates once, sized to avoid reallocation in practice).
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes the passphrase as typed, zeroizing the given string. Refuses an empty one.
    pub fn new(mut typed: String) -> Result<Self> {
        let mut normalized = Zeroizing::new(String::with_capacity(typed.len() * 3 + 8));
        normalized.extend(typed.nfc());
        typed.zeroize();
        if normalized.is_empty() {
            return Err(Error::EmptyPassphrase);
        }
        Ok(Self(normalized))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl core::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Decrypted bytes. Zeroized on drop; `Debug` prints `[redacted]`.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The plaintext bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the plaintext is empty (a tombstone usually is).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The bearer token that proves ownership of a vault to the relay:
/// HKDF-SHA256(VRK, info = `"hearth/v1/relay-auth"`). It reveals nothing about the
/// passphrase or the VRK; anyone holding it can read and write the vault's ciphertext on the
/// relay, so it is a secret too. The relay stores only its SHA-256.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RelayToken([u8; 32]);

impl PartialEq for RelayToken {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for RelayToken {}

impl RelayToken {
    pub(crate) fn from_bytes(bytes: &Zeroizing<[u8; 32]>) -> Self {
        Self(**bytes)
    }

    /// Base64url without padding (43 characters): the form sent as
    /// `Authorization: Bearer <token>`.
    pub fn to_base64url(&self) -> Zeroizing<String> {
        use base64ct::Encoding;
        Zeroizing::new(base64ct::Base64UrlUnpadded::encode_string(&self.0))
    }

    /// Lowercase hex (64 characters).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(base16ct::lower::encode_string(&self.0))
    }

    /// Reads the base64url form back (as the relay's tests need).
    pub fn from_base64url(text: &str) -> Result<Self> {
        use base64ct::Encoding;
        let mut bytes = Zeroizing::new([0u8; 32]);
        let decoded = base64ct::Base64UrlUnpadded::decode(text, &mut *bytes).map_err(|_| {
            Error::Encoding {
                object: crate::Object::RelayToken,
                reason: "not 43 characters of unpadded base64url",
            }
        })?;
        if decoded.len() != 32 {
            return Err(Error::Encoding {
                object: crate::Object::RelayToken,
                reason: "not 32 bytes",
            });
        }
        Ok(Self::from_bytes(&bytes))
    }

    /// SHA-256 of the base64url form, lowercase hex: what the relay stores instead of the
    /// token.
    pub fn relay_digest_hex(&self) -> String {
        let text = self.to_base64url();
        base16ct::lower::encode_string(&hazmat::sha256(&[text.as_bytes()]))
    }
}

impl core::fmt::Debug for RelayToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn secrets_debug_as_redacted() {
        let key = RecoveryKey::random().unwrap();
        assert_eq!(format!("{key:?}"), "[redacted]");
        assert_eq!(format!("{:?}", key.to_words()), "[redacted]");
        assert_eq!(
            format!("{:?}", VaultRootKey::random().unwrap()),
            "[redacted]"
        );
        assert_eq!(format!("{:?}", Kek::random().unwrap()), "[redacted]");
        assert_eq!(format!("{:?}", ItemKey::random().unwrap()), "[redacted]");
        assert_eq!(
            format!("{:?}", Passphrase::new("correct horse".into()).unwrap()),
            "[redacted]"
        );
        assert_eq!(
            format!("{:?}", Plaintext::new(Zeroizing::new(b"secret".to_vec()))),
            "[redacted]"
        );
    }

    #[test]
    fn recovery_words_round_trip_and_are_forgiving_about_case_and_spacing() {
        let key = RecoveryKey::random().unwrap();
        let words = key.to_words();
        assert_eq!(words.words().count(), 24);
        let shouted = format!("  {}\n", words.as_str().to_uppercase().replace(' ', "   "));
        let back = RecoveryKey::from_words(&shouted).unwrap();
        assert_eq!(back.expose(), key.expose());
        assert!(back.matches(&key));
        assert!(!back.matches(&RecoveryKey::random().unwrap()));
    }

    #[test]
    fn recovery_words_problems_are_typed() {
        let key = RecoveryKey::from_bytes(&Zeroizing::new([7u8; 32]));
        let words = key.to_words();
        let list: Vec<&str> = words.words().collect();
        assert_eq!(
            RecoveryKey::from_words(&list[..23].join(" ")).unwrap_err(),
            Error::RecoveryWords(RecoveryWordsProblem::WordCount(23))
        );
        let mut typo = list.clone();
        typo[5] = "hearthx";
        assert_eq!(
            RecoveryKey::from_words(&typo.join(" ")).unwrap_err(),
            Error::RecoveryWords(RecoveryWordsProblem::UnknownWord(5))
        );
        let mut swapped = list.clone();
        // Replace the first word by another valid word: the checksum catches it.
        swapped[0] = if list[0] == "abandon" {
            "ability"
        } else {
            "abandon"
        };
        assert_eq!(
            RecoveryKey::from_words(&swapped.join(" ")).unwrap_err(),
            Error::RecoveryWords(RecoveryWordsProblem::Checksum)
        );
    }

    #[test]
    fn passphrase_is_nfc_normalised_and_never_empty() {
        let composed = Passphrase::new("caf\u{e9} au lait".into()).unwrap();
        let decomposed = Passphrase::new("cafe\u{301} au lait".into()).unwrap();
        assert_eq!(composed.as_bytes(), decomposed.as_bytes());
        assert_eq!(
            Passphrase::new(String::new()).unwrap_err(),
            Error::EmptyPassphrase
        );
        // Whitespace is kept as typed.
        assert_ne!(
            Passphrase::new(" a".into()).unwrap().as_bytes(),
            Passphrase::new("a".into()).unwrap().as_bytes()
        );
    }

    #[test]
    fn relay_token_text_forms() {
        let token = RelayToken::from_bytes(&Zeroizing::new([0xab; 32]));
        assert_eq!(token.to_hex().as_str(), "ab".repeat(32));
        let b64 = token.to_base64url();
        assert_eq!(b64.len(), 43);
        assert!(RelayToken::from_base64url(&b64).unwrap() == token);
        assert!(RelayToken::from_base64url("short").is_err());
        assert_eq!(format!("{token:?}"), "[redacted]");
    }
}
