//! The v1 API, request by request, as the table in DESIGN.md section 4 gives it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

const VAULT: &str = "vault_0123456789abcdef";
const OTHER: &str = "vault_fedcba9876543210";
const CLINIC: &str = "clinic_riverside_0001";
const TOKEN: &str = "token-of-the-vault";

struct Relay {
    _dir: tempfile::TempDir,
    app: Router,
}

fn relay_with(configure: impl FnOnce(&mut hearth_relay::Config)) -> Relay {
    let dir = tempfile::tempdir().unwrap();
    let mut config = hearth_relay::Config {
        data_dir: dir.path().join("data"),
        requests_per_second: 0,
        ..Default::default()
    };
    configure(&mut config);
    hearth_relay::prepare(&config).unwrap();
    let app = hearth_relay::app(&config).unwrap();
    Relay { _dir: dir, app }
}

fn relay() -> Relay {
    relay_with(|_| {})
}

struct Answer {
    status: StatusCode,
    etag: Option<String>,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl Relay {
    async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(Body::from(body.to_vec())).unwrap())
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        Answer {
            status: response.status(),
            etag: header("etag"),
            retry_after: header("retry-after"),
            body: response
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        }
    }

    async fn registered(&self) {
        let answer = self
            .send("PUT", &format!("/v1/vaults/{VAULT}"), Some(TOKEN), &[], b"")
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
}

fn sha256_etag(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    format!(
        "\"{}\"",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

#[tokio::test]
async fn registration_binds_a_vault_to_its_first_token() {
    let relay = relay();
    let uri = format!("/v1/vaults/{VAULT}");
    assert_eq!(
        relay.send("PUT", &uri, None, &[], b"").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        relay.send("PUT", &uri, Some(TOKEN), &[], b"").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        relay.send("PUT", &uri, Some(TOKEN), &[], b"").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some("intruder"), &[], b"")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for bad in ["short", "has.dot.in.it.0123456", "../../etc/passwd/xxxxxxx"] {
        let status = relay
            .send("PUT", &format!("/v1/vaults/{bad}"), Some(TOKEN), &[], b"")
            .await
            .status;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{bad}: {status}"
        );
    }
}

#[tokio::test]
async fn the_relay_stores_only_a_hash_of_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = hearth_relay::Config {
        data_dir: dir.path().to_path_buf(),
        requests_per_second: 0,
        ..Default::default()
    };
    hearth_relay::prepare(&config).unwrap();
    let relay = Relay {
        app: hearth_relay::app(&config).unwrap(),
        _dir: tempfile::tempdir().unwrap(),
    };
    relay.registered().await;
    let stored = std::fs::read_to_string(dir.path().join(format!("vaults/{VAULT}/token"))).unwrap();
    assert!(!stored.contains(TOKEN));
    assert_eq!(format!("\"{stored}\""), sha256_etag(TOKEN.as_bytes()));
}

#[tokio::test]
async fn every_authenticated_route_checks_the_token() {
    let relay = relay();
    relay.registered().await;
    let routes = [
        ("PUT", format!("/v1/vaults/{VAULT}/header")),
        ("PUT", format!("/v1/vaults/{VAULT}/objects/a.b")),
        ("GET", format!("/v1/vaults/{VAULT}/objects/a.b")),
        ("GET", format!("/v1/vaults/{VAULT}/objects")),
        ("DELETE", format!("/v1/vaults/{VAULT}")),
    ];
    for (method, uri) in &routes {
        assert_eq!(
            relay.send(method, uri, None, &[], b"x").await.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri}"
        );
        assert_eq!(
            relay
                .send(method, uri, Some("wrong"), &[], b"x")
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{method} {uri}"
        );
        let unknown = uri.replace(VAULT, OTHER);
        assert_eq!(
            relay
                .send(method, &unknown, Some(TOKEN), &[], b"x")
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{method} {unknown}"
        );
    }
}

