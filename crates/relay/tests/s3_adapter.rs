//! hearth-sync's S3 adapter (SigV4 presigned URLs) against a real S3-compatible server
//! (`rclone serve s3` with an access key): the conformance suite every store passes, the
//! key layout in the bucket, and bad input (wrong credentials, a server that is gone, an
//! unreadable listing).
//!
//! Without rclone these tests fail with a message saying how to install it; they never skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, reason = "this binary starts no relay")]
mod support;

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use hearth_sync::s3::{presign, uri_encode, PresignRequest};
use hearth_sync::store::conformance::{self, ListingEtags};
use hearth_sync::{
    BlobStore, HeaderWrite, HttpRequest, HttpResponse, HttpTransport, PutOutcome, ReqwestTransport,
    S3Config, S3ConfigError, S3Store, StoreError,
};
use support::rclone::{start_rclone_s3, RcloneS3};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn config_for(s3: &RcloneS3, prefix: &str) -> S3Config {
    S3Config {
        endpoint: s3.endpoint(),
        region: s3.region().to_owned(),
        bucket: s3.bucket().to_owned(),
        prefix: prefix.to_owned(),
        access_key_id: s3.access_key().to_owned(),
        secret_access_key: s3.secret_key().to_owned(),
    }
}

fn store_for(config: S3Config) -> S3Store<ReqwestTransport> {
    S3Store::new(ReqwestTransport::default(), config, now).unwrap()
}

#[tokio::test]
async fn the_s3_adapter_meets_the_blob_store_contract() {
    let s3 = start_rclone_s3();
    let store = store_for(config_for(&s3, "vaults/vault_conformance_0001/"));
    conformance::run_with(&store, ListingEtags::Opaque).await;
}

#[tokio::test]
async fn two_devices_sync_through_s3() {
    let s3 = start_rclone_s3();
    let store = store_for(config_for(&s3, "vaults/vault_two_devices_01/"));
    hearth_sync::engine::suite::run_two_devices(&store).await;
}

#[tokio::test]
async fn the_vault_is_a_header_key_and_object_keys_under_its_prefix() {
    let s3 = start_rclone_s3();
    // No trailing slash: the adapter adds it.
    let store = store_for(config_for(&s3, "vaults/vault_layout_000000001"));
    store
        .put_header(b"head", HeaderWrite::Create)
        .await
        .unwrap();
    assert_eq!(
        store.put_object("obj.1", b"one").await,
        Ok(PutOutcome::Created)
    );
    assert_eq!(
        s3.keys(),
        [
            "vaults/vault_layout_000000001/header",
            "vaults/vault_layout_000000001/objects/obj.1"
        ]
    );
    // A neighbouring vault's objects are not listed, nor keys that are not object names.
    let neighbour = store_for(config_for(&s3, "vaults/vault_layout_000000001x/"));
    neighbour.put_object("obj.0", b"theirs").await.unwrap();
    // (Written through the server: rclone caches its listings, so it would not see files
    // written straight to its disk for a while.)
    for key in ["not valid", "obj.1 copy", "deeper/obj.9"] {
        let key = format!("vaults/vault_layout_000000001/objects/{key}");
        assert_eq!(raw_put(&s3, &key, b"?").await, 200, "{key}");
    }
    for name in ["obj.2", "obj.3"] {
        store.put_object(name, name.as_bytes()).await.unwrap();
    }

    // One at a time: the foreign keys before and between the pages take the adapter extra
    // requests ("deeper/obj.9" and "not valid" sort before "obj.1").
    let counted = S3Store::new(
        Counting::default(),
        config_for(&s3, "vaults/vault_layout_000000001/"),
        now,
    )
    .unwrap();
    let first = counted.list(None, 1).await.unwrap();
    assert_eq!(first.next.as_deref(), Some("obj.1"));
    assert!(counted.transport().requests.get() >= 2, "one request only");
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list(after.as_deref(), 1).await.unwrap();
        assert!(page.objects.len() <= 1);
        names.extend(page.objects.iter().map(|o| (o.name.clone(), o.size)));
        assert!(page.objects.iter().all(|o| o.etag.starts_with('"')));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        names,
        [
            ("obj.1".to_owned(), 3),
            ("obj.2".to_owned(), 5),
            ("obj.3".to_owned(), 5)
        ]
    );
    assert_eq!(
        store.list(Some("a b"), 10).await,
        Err(StoreError::InvalidName("a b".into()))
    );

    // A header changed behind the adapter's back: the etag is of the bytes, whatever the
    // server says, and a write based on the old one is refused.
    let (_, etag) = store.get_header().await.unwrap();
    let other = store_for(config_for(&s3, "vaults/vault_layout_000000001/"));
    let (_, same) = other.get_header().await.unwrap();
    other
        .put_header(b"someone else", HeaderWrite::Replace { etag: same })
        .await
        .unwrap();
    assert_eq!(
        store
            .put_header(b"mine", HeaderWrite::Replace { etag })
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_header().await.unwrap().0,
        b"someone else".to_vec()
    );
}

