//! The v1 API, request by request, as the table in DESIGN.md section 4 gives it — twice:
//! every test runs once over a local data directory (`local::…`) and once over the
//! relay's S3 backend talking to a real `rclone serve s3` (`s3::…`). Tests that look at
//! what is stored read the data directory, or rclone's directory behind the bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use support::rclone::{start_rclone_s3, RcloneS3};
use tower::ServiceExt;

const VAULT: &str = "vault_0123456789abcdef";
const OTHER: &str = "vault_fedcba9876543210";
const CLINIC: &str = "clinic_riverside_0001";
const OTHER_CLINIC: &str = "clinic_lakeside_00002";
const TOKEN: &str = "token-of-the-vault";

/// Where a test's relay stores objects.
#[derive(Debug, Clone, Copy)]
enum Backend {
    /// A fresh local data directory.
    Local,
    /// A fresh bucket of a real `rclone serve s3`, through the relay's S3 backend.
    S3,
}

/// The storage behind a relay, kept alive as long as the relay.
enum Storage {
    Local(tempfile::TempDir),
    S3(RcloneS3),
}

impl Storage {
    /// The directory where the store's keys are files (`vaults/{vault}/token`, …).
    fn root(&self) -> PathBuf {
        match self {
            Storage::Local(dir) => dir.path().join("data"),
            Storage::S3(s3) => s3.bucket_dir(),
        }
    }
}

struct Relay {
    storage: Storage,
    app: Router,
}

/// S3 settings for the relay: the rclone bucket, endpoint and keys.
fn s3_config(s3: &RcloneS3) -> hearth_relay::S3Config {
    hearth_relay::S3Config {
        bucket: s3.bucket().into(),
        endpoint: Some(s3.endpoint()),
        region: Some(s3.region().into()),
        access_key_id: Some(s3.access_key().into()),
        secret_access_key: Some(s3.secret_key().into()),
    }
}

async fn relay_with(backend: Backend, configure: impl FnOnce(&mut hearth_relay::Config)) -> Relay {
    let mut config = hearth_relay::Config {
        requests_per_second: 0,
        ..Default::default()
    };
    let storage = match backend {
        Backend::Local => {
            let dir = tempfile::tempdir().unwrap();
            config.data_dir = dir.path().join("data");
            Storage::Local(dir)
        }
        Backend::S3 => {
            let s3 = start_rclone_s3();
            config.s3 = Some(s3_config(&s3));
            Storage::S3(s3)
        }
    };
    configure(&mut config);
    hearth_relay::prepare(&config).unwrap();
    // As the binary does: open (and, for S3, check) the store, then build the app on it.
    let store = hearth_relay::open_store(&config).await.unwrap();
    let app = hearth_relay::app_with_store(&config, store).unwrap();
    Relay { storage, app }
}

async fn relay(backend: Backend) -> Relay {
    relay_with(backend, |_| {}).await
}

/// Every regular file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Instantiates each test body (an `async fn(Backend)`) as `local::name` and `s3::name`.
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        /// The suite over a local data directory.
        mod local {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Backend::Local).await;
                }
            )+
        }
        /// The suite over S3 (a real `rclone serve s3`).
        mod s3 {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::Backend::S3).await;
                }
            )+
        }
    };
}

on_both_backends!(
    registration_binds_a_vault_to_its_first_token,
    the_relay_stores_only_a_hash_of_the_token,
    every_authenticated_route_checks_the_token,
    the_header_is_replaced_only_by_compare_and_set,
    objects_are_create_only_and_identical_retries_are_harmless,
    size_limits_and_the_vault_quota_are_enforced,
    listing_pages_through_objects_in_name_order,
    listing_defaults_to_a_hundred_objects,
    erasing_a_vault_leaves_nothing_and_forgets_it,
    the_clinic_inbox_takes_drops_without_a_token_and_reads_only_with_one,
    a_clinic_inbox_is_registered_like_a_vault,
    a_client_over_the_rate_limit_is_told_when_to_retry,
    cors_is_granted_only_to_allowed_origins,
);

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

