//! The sync engine: push the outbox, pull what this device has not seen, verify everything.
//!
//! The engine moves envelopes between a device's own storage (a [`Replica`]: IndexedDB in
//! the widget, memory in tests) and a storage endpoint (a [`BlobStore`]). It never sees
//! plaintext it keeps: every object it downloads is parsed, checked against its
//! content-addressed name and opened with the vault before it is stored, and a forged,
//! truncated or foreign object is skipped and reported, never stored and never allowed to
//! replace anything.
//!
//! - **Outbox**: every local envelope the endpoint is not known to hold. It is derived from
//!   what is persisted (the envelopes and the [`SyncState`] beside them), so an entry saved
//!   offline, or a sync cut short by a closed tab, is simply pushed next time.
//! - **Pull**: list the endpoint in name order, download names this device has neither
//!   stored, uploaded nor refused, verify, store.
//! - **Retries**: network failures, 5xx and 429 are retried with jittered exponential
//!   backoff ([`RetryPolicy`]); uploads are idempotent (same name, same bytes), so a retry
//!   after a lost answer is harmless.
//! - **Header**: [`sync_header`] keeps the vault header (the one mutable object) in step:
//!   the higher version wins, by compare-and-set.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use hearth_vault::{Envelope, UnlockedVault, VaultHeader};
use serde::{Deserialize, Serialize};

use crate::store::{BlobStore, HeaderWrite, Refusal, StoreError};

/// Why the device's own storage failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this device's storage failed: {0}")]
pub struct ReplicaError(pub String);

/// A device's own storage, as the engine needs it.
#[allow(async_fn_in_trait)]
pub trait Replica {
    /// Every envelope stored on this device.
    async fn envelopes(&self) -> Result<Vec<Vec<u8>>, ReplicaError>;
    /// Stores a verified envelope under its content-addressed name.
    async fn store(&self, name: &str, bytes: &[u8]) -> Result<(), ReplicaError>;
    /// The persisted [`SyncState`] bytes, if any.
    async fn load_state(&self) -> Result<Option<Vec<u8>>, ReplicaError>;
    /// Persists the [`SyncState`] bytes.
    async fn save_state(&self, bytes: &[u8]) -> Result<(), ReplicaError>;
}

/// A device's storage in memory, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct MemoryReplica {
    envelopes: std::cell::RefCell<BTreeMap<String, Vec<u8>>>,
    state: std::cell::RefCell<Option<Vec<u8>>>,
}

impl MemoryReplica {
    /// Every stored envelope, by name.
    pub fn stored(&self) -> BTreeMap<String, Vec<u8>> {
        self.envelopes.borrow().clone()
    }

    /// The names of the stored envelopes.
    pub fn names(&self) -> BTreeSet<String> {
        self.envelopes.borrow().keys().cloned().collect()
    }

    /// Stores an envelope under its content-addressed name (what a save on the device does).
    pub fn keep(&self, bytes: Vec<u8>) -> String {
        let name = crate::object_name_of(&bytes);
        self.envelopes.borrow_mut().insert(name.clone(), bytes);
        name
    }
}

impl Replica for MemoryReplica {
    async fn envelopes(&self) -> Result<Vec<Vec<u8>>, ReplicaError> {
        Ok(self.envelopes.borrow().values().cloned().collect())
    }
    async fn store(&self, name: &str, bytes: &[u8]) -> Result<(), ReplicaError> {
        self.envelopes
            .borrow_mut()
            .insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }
    async fn load_state(&self) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self.state.borrow().clone())
    }
    async fn save_state(&self, bytes: &[u8]) -> Result<(), ReplicaError> {
        *self.state.borrow_mut() = Some(bytes.to_vec());
        Ok(())
    }
}

