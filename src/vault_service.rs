//! The vault service: everything the widget does with the patient's vault, behind one
//! message protocol.
//!
//! In the browser the service runs inside a Web Worker (`src/worker.rs`), so the slow
//! Argon2id derivation and all sealing and opening happen off the UI thread, and the vault
//! root key never exists on the UI thread at all. The UI sends a [`Request`] and gets a
//! [`Response`] back. The same service runs natively in tests over a [`MemoryEnvelopeStore`].
//!
//! Storage holds only what `hearth-vault` produced: the vault header (the one mutable
//! object), envelopes named by their content hash, and a few non-secret markers (the vault
//! id and the device id). A failed unlock, recovery or passphrase change writes nothing.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use base64ct::Encoding;
use hearth_sync::{BlobStore, Engine, HeaderSync, Replica, ReplicaError, Sleeper, SyncReport};
use hearth_vault::{
    DeviceId, Envelope, EnvelopeKind, EnvelopeMeta, Error as VaultError, ItemId, KdfParams,
    Passphrase, RecoveryKey, UnlockedVault, VaultHeader, VaultId,
};
use serde::{Deserialize, Serialize};

/// The kinds of record the app keeps in the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The consent receipt (one per vault).
    Consent,
    /// The patient's settings (one per vault).
    Settings,
    /// An entry the patient wrote (journal, check-in, …); the body says which.
    Entry,
}

impl RecordKind {
    fn envelope_kind(self) -> EnvelopeKind {
        match self {
            RecordKind::Consent => EnvelopeKind::Consent,
            RecordKind::Settings => EnvelopeKind::Settings,
            RecordKind::Entry => EnvelopeKind::Item,
        }
    }

    /// Whether a vault holds at most one record of this kind.
    fn is_singleton(self) -> bool {
        matches!(self, RecordKind::Consent | RecordKind::Settings)
    }
}

/// One decrypted record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's item id (hex).
    pub id: String,
    /// Its latest version number.
    pub version: u64,
    /// Its body, as the app wrote it (JSON text).
    pub body: String,
    /// The hash (hex) of the version shown, which names it when a conflict is resolved.
    #[serde(default)]
    pub head: String,
    /// The other current versions, when two devices changed this record without seeing each
    /// other's change: nothing was overwritten, and the patient chooses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflict: Vec<Alternative>,
}

/// Another current version of a record in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternative {
    /// The version's hash (hex).
    pub head: String,
    /// Its body, or `None` if that device deleted the record.
    pub body: Option<String>,
}

pub use hearth_sync::Endpoint;

/// What a second device knows that lets it open a vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinSecret {
    /// The vault's passphrase.
    Passphrase {
        /// The passphrase.
        passphrase: String,
    },
    /// The recovery words, and a new passphrase for the vault.
    Recovery {
        /// The 24 recovery words.
        recovery_words: String,
        /// The new passphrase.
        new_passphrase: String,
    },
}

/// What the UI asks of the vault.
///
/// The protocol's enums are externally tagged (serde's default, `{"put":{…}}`): decoding
/// internally tagged ones buffers every message first, and that code alone made the
/// interface's `.wasm` about 6.5 KB (gzipped) bigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Is there a vault on this device, and is it unlocked?
    Status,
    /// How strong is this passphrase? (Nothing is stored.)
    Strength {
        /// The passphrase being typed.
        passphrase: String,
    },
    /// Create a vault; fails if one exists.
    Create {
        /// The new passphrase (must pass the strength check).
        passphrase: String,
    },
    /// Unlock with the passphrase.
    Unlock {
        /// The passphrase.
        passphrase: String,
    },
    /// Unlock with the recovery words and set a new passphrase.
    Recover {
        /// The recovery words, separated by spaces.
        recovery_words: String,
        /// The new passphrase.
        new_passphrase: String,
    },
    /// Change the passphrase (re-wraps the vault key; nothing else is re-encrypted).
    ChangePassphrase {
        /// The current passphrase, asked again so an open device is not enough.
        current: String,
        /// The new passphrase.
        new_passphrase: String,
    },
    /// Forget the keys until the next unlock.
    Lock,
    /// Erase the vault from this device: the header (and with it every wrapped copy of the
    /// vault key) and every envelope. Asks for the passphrase, so an open device is not enough.
    Erase {
        /// The passphrase.
        passphrase: String,
        /// The sync endpoint, if sync is on: the vault is erased there first (header and
        /// every object), and if that fails nothing is erased here either.
        #[serde(default)]
        endpoint: Option<Endpoint>,
    },
    /// Save a record (a new version if it exists).
    Put {
        /// Its kind.
        kind: RecordKind,
        /// Its id, to update an existing entry; `None` for a new entry or a singleton.
        id: Option<String>,
        /// The body to seal.
        body: String,
    },
    /// The latest version of every record of a kind.
    List {
        /// The kind.
        kind: RecordKind,
    },
    /// Delete an entry: a tombstone version is sealed (so other devices learn of it when
    /// sync comes), then every stored version of the entry is removed from this device.
    Delete {
        /// The entry's record id.
        id: String,
    },
    /// Sync with a storage endpoint: keep the header in step, push what it lacks, pull and
    /// verify what this device lacks.
    Sync {
        /// Where.
        endpoint: Endpoint,
    },
    /// How many envelopes wait to be uploaded to the endpoint, and when sync last completed.
    SyncStatus {
        /// Where.
        endpoint: Endpoint,
    },
    /// Keep one version of a record in conflict (optionally with edited text); the others
    /// are folded into it on every device.
    Resolve {
        /// The record's kind.
        kind: RecordKind,
        /// Its id.
        id: String,
        /// The hash (hex) of the version to keep (a deleted version keeps it deleted).
        keep: String,
        /// Edited text to save as the kept version, if the patient changed it.
        body: Option<String>,
    },
    /// On a device without a vault: open a vault kept on an endpoint, then sync.
    Join {
        /// Where the vault is kept.
        endpoint: Endpoint,
        /// Its vault code.
        vault_code: String,
        /// The passphrase or the recovery words.
        secret: JoinSecret,
    },
    /// Seal a crisis alert to the clinician's public key (HPKE, share kind `Alert`). Needs
    /// no vault: the UI thread never handles the sealing itself.
    SealAlert {
        /// The clinician's public key (base64url, from `clinic.json`).
        recipient: String,
        /// The alert's JSON.
        alert: String,
    },
    /// Seal what the patient chose to share to the clinician's public key (HPKE). Needs no
    /// vault, like [`Request::SealAlert`].
    SealShare {
        /// The clinician's public key (base64url, from `clinic.json`).
        recipient: String,
        /// What it holds.
        topic: ShareTopic,
        /// The share's JSON.
        payload: String,
    },
    /// Clinician console: make a clinician key pair, sealed under the clinician's
    /// passphrase (refused if weak); the worker keeps it open.
    CreateClinicianKey {
        /// The clinician's new passphrase.
        passphrase: String,
    },
    /// Clinician console: open a sealed key pair with its passphrase; the worker keeps it
    /// open until [`Request::Lock`].
    OpenClinicianKey {
        /// The sealed key pair, base64url (as [`Response::ClinicianKey`] gave it).
        sealed: String,
        /// The clinician's passphrase.
        passphrase: String,
    },
    /// Clinician console, passphrase forgotten: open the sealed key pair with its recovery
    /// words and seal it under a new passphrase (refused if weak); the worker keeps it open.
    RecoverClinicianKey {
        /// The sealed key pair, base64url.
        sealed: String,
        /// The 24 recovery words shown when it was made.
        words: String,
        /// The new passphrase.
        new_passphrase: String,
    },
    /// Clinician console: open one inbox item with the open key pair.
    OpenShare {
        /// The item's bytes, base64url.
        share: String,
    },
}

/// What a patient's share holds (the HPKE share kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareTopic {
    /// Journal entries and check-ins.
    Entries,
    /// Questionnaire results.
    Scores,
    /// The safety plan.
    SafetyPlan,
    /// A crisis alert.
    Alert,
}

impl ShareTopic {
    fn kind(self) -> hearth_vault::ShareKind {
        match self {
            ShareTopic::Entries => hearth_vault::ShareKind::Entries,
            ShareTopic::Scores => hearth_vault::ShareKind::Scores,
            ShareTopic::SafetyPlan => hearth_vault::ShareKind::SafetyPlan,
            ShareTopic::Alert => hearth_vault::ShareKind::Alert,
        }
    }

    fn of(kind: hearth_vault::ShareKind) -> Option<Self> {
        [
            ShareTopic::Entries,
            ShareTopic::Scores,
            ShareTopic::SafetyPlan,
            ShareTopic::Alert,
        ]
        .into_iter()
        .find(|t| t.kind() == kind)
    }
}

/// How strong a passphrase is, and what would make it stronger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strength {
    /// zxcvbn's score, 0 (very weak) to 4 (very strong).
    pub score: u8,
    /// Whether Hearth accepts it (at least 10 characters and a score of 3 or more).
    pub acceptable: bool,
    /// Plain-language advice, if any.
    pub feedback: Vec<String>,
}

/// Why a request failed. The UI turns each code into a plain-language message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// The passphrase does not open this vault.
    WrongPassphrase,
    /// The recovery words are valid words but do not open this vault.
    WrongRecoveryKey,
    /// The recovery words are not a valid recovery key (count, unknown word, checksum).
    BadRecoveryWords,
    /// The new passphrase is too weak.
    WeakPassphrase,
    /// There is no vault on this device.
    NoVault,
    /// A vault already exists on this device.
    VaultExists,
    /// The vault is locked.
    Locked,
    /// The stored vault header is damaged, foreign or older than one already seen.
    BadHeader,
    /// A stored record could not be opened (damaged or forged); it was left in place.
    Corrupt,
    /// The device's storage failed (full, blocked).
    Storage,
    /// The request could not be understood.
    BadRequest,
    /// The storage endpoint could not be reached (offline, or the server is down).
    Offline,
    /// The storage endpoint refused (wrong vault code, over quota, another vault's data).
    Endpoint,
    /// The storage endpoint refused the sign-in (a WebDAV password, S3 keys, a relay token).
    SignInRefused,
    /// The storage endpoint refused this device's clock (S3 signatures carry the time).
    ClockRefused,
}

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What went wrong, for the UI to explain.
    pub code: FailureCode,
    /// Detail for logs and for the clinic's IT (never contains secrets or patient text).
    pub detail: String,
}

