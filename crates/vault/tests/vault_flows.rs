//! The vault's life through the public API: create, unlock, wrong passphrases (full KDF),
//! passphrase change, recovery, stale and foreign headers, relay token, erase, and the typed
//! parse errors of every container.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hearth_vault::{
    ClinicianKeyPair, DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, Error, ItemId, KdfParams,
    Object, Passphrase, RecoveryKey, RecoveryWordsProblem, Share, ShareKind, UnlockedVault,
    VaultHeader, VaultId, ENVELOPE_OVERHEAD, HEADER_LEN,
};

fn passphrase(text: &str) -> Passphrase {
    Passphrase::new(text.into()).unwrap()
}

fn meta(n: u8) -> EnvelopeMeta {
    EnvelopeMeta {
        kind: EnvelopeKind::Item,
        item_id: ItemId::from_bytes([n; 16]),
        item_version: 1,
        device_id: DeviceId::from_bytes([0xd0; 16]),
        parent: None,
    }
}

#[test]
fn wrong_passphrases_run_the_full_kdf_and_are_refused() {
    let (vault, _) =
        UnlockedVault::create(&passphrase("the right one, at last"), KdfParams::MINIMUM).unwrap();
    let header = VaultHeader::parse(&vault.header().to_bytes()).unwrap();
    for wrong in [
        "the right one, at last ",
        "The right one, at last",
        "the right one",
        "hunter2",
        "the right one, at last\u{0}",
        "\u{1F511}",
    ] {
        assert_eq!(
            UnlockedVault::unlock(&header, &passphrase(wrong)).unwrap_err(),
            Error::WrongPassphrase,
            "{wrong:?}"
        );
    }
    UnlockedVault::unlock(&header, &passphrase("the right one, at last")).unwrap();
}

#[test]
fn default_parameters_create_unlock_and_refuse_a_wrong_passphrase() {
    let (vault, _) =
        UnlockedVault::create(&passphrase("default params"), KdfParams::default()).unwrap();
    assert_eq!(vault.header().kdf_params(), KdfParams::DEFAULT);
    assert_eq!(vault.header().kdf_params().m_kib(), 65_536);
    let header = VaultHeader::parse(&vault.header().to_bytes()).unwrap();
    assert_eq!(
        UnlockedVault::unlock(&header, &passphrase("default paramz")).unwrap_err(),
        Error::WrongPassphrase
    );
    let reopened = UnlockedVault::unlock(&header, &passphrase("default params")).unwrap();
    let envelope = vault.seal(&meta(1), b"x").unwrap();
    assert_eq!(reopened.open(&envelope).unwrap().as_bytes(), b"x");
}

#[test]
fn passphrase_change_rewraps_only_and_bumps_the_version() {
    let old = passphrase("old passphrase");
    let new = passphrase("new passphrase");
    let (mut vault, recovery) = UnlockedVault::create(&old, KdfParams::MINIMUM).unwrap();
    let envelope = vault.seal(&meta(2), b"written before the change").unwrap();
    let token = vault.relay_token().to_base64url();
    let v1 = vault.header().clone();

    let v2 = vault
        .change_passphrase(&new, KdfParams::MINIMUM)
        .unwrap()
        .clone();
    assert_eq!(v2.version(), 2);
    assert_eq!(v2.vault_id(), v1.vault_id());
    assert_eq!(v2.to_bytes().len(), HEADER_LEN);

    assert_eq!(
        UnlockedVault::unlock(&v2, &old).unwrap_err(),
        Error::WrongPassphrase
    );
    let reopened = UnlockedVault::unlock(&v2, &new).unwrap();
    assert_eq!(
        reopened.open(&envelope).unwrap().as_bytes(),
        b"written before the change"
    );
    assert_eq!(reopened.relay_token().to_base64url(), token);

    // The old header is now stale for a device that has seen version 2.
    assert_eq!(
        v1.check(v1.vault_id(), v2.version()).unwrap_err(),
        Error::StaleHeader {
            minimum: 2,
            found: 1
        }
    );
    v2.check(v1.vault_id(), 2).unwrap();

    // The recovery key survives the change.
    let recovered =
        UnlockedVault::recover(&v2, &recovery, &passphrase("third"), KdfParams::MINIMUM).unwrap();
    assert_eq!(recovered.header().version(), 3);
    assert_eq!(
        recovered.open(&envelope).unwrap().as_bytes(),
        b"written before the change"
    );
}