/// Waits, for backoff. The widget uses a browser timer, native code a tokio timer, and unit
/// tests a recorder that returns at once.
pub trait Sleeper {
    /// Waits `ms` milliseconds.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// How often and how patiently a failed request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The first backoff's upper bound, in milliseconds; it doubles each time.
    pub base_ms: u64,
    /// The largest backoff, in milliseconds.
    pub max_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_ms: 250,
            max_ms: 8_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0 for the first retry): "full jitter", a random
    /// time up to the exponential bound, so clients that failed together do not retry
    /// together. A rate limit's `Retry-After` is a floor.
    pub fn backoff_ms(&self, retry: u32, error: &StoreError) -> u64 {
        let bound = self
            .base_ms
            .saturating_mul(1u64 << retry.min(20))
            .min(self.max_ms)
            .max(1);
        let jittered = random_u64() % (bound + 1);
        match error {
            StoreError::RateLimited { retry_after_s } => jittered.max(retry_after_s * 1000),
            _ => jittered,
        }
    }
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // Jitter only spreads retries out; without randomness they are merely less spread.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// Runs `request` until it succeeds, fails for good, or the attempts run out.
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    sleeper: &impl Sleeper,
    mut request: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut retry = 0;
    loop {
        match request().await {
            Err(error) if error.is_retryable() && retry + 1 < policy.attempts.max(1) => {
                sleeper.sleep(policy.backoff_ms(retry, &error)).await;
                retry += 1;
            }
            other => return other,
        }
    }
}

/// What the engine remembers between runs, next to the envelopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Which endpoint this state is about; another endpoint starts afresh.
    pub endpoint: String,
    /// Names the endpoint is known to hold (uploaded, downloaded or seen there).
    pub remote: BTreeSet<String>,
    /// Names on the endpoint that failed verification, with the reason (never retried).
    pub rejected: BTreeMap<String, String>,
    /// When the last complete sync finished (milliseconds since the epoch, the device's
    /// clock; for display only).
    pub last_synced_ms: Option<u64>,
}

impl SyncState {
    /// Reads persisted state; damaged state is treated as none (a full re-check follows,
    /// which is safe because uploads are idempotent).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    /// The persisted form.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// An object on the endpoint that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// Its name on the endpoint.
    pub name: String,
    /// Why it was refused, in plain words.
    pub reason: String,
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Envelopes uploaded (or found already there).
    pub uploaded: usize,
    /// Envelopes downloaded, verified and stored.
    pub downloaded: usize,
    /// Objects refused in this run (forged, truncated, foreign).
    pub rejected: Vec<Rejected>,
    /// Local envelopes still waiting to be uploaded.
    pub pending: usize,
    /// Why the run stopped early, if it did; what was done before stays done.
    pub error: Option<String>,
    /// Whether the error is temporary (offline, server trouble): the outbox waits and
    /// retries later.
    pub retry_later: bool,
    /// What the patient can mend when the endpoint refused (the credentials, the clock):
    /// the outbox waits until they do.
    #[serde(default)]
    pub refusal: Option<Refusal>,
}

/// The objects pushed between two state saves: a crash loses at most this many
/// acknowledgements, which only costs harmless re-uploads.
const SAVE_EVERY: usize = 50;
/// Page size for listings.
const PAGE: usize = 1000;

/// Everything a sync run needs.
pub struct Engine<'a, B, R, S> {
    /// The storage endpoint.
    pub remote: &'a B,
    /// This device's storage.
    pub local: &'a R,
    /// The unlocked vault, to verify what is downloaded.
    pub vault: &'a UnlockedVault,
    /// A name for the endpoint (its URL), so state for another endpoint is not reused.
    pub endpoint: &'a str,
    /// Retry policy.
    pub policy: RetryPolicy,
    /// Backoff timer.
    pub sleeper: &'a S,
}

