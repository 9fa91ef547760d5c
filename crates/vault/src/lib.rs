//! # hearth-vault — the patient's end-to-end-encrypted vault
//!
//! Pure Rust, no I/O: the key hierarchy, the envelope format and sealing. Everything Hearth
//! stores or syncs about a patient goes through this crate as ciphertext; the app and the
//! sync engine only ever move bytes. The byte layouts are specified in `docs/envelope.md`.
//!
//! ## The keys, and how they fit
//!
//! ```text
//!  passphrase ──Argon2id(header params, salt)──HKDF──► passphrase KEK ─┐
//!                                                                      ├─ each wraps ─► VRK
//!  recovery key (24 words) ─────────────────────HKDF──► recovery KEK ──┘  (in the header)
//!
//!  VRK ──HKDF(envelope salt, "hearth/v1/item" ‖ item id)──► item key ──AES-256-GCM──► envelope
//!  VRK ──HKDF("hearth/v1/relay-auth")──► relay token
//! ```
//!
//! - The **vault root key** (VRK) is 32 random bytes made once per vault. It is stored only
//!   wrapped, twice, in the [`VaultHeader`]: under a key derived from the [`Passphrase`] with
//!   Argon2id ([`KdfParams`]: 64 MiB, t = 3 by default, never below 19 MiB, t = 2), and under
//!   a key derived from the [`RecoveryKey`], which the patient sees once as 24 words.
//! - The [`VaultHeader`] is the one mutable object of a vault. A passphrase change or a
//!   recovery re-wraps the VRK into a new header with a higher version; nothing else is
//!   re-encrypted. [`VaultHeader::check`] refuses a foreign or stale header.
//! - An [`UnlockedVault`] holds the VRK. It [`seal`](UnlockedVault::seal)s plaintext into an
//!   [`Envelope`] — one immutable version of one item, with public, authenticated
//!   [`EnvelopeMeta`] (kind, item id, version, device, parent version hash) — and
//!   [`open`](UnlockedVault::open)s envelopes back into [`Plaintext`]. Every envelope uses a
//!   fresh key (HKDF with a fresh 32-byte salt), so GCM's nonce limits never bite, and its
//!   plaintext is padded to a size bucket ([`padded_len`]) so lengths leak little.
//! - The **relay token** ([`UnlockedVault::relay_token`]) proves ownership of the vault to the
//!   storage relay without revealing anything about the passphrase or the VRK.
//! - A [`Share`] carries bytes to a clinician, sealed with HPKE to their
//!   [`ClinicianPublicKey`]; only their [`ClinicianKeyPair`] opens it. No vault is needed.
//!   The clinician keeps the key pair as a [`SealedClinicianKey`]: a small vault of its own
//!   (header + one envelope) under their passphrase and a recovery key.
//! - [`UnlockedVault::erase`] consumes the vault and says what to delete ([`Erasure`]):
//!   deleting every copy of the header destroys the wrapped VRKs and so every envelope.
//! - [`VaultId`] names a vault; its **vault code** is what a second device types, with the
//!   passphrase, to find and open it.
//!
//! Secrets ([`Passphrase`], [`RecoveryKey`], [`RecoveryWords`], [`RelayToken`],
//! [`Plaintext`], the clinician's secret key, and the internal VRK, KEKs and item keys)
//! zeroize on drop and print as `[redacted]`. Errors are one enum, [`Error`]: parse errors say
//! exactly what is wrong; a failed decryption is always [`Error::Decrypt`], whatever the cause.
//!
//! ## Example
//!
//! ```
//! use hearth_vault::{
//!     DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, Error, ItemId, KdfParams, Passphrase,
//!     RecoveryKey, UnlockedVault, VaultHeader,
//! };
//!
//! # fn main() -> Result<(), Error> {
//! // Create a vault (the app uses KdfParams::DEFAULT; the minimum keeps this example fast).
//! let passphrase = Passphrase::new("plum kettle orbit sundial".to_string())?;
//! let (vault, recovery) = UnlockedVault::create(&passphrase, KdfParams::MINIMUM)?;
//! let words = recovery.to_words(); // show once: 24 words
//! let code = vault.vault_id().to_code(); // what a second device types
//! let header_bytes = vault.header().to_bytes(); // store locally and on the relay
//!
//! // Seal an entry, keep only the envelope bytes.
//! let meta = EnvelopeMeta {
//!     kind: EnvelopeKind::Item,
//!     item_id: ItemId::random()?,
//!     item_version: 1,
//!     device_id: DeviceId::random()?,
//!     parent: None,
//! };
//! let stored = vault.seal(&meta, b"Slept badly, but the walk helped.")?.into_bytes();
//! vault.lock();
//!
//! // Later, maybe on another device: parse, check, unlock, open.
//! let header = VaultHeader::parse(&header_bytes)?;
//! header.check(code.parse()?, 1)?;
//! let vault = UnlockedVault::unlock(&header, &passphrase)?;
//! let envelope = Envelope::parse(&stored)?;
//! assert_eq!(vault.open(&envelope)?.as_bytes(), b"Slept badly, but the walk helped.");
//!
//! // Passphrase forgotten: the recovery words open the vault and set a new passphrase.
//! let new_passphrase = Passphrase::new("a brand new passphrase".to_string())?;
//! let recovered = UnlockedVault::recover(
//!     &header,
//!     &RecoveryKey::from_words(words.as_str())?,
//!     &new_passphrase,
//!     KdfParams::MINIMUM,
//! )?;
//! assert_eq!(recovered.header().version(), 2);
//! assert_eq!(recovered.open(&envelope)?.as_bytes(), b"Slept badly, but the walk helped.");
//!
//! // A tampered envelope is indistinguishable from a wrong key.
//! let mut tampered = stored.clone();
//! *tampered.last_mut().unwrap() ^= 1;
//! assert_eq!(recovered.open_bytes(&tampered).unwrap_err(), Error::Decrypt);
//! # Ok(())
//! # }
//! ```
//!
//! ## What this crate does not do
//!
//! No I/O, no clock, no passphrase strength rules (the app uses `zxcvbn` and gives feedback as
//! the patient types; this crate only refuses an empty passphrase), and no progress reporting
//! for the KDF (the app runs it in a Web Worker). AES-GCM is not key-committing; see the
//! `hazmat` module notes for why that is acceptable here.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod clinician;
mod codec;
mod envelope;
mod error;
pub(crate) mod hazmat;
mod header;
mod ids;
mod kdf;
mod padding;
mod secret;
mod share;
mod vault;

