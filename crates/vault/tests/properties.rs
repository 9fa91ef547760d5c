//! Property tests: round trips for envelopes (0 B to 1 MiB), shares and headers; padded
//! sizes only ever land in the documented buckets; parsers never panic on arbitrary bytes.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use hearth_vault::{
    is_bucket, padded_len, ClinicianKeyPair, DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, Error,
    ItemId, KdfParams, Passphrase, Share, ShareKind, UnlockedVault, VaultHeader, VersionHash,
    BUCKET_STEP, ENVELOPE_OVERHEAD, MAX_PLAINTEXT_LEN, SHARE_HEADER_LEN,
};
use proptest::prelude::*;

const MIB: usize = 1024 * 1024;

fn vault() -> &'static UnlockedVault {
    static VAULT: OnceLock<UnlockedVault> = OnceLock::new();
    VAULT.get_or_init(|| {
        let passphrase = Passphrase::new("property tests".into()).unwrap();
        UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap()
            .0
    })
}

fn clinician() -> &'static ClinicianKeyPair {
    static CLINICIAN: OnceLock<ClinicianKeyPair> = OnceLock::new();
    CLINICIAN.get_or_init(|| ClinicianKeyPair::generate().unwrap())
}

fn kind() -> impl Strategy<Value = EnvelopeKind> {
    prop::sample::select(EnvelopeKind::ALL.to_vec())
}

fn share_kind() -> impl Strategy<Value = ShareKind> {
    prop::sample::select(ShareKind::ALL.to_vec())
}

fn meta() -> impl Strategy<Value = EnvelopeMeta> {
    (
        kind(),
        any::<[u8; 16]>(),
        any::<u64>(),
        any::<[u8; 16]>(),
        prop::option::of(any::<[u8; 32]>()),
    )
        .prop_map(|(kind, item, version, device, parent)| EnvelopeMeta {
            kind,
            item_id: ItemId::from_bytes(item),
            item_version: version,
            device_id: DeviceId::from_bytes(device),
            parent: parent
                .filter(|p| *p != [0; 32])
                .map(VersionHash::from_bytes),
        })
}

/// Pseudo-random bytes of a given length (xorshift64, eight bytes per step so that 1 MiB is
/// cheap even unoptimised).
fn bytes_of_len(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn check_envelope_round_trip(meta: &EnvelopeMeta, plaintext: &[u8]) {
    let envelope = vault().seal(meta, plaintext).unwrap();
    let bytes = envelope.as_bytes();
    let padded = bytes.len() - ENVELOPE_OVERHEAD;
    assert!(is_bucket(padded), "{padded} is not a bucket");
    assert_eq!(Some(padded), padded_len(plaintext.len()));
    let parsed = Envelope::parse(bytes).unwrap();
    assert_eq!(parsed.meta(), meta);
    assert_eq!(parsed.version_hash(), envelope.version_hash());
    let opened = vault().open(&parsed).unwrap();
    assert_eq!(opened.as_bytes(), plaintext);
}

/// Sizes at every bucket edge up to and including 1 MiB.
#[test]
fn envelope_round_trip_at_bucket_edges_up_to_1_mib() {
    let mut sizes = vec![0, 1, 2, 3, 4, 5, MIB - 4, MIB - 3, MIB];
    let mut bucket = 256;
    while bucket <= MIB {
        sizes.extend([bucket - 5, bucket - 4, bucket - 3]);
        bucket = if bucket < BUCKET_STEP {
            bucket * 2
        } else {
            bucket + 4 * BUCKET_STEP
        };
    }
    for (i, size) in sizes.into_iter().enumerate() {
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::ALL[i % EnvelopeKind::ALL.len()],
            item_id: ItemId::from_bytes([i as u8; 16]),
            item_version: i as u64,
            device_id: DeviceId::from_bytes([1; 16]),
            parent: None,
        };
        check_envelope_round_trip(&meta, &bytes_of_len(size, size as u64));
    }
}