/// The vault's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Answer to [`Request::Status`].
    Status {
        /// A vault exists on this device.
        exists: bool,
        /// It is unlocked in this session.
        unlocked: bool,
    },
    /// Answer to [`Request::Strength`].
    Strength(Strength),
    /// The vault was created. Show the words and the code once.
    Created {
        /// The 24 recovery words.
        recovery_words: String,
        /// The vault code a second device needs.
        vault_code: String,
    },
    /// The vault is unlocked (after unlock, recovery or a passphrase change).
    Unlocked {
        /// The vault code.
        vault_code: String,
    },
    /// The vault is locked.
    Locked,
    /// The vault was erased from this device.
    Erased,
    /// The record was saved.
    Saved(Record),
    /// The records asked for, in no particular order (the app sorts by its own fields).
    Records {
        /// The records.
        records: Vec<Record>,
        /// How many stored records could not be opened (left in place).
        unreadable: usize,
    },
    /// The entry was deleted from this device.
    Deleted,
    /// A sync run finished (perhaps early: see the report's error).
    Synced {
        /// What it did.
        report: SyncReport,
        /// The vault header on the endpoint was newer (the passphrase was changed on another
        /// device) and this device now uses it.
        passphrase_changed: bool,
        /// Records in conflict after the run.
        conflicts: usize,
    },
    /// Answer to [`Request::SyncStatus`].
    SyncStatus {
        /// Envelopes waiting to be uploaded.
        pending: usize,
        /// When sync last completed (milliseconds since the epoch), if ever.
        last_synced_ms: Option<u64>,
    },
    /// Answer to [`Request::SealAlert`]: the share, ready for the clinic inbox.
    Sealed {
        /// The share's object name in the inbox (derived from its bytes).
        name: String,
        /// The share's bytes, base64url without padding.
        share: String,
    },
    /// The clinician's key pair is open (after [`Request::CreateClinicianKey`] or
    /// [`Request::OpenClinicianKey`]).
    ClinicianKey {
        /// The public key for `clinic.json` (base64url).
        public_key: String,
        /// The sealed key pair to keep (base64url); only the passphrase or recovery words
        /// open it.
        sealed: String,
        /// The 24 recovery words, only when the key pair was just made: show them once.
        recovery_words: Option<String>,
    },
    /// Answer to [`Request::OpenShare`].
    OpenedShare {
        /// What it holds.
        topic: ShareTopic,
        /// The share's JSON, as the patient's device sealed it.
        text: String,
    },
    /// The request failed; nothing was changed.
    Failed(Failure),
}

/// Why the device's storage failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct StorageError(pub String);

/// Where the service keeps bytes: the browser's IndexedDB, or memory in tests.
///
/// Implementations run on one thread (a worker), so the futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait EnvelopeStore {
    /// Reads a small named value (the header, the vault id, the device id).
    async fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Writes a small named value.
    async fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StorageError>;
    /// Stores an envelope under its content-addressed name (writing it again is harmless).
    async fn put_envelope(&self, name: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// Every stored envelope.
    async fn all_envelopes(&self) -> Result<Vec<Vec<u8>>, StorageError>;
    /// Deletes one envelope by name (deleting a missing one is not an error).
    async fn delete_envelope(&self, name: &str) -> Result<(), StorageError>;
    /// Deletes everything: metadata (the header first) and envelopes.
    async fn erase_all(&self) -> Result<(), StorageError>;
}

/// An [`EnvelopeStore`] in memory, for tests. [`MemoryEnvelopeStore::dump`] shows exactly
/// what a browser would have written.
#[derive(Debug, Default)]
pub struct MemoryEnvelopeStore {
    meta: RefCell<HashMap<String, Vec<u8>>>,
    envelopes: RefCell<BTreeMap<String, Vec<u8>>>,
}

impl MemoryEnvelopeStore {
    /// Every stored byte string, metadata and envelopes alike.
    pub fn dump(&self) -> Vec<Vec<u8>> {
        let meta = self.meta.borrow();
        let envelopes = self.envelopes.borrow();
        meta.values().chain(envelopes.values()).cloned().collect()
    }

    /// Replaces a stored value, to simulate damage in tests.
    pub fn tamper_meta(&self, key: &str, value: Vec<u8>) {
        self.meta.borrow_mut().insert(key.to_owned(), value);
    }

    /// Flips one bit in every stored envelope, to simulate damage in tests.
    pub fn tamper_envelopes(&self, byte: usize) {
        for bytes in self.envelopes.borrow_mut().values_mut() {
            let at = byte.min(bytes.len().saturating_sub(1));
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 0x01;
            }
        }
    }
}

impl EnvelopeStore for MemoryEnvelopeStore {
    async fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.meta.borrow().get(key).cloned())
    }
    async fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        self.meta
            .borrow_mut()
            .insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    async fn put_envelope(&self, name: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.envelopes
            .borrow_mut()
            .insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }
    async fn all_envelopes(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self.envelopes.borrow().values().cloned().collect())
    }
    async fn delete_envelope(&self, name: &str) -> Result<(), StorageError> {
        self.envelopes.borrow_mut().remove(name);
        Ok(())
    }
    async fn erase_all(&self) -> Result<(), StorageError> {
        self.meta.borrow_mut().clear();
        self.envelopes.borrow_mut().clear();
        Ok(())
    }
}

/// How the service reaches storage endpoints: the browser's `fetch` in the worker, memory
/// in tests.
#[allow(async_fn_in_trait)]
pub trait Network {
    /// The endpoint's store.
    type Store: BlobStore;
    /// The backoff timer.
    type Sleep: Sleeper;
    /// A store for `endpoint`, authenticated as the vault `relay_id` with `token` (both
    /// empty before a vault is open: only the header can be read then).
    fn connect(
        &self,
        endpoint: &Endpoint,
        relay_id: &str,
        token: &str,
    ) -> Result<Self::Store, String>;
    /// Prepares the endpoint for this vault (a relay registers it; harmless when done).
    async fn prepare(&self, store: &Self::Store) -> Result<(), hearth_sync::StoreError>;
    /// Erases the vault on the endpoint: its header and every object.
    async fn erase(&self, store: &Self::Store) -> Result<(), hearth_sync::StoreError>;
    /// The backoff timer.
    fn sleeper(&self) -> &Self::Sleep;
    /// Now, in milliseconds since the epoch (for "last synced" only).
    fn now_ms(&self) -> u64;
}

/// No network: sync requests fail plainly (the service in tests that do not sync).
pub struct Offline;

impl Sleeper for Offline {
    async fn sleep(&self, _ms: u64) {}
}

impl Network for Offline {
    type Store = hearth_sync::MemoryBlobStore;
    type Sleep = Offline;
    fn connect(&self, _: &Endpoint, _: &str, _: &str) -> Result<Self::Store, String> {
        Err("this build has no network".into())
    }
    async fn prepare(&self, _: &Self::Store) -> Result<(), hearth_sync::StoreError> {
        Ok(())
    }
    async fn erase(&self, _: &Self::Store) -> Result<(), hearth_sync::StoreError> {
        Ok(())
    }
    fn sleeper(&self) -> &Self::Sleep {
        self
    }
    fn now_ms(&self) -> u64 {
        0
    }
}

/// The service's store, as the sync engine sees it.
struct Local<'a, S>(&'a S);

fn replica(err: StorageError) -> ReplicaError {
    ReplicaError(err.0)
}

impl<S: EnvelopeStore> Replica for Local<'_, S> {
    async fn envelopes(&self) -> Result<Vec<Vec<u8>>, ReplicaError> {
        self.0.all_envelopes().await.map_err(replica)
    }
    async fn store(&self, name: &str, bytes: &[u8]) -> Result<(), ReplicaError> {
        self.0.put_envelope(name, bytes).await.map_err(replica)
    }
    async fn load_state(&self) -> Result<Option<Vec<u8>>, ReplicaError> {
        self.0.get_meta(META_SYNC_STATE).await.map_err(replica)
    }
    async fn save_state(&self, bytes: &[u8]) -> Result<(), ReplicaError> {
        self.0
            .put_meta(META_SYNC_STATE, bytes)
            .await
            .map_err(replica)
    }
}

/// `vault`'s store on `endpoint`, signed in as that vault (its relay id and token).
fn connect_as<N: Network>(
    net: &N,
    endpoint: &Endpoint,
    vault: &UnlockedVault,
) -> Result<N::Store, Response> {
    net.connect(
        endpoint,
        &vault.vault_id().to_relay_id(),
        &vault.relay_token().to_base64url(),
    )
    .map_err(|detail| fail(FailureCode::BadRequest, detail))
}

fn endpoint_failure(err: &hearth_sync::StoreError) -> Response {
    let code = match err.refusal() {
        Some(hearth_sync::Refusal::Credentials) => FailureCode::SignInRefused,
        Some(hearth_sync::Refusal::Clock) => FailureCode::ClockRefused,
        None if err.is_retryable() => FailureCode::Offline,
        None => FailureCode::Endpoint,
    };
    fail(code, err.to_string())
}

const META_HEADER: &str = "header";
/// What the sync engine remembers (names the endpoint holds, refused names, last sync).
const META_SYNC_STATE: &str = "sync_state";
const META_VAULT_ID: &str = "vault_id";
const META_DEVICE_ID: &str = "device_id";
/// The highest header version this device has written or accepted: an older header found
/// later (a restored backup, a rolled-back copy) is refused as stale.
const META_HEADER_VERSION: &str = "header_version";

/// The smallest passphrase length Hearth accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Rates a passphrase. Weak ones are refused: anyone holding the vault code can fetch the
/// header and guess offline, so the passphrase is what protects the patient.
pub fn passphrase_strength(passphrase: &str) -> Strength {
    let chars = passphrase.chars().count();
    let estimate = zxcvbn::zxcvbn(
        passphrase,
        &["hearth", "riverside", "counselling", "therapy"],
    );
    let score = u8::from(estimate.score());
    let mut feedback = Vec::new();
    if chars < MIN_PASSPHRASE_CHARS {
        feedback.push(format!(
            "Use at least {MIN_PASSPHRASE_CHARS} characters. A few unrelated words work well."
        ));
    }
    if let Some(advice) = estimate.feedback() {
        if let Some(warning) = advice.warning() {
            feedback.push(warning.to_string());
        }
        feedback.extend(advice.suggestions().iter().map(ToString::to_string));
    }
    Strength {
        score,
        acceptable: chars >= MIN_PASSPHRASE_CHARS && score >= 3,
        feedback,
    }
}

fn fail(code: FailureCode, detail: impl Into<String>) -> Response {
    Response::Failed(Failure {
        code,
        detail: detail.into(),
    })
}

fn seal_share(recipient: &str, topic: ShareTopic, payload: &str) -> Response {
    let Ok(key) = hearth_vault::ClinicianPublicKey::from_base64url(recipient) else {
        return fail(FailureCode::BadRequest, "the clinician key is not valid");
    };
    match hearth_vault::Share::seal(&key, topic.kind(), payload.as_bytes()) {
        Ok(share) => Response::Sealed {
            name: share.object_name(),
            share: base64ct::Base64UrlUnpadded::encode_string(share.as_bytes()),
        },
        Err(err) => fail(FailureCode::BadRequest, err.to_string()),
    }
}

fn storage_failed(err: StorageError) -> Response {
    fail(FailureCode::Storage, err.0)
}

