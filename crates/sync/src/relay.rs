//! The Hearth relay as a [`BlobStore`]: the v1 API (DESIGN.md section 4) over any
//! [`HttpTransport`] — the browser's `fetch` in the widget, `reqwest` natively (feature
//! `reqwest`), so the same code and the same conformance suite run in both.

use serde::Deserialize;

use crate::store::{BlobStore, HeaderWrite, Listed, Page, PutOutcome, StoreError};

/// One HTTP request, as the adapter builds it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method: `GET`, `PUT`, `DELETE`, and for WebDAV `PROPFIND` and `MKCOL`.
    pub method: &'static str,
    /// The absolute URL.
    pub url: String,
    /// Request headers (the bearer token among them; never logged).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// One HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
    /// The `Retry-After` header in seconds, if any.
    pub retry_after_s: Option<u64>,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends HTTP requests. Errors are network failures (no response at all).
#[allow(async_fn_in_trait)]
pub trait HttpTransport {
    /// Sends `request` and returns the response, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String>;
}

/// A vault's space on a Hearth relay.
pub struct RelayStore<T> {
    transport: T,
    base: String,
    vault: String,
    token: String,
}

impl<T> std::fmt::Debug for RelayStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayStore")
            .field("base", &self.base)
            .field("vault", &self.vault)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ListingJson {
    objects: Vec<ListedJson>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct ListedJson {
    name: String,
    size: u64,
    etag: String,
}

fn refusal(response: &HttpResponse) -> StoreError {
    match response.status {
        400 => StoreError::InvalidName(String::new()),
        401 => StoreError::Unauthorized,
        403 => StoreError::Forbidden,
        404 => StoreError::NotFound,
        412 | 428 => StoreError::Conflict,
        413 => StoreError::TooLarge,
        429 => StoreError::RateLimited {
            retry_after_s: response.retry_after_s.unwrap_or(1),
        },
        507 => StoreError::QuotaExceeded,
        other => StoreError::Unavailable(format!("HTTP {other}")),
    }
}

impl<T: HttpTransport> RelayStore<T> {
    /// The vault `vault` (its relay id) on the relay at `base` (e.g. `https://relay.example`),
    /// authenticated with the vault's relay token.
    pub fn new(transport: T, base: &str, vault: &str, token: &str) -> Self {
        RelayStore {
            transport,
            base: base.trim_end_matches('/').to_owned(),
            vault: vault.to_owned(),
            token: token.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/vaults/{}{path}", self.base, self.vault)
    }

    async fn send(
        &self,
        method: &'static str,
        path: &str,
        extra: Option<(&'static str, String)>,
        body: &[u8],
    ) -> Result<HttpResponse, StoreError> {
        let mut headers = vec![("authorization", format!("Bearer {}", self.token))];
        headers.extend(extra);
        self.transport
            .send(HttpRequest {
                method,
                url: self.url(path),
                headers,
                body: body.to_vec(),
            })
            .await
            .map_err(StoreError::Unavailable)
    }

    /// Registers the vault with its token (harmless if already registered with it).
    pub async fn register(&self) -> Result<(), StoreError> {
        let response = self.send("PUT", "", None, b"").await?;
        match response.status {
            201 | 204 => Ok(()),
            _ => Err(refusal(&response)),
        }
    }

    /// Erases the vault and everything in it from the relay.
    pub async fn erase(&self) -> Result<(), StoreError> {
        let response = self.send("DELETE", "", None, b"").await?;
        match response.status {
            204 => Ok(()),
            _ => Err(refusal(&response)),
        }
    }
}

impl<T: HttpTransport> BlobStore for RelayStore<T> {
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
        let response = self.send("GET", "/header", None, b"").await?;
        match (response.status, response.etag) {
            (200, Some(etag)) => Ok((response.body, etag)),
            (200, None) => Err(StoreError::Unavailable(
                "the header came without an ETag".into(),
            )),
            (_, etag) => Err(refusal(&HttpResponse { etag, ..response })),
        }
    }

    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError> {
        let precondition = match condition {
            HeaderWrite::Create => ("if-none-match", "*".to_owned()),
            HeaderWrite::Replace { etag } => ("if-match", etag),
        };
        let response = self
            .send("PUT", "/header", Some(precondition), bytes)
            .await?;
        match response.status {
            200 | 201 => Ok(crate::store::etag_of(bytes)),
            _ => Err(refusal(&response)),
        }
    }

    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        let response = self
            .send("PUT", &format!("/objects/{name}"), None, bytes)
            .await?;
        match response.status {
            201 => Ok(PutOutcome::Created),
            200 => Ok(PutOutcome::AlreadyThere),
            _ => Err(refusal(&response)),
        }
    }

    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        let response = self
            .send("GET", &format!("/objects/{name}"), None, b"")
            .await?;
        match response.status {
            200 => Ok(response.body),
            _ => Err(refusal(&response)),
        }
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        let query = match after {
            Some(after) if crate::is_valid_object_name(after) => {
                format!("?after={after}&limit={limit}")
            }
            Some(after) => return Err(StoreError::InvalidName(after.to_owned())),
            None => format!("?limit={limit}"),
        };
        let response = self
            .send("GET", &format!("/objects{query}"), None, b"")
            .await?;
        if response.status != 200 {
            return Err(refusal(&response));
        }
        let listing: ListingJson = serde_json::from_slice(&response.body)
            .map_err(|e| StoreError::Unavailable(format!("the listing is not valid JSON: {e}")))?;
        Ok(Page {
            objects: listing
                .objects
                .into_iter()
                .map(|o| Listed {
                    name: o.name,
                    size: o.size,
                    etag: o.etag,
                })
                .collect(),
            next: listing.next,
        })
    }
}

/// [`HttpTransport`] over `reqwest`, for native use (plain HTTP; TLS is not compiled in yet).
#[cfg(feature = "reqwest")]
#[derive(Debug, Clone, Default)]
pub struct ReqwestTransport(reqwest::Client);

#[cfg(feature = "reqwest")]
impl ReqwestTransport {
    /// A transport over a configured client (e.g. without connection reuse, for tests that
    /// inject faults per connection).
    pub fn with_client(client: reqwest::Client) -> Self {
        ReqwestTransport(client)
    }
}

#[cfg(feature = "reqwest")]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut builder = self.0.request(method, &request.url).body(request.body);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header("etag");
        let retry_after_s = header("retry-after").and_then(|v| v.parse().ok());
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
        Ok(HttpResponse {
            status,
            etag,
            retry_after_s,
            body,
        })
    }
}