/// `PUT`s `bytes` at `key` with a presigned URL of our own, past the adapter's name rules.
async fn raw_put(s3: &RcloneS3, key: &str, bytes: &[u8]) -> u16 {
    let endpoint = s3.endpoint();
    let host = endpoint.trim_start_matches("http://");
    let path = format!("/{}/{}", s3.bucket(), uri_encode(key, true));
    let url = presign(&PresignRequest {
        method: "PUT",
        scheme: "http",
        host,
        path: &path,
        query: &[],
        region: s3.region(),
        service: "s3",
        access_key_id: s3.access_key(),
        secret_access_key: s3.secret_key(),
        time: now(),
        expires_s: 60,
    });
    let request = HttpRequest {
        method: "PUT",
        url,
        headers: Vec::new(),
        body: bytes.to_vec(),
    };
    ReqwestTransport::default()
        .send(request)
        .await
        .unwrap()
        .status
}

/// [`ReqwestTransport`], counting requests.
#[derive(Default)]
struct Counting {
    inner: ReqwestTransport,
    requests: Cell<usize>,
}

impl HttpTransport for Counting {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
        self.requests.set(self.requests.get() + 1);
        self.inner.send(request).await
    }
}

#[tokio::test]
async fn wrong_credentials_are_typed_errors() {
    let s3 = start_rclone_s3();
    let owner = store_for(config_for(&s3, "vaults/vault_credentials_0001/"));
    owner.put_object("a", b"x").await.unwrap();

    let wrong_secret = store_for(S3Config {
        secret_access_key: "not-the-secret".into(),
        ..config_for(&s3, "vaults/vault_credentials_0001/")
    });
    let wrong_key = store_for(S3Config {
        access_key_id: "nobody".into(),
        ..config_for(&s3, "vaults/vault_credentials_0001/")
    });
    for store in [&wrong_secret, &wrong_key] {
        assert_eq!(store.get_object("a").await, Err(StoreError::Forbidden));
        assert_eq!(
            store.put_object("b", b"y").await,
            Err(StoreError::Forbidden)
        );
        assert_eq!(store.list(None, 10).await, Err(StoreError::Forbidden));
        assert_eq!(store.get_header().await, Err(StoreError::Forbidden));
        assert!(!store.get_object("a").await.unwrap_err().is_retryable());
    }
    assert_eq!(owner.list(None, 10).await.unwrap().objects.len(), 1);
}

#[tokio::test]
async fn urls_signed_long_ago_have_expired() {
    let s3 = start_rclone_s3();
    let owner = store_for(config_for(&s3, "vaults/vault_expired_000001/"));
    owner.put_object("a", b"x").await.unwrap();
    let late = S3Store::new(
        ReqwestTransport::default(),
        config_for(&s3, "vaults/vault_expired_000001/"),
        || now() - 2 * 3600,
    )
    .unwrap();
    // rclone answers a plain AccessDenied (AWS says "Request has expired", which is read as
    // this device's clock being behind: s3.rs's unit tests).
    assert_eq!(late.get_object("a").await, Err(StoreError::Forbidden));
}

#[tokio::test]
async fn bad_configurations_are_refused_up_front() {
    let s3 = start_rclone_s3();
    let bad_endpoint = S3Config {
        endpoint: "127.0.0.1:9000".into(),
        ..config_for(&s3, "v/")
    };
    assert!(matches!(
        S3Store::new(ReqwestTransport::default(), bad_endpoint, now),
        Err(S3ConfigError::Endpoint(_))
    ));
    let bad_bucket = S3Config {
        bucket: "a/b".into(),
        ..config_for(&s3, "v/")
    };
    assert!(matches!(
        S3Store::new(ReqwestTransport::default(), bad_bucket, now),
        Err(S3ConfigError::Bucket(_))
    ));
    // A bucket that does not exist is not found.
    let missing = store_for(S3Config {
        bucket: "no-such-bucket".into(),
        ..config_for(&s3, "v/")
    });
    assert_eq!(missing.list(None, 10).await, Err(StoreError::NotFound));
    assert_eq!(missing.get_object("a").await, Err(StoreError::NotFound));
}

#[tokio::test]
async fn a_server_that_is_gone_is_a_retryable_error() {
    let s3 = start_rclone_s3();
    let store = store_for(config_for(&s3, "vaults/vault_gone_000000001/"));
    store.put_object("a", b"x").await.unwrap();
    drop(s3);
    for err in [
        store.get_object("a").await.unwrap_err(),
        store.put_object("b", b"x").await.unwrap_err(),
        store.list(None, 10).await.unwrap_err(),
        store.get_header().await.unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(err.is_retryable(), "{err:?}");
    }
}

#[tokio::test]
async fn an_unreadable_listing_is_an_error_not_a_panic() {
    let garbage: [(&str, &'static [u8]); 6] = [
        ("200 OK", b"\x00\xff not xml"),
        ("200 OK", b"{\"objects\":[]}"),
        (
            "200 OK",
            b"<ListBucketResult><Contents><Key>v/objects/a</Key>",
        ),
        (
            "200 OK",
            b"<ListBucketResult><Contents><Key>v/objects/a</Key><Size>-3</Size>\
              </Contents></ListBucketResult>",
        ),
        // Truncated, but never moving on: refused rather than looping forever.
        (
            "200 OK",
            b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        ),
        (
            "500 Internal Server Error",
            b"<Error><Code>InternalError</Code></Error>",
        ),
    ];
    for (status, body) in garbage {
        let store = store_for(S3Config {
            endpoint: format!("http://{}", support::fake_server(status, body, 2)),
            region: "us-east-1".into(),
            bucket: "b".into(),
            prefix: "v/".into(),
            access_key_id: "k".into(),
            secret_access_key: "s".into(),
        });
        let err = store.list(None, 10).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Unavailable(_)),
            "{status}: {err:?}"
        );
    }
}
