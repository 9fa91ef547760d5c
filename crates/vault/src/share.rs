//! Sharing with a clinician: HPKE (RFC 9180) base mode to the clinician's X25519 key.

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::envelope::check_ciphertext_len;
use crate::error::{Error, Object, Result};
use crate::hazmat::{self, hpke_suite, TAG_LEN};
use crate::padding;
use crate::secret::{ClinicianSecret, Plaintext};

/// Magic bytes at the start of a share.
pub const SHARE_MAGIC: &[u8; 4] = b"HVSH";
/// The share format this build writes and reads.
pub const SHARE_VERSION: u8 = 1;
/// Length of the authenticated header that precedes the ciphertext.
pub const SHARE_HEADER_LEN: usize = 4 + 1 + 1 + hpke_suite::POINT_LEN + 4;

/// What a share holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[repr(u8)]
pub enum ShareKind {
    /// Selected entries (journal, check-ins).
    Entries = 1,
    /// Questionnaire scores (PHQ-9, GAD-7...).
    Scores = 2,
    /// The safety plan.
    SafetyPlan = 3,
    /// A short message to the clinician.
    Message = 4,
    /// A crisis alert the patient chose to send (risk level, time, their message).
    Alert = 5,
}

impl ShareKind {
    /// Every kind this build knows, in wire order.
    pub const ALL: [ShareKind; 5] = [
        ShareKind::Entries,
        ShareKind::Scores,
        ShareKind::SafetyPlan,
        ShareKind::Message,
        ShareKind::Alert,
    ];

    /// The wire byte.
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    /// The kind for a wire byte, if this build knows it.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.to_byte() == byte)
    }
}

/// A clinician's X25519 public key, as published in the clinic configuration.
///
/// Text forms: base64url without padding (43 characters) or hex (64 characters).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClinicianPublicKey([u8; 32]);

impl ClinicianPublicKey {
    /// The key with these bytes (RFC 7748 u-coordinate).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Base64url without padding (43 characters).
    pub fn to_base64url(&self) -> String {
        use base64ct::Encoding;
        base64ct::Base64UrlUnpadded::encode_string(&self.0)
    }

    /// Lowercase hex (64 characters).
    pub fn to_hex(&self) -> String {
        base16ct::lower::encode_string(&self.0)
    }

    /// Reads the base64url form.
    pub fn from_base64url(text: &str) -> Result<Self> {
        decode_base64url_32(text).map(Self)
    }

    /// Reads the hex form.
    pub fn from_hex(text: &str) -> Result<Self> {
        let mut key = [0u8; 32];
        match base16ct::mixed::decode(text, &mut key) {
            Ok(decoded) if decoded.len() == 32 => Ok(Self(key)),
            _ => Err(Error::Encoding {
                object: Object::ClinicianKey,
                reason: "not 64 hex characters",
            }),
        }
    }
}

impl core::str::FromStr for ClinicianPublicKey {
    type Err = Error;

    /// Accepts either text form.
    fn from_str(s: &str) -> Result<Self> {
        if s.len() == 64 {
            Self::from_hex(s)
        } else {
            Self::from_base64url(s)
        }
    }
}

impl core::fmt::Debug for ClinicianPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ClinicianPublicKey({})", self.to_base64url())
    }
}

impl core::fmt::Display for ClinicianPublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

fn decode_base64url_32(text: &str) -> Result<[u8; 32]> {
    use base64ct::Encoding;
    let mut key = [0u8; 32];
    match base64ct::Base64UrlUnpadded::decode(text, &mut key) {
        Ok(decoded) if decoded.len() == 32 => Ok(key),
        _ => Err(Error::Encoding {
            object: Object::ClinicianKey,
            reason: "not 43 characters of unpadded base64url",
        }),
    }
}

/// A clinician's key pair. The secret half zeroizes on drop and never prints.
///
/// Generated once by the clinician (in Hearth's clinician tooling); the public half goes into
/// the clinic configuration, the secret half stays with the clinician.
pub struct ClinicianKeyPair {
    secret: ClinicianSecret,
    public: ClinicianPublicKey,
}