fn vault_failure(err: &VaultError) -> Response {
    let code = match err {
        VaultError::WrongPassphrase => FailureCode::WrongPassphrase,
        VaultError::WrongRecoveryKey => FailureCode::WrongRecoveryKey,
        VaultError::RecoveryWords(_) => FailureCode::BadRecoveryWords,
        VaultError::EmptyPassphrase => FailureCode::WeakPassphrase,
        VaultError::ForeignHeader { .. }
        | VaultError::StaleHeader { .. }
        | VaultError::BadMagic { .. }
        | VaultError::UnsupportedVersion { .. }
        | VaultError::Truncated { .. }
        | VaultError::TrailingBytes { .. }
        | VaultError::Malformed { .. }
        | VaultError::KdfParams { .. } => FailureCode::BadHeader,
        VaultError::Decrypt => FailureCode::Corrupt,
        _ => FailureCode::BadRequest,
    };
    fail(code, err.to_string())
}

/// The current version of one item, and any other current versions (a conflict).
struct Opened {
    meta: EnvelopeMeta,
    envelope: Envelope,
    plaintext: hearth_vault::Plaintext,
    /// Other heads: their version, and their text (`None` for a tombstone).
    others: Vec<(hearth_sync::Version, Option<String>)>,
}

impl Opened {
    fn record(&self) -> Record {
        Record {
            id: self.meta.item_id.to_hex(),
            version: self.meta.item_version,
            body: String::from_utf8_lossy(self.plaintext.as_bytes()).into_owned(),
            head: self.envelope.version_hash().to_hex(),
            conflict: self
                .others
                .iter()
                .map(|(version, body)| Alternative {
                    head: version.hash.to_hex(),
                    body: body.clone(),
                })
                .collect(),
        }
    }

    /// The highest version number among the heads.
    fn top_version(&self) -> u64 {
        self.others
            .iter()
            .map(|(v, _)| v.meta.item_version)
            .fold(self.meta.item_version, u64::max)
    }
}

/// The vault service over a store. One instance lives in the worker for the page's life.
pub struct VaultService<S> {
    store: S,
    params: KdfParams,
    unlocked: Option<UnlockedVault>,
    /// The clinician console's open key pair.
    clinician: Option<hearth_vault::ClinicianKeyPair>,
}

impl<S: EnvelopeStore> VaultService<S> {
    /// A service over `store` that creates vaults with `params` (the default parameters in
    /// the app; tests use the minimum to stay fast).
    pub fn new(store: S, params: KdfParams) -> Self {
        VaultService {
            store,
            params,
            unlocked: None,
            clinician: None,
        }
    }

    /// The store, for tests that inspect what was written.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Answers one request; requests that need a storage endpoint fail.
    pub async fn handle(&mut self, request: Request) -> Response {
        self.handle_online(request, &Offline).await
    }

    /// Answers one request, reaching storage endpoints through `net`.
    pub async fn handle_online(&mut self, request: Request, net: &impl Network) -> Response {
        match request {
            Request::Status => match self.store.get_meta(META_HEADER).await {
                Ok(header) => Response::Status {
                    exists: header.is_some(),
                    unlocked: self.unlocked.is_some(),
                },
                Err(err) => storage_failed(err),
            },
            Request::Strength { passphrase } => {
                Response::Strength(passphrase_strength(&passphrase))
            }
            Request::Create { passphrase } => self.create(passphrase).await,
            Request::Unlock { passphrase } => self.unlock(passphrase).await,
            Request::Recover {
                recovery_words,
                new_passphrase,
            } => self.recover(recovery_words, new_passphrase).await,
            Request::ChangePassphrase {
                current,
                new_passphrase,
            } => self.change_passphrase(current, new_passphrase).await,
            Request::Lock => {
                if let Some(vault) = self.unlocked.take() {
                    vault.lock();
                }
                self.clinician = None;
                Response::Locked
            }
            Request::Erase {
                passphrase,
                endpoint,
            } => self.erase(passphrase, endpoint.as_ref(), net).await,
            Request::Put { kind, id, body } => self.put(kind, id, body).await,
            Request::List { kind } => match self.list(kind).await {
                Ok((records, unreadable)) => Response::Records {
                    records,
                    unreadable,
                },
                Err(response) => response,
            },
            Request::Delete { id } => self.delete(id).await,
            Request::SealAlert { recipient, alert } => {
                seal_share(&recipient, ShareTopic::Alert, &alert)
            }
            Request::SealShare {
                recipient,
                topic,
                payload,
            } => seal_share(&recipient, topic, &payload),
            Request::CreateClinicianKey { passphrase } => self.create_clinician_key(passphrase),
            Request::OpenClinicianKey { sealed, passphrase } => {
                self.open_clinician_key(&sealed, passphrase)
            }
            Request::RecoverClinicianKey {
                sealed,
                words,
                new_passphrase,
            } => self.recover_clinician_key(&sealed, &words, new_passphrase),
            Request::OpenShare { share } => self.open_share(&share),
            Request::Sync { endpoint } => self.sync(&endpoint, net).await,
            Request::SyncStatus { endpoint } => self.sync_status(&endpoint, net).await,
            Request::Resolve {
                kind,
                id,
                keep,
                body,
            } => self.resolve(kind, &id, &keep, body).await,
            Request::Join {
                endpoint,
                vault_code,
                secret,
            } => self.join(&endpoint, &vault_code, secret, net).await,
        }
    }

    fn strong_passphrase(typed: String) -> Result<Passphrase, Response> {
        let strength = passphrase_strength(&typed);
        if !strength.acceptable {
            return Err(fail(
                FailureCode::WeakPassphrase,
                "the passphrase is too easy to guess",
            ));
        }
        Passphrase::new(typed).map_err(|err| vault_failure(&err))
    }

    fn create_clinician_key(&mut self, passphrase: String) -> Response {
        let passphrase = match Self::strong_passphrase(passphrase) {
            Ok(p) => p,
            Err(response) => return response,
        };
        let sealed = hearth_vault::ClinicianKeyPair::generate().and_then(|pair| {
            hearth_vault::SealedClinicianKey::seal(&pair, &passphrase, self.params)
                .map(|(sealed, recovery)| (pair, sealed, recovery))
        });
        match sealed {
            Ok((pair, sealed, recovery)) => {
                self.clinician_opened(pair, &sealed, Some(recovery.to_words().as_str().into()))
            }
            Err(err) => vault_failure(&err),
        }
    }

    fn parse_sealed_key(sealed: &str) -> Result<hearth_vault::SealedClinicianKey, Response> {
        let bytes = base64ct::Base64UrlUnpadded::decode_vec(sealed).map_err(|_| {
            fail(
                FailureCode::BadHeader,
                "the stored clinician key is damaged",
            )
        })?;
        hearth_vault::SealedClinicianKey::parse(&bytes)
            .map_err(|err| fail(FailureCode::BadHeader, err.to_string()))
    }

    fn recover_clinician_key(
        &mut self,
        sealed: &str,
        words: &str,
        new_passphrase: String,
    ) -> Response {
        let sealed = match Self::parse_sealed_key(sealed) {
            Ok(sealed) => sealed,
            Err(response) => return response,
        };
        let recovery = match RecoveryKey::from_words(words) {
            Ok(key) => key,
            Err(err) => return vault_failure(&err),
        };
        let passphrase = match Self::strong_passphrase(new_passphrase) {
            Ok(p) => p,
            Err(response) => return response,
        };
        match sealed.recover(&recovery, &passphrase, self.params) {
            Ok((renewed, pair)) => self.clinician_opened(pair, &renewed, None),
            Err(err) => vault_failure(&err),
        }
    }

    fn open_clinician_key(&mut self, sealed: &str, passphrase: String) -> Response {
        let sealed = match Self::parse_sealed_key(sealed) {
            Ok(sealed) => sealed,
            Err(response) => return response,
        };
        let passphrase = match Passphrase::new(passphrase) {
            Ok(p) => p,
            Err(err) => return vault_failure(&err),
        };
        match sealed.open(&passphrase) {
            Ok(pair) => self.clinician_opened(pair, &sealed, None),
            Err(err) => vault_failure(&err),
        }
    }

    fn clinician_opened(
        &mut self,
        pair: hearth_vault::ClinicianKeyPair,
        sealed: &hearth_vault::SealedClinicianKey,
        recovery_words: Option<String>,
    ) -> Response {
        let public_key = pair.public_key().to_base64url();
        self.clinician = Some(pair);
        Response::ClinicianKey {
            public_key,
            sealed: base64ct::Base64UrlUnpadded::encode_string(&sealed.to_bytes()),
            recovery_words,
        }
    }

    fn open_share(&self, share: &str) -> Response {
        let Some(pair) = &self.clinician else {
            return fail(FailureCode::Locked, "the clinician key is not open");
        };
        let opened = base64ct::Base64UrlUnpadded::decode_vec(share)
            .map_err(|_| "it is not a share".to_owned())
            .and_then(|bytes| hearth_vault::Share::parse(&bytes).map_err(|e| e.to_string()))
            .and_then(|share| {
                let topic = ShareTopic::of(share.kind()).ok_or("an unknown kind of share")?;
                let plain = pair.open(&share).map_err(|e| e.to_string())?;
                let text = String::from_utf8(plain.as_bytes().to_vec())
                    .map_err(|_| "its contents are not text".to_owned())?;
                Ok((topic, text))
            });
        match opened {
            Ok((topic, text)) => Response::OpenedShare { topic, text },
            Err(detail) => fail(FailureCode::Corrupt, detail),
        }
    }

    async fn create(&mut self, passphrase: String) -> Response {
        match self.store.get_meta(META_HEADER).await {
            Ok(Some(_)) => return fail(FailureCode::VaultExists, "a vault exists on this device"),
            Ok(None) => {}
            Err(err) => return storage_failed(err),
        }
        let passphrase = match Self::strong_passphrase(passphrase) {
            Ok(p) => p,
            Err(response) => return response,
        };
        let (vault, recovery) = match UnlockedVault::create(&passphrase, self.params) {
            Ok(created) => created,
            Err(err) => return vault_failure(&err),
        };
        if let Err(response) = self.store_new_vault(&vault).await {
            return response;
        }
        let vault_code = vault.vault_id().to_code();
        self.unlocked = Some(vault);
        Response::Created {
            recovery_words: recovery.to_words().as_str().to_owned(),
            vault_code,
        }
    }

    /// Records a vault new to this device (created, or opened from an endpoint) with a new
    /// device id. The header goes last: until it is written, no vault exists.
    async fn store_new_vault(&self, vault: &UnlockedVault) -> Result<(), Response> {
        let device = DeviceId::random().map_err(|err| vault_failure(&err))?;
        for (key, value) in [
            (META_VAULT_ID, vault.vault_id().as_bytes().to_vec()),
            (META_DEVICE_ID, device.as_bytes().to_vec()),
            (
                META_HEADER_VERSION,
                vault.header().version().to_be_bytes().to_vec(),
            ),
            (META_HEADER, vault.header().to_bytes()),
        ] {
            self.store
                .put_meta(key, &value)
                .await
                .map_err(storage_failed)?;
        }
        Ok(())
    }

