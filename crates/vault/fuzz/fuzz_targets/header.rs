//! `VaultHeader::parse` on arbitrary bytes. It must never panic; when it accepts, the header
//! is exactly `HEADER_LEN` bytes, `to_bytes` gives back the input, it re-parses to the same
//! value, its KDF parameters are within bounds (checked before any KDF could run), `check`
//! accepts its own id and version and refuses a higher minimum, and its vault id's text forms
//! round-trip. (Unlocking is not fuzzed: every attempt would run Argon2id.)

#![no_main]

use hearth_vault::{Error, KdfParams, VaultHeader, VaultId, HEADER_LEN, HEADER_MAGIC};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let header = match VaultHeader::parse(data) {
        Ok(header) => header,
        Err(err) => {
            assert!(!err.to_string().is_empty());
            return;
        }
    };

    // Parsing is lossless and idempotent.
    assert_eq!(data.len(), HEADER_LEN);
    assert_eq!(&data[..4], HEADER_MAGIC);
    let bytes = header.to_bytes();
    assert_eq!(bytes, data);
    assert_eq!(VaultHeader::parse(&bytes).as_ref(), Ok(&header));

    // Fields reflect the bytes; KDF bounds hold.
    assert_eq!(header.version().to_be_bytes(), data[5..13]);
    assert_eq!(header.vault_id().as_bytes(), &data[13..29]);
    let kdf = header.kdf_params();
    assert_eq!(KdfParams::new(kdf.m_kib(), kdf.t(), kdf.p()), Ok(kdf));
    assert_eq!(kdf.m_kib().to_be_bytes(), data[29..33]);
    assert_eq!(kdf.t().to_be_bytes(), data[33..37]);
    assert_eq!(kdf.p().to_be_bytes(), data[37..41]);
    assert_eq!(header.etag_hex().len(), 64);

    // Stale and foreign checks.
    let id = header.vault_id();
    assert_eq!(header.check(id, header.version()), Ok(()));
    assert_eq!(header.check(id, 0), Ok(()));
    if let Some(next) = header.version().checked_add(1) {
        assert!(matches!(
            header.check(id, next),
            Err(Error::StaleHeader { .. })
        ));
    }
    let mut other = *id.as_bytes();
    other[0] ^= 1;
    assert!(matches!(
        header.check(VaultId::from_bytes(other), 0),
        Err(Error::ForeignHeader { .. })
    ));

    // The vault id's text forms round-trip.
    assert_eq!(VaultId::from_code(&id.to_code()), Ok(id));
    assert_eq!(id.to_code().parse::<VaultId>(), Ok(id));
    assert_eq!(VaultId::from_relay_id(&id.to_relay_id()), Ok(id));
});
