//! `Share::parse` on arbitrary bytes. It must never panic; when it accepts, the share keeps
//! the exact input bytes, re-parses to the same value, has a legal size, and either opens
//! with the golden clinician's key (then a new share of the plaintext, of the same kind, opens
//! to the same plaintext at the same size) or fails with `Decrypt` and nothing else.

#![no_main]

#[path = "support/golden_clinician.rs"]
mod golden_clinician;

use hearth_vault::{is_bucket, padded_len, Error, Share, ShareKind, SHARE_HEADER_LEN};
use libfuzzer_sys::fuzz_target;

/// The AEAD tag after the ciphertext.
const TAG_LEN: usize = 16;

fuzz_target!(|data: &[u8]| {
    let share = match Share::parse(data) {
        Ok(share) => share,
        Err(err) => {
            assert!(!err.to_string().is_empty());
            return;
        }
    };

    // Parsing is lossless and idempotent.
    assert_eq!(share.as_bytes(), data);
    assert_eq!(Share::parse(share.as_bytes()).as_ref(), Ok(&share));

    // Size and fields.
    assert!(data.len() > SHARE_HEADER_LEN + TAG_LEN);
    assert!(is_bucket(data.len() - SHARE_HEADER_LEN - TAG_LEN));
    let length_field = &data[SHARE_HEADER_LEN - 4..SHARE_HEADER_LEN];
    assert_eq!(
        u32::from_be_bytes(length_field.try_into().expect("4 bytes")) as usize,
        data.len() - SHARE_HEADER_LEN
    );
    assert_eq!(share.kind().to_byte(), data[5]);
    assert_eq!(ShareKind::from_byte(data[5]), Some(share.kind()));
    assert_eq!(share.object_name().len(), 64);

    // Opening: the plaintext, or `Decrypt` — never another error.
    let clinician = golden_clinician::golden_clinician();
    match clinician.open(&share) {
        Ok(plaintext) => {
            assert_eq!(
                padded_len(plaintext.len()),
                Some(data.len() - SHARE_HEADER_LEN - TAG_LEN)
            );
            let resealed = Share::seal(&clinician.public_key(), share.kind(), plaintext.as_bytes())
                .expect("re-seal of an opened plaintext");
            assert_eq!(resealed.as_bytes().len(), data.len());
            assert_eq!(resealed.kind(), share.kind());
            let reopened = clinician.open(&resealed).expect("re-sealed share opens");
            assert_eq!(reopened.as_bytes(), plaintext.as_bytes());
        }
        Err(err) => assert_eq!(err, Error::Decrypt),
    }
});
