//! A vault's folder on a WebDAV server as a [`BlobStore`], over any [`HttpTransport`].
//!
//! Layout under the base folder URL: `header` (the one mutable object) and `objects/{name}`.
//! Requests: `GET`, `PUT`, `PROPFIND` (`Depth: 1`) and `MKCOL` (see
//! [`WebDavStore::ensure_folders`]), with HTTP basic authentication when credentials are given.
//!
//! Many servers (rclone's among them) ignore conditional writes, so the adapter does not rely
//! on them: a put first reads the name (same bytes → [`PutOutcome::AlreadyThere`], different
//! bytes → [`StoreError::Conflict`]) and the header's compare-and-set reads the header and
//! compares [`etag_of`] of its bytes — the server's own ETag is never trusted for that. The
//! conditional headers are still sent, so a server that honours them narrows the remaining
//! race. Content-addressed item names make that race harmless for objects (DESIGN.md
//! section 4); for the header the last writer wins in the window between read and write.

pub(crate) mod xml;

use crate::relay::{HttpRequest, HttpResponse, HttpTransport};
use crate::store::{
    etag_of, put_header_by_reading, put_object_by_reading, BlobStore, HeaderWrite, Listed, Page,
    PlainFiles, PutOutcome, StoreError,
};

/// How deep [`WebDavStore::ensure_folders`] climbs looking for an existing ancestor.
const MAX_FOLDER_DEPTH: usize = 32;

/// The `PROPFIND` body: just the properties a listing needs.
const PROPFIND_BODY: &str = concat!(
    r#"<?xml version="1.0" encoding="utf-8"?>"#,
    r#"<D:propfind xmlns:D="DAV:"><D:prop>"#,
    r#"<D:resourcetype/><D:getcontentlength/><D:getetag/>"#,
    r#"</D:prop></D:propfind>"#
);

/// A vault's folder on a WebDAV server.
pub struct WebDavStore<T> {
    transport: T,
    /// The base folder URL, ending in `/`.
    base: String,
    /// The `Authorization` header value, if any (never logged).
    authorization: Option<String>,
    /// Whether writes carry `If-None-Match` / `If-Match` (see
    /// [`WebDavStore::without_conditional_headers`]).
    conditional: bool,
}

impl<T> std::fmt::Debug for WebDavStore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebDavStore")
            .field("base", &self.base)
            .field("authenticated", &self.authorization.is_some())
            .finish_non_exhaustive()
    }
}

/// Maps a refusing HTTP status to a [`StoreError`], as the relay adapter does.
pub(crate) fn refusal(response: &HttpResponse) -> StoreError {
    match response.status {
        401 => StoreError::Unauthorized,
        403 => StoreError::Forbidden,
        404 | 410 => StoreError::NotFound,
        412 => StoreError::Conflict,
        413 => StoreError::TooLarge,
        429 => StoreError::RateLimited {
            retry_after_s: response.retry_after_s.unwrap_or(1),
        },
        507 => StoreError::QuotaExceeded,
        other => StoreError::Unavailable(format!("HTTP {other}")),
    }
}