async fn registration_binds_a_vault_to_its_first_token(backend: Backend) {
    let relay = relay(backend).await;
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

async fn the_relay_stores_only_a_hash_of_the_token(backend: Backend) {
    let relay = relay(backend).await;
    relay.registered().await;
    // Look at the bytes at rest: the data directory, or the directory behind the bucket.
    let root = relay.storage.root();
    let stored = std::fs::read_to_string(root.join(format!("vaults/{VAULT}/token"))).unwrap();
    assert!(!stored.contains(TOKEN));
    assert_eq!(format!("\"{stored}\""), sha256_etag(TOKEN.as_bytes()));
    for file in files_under(&root) {
        let bytes = std::fs::read(root.join(&file)).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "{file} holds the token"
        );
    }
}

async fn every_authenticated_route_checks_the_token(backend: Backend) {
    let relay = relay(backend).await;
    relay.registered().await;
    assert_eq!(
        relay
            .send("PUT", &format!("/v1/inbox/{CLINIC}"), Some(TOKEN), &[], b"")
            .await
            .status,
        StatusCode::CREATED
    );
    let routes = [
        ("PUT", format!("/v1/vaults/{VAULT}/header")),
        ("PUT", format!("/v1/vaults/{VAULT}/objects/a.b")),
        ("GET", format!("/v1/vaults/{VAULT}/objects/a.b")),
        ("GET", format!("/v1/vaults/{VAULT}/objects")),
        ("DELETE", format!("/v1/vaults/{VAULT}")),
        ("GET", format!("/v1/inbox/{CLINIC}/items")),
        ("GET", format!("/v1/inbox/{CLINIC}/items/a.b")),
        ("DELETE", format!("/v1/inbox/{CLINIC}/items/a.b")),
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
        let unknown = uri.replace(VAULT, OTHER).replace(CLINIC, OTHER_CLINIC);
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

async fn the_header_is_replaced_only_by_compare_and_set(backend: Backend) {
    let relay = relay(backend).await;
    relay.registered().await;
    let uri = format!("/v1/vaults/{VAULT}/header");
    assert_eq!(
        relay.send("GET", &uri, None, &[], b"").await.status,
        StatusCode::NOT_FOUND,
        "no header yet"
    );
    assert_eq!(
        relay
            .send("GET", &format!("/v1/vaults/{OTHER}/header"), None, &[], b"")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no such vault"
    );
    assert_eq!(
        relay
            .send("GET", "/v1/vaults/bad.id/header", None, &[], b"")
            .await
            .status,
        StatusCode::BAD_REQUEST
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

async fn objects_are_create_only_and_identical_retries_are_harmless(backend: Backend) {
    let relay = relay(backend).await;
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

async fn size_limits_and_the_vault_quota_are_enforced(backend: Backend) {
    let relay = relay_with(backend, |c| {
        c.max_object_bytes = 10;
        c.vault_quota_bytes = Some(15);
        c.inbox_quota_bytes = Some(25);
    })
    .await;
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
    // The header obeys the object size limit too.
    assert_eq!(
        relay
            .send(
                "PUT",
                &format!("/v1/vaults/{VAULT}/header"),
                Some(TOKEN),
                &[("if-none-match", "*")],
                b"01234567890"
            )
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // So do items dropped in a clinic's inbox.
    relay
        .send(
            "PUT",
            &format!("/v1/inbox/{CLINIC}"),
            Some("clinic"),
            &[],
            b"",
        )
        .await;
    let item = format!("/v1/inbox/{CLINIC}/items/share.big");
    assert_eq!(
        relay
            .send("PUT", &item, None, &[], b"01234567890")
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        relay
            .send("PUT", &item, None, &[], b"0123456789")
            .await
            .status,
        StatusCode::CREATED
    );
    // Anyone may post to an inbox, so it has a quota too: a flood stops there, and the
    // clinic makes room by deleting what it has read.
    let drop = |name: &'static str| {
        let relay = &relay;
        async move {
            relay
                .send(
                    "PUT",
                    &format!("/v1/inbox/{CLINIC}/items/{name}"),
                    None,
                    &[],
                    b"0123456789",
                )
                .await
                .status
        }
    };
    assert_eq!(drop("second").await, StatusCode::CREATED);
    assert_eq!(drop("third").await, StatusCode::INSUFFICIENT_STORAGE);
    let read = relay
        .send("DELETE", &item, Some("clinic"), &[], b"")
        .await
        .status;
    assert_eq!(read, StatusCode::NO_CONTENT);
    assert_eq!(drop("third").await, StatusCode::CREATED);
}

async fn listing_pages_through_objects_in_name_order(backend: Backend) {
    let relay = relay(backend).await;
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
    let whole = page("?limit=1000").await;
    assert_eq!(whole["objects"].as_array().unwrap().len(), 5);
    for limit in ["0", "1001", "many"] {
        let status = relay
            .send(
                "GET",
                &format!("/v1/vaults/{VAULT}/objects?limit={limit}"),
                Some(TOKEN),
                &[],
                b"",
            )
            .await
            .status;
        assert_eq!(status, StatusCode::BAD_REQUEST, "limit={limit}");
    }
}

async fn listing_defaults_to_a_hundred_objects(backend: Backend) {
    let relay = relay(backend).await;
    relay.registered().await;
    for i in 0..101 {
        let status = relay
            .send(
                "PUT",
                &format!("/v1/vaults/{VAULT}/objects/n{i:03}"),
                Some(TOKEN),
                &[],
                b"x",
            )
            .await
            .status;
        assert_eq!(status, StatusCode::CREATED);
    }
    let uri = format!("/v1/vaults/{VAULT}/objects");
    let answer = relay.send("GET", &uri, Some(TOKEN), &[], b"").await;
    assert_eq!(answer.status, StatusCode::OK);
    let first: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(first["objects"].as_array().unwrap().len(), 100);
    assert_eq!(first["next"], "n099");
    let answer = relay
        .send("GET", &format!("{uri}?after=n099"), Some(TOKEN), &[], b"")
        .await;
    let rest: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(rest["objects"][0]["name"], "n100");
    assert!(rest["next"].is_null());
}

async fn erasing_a_vault_leaves_nothing_and_forgets_it(backend: Backend) {
    let relay = relay(backend).await;
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
    let left = files_under(&relay.storage.root().join(format!("vaults/{VAULT}")));
    assert!(left.is_empty(), "still stored after erase: {left:?}");
    // The name can be registered afresh, by anyone.
    assert_eq!(
        relay
            .send("PUT", &format!("/v1/vaults/{VAULT}"), Some("new"), &[], b"")
            .await
            .status,
        StatusCode::CREATED
    );
}

async fn the_clinic_inbox_takes_drops_without_a_token_and_reads_only_with_one(backend: Backend) {
    let relay = relay(backend).await;
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
    assert_eq!(
        relay
            .send("DELETE", &item, Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::NOT_FOUND,
        "already deleted"
    );
    let items = relay.storage.root().join(format!("inbox/{CLINIC}/items"));
    assert!(
        files_under(&items).is_empty(),
        "the deleted item is gone at rest"
    );
}

async fn a_clinic_inbox_is_registered_like_a_vault(backend: Backend) {
    let relay = relay(backend).await;
    let uri = format!("/v1/inbox/{CLINIC}");
    assert_eq!(
        relay.send("PUT", &uri, None, &[], b"").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        relay
            .send("PUT", &uri, Some("someone-else"), &[], b"")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        relay
            .send("PUT", "/v1/inbox/short", Some("clinic-token"), &[], b"")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        relay
            .send("PUT", "/v1/inbox/short/items/x", None, &[], b"x")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let stored =
        std::fs::read_to_string(relay.storage.root().join(format!("inbox/{CLINIC}/token")))
            .unwrap();
    assert_eq!(format!("\"{stored}\""), sha256_etag(b"clinic-token"));
}

async fn a_client_over_the_rate_limit_is_told_when_to_retry(backend: Backend) {
    let relay = relay_with(backend, |c| c.requests_per_second = 5).await;
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
    // Posting to a clinic inbox, which needs no token, is limited the same way.
    let mut posts = Vec::new();
    for i in 0..8 {
        let uri = format!("/v1/inbox/{CLINIC}/items/flood-{i}");
        posts.push(relay.send("PUT", &uri, None, &[], b"x").await.status);
    }
    assert!(posts.contains(&StatusCode::TOO_MANY_REQUESTS), "{posts:?}");
    // Health checks and pages are not limited.
    assert_eq!(
        relay.send("GET", "/healthz", None, &[], b"").await.status,
        StatusCode::OK
    );
}

async fn cors_is_granted_only_to_allowed_origins(backend: Backend) {
    let relay = relay_with(backend, |c| {
        c.allow_origins = vec!["https://clinic.example".into()]
    })
    .await;
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

/// What the S3 backend does when the bucket is wrong or goes away: typed errors at start-up,
/// 503 per request afterwards, and never a panic.
mod s3_failures {
    use super::*;

    #[tokio::test]
    async fn a_wrong_bucket_or_wrong_credentials_stop_the_start_up_with_a_typed_error() {
        let s3 = start_rclone_s3();
        let config = |change: fn(&mut hearth_relay::S3Config)| {
            let mut s3 = s3_config(&s3);
            change(&mut s3);
            hearth_relay::Config {
                s3: Some(s3),
                ..Default::default()
            }
        };
        for (what, change) in [
            (
                "no such bucket",
                (|c| c.bucket = "no-such-bucket".into()) as fn(&mut hearth_relay::S3Config),
            ),
            ("unknown key", |c| c.access_key_id = Some("nobody".into())),
            ("wrong secret", |c| {
                c.secret_access_key = Some("wrong-secret".into())
            }),
        ] {
            let err = hearth_relay::open_store(&config(change)).await.err();
            let Some(err) = err else {
                panic!("{what}: the store opened");
            };
            assert!(
                matches!(err, hearth_relay::Error::S3Unavailable { .. }),
                "{what}: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains("--s3-bucket"), "{what}: {message}");
            assert!(
                !message.contains(s3.secret_key()) && !message.contains("wrong-secret"),
                "{what}: the message shows a secret: {message}"
            );
        }
        // The right settings open it.
        assert!(hearth_relay::open_store(&config(|_| {})).await.is_ok());
    }

    #[tokio::test]
    async fn a_malformed_endpoint_or_a_missing_bucket_is_refused_before_any_request() {
        for endpoint in ["127.0.0.1:9000", "ftp://127.0.0.1:9000", "http://"] {
            let config = hearth_relay::Config {
                s3: Some(hearth_relay::S3Config {
                    bucket: "b".into(),
                    endpoint: Some(endpoint.into()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let err = hearth_relay::open_store(&config).await.err();
            assert!(
                matches!(err, Some(hearth_relay::Error::S3Endpoint { .. })),
                "{endpoint}: {err:?}"
            );
            assert!(hearth_relay::app(&config).is_err(), "{endpoint}");
        }
        let config = hearth_relay::Config {
            s3: Some(hearth_relay::S3Config::default()),
            ..Default::default()
        };
        assert!(matches!(
            hearth_relay::app(&config),
            Err(hearth_relay::Error::S3Bucket)
        ));
    }

    #[tokio::test]
    async fn requests_answer_503_while_the_bucket_cannot_be_reached() {
        let relay = relay(Backend::S3).await;
        relay.registered().await;
        let object = format!("/v1/vaults/{VAULT}/objects/item.0001");
        assert_eq!(
            relay
                .send("PUT", &object, Some(TOKEN), &[], b"ciphertext")
                .await
                .status,
            StatusCode::CREATED
        );
        // The S3 server goes away under the running relay.
        let Storage::S3(s3) = relay.storage else {
            unreachable!()
        };
        drop(s3);
        let relay = Relay {
            storage: Storage::Local(tempfile::tempdir().unwrap()),
            app: relay.app,
        };
        let started = std::time::Instant::now();
        for (method, uri, token) in [
            ("GET", object.as_str(), Some(TOKEN)),
            ("PUT", object.as_str(), Some(TOKEN)),
            ("GET", &format!("/v1/vaults/{VAULT}/header"), None),
            ("PUT", &format!("/v1/vaults/{VAULT}"), Some(TOKEN)),
        ] {
            let answer = relay.send(method, uri, token, &[], b"ciphertext").await;
            assert_eq!(
                answer.status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{method} {uri}"
            );
            assert!(answer.body.is_empty(), "no internals in the answer");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "failing requests give up in bounded time ({:?})",
            started.elapsed()
        );
        // The health check does not depend on the store.
        assert_eq!(
            relay.send("GET", "/healthz", None, &[], b"").await.status,
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_built_without_the_check_answers_503() {
        // `app` does not contact the store; nothing listens on this port.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = hearth_relay::Config {
            requests_per_second: 0,
            s3: Some(hearth_relay::S3Config {
                bucket: "hearth".into(),
                endpoint: Some(format!("http://127.0.0.1:{port}")),
                access_key_id: Some("key".into()),
                secret_access_key: Some("secret".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let relay = Relay {
            storage: Storage::Local(tempfile::tempdir().unwrap()),
            app: hearth_relay::app(&config).unwrap(),
        };
        let answer = relay
            .send("PUT", &format!("/v1/vaults/{VAULT}"), Some(TOKEN), &[], b"")
            .await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
