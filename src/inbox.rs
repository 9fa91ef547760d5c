//! The clinic's inbox on the relay. Patients drop sealed shares into it
//! (`PUT {relay}/v1/inbox/{clinic}/items/{name}`, no token: anyone may post, nobody but the
//! clinic may read); the clinician console registers it, lists, reads and deletes items with
//! the clinic's token. Only sealed bytes ever travel here.

/// Why a share did not reach the inbox. Every case keeps the share queued on the device
/// (it is sent again after the next unlock); the UI says it has not been sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboxError {
    /// No connection (offline, relay down, blocked).
    #[error("The clinic's inbox could not be reached (no connection, or its server is down)")]
    Offline,
    /// The relay does not know this clinic's inbox (404).
    #[error(
        "your clinic's inbox is not set up on its server yet; please phone your clinic instead"
    )]
    UnknownInbox,
    /// The relay asked to slow down (429).
    #[error("The clinic's server is busy")]
    Busy,
    /// The clinic's inbox is full (507) until the clinic reads and deletes what is there.
    #[error("The clinic's inbox is full; if it is urgent, please phone your clinic")]
    Full,
    /// The clinic token was refused (401/403): a wrong token, or the inbox was registered
    /// with another one.
    #[error("The server did not accept this inbox token")]
    Unauthorized,
    /// Any other answer.
    #[error("The clinic's server refused it (HTTP {0})")]
    Refused(u16),
    /// The copy kept on the device is damaged and cannot be sent.
    #[error("The copy kept on this device is damaged")]
    Damaged,
}

/// Reads an HTTP status for a clinic-side call (register, list, read, delete).
pub fn clinic_outcome(status: u16) -> Result<(), InboxError> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(InboxError::Unauthorized),
        404 => Err(InboxError::UnknownInbox),
        429 | 503 => Err(InboxError::Busy),
        other => Err(InboxError::Refused(other)),
    }
}

/// One page of the inbox listing, as the relay sends it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Listing {
    /// The items on this page.
    pub objects: Vec<Listed>,
    /// Where the next page starts, if there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// An inbox item's name and size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Listed {
    /// Its object name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The inbox item URL for `name` under `relay` (a base URL, with or without a trailing `/`).
pub fn item_url(relay: &str, inbox: &str, name: &str) -> String {
    format!(
        "{}/v1/inbox/{inbox}/items/{name}",
        relay.trim_end_matches('/')
    )
}

/// Reads an HTTP status as the relay API defines it for an inbox post: 201 created, and
/// 412 "name taken" — names are content hashes, so that is this very share, sent before.
pub fn outcome(status: u16) -> Result<(), InboxError> {
    match status {
        200 | 201 | 204 | 412 => Ok(()),
        404 => Err(InboxError::UnknownInbox),
        429 | 503 => Err(InboxError::Busy),
        507 => Err(InboxError::Full),
        other => Err(InboxError::Refused(other)),
    }
}

/// Posts `bytes` as inbox item `name`.
#[cfg(target_arch = "wasm32")]
pub async fn post(relay: &str, inbox: &str, name: &str, bytes: &[u8]) -> Result<(), InboxError> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or(InboxError::Offline)?;
    let init = web_sys::RequestInit::new();
    init.set_method("PUT");
    let body = js_sys::Uint8Array::from(bytes);
    init.set_body(&body);
    let promise = window.fetch_with_str_and_init(&item_url(relay, inbox, name), &init);
    let response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| InboxError::Offline)?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| InboxError::Offline)?;
    outcome(response.status())
}

/// Posts a share kept on the device (base64url, as the vault worker sealed it) as item
/// `name`.
pub async fn post_sealed(
    relay: &str,
    inbox: &str,
    name: &str,
    sealed: &str,
) -> Result<(), InboxError> {
    use base64ct::Encoding;
    let bytes = base64ct::Base64UrlUnpadded::decode_vec(sealed).map_err(|_| InboxError::Damaged)?;
    post(relay, inbox, name, &bytes).await
}