pub use clinician::SealedClinicianKey;
pub use envelope::{
    Envelope, EnvelopeKind, EnvelopeMeta, ENVELOPE_HEADER_LEN, ENVELOPE_MAGIC, ENVELOPE_OVERHEAD,
    ENVELOPE_SALT_LEN, ENVELOPE_VERSION,
};
pub use error::{Error, Object, RecoveryWordsProblem, Result, VaultCodeProblem};
pub use header::{VaultHeader, HEADER_FORMAT_VERSION, HEADER_LEN, HEADER_MAGIC, WRAPPED_KEY_LEN};
pub use ids::{DeviceId, ItemId, VaultId, VersionHash};
pub use kdf::{KdfParams, KDF_SALT_LEN};
pub use padding::{
    is_bucket, padded_len, BUCKET_STEP, LENGTH_PREFIX, MAX_BUCKET, MAX_PLAINTEXT_LEN, MIN_BUCKET,
};
pub use secret::{
    Passphrase, Plaintext, RecoveryKey, RecoveryWords, RelayToken, RECOVERY_WORD_COUNT,
};
pub use share::{
    ClinicianKeyPair, ClinicianPublicKey, Share, ShareKind, SHARE_HEADER_LEN, SHARE_MAGIC,
    SHARE_VERSION,
};
pub use vault::{Erasure, UnlockedVault};

/// Domain-separation labels. Each derived key or checksum has its own; none is a prefix of
/// another used with the same input key.
pub(crate) mod labels {
    /// HKDF info for the passphrase KEK (after Argon2id).
    pub(crate) const PASSPHRASE_KEK: &[u8] = b"hearth/v1/passphrase-kek";
    /// HKDF info for the recovery KEK.
    pub(crate) const RECOVERY_KEK: &[u8] = b"hearth/v1/recovery-kek";
    /// Suffix of the recovery wrap's AAD.
    pub(crate) const RECOVERY_WRAP: &[u8] = b"hearth/v1/recovery-wrap";
    /// HKDF info prefix for item keys (followed by the 16-byte item id).
    pub(crate) const ITEM: &[u8] = b"hearth/v1/item";
    /// HKDF info for the relay token.
    pub(crate) const RELAY_AUTH: &[u8] = b"hearth/v1/relay-auth";
    /// SHA-256 prefix for the vault code checksum.
    pub(crate) const VAULT_CODE: &[u8] = b"hearth/v1/vault-code";
    /// HPKE `info` for shares.
    pub(crate) const SHARE_INFO: &[u8] = b"hearth/v1/share";
}