    /// The stored header, checked against this device's vault id.
    async fn stored_header(&self) -> Result<VaultHeader, Response> {
        let bytes = match self.store.get_meta(META_HEADER).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(fail(FailureCode::NoVault, "no vault on this device")),
            Err(err) => return Err(storage_failed(err)),
        };
        let header = VaultHeader::parse(&bytes).map_err(|err| vault_failure(&err))?;
        let id = match self.store.get_meta(META_VAULT_ID).await {
            Ok(Some(id)) => <[u8; 16]>::try_from(id.as_slice())
                .map(VaultId::from_bytes)
                .map_err(|_| fail(FailureCode::BadHeader, "the stored vault id is damaged"))?,
            Ok(None) => header.vault_id(),
            Err(err) => return Err(storage_failed(err)),
        };
        let min_version = match self.store.get_meta(META_HEADER_VERSION).await {
            Ok(Some(bytes)) => <[u8; 8]>::try_from(bytes.as_slice())
                .map(u64::from_be_bytes)
                .unwrap_or(1),
            Ok(None) => 1,
            Err(err) => return Err(storage_failed(err)),
        };
        header
            .check(id, min_version)
            .map_err(|err| vault_failure(&err))?;
        Ok(header)
    }

    /// Replaces the stored header (after recovery or a passphrase change).
    async fn replace_header(&self, header: &VaultHeader) -> Result<(), Response> {
        self.store
            .put_meta(META_HEADER, &header.to_bytes())
            .await
            .map_err(storage_failed)?;
        self.store
            .put_meta(META_HEADER_VERSION, &header.version().to_be_bytes())
            .await
            .map_err(storage_failed)
    }

    async fn unlock(&mut self, passphrase: String) -> Response {
        let header = match self.stored_header().await {
            Ok(header) => header,
            Err(response) => return response,
        };
        let passphrase = match Passphrase::new(passphrase) {
            Ok(p) => p,
            Err(_) => return fail(FailureCode::WrongPassphrase, "empty passphrase"),
        };
        match UnlockedVault::unlock(&header, &passphrase) {
            Ok(vault) => {
                let vault_code = vault.vault_id().to_code();
                self.unlocked = Some(vault);
                Response::Unlocked { vault_code }
            }
            Err(err) => vault_failure(&err),
        }
    }

    async fn recover(&mut self, words: String, new_passphrase: String) -> Response {
        let header = match self.stored_header().await {
            Ok(header) => header,
            Err(response) => return response,
        };
        let recovery = match RecoveryKey::from_words(&words) {
            Ok(key) => key,
            Err(err) => return vault_failure(&err),
        };
        let passphrase = match Self::strong_passphrase(new_passphrase) {
            Ok(p) => p,
            Err(response) => return response,
        };
        let vault = match UnlockedVault::recover(&header, &recovery, &passphrase, self.params) {
            Ok(vault) => vault,
            Err(err) => return vault_failure(&err),
        };
        if let Err(response) = self.replace_header(vault.header()).await {
            return response;
        }
        let vault_code = vault.vault_id().to_code();
        self.unlocked = Some(vault);
        Response::Unlocked { vault_code }
    }

    async fn change_passphrase(&mut self, current: String, new_passphrase: String) -> Response {
        let header = match self.stored_header().await {
            Ok(header) => header,
            Err(response) => return response,
        };
        let Ok(current) = Passphrase::new(current) else {
            return fail(FailureCode::WrongPassphrase, "empty passphrase");
        };
        let new_passphrase = match Self::strong_passphrase(new_passphrase) {
            Ok(p) => p,
            Err(response) => return response,
        };
        let mut vault = match UnlockedVault::unlock(&header, &current) {
            Ok(vault) => vault,
            Err(err) => return vault_failure(&err),
        };
        if let Err(err) = vault.change_passphrase(&new_passphrase, self.params) {
            return vault_failure(&err);
        }
        if let Err(response) = self.replace_header(vault.header()).await {
            return response;
        }
        let vault_code = vault.vault_id().to_code();
        self.unlocked = Some(vault);
        Response::Unlocked { vault_code }
    }

    async fn erase(
        &mut self,
        passphrase: String,
        endpoint: Option<&Endpoint>,
        net: &impl Network,
    ) -> Response {
        let header = match self.stored_header().await {
            Ok(header) => header,
            Err(response) => return response,
        };
        let Ok(passphrase) = Passphrase::new(passphrase) else {
            return fail(FailureCode::WrongPassphrase, "empty passphrase");
        };
        let vault = match UnlockedVault::unlock(&header, &passphrase) {
            Ok(vault) => vault,
            Err(err) => return vault_failure(&err),
        };
        // The server's copy first: if it cannot be erased now, nothing is, and the patient
        // can try again (a local erase alone would leave a copy their passphrase still opens).
        if let Some(endpoint) = endpoint {
            let remote = match connect_as(net, endpoint, &vault) {
                Ok(remote) => remote,
                Err(response) => return response,
            };
            let policy = hearth_sync::RetryPolicy::default();
            let erased =
                hearth_sync::with_retries(&policy, net.sleeper(), || net.erase(&remote)).await;
            match erased {
                // Never synced (or erased already): nothing there to delete.
                Ok(()) | Err(hearth_sync::StoreError::NotFound) => {}
                Err(err) => return endpoint_failure(&err),
            }
        }
        // Deleting the header destroys every wrapped copy of the vault key, so even a copy of
        // the envelopes that survived somewhere can no longer be opened.
        let _erasure = vault.erase();
        if let Some(open) = self.unlocked.take() {
            open.lock();
        }
        match self.store.erase_all().await {
            Ok(()) => Response::Erased,
            Err(err) => storage_failed(err),
        }
    }

    async fn device_id(&self) -> Result<DeviceId, Response> {
        match self.store.get_meta(META_DEVICE_ID).await {
            Ok(Some(bytes)) => <[u8; 16]>::try_from(bytes.as_slice())
                .map(DeviceId::from_bytes)
                .map_err(|_| fail(FailureCode::Storage, "the stored device id is damaged")),
            Ok(None) => Err(fail(FailureCode::NoVault, "no device id")),
            Err(err) => Err(storage_failed(err)),
        }
    }

    /// Every item of `kind` that is not deleted, merged by lineage (hearth-sync's rules):
    /// its current version, and the other current versions when it is in conflict. Also
    /// counts the envelopes of `kind` that could not be opened.
    async fn latest(
        &self,
        vault: &UnlockedVault,
        kind: EnvelopeKind,
    ) -> Result<(Vec<Opened>, usize), Response> {
        let all = self.store.all_envelopes().await.map_err(storage_failed)?;
        let mut opened = HashMap::new();
        let mut versions = Vec::new();
        let mut unreadable = 0;
        for bytes in all {
            let Ok(envelope) = Envelope::parse(&bytes) else {
                unreadable += 1;
                continue;
            };
            let meta = *envelope.meta();
            if !matches!(meta.kind, EnvelopeKind::Tombstone | EnvelopeKind::Merge)
                && meta.kind != kind
            {
                continue;
            }
            // Opening authenticates: a forged envelope cannot hijack an item's lineage.
            let Ok(plaintext) = vault.open(&envelope) else {
                unreadable += usize::from(meta.kind == kind);
                continue;
            };
            let hash = envelope.version_hash();
            versions.push(hearth_sync::Version { hash, meta });
            opened.insert(hash, (envelope, plaintext));
        }
        let mut items = Vec::new();
        for state in hearth_sync::merge(versions).into_values() {
            let heads = match state {
                hearth_sync::ItemState::Deleted(_) => continue,
                hearth_sync::ItemState::Live(head) => vec![head],
                hearth_sync::ItemState::Conflict { heads } => heads,
            };
            if heads[0].meta.kind != kind {
                continue;
            }
            let others = heads[1..]
                .iter()
                .map(|v| {
                    let body = (v.meta.kind != EnvelopeKind::Tombstone)
                        .then(|| opened.get(&v.hash))
                        .flatten()
                        .map(|(_, p)| String::from_utf8_lossy(p.as_bytes()).into_owned());
                    (*v, body)
                })
                .collect();
            if let Some((envelope, plaintext)) = opened.remove(&heads[0].hash) {
                items.push(Opened {
                    meta: heads[0].meta,
                    envelope,
                    plaintext,
                    others,
                });
            }
        }
        Ok((items, unreadable))
    }

    async fn put(&mut self, kind: RecordKind, id: Option<String>, body: String) -> Response {
        let Some(vault) = self.unlocked.as_ref() else {
            return fail(FailureCode::Locked, "the vault is locked");
        };
        let device_id = match self.device_id().await {
            Ok(device) => device,
            Err(response) => return response,
        };
        let (existing, _) = match self.latest(vault, kind.envelope_kind()).await {
            Ok(found) => found,
            Err(response) => return response,
        };
        let wanted = match id.as_deref().map(ItemId::from_hex).transpose() {
            Ok(wanted) => wanted,
            Err(_) => return fail(FailureCode::BadRequest, "the record id is not valid"),
        };
        let previous = existing.iter().find(|opened| match wanted {
            Some(wanted) => opened.meta.item_id.as_bytes() == wanted.as_bytes(),
            None => kind.is_singleton(),
        });
        let (item_id, item_version, parent) = match (previous, wanted) {
            (Some(opened), _) => (
                opened.meta.item_id,
                opened.top_version() + 1,
                Some(opened.envelope.version_hash()),
            ),
            (None, Some(_)) => return fail(FailureCode::BadRequest, "no such record"),
            (None, None) => match ItemId::random() {
                Ok(id) => (id, 1, None),
                Err(err) => return vault_failure(&err),
            },
        };
        let meta = EnvelopeMeta {
            kind: kind.envelope_kind(),
            item_id,
            item_version,
            device_id,
            parent,
        };
        let envelope = match vault.seal(&meta, body.as_bytes()) {
            Ok(envelope) => envelope,
            Err(err) => return vault_failure(&err),
        };
        if let Err(err) = self
            .store
            .put_envelope(&envelope.object_name(), envelope.as_bytes())
            .await
        {
            return storage_failed(err);
        }
        // An edit of a record in conflict keeps the other versions for the patient to see.
        let conflict = previous.map(|o| o.record().conflict).unwrap_or_default();
        Response::Saved(Record {
            id: item_id.to_hex(),
            version: item_version,
            body,
            head: envelope.version_hash().to_hex(),
            conflict,
        })
    }

    /// Seals and stores one envelope.
    async fn write(
        &self,
        vault: &UnlockedVault,
        meta: &EnvelopeMeta,
        plaintext: &[u8],
    ) -> Result<Envelope, Response> {
        let envelope = vault
            .seal(meta, plaintext)
            .map_err(|err| vault_failure(&err))?;
        self.store
            .put_envelope(&envelope.object_name(), envelope.as_bytes())
            .await
            .map_err(storage_failed)?;
        Ok(envelope)
    }

    /// Folds every head of `item` except `kept` into `target` with merge envelopes.
    async fn fold(
        &self,
        vault: &UnlockedVault,
        item: &Opened,
        kept: hearth_vault::VersionHash,
        target: hearth_vault::VersionHash,
        item_version: u64,
    ) -> Result<(), Response> {
        let device_id = self.device_id().await?;
        let heads = std::iter::once(item.envelope.version_hash())
            .chain(item.others.iter().map(|(v, _)| v.hash));
        for head in heads.filter(|h| *h != kept) {
            let meta = EnvelopeMeta {
                kind: EnvelopeKind::Merge,
                item_id: item.meta.item_id,
                item_version,
                device_id,
                parent: Some(head),
            };
            self.write(vault, &meta, target.as_bytes()).await?;
        }
        Ok(())
    }

    /// Removes every stored version of an entry's content from this device (after its
    /// tombstone is stored), so deleted words do not linger.
    async fn purge(&self, vault: &UnlockedVault, item: ItemId) -> Result<(), Response> {
        let all = self.store.all_envelopes().await.map_err(storage_failed)?;
        for envelope in all.iter().filter_map(|bytes| Envelope::parse(bytes).ok()) {
            let meta = envelope.meta();
            if meta.kind == EnvelopeKind::Item
                && meta.item_id == item
                && vault.open(&envelope).is_ok()
            {
                self.store
                    .delete_envelope(&envelope.object_name())
                    .await
                    .map_err(storage_failed)?;
            }
        }
        Ok(())
    }

    async fn delete(&mut self, id: String) -> Response {
        let Some(vault) = self.unlocked.as_ref() else {
            return fail(FailureCode::Locked, "the vault is locked");
        };
        let Ok(wanted) = ItemId::from_hex(&id) else {
            return fail(FailureCode::BadRequest, "the record id is not valid");
        };
        let result = async {
            let device_id = self.device_id().await?;
            let (items, _) = self.latest(vault, EnvelopeKind::Item).await?;
            let item = items
                .into_iter()
                .find(|o| o.meta.item_id == wanted)
                .ok_or_else(|| fail(FailureCode::BadRequest, "no such record"))?;
            let version = item.top_version() + 1;
            let meta = EnvelopeMeta {
                kind: EnvelopeKind::Tombstone,
                item_id: wanted,
                item_version: version,
                device_id,
                parent: Some(item.envelope.version_hash()),
            };
            // The tombstone first: if removing a version fails half-way, the item still
            // counts as deleted. Other devices' versions in conflict are folded into it.
            let tombstone = self.write(vault, &meta, b"").await?;
            let hash = tombstone.version_hash();
            self.fold(vault, &item, item.envelope.version_hash(), hash, version)
                .await?;
            self.purge(vault, wanted).await
        }
        .await;
        match result {
            Ok(()) => Response::Deleted,
            Err(response) => response,
        }
    }

    async fn resolve(
        &mut self,
        kind: RecordKind,
        id: &str,
        keep: &str,
        body: Option<String>,
    ) -> Response {
        let Some(vault) = self.unlocked.as_ref() else {
            return fail(FailureCode::Locked, "the vault is locked");
        };
        let (Ok(wanted), Ok(keep)) = (
            ItemId::from_hex(id),
            hearth_vault::VersionHash::from_hex(keep),
        ) else {
            return fail(
                FailureCode::BadRequest,
                "the record id or version is not valid",
            );
        };
        let result = async {
            let (items, _) = self.latest(vault, kind.envelope_kind()).await?;
            let item = items
                .into_iter()
                .find(|o| o.meta.item_id == wanted)
                .ok_or_else(|| fail(FailureCode::BadRequest, "no such record"))?;
            let version = item.top_version() + 1;
            let kept_body = if item.envelope.version_hash() == keep {
                Some(String::from_utf8_lossy(item.plaintext.as_bytes()).into_owned())
            } else {
                match item.others.iter().find(|(v, _)| v.hash == keep) {
                    Some((_, body)) => body.clone(),
                    None => {
                        return Err(fail(FailureCode::BadRequest, "that version is not current"))
                    }
                }
            };
            let Some(kept_body) = kept_body else {
                // Keep it deleted: fold the live versions into the tombstone, forget them here.
                self.fold(vault, &item, keep, keep, version).await?;
                self.purge(vault, wanted).await?;
                return Ok(Response::Deleted);
            };
            let (target, text) = match body.filter(|b| *b != kept_body) {
                Some(edited) => {
                    let meta = EnvelopeMeta {
                        kind: kind.envelope_kind(),
                        item_id: wanted,
                        item_version: version,
                        device_id: self.device_id().await?,
                        parent: Some(keep),
                    };
                    let written = self.write(vault, &meta, edited.as_bytes()).await?;
                    (written.version_hash(), edited)
                }
                None => (keep, kept_body),
            };
            self.fold(vault, &item, keep, target, version).await?;
            Ok(Response::Saved(Record {
                id: id.to_owned(),
                version,
                body: text,
                head: target.to_hex(),
                conflict: Vec::new(),
            }))
        }
        .await;
        result.unwrap_or_else(|response| response)
    }

    async fn sync_status(&self, endpoint: &Endpoint, net: &impl Network) -> Response {
        let Some(vault) = self.unlocked.as_ref() else {
            return fail(FailureCode::Locked, "the vault is locked");
        };
        let remote = match net.connect(endpoint, "", "") {
            Ok(remote) => remote,
            Err(detail) => return fail(FailureCode::BadRequest, detail),
        };
        let engine = Engine {
            remote: &remote,
            local: &Local(&self.store),
            vault,
            endpoint: &endpoint.key(),
            policy: hearth_sync::RetryPolicy::default(),
            sleeper: net.sleeper(),
        };
        let state = match self.store.get_meta(META_SYNC_STATE).await {
            Ok(state) => state.map(|b| hearth_sync::SyncState::from_bytes(&b)),
            Err(err) => return storage_failed(err),
        };
        match engine.pending().await {
            Ok(pending) => Response::SyncStatus {
                pending,
                last_synced_ms: state
                    .filter(|s| s.endpoint == endpoint.key())
                    .and_then(|s| s.last_synced_ms),
            },
            Err(err) => fail(FailureCode::Storage, err.0),
        }
    }

    /// How many records are in conflict.
    async fn conflicts(&self, vault: &UnlockedVault) -> Result<usize, Response> {
        let mut conflicts = 0;
        for kind in [RecordKind::Entry, RecordKind::Settings, RecordKind::Consent] {
            let (items, _) = self.latest(vault, kind.envelope_kind()).await?;
            conflicts += items.iter().filter(|o| !o.others.is_empty()).count();
        }
        Ok(conflicts)
    }

    /// The answer when the endpoint fails before any object moves: what waits, and why.
    async fn stopped(
        &self,
        vault: &UnlockedVault,
        endpoint: &Endpoint,
        net: &impl Network,
        err: &hearth_sync::StoreError,
    ) -> Response {
        let pending = match self.sync_status(endpoint, net).await {
            Response::SyncStatus { pending, .. } => pending,
            other => return other,
        };
        let conflicts = match self.conflicts(vault).await {
            Ok(conflicts) => conflicts,
            Err(response) => return response,
        };
        Response::Synced {
            report: SyncReport {
                pending,
                error: Some(err.to_string()),
                retry_later: err.is_retryable(),
                refusal: err.refusal(),
                ..SyncReport::default()
            },
            passphrase_changed: false,
            conflicts,
        }
    }

    async fn sync(&mut self, endpoint: &Endpoint, net: &impl Network) -> Response {
        let Some(vault) = self.unlocked.as_ref() else {
            return fail(FailureCode::Locked, "the vault is locked");
        };
        let remote = match connect_as(net, endpoint, vault) {
            Ok(remote) => remote,
            Err(response) => return response,
        };
        if let Err(err) = net.prepare(&remote).await {
            return self.stopped(vault, endpoint, net, &err).await;
        }
        let policy = hearth_sync::RetryPolicy::default();
        let header =
            hearth_sync::sync_header(&remote, vault.header(), &policy, net.sleeper()).await;
        let passphrase_changed = match header {
            Ok(HeaderSync::Newer(bytes)) => {
                // Checked like any stored header: this vault's id, never older than seen.
                let adopted = VaultHeader::parse(&bytes).and_then(|h| {
                    h.check(vault.vault_id(), vault.header().version())
                        .map(|()| h)
                });
                match adopted {
                    Ok(header) => {
                        if let Err(response) = self.replace_header(&header).await {
                            return response;
                        }
                        true
                    }
                    Err(err) => return fail(FailureCode::Endpoint, err.to_string()),
                }
            }
            Ok(HeaderSync::Same | HeaderSync::Uploaded) => false,
            Err(hearth_sync::HeaderError::Store(err)) => {
                return self.stopped(vault, endpoint, net, &err).await
            }
            Err(err) => return fail(FailureCode::Endpoint, err.to_string()),
        };
        let engine = Engine {
            remote: &remote,
            local: &Local(&self.store),
            vault,
            endpoint: &endpoint.key(),
            policy,
            sleeper: net.sleeper(),
        };
        let report = match engine.run(net.now_ms()).await {
            Ok(report) => report,
            Err(err) => return fail(FailureCode::Storage, err.0),
        };
        let conflicts = match self.conflicts(vault).await {
            Ok(conflicts) => conflicts,
            Err(response) => return response,
        };
        Response::Synced {
            report,
            passphrase_changed,
            conflicts,
        }
    }

    async fn join(
        &mut self,
        endpoint: &Endpoint,
        code: &str,
        secret: JoinSecret,
        net: &impl Network,
    ) -> Response {
        match self.store.get_meta(META_HEADER).await {
            Ok(Some(_)) => return fail(FailureCode::VaultExists, "a vault exists on this device"),
            Ok(None) => {}
            Err(err) => return storage_failed(err),
        }
        let vault_id = match VaultId::from_code(code) {
            Ok(id) => id,
            Err(err) => return fail(FailureCode::BadRequest, err.to_string()),
        };
        let remote = match net.connect(endpoint, &vault_id.to_relay_id(), "") {
            Ok(remote) => remote,
            Err(detail) => return fail(FailureCode::BadRequest, detail),
        };
        let policy = hearth_sync::RetryPolicy::default();
        let fetched =
            hearth_sync::with_retries(&policy, net.sleeper(), || remote.get_header()).await;
        let bytes = match fetched {
            Ok((bytes, _)) => bytes,
            Err(hearth_sync::StoreError::NotFound) => {
                return fail(
                    FailureCode::NoVault,
                    "no vault with this code on that server",
                )
            }
            Err(err) => return endpoint_failure(&err),
        };
        let header = match VaultHeader::parse(&bytes).and_then(|h| h.check(vault_id, 1).map(|()| h))
        {
            Ok(header) => header,
            Err(err) => return vault_failure(&err),
        };
        let vault = match secret {
            JoinSecret::Passphrase { passphrase } => match Passphrase::new(passphrase) {
                Ok(p) => UnlockedVault::unlock(&header, &p),
                Err(_) => return fail(FailureCode::WrongPassphrase, "empty passphrase"),
            },
            JoinSecret::Recovery {
                recovery_words,
                new_passphrase,
            } => {
                let recovery = match RecoveryKey::from_words(&recovery_words) {
                    Ok(key) => key,
                    Err(err) => return vault_failure(&err),
                };
                match Self::strong_passphrase(new_passphrase) {
                    Ok(p) => UnlockedVault::recover(&header, &recovery, &p, self.params),
                    Err(response) => return response,
                }
            }
        };
        let vault = match vault {
            Ok(vault) => vault,
            Err(err) => return vault_failure(&err),
        };
        if let Err(response) = self.store_new_vault(&vault).await {
            return response;
        }
        let vault_code = vault.vault_id().to_code();
        self.unlocked = Some(vault);
        Response::Unlocked { vault_code }
    }

    async fn list(&self, kind: RecordKind) -> Result<(Vec<Record>, usize), Response> {
        let Some(vault) = self.unlocked.as_ref() else {
            return Err(fail(FailureCode::Locked, "the vault is locked"));
        };
        let (latest, unreadable) = self.latest(vault, kind.envelope_kind()).await?;
        let records = latest.iter().map(Opened::record).collect();
        Ok((records, unreadable))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use futures::executor::block_on;

    const PASSPHRASE: &str = "violet harbour lantern seventeen";
    const MARKER: &str = "MARKER-7f3a9c-private-words";

    fn service() -> VaultService<MemoryEnvelopeStore> {
        VaultService::new(MemoryEnvelopeStore::default(), KdfParams::MINIMUM)
    }

    fn ask(service: &mut VaultService<MemoryEnvelopeStore>, request: Request) -> Response {
        block_on(service.handle(request))
    }

    fn create(service: &mut VaultService<MemoryEnvelopeStore>) -> String {
        match ask(
            service,
            Request::Create {
                passphrase: PASSPHRASE.into(),
            },
        ) {
            Response::Created { recovery_words, .. } => recovery_words,
            other => panic!("{other:?}"),
        }
    }

    fn put_entry(service: &mut VaultService<MemoryEnvelopeStore>, body: &str) -> Record {
        match ask(
            service,
            Request::Put {
                kind: RecordKind::Entry,
                id: None,
                body: body.into(),
            },
        ) {
            Response::Saved(record) => record,
            other => panic!("{other:?}"),
        }
    }

    fn entries(service: &mut VaultService<MemoryEnvelopeStore>) -> Vec<String> {
        match ask(
            service,
            Request::List {
                kind: RecordKind::Entry,
            },
        ) {
            Response::Records {
                records,
                unreadable: 0,
            } => {
                let mut bodies: Vec<_> = records.into_iter().map(|r| r.body).collect();
                bodies.sort();
                bodies
            }
            other => panic!("{other:?}"),
        }
    }

    fn code(response: &Response) -> Option<FailureCode> {
        match response {
            Response::Failed(failure) => Some(failure.code),
            _ => None,
        }
    }

    #[test]
    fn entries_survive_lock_unlock_and_never_reach_storage_in_plaintext() {
        let mut vault = service();
        assert_eq!(
            ask(&mut vault, Request::Status),
            Response::Status {
                exists: false,
                unlocked: false
            }
        );
        let words = create(&mut vault);
        assert_eq!(words.split(' ').count(), 24);
        put_entry(&mut vault, &format!("first {MARKER}"));
        put_entry(&mut vault, &format!("second {MARKER}"));
        for bytes in vault.store().dump() {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("MARKER"), "plaintext reached storage");
        }
        assert_eq!(ask(&mut vault, Request::Lock), Response::Locked);
        assert_eq!(
            code(&ask(
                &mut vault,
                Request::List {
                    kind: RecordKind::Entry
                }
            )),
            Some(FailureCode::Locked)
        );
        assert!(matches!(
            ask(
                &mut vault,
                Request::Unlock {
                    passphrase: PASSPHRASE.into()
                }
            ),
            Response::Unlocked { .. }
        ));
        assert_eq!(entries(&mut vault).len(), 2);
    }

    #[test]
    fn a_wrong_passphrase_is_refused_and_changes_nothing() {
        let mut vault = service();
        create(&mut vault);
        put_entry(&mut vault, "kept");
        ask(&mut vault, Request::Lock);
        let before = vault.store().dump();
        let response = ask(
            &mut vault,
            Request::Unlock {
                passphrase: "violet harbour lantern 17".into(),
            },
        );
        assert_eq!(code(&response), Some(FailureCode::WrongPassphrase));
        assert_eq!(vault.store().dump(), before);
        assert_eq!(
            ask(&mut vault, Request::Status),
            Response::Status {
                exists: true,
                unlocked: false
            }
        );
    }

    #[test]
    fn recovery_sets_a_new_passphrase_and_the_old_one_stops_working() {
        let mut vault = service();
        let words = create(&mut vault);
        put_entry(&mut vault, "before recovery");
        ask(&mut vault, Request::Lock);
        let new = "copper meadow thunder quietly";
        let bad_words = words.replacen(words.split(' ').next().unwrap(), "zoo", 1);
        let before = vault.store().dump();
        for wrong in [bad_words.as_str(), "not enough words"] {
            let response = ask(
                &mut vault,
                Request::Recover {
                    recovery_words: wrong.into(),
                    new_passphrase: new.into(),
                },
            );
            assert!(
                matches!(
                    code(&response),
                    Some(FailureCode::BadRecoveryWords | FailureCode::WrongRecoveryKey)
                ),
                "{response:?}"
            );
        }
        assert_eq!(
            vault.store().dump(),
            before,
            "failed recoveries change nothing"
        );
        let response = ask(
            &mut vault,
            Request::Recover {
                recovery_words: words.to_uppercase(),
                new_passphrase: new.into(),
            },
        );
        assert!(
            matches!(response, Response::Unlocked { .. }),
            "{response:?}"
        );
        assert_eq!(entries(&mut vault), ["before recovery"]);
        ask(&mut vault, Request::Lock);
        let old = ask(
            &mut vault,
            Request::Unlock {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(code(&old), Some(FailureCode::WrongPassphrase));
        assert!(matches!(
            ask(
                &mut vault,
                Request::Unlock {
                    passphrase: new.into()
                }
            ),
            Response::Unlocked { .. }
        ));
    }

    #[test]
    fn changing_the_passphrase_needs_the_current_one_and_a_strong_new_one() {
        let mut vault = service();
        create(&mut vault);
        put_entry(&mut vault, "still here");
        let new = "granite kite harvest balcony";
        let wrong = ask(
            &mut vault,
            Request::ChangePassphrase {
                current: "nope nope nope".into(),
                new_passphrase: new.into(),
            },
        );
        assert_eq!(code(&wrong), Some(FailureCode::WrongPassphrase));
        let weak = ask(
            &mut vault,
            Request::ChangePassphrase {
                current: PASSPHRASE.into(),
                new_passphrase: "password1".into(),
            },
        );
        assert_eq!(code(&weak), Some(FailureCode::WeakPassphrase));
        let ok = ask(
            &mut vault,
            Request::ChangePassphrase {
                current: PASSPHRASE.into(),
                new_passphrase: new.into(),
            },
        );
        assert!(matches!(ok, Response::Unlocked { .. }), "{ok:?}");
        ask(&mut vault, Request::Lock);
        assert_eq!(
            code(&ask(
                &mut vault,
                Request::Unlock {
                    passphrase: PASSPHRASE.into()
                }
            )),
            Some(FailureCode::WrongPassphrase)
        );
        assert!(matches!(
            ask(
                &mut vault,
                Request::Unlock {
                    passphrase: new.into()
                }
            ),
            Response::Unlocked { .. }
        ));
        assert_eq!(entries(&mut vault), ["still here"]);
    }

    #[test]
    fn singletons_and_edits_make_new_versions_of_the_same_item() {
        let mut vault = service();
        create(&mut vault);
        for choice in ["ai", "human", "both"] {
            let body = format!("{{\"choice\":\"{choice}\"}}");
            ask(
                &mut vault,
                Request::Put {
                    kind: RecordKind::Consent,
                    id: None,
                    body,
                },
            );
        }
        match ask(
            &mut vault,
            Request::List {
                kind: RecordKind::Consent,
            },
        ) {
            Response::Records { records, .. } => {
                assert_eq!(records.len(), 1);
                assert_eq!(records[0].version, 3);
                assert!(records[0].body.contains("both"));
            }
            other => panic!("{other:?}"),
        }
        let entry = put_entry(&mut vault, "draft");
        let edited = ask(
            &mut vault,
            Request::Put {
                kind: RecordKind::Entry,
                id: Some(entry.id.clone()),
                body: "final".into(),
            },
        );
        assert!(
            matches!(edited, Response::Saved(Record { version: 2, .. })),
            "{edited:?}"
        );
        assert_eq!(entries(&mut vault), ["final"]);
    }

    #[test]
    fn weak_passphrases_and_second_vaults_are_refused() {
        let mut vault = service();
        for weak in ["", "short", "password123", "aaaaaaaaaaaa"] {
            let response = ask(
                &mut vault,
                Request::Create {
                    passphrase: weak.into(),
                },
            );
            assert_eq!(
                code(&response),
                Some(FailureCode::WeakPassphrase),
                "{weak:?}"
            );
        }
        assert!(
            vault.store().dump().is_empty(),
            "nothing written for refused passphrases"
        );
        create(&mut vault);
        let again = ask(
            &mut vault,
            Request::Create {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(code(&again), Some(FailureCode::VaultExists));
        match ask(
            &mut vault,
            Request::Strength {
                passphrase: PASSPHRASE.into(),
            },
        ) {
            Response::Strength(strength) => assert!(strength.acceptable && strength.score >= 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_damaged_or_foreign_header_is_a_clear_error() {
        let mut vault = service();
        create(&mut vault);
        ask(&mut vault, Request::Lock);
        let header = block_on(vault.store().get_meta(META_HEADER))
            .unwrap()
            .unwrap();
        vault
            .store()
            .tamper_meta(META_HEADER, header[..header.len() - 1].to_vec());
        let response = ask(
            &mut vault,
            Request::Unlock {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(code(&response), Some(FailureCode::BadHeader));

        // A stale header: the one from before a passphrase change.
        let mut stale = service();
        create(&mut stale);
        let old = block_on(stale.store().get_meta(META_HEADER))
            .unwrap()
            .unwrap();
        let changed = ask(
            &mut stale,
            Request::ChangePassphrase {
                current: PASSPHRASE.into(),
                new_passphrase: "granite kite harvest balcony".into(),
            },
        );
        assert!(matches!(changed, Response::Unlocked { .. }));
        stale.store().tamper_meta(META_HEADER, old);
        let response = ask(
            &mut stale,
            Request::Unlock {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(
            code(&response),
            Some(FailureCode::BadHeader),
            "{response:?}"
        );

        let mut other = service();
        create(&mut other);
        let foreign = block_on(other.store().get_meta(META_HEADER))
            .unwrap()
            .unwrap();
        vault.store().tamper_meta(META_HEADER, foreign);
        let response = ask(
            &mut vault,
            Request::Unlock {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(code(&response), Some(FailureCode::BadHeader));
    }

    #[test]
    fn damaged_envelopes_are_counted_and_left_in_place() {
        let mut vault = service();
        create(&mut vault);
        put_entry(&mut vault, "one");
        put_entry(&mut vault, "two");
        let before = vault.store().dump().len();
        vault.store().tamper_envelopes(200);
        match ask(
            &mut vault,
            Request::List {
                kind: RecordKind::Entry,
            },
        ) {
            Response::Records {
                records,
                unreadable,
            } => {
                assert!(records.is_empty());
                assert_eq!(unreadable, 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(vault.store().dump().len(), before, "nothing is deleted");
        put_entry(&mut vault, "three");
        match ask(
            &mut vault,
            Request::List {
                kind: RecordKind::Entry,
            },
        ) {
            Response::Records {
                records,
                unreadable,
            } => {
                let bodies: Vec<_> = records.into_iter().map(|r| r.body).collect();
                assert_eq!(bodies, ["three"], "new entries still work");
                assert_eq!(unreadable, 2);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn erasing_needs_the_passphrase_and_leaves_nothing() {
        let mut vault = service();
        create(&mut vault);
        put_entry(&mut vault, "to be erased");
        let wrong = ask(
            &mut vault,
            Request::Erase {
                passphrase: "not the passphrase".into(),
                endpoint: None,
            },
        );
        assert_eq!(code(&wrong), Some(FailureCode::WrongPassphrase));
        assert!(
            !vault.store().dump().is_empty(),
            "a failed erase deletes nothing"
        );
        assert_eq!(
            ask(
                &mut vault,
                Request::Erase {
                    passphrase: PASSPHRASE.into(),
                    endpoint: None,
                }
            ),
            Response::Erased
        );
        assert!(vault.store().dump().is_empty());
        assert_eq!(
            ask(&mut vault, Request::Status),
            Response::Status {
                exists: false,
                unlocked: false
            }
        );
    }

    #[test]
    fn the_protocol_round_trips_as_json() {
        let request = Request::Put {
            kind: RecordKind::Entry,
            id: None,
            body: "x".into(),
        };
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(json, r#"{"put":{"kind":"entry","id":null,"body":"x"}}"#);
        assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request);
        let response = Response::Failed(Failure {
            code: FailureCode::Locked,
            detail: "d".into(),
        });
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(serde_json::from_str::<Response>(&json).unwrap(), response);
    }

    /// The alert is sealed to the clinician's key (the worker needs no vault for it); only
    /// that key opens it, and the sealed bytes do not contain the message.
    #[test]
    fn an_alert_seals_to_the_clinician_and_only_they_can_open_it() {
        let mut vault = service();
        let clinician = hearth_vault::ClinicianKeyPair::generate().unwrap();
        let alert = r#"{"type":"crisis_alert","message":"Please call me as soon as you can."}"#;
        let Response::Sealed { name, share } = ask(
            &mut vault,
            Request::SealAlert {
                recipient: clinician.public_key().to_base64url(),
                alert: alert.into(),
            },
        ) else {
            panic!("not sealed");
        };
        let bytes = base64ct::Base64UrlUnpadded::decode_vec(&share).unwrap();
        assert!(!bytes.windows(12).any(|w| w == b"Please call "));
        let share = hearth_vault::Share::parse(&bytes).unwrap();
        assert_eq!(share.kind(), hearth_vault::ShareKind::Alert);
        assert_eq!(share.object_name(), name);
        assert_eq!(clinician.open(&share).unwrap().as_bytes(), alert.as_bytes());
        let other = hearth_vault::ClinicianKeyPair::generate().unwrap();
        assert!(other.open(&share).is_err());
        let refused = ask(
            &mut vault,
            Request::SealAlert {
                recipient: "not a key".into(),
                alert: alert.into(),
            },
        );
        assert!(matches!(
            refused,
            Response::Failed(Failure {
                code: FailureCode::BadRequest,
                ..
            })
        ));
    }

    /// The clinician console's worker side: a key pair made under a strong passphrase,
    /// reopened only with it, opening what a patient's worker sealed to it and refusing an
    /// altered share; a lock closes it.
    #[test]
    fn the_console_key_opens_patients_shares_and_refuses_altered_ones() {
        let mut console = service();
        let weak = ask(
            &mut console,
            Request::CreateClinicianKey {
                passphrase: "password1".into(),
            },
        );
        assert_eq!(code(&weak), Some(FailureCode::WeakPassphrase));
        let Response::ClinicianKey {
            public_key,
            sealed,
            recovery_words: Some(words),
        } = ask(
            &mut console,
            Request::CreateClinicianKey {
                passphrase: "copper meadow ninety lanterns".into(),
            },
        )
        else {
            panic!("no key");
        };
        assert_eq!(words.split_whitespace().count(), 24);
        let mut patient = service();
        let Response::Sealed { share, .. } = ask(
            &mut patient,
            Request::SealShare {
                recipient: public_key.clone(),
                topic: ShareTopic::Scores,
                payload: r#"{"type":"hearth_share","version":1}"#.into(),
            },
        ) else {
            panic!("not sealed");
        };
        let opened = ask(
            &mut console,
            Request::OpenShare {
                share: share.clone(),
            },
        );
        assert_eq!(
            opened,
            Response::OpenedShare {
                topic: ShareTopic::Scores,
                text: r#"{"type":"hearth_share","version":1}"#.into(),
            }
        );
        let mut bytes = base64ct::Base64UrlUnpadded::decode_vec(&share).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = ask(
            &mut console,
            Request::OpenShare {
                share: base64ct::Base64UrlUnpadded::encode_string(&bytes),
            },
        );
        assert_eq!(code(&altered), Some(FailureCode::Corrupt));
        // Locked: nothing opens until the passphrase is given again.
        ask(&mut console, Request::Lock);
        let locked = ask(
            &mut console,
            Request::OpenShare {
                share: share.clone(),
            },
        );
        assert_eq!(code(&locked), Some(FailureCode::Locked));
        let wrong = ask(
            &mut console,
            Request::OpenClinicianKey {
                sealed: sealed.clone(),
                passphrase: "copper meadow ninety lantern".into(),
            },
        );
        assert_eq!(code(&wrong), Some(FailureCode::WrongPassphrase));
        let sealed_copy = sealed.clone();
        let reopened = ask(
            &mut console,
            Request::OpenClinicianKey {
                sealed,
                passphrase: "copper meadow ninety lanterns".into(),
            },
        );
        assert!(matches!(
            reopened,
            Response::ClinicianKey { public_key: ref k, recovery_words: None, .. } if *k == public_key
        ));
        assert!(matches!(
            ask(
                &mut console,
                Request::OpenShare {
                    share: share.clone()
                }
            ),
            Response::OpenedShare { .. }
        ));
        // Passphrase forgotten: the recovery words set a new one, and the old one stops.
        ask(&mut console, Request::Lock);
        let Response::ClinicianKey {
            public_key: recovered_key,
            sealed: renewed,
            ..
        } = ask(
            &mut console,
            Request::RecoverClinicianKey {
                sealed: sealed_copy,
                words,
                new_passphrase: "harbour willow seventy kites".into(),
            },
        )
        else {
            panic!("not recovered");
        };
        assert_eq!(recovered_key, public_key);
        assert!(matches!(
            ask(&mut console, Request::OpenShare { share }),
            Response::OpenedShare { .. }
        ));
        let old = ask(
            &mut console,
            Request::OpenClinicianKey {
                sealed: renewed,
                passphrase: "copper meadow ninety lanterns".into(),
            },
        );
        assert_eq!(code(&old), Some(FailureCode::WrongPassphrase));
    }

    /// Deleting removes every stored version of the entry (its words are gone from the
    /// device) and leaves a sealed tombstone; the other entries stay.
    #[test]
    fn a_deleted_entry_is_gone_from_storage_and_from_the_list() {
        let mut vault = service();
        create(&mut vault);
        let first = put_entry(&mut vault, MARKER);
        let edited = ask(
            &mut vault,
            Request::Put {
                kind: RecordKind::Entry,
                id: Some(first.id.clone()),
                body: format!("{MARKER} edited"),
            },
        );
        assert!(matches!(edited, Response::Saved(_)));
        put_entry(&mut vault, "another entry");
        let before = vault.store().dump().len();
        assert_eq!(
            ask(
                &mut vault,
                Request::Delete {
                    id: first.id.clone()
                }
            ),
            Response::Deleted
        );
        assert_eq!(entries(&mut vault), ["another entry"]);
        // Two versions removed, one tombstone added.
        assert_eq!(vault.store().dump().len(), before - 1);
        assert!(matches!(
            ask(&mut vault, Request::Delete { id: first.id }),
            Response::Failed(Failure {
                code: FailureCode::BadRequest,
                ..
            })
        ));
    }

    /// Devices that share one in-memory endpoint.
    #[derive(Default, Clone)]
    struct SharedNet(std::rc::Rc<hearth_sync::MemoryBlobStore>);

    struct SharedStore(std::rc::Rc<hearth_sync::MemoryBlobStore>);

    impl BlobStore for SharedStore {
        async fn get_header(&self) -> Result<(Vec<u8>, String), hearth_sync::StoreError> {
            self.0.get_header().await
        }
        async fn put_header(
            &self,
            bytes: &[u8],
            condition: hearth_sync::HeaderWrite,
        ) -> Result<String, hearth_sync::StoreError> {
            self.0.put_header(bytes, condition).await
        }
        async fn put_object(
            &self,
            name: &str,
            bytes: &[u8],
        ) -> Result<hearth_sync::PutOutcome, hearth_sync::StoreError> {
            self.0.put_object(name, bytes).await
        }
        async fn get_object(&self, name: &str) -> Result<Vec<u8>, hearth_sync::StoreError> {
            self.0.get_object(name).await
        }
        async fn list(
            &self,
            after: Option<&str>,
            limit: usize,
        ) -> Result<hearth_sync::Page, hearth_sync::StoreError> {
            self.0.list(after, limit).await
        }
    }

    impl Network for SharedNet {
        type Store = SharedStore;
        type Sleep = Offline;
        fn connect(&self, _: &Endpoint, _: &str, _: &str) -> Result<SharedStore, String> {
            Ok(SharedStore(self.0.clone()))
        }
        async fn prepare(&self, _: &SharedStore) -> Result<(), hearth_sync::StoreError> {
            Ok(())
        }
        async fn erase(&self, store: &SharedStore) -> Result<(), hearth_sync::StoreError> {
            store.0.erase();
            Ok(())
        }
        fn sleeper(&self) -> &Offline {
            &Offline
        }
        fn now_ms(&self) -> u64 {
            1_700_000_000_000
        }
    }

    fn endpoint() -> Endpoint {
        Endpoint::Relay {
            url: "http://127.0.0.1:9/".into(),
        }
    }

    fn sync(
        device: &mut VaultService<MemoryEnvelopeStore>,
        net: &SharedNet,
    ) -> (SyncReport, usize) {
        match block_on(device.handle_online(
            Request::Sync {
                endpoint: endpoint(),
            },
            net,
        )) {
            Response::Synced {
                report, conflicts, ..
            } => (report, conflicts),
            other => panic!("{other:?}"),
        }
    }

    fn join(
        net: &SharedNet,
        code: &str,
        secret: JoinSecret,
    ) -> (VaultService<MemoryEnvelopeStore>, Response) {
        let mut device = service();
        let response = block_on(device.handle_online(
            Request::Join {
                endpoint: endpoint(),
                vault_code: code.into(),
                secret,
            },
            net,
        ));
        (device, response)
    }

    fn with_passphrase(passphrase: &str) -> JoinSecret {
        JoinSecret::Passphrase {
            passphrase: passphrase.into(),
        }
    }

    fn create_with_code(device: &mut VaultService<MemoryEnvelopeStore>) -> (String, String) {
        match ask(
            device,
            Request::Create {
                passphrase: PASSPHRASE.into(),
            },
        ) {
            Response::Created {
                recovery_words,
                vault_code,
            } => (recovery_words, vault_code),
            other => panic!("{other:?}"),
        }
    }

    fn records(device: &mut VaultService<MemoryEnvelopeStore>) -> Vec<Record> {
        match ask(
            device,
            Request::List {
                kind: RecordKind::Entry,
            },
        ) {
            Response::Records { records, .. } => records,
            other => panic!("{other:?}"),
        }
    }

    fn edit(device: &mut VaultService<MemoryEnvelopeStore>, id: &str, body: &str) {
        let response = ask(
            device,
            Request::Put {
                kind: RecordKind::Entry,
                id: Some(id.into()),
                body: body.into(),
            },
        );
        assert!(matches!(response, Response::Saved(_)), "{response:?}");
    }

    #[test]
    fn a_second_device_opens_the_vault_from_the_endpoint_and_both_converge() {
        let net = SharedNet::default();
        let mut a = service();
        let (_, code) = create_with_code(&mut a);
        for i in 0..3 {
            put_entry(&mut a, &format!("entry {i} {MARKER}"));
        }
        let (report, conflicts) = sync(&mut a, &net);
        assert_eq!((report.uploaded, report.pending, conflicts), (3, 0, 0));
        for (name, bytes) in block_on(net.0.list(None, 1000))
            .unwrap()
            .objects
            .iter()
            .map(|o| (o.name.clone(), block_on(net.0.get_object(&o.name)).unwrap()))
        {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("MARKER"),
                "{name}"
            );
        }

        let (wrong, response) = join(&net, &code, with_passphrase("not the passphrase at all"));
        assert_eq!(code_of(&response), Some(FailureCode::WrongPassphrase));
        assert!(
            wrong.store().dump().is_empty(),
            "a failed join stores nothing"
        );
        let unknown = VaultId::random().unwrap().to_code();
        let (_, response) = join(&net, &unknown, with_passphrase(PASSPHRASE));
        assert!(matches!(
            code_of(&response),
            Some(FailureCode::BadHeader | FailureCode::NoVault)
        ));

        let (mut b, response) = join(&net, &code, with_passphrase(PASSPHRASE));
        assert!(
            matches!(response, Response::Unlocked { .. }),
            "{response:?}"
        );
        let (report, _) = sync(&mut b, &net);
        assert_eq!(report.downloaded, 3);
        assert_eq!(entries(&mut b), entries(&mut a));
        put_entry(&mut b, "from the second device");
        sync(&mut b, &net);
        let (report, _) = sync(&mut a, &net);
        assert_eq!(report.downloaded, 1);
        assert_eq!(entries(&mut a), entries(&mut b));
        assert_eq!(entries(&mut a).len(), 4);
        // Status: nothing pending, a last-synced time.
        let status = block_on(a.handle_online(
            Request::SyncStatus {
                endpoint: endpoint(),
            },
            &net,
        ));
        assert_eq!(
            status,
            Response::SyncStatus {
                pending: 0,
                last_synced_ms: Some(1_700_000_000_000)
            }
        );
    }

    fn code_of(response: &Response) -> Option<FailureCode> {
        code(response)
    }

    #[test]
    fn concurrent_edits_become_a_conflict_that_the_patient_resolves() {
        let net = SharedNet::default();
        let mut a = service();
        let (_, code) = create_with_code(&mut a);
        let id = put_entry(&mut a, "first draft").id;
        sync(&mut a, &net);
        let (mut b, _) = join(&net, &code, with_passphrase(PASSPHRASE));
        sync(&mut b, &net);
        // Both edit the same version, each without seeing the other.
        edit(&mut a, &id, "edited on the laptop");
        edit(&mut b, &id, "edited on the phone");
        sync(&mut a, &net);
        let (_, conflicts) = sync(&mut b, &net);
        assert_eq!(conflicts, 1);
        let (_, conflicts) = sync(&mut a, &net);
        assert_eq!(conflicts, 1);
        // Both devices show the same version first, and the other beside it: nothing lost.
        let (on_a, on_b) = (records(&mut a), records(&mut b));
        assert_eq!(on_a, on_b);
        let record = &on_a[0];
        let mut texts = vec![
            record.body.clone(),
            record.conflict[0].body.clone().unwrap(),
        ];
        texts.sort();
        assert_eq!(texts, ["edited on the laptop", "edited on the phone"]);

        // The phone keeps its own text, edited once more.
        let phone = if record.body == "edited on the phone" {
            record.head.clone()
        } else {
            record.conflict[0].head.clone()
        };
        let resolved = ask(
            &mut b,
            Request::Resolve {
                kind: RecordKind::Entry,
                id: id.clone(),
                keep: phone,
                body: Some("edited on the phone, and merged".into()),
            },
        );
        assert!(matches!(resolved, Response::Saved(_)), "{resolved:?}");
        let (_, conflicts) = sync(&mut b, &net);
        assert_eq!(conflicts, 0);
        let (_, conflicts) = sync(&mut a, &net);
        assert_eq!(conflicts, 0);
        assert_eq!(entries(&mut a), ["edited on the phone, and merged"]);
        assert_eq!(records(&mut a), records(&mut b));
    }

    #[test]
    fn a_deletion_against_an_edit_is_shown_and_can_be_kept() {
        let net = SharedNet::default();
        let mut a = service();
        let (_, code) = create_with_code(&mut a);
        let id = put_entry(&mut a, "to be deleted").id;
        sync(&mut a, &net);
        let (mut b, _) = join(&net, &code, with_passphrase(PASSPHRASE));
        sync(&mut b, &net);
        assert_eq!(
            ask(&mut a, Request::Delete { id: id.clone() }),
            Response::Deleted
        );
        edit(&mut b, &id, "edited meanwhile");
        sync(&mut a, &net);
        let (_, conflicts) = sync(&mut b, &net);
        assert_eq!(conflicts, 1);
        let record = &records(&mut b)[0];
        assert_eq!(
            record.body, "edited meanwhile",
            "the edit is shown, not lost"
        );
        assert_eq!(record.conflict[0].body, None, "deleted on the other device");
        let keep_deleted = record.conflict[0].head.clone();
        let response = ask(
            &mut b,
            Request::Resolve {
                kind: RecordKind::Entry,
                id,
                keep: keep_deleted,
                body: None,
            },
        );
        assert_eq!(response, Response::Deleted);
        sync(&mut b, &net);
        sync(&mut a, &net);
        assert!(entries(&mut a).is_empty() && entries(&mut b).is_empty());
        // The deleted words are gone from the device that resolved.
        for bytes in b.store().dump() {
            if let Ok(envelope) = Envelope::parse(&bytes) {
                assert_ne!(envelope.kind(), EnvelopeKind::Item);
            }
        }
    }

    #[test]
    fn recovery_words_open_the_vault_on_a_new_device_and_the_new_passphrase_follows() {
        let net = SharedNet::default();
        let mut a = service();
        let (words, code) = create_with_code(&mut a);
        put_entry(&mut a, "kept through recovery");
        sync(&mut a, &net);
        let new = "copper meadow thunder quietly";
        let (mut b, response) = join(
            &net,
            &code,
            JoinSecret::Recovery {
                recovery_words: words,
                new_passphrase: new.into(),
            },
        );
        assert!(
            matches!(response, Response::Unlocked { .. }),
            "{response:?}"
        );
        sync(&mut b, &net);
        assert_eq!(entries(&mut b), ["kept through recovery"]);
        let changed = block_on(a.handle_online(
            Request::Sync {
                endpoint: endpoint(),
            },
            &net,
        ));
        assert!(
            matches!(
                changed,
                Response::Synced {
                    passphrase_changed: true,
                    ..
                }
            ),
            "{changed:?}"
        );
        ask(&mut a, Request::Lock);
        let old = ask(
            &mut a,
            Request::Unlock {
                passphrase: PASSPHRASE.into(),
            },
        );
        assert_eq!(code_of(&old), Some(FailureCode::WrongPassphrase));
        let unlocked = ask(
            &mut a,
            Request::Unlock {
                passphrase: new.into(),
            },
        );
        assert!(matches!(unlocked, Response::Unlocked { .. }));
    }

    #[test]
    fn erasing_with_sync_on_erases_the_servers_copy_first() {
        let net = SharedNet::default();
        let mut a = service();
        let (_, code) = create_with_code(&mut a);
        put_entry(&mut a, &format!("to be erased everywhere {MARKER}"));
        sync(&mut a, &net);
        assert!(block_on(net.0.get_header()).is_ok());
        let erased = block_on(a.handle_online(
            Request::Erase {
                passphrase: PASSPHRASE.into(),
                endpoint: Some(endpoint()),
            },
            &net,
        ));
        assert_eq!(erased, Response::Erased);
        assert!(a.store().dump().is_empty());
        assert_eq!(
            block_on(net.0.get_header()),
            Err(hearth_sync::StoreError::NotFound)
        );
        assert!(block_on(net.0.list(None, 10)).unwrap().objects.is_empty());
        let (_, response) = join(&net, &code, with_passphrase(PASSPHRASE));
        assert_eq!(code_of(&response), Some(FailureCode::NoVault));
    }
}
