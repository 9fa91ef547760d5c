//! The understanding worker: a dedicated Web Worker that downloads, checks and runs the
//! encoder, so the UI thread never blocks on the model.
//!
//! On start it answers with the rules layer alone and, meanwhile, fetches `model/` next to
//! its own script: the compact weights and `tokenizer.json`, each from the Cache API when a
//! previous visit stored it, otherwise from the widget's own origin with progress messages.
//! Both are checked against the SHA-256 built into [`hearth_nlu::files`] before use (a
//! damaged cached copy is dropped and fetched again) and then cached. If anything fails —
//! offline on a first visit, the file blocked or corrupt — the worker says so with
//! [`NluMessage::Unavailable`] and goes on answering with the rules. Protocol:
//! [`crate::nlu_protocol`].

use std::cell::RefCell;
use std::rc::Rc;

use hearth_nlu::files::{self, COMPACT_NAME, COMPACT_SHA256, TOKENIZER_NAME, TOKENIZER_SHA256};
use hearth_nlu::{Classifier, Heads, Model};
use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, DedicatedWorkerGlobalScope, ReadableStreamDefaultReader, Response};

use crate::nlu_protocol::{NluCall, NluMessage, NluRequest, NluResponse, MODEL_PATH};

/// The Cache API cache that holds the model files (bytes that are public anyway).
pub const MODEL_CACHE: &str = "hearth-model-v1";

fn post(scope: &DedicatedWorkerGlobalScope, message: &NluMessage) {
    if let Ok(json) = serde_json::to_string(message) {
        let _ = scope.post_message(&JsValue::from_str(&json));
    }
}

