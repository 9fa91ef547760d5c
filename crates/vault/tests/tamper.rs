//! Exhaustive tamper tests: every single-bit flip, every truncation, appended trailing bytes,
//! and every header field swapped between two envelopes must be rejected — and a wrong key
//! must look exactly like tampering (`Error::Decrypt`).
//!
//! The counts are asserted exactly and printed; see them with
//! `cargo test -p hearth-vault --test tamper -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::ops::Range;
use std::sync::OnceLock;

use hearth_vault::{
    ClinicianKeyPair, DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, Error, ItemId, KdfParams,
    Passphrase, Share, ShareKind, UnlockedVault, VersionHash,
};

fn vault() -> &'static UnlockedVault {
    static VAULT: OnceLock<UnlockedVault> = OnceLock::new();
    VAULT.get_or_init(|| {
        let passphrase = Passphrase::new("tamper test passphrase".into()).unwrap();
        UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap()
            .0
    })
}

/// Plaintext sizes: the smallest bucket (empty and nearly full) and the second bucket.
const SIZES: [usize; 3] = [0, 252, 300];

fn meta(kind: EnvelopeKind, n: u8, parent: Option<VersionHash>) -> EnvelopeMeta {
    EnvelopeMeta {
        kind,
        item_id: ItemId::from_bytes([n; 16]),
        item_version: u64::from(n) * 1000 + 7,
        device_id: DeviceId::from_bytes([n ^ 0x5a; 16]),
        parent,
    }
}

/// One envelope per kind and size, alternating with and without a parent hash.
fn envelopes() -> Vec<Envelope> {
    let mut out = Vec::new();
    for (k, kind) in EnvelopeKind::ALL.into_iter().enumerate() {
        for (s, &size) in SIZES.iter().enumerate() {
            let parent = ((k + s) % 2 == 0).then(|| VersionHash::from_bytes([0xa5; 32]));
            let plaintext: Vec<u8> = (0..size).map(|i| (i % 256) as u8).collect();
            let n = u8::try_from(k * SIZES.len() + s + 1).unwrap();
            out.push(vault().seal(&meta(kind, n, parent), &plaintext).unwrap());
        }
    }
    out
}

/// Parse-then-open, as the app does with stored bytes.
fn open(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    vault()
        .open_bytes(bytes)
        .map(|(_, plaintext)| plaintext.as_bytes().to_vec())
}

#[derive(Default, Debug)]
struct Tally {
    attempts: usize,
    parse_errors: usize,
    decrypt_errors: usize,
}

impl Tally {
    fn record(&mut self, result: Result<Vec<u8>, Error>, what: &str) {
        self.attempts += 1;
        match result {
            Ok(_) => panic!("accepted: {what}"),
            Err(Error::Decrypt) => self.decrypt_errors += 1,
            Err(_) => self.parse_errors += 1,
        }
    }
}

#[test]
fn every_single_bit_flip_of_every_envelope_kind_is_rejected() {
    let envelopes = envelopes();
    let mut tally = Tally::default();
    let mut expected = 0;
    for envelope in &envelopes {
        let original = envelope.as_bytes();
        open(original).unwrap();
        expected += original.len() * 8;
        for byte in 0..original.len() {
            for bit in 0..8 {
                let mut flipped = original.to_vec();
                flipped[byte] ^= 1 << bit;
                tally.record(
                    open(&flipped),
                    &format!("{:?} byte {byte} bit {bit}", envelope.kind()),
                );
            }
        }
    }
    println!(
        "envelopes: {} envelopes ({} kinds x {} sizes), {} single-bit flips rejected \
         ({} by the parser, {} as Decrypt)",
        envelopes.len(),
        EnvelopeKind::ALL.len(),
        SIZES.len(),
        tally.attempts,
        tally.parse_errors,
        tally.decrypt_errors
    );
    assert_eq!(tally.attempts, expected);
    // 6 kinds x (398 + 398 + 654 bytes) x 8 bits.
    assert_eq!(expected, 69_600);
}

#[test]
fn every_truncation_and_every_trailing_byte_is_rejected() {
    let envelopes = envelopes();
    let mut truncations = Tally::default();
    let mut trailing = Tally::default();
    for envelope in &envelopes {
        let original = envelope.as_bytes();
        for len in 0..original.len() {
            truncations.record(open(&original[..len]), &format!("truncated to {len}"));
        }
        for value in 0..=255u8 {
            let mut longer = original.to_vec();
            longer.push(value);
            trailing.record(open(&longer), &format!("trailing byte {value}"));
        }
        for extra in 2..=64 {
            let mut longer = original.to_vec();
            longer.resize(original.len() + extra, 0);
            trailing.record(open(&longer), &format!("{extra} trailing bytes"));
        }
    }
    println!(
        "envelopes: {} truncations and {} trailing-byte variants rejected",
        truncations.attempts, trailing.attempts
    );
    assert_eq!(truncations.decrypt_errors, 0, "truncation is a parse error");
    assert_eq!(
        trailing.decrypt_errors, 0,
        "trailing bytes are a parse error"
    );
    assert_eq!(trailing.attempts, envelopes.len() * (256 + 63));
}

