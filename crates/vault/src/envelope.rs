//! Envelope format v1: one immutable, encrypted version of one item.

use crate::codec::Reader;
use crate::error::{Error, Object, Result};
use crate::hazmat::{self, NONCE_LEN, TAG_LEN};
use crate::ids::{DeviceId, ItemId, VersionHash};
use crate::padding;

/// Magic bytes at the start of an envelope.
pub const ENVELOPE_MAGIC: &[u8; 4] = b"HVEN";
/// The envelope format this build writes and reads.
pub const ENVELOPE_VERSION: u8 = 1;
/// Length of the per-envelope HKDF salt.
pub const ENVELOPE_SALT_LEN: usize = 32;
/// Length of the authenticated header that precedes the ciphertext.
pub const ENVELOPE_HEADER_LEN: usize =
    4 + 1 + 1 + 16 + 8 + 16 + 32 + ENVELOPE_SALT_LEN + NONCE_LEN + 4;
/// Bytes an envelope adds to its padded plaintext: header + GCM tag (142).
pub const ENVELOPE_OVERHEAD: usize = ENVELOPE_HEADER_LEN + TAG_LEN;
/// Offset of the salt in the header (docs/envelope.md §4).
const SALT_OFFSET: usize = 78;
/// Offset of the nonce in the header.
const NONCE_OFFSET: usize = SALT_OFFSET + ENVELOPE_SALT_LEN;

/// What an envelope holds. The kind is authenticated, so an envelope cannot be passed off as
/// another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[repr(u8)]
pub enum EnvelopeKind {
    /// A patient item: journal entry, chat, questionnaire result, safety plan...
    Item = 1,
    /// Marks an item as deleted. Its plaintext is usually empty.
    Tombstone = 2,
    /// A consent receipt.
    Consent = 3,
    /// The patient's settings and choices.
    Settings = 4,
    /// A record of what was shared with a clinician, and when.
    ShareRecord = 5,
    /// Folds a conflicting branch of an item into the version the patient chose: its
    /// `parent` is the branch's head, its plaintext the chosen version's 32-byte hash.
    Merge = 6,
}

impl EnvelopeKind {
    /// Every kind this build knows, in wire order.
    pub const ALL: [EnvelopeKind; 6] = [
        EnvelopeKind::Item,
        EnvelopeKind::Tombstone,
        EnvelopeKind::Consent,
        EnvelopeKind::Settings,
        EnvelopeKind::ShareRecord,
        EnvelopeKind::Merge,
    ];

    /// The wire byte.
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    /// The kind for a wire byte, if this build knows it.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.to_byte() == byte)
    }
}

/// The public, authenticated metadata of an envelope — everything in its header except the
/// salt, nonce and length, which sealing chooses. Storage can read it without a key; it
/// cannot change it without the open failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnvelopeMeta {
    /// What the envelope holds.
    pub kind: EnvelopeKind,
    /// The item this is a version of.
    pub item_id: ItemId,
    /// The item's version number (the writer's counter; lineage is by `parent`).
    pub item_version: u64,
    /// The device that wrote this version.
    pub device_id: DeviceId,
    /// The version this one replaces, or `None` for an item's first version (all-zero on the
    /// wire).
    pub parent: Option<VersionHash>,
}

/// A parsed envelope: its exact bytes and its metadata. Opening it needs the vault
/// ([`crate::UnlockedVault::open`]).
///
/// Envelopes are immutable: the same bytes always have the same
/// [`version_hash`](Self::version_hash) and [`object_name`](Self::object_name).
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    bytes: Vec<u8>,
    meta: EnvelopeMeta,
}