#[test]
fn recovery_with_words_sets_a_new_passphrase() {
    let (vault, recovery) =
        UnlockedVault::create(&passphrase("forgotten"), KdfParams::MINIMUM).unwrap();
    let envelope = vault.seal(&meta(3), b"still mine").unwrap();
    let words = recovery.to_words();
    assert_eq!(words.words().count(), 24);
    let header = vault.header().clone();
    vault.lock();

    let typed = RecoveryKey::from_words(&words.as_str().to_uppercase()).unwrap();
    let recovered = UnlockedVault::recover(
        &header,
        &typed,
        &passphrase("remembered"),
        KdfParams::MINIMUM,
    )
    .unwrap();
    assert_eq!(recovered.header().version(), header.version() + 1);
    assert_eq!(recovered.open(&envelope).unwrap().as_bytes(), b"still mine");
    let new_header = VaultHeader::parse(&recovered.header().to_bytes()).unwrap();
    UnlockedVault::unlock(&new_header, &passphrase("remembered")).unwrap();
    assert_eq!(
        UnlockedVault::unlock(&new_header, &passphrase("forgotten")).unwrap_err(),
        Error::WrongPassphrase
    );

    // Another vault's recovery key does not open this one.
    let (_, other_recovery) =
        UnlockedVault::create(&passphrase("other"), KdfParams::MINIMUM).unwrap();
    assert_eq!(
        UnlockedVault::recover(
            &header,
            &other_recovery,
            &passphrase("x"),
            KdfParams::MINIMUM
        )
        .unwrap_err(),
        Error::WrongRecoveryKey
    );
    assert_eq!(
        RecoveryKey::from_words("abandon abandon").unwrap_err(),
        Error::RecoveryWords(RecoveryWordsProblem::WordCount(2))
    );
}

#[test]
fn foreign_headers_are_detected() {
    let (a, _) = UnlockedVault::create(&passphrase("a"), KdfParams::MINIMUM).unwrap();
    let (b, _) = UnlockedVault::create(&passphrase("a"), KdfParams::MINIMUM).unwrap();
    assert_ne!(a.vault_id(), b.vault_id());
    assert_eq!(
        b.header().check(a.vault_id(), 1).unwrap_err(),
        Error::ForeignHeader {
            expected: a.vault_id(),
            found: b.vault_id()
        }
    );
    // Even with the same passphrase, another vault's envelopes do not open.
    let envelope = b.seal(&meta(4), b"b's").unwrap();
    assert_eq!(a.open(&envelope).unwrap_err(), Error::Decrypt);
    assert_ne!(
        a.relay_token().to_base64url(),
        b.relay_token().to_base64url()
    );
}

#[test]
fn kdf_parameters_below_the_floor_are_refused_before_running() {
    assert!(matches!(
        KdfParams::new(19_455, 2, 1),
        Err(Error::KdfParams { name: "m_kib", .. })
    ));
    assert!(matches!(
        KdfParams::new(19_456, 1, 1),
        Err(Error::KdfParams { name: "t", .. })
    ));
    // A header claiming cheaper parameters is refused by the parser, so unlock never runs.
    let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
    let mut bytes = vault.header().to_bytes();
    bytes[29..33].copy_from_slice(&8u32.to_be_bytes());
    assert!(matches!(
        VaultHeader::parse(&bytes),
        Err(Error::KdfParams {
            name: "m_kib",
            value: 8,
            ..
        })
    ));
    bytes[29..33].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        VaultHeader::parse(&bytes),
        Err(Error::KdfParams { name: "m_kib", .. })
    ));
}

