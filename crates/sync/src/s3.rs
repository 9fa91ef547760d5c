//! A vault's folder in S3-compatible object storage as a [`BlobStore`], through AWS
//! Signature Version 4 *presigned URLs* (query-string authentication) over any
//! [`HttpTransport`] — so the browser needs no signing headers and no AWS SDK.
//!
//! URLs are path-style, `{endpoint}/{bucket}/{prefix}{key}`; the vault's keys are
//! `{prefix}header` (the one mutable object) and `{prefix}objects/{name}`. Every request is
//! signed for the `host` header only, with an `UNSIGNED-PAYLOAD` body.
//!
//! Like the WebDAV adapter this one does not rely on conditional writes (rclone's S3 server
//! ignores them; AWS S3 honours `If-None-Match: *` and `If-Match` on `PUT`, so they are
//! still sent): a put reads the name first, and the header's compare-and-set compares
//! [`etag_of`] of the header just read — the server's ETag (an MD5, or anything) is never
//! trusted for that.
//!
//! Time comes from the clock given to [`S3Store::new`] (`std::time::SystemTime` does not
//! work on `wasm32-unknown-unknown`; the widget passes `Date.now()`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::relay::{HttpRequest, HttpResponse, HttpTransport};
use crate::store::{
    etag_of, put_header_by_reading, put_object_by_reading, BlobStore, HeaderWrite, Listed, Page,
    PlainFiles, PutOutcome, StoreError,
};
use crate::webdav::{page_of, refusal, xml};

/// How long a presigned URL stays valid, in seconds (each is used at once; this only has to
/// cover the request's transfer and a little clock skew).
pub const PRESIGNED_URL_EXPIRY_S: u64 = 900;

/// Where a vault lives in S3-compatible storage, and the credentials to sign with.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct S3Config {
    /// The service URL without the bucket, e.g. `https://s3.eu-central-1.amazonaws.com` or
    /// `http://127.0.0.1:9000` (path-style addressing is used).
    pub endpoint: String,
    /// The region to sign for, e.g. `us-east-1`.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The vault's folder inside the bucket, e.g. `vaults/<id>/` (a missing trailing `/` is
    /// added; empty means the bucket's root).
    #[serde(default)]
    pub prefix: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key (never logged).
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Why an [`S3Config`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum S3ConfigError {
    /// The endpoint is not `http(s)://host[:port][/path]` (path of `[A-Za-z0-9._~/-]`).
    #[error("the S3 endpoint {0:?} is not an http(s)://host[:port][/path] URL")]
    Endpoint(String),
    /// The bucket name is empty or holds a `/`.
    #[error("{0:?} is not a usable bucket name")]
    Bucket(String),
}

/// One request to presign with AWS Signature Version 4 (query-string authentication,
/// signed headers `host`, payload `UNSIGNED-PAYLOAD`).
#[derive(Debug, Clone)]
pub struct PresignRequest<'a> {
    /// The HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// `http` or `https`.
    pub scheme: &'a str,
    /// The `Host` header exactly as the client will send it (with a non-default port).
    pub host: &'a str,
    /// The canonical URI: the absolute path, already URI-encoded, e.g. `/bucket/key`.
    pub path: &'a str,
    /// Query parameters besides the signature's own, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The service, `s3`.
    pub service: &'a str,
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// When the URL is signed, in seconds since the Unix epoch (UTC).
    pub time: u64,
    /// How many seconds the URL stays valid (1 to 604,800).
    pub expires_s: u64,
}

