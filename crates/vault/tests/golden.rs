//! Frozen "golden" objects of Hearth's own formats, in `tests/data/`. They were generated
//! once (by `write_golden_files` below) and committed; every future build must keep opening
//! them exactly. If one of these tests fails, the change broke compatibility with data that
//! patients already have: fix the change, never the files.
//!
//! The fixed keys are the golden vault's passphrase and recovery words (which together pin
//! Argon2id, both KEK derivations, both wraps, the VRK and every item key) and the golden
//! clinician's secret key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use hearth_vault::{
    ClinicianKeyPair, ClinicianPublicKey, DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, ItemId,
    KdfParams, Passphrase, RecoveryKey, Share, ShareKind, UnlockedVault, VaultHeader, VaultId,
    VersionHash,
};

const PASSPHRASE: &str = "golden plum kettle orbit sundial";
const NEW_PASSPHRASE: &str = "golden passphrase after recovery";
const CLINICIAN_SECRET: &str = "Z29sZGVuIGNsaW5pY2lhbiBzZWNyZXQga2V5IGJ5dGU";
const DEVICE: DeviceId = DeviceId::from_bytes(*b"golden-device-01");

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn read_hex(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(data(name)).unwrap();
    base16ct::mixed::decode_vec(text.trim()).unwrap()
}

fn read_text(name: &str) -> String {
    std::fs::read_to_string(data(name))
        .unwrap()
        .trim()
        .to_string()
}

/// A plaintext of `len` bytes with a recognisable, position-dependent pattern.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// The golden envelopes: file name, metadata, plaintext, and the name of the parent file.
fn golden_envelopes() -> Vec<(&'static str, EnvelopeMeta, Vec<u8>, Option<&'static str>)> {
    let entry = ItemId::from_bytes(*b"golden-entry-001");
    let meta = |kind, item_id, item_version| EnvelopeMeta {
        kind,
        item_id,
        item_version,
        device_id: DEVICE,
        parent: None,
    };
    vec![
        (
            "golden_envelope_item_v1.hex",
            meta(EnvelopeKind::Item, entry, 1),
            "Today I noticed the knot in my stomach before the meeting. \u{1F331}"
                .as_bytes()
                .to_vec(),
            None,
        ),
        (
            "golden_envelope_item_v2.hex",
            meta(EnvelopeKind::Item, entry, 2),
            pattern(5000),
            Some("golden_envelope_item_v1.hex"),
        ),
        (
            "golden_envelope_tombstone.hex",
            meta(EnvelopeKind::Tombstone, entry, 3),
            Vec::new(),
            Some("golden_envelope_item_v2.hex"),
        ),
        (
            "golden_envelope_consent.hex",
            meta(
                EnvelopeKind::Consent,
                ItemId::from_bytes(*b"golden-consent-1"),
                1,
            ),
            br#"{"consent_version":1,"choice":"ai_and_clinician","at":"2025-01-01T00:00:00Z"}"#
                .to_vec(),
            None,
        ),
        (
            "golden_envelope_settings.hex",
            meta(
                EnvelopeKind::Settings,
                ItemId::from_bytes(*b"golden-settings1"),
                1,
            ),
            pattern(252),
            None,
        ),
        (
            "golden_envelope_share_record.hex",
            meta(
                EnvelopeKind::ShareRecord,
                ItemId::from_bytes(*b"golden-sharerec1"),
                1,
            ),
            pattern(253),
            None,
        ),
    ]
}

const SHARE_PLAINTEXT: &[u8] = b"PHQ-9: 11 (moderate). GAD-7: 8 (mild). Shared by the patient.";

#[test]
fn golden_header_unlocks_with_the_golden_passphrase_and_recovery_words() {
    let header = VaultHeader::parse(&read_hex("golden_header.hex")).unwrap();
    let vault_id: VaultId = read_text("golden_vault_code.txt").parse().unwrap();
    header.check(vault_id, 1).unwrap();
    assert_eq!(header.version(), 1);
    assert_eq!(header.kdf_params(), KdfParams::MINIMUM);

    let vault =
        UnlockedVault::unlock(&header, &Passphrase::new(PASSPHRASE.into()).unwrap()).unwrap();
    assert_eq!(
        vault.relay_token().to_base64url().as_str(),
        read_text("golden_relay_token.txt")
    );

    let recovery = RecoveryKey::from_words(&read_text("golden_recovery_words.txt")).unwrap();
    let recovered = UnlockedVault::recover(
        &header,
        &recovery,
        &Passphrase::new(NEW_PASSPHRASE.into()).unwrap(),
        KdfParams::MINIMUM,
    )
    .unwrap();
    assert_eq!(recovered.header().version(), 2);
    assert_eq!(
        recovered.relay_token().to_base64url(),
        vault.relay_token().to_base64url()
    );
}

