//! The UI's handle on understanding: [`Understanding`] asks the worker and tracks the
//! model's status for the progress bar.
//!
//! The crisis rules run in the worker too, not on this thread: the worker answers with them
//! from its first moment (while the model downloads, or if it never loads), and keeping the
//! rules' regex engine out of the widget's own WebAssembly keeps the first screen fast. If
//! the worker itself cannot run, [`Understanding::classify`] says so (`None`) and the
//! widget tells the patient that automatic safety checks are off; the crisis button never
//! depends on any of this.

use leptos::prelude::*;

use hearth_nlu::Decision;

use crate::nlu_protocol::ModelStatus;

/// A cheap, clonable handle on the understanding worker (or rules only, in tests).
#[derive(Clone)]
pub struct Understanding {
    /// What the widget shows about the model.
    pub status: RwSignal<ModelStatus>,
    #[cfg(target_arch = "wasm32")]
    worker: Option<send_wrapper::SendWrapper<std::rc::Rc<browser::Inner>>>,
}

impl Understanding {
    /// No worker (component tests, or a browser where it cannot start): nothing is
    /// classified and the status says why.
    pub fn unavailable(reason: &str) -> Understanding {
        Understanding {
            status: RwSignal::new(ModelStatus::Unavailable(reason.to_string())),
            #[cfg(target_arch = "wasm32")]
            worker: None,
        }
    }

    /// The worker's decision (model layers included once the model is loaded, the rules
    /// alone until then); `None` if the worker is not running.
    pub async fn classify(&self, text: &str) -> Option<Decision> {
        #[cfg(target_arch = "wasm32")]
        if let Some(worker) = &self.worker {
            let request = crate::nlu_protocol::NluRequest::Classify {
                text: text.to_string(),
            };
            if let Some(crate::nlu_protocol::NluResponse::Decision(d)) =
                browser::call(worker, request).await
            {
                return Some(d);
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = text;
        None
    }

    /// Sentence embeddings (unit vectors) for `texts`, in order; `None` without a loaded
    /// model or a running worker (callers fall back to simpler matching).
    pub async fn embed(&self, texts: Vec<String>) -> Option<Vec<Vec<f32>>> {
        #[cfg(target_arch = "wasm32")]
        if let Some(worker) = &self.worker {
            if self.status.get_untracked() != ModelStatus::Ready {
                return None;
            }
            let request = crate::nlu_protocol::NluRequest::Embed { texts };
            if let Some(crate::nlu_protocol::NluResponse::Embeddings { vectors }) =
                browser::call(worker, request).await
            {
                return Some(vectors);
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = texts;
        None
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::rc::Rc;

    use futures::channel::oneshot;
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::Understanding;
    use crate::nlu_protocol::{ModelStatus, NluCall, NluMessage, NluRequest, NluResponse};

    pub(super) struct Inner {
        worker: web_sys::Worker,
        listening: Cell<bool>,
        dead: Cell<bool>,
        queued: RefCell<Vec<String>>,
        waiting: RefCell<HashMap<u64, oneshot::Sender<NluResponse>>>,
        next_id: Cell<u64>,
    }

    impl Inner {
        fn send(&self, message: String) {
            if self.listening.get() {
                let _ = self.worker.post_message(&JsValue::from_str(&message));
            } else {
                self.queued.borrow_mut().push(message);
            }
        }

        fn on_message(&self, data: JsValue, status: RwSignal<ModelStatus>) {
            let Some(Ok(message)) = data.as_string().map(|t| serde_json::from_str(&t)) else {
                return;
            };
            match message {
                NluMessage::Listening => {
                    self.listening.set(true);
                    for m in self.queued.borrow_mut().drain(..) {
                        let _ = self.worker.post_message(&JsValue::from_str(&m));
                    }
                }
                NluMessage::Progress { loaded, total } => {
                    status.set(ModelStatus::Loading { loaded, total })
                }
                NluMessage::Ready { .. } => status.set(ModelStatus::Ready),
                NluMessage::Unavailable { reason } => {
                    web_sys::console::warn_1(&format!("Hearth model: {reason}").into());
                    status.set(ModelStatus::Unavailable(reason));
                }
                NluMessage::Answer { id, response } => {
                    if let Some(sender) = self.waiting.borrow_mut().remove(&id) {
                        let _ = sender.send(response);
                    }
                }
            }
        }

        /// The worker died or failed to load: waiting calls get no answer (the caller
        /// falls back to the rules) and later calls are not sent.
        fn on_error(&self, detail: &str, status: RwSignal<ModelStatus>) {
            self.dead.set(true);
            self.waiting.borrow_mut().clear();
            status.set(ModelStatus::Unavailable(format!(
                "the understanding worker stopped: {detail}"
            )));
        }
    }

    /// Sends one request; `None` if the worker is gone.
    pub(super) async fn call(
        worker: &send_wrapper::SendWrapper<Rc<Inner>>,
        request: NluRequest,
    ) -> Option<NluResponse> {
        let inner = Rc::clone(worker);
        if inner.dead.get() {
            return None;
        }
        let id = inner.next_id.get();
        inner.next_id.set(id + 1);
        let (sender, receiver) = oneshot::channel();
        inner.waiting.borrow_mut().insert(id, sender);
        inner.send(crate::json::to_string(&NluCall { id, request }).ok()?);
        receiver.await.ok()
    }

    impl Understanding {
        /// Starts the understanding worker from the module script at `url`.
        pub fn worker(url: &str) -> Understanding {
            let status = RwSignal::new(ModelStatus::Loading {
                loaded: 0,
                total: 0,
            });
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = match web_sys::Worker::new_with_options(url, &options) {
                Ok(w) => w,
                Err(_) => {
                    return Understanding::unavailable("the understanding worker could not start")
                }
            };
            let inner = Rc::new(Inner {
                worker: worker.clone(),
                listening: Cell::new(false),
                dead: Cell::new(false),
                queued: RefCell::new(Vec::new()),
                waiting: RefCell::new(HashMap::new()),
                next_id: Cell::new(1),
            });
            let for_messages = Rc::clone(&inner);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| for_messages.on_message(event.data(), status),
            );
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget();
            let for_errors = Rc::clone(&inner);
            let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
                move |event: web_sys::ErrorEvent| for_errors.on_error(&event.message(), status),
            );
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_error.forget();
            Understanding {
                status,
                worker: Some(send_wrapper::SendWrapper::new(inner)),
            }
        }
    }
}