/// Percent-encodes `input` as SigV4 wants it: everything but `A-Za-z0-9-._~` (and `/` when
/// `keep_slash`) as `%XX` with uppercase hex.
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `(YYYYMMDD, YYYYMMDDTHHMMSSZ)` for a Unix time in seconds (UTC, proleptic Gregorian).
fn amz_dates(time: u64) -> (String, String) {
    let seconds_of_day = time % 86_400;
    let mut days = time / 86_400;
    let is_leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut year = 1970;
    loop {
        let length = if is_leap(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let february = if is_leap(year) { 29 } else { 28 };
    let mut month = 1;
    for length in [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    let date = format!("{year:04}{month:02}{:02}", days + 1);
    let stamp = format!(
        "{date}T{:02}{:02}{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    );
    (date, stamp)
}

/// Signs `request` and returns the complete presigned URL.
///
/// The steps are those of AWS's "Authenticating Requests: Using Query Parameters (AWS
/// Signature Version 4)": a canonical request (method, URI, sorted query, `host` header,
/// `UNSIGNED-PAYLOAD`), a string to sign over its SHA-256 with the credential scope, and an
/// HMAC-SHA256 with the key derived from the secret, date, region and service.
pub fn presign(request: &PresignRequest<'_>) -> String {
    let (date, stamp) = amz_dates(request.time);
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let credential = format!("{}/{scope}", request.access_key_id);
    let expires = request.expires_s.to_string();
    let mut params: Vec<(String, String)> = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", credential.as_str()),
        ("X-Amz-Date", stamp.as_str()),
        ("X-Amz-Expires", expires.as_str()),
        ("X-Amz-SignedHeaders", "host"),
    ]
    .iter()
    .chain(request.query.iter())
    .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
    .collect();
    params.sort();
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_request = format!(
        "{}\n{}\n{query}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD",
        request.method, request.path, request.host
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = hmac_sha256(
        format!("AWS4{}", request.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [request.region, request.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    format!(
        "{}://{}{}?{query}&X-Amz-Signature={signature}",
        request.scheme, request.host, request.path
    )
}

/// The parts of an endpoint URL the signer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    scheme: String,
    host: String,
    /// The path before the bucket, without a trailing `/` (usually empty).
    base_path: String,
}

fn parse_endpoint(url: &str) -> Result<Endpoint, S3ConfigError> {
    let bad = || S3ConfigError::Endpoint(url.to_owned());
    let (scheme, rest) = url.trim().split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let host = authority.strip_suffix(default_port).unwrap_or(authority);
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    let path = path.trim_end_matches('/');
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'));
    if !host_ok || !path_ok {
        return Err(bad());
    }
    Ok(Endpoint {
        scheme,
        host: host.to_ascii_lowercase(),
        base_path: path.to_owned(),
    })
}

/// Where a listing of the objects folder stands after one `ListObjectsV2` page.
struct ListedPage {
    objects: Vec<Listed>,
    /// Every key on the page under the folder, valid object name or not.
    keys: Vec<String>,
    /// The last key on the page (valid object name or not), to continue after.
    last_key: Option<String>,
    truncated: bool,
}

/// Reads a `ListObjectsV2` answer; keys outside `folder` or with invalid names are skipped.
fn parse_listing(body: &[u8], folder: &str) -> Result<ListedPage, String> {
    let root = xml::parse(body)?;
    if root.name != "listbucketresult" {
        return Err(format!(
            "a <{}> where a <ListBucketResult> was expected",
            root.name
        ));
    }
    let truncated = match root.child_text("istruncated") {
        None => false,
        Some(flag) if flag.eq_ignore_ascii_case("true") => true,
        Some(flag) if flag.eq_ignore_ascii_case("false") => false,
        Some(flag) => return Err(format!("IsTruncated is {flag:?}")),
    };
    let mut objects = Vec::new();
    let mut keys = Vec::new();
    let mut last_key = None;
    for contents in root.children_named("contents") {
        // Keys may carry meaningful spaces, so they are not trimmed.
        let key = contents
            .child("key")
            .map(|k| k.text.clone())
            .ok_or_else(|| "a <Contents> without a <Key>".to_owned())?;
        let Some(name) = key.strip_prefix(folder) else {
            last_key = Some(key);
            continue;
        };
        keys.push(key.clone());
        if crate::is_valid_object_name(name) {
            let size = contents
                .child_text("size")
                .ok_or_else(|| format!("no <Size> for {key:?}"))?;
            let size = size
                .parse()
                .map_err(|_| format!("a <Size> of {size:?} for {key:?}"))?;
            let etag = match contents.child_text("etag") {
                None | Some("") => String::new(),
                Some(tag) if tag.starts_with('"') || tag.starts_with("W/") => tag.to_owned(),
                // rclone lists ETags unquoted; HTTP quotes them.
                Some(tag) => format!("\"{tag}\""),
            };
            objects.push(Listed {
                name: name.to_owned(),
                size,
                etag,
            });
        }
        last_key = Some(key);
    }
    Ok(ListedPage {
        objects,
        keys,
        last_key,
        truncated,
    })
}

/// A vault's folder in an S3-compatible bucket.
pub struct S3Store<T> {
    transport: T,
    config: S3Config,
    endpoint: Endpoint,
    clock: Box<dyn Fn() -> u64>,
    /// Whether writes carry `If-None-Match` / `If-Match` (see
    /// [`S3Store::without_conditional_headers`]).
    conditional: bool,
}

impl<T> std::fmt::Debug for S3Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<T: HttpTransport> S3Store<T> {
    /// The vault folder `config.prefix` in `config.bucket`, signing with `clock()` as the
    /// current Unix time in seconds (UTC).
    pub fn new(
        transport: T,
        mut config: S3Config,
        clock: impl Fn() -> u64 + 'static,
    ) -> Result<Self, S3ConfigError> {
        let endpoint = parse_endpoint(&config.endpoint)?;
        if config.bucket.is_empty() || config.bucket.contains('/') {
            return Err(S3ConfigError::Bucket(config.bucket));
        }
        let prefix = config.prefix.trim_start_matches('/');
        config.prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.to_owned()
        } else {
            format!("{prefix}/")
        };
        Ok(S3Store {
            transport,
            config,
            endpoint,
            clock: Box::new(clock),
            conditional: true,
        })
    }

    /// Sends no `If-None-Match` / `If-Match` headers. For browsers, whose CORS preflight a
    /// server may refuse for them (rclone's does); nothing is lost, because the adapter reads
    /// before it writes and objects are content-addressed.
    pub fn without_conditional_headers(mut self) -> Self {
        self.conditional = false;
        self
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The configuration in use (with the prefix normalised).
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// A presigned URL for `method` on `key` (or on the bucket itself).
    fn url(&self, method: &str, key: Option<&str>, query: &[(&str, &str)]) -> String {
        let mut path = format!(
            "{}/{}",
            self.endpoint.base_path,
            uri_encode(&self.config.bucket, false)
        );
        if let Some(key) = key {
            path.push('/');
            path.push_str(&uri_encode(key, true));
        }
        presign(&PresignRequest {
            method,
            scheme: &self.endpoint.scheme,
            host: &self.endpoint.host,
            path: &path,
            query,
            region: &self.config.region,
            service: "s3",
            access_key_id: &self.config.access_key_id,
            secret_access_key: &self.config.secret_access_key,
            time: (self.clock)(),
            expires_s: PRESIGNED_URL_EXPIRY_S,
        })
    }

    async fn send(
        &self,
        method: &'static str,
        url: String,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<HttpResponse, StoreError> {
        self.transport
            .send(HttpRequest {
                method,
                url,
                headers,
                body,
            })
            .await
            .map_err(StoreError::Unavailable)
    }

    fn folder(&self) -> String {
        format!("{}objects/", self.config.prefix)
    }

    fn header_key(&self) -> String {
        format!("{}header", self.config.prefix)
    }

    fn object_key(&self, name: &str) -> String {
        format!("{}objects/{name}", self.config.prefix)
    }

    /// `GET`s `key`: its bytes and the server's ETag, or `None` if there is no such key.
    async fn read(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError> {
        let url = self.url("GET", Some(key), &[]);
        let response = self.send("GET", url, Vec::new(), Vec::new()).await?;
        match response.status {
            200 => Ok(Some((response.body, response.etag))),
            404 => Ok(None),
            _ => Err(s3_refusal(&response)),
        }
    }

    /// `PUT`s `bytes` at `key` with one precondition header.
    async fn write(
        &self,
        key: &str,
        precondition: Option<(&'static str, String)>,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let url = self.url("PUT", Some(key), &[]);
        let mut headers = vec![("content-type", "application/octet-stream".to_owned())];
        headers.extend(precondition);
        let response = self.send("PUT", url, headers, bytes.to_vec()).await?;
        match response.status {
            200 | 201 | 204 => Ok(()),
            // A conditional write raced with another (AWS: ConditionalRequestConflict).
            409 => Err(StoreError::Conflict),
            _ => Err(s3_refusal(&response)),
        }
    }

    /// One `ListObjectsV2` page of the keys under `folder`, after `start_after`.
    async fn list_page(
        &self,
        folder: &str,
        start_after: Option<&str>,
        max_keys: &str,
    ) -> Result<ListedPage, StoreError> {
        let mut query = vec![
            ("list-type", "2"),
            ("max-keys", max_keys),
            ("prefix", folder),
        ];
        if let Some(start) = start_after {
            query.push(("start-after", start));
        }
        let url = self.url("GET", None, &query);
        let response = self.send("GET", url, Vec::new(), Vec::new()).await?;
        if response.status != 200 {
            return Err(s3_refusal(&response));
        }
        parse_listing(&response.body, folder)
            .map_err(|e| StoreError::Unavailable(format!("the S3 listing is unreadable: {e}")))
    }

    /// `DELETE`s `key` (a key that is not there is fine).
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let url = self.url("DELETE", Some(key), &[]);
        let response = self.send("DELETE", url, Vec::new(), Vec::new()).await?;
        match response.status {
            200 | 204 | 404 => Ok(()),
            _ => Err(s3_refusal(&response)),
        }
    }

    /// Erases the vault: its header first (so no device can open it from here any more),
    /// then every key in its `objects/` folder. Nothing outside the vault's prefix is
    /// touched; an interrupted erase can simply be run again.
    pub async fn erase(&self) -> Result<(), StoreError> {
        self.delete(&self.header_key()).await?;
        let folder = self.folder();
        let mut start_after: Option<String> = None;
        loop {
            let page = self
                .list_page(&folder, start_after.as_deref(), "1000")
                .await?;
            for key in &page.keys {
                self.delete(key).await?;
            }
            if !page.truncated {
                return Ok(());
            }
            start_after = Some(next_start(page.last_key, start_after.as_deref())?);
        }
    }
}

/// Where the listing goes on after a truncated page: its last key, which must move forward
/// (or the server is looping).
fn next_start(last_key: Option<String>, start_after: Option<&str>) -> Result<String, StoreError> {
    match last_key {
        Some(last) if start_after.is_none_or(|s| last.as_str() > s) => Ok(last),
        _ => Err(StoreError::Unavailable(
            "the S3 listing is truncated but does not move on".into(),
        )),
    }
}

/// S3 error codes that mean the credentials or the signature were refused, whatever the
/// status (rclone answers an expired URL with 400 `AccessDenied`, AWS with 403).
const REFUSED_CREDENTIALS: [&str; 5] = [
    "AccessDenied",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "AuthorizationQueryParametersError",
];

/// [`refusal`], reading S3's error code: refused credentials are [`StoreError::Forbidden`],
/// a signature from a clock too far off is [`StoreError::ClockSkew`], and an unavailable
/// endpoint's error names its code (e.g. `SlowDown`).
fn s3_refusal(response: &HttpResponse) -> StoreError {
    let code = xml::parse(&response.body)
        .ok()
        .filter(|root| root.name == "error")
        .and_then(|root| root.child_text("code").map(str::to_owned));
    let message = xml::parse(&response.body)
        .ok()
        .and_then(|root| root.child_text("message").map(str::to_ascii_lowercase))
        .unwrap_or_default();
    match code.as_deref() {
        // An expired presigned URL: each is used at once, so this device's clock is behind.
        Some("RequestTimeTooSkewed") => return StoreError::ClockSkew,
        Some("AccessDenied") if message.contains("expired") => return StoreError::ClockSkew,
        Some(code) if REFUSED_CREDENTIALS.contains(&code) => return StoreError::Forbidden,
        _ => {}
    }
    match (refusal(response), code) {
        (StoreError::Unavailable(status), Some(code)) => {
            StoreError::Unavailable(format!("{status} ({code})"))
        }
        (other, _) => other,
    }
}

impl<T: HttpTransport> PlainFiles for S3Store<T> {
    async fn read_file(&self, key: &str) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError> {
        self.read(key).await
    }
    async fn write_file(
        &self,
        key: &str,
        precondition: Option<(&'static str, String)>,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.write(key, precondition, bytes).await
    }
    fn conditional(&self) -> bool {
        self.conditional
    }
}

impl<T: HttpTransport> BlobStore for S3Store<T> {
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
        let (bytes, _) = self
            .read(&self.header_key())
            .await?
            .ok_or(StoreError::NotFound)?;
        let etag = etag_of(&bytes);
        Ok((bytes, etag))
    }

    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError> {
        put_header_by_reading(self, &self.header_key(), bytes, condition).await
    }

    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        put_object_by_reading(self, &self.object_key(name), bytes).await
    }

    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        self.read(&self.object_key(name))
            .await?
            .map(|(bytes, _)| bytes)
            .ok_or(StoreError::NotFound)
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        if let Some(after) = after.filter(|a| !crate::is_valid_object_name(a)) {
            return Err(StoreError::InvalidName(after.to_owned()));
        }
        let folder = self.folder();
        let mut start_after = after.map(|a| format!("{folder}{a}"));
        let mut objects: Vec<Listed> = Vec::new();
        // One more than asked for says whether there is a next page. Keys with invalid names
        // are skipped, so a page may take several requests.
        let max_keys = (limit + 1).min(1000).to_string();
        loop {
            let page = self
                .list_page(&folder, start_after.as_deref(), &max_keys)
                .await?;
            objects.extend(page.objects);
            if objects.len() > limit || !page.truncated {
                break;
            }
            start_after = Some(next_start(page.last_key, start_after.as_deref())?);
        }
        objects.sort_by(|a, b| a.name.cmp(&b.name));
        objects.dedup_by(|a, b| a.name == b.name);
        Ok(page_of(objects, after, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of AWS's S3 API reference, "Authenticating Requests: Using Query
    /// Parameters (AWS Signature Version 4)": a presigned GET of `test.txt` in `examplebucket`
    /// (virtual-hosted style), valid for a day from 2013-05-24 00:00:00 UTC.
    #[test]
    fn presigning_reproduces_the_aws_documentation_example() {
        let url = presign(&PresignRequest {
            method: "GET",
            scheme: "https",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            query: &[],
            region: "us-east-1",
            service: "s3",
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            time: 1_369_353_600, // 20130524T000000Z
            expires_s: 86_400,
        });
        assert_eq!(
            url,
            "https://examplebucket.s3.amazonaws.com/test.txt\
             ?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(amz_dates(0).1, "19700101T000000Z");
        assert_eq!(amz_dates(1_369_353_600).1, "20130524T000000Z");
        assert_eq!(amz_dates(951_782_400).1, "20000229T000000Z"); // a leap day
        assert_eq!(amz_dates(4_107_542_399).1, "21000228T235959Z"); // 2100 is not leap
        assert_eq!(amz_dates(1_709_251_199).0, "20240229");
        assert_eq!(amz_dates(1_735_689_599).1, "20241231T235959Z");
    }

    #[test]
    fn query_values_are_encoded_and_sorted() {
        assert_eq!(uri_encode("a b/c~d+é", false), "a%20b%2Fc~d%2B%C3%A9");
        assert_eq!(uri_encode("vaults/x y/", true), "vaults/x%20y/");
        let url = presign(&PresignRequest {
            method: "GET",
            scheme: "http",
            host: "127.0.0.1:9000",
            path: "/bucket",
            query: &[("prefix", "v/objects/"), ("list-type", "2")],
            region: "us-east-1",
            service: "s3",
            access_key_id: "AK",
            secret_access_key: "SK",
            time: 0,
            expires_s: 60,
        });
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let keys: Vec<_> = query
            .split('&')
            .map(|p| p.split('=').next().unwrap_or_default())
            .collect();
        assert_eq!(
            keys,
            [
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "list-type",
                "prefix",
                "X-Amz-Signature"
            ]
        );
        assert!(query.contains("prefix=v%2Fobjects%2F"));
    }

    #[test]
    fn endpoints_are_checked_and_default_ports_dropped() {
        assert_eq!(
            parse_endpoint("https://S3.example.com:443/"),
            Ok(Endpoint {
                scheme: "https".into(),
                host: "s3.example.com".into(),
                base_path: String::new()
            })
        );
        assert_eq!(
            parse_endpoint("http://127.0.0.1:9000/s3"),
            Ok(Endpoint {
                scheme: "http".into(),
                host: "127.0.0.1:9000".into(),
                base_path: "/s3".into()
            })
        );
        for bad in [
            "s3.example.com",
            "ftp://x",
            "http://",
            "http://user@host",
            "http://h/a b",
        ] {
            assert!(parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refused_signatures_are_forbidden_and_expired_ones_blame_the_clock() {
        let answer = |status, body: &str| HttpResponse {
            status,
            etag: None,
            retry_after_s: None,
            body: body.as_bytes().to_vec(),
        };
        let expired = "<Error><Code>AccessDenied</Code><Message>expired</Message></Error>";
        assert_eq!(s3_refusal(&answer(400, expired)), StoreError::ClockSkew);
        let aws_expired =
            "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        assert_eq!(s3_refusal(&answer(403, aws_expired)), StoreError::ClockSkew);
        let denied = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        assert_eq!(s3_refusal(&answer(403, denied)), StoreError::Forbidden);
        let bad = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
        assert_eq!(s3_refusal(&answer(403, bad)), StoreError::Forbidden);
        // A device whose clock is far off: the patient is told to mend the clock, not the key.
        let skewed = "<Error><Code>RequestTimeTooSkewed</Code><MaxAllowedSkewMilliseconds>900000\
                      </MaxAllowedSkewMilliseconds></Error>";
        assert_eq!(s3_refusal(&answer(403, skewed)), StoreError::ClockSkew);
        assert_eq!(StoreError::ClockSkew.refusal(), Some(crate::Refusal::Clock));
        assert_eq!(
            StoreError::Forbidden.refusal(),
            Some(crate::Refusal::Credentials)
        );
        assert!(!StoreError::ClockSkew.is_retryable());
        assert_eq!(
            s3_refusal(&answer(503, "<Error><Code>SlowDown</Code></Error>")),
            StoreError::Unavailable("HTTP 503 (SlowDown)".into())
        );
        assert_eq!(
            s3_refusal(&answer(404, "<Error><Code>NoSuchBucket</Code></Error>")),
            StoreError::NotFound
        );
        assert_eq!(
            s3_refusal(&answer(502, "<html>bad gateway")),
            StoreError::Unavailable("HTTP 502".into())
        );
    }

    #[test]
    fn listings_skip_foreign_keys_and_quote_etags() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>v/objects/obj.1</Key><ETag>&quot;abc&quot;</ETag><Size>3</Size></Contents>
  <Contents><Key>v/objects/sub/x</Key><Size>1</Size></Contents>
  <Contents><Key>v/objects/obj.2</Key><ETag>def</ETag><Size>4</Size></Contents>
</ListBucketResult>"#;
        let page = parse_listing(body, "v/objects/").unwrap_or_else(|e| panic!("{e}"));
        assert!(page.truncated);
        assert_eq!(page.last_key.as_deref(), Some("v/objects/obj.2"));
        let etags: Vec<_> = page.objects.iter().map(|o| o.etag.as_str()).collect();
        assert_eq!(etags, ["\"abc\"", "\"def\""]);
        for bad in [
            &b"<Error><Code>AccessDenied</Code></Error>"[..],
            b"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
            b"<ListBucketResult><Contents><Key>v/objects/a</Key><Size>-1</Size></Contents></ListBucketResult>",
            b"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
            b"{\"objects\": []}",
        ] {
            assert!(parse_listing(bad, "v/objects/").is_err());
        }
    }
}
