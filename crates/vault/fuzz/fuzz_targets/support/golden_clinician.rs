//! The golden clinician of `crates/vault/tests/data/` (`tests/golden.rs`), so that a target
//! can open the shares it parses and check seal/open round trips.

use std::sync::OnceLock;

use hearth_vault::ClinicianKeyPair;

/// The golden clinician's secret key (`tests/golden.rs`).
const GOLDEN_CLINICIAN_SECRET: &str = "Z29sZGVuIGNsaW5pY2lhbiBzZWNyZXQga2V5IGJ5dGU";

/// The golden clinician's key pair.
pub fn golden_clinician() -> &'static ClinicianKeyPair {
    static CLINICIAN: OnceLock<ClinicianKeyPair> = OnceLock::new();
    CLINICIAN.get_or_init(|| {
        ClinicianKeyPair::from_secret_base64url(GOLDEN_CLINICIAN_SECRET).expect("golden key")
    })
}
