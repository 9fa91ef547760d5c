//! The vault worker: a dedicated Web Worker that owns the vault service and the IndexedDB
//! store, so key derivation and all sealing run off the UI thread and keys never reach it.
//!
//! Protocol (JSON strings over `postMessage`): the worker first posts `"ready"`; the page
//! then sends `{"id": n, "request": Request}` and gets `{"id": n, "response": Response}`.
//! Requests are answered one at a time, in order.

use futures::channel::mpsc;
use futures::StreamExt;
use hearth_vault::KdfParams;
use idb::{
    Database, DatabaseEvent, Factory, ObjectStore, ObjectStoreParams, Transaction, TransactionMode,
};
use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::vault_service::{
    Endpoint, EnvelopeStore, Failure, FailureCode, Network, Request, Response, StorageError,
    VaultService,
};
use hearth_sync::{EndpointStore, FetchTransport, Sleeper, StoreError};

/// The IndexedDB database that holds the vault (only ciphertext and non-secret ids).
pub const DATABASE: &str = "hearth-vault";
const META: &str = "meta";
const ENVELOPES: &str = "envelopes";

/// A request as it travels to the worker.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    /// Matches the answer to the question.
    pub id: u64,
    /// The request.
    pub request: Request,
}

/// An answer as it travels back.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// The id of the request it answers.
    pub id: u64,
    /// The answer.
    pub response: Response,
}

fn storage(err: idb::Error) -> StorageError {
    StorageError(err.to_string())
}

/// The vault's IndexedDB store.
pub struct IdbStore {
    db: Database,
}

impl IdbStore {
    /// Opens (and on first use creates) the database.
    pub async fn open() -> Result<Self, StorageError> {
        let factory = Factory::new().map_err(storage)?;
        let mut request = factory.open(DATABASE, Some(1)).map_err(storage)?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                for name in [META, ENVELOPES] {
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        let db = request.await.map_err(storage)?;
        Ok(IdbStore { db })
    }

    async fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(storage)?;
        let value = tx
            .object_store(store)
            .map_err(storage)?
            .get(JsValue::from_str(key))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        Ok(value.map(|v| Uint8Array::new(&v).to_vec()))
    }

    /// A read-write transaction on one object store, and that store.
    fn writable(&self, store: &str) -> Result<(Transaction, ObjectStore), StorageError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadWrite)
            .map_err(storage)?;
        let object_store = tx.object_store(store).map_err(storage)?;
        Ok((tx, object_store))
    }

    async fn put(&self, store: &str, key: &str, value: &[u8]) -> Result<(), StorageError> {
        let (tx, object_store) = self.writable(store)?;
        object_store
            .put(
                &Uint8Array::from(value).into(),
                Some(&JsValue::from_str(key)),
            )
            .map_err(storage)?
            .await
            .map_err(storage)?;
        committed(tx).await
    }

    async fn remove(&self, store: &str, key: &str) -> Result<(), StorageError> {
        let (tx, object_store) = self.writable(store)?;
        object_store
            .delete(JsValue::from_str(key))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        committed(tx).await
    }

    async fn clear(&self, store: &str) -> Result<(), StorageError> {
        let (tx, object_store) = self.writable(store)?;
        object_store
            .clear()
            .map_err(storage)?
            .await
            .map_err(storage)?;
        committed(tx).await
    }
}

/// Waits for a write to commit. Only a committed transaction counts: a full disk or a
/// quota refusal aborts it here, and the caller hears about it.
async fn committed(tx: Transaction) -> Result<(), StorageError> {
    if tx.await.map_err(storage)?.is_committed() {
        Ok(())
    } else {
        Err(StorageError("the write was not committed".into()))
    }
}

impl EnvelopeStore for IdbStore {
    async fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.get(META, key).await
    }
    async fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        self.put(META, key, value).await
    }
    async fn put_envelope(&self, name: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.put(ENVELOPES, name, bytes).await
    }
    async fn all_envelopes(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        let tx = self
            .db
            .transaction(&[ENVELOPES], TransactionMode::ReadOnly)
            .map_err(storage)?;
        let values = tx
            .object_store(ENVELOPES)
            .map_err(storage)?
            .get_all(None, None)
            .map_err(storage)?
            .await
            .map_err(storage)?;
        Ok(values.iter().map(|v| Uint8Array::new(v).to_vec()).collect())
    }
    async fn delete_envelope(&self, name: &str) -> Result<(), StorageError> {
        self.remove(ENVELOPES, name).await
    }
    async fn erase_all(&self) -> Result<(), StorageError> {
        // The header (in `meta`) goes first: without it nothing else can be opened.
        self.clear(META).await?;
        self.clear(ENVELOPES).await
    }
}

/// The worker's way to storage endpoints: `fetch`, and browser timers for backoff.
struct WorkerNet;

impl Sleeper for WorkerNet {
    async fn sleep(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(u32::try_from(ms).unwrap_or(u32::MAX)).await;
    }
}

impl Network for WorkerNet {
    type Store = EndpointStore<FetchTransport>;
    type Sleep = WorkerNet;

    fn connect(
        &self,
        endpoint: &Endpoint,
        relay_id: &str,
        token: &str,
    ) -> Result<Self::Store, String> {
        let clock = || (js_sys::Date::now() / 1000.0) as u64;
        endpoint
            .connect(FetchTransport, relay_id, token, clock)
            .map(EndpointStore::without_conditional_headers)
            .map_err(|err| err.to_string())
    }

    async fn prepare(&self, store: &Self::Store) -> Result<(), StoreError> {
        store.prepare().await
    }

    async fn erase(&self, store: &Self::Store) -> Result<(), StoreError> {
        store.erase().await
    }

    fn sleeper(&self) -> &Self::Sleep {
        self
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, answer: &Answer) {
    if let Ok(json) = serde_json::to_string(answer) {
        let _ = scope.post_message(&JsValue::from_str(&json));
    }
}

/// Starts the worker: listens for requests and answers them in order.
pub fn run() {
    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (sender, mut requests) = mpsc::unbounded::<Envelope>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(Ok(envelope)) = event
                .data()
                .as_string()
                .map(|text| serde_json::from_str::<Envelope>(&text))
            {
                let _ = sender.unbounded_send(envelope);
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    wasm_bindgen_futures::spawn_local(async move {
        let store = IdbStore::open().await;
        let _ = scope.post_message(&JsValue::from_str("ready"));
        let mut service = match store {
            Ok(store) => VaultService::new(store, KdfParams::DEFAULT),
            Err(err) => {
                // Without storage every request fails plainly; nothing is pretended.
                while let Some(envelope) = requests.next().await {
                    let response = Response::Failed(Failure {
                        code: FailureCode::Storage,
                        detail: err.0.clone(),
                    });
                    post(
                        &scope,
                        &Answer {
                            id: envelope.id,
                            response,
                        },
                    );
                }
                return;
            }
        };
        while let Some(envelope) = requests.next().await {
            let response = service.handle_online(envelope.request, &WorkerNet).await;
            post(
                &scope,
                &Answer {
                    id: envelope.id,
                    response,
                },
            );
        }
    });
}
