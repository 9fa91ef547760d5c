//! The typed messages between the widget and the understanding worker.
//!
//! Everything travels as JSON strings over `postMessage`:
//!
//! - page → worker: [`NluCall`] — `{"id": n, "request": NluRequest}`;
//! - worker → page: [`NluMessage`] — load progress, the model being ready or unavailable,
//!   and answers matched to their request id.
//!
//! The enums are externally tagged (serde's default): `{"classify":{"text":"…"}}`,
//! `{"progress":{"loaded":1,"total":2}}`, `"listening"`. Decoding internally tagged enums
//! buffers each message first, and that code made the interface's `.wasm` about 5 KB
//! (gzipped) bigger.
//!
//! The worker answers a [`NluRequest::Classify`] at once even while the model downloads:
//! then with the rules layer alone (the reasons say `model:loading`), so a crisis message is
//! never held back by the model.

use hearth_nlu::Decision;
use serde::{Deserialize, Serialize};

/// Where the model files are, relative to the worker script.
pub const MODEL_PATH: &str = "model/";

/// What the page asks the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NluRequest {
    /// Decide one message (crisis risk, emotion, intent, reasons).
    Classify {
        /// The patient's text.
        text: String,
    },
    /// Embed texts (for retrieval and the parity test); fails without a model.
    Embed {
        /// The texts.
        texts: Vec<String>,
    },
}

/// The worker's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NluResponse {
    /// The decision for a [`NluRequest::Classify`].
    Decision(Decision),
    /// One unit vector per text, for a [`NluRequest::Embed`].
    Embeddings {
        /// The embeddings, in request order.
        vectors: Vec<Vec<f32>>,
    },
    /// The request could not be answered (no model for `Embed`, a worker failure).
    Failed {
        /// A plain description.
        reason: String,
    },
}

/// A request as it travels to the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NluCall {
    /// Matches the answer to the request.
    pub id: u64,
    /// The request.
    pub request: NluRequest,
}

/// Everything the worker posts to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NluMessage {
    /// The worker is listening (requests sent earlier are queued by the page until then).
    Listening,
    /// Model bytes downloaded so far (`total` is 0 when the server did not say).
    Progress {
        /// Bytes received.
        loaded: u64,
        /// Bytes expected.
        total: u64,
    },
    /// The model is loaded and checked; answers now use it.
    Ready {
        /// `"cache"` when the model came from the Cache API, `"network"` otherwise.
        source: String,
        /// Milliseconds from the worker's start to the model being usable.
        load_ms: f64,
    },
    /// The model cannot be used (offline on a first visit, blocked, corrupt); answers come
    /// from the rules layer alone.
    Unavailable {
        /// A plain description for logs and the status line.
        reason: String,
    },
    /// The answer to one request.
    Answer {
        /// The request's id.
        id: u64,
        /// The answer.
        response: NluResponse,
    },
}

/// What the widget shows about the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelStatus {
    /// Starting or downloading: bytes so far and expected (0 if unknown).
    Loading {
        /// Bytes received.
        loaded: u64,
        /// Bytes expected.
        total: u64,
    },
    /// Ready.
    Ready,
    /// Not available; the rules layer answers.
    Unavailable(String),
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_externally_tagged_json() {
        let m = NluMessage::Progress {
            loaded: 10,
            total: 100,
        };
        let json = serde_json::to_string(&m).unwrap_or_default();
        assert_eq!(json, r#"{"progress":{"loaded":10,"total":100}}"#);
        let call = NluCall {
            id: 3,
            request: NluRequest::Classify { text: "hi".into() },
        };
        let json = serde_json::to_string(&call).unwrap_or_default();
        assert_eq!(json, r#"{"id":3,"request":{"classify":{"text":"hi"}}}"#);
        let back: NluCall = serde_json::from_str(&json).expect("parses");
        assert_eq!(back.request, call.request);
    }
}