/// One clinic-side request with the clinic's token: `method` on `url`; the answer's bytes.
#[cfg(target_arch = "wasm32")]
async fn clinic_call(method: &str, url: &str, token: &str) -> Result<Vec<u8>, InboxError> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window().ok_or(InboxError::Offline)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| InboxError::Offline)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(|_| InboxError::Unauthorized)?;
    init.set_headers(&headers);
    let promise = window.fetch_with_str_and_init(url, &init);
    let response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| InboxError::Offline)?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| InboxError::Offline)?;
    clinic_outcome(response.status())?;
    let buffer = response.array_buffer().map_err(|_| InboxError::Offline)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(buffer)
        .await
        .map_err(|_| InboxError::Offline)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[cfg(not(target_arch = "wasm32"))]
async fn clinic_call(_method: &str, _url: &str, _token: &str) -> Result<Vec<u8>, InboxError> {
    Err(InboxError::Offline)
}

/// Registers the clinic's inbox with its token (created, or already this token's).
pub async fn register(relay: &str, inbox: &str, token: &str) -> Result<(), InboxError> {
    let url = format!("{}/v1/inbox/{inbox}", relay.trim_end_matches('/'));
    clinic_call("PUT", &url, token).await.map(drop)
}

/// Every item's name in the inbox, oldest name first (following the relay's pages).
pub async fn list(relay: &str, inbox: &str, token: &str) -> Result<Vec<Listed>, InboxError> {
    let base = format!("{}/v1/inbox/{inbox}/items", relay.trim_end_matches('/'));
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let url = match &after {
            Some(after) => format!("{base}?limit=1000&after={after}"),
            None => format!("{base}?limit=1000"),
        };
        let bytes = clinic_call("GET", &url, token).await?;
        let page: Listing = serde_json::from_slice(&bytes).map_err(|_| InboxError::Refused(200))?;
        out.extend(page.objects);
        match page.next {
            Some(next) if Some(&next) != after.as_ref() => after = Some(next),
            _ => return Ok(out),
        }
    }
}

/// One item's bytes.
pub async fn read(
    relay: &str,
    inbox: &str,
    token: &str,
    name: &str,
) -> Result<Vec<u8>, InboxError> {
    clinic_call("GET", &item_url(relay, inbox, name), token).await
}

/// Deletes one item.
pub async fn delete(relay: &str, inbox: &str, token: &str, name: &str) -> Result<(), InboxError> {
    clinic_call("DELETE", &item_url(relay, inbox, name), token)
        .await
        .map(drop)
}

/// Posts `bytes` as inbox item `name` (natively there is no browser: always offline).
#[cfg(not(target_arch = "wasm32"))]
pub async fn post(relay: &str, inbox: &str, name: &str, bytes: &[u8]) -> Result<(), InboxError> {
    let _ = (item_url(relay, inbox, name), bytes);
    Err(InboxError::Offline)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_and_statuses() {
        assert_eq!(
            item_url("http://127.0.0.1:8080/", "riverside-counselling-01", "ab"),
            "http://127.0.0.1:8080/v1/inbox/riverside-counselling-01/items/ab"
        );
        assert_eq!(outcome(201), Ok(()));
        assert_eq!(
            outcome(412),
            Ok(()),
            "the same content-addressed share, sent before"
        );
        assert_eq!(outcome(404), Err(InboxError::UnknownInbox));
        assert_eq!(outcome(429), Err(InboxError::Busy));
        assert_eq!(outcome(413), Err(InboxError::Refused(413)));
        assert_eq!(outcome(507), Err(InboxError::Full));
        assert_eq!(clinic_outcome(204), Ok(()));
        assert_eq!(clinic_outcome(401), Err(InboxError::Unauthorized));
        assert_eq!(clinic_outcome(403), Err(InboxError::Unauthorized));
        assert_eq!(clinic_outcome(404), Err(InboxError::UnknownInbox));
    }

    #[test]
    fn listings_read_as_the_relay_writes_them() {
        let page: Listing = serde_json::from_str(
            r#"{"objects":[{"name":"ab12","size":812,"etag":"\"x\""}],"next":null}"#,
        )
        .unwrap();
        assert_eq!(page.objects[0].name, "ab12");
        assert_eq!(page.next, None);
    }
}