/// The envelope header fields, by byte range (docs/envelope.md).
const FIELDS: [(&str, Range<usize>); 10] = [
    ("magic+version", 0..5),
    ("kind", 5..6),
    ("item id", 6..22),
    ("item version", 22..30),
    ("device id", 30..46),
    ("parent hash", 46..78),
    ("salt", 78..110),
    ("nonce", 110..122),
    ("ciphertext length", 122..126),
    ("ciphertext", 126..usize::MAX),
];

#[test]
fn swapping_any_header_field_between_two_envelopes_is_rejected() {
    let envelopes = envelopes();
    let mut tally = Tally::default();
    for a in &envelopes {
        for b in &envelopes {
            if a == b {
                continue;
            }
            let (a, b) = (a.as_bytes(), b.as_bytes());
            for (name, range) in FIELDS {
                let ra = range.start..range.end.min(a.len());
                let rb = range.start..range.end.min(b.len());
                if a[ra.clone()] == b[rb.clone()] {
                    continue; // identical field (magic, or equal lengths): nothing to swap
                }
                let mut spliced = a[..ra.start].to_vec();
                spliced.extend_from_slice(&b[rb]);
                spliced.extend_from_slice(&a[ra.end..]);
                tally.record(open(&spliced), &format!("swapped {name}"));
            }
        }
    }
    println!(
        "envelopes: {} header-field swaps between envelope pairs rejected \
         ({} by the parser, {} as Decrypt)",
        tally.attempts, tally.parse_errors, tally.decrypt_errors
    );
    assert!(tally.attempts > 1500);
}

#[test]
fn a_wrong_vault_and_a_forgery_get_the_same_error() {
    let other = UnlockedVault::create(
        &Passphrase::new("another vault".into()).unwrap(),
        KdfParams::MINIMUM,
    )
    .unwrap()
    .0;
    for envelope in envelopes() {
        let wrong_key = other.open(&envelope).unwrap_err();
        let mut forged = envelope.as_bytes().to_vec();
        let last = forged.len() - 1;
        forged[last] ^= 0x80;
        let forgery = vault().open_bytes(&forged).unwrap_err();
        assert_eq!(wrong_key, Error::Decrypt);
        assert_eq!(wrong_key, forgery);
        assert_eq!(wrong_key.to_string(), forgery.to_string());
    }
}

fn clinician() -> &'static ClinicianKeyPair {
    static CLINICIAN: OnceLock<ClinicianKeyPair> = OnceLock::new();
    CLINICIAN.get_or_init(|| ClinicianKeyPair::generate().unwrap())
}

fn open_share(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let share = Share::parse(bytes)?;
    clinician()
        .open(&share)
        .map(|plaintext| plaintext.as_bytes().to_vec())
}

#[test]
fn every_single_bit_flip_truncation_and_trailing_byte_of_every_share_kind_is_rejected() {
    let mut flips = Tally::default();
    let mut cuts = Tally::default();
    let mut shares = 0;
    for kind in ShareKind::ALL {
        for size in [0usize, 300] {
            let plaintext = vec![0x42; size];
            let share = Share::seal(&clinician().public_key(), kind, &plaintext).unwrap();
            let original = share.as_bytes();
            assert_eq!(open_share(original).unwrap(), plaintext);
            shares += 1;
            for byte in 0..original.len() {
                for bit in 0..8 {
                    let mut flipped = original.to_vec();
                    flipped[byte] ^= 1 << bit;
                    flips.record(
                        open_share(&flipped),
                        &format!("share {kind:?} byte {byte} bit {bit}"),
                    );
                }
            }
            for len in 0..original.len() {
                cuts.record(open_share(&original[..len]), "truncated share");
            }
            for extra in 1..=16 {
                let mut longer = original.to_vec();
                longer.resize(original.len() + extra, 0xff);
                cuts.record(open_share(&longer), "share with trailing bytes");
            }
        }
    }
    println!(
        "shares: {shares} shares ({} kinds x 2 sizes), {} single-bit flips rejected \
         ({} by the parser, {} as Decrypt); {} truncations/trailing variants rejected",
        ShareKind::ALL.len(),
        flips.attempts,
        flips.parse_errors,
        flips.decrypt_errors,
        cuts.attempts
    );
    // 5 kinds x (314 + 570 bytes) x 8 bits.
    assert_eq!(flips.attempts, 35_360);
}

#[test]
fn a_share_for_another_clinician_looks_like_a_forgery() {
    let other = ClinicianKeyPair::generate().unwrap();
    let share = Share::seal(&clinician().public_key(), ShareKind::SafetyPlan, b"plan").unwrap();
    assert_eq!(other.open(&share).unwrap_err(), Error::Decrypt);
}
