//! The relay serves the demo clinic site with a strict policy, and answers health checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn site() -> (tempfile::TempDir, hearth_relay::Config) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>clinic</h1>").unwrap();
    std::fs::create_dir(dir.path().join("launcher")).unwrap();
    std::fs::write(dir.path().join("launcher/index.html"), "<h1>launcher</h1>").unwrap();
    let config = hearth_relay::Config {
        static_dir: Some(dir.path().to_path_buf()),
        data_dir: dir.path().join("data"),
        ..Default::default()
    };
    (dir, config)
}

async fn get(
    config: &hearth_relay::Config,
    uri: &str,
) -> (StatusCode, axum::http::HeaderMap, String) {
    hearth_relay::prepare(config).unwrap();
    let response = hearth_relay::app(config)
        .unwrap()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn healthz_answers_ok() {
    let (_dir, config) = site();
    let (status, _, body) = get(&config, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok\n");
}

#[tokio::test]
async fn pages_are_served_with_the_strict_policy() {
    let (_dir, config) = site();
    for (uri, text) in [("/", "clinic"), ("/launcher/", "launcher")] {
        let (status, headers, body) = get(&config, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains(text), "{uri}: {body}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn storage_origins_and_nothing_else_join_connect_src() {
    let (_dir, mut config) = site();
    let (_, headers, _) = get(&config, "/").await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("connect-src 'self';"), "{csp}");
    config.storage_origins = vec![
        "https://dav.clinic.example".into(),
        "http://127.0.0.1:9000".into(),
    ];
    let (_, headers, _) = get(&config, "/").await;
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' https://dav.clinic.example http://127.0.0.1:9000;"),
        "{csp}"
    );
    for bad in [
        "https://dav.example/path",
        "https://dav.example; script-src *",
        "dav.example",
        "ftp://dav.example",
        "https://dav.example:port",
        "*",
    ] {
        config.storage_origins = vec![bad.into()];
        let Err(err) = hearth_relay::app(&config) else {
            panic!("{bad} was accepted");
        };
        assert!(
            matches!(err, hearth_relay::Error::StorageOrigin(ref o) if o == bad),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("--storage-origin"), "{err}");
    }
}

#[tokio::test]
async fn files_outside_the_static_directory_are_not_served() {
    let (dir, config) = site();
    std::fs::write(dir.path().parent().unwrap().join("secret.txt"), "secret").ok();
    for uri in ["/../secret.txt", "/%2e%2e/secret.txt", "/missing.html"] {
        let (status, _, body) = get(&config, uri).await;
        assert_ne!(status, StatusCode::OK, "{uri}");
        assert!(!body.contains("secret"), "{uri}");
    }
}

#[test]
fn a_missing_static_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = hearth_relay::Config {
        static_dir: Some(dir.path().join("dist")),
        data_dir: dir.path().join("data"),
        ..Default::default()
    };
    let err = hearth_relay::prepare(&config).unwrap_err();
    assert!(err.to_string().contains("trunk build"), "{err}");
    assert!(
        dir.path().join("data").is_dir(),
        "the data directory is created first"
    );
}