#[tokio::test]
async fn the_header_is_replaced_only_by_compare_and_set() {
    let relay = relay();
    relay.registered().await;
    let uri = format!("/v1/vaults/{VAULT}/header");
    assert_eq!(
        relay.send("GET", &uri, None, &[], b"").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some(TOKEN), &[], b"h1")
            .await
            .status,
        StatusCode::PRECONDITION_REQUIRED
    );
    let first = relay
        .send("PUT", &uri, Some(TOKEN), &[("if-none-match", "*")], b"h1")
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.etag.as_deref(), Some(sha256_etag(b"h1").as_str()));
    let again = relay
        .send("PUT", &uri, Some(TOKEN), &[("if-none-match", "*")], b"h1")
        .await;
    assert_eq!(again.status, StatusCode::PRECONDITION_FAILED);
    // A second device reads the header without a token.
    let read = relay.send("GET", &uri, None, &[], b"").await;
    assert_eq!(
        (read.status, read.body.as_slice()),
        (StatusCode::OK, b"h1".as_slice())
    );
    let etag = read.etag.unwrap();
    let stale = relay
        .send(
            "PUT",
            &uri,
            Some(TOKEN),
            &[("if-match", &sha256_etag(b"old"))],
            b"h2",
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let replaced = relay
        .send("PUT", &uri, Some(TOKEN), &[("if-match", &etag)], b"h2")
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(relay.send("GET", &uri, None, &[], b"").await.body, b"h2");
    let lost_race = relay
        .send("PUT", &uri, Some(TOKEN), &[("if-match", &etag)], b"h3")
        .await;
    assert_eq!(
        lost_race.status,
        StatusCode::PRECONDITION_FAILED,
        "the old etag no longer matches"
    );
}

