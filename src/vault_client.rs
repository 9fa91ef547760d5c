//! The UI's handle on the vault: a [`Vault`] sends [`Request`]s and awaits [`Response`]s.
//!
//! In the browser the other end is the vault worker ([`Vault::worker`]); in component tests
//! it is the same [`VaultService`] running in-process over memory ([`Vault::in_memory`]).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures::lock::Mutex;
use hearth_vault::KdfParams;

use crate::vault_service::{MemoryEnvelopeStore, Request, Response, VaultService};

type Pending = Pin<Box<dyn Future<Output = Response>>>;

/// Something that answers vault requests.
trait Backend {
    fn call(&self, request: Request) -> Pending;
}

/// A cheap, clonable handle on the vault for components.
///
/// It holds browser objects, so it is wrapped to satisfy Leptos' `Send` bounds; the widget
/// runs on one thread, where that wrapper never panics.
#[derive(Clone)]
pub struct Vault(send_wrapper::SendWrapper<Rc<dyn Backend>>);

impl Vault {
    /// Sends a request and waits for its answer.
    pub async fn call(&self, request: Request) -> Response {
        let backend = Rc::clone(&self.0);
        backend.call(request).await
    }

    /// A vault served in-process from memory, with the given KDF parameters (tests).
    pub fn in_memory(params: KdfParams) -> Self {
        let service = Rc::new(Mutex::new(VaultService::new(
            MemoryEnvelopeStore::default(),
            params,
        )));
        Vault(send_wrapper::SendWrapper::new(Rc::new(InMemory(service))))
    }
}

struct InMemory(Rc<Mutex<VaultService<MemoryEnvelopeStore>>>);

impl Backend for InMemory {
    fn call(&self, request: Request) -> Pending {
        let service = Rc::clone(&self.0);
        // Requests are answered one at a time, in order, as the worker does.
        Box::pin(async move { service.lock().await.handle(request).await })
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::rc::Rc;

    use futures::channel::oneshot;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::{Backend, Pending, Vault};
    use crate::vault_service::{Failure, FailureCode, Request, Response};
    use crate::worker::{Answer, Envelope};

    struct Inner {
        worker: web_sys::Worker,
        ready: Cell<bool>,
        queued: RefCell<Vec<String>>,
        waiting: RefCell<HashMap<u64, oneshot::Sender<Response>>>,
        next_id: Cell<u64>,
    }

    impl Inner {
        fn send(&self, message: String) {
            if self.ready.get() {
                let _ = self.worker.post_message(&JsValue::from_str(&message));
            } else {
                self.queued.borrow_mut().push(message);
            }
        }

        fn on_message(&self, data: JsValue) {
            let Some(text) = data.as_string() else { return };
            if text == "ready" {
                self.ready.set(true);
                for message in self.queued.borrow_mut().drain(..) {
                    let _ = self.worker.post_message(&JsValue::from_str(&message));
                }
                return;
            }
            if let Ok(answer) = serde_json::from_str::<Answer>(&text) {
                if let Some(sender) = self.waiting.borrow_mut().remove(&answer.id) {
                    let _ = sender.send(answer.response);
                }
            }
        }

        /// The worker died or failed to load: every waiting request fails plainly.
        fn on_error(&self, detail: &str) {
            for (_, sender) in self.waiting.borrow_mut().drain() {
                let _ = sender.send(worker_failed(detail));
            }
        }
    }

    fn worker_failed(detail: &str) -> Response {
        Response::Failed(Failure {
            code: FailureCode::Storage,
            detail: format!("the vault worker is not running: {detail}"),
        })
    }

    struct WorkerBackend(Rc<Inner>);

    impl Backend for WorkerBackend {
        fn call(&self, request: Request) -> Pending {
            let inner = Rc::clone(&self.0);
            Box::pin(async move {
                let id = inner.next_id.get();
                inner.next_id.set(id + 1);
                let (sender, receiver) = oneshot::channel();
                inner.waiting.borrow_mut().insert(id, sender);
                match crate::json::to_string(&Envelope { id, request }) {
                    Ok(message) => inner.send(message),
                    Err(err) => return worker_failed(&err.to_string()),
                }
                receiver
                    .await
                    .unwrap_or_else(|_| worker_failed("the answer was lost"))
            })
        }
    }

    impl Vault {
        /// Starts the vault worker from the module script at `url`.
        pub fn worker(url: &str) -> Result<Self, JsValue> {
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = web_sys::Worker::new_with_options(url, &options)?;
            let inner = Rc::new(Inner {
                worker: worker.clone(),
                ready: Cell::new(false),
                queued: RefCell::new(Vec::new()),
                waiting: RefCell::new(HashMap::new()),
                next_id: Cell::new(1),
            });
            let for_messages = Rc::clone(&inner);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| for_messages.on_message(event.data()),
            );
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget();
            let for_errors = Rc::clone(&inner);
            let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
                move |event: web_sys::ErrorEvent| for_errors.on_error(&event.message()),
            );
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_error.forget();
            Ok(Vault(send_wrapper::SendWrapper::new(Rc::new(
                WorkerBackend(inner),
            ))))
        }
    }
}
