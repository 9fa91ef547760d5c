//! The unlocked vault: holds the VRK and does everything that needs it.

use zeroize::Zeroizing;

use crate::envelope::{Envelope, EnvelopeMeta, ENVELOPE_SALT_LEN};
use crate::error::{Error, Result};
use crate::hazmat::{self, NONCE_LEN, TAG_LEN};
use crate::header::VaultHeader;
use crate::ids::{ItemId, VaultId};
use crate::kdf::KdfParams;
use crate::labels;
use crate::padding;
use crate::secret::{ItemKey, Kek, Passphrase, Plaintext, RecoveryKey, RelayToken, VaultRootKey};

/// An unlocked vault: the vault root key and the current header.
///
/// Obtained by [`create`](Self::create), [`unlock`](Self::unlock) or
/// [`recover`](Self::recover); dropped (or [`lock`](Self::lock)ed) to lock. The VRK never
/// leaves this value: envelopes are sealed and opened through it, and the relay token is
/// derived from it. `Debug` shows the vault id and header version only.
pub struct UnlockedVault {
    vrk: VaultRootKey,
    header: VaultHeader,
}

/// What [`UnlockedVault::erase`] leaves the caller to delete.
///
/// Deleting the header destroys both wrapped copies of the VRK, and with them the only way
/// to derive any item key: every envelope becomes unreadable ciphertext even if a copy of it
/// survives somewhere (crypto-shredding). The rest is tidying up. **Every** copy of the header
/// must go — a device or backup still holding one can still be opened by the passphrase or
/// the recovery words.
#[derive(Debug)]
#[must_use = "erasing is only complete once the caller has deleted these"]
pub struct Erasure {
    /// The erased vault.
    pub vault_id: VaultId,
    /// The `{vault}` path segment for the relay's `DELETE /v1/vaults/{vault}`, which removes
    /// the remote header and every object.
    pub relay_id: String,
    /// The relay token for that DELETE (the VRK is gone, so this is the last chance to
    /// authenticate to the relay).
    pub relay_token: RelayToken,
    /// The header version that was current, for the app's records.
    pub header_version: u64,
}

impl UnlockedVault {
    /// Creates a vault: a random vault id, VRK and recovery key; the VRK wrapped under the
    /// passphrase (Argon2id with `params`) and under the recovery key. Returns the unlocked
    /// vault (its [`header`](Self::header) is what to store and upload) and the recovery key
    /// to show to the patient once, as [`RecoveryKey::to_words`].
    pub fn create(passphrase: &Passphrase, params: KdfParams) -> Result<(Self, RecoveryKey)> {
        let vault_id = VaultId::random()?;
        let vrk = VaultRootKey::random()?;
        let recovery = RecoveryKey::random()?;
        let header = VaultHeader::create(
            vault_id,
            &vrk,
            |salt| params.derive_kek(passphrase, salt, &vault_id),
            params,
            &recovery_kek(&recovery, &vault_id),
        )?;
        Ok((Self { vrk, header }, recovery))
    }

    /// Unlocks with the passphrase. Runs Argon2id with the header's parameters (checked when
    /// the header was parsed). Call [`VaultHeader::check`] first on a header read from
    /// storage.
    ///
    /// Fails with [`Error::WrongPassphrase`] for a wrong passphrase or an altered header.
    pub fn unlock(header: &VaultHeader, passphrase: &Passphrase) -> Result<Self> {
        let kek = header
            .kdf_params()
            .derive_kek(passphrase, header.salt(), &header.vault_id())?;
        Self::unlock_with_passphrase_kek(header, &kek)
    }

    pub(crate) fn unlock_with_passphrase_kek(header: &VaultHeader, kek: &Kek) -> Result<Self> {
        let vrk = header.unwrap_with_passphrase_kek(kek)?;
        Ok(Self {
            vrk,
            header: header.clone(),
        })
    }