impl ClinicianKeyPair {
    /// A fresh key pair: RFC 9180 `DeriveKeyPair` over 32 bytes from the OS RNG.
    pub fn generate() -> Result<Self> {
        let ikm = Zeroizing::new(hazmat::random_array::<32>()?);
        let (secret, public) = hpke_suite::derive_keypair(&*ikm);
        Ok(Self {
            secret: ClinicianSecret::from_bytes(&secret),
            public: ClinicianPublicKey(public),
        })
    }

    /// Restores a key pair from its secret key bytes (as [`Self::secret_to_base64url`] wrote
    /// them).
    pub fn from_secret_base64url(text: &str) -> Result<Self> {
        let bytes = Zeroizing::new(decode_base64url_32(text)?);
        let public = hpke_suite::public_key(&bytes).map_err(|_| Error::Encoding {
            object: Object::ClinicianKey,
            reason: "not an X25519 secret key",
        })?;
        Ok(Self {
            secret: ClinicianSecret::from_bytes(&bytes),
            public: ClinicianPublicKey(public),
        })
    }

    /// The secret key as base64url, for the clinician to store safely. Handle with care.
    pub fn secret_to_base64url(&self) -> Zeroizing<String> {
        use base64ct::Encoding;
        Zeroizing::new(base64ct::Base64UrlUnpadded::encode_string(
            self.secret.expose(),
        ))
    }

    /// The public key to publish.
    pub fn public_key(&self) -> ClinicianPublicKey {
        self.public
    }

    /// Opens a share sealed to this key pair. Every failure — another clinician's share, a
    /// forged or altered one, bad padding — is [`Error::Decrypt`].
    pub fn open(&self, share: &Share) -> Result<Plaintext> {
        let padded = hpke_suite::open(
            self.secret.expose(),
            &share.enc(),
            crate::labels::SHARE_INFO,
            share.header(),
            share.ciphertext(),
        )?;
        padding::unpad(padded)
            .map(Plaintext::new)
            .ok_or(Error::Decrypt)
    }
}

impl core::fmt::Debug for ClinicianKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClinicianKeyPair")
            .field("secret", &self.secret)
            .field("public", &self.public)
            .finish()
    }
}

/// A share: bytes sealed to one clinician's public key, in its own small versioned container.
/// Anyone can seal one (it needs no vault); only the clinician can open it. HPKE base mode
/// does not authenticate the sender: what identifies the patient is inside the plaintext.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    bytes: Vec<u8>,
    kind: ShareKind,
}

impl Share {
    /// Seals `plaintext` (padded to the same buckets as envelopes) to `recipient`.
    /// RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM,
    /// `info = "hearth/v1/share"`, AAD = the share's header bytes.
    pub fn seal(recipient: &ClinicianPublicKey, kind: ShareKind, plaintext: &[u8]) -> Result<Self> {
        let padded = padding::pad(plaintext).ok_or(Error::PlaintextTooLarge {
            len: plaintext.len(),
            max: padding::MAX_PLAINTEXT_LEN,
        })?;
        let ciphertext_len =
            u32::try_from(padded.len() + TAG_LEN).map_err(|_| Error::PlaintextTooLarge {
                len: plaintext.len(),
                max: padding::MAX_PLAINTEXT_LEN,
            })?;
        let ikm_e = Zeroizing::new(hazmat::random_array::<32>()?);
        let mut header = Vec::new();
        let (_, ciphertext) = hpke_suite::seal(
            recipient.as_bytes(),
            ikm_e,
            crate::labels::SHARE_INFO,
            |enc| {
                header = encode_header(kind, enc, ciphertext_len);
                header.clone()
            },
            &padded,
        )?;
        let mut bytes = header;
        bytes.extend_from_slice(&ciphertext);
        Ok(Self { bytes, kind })
    }