/// `Authorization: Basic …` for `user` and `password` (RFC 7617, UTF-8).
fn basic_authorization(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::with_capacity(6 + input.len().div_ceil(3) * 4);
    out.push_str("Basic ");
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` if an escape is broken or the result is not UTF-8.
fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The object name a `href` points at: its percent-decoded last path segment, or `None` for
/// a collection (a path ending in `/`) or an undecodable one.
fn name_from_href(href: &str) -> Option<String> {
    let href = href.trim();
    // An absolute URL: keep its path.
    let path = match href.find("://") {
        Some(scheme_end) => {
            let after = &href[scheme_end + 3..];
            &after[after.find('/')?..]
        }
        None => href,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path.ends_with('/') {
        return None;
    }
    percent_decode(path.rsplit('/').next()?)
}

/// One entry of a `multistatus` listing.
#[derive(Debug, PartialEq, Eq)]
struct DavEntry {
    name: Option<String>,
    collection: bool,
    size: Option<u64>,
    etag: Option<String>,
}

/// Reads a `PROPFIND` answer (`multistatus`) into its entries.
fn parse_multistatus(body: &[u8]) -> Result<Vec<DavEntry>, String> {
    let root = xml::parse(body)?;
    if root.name != "multistatus" {
        return Err(format!(
            "a <{}> where a <multistatus> was expected",
            root.name
        ));
    }
    let mut entries = Vec::new();
    for response in root.children_named("response") {
        let href = response
            .child_text("href")
            .ok_or_else(|| "a <response> without an <href>".to_owned())?;
        let mut entry = DavEntry {
            name: name_from_href(href),
            collection: false,
            size: None,
            etag: None,
        };
        for propstat in response.children_named("propstat") {
            // Properties the server could not give come in a propstat with another status.
            let found = propstat
                .child_text("status")
                .is_none_or(|status| status.split_whitespace().nth(1) == Some("200"));
            if !found {
                continue;
            }
            for prop in propstat.children_named("prop") {
                if let Some(length) = prop.child_text("getcontentlength") {
                    let size = length
                        .parse()
                        .map_err(|_| format!("a content length of {length:?}"))?;
                    entry.size = Some(size);
                }
                if let Some(etag) = prop.child_text("getetag").filter(|e| !e.is_empty()) {
                    entry.etag = Some(etag.to_owned());
                }
                if let Some(kind) = prop.child("resourcetype") {
                    entry.collection |= kind.child("collection").is_some();
                }
            }
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// The listed objects of a `multistatus`: valid object names only, in name order.
fn listed_objects(body: &[u8]) -> Result<Vec<Listed>, StoreError> {
    let entries = parse_multistatus(body)
        .map_err(|e| StoreError::Unavailable(format!("the WebDAV listing is unreadable: {e}")))?;
    let mut objects = Vec::new();
    for entry in entries {
        let Some(name) = entry.name.filter(|n| crate::is_valid_object_name(n)) else {
            continue;
        };
        if entry.collection {
            continue;
        }
        let size = entry.size.ok_or_else(|| {
            StoreError::Unavailable(format!("the WebDAV listing gives no size for {name:?}"))
        })?;
        objects.push(Listed {
            name,
            size,
            etag: entry.etag.unwrap_or_default(),
        });
    }
    objects.sort_by(|a, b| a.name.cmp(&b.name));
    objects.dedup_by(|a, b| a.name == b.name);
    Ok(objects)
}

/// One page of `objects` (sorted by name): after `after`, at most `limit`.
pub(crate) fn page_of(objects: Vec<Listed>, after: Option<&str>, limit: usize) -> Page {
    let mut page: Vec<Listed> = objects
        .into_iter()
        .filter(|o| after.is_none_or(|a| o.name.as_str() > a))
        .take(limit + 1)
        .collect();
    let next = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|o| o.name.clone())
    } else {
        None
    };
    Page {
        objects: page,
        next,
    }
}

/// The URL of the collection holding `url` (which may end in `/`), or `None` at the root.
fn parent_of(url: &str) -> Option<String> {
    let path_start = url.find("://").map_or(0, |i| {
        let after = i + 3;
        url[after..].find('/').map_or(url.len(), |p| after + p)
    });
    let trimmed = url.trim_end_matches('/');
    let slash = trimmed.rfind('/')?;
    (slash > path_start).then(|| url[..=slash].to_owned())
}

impl<T: HttpTransport> WebDavStore<T> {
    /// The vault folder at `base` (e.g. `https://dav.example/hearth/<vault>/`), with HTTP basic
    /// authentication when `credentials` (user, password) are given.
    pub fn new(transport: T, base: &str, credentials: Option<(&str, &str)>) -> Self {
        let mut base = base.trim().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        WebDavStore {
            transport,
            base,
            authorization: credentials.map(|(user, password)| basic_authorization(user, password)),
            conditional: true,
        }
    }

    /// Sends no `If-None-Match` / `If-Match` headers. For browsers, whose CORS preflight a
    /// server may refuse for them (rclone's does); nothing is lost, because the adapter reads
    /// before it writes and objects are content-addressed.
    pub fn without_conditional_headers(mut self) -> Self {
        self.conditional = false;
        self
    }

    /// The base folder URL (ending in `/`).
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(
        &self,
        method: &'static str,
        url: String,
        extra: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<HttpResponse, StoreError> {
        let mut headers = Vec::with_capacity(extra.len() + 1);
        if let Some(authorization) = &self.authorization {
            headers.push(("authorization", authorization.clone()));
        }
        headers.extend(extra);
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

    /// `MKCOL url`: `Ok(true)` created or already there, `Ok(false)` the parent is missing.
    async fn make_collection(&self, url: &str) -> Result<bool, StoreError> {
        let response = self
            .send("MKCOL", url.to_owned(), Vec::new(), Vec::new())
            .await?;
        match response.status {
            // 405: the collection exists already (some servers, rclone's among them, say 201).
            200 | 201 | 204 | 405 => Ok(true),
            409 => Ok(false),
            _ => Err(refusal(&response)),
        }
    }

    /// Creates the vault's folders (`MKCOL` the base folder, any missing parent folders above
    /// it, and `objects/`); folders that exist already are fine. Call it once before the first
    /// write to a new vault folder.
    pub async fn ensure_folders(&self) -> Result<(), StoreError> {
        let mut pending = vec![self.base.clone(), format!("{}objects/", self.base)];
        pending.reverse(); // created from the end of the list
        while let Some(url) = pending.last() {
            if self.make_collection(url).await? {
                pending.pop();
                continue;
            }
            if pending.len() > MAX_FOLDER_DEPTH {
                return Err(StoreError::NotFound);
            }
            let parent = parent_of(url).ok_or(StoreError::NotFound)?;
            pending.push(parent);
        }
        Ok(())
    }

    /// Erases the vault: `DELETE`s the vault folder, which takes the header and every object
    /// with it (WebDAV deletes a collection with all it holds). Nothing there is fine.
    pub async fn erase(&self) -> Result<(), StoreError> {
        let response = self
            .send("DELETE", self.base.clone(), Vec::new(), Vec::new())
            .await?;
        match response.status {
            200 | 202 | 204 | 404 | 410 => Ok(()),
            _ => Err(refusal(&response)),
        }
    }

    /// `GET`s `url`: the bytes and the server's ETag, or `None` if there is nothing there.
    async fn read(&self, url: String) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError> {
        let response = self.send("GET", url, Vec::new(), Vec::new()).await?;
        match response.status {
            200 => Ok(Some((response.body, response.etag))),
            404 | 410 => Ok(None),
            _ => Err(refusal(&response)),
        }
    }

    /// `PUT`s `bytes` at `url` with one precondition header.
    async fn write(
        &self,
        url: String,
        precondition: Option<(&'static str, String)>,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let mut headers = vec![("content-type", "application/octet-stream".to_owned())];
        headers.extend(precondition);
        let response = self.send("PUT", url, headers, bytes.to_vec()).await?;
        match response.status {
            200 | 201 | 204 => Ok(()),
            // The parent collection is missing: the vault folder was never prepared.
            409 => Err(StoreError::NotFound),
            _ => Err(refusal(&response)),
        }
    }

    fn object_url(&self, name: &str) -> String {
        format!("{}objects/{name}", self.base)
    }
}

impl<T: HttpTransport> PlainFiles for WebDavStore<T> {
    async fn read_file(&self, url: &str) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError> {
        self.read(url.to_owned()).await
    }
    async fn write_file(
        &self,
        url: &str,
        precondition: Option<(&'static str, String)>,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.write(url.to_owned(), precondition, bytes).await
    }
    fn conditional(&self) -> bool {
        self.conditional
    }
}

impl<T: HttpTransport> BlobStore for WebDavStore<T> {
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
        let (bytes, _) = self
            .read(format!("{}header", self.base))
            .await?
            .ok_or(StoreError::NotFound)?;
        let etag = etag_of(&bytes);
        Ok((bytes, etag))
    }

    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError> {
        put_header_by_reading(self, &format!("{}header", self.base), bytes, condition).await
    }

    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        put_object_by_reading(self, &self.object_url(name), bytes).await
    }

    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        self.read(self.object_url(name))
            .await?
            .map(|(bytes, _)| bytes)
            .ok_or(StoreError::NotFound)
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        if let Some(after) = after.filter(|a| !crate::is_valid_object_name(a)) {
            return Err(StoreError::InvalidName(after.to_owned()));
        }
        let headers = vec![
            ("depth", "1".to_owned()),
            ("content-type", "application/xml; charset=utf-8".to_owned()),
        ];
        let response = self
            .send(
                "PROPFIND",
                format!("{}objects/", self.base),
                headers,
                PROPFIND_BODY.as_bytes().to_vec(),
            )
            .await?;
        if response.status != 207 {
            return Err(refusal(&response));
        }
        Ok(page_of(listed_objects(&response.body)?, after, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers each URL with its scripted statuses in turn (the last one repeating; 201 for
    /// a URL without a script) and records the requests.
    struct Scripted {
        statuses: Vec<(&'static str, u16)>,
        seen: std::cell::RefCell<Vec<(String, String)>>,
    }

    impl HttpTransport for Scripted {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
            let mut seen = self.seen.borrow_mut();
            let status = self
                .statuses
                .iter()
                .filter(|(url, _)| *url == request.url)
                .map(|(_, status)| *status)
                .nth(seen.iter().filter(|(_, url)| *url == request.url).count())
                .or_else(|| {
                    self.statuses
                        .iter()
                        .rev()
                        .find(|(url, _)| *url == request.url)
                        .map(|(_, s)| *s)
                })
                .unwrap_or(201);
            seen.push((request.method.to_owned(), request.url));
            Ok(HttpResponse {
                status,
                etag: None,
                retry_after_s: None,
                body: Vec::new(),
            })
        }
    }

    #[test]
    fn ensure_folders_creates_missing_parents_and_accepts_existing_ones() {
        let transport = Scripted {
            statuses: vec![
                ("http://h/a/b/c/", 409),
                ("http://h/a/b/c/", 201),
                ("http://h/a/b/", 409),
                ("http://h/a/b/", 201),
                ("http://h/a/", 405),
                ("http://h/a/b/c/objects/", 405),
            ],
            seen: Default::default(),
        };
        let store = WebDavStore::new(transport, "http://h/a/b/c", Some(("u", "p")));
        futures::executor::block_on(store.ensure_folders()).unwrap_or_else(|e| panic!("{e}"));
        let urls: Vec<_> = store
            .transport
            .seen
            .borrow()
            .iter()
            .map(|(method, url)| format!("{method} {url}"))
            .collect();
        assert_eq!(
            urls,
            [
                "MKCOL http://h/a/b/c/",
                "MKCOL http://h/a/b/",
                "MKCOL http://h/a/",
                "MKCOL http://h/a/b/",
                "MKCOL http://h/a/b/c/",
                "MKCOL http://h/a/b/c/objects/",
            ]
        );

        // Refused all the way up to the server's root: not found, not an endless climb.
        let transport = Scripted {
            statuses: vec![("http://h/x/", 409), ("http://h/x/y/", 409)],
            seen: Default::default(),
        };
        let store = WebDavStore::new(transport, "http://h/x/y/", None);
        assert_eq!(
            futures::executor::block_on(store.ensure_folders()),
            Err(StoreError::NotFound)
        );
        // Anything else is the server's answer.
        let transport = Scripted {
            statuses: vec![("http://h/x/", 403)],
            seen: Default::default(),
        };
        let store = WebDavStore::new(transport, "http://h/x/", None);
        assert_eq!(
            futures::executor::block_on(store.ensure_folders()),
            Err(StoreError::Forbidden)
        );
    }

    #[test]
    fn basic_auth_is_base64_of_user_colon_password() {
        // RFC 7617, section 2.
        assert_eq!(
            basic_authorization("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_authorization("a", ""), "Basic YTo=");
        assert_eq!(basic_authorization("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_authorization("ab", "cd"), "Basic YWI6Y2Q=");
    }

    #[test]
    fn hrefs_name_their_last_segment() {
        assert_eq!(name_from_href("/v/objects/obj.1").as_deref(), Some("obj.1"));
        assert_eq!(
            name_from_href(" http://h:1/v/objects/a%2Eb ").as_deref(),
            Some("a.b")
        );
        assert_eq!(name_from_href("/v/objects/"), None);
        assert_eq!(name_from_href("http://h"), None);
        assert_eq!(name_from_href("/v/objects/bad%zz"), None);
        assert_eq!(name_from_href("/v/objects/%ff"), None);
        assert_eq!(name_from_href("/v/objects/x?y=1").as_deref(), Some("x"));
    }

    #[test]
    fn parents_stop_at_the_server_root() {
        assert_eq!(
            parent_of("http://h:1/a/b/").as_deref(),
            Some("http://h:1/a/")
        );
        assert_eq!(parent_of("http://h:1/a/").as_deref(), None);
        assert_eq!(parent_of("http://h:1/"), None);
        assert_eq!(parent_of("http://h:1"), None);
    }

    #[test]
    fn multistatus_with_any_prefix_and_odd_entries() {
        let body = br#"<?xml version="1.0" encoding="utf-8" ?>
<d:multistatus xmlns:d="DAV:" xmlns:lp1="DAV:">
 <d:response><d:href>/dav/v/objects/</d:href>
  <d:propstat><d:prop><lp1:resourcetype><d:collection/></lp1:resourcetype></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/dav/v/objects/obj.2</d:href>
  <d:propstat><d:prop><lp1:getcontentlength>12</lp1:getcontentlength>
   <lp1:getetag>&quot;abc&quot;</lp1:getetag><lp1:resourcetype/></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <D:RESPONSE xmlns:D="DAV:"><D:HREF>http://host/dav/v/objects/obj.1</D:HREF>
  <D:PROPSTAT><D:PROP><D:GETCONTENTLENGTH>3</D:GETCONTENTLENGTH></D:PROP>
   <D:STATUS>HTTP/1.1 200 OK</D:STATUS></D:PROPSTAT>
  <D:PROPSTAT><D:PROP><D:getetag/></D:PROP><D:STATUS>HTTP/1.1 404 Not Found</D:STATUS>
  </D:PROPSTAT></D:RESPONSE>
 <d:response><d:href>/dav/v/objects/not%20valid</d:href>
  <d:propstat><d:prop><d:getcontentlength>1</d:getcontentlength></d:prop></d:propstat>
 </d:response>
 <d:response><d:href>/dav/v/objects/sub</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop></d:propstat>
 </d:response>
</d:multistatus>"#;
        let objects = listed_objects(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            objects,
            [
                Listed {
                    name: "obj.1".into(),
                    size: 3,
                    etag: String::new()
                },
                Listed {
                    name: "obj.2".into(),
                    size: 12,
                    etag: "\"abc\"".into()
                },
            ]
        );
    }

    #[test]
    fn unreadable_listings_are_errors() {
        for bad in [
            &b"<html><body>Welcome</body></html>"[..],
            b"<multistatus><response></response></multistatus>",
            b"<multistatus><response><href>/o/a</href><propstat><prop><getcontentlength>x</getcontentlength></prop></propstat></response></multistatus>",
            b"<multistatus><response><href>/o/a</href></response></multistatus>",
            b"\x00\x01",
        ] {
            let result = listed_objects(bad);
            assert!(
                matches!(result, Err(StoreError::Unavailable(_))),
                "{result:?}"
            );
        }
    }

    #[test]
    fn pages_follow_after_and_limit() {
        let objects: Vec<Listed> = ["a", "b", "c"]
            .into_iter()
            .map(|n| Listed {
                name: n.into(),
                size: 0,
                etag: String::new(),
            })
            .collect();
        let page = page_of(objects.clone(), None, 2);
        assert_eq!(page.objects.len(), 2);
        assert_eq!(page.next.as_deref(), Some("b"));
        let page = page_of(objects.clone(), Some("b"), 2);
        assert_eq!(page.objects.len(), 1);
        assert_eq!(page.next, None);
        assert_eq!(page_of(objects, Some("c"), 5).objects.len(), 0);
    }
}