    /// Recovers a vault whose passphrase is lost: unwraps the VRK with the recovery key and
    /// wraps it under `new_passphrase`, giving a new header (version + 1; the recovery key
    /// stays valid). Nothing else changes; every envelope stays readable.
    ///
    /// Fails with [`Error::WrongRecoveryKey`] for another vault's key or an altered header.
    pub fn recover(
        header: &VaultHeader,
        recovery: &RecoveryKey,
        new_passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<Self> {
        let vault_id = header.vault_id();
        let vrk = header.unwrap_with_recovery_kek(&recovery_kek(recovery, &vault_id))?;
        let next = header.next(
            &vrk,
            |salt| params.derive_kek(new_passphrase, salt, &vault_id),
            params,
        )?;
        Ok(Self { vrk, header: next })
    }

    /// Changes the passphrase: a fresh salt, the VRK re-wrapped under the new passphrase's
    /// KEK, header version + 1. Nothing else is re-encrypted. On error the vault keeps its
    /// current header. Store and upload the returned header (compare-and-set against the
    /// previous one); the old passphrase stops working once the old header is gone.
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &Passphrase,
        params: KdfParams,
    ) -> Result<&VaultHeader> {
        let vault_id = self.header.vault_id();
        self.header = self.header.next(
            &self.vrk,
            |salt| params.derive_kek(new_passphrase, salt, &vault_id),
            params,
        )?;
        Ok(&self.header)
    }

    /// The current header.
    pub fn header(&self) -> &VaultHeader {
        &self.header
    }

    /// The vault's id.
    pub fn vault_id(&self) -> VaultId {
        self.header.vault_id()
    }

    /// Seals one version of an item into an envelope: pads the plaintext to its bucket, draws
    /// a fresh 32-byte salt and 12-byte nonce, derives the item key
    /// HKDF-SHA256(VRK, salt, `"hearth/v1/item"` ‖ item id) and encrypts with AES-256-GCM,
    /// every header byte being AAD.
    pub fn seal(&self, meta: &EnvelopeMeta, plaintext: &[u8]) -> Result<Envelope> {
        let too_large = || Error::PlaintextTooLarge {
            len: plaintext.len(),
            max: padding::MAX_PLAINTEXT_LEN,
        };
        let padded = padding::pad(plaintext).ok_or_else(too_large)?;
        let ciphertext_len = u32::try_from(padded.len() + TAG_LEN).map_err(|_| too_large())?;
        let salt: [u8; ENVELOPE_SALT_LEN] = hazmat::random_array()?;
        let nonce: [u8; NONCE_LEN] = hazmat::random_array()?;
        let mut bytes = Envelope::encode_header(meta, &salt, &nonce, ciphertext_len);
        let key = self.item_key(&salt, &meta.item_id);
        let ciphertext = hazmat::aes256gcm_seal(key.expose(), &nonce, &bytes, &padded)?;
        bytes.extend_from_slice(&ciphertext);
        Ok(Envelope::from_sealed(bytes, *meta))
    }

    /// Opens an envelope. A wrong vault, any altered byte, and malformed padding all give
    /// [`Error::Decrypt`].
    pub fn open(&self, envelope: &Envelope) -> Result<Plaintext> {
        let key = self.item_key(envelope.salt(), &envelope.meta().item_id);
        let padded = hazmat::aes256gcm_open(
            key.expose(),
            &envelope.nonce(),
            envelope.header(),
            envelope.ciphertext(),
        )?;
        padding::unpad(padded)
            .map(Plaintext::new)
            .ok_or(Error::Decrypt)
    }

    /// Parses and opens envelope bytes in one step.
    pub fn open_bytes(&self, bytes: &[u8]) -> Result<(EnvelopeMeta, Plaintext)> {
        let envelope = Envelope::parse(bytes)?;
        let plaintext = self.open(&envelope)?;
        Ok((*envelope.meta(), plaintext))
    }

    /// The relay token: HKDF-SHA256(ikm = VRK, no salt, info = `"hearth/v1/relay-auth"`).
    /// The same on every device that unlocks this vault, and unchanged by passphrase
    /// changes.
    pub fn relay_token(&self) -> RelayToken {
        RelayToken::from_bytes(&hazmat::derive_key32(
            self.vrk.expose(),
            &[],
            &[labels::RELAY_AUTH],
        ))
    }

    /// Locks the vault: the VRK is zeroized. (Dropping does the same; this names the intent.)
    pub fn lock(self) {}

    /// Erases the vault: consumes and zeroizes it, and returns what the caller must delete —
    /// see [`Erasure`].
    pub fn erase(self) -> Erasure {
        Erasure {
            vault_id: self.vault_id(),
            relay_id: self.vault_id().to_relay_id(),
            relay_token: self.relay_token(),
            header_version: self.header.version(),
        }
    }

