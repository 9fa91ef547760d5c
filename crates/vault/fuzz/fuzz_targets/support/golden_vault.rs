//! The golden vault of `crates/vault/tests/data/` (`tests/golden.rs`), unlocked once per
//! fuzzing process, so that a target can open what it parses and check seal/open round trips.

use std::sync::OnceLock;

use hearth_vault::{Passphrase, UnlockedVault, VaultHeader};

/// The golden header (KDF at the minimum parameters, so unlocking it once is cheap).
const GOLDEN_HEADER_HEX: &str = include_str!("../../../tests/data/golden_header.hex");
/// The golden vault's passphrase (`tests/golden.rs`).
const GOLDEN_PASSPHRASE: &str = "golden plum kettle orbit sundial";

/// The golden vault, unlocked once per fuzzing process.
pub fn golden_vault() -> &'static UnlockedVault {
    static VAULT: OnceLock<UnlockedVault> = OnceLock::new();
    VAULT.get_or_init(|| {
        let bytes = base16ct::mixed::decode_vec(GOLDEN_HEADER_HEX.trim()).expect("golden hex");
        let header = VaultHeader::parse(&bytes).expect("golden header parses");
        let passphrase = Passphrase::new(GOLDEN_PASSPHRASE.to_string()).expect("passphrase");
        UnlockedVault::unlock(&header, &passphrase).expect("golden header unlocks")
    })
}
