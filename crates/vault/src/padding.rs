//! Length-hiding padding applied to every plaintext before encryption.
//!
//! The padded plaintext is `length (u32, big-endian) ‖ data ‖ zero bytes`, and its total
//! size is the smallest **bucket** that holds `4 + data.len()` bytes:
//!
//! - powers of two from 256 B to 64 KiB: 256, 512, 1 Ki, 2 Ki, 4 Ki, 8 Ki, 16 Ki, 32 Ki,
//!   64 Ki;
//! - then every multiple of 64 KiB, up to 64 MiB.
//!
//! So an observer learns only the bucket: short notes all look alike (≤ 252 bytes of text is
//! one 256-byte bucket), and a large attachment leaks its size to within 64 KiB. The waste is
//! under 50 % below 64 KiB and under 64 KiB above it.
//!
//! Unpadding is strict: the length must fit, the bucket must be the smallest one for that
//! length, and every padding byte must be zero. Anything else is refused (as
//! [`crate::Error::Decrypt`] by the callers, since it can only come from a sealer that had
//! the key).

use zeroize::Zeroizing;

/// Smallest bucket.
pub const MIN_BUCKET: usize = 256;
/// Largest power-of-two bucket; above it buckets grow in steps of this size.
pub const BUCKET_STEP: usize = 64 * 1024;
/// Largest bucket.
pub const MAX_BUCKET: usize = 64 * 1024 * 1024;
/// Bytes of the length prefix inside the padded plaintext.
pub const LENGTH_PREFIX: usize = 4;
/// The largest plaintext an envelope or share can carry: 64 MiB − 4 bytes.
pub const MAX_PLAINTEXT_LEN: usize = MAX_BUCKET - LENGTH_PREFIX;

/// The padded size for a plaintext of `len` bytes, or `None` above [`MAX_PLAINTEXT_LEN`].
pub fn padded_len(len: usize) -> Option<usize> {
    if len > MAX_PLAINTEXT_LEN {
        return None;
    }
    let needed = len + LENGTH_PREFIX;
    if needed <= BUCKET_STEP {
        Some(needed.next_power_of_two().max(MIN_BUCKET))
    } else {
        Some(needed.div_ceil(BUCKET_STEP) * BUCKET_STEP)
    }
}

/// Whether `size` is one of the buckets.
pub fn is_bucket(size: usize) -> bool {
    if size <= BUCKET_STEP {
        size >= MIN_BUCKET && size.is_power_of_two()
    } else {
        size <= MAX_BUCKET && size % BUCKET_STEP == 0
    }
}

/// Pads `data`; `None` when it is too large.
pub(crate) fn pad(data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let size = padded_len(data.len())?;
    let len = u32::try_from(data.len()).ok()?;
    let mut out = Zeroizing::new(Vec::with_capacity(size));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
    out.resize(size, 0);
    Some(out)
}

/// Removes padding in place; `None` when the padding is not exactly what [`pad`] makes.
pub(crate) fn unpad(mut padded: Zeroizing<Vec<u8>>) -> Option<Zeroizing<Vec<u8>>> {
    if !is_bucket(padded.len()) {
        return None;
    }
    let prefix: [u8; LENGTH_PREFIX] = padded.get(..LENGTH_PREFIX)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(prefix)).ok()?;
    if padded_len(len)? != padded.len() {
        return None;
    }
    let end = LENGTH_PREFIX + len;
    if padded[end..].iter().any(|&b| b != 0) {
        return None;
    }
    padded.truncate(end);
    padded.drain(..LENGTH_PREFIX);
    Some(padded)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn bucket_edges() {
        assert_eq!(padded_len(0), Some(256));
        assert_eq!(padded_len(252), Some(256));
        assert_eq!(padded_len(253), Some(512));
        assert_eq!(padded_len(65_532), Some(65_536));
        assert_eq!(padded_len(65_533), Some(131_072));
        assert_eq!(padded_len(131_068), Some(131_072));
        assert_eq!(padded_len(131_069), Some(196_608));
        assert_eq!(padded_len(1024 * 1024), Some(1024 * 1024 + 65_536));
        assert_eq!(padded_len(MAX_PLAINTEXT_LEN), Some(MAX_BUCKET));
        assert_eq!(padded_len(MAX_PLAINTEXT_LEN + 1), None);
        let buckets: Vec<usize> = (0..=MAX_BUCKET)
            .step_by(256)
            .filter(|&s| is_bucket(s))
            .collect();
        assert_eq!(buckets.len(), 9 + 1023);
        assert_eq!(buckets[..3], [256, 512, 1024]);
        assert_eq!(*buckets.last().unwrap(), MAX_BUCKET);
        assert!(!is_bucket(MAX_BUCKET + BUCKET_STEP));
        assert!(!is_bucket(128));
        assert!(!is_bucket(3 * 256));
    }

    #[test]
    fn unpad_is_strict() {
        let padded = pad(b"hello").unwrap();
        assert_eq!(padded.len(), 256);
        assert_eq!(unpad(padded.clone()).unwrap().as_slice(), b"hello");

        let mut nonzero = padded.clone();
        nonzero[255] = 1;
        assert!(unpad(nonzero).is_none());

        let mut too_long = padded.clone();
        too_long[..4].copy_from_slice(&253u32.to_be_bytes());
        assert!(unpad(too_long).is_none());

        // A valid length but not the smallest bucket for it.
        let mut over_padded = Zeroizing::new(vec![0u8; 512]);
        over_padded[..4].copy_from_slice(&5u32.to_be_bytes());
        assert!(unpad(over_padded).is_none());

        let not_a_bucket = Zeroizing::new(vec![0u8; 300]);
        assert!(unpad(not_a_bucket).is_none());
        assert!(unpad(Zeroizing::new(Vec::new())).is_none());
    }
}
