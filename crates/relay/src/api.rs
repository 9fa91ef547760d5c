//! The v1 blob API of DESIGN.md section 4: vault registration, the mutable header with
//! compare-and-set, create-only objects, listing, erase, and the clinic inbox.
//!
//! Everything is stored through `object_store` under these paths:
//!
//! ```text
//! vaults/{vault}/token          SHA-256 (hex) of the vault's bearer token
//! vaults/{vault}/header         the vault header (the one mutable object)
//! vaults/{vault}/objects/{name} immutable objects
//! inbox/{clinic}/token          SHA-256 (hex) of the clinic's token
//! inbox/{clinic}/items/{name}   immutable items dropped by patients
//! ```
//!
//! The relay enforces create-only and compare-and-set itself, with a lock per vault or
//! inbox, whatever the backend honours; the writes also ask the backend for `PutMode::Create`
//! and the header's replacement for `PutMode::Update` (against the version it read), so
//! that several relays sharing a bucket with conditional writes stay safe. A backend that
//! cannot do one of those at all (a local directory has no `Update`) gets a plain write,
//! still under the relay's lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use futures::TryStreamExt;
// ETags are the quoted hex SHA-256 of the bytes: the contract hearth-sync's stores share.
use hearth_sync::etag_of as quoted_etag;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Shared state of the API.
#[derive(Clone)]
pub struct Api {
    store: Arc<dyn ObjectStore>,
    max_object_bytes: u64,
    vault_quota_bytes: Option<u64>,
    inbox_quota_bytes: Option<u64>,
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// The two kinds of space the API serves.
#[derive(Clone, Copy)]
enum Space {
    Vault,
    Inbox,
}

impl Space {
    fn root(self) -> &'static str {
        match self {
            Space::Vault => "vaults",
            Space::Inbox => "inbox",
        }
    }
    fn objects(self) -> &'static str {
        match self {
            Space::Vault => "objects",
            Space::Inbox => "items",
        }
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn status(code: StatusCode) -> Response {
    code.into_response()
}

fn internal(err: object_store::Error) -> StatusCode {
    // The error names a path at most; never bytes or tokens.
    tracing::error!(%err, "storage error");
    StatusCode::SERVICE_UNAVAILABLE
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Compares two equal-length hex digests without an early exit.
fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Api {
    /// An API over `store` with the given limits.
    pub fn new(
        store: Arc<dyn ObjectStore>,
        max_object_bytes: u64,
        vault_quota_bytes: Option<u64>,
        inbox_quota_bytes: Option<u64>,
    ) -> Self {
        Api {
            store,
            max_object_bytes,
            vault_quota_bytes,
            inbox_quota_bytes,
            locks: Arc::default(),
        }
    }

    /// The API's routes, to be nested at `/v1`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/vaults/{vault}", put(register_vault).delete(erase_vault))
            .route("/vaults/{vault}/header", get(get_header).put(put_header))
            .route("/vaults/{vault}/objects", get(list_vault_objects))
            .route(
                "/vaults/{vault}/objects/{name}",
                get(get_vault_object).put(put_vault_object),
            )
            .route("/inbox/{clinic}", put(register_inbox))
            .route("/inbox/{clinic}/items", get(list_inbox_items))
            .route(
                "/inbox/{clinic}/items/{name}",
                get(get_inbox_item)
                    .put(put_inbox_item)
                    .delete(delete_inbox_item),
            )
            .with_state(self)
    }

    async fn lock(&self, key: String) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(locks.entry(key).or_default())
        };
        lock.lock_owned().await
    }

    async fn read(&self, path: &StorePath) -> Result<Option<Bytes>, StatusCode> {
        Ok(self.read_versioned(path).await?.map(|(bytes, _)| bytes))
    }

    /// Reads an object with the store's version of it (its ETag or version id).
    async fn read_versioned(
        &self,
        path: &StorePath,
    ) -> Result<Option<(Bytes, UpdateVersion)>, StatusCode> {
        match self.store.get(path).await {
            Ok(found) => {
                let version = UpdateVersion {
                    e_tag: found.meta.e_tag.clone(),
                    version: found.meta.version.clone(),
                };
                let bytes = found.bytes().await.map_err(internal)?;
                Ok(Some((bytes, version)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(internal(err)),
        }
    }

    /// Writes `bytes` with `mode`; a backend that does not implement the mode at all gets a
    /// plain write (the caller holds the relay's lock and has checked the precondition).
    async fn put_with(
        &self,
        path: &StorePath,
        bytes: Bytes,
        mode: PutMode,
    ) -> Result<(), StatusCode> {
        let options = PutOptions {
            mode,
            ..Default::default()
        };
        match self
            .store
            .put_opts(path, PutPayload::from_bytes(bytes.clone()), options)
            .await
        {
            Ok(_) => Ok(()),
            Err(
                object_store::Error::AlreadyExists { .. }
                | object_store::Error::Precondition { .. },
            ) => Err(StatusCode::PRECONDITION_FAILED),
            Err(object_store::Error::NotImplemented { .. }) => self
                .store
                .put(path, PutPayload::from_bytes(bytes))
                .await
                .map(drop)
                .map_err(internal),
            Err(err) => Err(internal(err)),
        }
    }

    async fn create(&self, path: &StorePath, bytes: Bytes) -> Result<(), StatusCode> {
        self.put_with(path, bytes, PutMode::Create).await
    }

    /// Replaces an object the caller has just read as `version`.
    async fn replace(
        &self,
        path: &StorePath,
        bytes: Bytes,
        version: UpdateVersion,
    ) -> Result<(), StatusCode> {
        let mode = if version.e_tag.is_none() && version.version.is_none() {
            // Nothing to make the write conditional on.
            PutMode::Overwrite
        } else {
            PutMode::Update(version)
        };
        self.put_with(path, bytes, mode).await
    }

    /// Checks the bearer token against the stored digest: 400 for a malformed id, 401
    /// without a token, 404 for an unknown space, 403 for a wrong token.
    async fn authorize(
        &self,
        space: Space,
        id: &str,
        headers: &HeaderMap,
    ) -> Result<(), StatusCode> {
        if !hearth_sync::is_valid_vault_id(id) {
            return Err(StatusCode::BAD_REQUEST);
        }
        let token = bearer(headers).ok_or(StatusCode::UNAUTHORIZED)?;
        let stored = self
            .read(&StorePath::from(format!("{}/{id}/token", space.root())))
            .await?
            .ok_or(StatusCode::NOT_FOUND)?;
        let stored = String::from_utf8_lossy(&stored);
        if same_digest(&stored, &hex_sha256(token.as_bytes())) {
            Ok(())
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }

    async fn register(&self, space: Space, id: &str, headers: &HeaderMap) -> Response {
        if !hearth_sync::is_valid_vault_id(id) {
            return status(StatusCode::BAD_REQUEST);
        }
        let Some(token) = bearer(headers) else {
            return status(StatusCode::UNAUTHORIZED);
        };
        let digest = hex_sha256(token.as_bytes());
        let path = StorePath::from(format!("{}/{id}/token", space.root()));
        let _guard = self.lock(format!("{}/{id}", space.root())).await;
        match self.read(&path).await {
            Ok(Some(stored)) if same_digest(&String::from_utf8_lossy(&stored), &digest) => {
                status(StatusCode::NO_CONTENT)
            }
            Ok(Some(_)) => status(StatusCode::FORBIDDEN),
            Ok(None) => match self.create(&path, Bytes::from(digest)).await {
                Ok(()) => status(StatusCode::CREATED),
                Err(code) => code.into_response(),
            },
            Err(code) => code.into_response(),
        }
    }

    fn object_path(space: Space, id: &str, name: &str) -> Result<StorePath, StatusCode> {
        if !hearth_sync::is_valid_vault_id(id) || !hearth_sync::is_valid_object_name(name) {
            return Err(StatusCode::BAD_REQUEST);
        }
        Ok(StorePath::from(format!(
            "{}/{id}/{}/{name}",
            space.root(),
            space.objects()
        )))
    }

    async fn usage(&self, space: Space, id: &str) -> Result<u64, StatusCode> {
        let prefix = StorePath::from(format!("{}/{id}/{}", space.root(), space.objects()));
        self.store
            .list(Some(&prefix))
            .try_fold(0u64, |sum, meta| async move { Ok(sum + meta.size) })
            .await
            .map_err(internal)
    }

    async fn put_object(&self, space: Space, id: &str, name: &str, body: Bytes) -> Response {
        let path = match Self::object_path(space, id, name) {
            Ok(path) => path,
            Err(code) => return code.into_response(),
        };
        if body.len() as u64 > self.max_object_bytes {
            return status(StatusCode::PAYLOAD_TOO_LARGE);
        }
        let _guard = self.lock(format!("{}/{id}", space.root())).await;
        match self.read(&path).await {
            Ok(Some(existing)) if existing == body => return status(StatusCode::OK),
            Ok(Some(_)) => return status(StatusCode::PRECONDITION_FAILED),
            Ok(None) => {}
            Err(code) => return code.into_response(),
        }
        let quota = match space {
            Space::Vault => self.vault_quota_bytes,
            // Anyone may post to an inbox: the quota keeps a flood from filling the disk
            // (the clinic reads and deletes items to make room).
            Space::Inbox => self.inbox_quota_bytes,
        };
        if let Some(quota) = quota {
            match self.usage(space, id).await {
                Ok(used) if used + body.len() as u64 > quota => {
                    return status(StatusCode::INSUFFICIENT_STORAGE)
                }
                Ok(_) => {}
                Err(code) => return code.into_response(),
            }
        }
        let etag = quoted_etag(&body);
        match self.create(&path, body).await {
            Ok(()) => with_etag(StatusCode::CREATED, &etag, Bytes::new()),
            Err(code) => code.into_response(),
        }
    }

    /// An authorized read of one object.
    async fn get_object(
        &self,
        space: Space,
        id: &str,
        name: &str,
        headers: &HeaderMap,
    ) -> Response {
        if let Err(code) = self.authorize(space, id, headers).await {
            return code.into_response();
        }
        let path = match Self::object_path(space, id, name) {
            Ok(path) => path,
            Err(code) => return code.into_response(),
        };
        match self.read(&path).await {
            Ok(Some(bytes)) => with_etag(StatusCode::OK, &quoted_etag(&bytes), bytes),
            Ok(None) => status(StatusCode::NOT_FOUND),
            Err(code) => code.into_response(),
        }
    }

    /// An authorized listing.
    async fn list(
        &self,
        space: Space,
        id: &str,
        query: ListQuery,
        headers: &HeaderMap,
    ) -> Response {
        if let Err(code) = self.authorize(space, id, headers).await {
            return code.into_response();
        }
        let limit = query.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return status(StatusCode::BAD_REQUEST);
        }
        let prefix = StorePath::from(format!("{}/{id}/{}", space.root(), space.objects()));
        let mut listed: Vec<_> = match self.store.list(Some(&prefix)).try_collect().await {
            Ok(listed) => listed,
            Err(err) => return internal(err).into_response(),
        };
        listed.sort_by(|a, b| a.location.cmp(&b.location));
        let after = query.after.unwrap_or_default();
        let mut page = Vec::new();
        let mut more = false;
        for meta in listed {
            let Some(name) = meta.location.filename().map(str::to_owned) else {
                continue;
            };
            if name.as_str() <= after.as_str() {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            let bytes = match self.read(&meta.location).await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(code) => return code.into_response(),
            };
            page.push(Listed {
                name,
                size: meta.size,
                etag: quoted_etag(&bytes),
            });
        }
        let next = if more {
            page.last().map(|l| l.name.clone())
        } else {
            None
        };
        Json(Listing {
            objects: page,
            next,
        })
        .into_response()
    }
}

fn with_etag(code: StatusCode, etag: &str, body: Bytes) -> Response {
    let mut response = (code, body).into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Query parameters of a listing.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    after: Option<String>,
    limit: Option<usize>,
}

#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    size: u64,
    etag: String,
}

#[derive(Debug, Serialize)]
struct Listing {
    objects: Vec<Listed>,
    next: Option<String>,
}

async fn register_vault(
    State(api): State<Api>,
    Path(vault): Path<String>,
    headers: HeaderMap,
) -> Response {
    api.register(Space::Vault, &vault, &headers).await
}

async fn register_inbox(
    State(api): State<Api>,
    Path(clinic): Path<String>,
    headers: HeaderMap,
) -> Response {
    api.register(Space::Inbox, &clinic, &headers).await
}

async fn erase_vault(
    State(api): State<Api>,
    Path(vault): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = api.authorize(Space::Vault, &vault, &headers).await {
        return code.into_response();
    }
    let _guard = api.lock(format!("vaults/{vault}")).await;
    let prefix = StorePath::from(format!("vaults/{vault}"));
    let paths: Vec<_> = match api.store.list(Some(&prefix)).try_collect().await {
        Ok(listed) => listed,
        Err(err) => return internal(err).into_response(),
    };
    // The token goes last, so an interrupted erase can be retried with the same token.
    let (tokens, rest): (Vec<_>, Vec<_>) = paths
        .into_iter()
        .partition(|meta| meta.location.filename() == Some("token"));
    for meta in rest.into_iter().chain(tokens) {
        match api.store.delete(&meta.location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => return internal(err).into_response(),
        }
    }
    status(StatusCode::NO_CONTENT)
}

async fn get_header(State(api): State<Api>, Path(vault): Path<String>) -> Response {
    if !hearth_sync::is_valid_vault_id(&vault) {
        return status(StatusCode::BAD_REQUEST);
    }
    match api
        .read(&StorePath::from(format!("vaults/{vault}/header")))
        .await
    {
        Ok(Some(bytes)) => with_etag(StatusCode::OK, &quoted_etag(&bytes), bytes),
        Ok(None) => status(StatusCode::NOT_FOUND),
        Err(code) => code.into_response(),
    }
}

async fn put_header(
    State(api): State<Api>,
    Path(vault): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(code) = api.authorize(Space::Vault, &vault, &headers).await {
        return code.into_response();
    }
    if body.len() as u64 > api.max_object_bytes {
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let if_match = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
    let path = StorePath::from(format!("vaults/{vault}/header"));
    let _guard = api.lock(format!("vaults/{vault}")).await;
    let current = match api.read_versioned(&path).await {
        Ok(current) => current,
        Err(code) => return code.into_response(),
    };
    let etag = quoted_etag(&body);
    match (if_none_match, if_match, current) {
        (Some("*"), _, None) => match api.create(&path, body).await {
            Ok(()) => with_etag(StatusCode::CREATED, &etag, Bytes::new()),
            Err(code) => code.into_response(),
        },
        (Some("*"), _, Some(_)) => status(StatusCode::PRECONDITION_FAILED),
        (None, Some(expected), Some((current, version)))
            if expected.trim() == quoted_etag(&current) =>
        {
            match api.replace(&path, body, version).await {
                Ok(()) => with_etag(StatusCode::OK, &etag, Bytes::new()),
                Err(code) => code.into_response(),
            }
        }
        (None, Some(_), _) => status(StatusCode::PRECONDITION_FAILED),
        _ => status(StatusCode::PRECONDITION_REQUIRED),
    }
}

async fn put_vault_object(
    State(api): State<Api>,
    Path((vault, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(code) = api.authorize(Space::Vault, &vault, &headers).await {
        return code.into_response();
    }
    api.put_object(Space::Vault, &vault, &name, body).await
}

async fn get_vault_object(
    State(api): State<Api>,
    Path((vault, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    api.get_object(Space::Vault, &vault, &name, &headers).await
}

async fn list_vault_objects(
    State(api): State<Api>,
    Path(vault): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    api.list(Space::Vault, &vault, query, &headers).await
}

async fn put_inbox_item(
    State(api): State<Api>,
    Path((clinic, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !hearth_sync::is_valid_vault_id(&clinic) {
        return status(StatusCode::BAD_REQUEST);
    }
    // Patients drop items without a token; the inbox must exist.
    match api
        .read(&StorePath::from(format!("inbox/{clinic}/token")))
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => return status(StatusCode::NOT_FOUND),
        Err(code) => return code.into_response(),
    }
    match api.put_object(Space::Inbox, &clinic, &name, body).await {
        // An inbox name is never reused, even for identical bytes.
        response if response.status() == StatusCode::OK => status(StatusCode::PRECONDITION_FAILED),
        response => response,
    }
}

async fn get_inbox_item(
    State(api): State<Api>,
    Path((clinic, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    api.get_object(Space::Inbox, &clinic, &name, &headers).await
}

async fn list_inbox_items(
    State(api): State<Api>,
    Path(clinic): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    api.list(Space::Inbox, &clinic, query, &headers).await
}

async fn delete_inbox_item(
    State(api): State<Api>,
    Path((clinic, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(code) = api.authorize(Space::Inbox, &clinic, &headers).await {
        return code.into_response();
    }
    let path = match Api::object_path(Space::Inbox, &clinic, &name) {
        Ok(path) => path,
        Err(code) => return code.into_response(),
    };
    match api.read(&path).await {
        Ok(Some(_)) => match api.store.delete(&path).await {
            Ok(()) => status(StatusCode::NO_CONTENT),
            Err(err) => internal(err).into_response(),
        },
        Ok(None) => status(StatusCode::NOT_FOUND),
        Err(code) => code.into_response(),
    }
}