#[test]
fn erase_consumes_the_vault_and_names_what_to_delete() {
    let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
    let id = vault.vault_id();
    let token = vault.relay_token().to_base64url();
    let erasure = vault.erase();
    assert_eq!(erasure.vault_id, id);
    assert_eq!(erasure.relay_id, id.to_relay_id());
    assert_eq!(erasure.relay_token.to_base64url(), token);
    assert_eq!(erasure.header_version, 1);
    assert!(!format!("{erasure:?}").contains(token.as_str()));
}

#[test]
fn typed_parse_errors_for_every_container() {
    let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
    let header = vault.header().to_bytes();
    let envelope = vault.seal(&meta(5), b"hello").unwrap().into_bytes();
    let clinician = ClinicianKeyPair::generate().unwrap();
    let share = Share::seal(&clinician.public_key(), ShareKind::Message, b"hi")
        .unwrap()
        .into_bytes();

    for (object, bytes, parse) in [
        (
            Object::VaultHeader,
            &header,
            (|b: &[u8]| VaultHeader::parse(b).map(|_| ())) as fn(&[u8]) -> Result<(), Error>,
        ),
        (Object::Envelope, &envelope, |b: &[u8]| {
            Envelope::parse(b).map(|_| ())
        }),
        (Object::Share, &share, |b: &[u8]| {
            Share::parse(b).map(|_| ())
        }),
    ] {
        parse(bytes).unwrap();
        let mut unknown_version = bytes.clone();
        unknown_version[4] = 2;
        assert_eq!(
            parse(&unknown_version).unwrap_err(),
            Error::UnsupportedVersion { object, version: 2 }
        );
        let mut bad_magic = bytes.clone();
        bad_magic[0] ^= 0x20;
        assert_eq!(parse(&bad_magic).unwrap_err(), Error::BadMagic { object });
        assert!(matches!(
            parse(&bytes[..bytes.len() - 1]).unwrap_err(),
            Error::Truncated { object: o, .. } if o == object
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            parse(&trailing).unwrap_err(),
            Error::TrailingBytes { object, extra: 1 }
        );
        assert!(matches!(
            parse(&[]).unwrap_err(),
            Error::Truncated {
                needed: 4,
                got: 0,
                ..
            }
        ));
        if object != Object::VaultHeader {
            let mut unknown_kind = bytes.clone();
            unknown_kind[5] = 0xee;
            assert_eq!(
                parse(&unknown_kind).unwrap_err(),
                Error::UnknownKind { object, kind: 0xee }
            );
        }
    }
    // A length field that is not a bucket is malformed even when the bytes are all there.
    let mut odd = envelope.clone();
    odd[122..126].copy_from_slice(&300u32.to_be_bytes());
    odd.resize(126 + 300, 0);
    assert!(matches!(
        Envelope::parse(&odd).unwrap_err(),
        Error::Malformed {
            object: Object::Envelope,
            ..
        }
    ));
    assert_eq!(envelope.len(), ENVELOPE_OVERHEAD + 256);
}

#[test]
fn vault_code_is_what_a_second_device_needs() {
    let (vault, _) = UnlockedVault::create(&passphrase("p"), KdfParams::MINIMUM).unwrap();
    let code = vault.vault_id().to_code();
    let typed = code.to_lowercase().replace('-', " ");
    let id: VaultId = typed.parse().unwrap();
    assert_eq!(id, vault.vault_id());
    vault.header().check(id, 0).unwrap();
    let relay_id = id.to_relay_id();
    assert_eq!(relay_id.len(), 32);
    assert_eq!(VaultId::from_relay_id(&relay_id).unwrap(), id);
}