impl Envelope {
    /// Parses an envelope strictly: magic, version, known kind, a ciphertext length that is a
    /// padding bucket plus the tag, and exactly that many bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, Object::Envelope);
        r.magic(ENVELOPE_MAGIC)?;
        r.version(ENVELOPE_VERSION)?;
        r.require(ENVELOPE_HEADER_LEN)?;
        let kind_byte = r.u8()?;
        let kind = EnvelopeKind::from_byte(kind_byte).ok_or(Error::UnknownKind {
            object: Object::Envelope,
            kind: kind_byte,
        })?;
        let item_id = ItemId::from_bytes(r.array()?);
        let item_version = r.u64()?;
        let device_id = DeviceId::from_bytes(r.array()?);
        let parent = r.array::<32>()?;
        let parent = (parent != [0u8; 32]).then_some(VersionHash::from_bytes(parent));
        r.take(ENVELOPE_SALT_LEN + NONCE_LEN)?;
        let ciphertext_len = check_ciphertext_len(r.u32()?, Object::Envelope)?;
        debug_assert_eq!(r.position(), ENVELOPE_HEADER_LEN);
        r.require(ENVELOPE_HEADER_LEN + ciphertext_len)?;
        r.take(ciphertext_len)?;
        r.finish()?;
        Ok(Self {
            bytes: bytes.to_vec(),
            meta: EnvelopeMeta {
                kind,
                item_id,
                item_version,
                device_id,
                parent,
            },
        })
    }

    /// The envelope's metadata.
    pub fn meta(&self) -> &EnvelopeMeta {
        &self.meta
    }

    /// What the envelope holds.
    pub fn kind(&self) -> EnvelopeKind {
        self.meta.kind
    }

    /// The envelope's exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The envelope's bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// SHA-256 of the envelope's bytes: names this exact version, and is what a child
    /// version records as its `parent`.
    pub fn version_hash(&self) -> VersionHash {
        VersionHash::from_bytes(hazmat::sha256(&[&self.bytes]))
    }

    /// The content-addressed storage name: the version hash as 64 lowercase hex characters
    /// (a valid relay object name). The same bytes always get the same name, so a retried
    /// upload is harmless and two different versions never collide.
    pub fn object_name(&self) -> String {
        self.version_hash().to_hex()
    }

    pub(crate) fn salt(&self) -> &[u8] {
        &self.bytes[SALT_OFFSET..NONCE_OFFSET]
    }

    pub(crate) fn nonce(&self) -> [u8; NONCE_LEN] {
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&self.bytes[NONCE_OFFSET..NONCE_OFFSET + NONCE_LEN]);
        nonce
    }

    pub(crate) fn header(&self) -> &[u8] {
        &self.bytes[..ENVELOPE_HEADER_LEN]
    }

    pub(crate) fn ciphertext(&self) -> &[u8] {
        &self.bytes[ENVELOPE_HEADER_LEN..]
    }

    /// Assembles a new envelope's header; sealing appends the ciphertext.
    pub(crate) fn encode_header(
        meta: &EnvelopeMeta,
        salt: &[u8; ENVELOPE_SALT_LEN],
        nonce: &[u8; NONCE_LEN],
        ciphertext_len: u32,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENVELOPE_HEADER_LEN + ciphertext_len as usize);
        out.extend_from_slice(ENVELOPE_MAGIC);
        out.push(ENVELOPE_VERSION);
        out.push(meta.kind.to_byte());
        out.extend_from_slice(meta.item_id.as_bytes());
        out.extend_from_slice(&meta.item_version.to_be_bytes());
        out.extend_from_slice(meta.device_id.as_bytes());
        out.extend_from_slice(meta.parent.as_ref().map_or(&[0u8; 32], |p| p.as_bytes()));
        debug_assert_eq!(out.len(), SALT_OFFSET);
        out.extend_from_slice(salt);
        out.extend_from_slice(nonce);
        out.extend_from_slice(&ciphertext_len.to_be_bytes());
        debug_assert_eq!(out.len(), ENVELOPE_HEADER_LEN);
        out
    }

    pub(crate) fn from_sealed(bytes: Vec<u8>, meta: EnvelopeMeta) -> Self {
        Self { bytes, meta }
    }
}

impl TryFrom<&[u8]> for Envelope {
    type Error = Error;

    fn try_from(bytes: &[u8]) -> Result<Self> {
        Self::parse(bytes)
    }
}

impl core::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Envelope")
            .field("meta", &self.meta)
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Checks that a ciphertext length field is a padding bucket plus the GCM tag.
pub(crate) fn check_ciphertext_len(len: u32, object: Object) -> Result<usize> {
    let len = usize::try_from(len).map_err(|_| Error::Malformed {
        object,
        reason: "ciphertext length does not fit in memory",
    })?;
    match len.checked_sub(TAG_LEN) {
        Some(padded) if padding::is_bucket(padded) => Ok(len),
        _ => Err(Error::Malformed {
            object,
            reason: "ciphertext length is not a padding bucket plus the tag",
        }),
    }
}