    /// Parses a share strictly: magic, version, known kind, a ciphertext length that is a
    /// padding bucket plus the tag, and exactly that many bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, Object::Share);
        r.magic(SHARE_MAGIC)?;
        r.version(SHARE_VERSION)?;
        r.require(SHARE_HEADER_LEN)?;
        let kind_byte = r.u8()?;
        let kind = ShareKind::from_byte(kind_byte).ok_or(Error::UnknownKind {
            object: Object::Share,
            kind: kind_byte,
        })?;
        r.take(hpke_suite::POINT_LEN)?;
        let ciphertext_len = check_ciphertext_len(r.u32()?, Object::Share)?;
        r.require(SHARE_HEADER_LEN + ciphertext_len)?;
        r.take(ciphertext_len)?;
        r.finish()?;
        Ok(Self {
            bytes: bytes.to_vec(),
            kind,
        })
    }

    /// What the share holds.
    pub fn kind(&self) -> ShareKind {
        self.kind
    }

    /// The share's exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The share's bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A content-addressed name for the clinic inbox: SHA-256 of the bytes, lowercase hex.
    pub fn object_name(&self) -> String {
        base16ct::lower::encode_string(&hazmat::sha256(&[&self.bytes]))
    }

    fn enc(&self) -> [u8; 32] {
        let mut enc = [0u8; 32];
        enc.copy_from_slice(&self.bytes[6..6 + hpke_suite::POINT_LEN]);
        enc
    }

    fn header(&self) -> &[u8] {
        &self.bytes[..SHARE_HEADER_LEN]
    }

    fn ciphertext(&self) -> &[u8] {
        &self.bytes[SHARE_HEADER_LEN..]
    }
}

impl core::fmt::Debug for Share {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Share")
            .field("kind", &self.kind)
            .field("len", &self.bytes.len())
            .finish()
    }
}

fn encode_header(kind: ShareKind, enc: &[u8; 32], ciphertext_len: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(SHARE_HEADER_LEN);
    out.extend_from_slice(SHARE_MAGIC);
    out.push(SHARE_VERSION);
    out.push(kind.to_byte());
    out.extend_from_slice(enc);
    out.extend_from_slice(&ciphertext_len.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn public_key_text_forms_round_trip() {
        let pair = ClinicianKeyPair::generate().unwrap();
        let pk = pair.public_key();
        assert_eq!(pk.to_base64url().len(), 43);
        assert_eq!(pk.to_hex().len(), 64);
        assert_eq!(pk.to_base64url().parse::<ClinicianPublicKey>().unwrap(), pk);
        assert_eq!(pk.to_hex().parse::<ClinicianPublicKey>().unwrap(), pk);
        assert_eq!(
            pk.to_hex()
                .to_uppercase()
                .parse::<ClinicianPublicKey>()
                .unwrap(),
            pk
        );
        for bad in [
            "",
            "abc",
            &pk.to_hex()[..63],
            &format!("{}A", pk.to_base64url()),
        ] {
            assert!(
                matches!(
                    bad.parse::<ClinicianPublicKey>(),
                    Err(Error::Encoding {
                        object: Object::ClinicianKey,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn secret_key_round_trips_and_never_prints() {
        let pair = ClinicianKeyPair::generate().unwrap();
        let secret = pair.secret_to_base64url();
        let restored = ClinicianKeyPair::from_secret_base64url(&secret).unwrap();
        assert_eq!(restored.public_key(), pair.public_key());
        let share = Share::seal(&pair.public_key(), ShareKind::Entries, b"entry").unwrap();
        assert_eq!(restored.open(&share).unwrap().as_bytes(), b"entry");
        let debug = format!("{pair:?}");
        assert!(debug.contains("[redacted]"));
        assert!(!debug.contains(secret.as_str()));
    }

    /// RFC 9180 requires refusing an all-zero DH result: low-order public keys give no
    /// secrecy, so sealing to them fails instead of producing a readable share.
    #[test]
    fn low_order_public_keys_are_refused() {
        let mut one = [0u8; 32];
        one[0] = 1;
        for bytes in [[0u8; 32], one] {
            assert_eq!(
                Share::seal(
                    &ClinicianPublicKey::from_bytes(bytes),
                    ShareKind::Message,
                    b"x"
                )
                .unwrap_err(),
                Error::InvalidPublicKey
            );
        }
    }
}