impl<B: BlobStore, R: Replica, S: Sleeper> Engine<'_, B, R, S> {
    async fn state(&self) -> Result<SyncState, ReplicaError> {
        let state = match self.local.load_state().await? {
            Some(bytes) => SyncState::from_bytes(&bytes),
            None => SyncState::default(),
        };
        Ok(if state.endpoint == self.endpoint {
            state
        } else {
            SyncState {
                endpoint: self.endpoint.to_owned(),
                ..SyncState::default()
            }
        })
    }

    /// How many local envelopes the endpoint is not known to hold.
    pub async fn pending(&self) -> Result<usize, ReplicaError> {
        let state = self.state().await?;
        Ok(self
            .local_names()
            .await?
            .keys()
            .filter(|name| !state.remote.contains(*name))
            .count())
    }

    async fn local_names(&self) -> Result<BTreeMap<String, Vec<u8>>, ReplicaError> {
        Ok(self
            .local
            .envelopes()
            .await?
            .into_iter()
            .map(|bytes| (crate::object_name_of(&bytes), bytes))
            .collect())
    }

    /// Pushes the outbox, then pulls and verifies what is new. `now_ms` is recorded as the
    /// time of the last complete sync. Storage failures on this device are errors; endpoint
    /// trouble ends the run early with the reason in the report.
    pub async fn run(&self, now_ms: u64) -> Result<SyncReport, ReplicaError> {
        let mut state = self.state().await?;
        let mut report = SyncReport::default();
        // One read of the device's envelopes serves the outbox, the pull and the count of
        // what still waits (the vault worker runs nothing else meanwhile).
        let local = self.local_names().await?;
        let mut names: BTreeSet<String> = local.keys().cloned().collect();
        let outcome = match self.push(local, &mut state, &mut report).await? {
            Ok(()) => self.pull(&mut names, &mut state, &mut report).await?,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => state.last_synced_ms = Some(now_ms),
            Err(error) => {
                report.retry_later = error.is_retryable();
                report.refusal = error.refusal();
                report.error = Some(error.to_string());
            }
        }
        self.local.save_state(&state.to_bytes()).await?;
        report.pending = names
            .iter()
            .filter(|name| !state.remote.contains(*name))
            .count();
        Ok(report)
    }

    async fn push(
        &self,
        local: BTreeMap<String, Vec<u8>>,
        state: &mut SyncState,
        report: &mut SyncReport,
    ) -> Result<Result<(), StoreError>, ReplicaError> {
        let outbox: Vec<(String, Vec<u8>)> = local
            .into_iter()
            .filter(|(name, _)| !state.remote.contains(name))
            .collect();
        for (done, (name, bytes)) in outbox.into_iter().enumerate() {
            let put = with_retries(&self.policy, self.sleeper, || {
                self.remote.put_object(&name, &bytes)
            })
            .await;
            match put {
                Ok(_) => {
                    state.remote.insert(name);
                    report.uploaded += 1;
                }
                // A different object under a content address: the endpoint's copy is
                // damaged. Ours stays local; the next pull will refuse theirs.
                Err(StoreError::Conflict) => report.rejected.push(Rejected {
                    name,
                    reason: "the endpoint holds different bytes under this name".into(),
                }),
                Err(error) => return Ok(Err(error)),
            }
            if (done + 1) % SAVE_EVERY == 0 {
                self.local.save_state(&state.to_bytes()).await?;
            }
        }
        Ok(Ok(()))
    }

    async fn pull(
        &self,
        local: &mut BTreeSet<String>,
        state: &mut SyncState,
        report: &mut SyncReport,
    ) -> Result<Result<(), StoreError>, ReplicaError> {
        let mut after: Option<String> = None;
        loop {
            let page = with_retries(&self.policy, self.sleeper, || {
                self.remote.list(after.as_deref(), PAGE)
            })
            .await;
            let page = match page {
                Ok(page) => page,
                Err(error) => return Ok(Err(error)),
            };
            for listed in page.objects {
                let name = listed.name;
                if state.remote.contains(&name) || state.rejected.contains_key(&name) {
                    continue;
                }
                if local.contains(&name) {
                    state.remote.insert(name);
                    continue;
                }
                let got =
                    with_retries(&self.policy, self.sleeper, || self.remote.get_object(&name))
                        .await;
                let bytes = match got {
                    Ok(bytes) => bytes,
                    // Listed a moment ago and gone now: nothing to take.
                    Err(StoreError::NotFound) => continue,
                    Err(error) => return Ok(Err(error)),
                };
                match self.verify(&name, &bytes) {
                    Ok(()) => {
                        self.local.store(&name, &bytes).await?;
                        local.insert(name.clone());
                        state.remote.insert(name);
                        report.downloaded += 1;
                    }
                    Err(reason) => {
                        state.rejected.insert(name.clone(), reason.clone());
                        report.rejected.push(Rejected { name, reason });
                    }
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(Ok(())),
            }
        }
    }

    /// Checks a downloaded object: a well-formed envelope, stored under its own content
    /// address, that this vault opens (which authenticates every header byte).
    fn verify(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let envelope = Envelope::parse(bytes).map_err(|e| format!("not an envelope: {e}"))?;
        if envelope.object_name() != name {
            return Err("its name does not match its content".into());
        }
        self.vault
            .open(&envelope)
            .map(drop)
            .map_err(|_| "it does not open with this vault's key (forged or damaged)".into())
    }
}