#[tokio::test]
async fn objects_are_create_only_and_identical_retries_are_harmless() {
    let relay = relay();
    relay.registered().await;
    let uri = format!("/v1/vaults/{VAULT}/objects/item.0001");
    let created = relay
        .send("PUT", &uri, Some(TOKEN), &[], b"ciphertext")
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        relay
            .send("PUT", &uri, Some(TOKEN), &[], b"ciphertext")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some(TOKEN), &[], b"different")
            .await
            .status,
        StatusCode::PRECONDITION_FAILED
    );
    let read = relay.send("GET", &uri, Some(TOKEN), &[], b"").await;
    assert_eq!(
        read.body, b"ciphertext",
        "nothing overwrote the first write"
    );
    assert_eq!(
        read.etag.as_deref(),
        Some(sha256_etag(b"ciphertext").as_str())
    );
    let missing = relay
        .send(
            "GET",
            &format!("/v1/vaults/{VAULT}/objects/nope"),
            Some(TOKEN),
            &[],
            b"",
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad_name = relay
        .send(
            "PUT",
            &format!("/v1/vaults/{VAULT}/objects/a%20b"),
            Some(TOKEN),
            &[],
            b"x",
        )
        .await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn size_limits_and_the_vault_quota_are_enforced() {
    let relay = relay_with(|c| {
        c.max_object_bytes = 10;
        c.vault_quota_bytes = Some(15);
    });
    relay.registered().await;
    let put = |name: &'static str, body: &'static [u8]| {
        let relay = &relay;
        async move {
            relay
                .send(
                    "PUT",
                    &format!("/v1/vaults/{VAULT}/objects/{name}"),
                    Some(TOKEN),
                    &[],
                    body,
                )
                .await
                .status
        }
    };
    assert_eq!(
        put("big", b"01234567890").await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(put("a", b"0123456789").await, StatusCode::CREATED);
    assert_eq!(put("b", b"012345").await, StatusCode::INSUFFICIENT_STORAGE);
    assert_eq!(put("c", b"01234").await, StatusCode::CREATED);
}

#[tokio::test]
async fn listing_pages_through_objects_in_name_order() {
    let relay = relay();
    relay.registered().await;
    for name in ["c", "a", "e", "b", "d"] {
        relay
            .send(
                "PUT",
                &format!("/v1/vaults/{VAULT}/objects/{name}"),
                Some(TOKEN),
                &[],
                name.as_bytes(),
            )
            .await;
    }
    let page = |query: &str| {
        let relay = &relay;
        let uri = format!("/v1/vaults/{VAULT}/objects{query}");
        async move {
            let answer = relay.send("GET", &uri, Some(TOKEN), &[], b"").await;
            assert_eq!(answer.status, StatusCode::OK);
            serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap()
        }
    };
    let first = page("?limit=2").await;
    let names: Vec<_> = first["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(first["next"], "b");
    assert_eq!(first["objects"][0]["size"], 1);
    assert_eq!(first["objects"][0]["etag"], sha256_etag(b"a"));
    let rest = page("?after=b&limit=10").await;
    assert_eq!(rest["objects"].as_array().unwrap().len(), 3);
    assert!(rest["next"].is_null());
    let status = relay
        .send(
            "GET",
            &format!("/v1/vaults/{VAULT}/objects?limit=0"),
            Some(TOKEN),
            &[],
            b"",
        )
        .await
        .status;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn erasing_a_vault_leaves_nothing_and_forgets_it() {
    let relay = relay();
    relay.registered().await;
    relay
        .send(
            "PUT",
            &format!("/v1/vaults/{VAULT}/header"),
            Some(TOKEN),
            &[("if-none-match", "*")],
            b"h",
        )
        .await;
    relay
        .send(
            "PUT",
            &format!("/v1/vaults/{VAULT}/objects/x"),
            Some(TOKEN),
            &[],
            b"x",
        )
        .await;
    assert_eq!(
        relay
            .send(
                "DELETE",
                &format!("/v1/vaults/{VAULT}"),
                Some(TOKEN),
                &[],
                b""
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        relay
            .send("GET", &format!("/v1/vaults/{VAULT}/header"), None, &[], b"")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let gone = relay
        .send(
            "GET",
            &format!("/v1/vaults/{VAULT}/objects/x"),
            Some(TOKEN),
            &[],
            b"",
        )
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the vault is unknown now"
    );
    // The name can be registered afresh, by anyone.
    assert_eq!(
        relay
            .send("PUT", &format!("/v1/vaults/{VAULT}"), Some("new"), &[], b"")
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_clinic_inbox_takes_drops_without_a_token_and_reads_only_with_one() {
    let relay = relay();
    let item = format!("/v1/inbox/{CLINIC}/items/share.0001");
    assert_eq!(
        relay.send("PUT", &item, None, &[], b"sealed").await.status,
        StatusCode::NOT_FOUND,
        "unknown clinic"
    );
    assert_eq!(
        relay
            .send(
                "PUT",
                &format!("/v1/inbox/{CLINIC}"),
                Some("clinic-token"),
                &[],
                b""
            )
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        relay.send("PUT", &item, None, &[], b"sealed").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        relay.send("PUT", &item, None, &[], b"sealed").await.status,
        StatusCode::PRECONDITION_FAILED,
        "names are never reused"
    );
    assert_eq!(
        relay.send("GET", &item, None, &[], b"").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        relay
            .send("GET", &item, Some("patient"), &[], b"")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        relay
            .send("GET", &item, Some("clinic-token"), &[], b"")
            .await
            .body,
        b"sealed"
    );
    let list = relay
        .send(
            "GET",
            &format!("/v1/inbox/{CLINIC}/items"),
            Some("clinic-token"),
            &[],
            b"",
        )
        .await;
    assert!(String::from_utf8_lossy(&list.body).contains("share.0001"));
    assert_eq!(
        relay
            .send("DELETE", &item, Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        relay
            .send("GET", &item, Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_client_over_the_rate_limit_is_told_when_to_retry() {
    let relay = relay_with(|c| c.requests_per_second = 5);
    let uri = format!("/v1/vaults/{VAULT}/header");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let answer = relay.send("GET", &uri, None, &[], b"").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.retry_after.as_deref(), Some("1"));
        }
        statuses.push(answer.status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Health checks and pages are not limited.
    assert_eq!(
        relay.send("GET", "/healthz", None, &[], b"").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cors_is_granted_only_to_allowed_origins() {
    let relay = relay_with(|c| c.allow_origins = vec!["https://clinic.example".into()]);
    let uri = format!("/v1/vaults/{VAULT}/header");
    let allowed = relay
        .app
        .clone()
        .oneshot(
            Request::get(&uri)
                .header("origin", "https://clinic.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://clinic.example"
    );
    let refused = relay
        .app
        .clone()
        .oneshot(
            Request::get(&uri)
                .header("origin", "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}
