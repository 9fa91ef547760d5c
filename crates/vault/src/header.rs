//! The vault header: the one mutable object of a vault.

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Object, Result};
use crate::hazmat::{self, NONCE_LEN, TAG_LEN};
use crate::ids::VaultId;
use crate::kdf::{KdfParams, KDF_SALT_LEN};
use crate::secret::{Kek, VaultRootKey};

/// Magic bytes at the start of a vault header.
pub const HEADER_MAGIC: &[u8; 4] = b"HVHD";
/// The header format this build writes and reads.
pub const HEADER_FORMAT_VERSION: u8 = 1;
/// Size of a wrapped VRK: nonce (12) ‖ encrypted VRK (32) ‖ tag (16).
pub const WRAPPED_KEY_LEN: usize = NONCE_LEN + 32 + TAG_LEN;
/// Offset of the passphrase-wrapped VRK, the last field. Every byte before it — including
/// the recovery-wrapped VRK — is the passphrase wrap's AAD.
const PASSPHRASE_WRAP_OFFSET: usize = 4 + 1 + 8 + 16 + 12 + KDF_SALT_LEN + WRAPPED_KEY_LEN;
/// Size of a format-1 vault header: 177 bytes.
pub const HEADER_LEN: usize = PASSPHRASE_WRAP_OFFSET + WRAPPED_KEY_LEN;

/// The VRK encrypted under one KEK: `nonce ‖ AES-256-GCM(KEK, nonce, VRK, aad)`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct WrappedKey([u8; WRAPPED_KEY_LEN]);

impl WrappedKey {
    fn seal(kek: &Kek, vrk: &VaultRootKey, aad: &[u8]) -> Result<Self> {
        let nonce: [u8; NONCE_LEN] = hazmat::random_array()?;
        let sealed = hazmat::aes256gcm_seal(kek.expose(), &nonce, aad, vrk.expose())?;
        let mut out = [0u8; WRAPPED_KEY_LEN];
        out[..NONCE_LEN].copy_from_slice(&nonce);
        out[NONCE_LEN..].copy_from_slice(&sealed);
        Ok(Self(out))
    }

    /// Unwraps, or [`Error::Decrypt`].
    fn open(&self, kek: &Kek, aad: &[u8]) -> Result<VaultRootKey> {
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&self.0[..NONCE_LEN]);
        let vrk = hazmat::aes256gcm_open(kek.expose(), &nonce, aad, &self.0[NONCE_LEN..])?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&vrk);
        Ok(VaultRootKey::from_bytes(&bytes))
    }
}

/// A vault's header: the KDF parameters and salt, and the vault root key wrapped twice — under
/// the passphrase KEK and under the recovery KEK. Public data: anyone with the vault code can
/// fetch it from the relay (which is why the KDF is expensive).
///
/// It is the only object of a vault that is ever replaced: a passphrase change (or a
/// recovery) writes a new header with [`version`](Self::version) one higher, with a
/// compare-and-set on the relay. A device remembers the highest version it has seen and
/// refuses older or foreign headers with [`VaultHeader::check`]. Every other header byte —
/// version, vault id, KDF parameters, salt and the recovery wrap — is the AAD of the
/// passphrase wrap, so a successful passphrase unlock proves the whole header genuine (and a
/// tampered recovery wrap cannot be carried forward unnoticed by a passphrase change).
///
/// Byte layout: see `docs/envelope.md`.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultHeader {
    version: u64,
    vault_id: VaultId,
    kdf: KdfParams,
    salt: [u8; KDF_SALT_LEN],
    passphrase_wrap: WrappedKey,
    recovery_wrap: WrappedKey,
}