/// What [`sync_header`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderSync {
    /// The endpoint already had this device's header.
    Same,
    /// This device's header was written to the endpoint (first sync, or a newer version).
    Uploaded,
    /// The endpoint holds a newer header (a passphrase changed on another device): the
    /// caller checks and adopts these bytes.
    Newer(Vec<u8>),
}

/// Why the header could not be kept in step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The endpoint refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The endpoint's header is damaged or belongs to another vault.
    #[error("the header on the storage endpoint is not this vault's: {0}")]
    Foreign(String),
}

/// Keeps the vault header on the endpoint in step with `local` (this device's header): the
/// higher version wins; equal versions with different bytes (two passphrase changes at
/// once) settle on the endpoint's copy, the last writer's, so every device ends up alike.
pub async fn sync_header(
    remote: &impl BlobStore,
    local: &VaultHeader,
    policy: &RetryPolicy,
    sleeper: &impl Sleeper,
) -> Result<HeaderSync, HeaderError> {
    let mine = local.to_bytes();
    let current = with_retries(policy, sleeper, || remote.get_header()).await;
    let (theirs, etag) = match current {
        Err(StoreError::NotFound) => {
            let created = with_retries(policy, sleeper, || {
                remote.put_header(&mine, HeaderWrite::Create)
            })
            .await;
            return match created {
                Ok(_) => Ok(HeaderSync::Uploaded),
                // Another device wrote it first: compare on the next run.
                Err(error) => Err(error.into()),
            };
        }
        other => other?,
    };
    if theirs == mine {
        return Ok(HeaderSync::Same);
    }
    let parsed = VaultHeader::parse(&theirs).map_err(|e| HeaderError::Foreign(e.to_string()))?;
    if parsed.vault_id() != local.vault_id() {
        return Err(HeaderError::Foreign("another vault's id".into()));
    }
    if parsed.version() >= local.version() {
        return Ok(HeaderSync::Newer(theirs));
    }
    let replace = HeaderWrite::Replace { etag };
    with_retries(policy, sleeper, || {
        remote.put_header(&mine, replace.clone())
    })
    .await?;
    Ok(HeaderSync::Uploaded)
}

/// The sync suite every endpoint passes: two devices share one vault through `remote`
/// (which must start empty) with the engine, as the app does. Panics naming the broken rule.
pub mod suite {
    use super::*;
    use crate::lineage::{merge, ItemState, Version};
    use hearth_vault::{DeviceId, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams, Passphrase};

    /// Returns at once: the suite's backoff never waits.
    struct NoWait;

    impl Sleeper for NoWait {
        async fn sleep(&self, _ms: u64) {}
    }

    fn seal(vault: &UnlockedVault, device: &MemoryReplica, meta: &EnvelopeMeta, text: &str) {
        let envelope = vault
            .seal(meta, text.as_bytes())
            .unwrap_or_else(|e| panic!("sealing failed: {e}"));
        device.keep(envelope.into_bytes());
    }

    fn states(vault: &UnlockedVault, device: &MemoryReplica) -> BTreeMap<ItemId, ItemState> {
        merge(device.stored().values().map(|bytes| {
            let envelope = Envelope::parse(bytes).unwrap_or_else(|e| panic!("stored: {e}"));
            if let Err(e) = vault.open(&envelope) {
                panic!("a stored envelope does not open: {e}");
            }
            Version {
                hash: envelope.version_hash(),
                meta: *envelope.meta(),
            }
        }))
    }