#[test]
fn too_large_plaintext_is_refused() {
    // Checked before any allocation of the padded buffer or any encryption.
    let huge = vec![0u8; MAX_PLAINTEXT_LEN + 1];
    let meta = EnvelopeMeta {
        kind: EnvelopeKind::Item,
        item_id: ItemId::from_bytes([0; 16]),
        item_version: 0,
        device_id: DeviceId::from_bytes([0; 16]),
        parent: None,
    };
    assert_eq!(
        vault().seal(&meta, &huge).unwrap_err(),
        Error::PlaintextTooLarge {
            len: MAX_PLAINTEXT_LEN + 1,
            max: MAX_PLAINTEXT_LEN
        }
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// open(seal(x)) == x for random sizes across the whole range up to 1 MiB (fewer cases:
    /// each averages half a MiB, and the bucket-edge test above already covers 1 MiB).
    #[test]
    fn envelope_round_trip_any_size_to_1_mib(meta in meta(), size in 0..=MIB, seed in any::<u64>()) {
        check_envelope_round_trip(&meta, &bytes_of_len(size, seed));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// open(seal(x)) == x for random contents and sizes up to 8 KiB.
    #[test]
    fn envelope_round_trip_small(meta in meta(), plaintext in prop::collection::vec(any::<u8>(), 0..8192)) {
        check_envelope_round_trip(&meta, &plaintext);
    }

    /// The padded size is always a bucket, the smallest one that fits, and never wastes more
    /// than half (below 64 KiB) or 64 KiB (above).
    #[test]
    fn padded_sizes_fall_only_in_buckets(len in 0..=MAX_PLAINTEXT_LEN) {
        let padded = padded_len(len).unwrap();
        prop_assert!(is_bucket(padded));
        prop_assert!(padded >= len + 4);
        let smaller_fits = (256..padded).rev().find(|&s| is_bucket(s)).is_some_and(|s| s >= len + 4);
        prop_assert!(!smaller_fits);
        if padded <= BUCKET_STEP {
            prop_assert!(padded == 256 || padded < 2 * (len + 4));
        } else {
            prop_assert!(padded - (len + 4) < BUCKET_STEP);
        }
    }

    /// Shares round trip for every kind and random contents.
    #[test]
    fn share_round_trip(kind in share_kind(), plaintext in prop::collection::vec(any::<u8>(), 0..4096)) {
        let share = Share::seal(&clinician().public_key(), kind, &plaintext).unwrap();
        let padded = share.as_bytes().len() - SHARE_HEADER_LEN - 16;
        prop_assert_eq!(Some(padded), padded_len(plaintext.len()));
        let parsed = Share::parse(share.as_bytes()).unwrap();
        prop_assert_eq!(parsed.kind(), kind);
        let opened = clinician().open(&parsed).unwrap();
        prop_assert_eq!(opened.as_bytes(), &plaintext[..]);
    }

    /// Any in-range version and KDF parameters parse and serialise back to the same bytes;
    /// out-of-range parameters are refused by the parser.
    #[test]
    fn header_round_trip(version in any::<u64>(), m in any::<u32>(), t in 0u32..16, p in 0u32..8) {
        let mut bytes = vault().header().to_bytes();
        bytes[5..13].copy_from_slice(&version.to_be_bytes());
        bytes[29..33].copy_from_slice(&m.to_be_bytes());
        bytes[33..37].copy_from_slice(&t.to_be_bytes());
        bytes[37..41].copy_from_slice(&p.to_be_bytes());
        match (KdfParams::new(m, t, p), VaultHeader::parse(&bytes)) {
            (Ok(params), Ok(header)) => {
                prop_assert_eq!(header.version(), version);
                prop_assert_eq!(header.kdf_params(), params);
                prop_assert_eq!(header.vault_id(), vault().vault_id());
                prop_assert_eq!(header.to_bytes(), bytes);
            }
            (Err(expected), Err(got)) => prop_assert_eq!(expected, got),
            (a, b) => prop_assert!(false, "params {:?} but header {:?}", a, b),
        }
    }

    /// The parsers never panic, whatever the bytes.
    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), prefix in 0usize..4) {
        let magics: [&[u8]; 4] = [b"", b"HVEN\x01", b"HVHD\x01", b"HVSH\x01"];
        let mut input = magics[prefix].to_vec();
        input.extend_from_slice(&bytes);
        let _ = Envelope::parse(&input);
        let _ = VaultHeader::parse(&input);
        let _ = Share::parse(&input);
        let _ = vault().open_bytes(&input);
    }
}
