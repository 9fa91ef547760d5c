//! A clinician's key pair kept under their passphrase, with the same machinery as a
//! patient's vault: the secret key is sealed in one envelope of a small vault of its own,
//! whose header wraps the root key under the passphrase (Argon2id) and a recovery key.

use crate::envelope::{Envelope, EnvelopeKind, EnvelopeMeta};
use crate::error::{Error, Object, Result};
use crate::header::{VaultHeader, HEADER_LEN};
use crate::ids::{DeviceId, ItemId};
use crate::kdf::KdfParams;
use crate::secret::{Passphrase, RecoveryKey};
use crate::share::ClinicianKeyPair;
use crate::vault::UnlockedVault;

/// A clinician key pair sealed under a passphrase: a [`VaultHeader`] followed by the one
/// envelope that holds the secret key. Safe to keep in browser storage or a file; only the
/// passphrase (or the recovery key shown when it was made) opens it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedClinicianKey {
    header: VaultHeader,
    envelope: Envelope,
}

impl SealedClinicianKey {
    /// Seals `pair` under `passphrase`. Returns the sealed key and the recovery key that
    /// also opens it (to be shown once, like a patient's 24 words).
    pub fn seal(
        pair: &ClinicianKeyPair,
        passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<(Self, RecoveryKey)> {
        let (vault, recovery) = UnlockedVault::create(passphrase, params)?;
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::Item,
            item_id: ItemId::random()?,
            item_version: 1,
            device_id: DeviceId::random()?,
            parent: None,
        };
        let envelope = vault.seal(&meta, pair.secret_to_base64url().as_bytes())?;
        Ok((
            Self {
                header: vault.header().clone(),
                envelope,
            },
            recovery,
        ))
    }

    /// Opens the key pair with the passphrase ([`Error::WrongPassphrase`] if it is not the
    /// one it was sealed under).
    pub fn open(&self, passphrase: &Passphrase) -> Result<ClinicianKeyPair> {
        self.open_with(&UnlockedVault::unlock(&self.header, passphrase)?)
    }

    /// For a forgotten passphrase: opens the key pair with the recovery key and seals it
    /// under `new_passphrase` (the recovery key stays valid). Store the returned sealed key
    /// in place of this one.
    pub fn recover(
        &self,
        recovery: &RecoveryKey,
        new_passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<(Self, ClinicianKeyPair)> {
        let vault = UnlockedVault::recover(&self.header, recovery, new_passphrase, params)?;
        let pair = self.open_with(&vault)?;
        let sealed = Self {
            header: vault.header().clone(),
            envelope: self.envelope.clone(),
        };
        Ok((sealed, pair))
    }

    fn open_with(&self, vault: &UnlockedVault) -> Result<ClinicianKeyPair> {
        let secret = vault.open(&self.envelope)?;
        let text = core::str::from_utf8(secret.as_bytes()).map_err(|_| Error::Malformed {
            object: Object::ClinicianKey,
            reason: "the sealed secret key is not text",
        })?;
        ClinicianKeyPair::from_secret_base64url(text)
    }

    /// The bytes to store: the header, then the envelope.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.header.to_bytes();
        out.extend_from_slice(self.envelope.as_bytes());
        out
    }

    /// Parses stored bytes strictly (a damaged file is an error, never a different key).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::Truncated {
                object: Object::ClinicianKey,
                needed: HEADER_LEN,
                got: bytes.len(),
            });
        }
        let (header, envelope) = bytes.split_at(HEADER_LEN);
        Ok(Self {
            header: VaultHeader::parse(header)?,
            envelope: Envelope::parse(envelope)?,
        })
    }
}

impl core::fmt::Debug for SealedClinicianKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealedClinicianKey")
            .field("vault_id", &self.header.vault_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::share::{Share, ShareKind};

    fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text.to_owned()).unwrap()
    }

    #[test]
    fn the_sealed_key_opens_with_its_passphrase_only() {
        let pair = ClinicianKeyPair::generate().unwrap();
        let share = Share::seal(&pair.public_key(), ShareKind::Entries, b"a shared entry").unwrap();
        let (sealed, _) = SealedClinicianKey::seal(
            &pair,
            &passphrase("lantern orchard seven"),
            KdfParams::MINIMUM,
        )
        .unwrap();
        let stored = SealedClinicianKey::parse(&sealed.to_bytes()).unwrap();
        let opened = stored.open(&passphrase("lantern orchard seven")).unwrap();
        assert_eq!(opened.public_key(), pair.public_key());
        assert_eq!(opened.open(&share).unwrap().as_bytes(), b"a shared entry");
        assert!(matches!(
            stored.open(&passphrase("lantern orchard eight")),
            Err(Error::WrongPassphrase)
        ));
        // Nothing of the secret key shows in the stored bytes.
        let secret = pair.secret_to_base64url();
        let bytes = sealed.to_bytes();
        assert!(!bytes.windows(8).any(|w| secret.as_bytes().starts_with(w)));
    }

    #[test]
    fn the_recovery_key_sets_a_new_passphrase() {
        let pair = ClinicianKeyPair::generate().unwrap();
        let (sealed, recovery) =
            SealedClinicianKey::seal(&pair, &passphrase("first one here"), KdfParams::MINIMUM)
                .unwrap();
        let (renewed, opened) = sealed
            .recover(&recovery, &passphrase("second one now"), KdfParams::MINIMUM)
            .unwrap();
        assert_eq!(opened.public_key(), pair.public_key());
        let again = renewed.open(&passphrase("second one now")).unwrap();
        assert_eq!(again.public_key(), pair.public_key());
    }

    #[test]
    fn damaged_bytes_are_refused() {
        let pair = ClinicianKeyPair::generate().unwrap();
        let (sealed, _) =
            SealedClinicianKey::seal(&pair, &passphrase("lantern orchard"), KdfParams::MINIMUM)
                .unwrap();
        let mut bytes = sealed.to_bytes();
        assert!(SealedClinicianKey::parse(&bytes[..40]).is_err());
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = SealedClinicianKey::parse(&bytes).unwrap();
        assert!(altered.open(&passphrase("lantern orchard")).is_err());
    }
}