    async fn run(
        remote: &impl BlobStore,
        device: &MemoryReplica,
        vault: &UnlockedVault,
    ) -> SyncReport {
        let engine = Engine {
            remote,
            local: device,
            vault,
            endpoint: "suite",
            policy: RetryPolicy::default(),
            sleeper: &NoWait,
        };
        let report = engine
            .run(0)
            .await
            .unwrap_or_else(|e| panic!("the device's storage failed: {e}"));
        assert_eq!(report.error, None, "a sync run failed");
        assert!(
            report.rejected.is_empty(),
            "objects refused: {:?}",
            report.rejected
        );
        report
    }

    /// Runs the suite against `remote`, which must start empty.
    pub async fn run_two_devices(remote: &impl BlobStore) {
        let passphrase =
            Passphrase::new("the sync suite's passphrase".into()).unwrap_or_else(|e| panic!("{e}"));
        let (vault, _) = UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap_or_else(|e| panic!("{e}"));
        let policy = RetryPolicy::default();
        let (a, b) = (MemoryReplica::default(), MemoryReplica::default());
        let device = |n: u8| DeviceId::from_bytes([n; 16]);
        let items: Vec<ItemId> = (0..12u8).map(|n| ItemId::from_bytes([n; 16])).collect();
        for (n, item) in items.iter().enumerate() {
            let meta = EnvelopeMeta {
                kind: EnvelopeKind::Item,
                item_id: *item,
                item_version: 1,
                device_id: device(1),
                parent: None,
            };
            seal(
                &vault,
                &a,
                &meta,
                &format!("entry {n} from the first device"),
            );
        }

        // The first device: the header, then everything.
        assert_eq!(
            sync_header(remote, vault.header(), &policy, &NoWait).await,
            Ok(HeaderSync::Uploaded),
            "the first header write"
        );
        let pushed = run(remote, &a, &vault).await;
        assert_eq!((pushed.uploaded, pushed.pending), (items.len(), 0));

        // The second device: the header opens with the passphrase, then everything arrives.
        let (header, _) = remote
            .get_header()
            .await
            .unwrap_or_else(|e| panic!("the header cannot be read: {e}"));
        let header = VaultHeader::parse(&header).unwrap_or_else(|e| panic!("{e}"));
        let second = UnlockedVault::unlock(&header, &passphrase)
            .unwrap_or_else(|e| panic!("the second device cannot unlock: {e}"));
        let pulled = run(remote, &b, &second).await;
        assert_eq!(pulled.downloaded, items.len());
        assert_eq!(
            a.stored(),
            b.stored(),
            "both devices hold the same envelopes"
        );

        // Both edit the first item from the same version; the second deletes another.
        let shown = states(&vault, &a)[&items[0]].shown().hash;
        for (n, replica) in [(1, &a), (2, &b)] {
            let meta = EnvelopeMeta {
                kind: EnvelopeKind::Item,
                item_id: items[0],
                item_version: 2,
                device_id: device(n),
                parent: Some(shown),
            };
            seal(&vault, replica, &meta, &format!("edited on device {n}"));
        }
        let gone = states(&vault, &b)[&items[1]].shown().hash;
        let tombstone = EnvelopeMeta {
            kind: EnvelopeKind::Tombstone,
            item_id: items[1],
            item_version: 2,
            device_id: device(2),
            parent: Some(gone),
        };
        seal(&vault, &b, &tombstone, "");
        run(remote, &a, &vault).await;
        run(remote, &b, &second).await;
        run(remote, &a, &vault).await;
        assert_eq!(
            a.stored(),
            b.stored(),
            "both devices hold the same envelopes again"
        );
        let (on_a, on_b) = (states(&vault, &a), states(&vault, &b));
        assert_eq!(on_a, on_b, "both devices merge alike");
        assert!(
            on_a[&items[0]].is_conflict(),
            "the concurrent edit is a conflict"
        );
        assert!(
            matches!(on_a[&items[1]], ItemState::Deleted(_)),
            "the deletion arrived"
        );

        // A retry of everything is harmless; a device with nothing new moves nothing.
        let idle = run(remote, &b, &second).await;
        assert_eq!((idle.uploaded, idle.downloaded), (0, 0));
        for (_, bytes) in a.stored() {
            let name = crate::object_name_of(&bytes);
            assert!(
                matches!(
                    remote.put_object(&name, &bytes).await,
                    Ok(crate::PutOutcome::AlreadyThere)
                ),
                "an identical retry of {name}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::{MemoryBlobStore, Page, PutOutcome};
    use futures::executor::block_on;
    use hearth_vault::{DeviceId, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams, Passphrase};
    use std::cell::{Cell, RefCell};

    /// Records backoff waits instead of waiting.
    #[derive(Default)]
    struct NoWait(RefCell<Vec<u64>>);

    impl Sleeper for NoWait {
        async fn sleep(&self, ms: u64) {
            self.0.borrow_mut().push(ms);
        }
    }

    /// A store that fails every `every`-th request with a network error — before or after
    /// doing the work, alternately, as a dropped connection can.
    struct Flaky<'a> {
        inner: &'a MemoryBlobStore,
        every: u32,
        calls: Cell<u32>,
    }

    impl Flaky<'_> {
        fn roll(&self) -> Option<bool> {
            let n = self.calls.get() + 1;
            self.calls.set(n);
            (n % self.every == 0).then_some(n % (2 * self.every) == 0)
        }
        fn cut() -> StoreError {
            StoreError::Unavailable("connection reset".into())
        }
    }

    impl BlobStore for Flaky<'_> {
        async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
            self.inner.get_header().await
        }
        async fn put_header(&self, b: &[u8], c: HeaderWrite) -> Result<String, StoreError> {
            self.inner.put_header(b, c).await
        }
        async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
            match self.roll() {
                Some(false) => Err(Self::cut()),
                Some(true) => {
                    // Written, but the answer is lost.
                    let _ = self.inner.put_object(name, bytes).await;
                    Err(Self::cut())
                }
                None => self.inner.put_object(name, bytes).await,
            }
        }
        async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
            match self.roll() {
                Some(_) => Err(Self::cut()),
                None => self.inner.get_object(name).await,
            }
        }
        async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
            match self.roll() {
                Some(_) => Err(Self::cut()),
                None => self.inner.list(after, limit.min(7)).await,
            }
        }
    }

    fn vault() -> UnlockedVault {
        let passphrase = Passphrase::new("sync engine test passphrase".into()).unwrap();
        UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap()
            .0
    }

    fn seal(vault: &UnlockedVault, local: &MemoryReplica, text: &str) -> String {
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::Item,
            item_id: ItemId::random().unwrap(),
            item_version: 1,
            device_id: DeviceId::random().unwrap(),
            parent: None,
        };
        let envelope = vault.seal(&meta, text.as_bytes()).unwrap();
        let name = envelope.object_name();
        block_on(local.store(&name, envelope.as_bytes())).unwrap();
        name
    }

    fn engine<'a, B: BlobStore>(
        remote: &'a B,
        local: &'a MemoryReplica,
        vault: &'a UnlockedVault,
        sleeper: &'a NoWait,
    ) -> Engine<'a, B, MemoryReplica, NoWait> {
        Engine {
            remote,
            local,
            vault,
            endpoint: "memory",
            policy: RetryPolicy::default(),
            sleeper,
        }
    }

    #[test]
    fn two_devices_end_up_with_the_same_envelopes() {
        let vault = vault();
        let remote = MemoryBlobStore::default();
        let (a, b) = (MemoryReplica::default(), MemoryReplica::default());
        let wait = NoWait::default();
        for i in 0..12 {
            seal(&vault, &a, &format!("device A entry {i}"));
        }
        seal(&vault, &b, "device B entry");
        assert_eq!(
            block_on(engine(&remote, &a, &vault, &wait).pending()),
            Ok(12)
        );
        let first = block_on(engine(&remote, &a, &vault, &wait).run(1)).unwrap();
        assert_eq!(
            (first.uploaded, first.downloaded, first.pending),
            (12, 0, 0)
        );
        let second = block_on(engine(&remote, &b, &vault, &wait).run(2)).unwrap();
        assert_eq!((second.uploaded, second.downloaded), (1, 12));
        let third = block_on(engine(&remote, &a, &vault, &wait).run(3)).unwrap();
        assert_eq!((third.uploaded, third.downloaded), (0, 1));
        assert_eq!(a.stored(), b.stored());
        // Nothing new: nothing moves.
        let idle = block_on(engine(&remote, &b, &vault, &wait).run(4)).unwrap();
        assert_eq!((idle.uploaded, idle.downloaded, idle.error), (0, 0, None));
        assert!(wait.0.borrow().is_empty(), "no retries were needed");
    }

    #[test]
    fn dropped_connections_are_retried_and_nothing_is_lost_or_doubled() {
        let vault = vault();
        let memory = MemoryBlobStore::default();
        let flaky = Flaky {
            inner: &memory,
            every: 3,
            calls: Cell::new(0),
        };
        let (a, b) = (MemoryReplica::default(), MemoryReplica::default());
        let wait = NoWait::default();
        let names: BTreeSet<String> = (0..40)
            .map(|i| seal(&vault, &a, &format!("entry {i}")))
            .collect();
        let pushed = block_on(engine(&flaky, &a, &vault, &wait).run(1)).unwrap();
        assert_eq!((pushed.pending, pushed.error.as_deref()), (0, None));
        let pulled = block_on(engine(&flaky, &b, &vault, &wait).run(2)).unwrap();
        assert_eq!(pulled.downloaded, 40);
        let on_b = b.names();
        assert_eq!(on_b, names);
        let listed = block_on(memory.list(None, 1000)).unwrap();
        assert_eq!(listed.objects.len(), 40, "no duplicates on the endpoint");
        assert!(!wait.0.borrow().is_empty(), "backoff was used");
    }

    #[test]
    fn an_unreachable_endpoint_keeps_the_outbox_for_later() {
        struct Down;
        impl BlobStore for Down {
            async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
                Err(StoreError::Unavailable("offline".into()))
            }
            async fn put_header(&self, _: &[u8], _: HeaderWrite) -> Result<String, StoreError> {
                Err(StoreError::Unavailable("offline".into()))
            }
            async fn put_object(&self, _: &str, _: &[u8]) -> Result<PutOutcome, StoreError> {
                Err(StoreError::Unavailable("offline".into()))
            }
            async fn get_object(&self, _: &str) -> Result<Vec<u8>, StoreError> {
                Err(StoreError::Unavailable("offline".into()))
            }
            async fn list(&self, _: Option<&str>, _: usize) -> Result<Page, StoreError> {
                Err(StoreError::Unavailable("offline".into()))
            }
        }
        let vault = vault();
        let local = MemoryReplica::default();
        let wait = NoWait::default();
        seal(&vault, &local, "written on the train");
        let report = block_on(engine(&Down, &local, &vault, &wait).run(1)).unwrap();
        assert_eq!(report.pending, 1);
        assert!(report.retry_later);
        assert!(report.error.unwrap().contains("could not be reached"));
        assert_eq!(wait.0.borrow().len(), 5, "six attempts, five waits");
        assert!(wait.0.borrow().iter().all(|&ms| ms <= 8_000));
        // Back online: the same outbox goes up.
        let remote = MemoryBlobStore::default();
        let report = block_on(engine(&remote, &local, &vault, &wait).run(2)).unwrap();
        assert_eq!((report.uploaded, report.pending), (1, 0));
    }

    #[test]
    fn forged_truncated_and_foreign_objects_are_skipped_and_reported() {
        let vault = vault();
        let stranger = super::tests::vault();
        let remote = MemoryBlobStore::default();
        let (a, b) = (MemoryReplica::default(), MemoryReplica::default());
        let wait = NoWait::default();
        let good = seal(&vault, &a, "a real entry");
        block_on(engine(&remote, &a, &vault, &wait).run(1)).unwrap();
        // Planted by someone with write access to the storage.
        let real = block_on(remote.get_object(&good)).unwrap();
        let mut flipped = real.clone();
        *flipped.last_mut().unwrap() ^= 1;
        block_on(remote.put_object(&crate::object_name_of(&flipped), &flipped)).unwrap();
        block_on(remote.put_object("truncated", &real[..real.len() - 9])).unwrap();
        let mismatched = crate::object_name_of(b"something else");
        block_on(remote.put_object(&mismatched, &real)).unwrap();
        let foreign = MemoryReplica::default();
        let theirs = seal(&stranger, &foreign, "another vault's entry");
        let theirs_bytes = foreign.stored()[&theirs].clone();
        block_on(remote.put_object(&theirs, &theirs_bytes)).unwrap();

        let report = block_on(engine(&remote, &b, &vault, &wait).run(2)).unwrap();
        assert_eq!(report.downloaded, 1);
        assert_eq!(report.rejected.len(), 4, "{:?}", report.rejected);
        assert_eq!(b.names().len(), 1);
        assert_eq!(b.stored()[&good], real, "the good copy is kept");
        // Refused objects are remembered, not fetched again.
        let again = block_on(engine(&remote, &b, &vault, &wait).run(3)).unwrap();
        assert_eq!((again.downloaded, again.rejected.len()), (0, 0));
    }

    #[test]
    fn state_for_another_endpoint_is_not_reused() {
        let vault = vault();
        let local = MemoryReplica::default();
        let wait = NoWait::default();
        seal(&vault, &local, "entry");
        let first = MemoryBlobStore::default();
        block_on(engine(&first, &local, &vault, &wait).run(1)).unwrap();
        let second = MemoryBlobStore::default();
        let mut moved = engine(&second, &local, &vault, &wait);
        moved.endpoint = "another";
        let report = block_on(moved.run(2)).unwrap();
        assert_eq!(report.uploaded, 1, "everything goes to the new endpoint");
    }

    #[test]
    fn the_header_follows_the_newest_version() {
        let passphrase = Passphrase::new("sync engine test passphrase".into()).unwrap();
        let (mut vault, _) = UnlockedVault::create(&passphrase, KdfParams::MINIMUM).unwrap();
        let remote = MemoryBlobStore::default();
        let wait = NoWait::default();
        let policy = RetryPolicy::default();
        let old = vault.header().clone();
        let sync = |header: &VaultHeader| block_on(sync_header(&remote, header, &policy, &wait));
        assert_eq!(sync(&old), Ok(HeaderSync::Uploaded));
        assert_eq!(sync(&old), Ok(HeaderSync::Same));
        let changed = Passphrase::new("a changed passphrase for sync".into()).unwrap();
        vault
            .change_passphrase(&changed, KdfParams::MINIMUM)
            .unwrap();
        let new = vault.header().clone();
        assert_eq!(sync(&new), Ok(HeaderSync::Uploaded), "newer replaces older");
        assert_eq!(sync(&old), Ok(HeaderSync::Newer(new.to_bytes())));
        let other = UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
            .unwrap()
            .0;
        assert!(matches!(sync(other.header()), Err(HeaderError::Foreign(_))));
    }

    #[test]
    fn the_memory_store_passes_the_sync_suite() {
        block_on(suite::run_two_devices(&MemoryBlobStore::default()));
    }

    #[test]
    fn backoff_is_jittered_bounded_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        let net = StoreError::Unavailable("x".into());
        let waits: BTreeSet<u64> = (0..20).map(|_| policy.backoff_ms(3, &net)).collect();
        assert!(waits.len() > 1, "jittered");
        assert!(waits.iter().all(|&ms| ms <= 2_000));
        assert!((0..20).all(|_| policy.backoff_ms(30, &net) <= 8_000));
        let limited = StoreError::RateLimited { retry_after_s: 3 };
        assert!(policy.backoff_ms(0, &limited) >= 3_000);
    }
}