#[test]
fn golden_envelopes_keep_opening() {
    let header = VaultHeader::parse(&read_hex("golden_header.hex")).unwrap();
    let vault =
        UnlockedVault::unlock(&header, &Passphrase::new(PASSPHRASE.into()).unwrap()).unwrap();
    for (file, meta, plaintext, parent_file) in golden_envelopes() {
        let bytes = read_hex(file);
        let envelope = Envelope::parse(&bytes).unwrap();
        let expected_parent: Option<VersionHash> =
            parent_file.map(|p| Envelope::parse(&read_hex(p)).unwrap().version_hash());
        assert_eq!(
            envelope.meta(),
            &EnvelopeMeta {
                parent: expected_parent,
                ..meta
            },
            "{file}"
        );
        assert_eq!(
            vault.open(&envelope).unwrap().as_bytes(),
            plaintext,
            "{file}"
        );
        assert_eq!(envelope.as_bytes(), bytes.as_slice());
    }
}

#[test]
fn golden_share_keeps_opening() {
    let clinician = ClinicianKeyPair::from_secret_base64url(CLINICIAN_SECRET).unwrap();
    assert_eq!(
        clinician.public_key(),
        read_text("golden_clinician_public_key.txt")
            .parse::<ClinicianPublicKey>()
            .unwrap()
    );
    let share = Share::parse(&read_hex("golden_share_scores.hex")).unwrap();
    assert_eq!(share.kind(), ShareKind::Scores);
    assert_eq!(clinician.open(&share).unwrap().as_bytes(), SHARE_PLAINTEXT);
}

/// Writes the golden files. Run once, by hand, when a new format version is introduced:
/// `HEARTH_WRITE_GOLDEN=1 cargo test -p hearth-vault --test golden -- --ignored`.
/// Never run it to "fix" a failing golden test.
#[test]
#[ignore = "writes tests/data/golden_*; run by hand only when adding a format version"]
fn write_golden_files() {
    if std::env::var_os("HEARTH_WRITE_GOLDEN").is_none() {
        return;
    }
    let write = |name: &str, text: String| std::fs::write(data(name), text + "\n").unwrap();
    let hex = |bytes: &[u8]| base16ct::lower::encode_string(bytes);

    let passphrase = Passphrase::new(PASSPHRASE.into()).unwrap();
    let (vault, recovery) = UnlockedVault::create(&passphrase, KdfParams::MINIMUM).unwrap();
    write("golden_header.hex", hex(&vault.header().to_bytes()));
    write("golden_vault_code.txt", vault.vault_id().to_code());
    write(
        "golden_recovery_words.txt",
        recovery.to_words().as_str().to_string(),
    );
    write(
        "golden_relay_token.txt",
        vault.relay_token().to_base64url().to_string(),
    );

    let mut written: Vec<(&str, VersionHash)> = Vec::new();
    for (file, meta, plaintext, parent_file) in golden_envelopes() {
        let parent = parent_file.map(|p| written.iter().find(|(name, _)| *name == p).unwrap().1);
        let envelope = vault
            .seal(&EnvelopeMeta { parent, ..meta }, &plaintext)
            .unwrap();
        write(file, hex(envelope.as_bytes()));
        written.push((file, envelope.version_hash()));
    }

    let clinician = ClinicianKeyPair::from_secret_base64url(CLINICIAN_SECRET).unwrap();
    write(
        "golden_clinician_public_key.txt",
        clinician.public_key().to_base64url(),
    );
    let share = Share::seal(&clinician.public_key(), ShareKind::Scores, SHARE_PLAINTEXT).unwrap();
    write("golden_share_scores.hex", hex(share.as_bytes()));
}