    fn item_key(&self, salt: &[u8], item_id: &ItemId) -> ItemKey {
        ItemKey::from_bytes(&hazmat::derive_key32(
            self.vrk.expose(),
            salt,
            &[labels::ITEM, item_id.as_bytes()],
        ))
    }

    #[cfg(test)]
    pub(crate) fn vrk_for_tests(&self) -> &[u8; 32] {
        self.vrk.expose()
    }
}

/// Recovery key → KEK: HKDF-SHA256(ikm = recovery key, salt = vault id,
/// info = `"hearth/v1/recovery-kek"`). No Argon2: the recovery key has 256 bits of entropy.
fn recovery_kek(recovery: &RecoveryKey, vault_id: &VaultId) -> Kek {
    let kek: Zeroizing<[u8; 32]> = hazmat::derive_key32(
        recovery.expose(),
        vault_id.as_bytes(),
        &[labels::RECOVERY_KEK],
    );
    Kek::from_bytes(&kek)
}

impl core::fmt::Debug for UnlockedVault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnlockedVault")
            .field("vault_id", &self.header.vault_id())
            .field("header_version", &self.header.version())
            .field("vrk", &self.vrk)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

    use super::*;
    use crate::envelope::EnvelopeKind;
    use crate::ids::DeviceId;

    fn passphrase(text: &str) -> Passphrase {
        Passphrase::new(text.into()).unwrap()
    }

    /// Derive the right KEK once, then show that 1,000 random wrong KEKs never unwrap the VRK
    /// and that the right one still does.
    #[test]
    fn a_thousand_wrong_keks_never_unwrap_the_vrk() {
        let (vault, _) =
            UnlockedVault::create(&passphrase("right horse battery"), KdfParams::MINIMUM).unwrap();
        let header = vault.header().clone();
        let right = KdfParams::MINIMUM
            .derive_kek(
                &passphrase("right horse battery"),
                header.salt(),
                &header.vault_id(),
            )
            .unwrap();
        let mut refused = 0;
        for _ in 0..1000 {
            let wrong = Kek::random().unwrap();
            assert_eq!(
                UnlockedVault::unlock_with_passphrase_kek(&header, &wrong).unwrap_err(),
                Error::WrongPassphrase
            );
            refused += 1;
        }
        assert_eq!(refused, 1000);
        let reopened = UnlockedVault::unlock_with_passphrase_kek(&header, &right).unwrap();
        assert_eq!(reopened.vrk_for_tests(), vault.vrk_for_tests());
    }

    /// 1,000 random recovery keys never unwrap the VRK (HKDF only, so the public path).
    #[test]
    fn a_thousand_wrong_recovery_keys_never_unwrap_the_vrk() {
        let (vault, recovery) =
            UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
        let header = vault.header();
        for _ in 0..1000 {
            let wrong = RecoveryKey::random().unwrap();
            assert_eq!(
                header
                    .unwrap_with_recovery_kek(&recovery_kek(&wrong, &header.vault_id()))
                    .unwrap_err(),
                Error::WrongRecoveryKey
            );
        }
        let vrk = header
            .unwrap_with_recovery_kek(&recovery_kek(&recovery, &header.vault_id()))
            .unwrap();
        assert_eq!(vrk.expose(), vault.vrk_for_tests());
    }

    /// Every single-bit flip of a vault header is rejected by the passphrase path: by the
    /// parser, by the KDF bounds, or by the unwrap. Flips of bytes that feed the KDF (vault
    /// id, parameters, salt) run the full Argon2id; for the others the correct KEK, derived
    /// once, is used. Flips that stay in range and raise `m` or `t` make this test do real
    /// work (up to 531 MiB); it stays a few seconds at opt-level 3.
    #[test]
    fn every_single_bit_flip_of_a_header_is_rejected() {
        let right = passphrase("header tamper");
        let (vault, recovery) = UnlockedVault::create(&right, KdfParams::MINIMUM).unwrap();
        let header = vault.header().clone();
        let bytes = header.to_bytes();
        let kek = KdfParams::MINIMUM
            .derive_kek(&right, header.salt(), &header.vault_id())
            .unwrap();
        let kdf_inputs = 13..57; // vault id, m, t, p, salt
        let recovery_inputs = [0..5, 13..29, 57..117]; // magic+format, vault id, recovery wrap
        let (mut parse, mut kdf_bounds, mut unwrap, mut full_kdf) = (0, 0, 0, 0);
        let mut recovery_rejected = 0;
        for byte in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[byte] ^= 1 << bit;
                let parsed = match VaultHeader::parse(&flipped) {
                    Ok(parsed) => parsed,
                    Err(Error::KdfParams { .. }) => {
                        kdf_bounds += 1;
                        continue;
                    }
                    Err(_) => {
                        parse += 1;
                        continue;
                    }
                };
                let result = if kdf_inputs.contains(&byte) {
                    full_kdf += 1;
                    UnlockedVault::unlock(&parsed, &right)
                } else {
                    UnlockedVault::unlock_with_passphrase_kek(&parsed, &kek)
                };
                assert_eq!(
                    result.unwrap_err(),
                    Error::WrongPassphrase,
                    "byte {byte} bit {bit}"
                );
                unwrap += 1;
                let recovered =
                    parsed.unwrap_with_recovery_kek(&recovery_kek(&recovery, &parsed.vault_id()));
                if recovery_inputs.iter().any(|r| r.contains(&byte)) {
                    assert_eq!(recovered.unwrap_err(), Error::WrongRecoveryKey);
                    recovery_rejected += 1;
                } else {
                    // By design the recovery wrap does not depend on the passphrase wrap,
                    // salt, parameters or version, so it still opens.
                    assert_eq!(recovered.unwrap().expose(), vault.vrk_for_tests());
                }
            }
        }
        println!(
            "header: {} single-bit flips rejected ({parse} by the parser, {kdf_bounds} by the \
             KDF bounds, {unwrap} as WrongPassphrase of which {full_kdf} ran the full KDF); \
             {recovery_rejected} also refused by the recovery path",
            bytes.len() * 8
        );
        assert_eq!(parse + kdf_bounds + unwrap, bytes.len() * 8);
        assert!(full_kdf > 256, "{full_kdf}");
        assert!(recovery_rejected >= 60 * 8, "{recovery_rejected}");
    }

    #[test]
    fn item_keys_differ_per_salt_and_per_item() {
        let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
        let item = ItemId::from_bytes([1; 16]);
        let a = vault.item_key(&[0; 32], &item);
        let b = vault.item_key(&[1; 32], &item);
        let c = vault.item_key(&[0; 32], &ItemId::from_bytes([2; 16]));
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.expose(), c.expose());
        assert_ne!(a.expose(), vault.vrk_for_tests());
    }

    /// Bad padding inside an authentic ciphertext is refused with the same error as a
    /// forgery.
    #[test]
    fn authentic_but_badly_padded_plaintext_is_decrypt() {
        let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::Item,
            item_id: ItemId::from_bytes([3; 16]),
            item_version: 1,
            device_id: DeviceId::from_bytes([4; 16]),
            parent: None,
        };
        let good = vault.seal(&meta, b"hello").unwrap();
        assert_eq!(vault.open(&good).unwrap().as_bytes(), b"hello");
        let mut nonzero_padding = padding::pad(b"hello").unwrap().to_vec();
        nonzero_padding[200] = 0xff;
        let mut overlong = vec![0u8; 256];
        overlong[..4].copy_from_slice(&300u32.to_be_bytes());
        for padded in [nonzero_padding, overlong] {
            let salt = [9u8; 32];
            let nonce = [7u8; 12];
            let mut bytes = Envelope::encode_header(&meta, &salt, &nonce, 256 + 16);
            let key = vault.item_key(&salt, &meta.item_id);
            bytes.extend(hazmat::aes256gcm_seal(key.expose(), &nonce, &bytes, &padded).unwrap());
            let envelope = Envelope::parse(&bytes).unwrap();
            assert_eq!(vault.open(&envelope).unwrap_err(), Error::Decrypt);
        }
    }

    #[test]
    fn failed_change_keeps_the_current_header() {
        let (mut vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
        // A header whose version counter is exhausted cannot be followed: the change fails
        // and the vault keeps the header it had.
        let exhausted = {
            let mut bytes = vault.header().to_bytes();
            bytes[5..13].copy_from_slice(&u64::MAX.to_be_bytes());
            VaultHeader::parse(&bytes).unwrap()
        };
        vault.header = exhausted.clone();
        assert_eq!(
            vault
                .change_passphrase(&passphrase("q"), KdfParams::MINIMUM)
                .unwrap_err(),
            Error::VersionExhausted
        );
        assert_eq!(vault.header(), &exhausted);
    }
}
