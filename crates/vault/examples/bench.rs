//! Native benchmark numbers for `hearth-vault`, printed as one JSON object on stdout:
//!
//! ```sh
//! cargo run -p hearth-vault --release --example bench
//! ```
//!
//! - `unlock_ms_default` / `unlock_ms_minimum`: [`UnlockedVault::unlock`] (Argon2id, HKDF,
//!   unwrap) at [`KdfParams::DEFAULT`] (64 MiB, t = 3, p = 1) and [`KdfParams::MINIMUM`]
//!   (19 MiB, t = 2, p = 1); median of 5 runs each.
//! - `seal_4k_us`, `open_4k_us`, `seal_open_4k_us`: sealing and opening a 4 KiB entry
//!   (4 096 bytes of plaintext, which pads to the 8 KiB bucket); medians over 1 000 runs after
//!   a warm-up.
//! - `envelope_overhead_bytes` / `share_overhead_bytes`: for plaintexts of 0, 100, 4 096 and
//!   65 536 bytes: `plaintext_bytes`, `padded_bucket`, `sealed_bytes` and
//!   `overhead_bytes` (sealed minus plaintext).
//! - `header_bytes`: the size of a vault header.
//!
//! Results and the machine they came from are in `docs/BENCHMARKS.md`. Numbers from a debug
//! build are meaningless; `"profile"` in the output says which build produced them.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark command: printing its result is the point"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hearth_vault::{
    padded_len, ClinicianKeyPair, DeviceId, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams,
    Passphrase, Share, ShareKind, UnlockedVault, VaultHeader,
};
use serde_json::{json, Value};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Unlock runs per KDF setting.
const UNLOCK_RUNS: usize = 5;
/// Measured seal/open runs.
const SEAL_OPEN_RUNS: usize = 1_000;
/// Unmeasured seal/open runs first (caches, allocator, CPU frequency).
const WARM_UP_RUNS: usize = 100;
/// The "4 KiB entry".
const ENTRY_LEN: usize = 4 * 1024;
/// Plaintext sizes for the overhead tables.
const OVERHEAD_SIZES: [usize; 4] = [0, 100, 4_096, 65_536];

fn main() -> Result<()> {
    let passphrase = Passphrase::new("benchmark: plum kettle orbit sundial".to_string())?;

    let unlock_ms_minimum = unlock_ms(&passphrase, KdfParams::MINIMUM)?;
    let unlock_ms_default = unlock_ms(&passphrase, KdfParams::DEFAULT)?;

    // Seal/open with a cheap vault: the KDF plays no part in them.
    let (vault, _recovery) = UnlockedVault::create(&passphrase, KdfParams::MINIMUM)?;
    let meta = EnvelopeMeta {
        kind: EnvelopeKind::Item,
        item_id: ItemId::random()?,
        item_version: 1,
        device_id: DeviceId::random()?,
        parent: None,
    };
    let entry = pattern(ENTRY_LEN);
    let (seal, open, seal_open) = seal_open_us(&vault, &meta, &entry)?;

    let mut envelope_overhead = Vec::new();
    for len in OVERHEAD_SIZES {
        let sealed = vault.seal(&meta, &pattern(len))?.into_bytes().len();
        envelope_overhead.push(overhead_row(len, sealed));
    }
    let clinician = ClinicianKeyPair::generate()?;
    let mut share_overhead = Vec::new();
    for len in OVERHEAD_SIZES {
        let sealed = Share::seal(&clinician.public_key(), ShareKind::Entries, &pattern(len))?
            .into_bytes()
            .len();
        share_overhead.push(overhead_row(len, sealed));
    }

    let report = json!({
        "unlock_ms_default": round(unlock_ms_default, 1),
        "unlock_ms_minimum": round(unlock_ms_minimum, 1),
        "seal_open_4k_us": round(seal_open, 2),
        "seal_4k_us": round(seal, 2),
        "open_4k_us": round(open, 2),
        "envelope_overhead_bytes": envelope_overhead,
        "header_bytes": vault.header().to_bytes().len(),
        "share_overhead_bytes": share_overhead,
        "kdf_default": kdf_json(KdfParams::DEFAULT),
        "kdf_minimum": kdf_json(KdfParams::MINIMUM),
        "runs": { "unlock": UNLOCK_RUNS, "seal_open": SEAL_OPEN_RUNS, "warm_up": WARM_UP_RUNS },
        "entry_bytes": ENTRY_LEN,
        "statistic": "median",
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    });
    println!("{report}");
    Ok(())
}

/// Median time of [`UNLOCK_RUNS`] unlocks of a fresh vault made with `params`, in ms.
fn unlock_ms(passphrase: &Passphrase, params: KdfParams) -> Result<f64> {
    let (vault, _recovery) = UnlockedVault::create(passphrase, params)?;
    // Unlock from the stored form, as a device does.
    let header = VaultHeader::parse(&vault.header().to_bytes())?;
    vault.lock();
    let mut samples = Vec::with_capacity(UNLOCK_RUNS);
    for _ in 0..UNLOCK_RUNS {
        let start = Instant::now();
        let unlocked = UnlockedVault::unlock(black_box(&header), black_box(passphrase))?;
        samples.push(start.elapsed());
        black_box(unlocked).lock();
    }
    Ok(median(&mut samples).as_secs_f64() * 1e3)
}

/// Medians of seal, open and seal + open of `plaintext`, in µs.
fn seal_open_us(
    vault: &UnlockedVault,
    meta: &EnvelopeMeta,
    plaintext: &[u8],
) -> Result<(f64, f64, f64)> {
    let mut seals = Vec::with_capacity(SEAL_OPEN_RUNS);
    let mut opens = Vec::with_capacity(SEAL_OPEN_RUNS);
    let mut both = Vec::with_capacity(SEAL_OPEN_RUNS);
    for run in 0..WARM_UP_RUNS + SEAL_OPEN_RUNS {
        let start = Instant::now();
        let envelope = vault.seal(black_box(meta), black_box(plaintext))?;
        let sealed = start.elapsed();
        let opened_at = Instant::now();
        let opened = vault.open(black_box(&envelope))?;
        let open = opened_at.elapsed();
        if opened.as_bytes() != plaintext {
            return Err("open(seal(x)) != x".into());
        }
        if run >= WARM_UP_RUNS {
            seals.push(sealed);
            opens.push(open);
            both.push(sealed + open);
        }
    }
    let us = |samples: &mut Vec<Duration>| median(samples).as_secs_f64() * 1e6;
    Ok((us(&mut seals), us(&mut opens), us(&mut both)))
}

/// One row of an overhead table.
fn overhead_row(plaintext: usize, sealed: usize) -> Value {
    json!({
        "plaintext_bytes": plaintext,
        "padded_bucket": padded_len(plaintext),
        "sealed_bytes": sealed,
        "overhead_bytes": sealed - plaintext,
    })
}

fn kdf_json(params: KdfParams) -> Value {
    json!({ "m_kib": params.m_kib(), "t": params.t(), "p": params.p() })
}

/// The median (the mean of the middle two for an even count).
fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    let mid = samples.len() / 2;
    if samples.len() % 2 == 0 && mid > 0 {
        (samples[mid - 1] + samples[mid]) / 2
    } else {
        samples.get(mid).copied().unwrap_or_default()
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// A plaintext of `len` bytes with a position-dependent pattern.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}
