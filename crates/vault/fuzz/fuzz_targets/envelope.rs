//! `Envelope::parse` on arbitrary bytes. It must never panic; when it accepts, the envelope
//! keeps the exact input bytes, re-parses to the same value, has a legal size, and either
//! opens under the golden vault (then a re-seal of the plaintext with the same metadata opens
//! to the same plaintext at the same size) or fails with `Decrypt` and nothing else.

#![no_main]

#[path = "support/golden_vault.rs"]
mod golden_vault;

use hearth_vault::{
    is_bucket, padded_len, Envelope, EnvelopeKind, Error, ENVELOPE_HEADER_LEN, ENVELOPE_OVERHEAD,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let envelope = match Envelope::parse(data) {
        Ok(envelope) => envelope,
        Err(err) => {
            // Every error must format (the UI shows it).
            assert!(!err.to_string().is_empty());
            return;
        }
    };

    // Parsing is lossless and idempotent.
    assert_eq!(envelope.as_bytes(), data);
    assert_eq!(Envelope::parse(envelope.as_bytes()).as_ref(), Ok(&envelope));

    // Size: header ‖ (padding bucket + tag); length field agrees.
    assert!(data.len() > ENVELOPE_OVERHEAD);
    assert!(is_bucket(data.len() - ENVELOPE_OVERHEAD));
    let length_field = &data[ENVELOPE_HEADER_LEN - 4..ENVELOPE_HEADER_LEN];
    assert_eq!(
        u32::from_be_bytes(length_field.try_into().expect("4 bytes")) as usize,
        data.len() - ENVELOPE_HEADER_LEN
    );

    // Metadata reflects the bytes.
    let meta = *envelope.meta();
    assert_eq!(meta.kind.to_byte(), data[5]);
    assert_eq!(EnvelopeKind::from_byte(data[5]), Some(meta.kind));
    assert_eq!(meta.item_id.as_bytes(), &data[6..22]);
    assert_eq!(meta.item_version.to_be_bytes(), data[22..30]);
    assert_eq!(meta.device_id.as_bytes(), &data[30..46]);
    match meta.parent {
        None => assert_eq!(data[46..78], [0u8; 32]),
        Some(parent) => assert_eq!(parent.as_bytes(), &data[46..78]),
    }
    assert_eq!(envelope.object_name(), envelope.version_hash().to_hex());
    assert_eq!(envelope.object_name().len(), 64);

    // Opening: the plaintext, or `Decrypt` — never another error.
    let vault = golden_vault::golden_vault();
    match vault.open(&envelope) {
        Ok(plaintext) => {
            assert_eq!(
                padded_len(plaintext.len()),
                Some(data.len() - ENVELOPE_OVERHEAD)
            );
            let resealed = vault
                .seal(&meta, plaintext.as_bytes())
                .expect("re-seal of an opened plaintext");
            assert_eq!(resealed.as_bytes().len(), data.len());
            assert_eq!(resealed.as_bytes()[..78], data[..78]);
            let (meta_again, reopened) = vault
                .open_bytes(resealed.as_bytes())
                .expect("re-sealed envelope opens");
            assert_eq!(meta_again, meta);
            assert_eq!(reopened.as_bytes(), plaintext.as_bytes());
        }
        Err(err) => assert_eq!(err, Error::Decrypt),
    }
});
