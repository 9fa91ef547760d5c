//! A per-client-address request limit for the API: a fixed one-second window, answered with
//! 429 and `Retry-After` when exceeded. Kept in memory; each relay instance counts alone.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Per client address: when its current window started, and requests counted in it.
type Windows = HashMap<Option<IpAddr>, (Instant, u32)>;

/// The limiter's state, shared by every request.
#[derive(Clone)]
pub struct RateLimit {
    per_second: u32,
    windows: Arc<Mutex<Windows>>,
}

impl RateLimit {
    /// Allows `per_second` requests per client address per second (0: no limit).
    pub fn new(per_second: u32) -> Self {
        RateLimit {
            per_second,
            windows: Arc::default(),
        }
    }

    /// Counts one request from `client`; `false` if it is over the limit.
    pub fn allow(&self, client: Option<IpAddr>, now: Instant) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(1));
        }
        let (start, count) = windows.entry(client).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(1) {
            *start = now;
            *count = 0;
        }
        *count += 1;
        *count <= self.per_second
    }
}

/// The middleware: 429 with `Retry-After: 1` past the limit.
pub async fn limit(State(limit): State<RateLimit>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if limit.allow(client, Instant::now()) {
        return next.run(request).await;
    }
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_the_limit_waits_for_the_next_second() {
        let limit = RateLimit::new(3);
        let t0 = Instant::now();
        let me = Some(IpAddr::from([127, 0, 0, 1]));
        assert!((0..3).all(|_| limit.allow(me, t0)));
        assert!(!limit.allow(me, t0));
        assert!(
            limit.allow(Some(IpAddr::from([127, 0, 0, 2])), t0),
            "others are not affected"
        );
        assert!(limit.allow(me, t0 + Duration::from_millis(1001)));
    }
}
