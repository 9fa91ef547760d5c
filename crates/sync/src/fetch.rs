//! [`HttpTransport`] over the browser's `fetch`, in a window or a worker (wasm32 only).

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::relay::{HttpRequest, HttpResponse, HttpTransport};

/// Sends requests with `fetch` from whatever global scope the code runs in.
///
/// Requests carry no cookies or credentials of the page (`credentials: omit`) and skip the
/// HTTP cache (`cache: no-store`), so ciphertext never lingers in the browser's cache.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

fn text(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the request failed".into())
}

async fn fetch(request: &web_sys::Request) -> Result<web_sys::Response, String> {
    let global = js_sys::global();
    let promise = if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        worker.fetch_with_request(request)
    } else if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        window.fetch_with_request(request)
    } else {
        return Err("no fetch in this scope".into());
    };
    JsFuture::from(promise)
        .await
        .map_err(text)?
        .dyn_into()
        .map_err(|_| "fetch gave no response".into())
}

impl HttpTransport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        let init = web_sys::RequestInit::new();
        init.set_method(request.method);
        init.set_cache(web_sys::RequestCache::NoStore);
        init.set_credentials(web_sys::RequestCredentials::Omit);
        let headers = web_sys::Headers::new().map_err(text)?;
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(text)?;
        }
        init.set_headers(&headers);
        if !request.body.is_empty() || request.method == "PUT" {
            let body = Uint8Array::from(request.body.as_slice());
            init.set_body(&body);
        }
        let built = web_sys::Request::new_with_str_and_init(&request.url, &init).map_err(text)?;
        let response = fetch(&built).await?;
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let etag = header("etag");
        let retry_after_s = header("retry-after").and_then(|v| v.parse().ok());
        let buffer = JsFuture::from(response.array_buffer().map_err(text)?)
            .await
            .map_err(text)?;
        Ok(HttpResponse {
            status: response.status(),
            etag,
            retry_after_s,
            body: Uint8Array::new(&buffer).to_vec(),
        })
    }
}
