//! The crate's one error type.
//!
//! Parse errors are precise (which object, which field, how many bytes) because they say
//! nothing about a key and help whoever has to debug a corrupted store. Decryption failures
//! are deliberately not: a wrong key, a forged envelope, a flipped bit and a malformed padded
//! plaintext all come back as [`Error::Decrypt`], so a caller — or an attacker watching a
//! caller — learns nothing about *why* an authenticated decryption failed.

use crate::ids::VaultId;

/// Which kind of object a parse error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Object {
    /// A vault header (see [`crate::VaultHeader`]).
    VaultHeader,
    /// An envelope (see [`crate::Envelope`]).
    Envelope,
    /// A share sealed to a clinician (see [`crate::Share`]).
    Share,
    /// A vault code or relay vault id (see [`crate::VaultId`]).
    VaultCode,
    /// A clinician's public or secret key in text form.
    ClinicianKey,
    /// A relay token in text form.
    RelayToken,
}

impl core::fmt::Display for Object {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Object::VaultHeader => "vault header",
            Object::Envelope => "envelope",
            Object::Share => "share",
            Object::VaultCode => "vault code",
            Object::ClinicianKey => "clinician key",
            Object::RelayToken => "relay token",
        })
    }
}

/// Why a set of recovery words was refused before any key was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryWordsProblem {
    /// There must be exactly 24 words; this many were given.
    WordCount(usize),
    /// The word at this zero-based position is not in the BIP-39 English list.
    UnknownWord(usize),
    /// Every word is in the list but the built-in checksum does not match: most likely a
    /// word was mistyped into another valid word, or two words were swapped.
    Checksum,
}

/// Why a vault code (or relay vault id) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VaultCodeProblem {
    /// After removing separators the code has the wrong number of characters.
    Length,
    /// A character is outside the code's alphabet.
    Character,
    /// The check characters do not match: a character was mistyped.
    Checksum,
}

/// Everything that can go wrong in `hearth-vault`.
///
/// The enum is `#[non_exhaustive]`: match the variants you turn into specific messages and
/// keep a fallback arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authenticated decryption failed. This is the *only* answer for a wrong key, a forged
    /// or tampered envelope or share, a wrong clinician key, and an authentic plaintext whose
    /// padding is malformed; the cases are deliberately indistinguishable.
    #[error("decryption failed: wrong key, or the data was altered")]
    Decrypt,

    /// The passphrase did not unwrap the vault root key: it is wrong, or the header's
    /// passphrase-wrapped key, KDF parameters, salt, version or vault id were altered.
    #[error("the passphrase does not open this vault")]
    WrongPassphrase,

    /// The recovery key did not unwrap the vault root key: it belongs to another vault, or
    /// the header's recovery-wrapped key was altered.
    #[error("the recovery key does not open this vault")]
    WrongRecoveryKey,

    /// The recovery words were refused before any key was tried.
    #[error("these are not valid recovery words: {0:?}")]
    RecoveryWords(RecoveryWordsProblem),

    /// A vault code or relay vault id could not be read.
    #[error("this is not a valid vault code: {0:?}")]
    VaultCode(VaultCodeProblem),

    /// The passphrase is empty (after Unicode normalisation). Strength rules beyond that
    /// belong to the app, which can give feedback as the patient types.
    #[error("the passphrase is empty")]
    EmptyPassphrase,

    /// A KDF parameter lies outside the accepted range. Checked before the KDF runs, both
    /// for parameters a caller passes and for parameters read from a header.
    #[error("KDF parameter {name} = {value} is outside {min}..={max}")]
    KdfParams {
        /// `"m_kib"`, `"t"` or `"p"`.
        name: &'static str,
        /// The value that was refused.
        value: u32,
        /// The smallest accepted value.
        min: u32,
        /// The largest accepted value.
        max: u32,
    },

    /// The bytes do not start with the magic of the expected object: this is some other
    /// kind of data.
    #[error("not a {object}: wrong magic bytes")]
    BadMagic {
        /// What the bytes were expected to be.
        object: Object,
    },

    /// The object's format version is not one this build reads. Newer apps may write
    /// versions an older app cannot read; the object must be kept, not discarded.
    #[error("{object} format version {version} is not supported")]
    UnsupportedVersion {
        /// What was being parsed.
        object: Object,
        /// The version byte found.
        version: u8,
    },

    /// The object's kind byte is not one this build knows.
    #[error("{object} kind {kind} is not known")]
    UnknownKind {
        /// What was being parsed.
        object: Object,
        /// The kind byte found.
        kind: u8,
    },

    /// The bytes end before the object does.
    #[error("{object} is truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// What was being parsed.
        object: Object,
        /// How many bytes the object needs in total (as far as parsing got).
        needed: usize,
        /// How many bytes there were.
        got: usize,
    },

    /// Bytes follow the end of the object.
    #[error("{object} has {extra} trailing bytes")]
    TrailingBytes {
        /// What was being parsed.
        object: Object,
        /// How many bytes follow the object's end.
        extra: usize,
    },

    /// A field holds a value the format forbids (for example a ciphertext length that is not
    /// a padding bucket, or an all-zero id).
    #[error("{object} is malformed: {reason}")]
    Malformed {
        /// What was being parsed.
        object: Object,
        /// Which rule was broken.
        reason: &'static str,
    },

    /// The plaintext is larger than an envelope or share may carry.
    #[error("plaintext of {len} bytes exceeds the maximum of {max}")]
    PlaintextTooLarge {
        /// The plaintext's length.
        len: usize,
        /// [`crate::MAX_PLAINTEXT_LEN`].
        max: usize,
    },

    /// The header belongs to another vault.
    #[error("this header belongs to vault {found}, not {expected}")]
    ForeignHeader {
        /// The vault id the caller expected.
        expected: VaultId,
        /// The vault id in the header.
        found: VaultId,
    },

    /// The header is older than one already seen for this vault (a rollback, or a replica
    /// that has not caught up).
    #[error("header version {found} is older than version {minimum} already seen")]
    StaleHeader {
        /// The lowest acceptable version.
        minimum: u64,
        /// The version in the header.
        found: u64,
    },

    /// The header's version counter cannot be incremented any further.
    #[error("the header version counter is exhausted")]
    VersionExhausted,

    /// A clinician public key cannot be used (it is a low-order point, so sealing to it
    /// would give no secrecy).
    #[error("the clinician public key is not usable")]
    InvalidPublicKey,

    /// A text encoding (hex or base64url) of a key or token could not be decoded.
    #[error("{object} text is not valid: {reason}")]
    Encoding {
        /// What was being decoded.
        object: Object,
        /// Which rule was broken.
        reason: &'static str,
    },

    /// The system random number generator failed (in a browser: `crypto.getRandomValues`
    /// was unavailable). Nothing was encrypted.
    #[error("the system random number generator failed")]
    Rng,

    /// Argon2id refused to run or could not allocate its memory.
    #[error("the key derivation function failed")]
    Kdf,
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