fn now_ms() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn describe(err: &JsValue) -> String {
    err.as_string()
        .or_else(|| {
            err.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "unknown error".into())
}

async fn wait(promise: Promise) -> Result<JsValue, String> {
    JsFuture::from(promise).await.map_err(|e| describe(&e))
}

/// Reads a response body chunk by chunk, reporting progress.
async fn read_body(
    response: &Response,
    mut progress: impl FnMut(u64, u64),
) -> Result<Vec<u8>, String> {
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let body = response.body().ok_or("the response has no body")?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total as usize);
    loop {
        let chunk = wait(reader.read()).await?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| describe(&e))?;
        bytes.extend(Uint8Array::new(&value).to_vec());
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

/// One model file: from the cache if it is there and intact, else from the network; checked
/// against its pinned hash, then cached. Returns the bytes and whether they came from cache.
async fn fetch_checked(
    scope: &DedicatedWorkerGlobalScope,
    cache: Option<&Cache>,
    url: &str,
    name: &str,
    sha256: &str,
    progress: impl FnMut(u64, u64),
) -> Result<(Vec<u8>, bool), String> {
    if let Some(cache) = cache {
        if let Ok(hit) = wait(cache.match_with_str(url)).await {
            if let Ok(response) = hit.dyn_into::<Response>() {
                let buffer = wait(response.array_buffer().map_err(|e| describe(&e))?).await?;
                let bytes = Uint8Array::new(&buffer).to_vec();
                if files::verify(name, &bytes, sha256).is_ok() {
                    return Ok((bytes, true));
                }
                // A damaged copy: drop it and download again.
                let _ = wait(cache.delete_with_str(url)).await;
            }
        }
    }
    let response: Response = wait(scope.fetch_with_str(url))
        .await
        .map_err(|e| format!("{name} could not be downloaded ({e})"))?
        .dyn_into()
        .map_err(|_| format!("{name}: not a response"))?;
    if !response.ok() {
        return Err(format!(
            "{name} could not be downloaded (HTTP {})",
            response.status()
        ));
    }
    let bytes = read_body(&response, progress).await?;
    files::verify(name, &bytes, sha256).map_err(|e| e.to_string())?;
    if let Some(cache) = cache {
        let copy = Uint8Array::from(bytes.as_slice());
        if let Ok(stored) = Response::new_with_opt_buffer_source(Some(&copy)) {
            // Not fatal if storage is full: the next visit downloads again.
            let _ = wait(cache.put_with_str(url, &stored)).await;
        }
    }
    Ok((bytes, false))
}

/// Downloads, checks and loads the encoder; returns the classifier and whether every file
/// came from the cache.
async fn load(scope: &DedicatedWorkerGlobalScope) -> Result<(Classifier, bool), String> {
    let base = scope.location().href();
    let url = |file: &str| -> Result<String, String> {
        web_sys::Url::new_with_base(&format!("{MODEL_PATH}{file}"), &base)
            .map(|u| u.href())
            .map_err(|e| describe(&e))
    };
    let cache = match scope.caches() {
        Ok(storage) => wait(storage.open(MODEL_CACHE))
            .await
            .ok()
            .and_then(|c| c.dyn_into::<Cache>().ok()),
        Err(_) => None,
    };
    let (tokenizer, tok_cached) = fetch_checked(
        scope,
        cache.as_ref(),
        &url(TOKENIZER_NAME)?,
        TOKENIZER_NAME,
        TOKENIZER_SHA256,
        |_, _| {},
    )
    .await?;
    let (weights, weights_cached) = fetch_checked(
        scope,
        cache.as_ref(),
        &url(COMPACT_NAME)?,
        COMPACT_NAME,
        COMPACT_SHA256,
        |loaded, total| post(scope, &NluMessage::Progress { loaded, total }),
    )
    .await?;
    let heads = Heads::builtin().map_err(|e| e.to_string())?;
    let model = Model::load(&weights, &tokenizer).map_err(|e| e.to_string())?;
    Ok((
        Classifier::with_model(model, heads),
        tok_cached && weights_cached,
    ))
}

/// The worker's state: the classifier in use and whether the model is still loading.
struct State {
    classifier: Classifier,
    loading: bool,
}

fn answer(state: &State, request: NluRequest) -> NluResponse {
    match request {
        NluRequest::Classify { text } => {
            let mut decision = state.classifier.classify(&text);
            if state.loading {
                decision.reasons.push("model:loading".into());
            } else if !state.classifier.has_model() {
                decision.reasons.push("model:unavailable".into());
            }
            NluResponse::Decision(decision)
        }
        NluRequest::Embed { texts } => {
            let mut vectors = Vec::with_capacity(texts.len());
            for text in &texts {
                match state.classifier.embed_message(text) {
                    Ok(Some(v)) => vectors.push(v),
                    Ok(None) => {
                        return NluResponse::Failed {
                            reason: "the model is not loaded".into(),
                        }
                    }
                    Err(e) => {
                        return NluResponse::Failed {
                            reason: e.to_string(),
                        }
                    }
                }
            }
            NluResponse::Embeddings { vectors }
        }
    }
}

/// Starts the worker: answers at once with the rules, and loads the model alongside.
pub fn run() {
    console_error_panic_hook::set_once();
    let started = now_ms();
    hearth_nlu::rules::warm_up();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let state = Rc::new(RefCell::new(State {
        classifier: Classifier::rules_only(),
        loading: true,
    }));
    let for_messages = Rc::clone(&state);
    let reply_scope = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(Ok(call)) = event
                .data()
                .as_string()
                .map(|text| serde_json::from_str::<NluCall>(&text))
            else {
                return;
            };
            let response = answer(&for_messages.borrow(), call.request);
            post(
                &reply_scope,
                &NluMessage::Answer {
                    id: call.id,
                    response,
                },
            );
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &NluMessage::Listening);

    wasm_bindgen_futures::spawn_local(async move {
        let outcome = load(&scope).await;
        let mut s = state.borrow_mut();
        s.loading = false;
        match outcome {
            Ok((classifier, cached)) => {
                s.classifier = classifier;
                post(
                    &scope,
                    &NluMessage::Ready {
                        source: if cached { "cache" } else { "network" }.into(),
                        load_ms: now_ms() - started,
                    },
                );
            }
            Err(reason) => post(&scope, &NluMessage::Unavailable { reason }),
        }
    });
}