impl VaultHeader {
    /// Parses a header strictly: magic, format version, exact length, KDF parameter bounds.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, Object::VaultHeader);
        r.magic(HEADER_MAGIC)?;
        r.version(HEADER_FORMAT_VERSION)?;
        r.require(HEADER_LEN)?;
        let version = r.u64()?;
        let vault_id = VaultId::from_bytes(r.array()?);
        let (m_kib, t, p) = (r.u32()?, r.u32()?, r.u32()?);
        let kdf = KdfParams::new(m_kib, t, p)?;
        let salt = r.array()?;
        let recovery_wrap = WrappedKey(r.array()?);
        let passphrase_wrap = WrappedKey(r.array()?);
        r.finish()?;
        Ok(Self {
            version,
            vault_id,
            kdf,
            salt,
            passphrase_wrap,
            recovery_wrap,
        })
    }

    /// The header's bytes (always [`HEADER_LEN`] long).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.passphrase_aad();
        out.extend_from_slice(&self.passphrase_wrap.0);
        out
    }

    /// The header version counter: 1 for a new vault, +1 at each passphrase change or
    /// recovery.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The vault this header belongs to.
    pub fn vault_id(&self) -> VaultId {
        self.vault_id
    }

    /// The Argon2id parameters of the passphrase wrap.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf
    }

    /// Refuses a header that belongs to another vault ([`Error::ForeignHeader`]) or is older
    /// than `min_version`, the highest version this device has already seen
    /// ([`Error::StaleHeader`]). Call it on every header fetched from storage before
    /// unlocking or replacing anything.
    pub fn check(&self, expected: VaultId, min_version: u64) -> Result<()> {
        if self.vault_id != expected {
            return Err(Error::ForeignHeader {
                expected,
                found: self.vault_id,
            });
        }
        if self.version < min_version {
            return Err(Error::StaleHeader {
                minimum: min_version,
                found: self.version,
            });
        }
        Ok(())
    }

    /// SHA-256 of the header bytes, lowercase hex: the relay's ETag for it.
    pub fn etag_hex(&self) -> String {
        base16ct::lower::encode_string(&hazmat::sha256(&[&self.to_bytes()]))
    }

    /// Every header byte before the passphrase wrap.
    fn passphrase_aad(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(HEADER_MAGIC);
        out.push(HEADER_FORMAT_VERSION);
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(self.vault_id.as_bytes());
        out.extend_from_slice(&self.kdf.m_kib().to_be_bytes());
        out.extend_from_slice(&self.kdf.t().to_be_bytes());
        out.extend_from_slice(&self.kdf.p().to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.recovery_wrap.0);
        debug_assert_eq!(out.len(), PASSPHRASE_WRAP_OFFSET);
        out
    }

    /// The recovery wrap survives passphrase changes unchanged, so its AAD holds only what
    /// never changes: magic, format version and vault id.
    fn recovery_aad(vault_id: &VaultId) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 1 + 16 + crate::labels::RECOVERY_WRAP.len());
        out.extend_from_slice(HEADER_MAGIC);
        out.push(HEADER_FORMAT_VERSION);
        out.extend_from_slice(vault_id.as_bytes());
        out.extend_from_slice(crate::labels::RECOVERY_WRAP);
        out
    }

    /// A brand-new header (version 1) for a new vault.
    pub(crate) fn create(
        vault_id: VaultId,
        vrk: &VaultRootKey,
        passphrase_kek: impl FnOnce(&[u8; KDF_SALT_LEN]) -> Result<Kek>,
        kdf: KdfParams,
        recovery_kek: &Kek,
    ) -> Result<Self> {
        let recovery_wrap = WrappedKey::seal(recovery_kek, vrk, &Self::recovery_aad(&vault_id))?;
        Self::with_passphrase(vault_id, 1, vrk, passphrase_kek, kdf, recovery_wrap)
    }

    /// The next header: same vault and recovery wrap, a fresh salt and passphrase wrap,
    /// version + 1.
    pub(crate) fn next(
        &self,
        vrk: &VaultRootKey,
        passphrase_kek: impl FnOnce(&[u8; KDF_SALT_LEN]) -> Result<Kek>,
        kdf: KdfParams,
    ) -> Result<Self> {
        let version = self.version.checked_add(1).ok_or(Error::VersionExhausted)?;
        Self::with_passphrase(
            self.vault_id,
            version,
            vrk,
            passphrase_kek,
            kdf,
            self.recovery_wrap.clone(),
        )
    }

    fn with_passphrase(
        vault_id: VaultId,
        version: u64,
        vrk: &VaultRootKey,
        passphrase_kek: impl FnOnce(&[u8; KDF_SALT_LEN]) -> Result<Kek>,
        kdf: KdfParams,
        recovery_wrap: WrappedKey,
    ) -> Result<Self> {
        let salt: [u8; KDF_SALT_LEN] = hazmat::random_array()?;
        let kek = passphrase_kek(&salt)?;
        let mut header = Self {
            version,
            vault_id,
            kdf,
            salt,
            passphrase_wrap: WrappedKey([0; WRAPPED_KEY_LEN]),
            recovery_wrap,
        };
        header.passphrase_wrap = WrappedKey::seal(&kek, vrk, &header.passphrase_aad())?;
        Ok(header)
    }

    pub(crate) fn salt(&self) -> &[u8; KDF_SALT_LEN] {
        &self.salt
    }

    /// Unwraps the VRK with the passphrase KEK.
    pub(crate) fn unwrap_with_passphrase_kek(&self, kek: &Kek) -> Result<VaultRootKey> {
        self.passphrase_wrap
            .open(kek, &self.passphrase_aad())
            .map_err(|_| Error::WrongPassphrase)
    }

    /// Unwraps the VRK with the recovery KEK.
    pub(crate) fn unwrap_with_recovery_kek(&self, kek: &Kek) -> Result<VaultRootKey> {
        self.recovery_wrap
            .open(kek, &Self::recovery_aad(&self.vault_id))
            .map_err(|_| Error::WrongRecoveryKey)
    }
}

impl core::fmt::Debug for VaultHeader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VaultHeader")
            .field("version", &self.version)
            .field("vault_id", &self.vault_id)
            .field("kdf", &self.kdf)
            .finish_non_exhaustive()
    }
}
