//! Dropping a sealed share into the clinic's inbox on the relay
//! (`PUT {relay}/v1/inbox/{clinic}/items/{name}`, no token: anyone may post, nobody but the
//! clinic may read). Only sealed bytes ever travel here.

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
    /// Any other answer.
    #[error("The clinic's server refused it (HTTP {0})")]
    Refused(u16),
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

/// Posts `bytes` as inbox item `name` (natively there is no browser: always offline).
#[cfg(not(target_arch = "wasm32"))]
pub async fn post(relay: &str, inbox: &str, name: &str, bytes: &[u8]) -> Result<(), InboxError> {
    let _ = (item_url(relay, inbox, name), bytes);
    Err(InboxError::Offline)
}

#[cfg(test)]
mod tests {
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
    }
}
