//! The real `hearth-relay` binary on loopback: concurrent writers race for one object name
//! and exactly one wins; SIGTERM shuts it down cleanly, and under load every write it
//! acknowledged is there after a restart; `--s3-bucket`, `--s3-endpoint`,
//! `--s3-region` and the AWS environment put objects in a real S3 server (rclone), and an
//! S3 endpoint that cannot be used stops the relay at start-up with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::rclone::{start_rclone_s3, RcloneS3};

/// Sends one HTTP/1.1 request: the status code and body, or `None` if no complete answer
/// came (the relay is gone or shutting down).
fn try_exchange(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .ok()?;
    stream.write_all(body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, response[split + 4..].to_vec()))
}

/// Sends one HTTP/1.1 request and returns the status code and body.
fn exchange(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, Vec<u8>) {
    try_exchange(addr, method, path, token, body).expect("a complete response")
}

/// Sends one HTTP/1.1 request and returns the status code.
fn request(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> u16 {
    exchange(addr, method, path, token, body).0
}

/// The S3 flags and AWS environment variables that point the binary at `s3`.
fn s3_flags(s3: &RcloneS3) -> (Vec<String>, Vec<(&'static str, &'static str)>) {
    let args = vec![
        "--s3-bucket".into(),
        s3.bucket().into(),
        "--s3-endpoint".into(),
        s3.endpoint(),
        "--s3-region".into(),
        s3.region().into(),
    ];
    let envs = vec![
        ("AWS_ACCESS_KEY_ID", s3.access_key()),
        ("AWS_SECRET_ACCESS_KEY", s3.secret_key()),
    ];
    (args, envs)
}

#[test]
fn concurrent_writers_never_overwrite_each_other() {
    race_then_shut_down(support::start_relay());
}

#[test]
fn concurrent_writers_never_overwrite_each_other_over_s3() {
    // rclone's S3 ignores If-None-Match: the relay's own lock is what keeps one winner.
    let s3 = start_rclone_s3();
    let (args, envs) = s3_flags(&s3);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    race_then_shut_down(support::start_relay_with(&args, &envs));
    let stored = std::fs::read_to_string(
        s3.bucket_dir()
            .join("vaults/race_vault_000000001/objects/same-name"),
    )
    .unwrap();
    assert!(stored.starts_with("writer "), "{stored}");
}

fn race_then_shut_down(mut relay: support::RunningRelay) {
    let addr = relay.addr.clone();
    let vault = "/v1/vaults/race_vault_000000001";
    assert_eq!(request(&addr, "PUT", vault, "tok", b""), 201);
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let body = format!("writer {i}");
                request(
                    &addr,
                    "PUT",
                    &format!("{vault}/objects/same-name"),
                    "tok",
                    body.as_bytes(),
                )
            })
        })
        .collect();
    let mut statuses: Vec<u16> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 412, 412, 412, 412, 412, 412, 412]);

    // SIGTERM: the relay finishes and exits successfully.
    Command::new("kill")
        .arg(relay.child.id().to_string())
        .status()
        .unwrap();
    assert!(relay.child.wait().unwrap().success());
}

#[test]
fn the_s3_flags_and_aws_environment_store_objects_in_the_bucket() {
    let s3 = start_rclone_s3();
    let (args, envs) = s3_flags(&s3);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let relay = support::start_relay_with(&args, &envs);
    let addr = relay.addr.as_str();
    let vault = "/v1/vaults/s3_vault_0000000001";
    assert_eq!(request(addr, "PUT", vault, "tok", b""), 201);
    let object = format!("{vault}/objects/item.0001");
    assert_eq!(request(addr, "PUT", &object, "tok", b"ciphertext"), 201);
    assert_eq!(
        exchange(addr, "GET", &object, "tok", b""),
        (200, b"ciphertext".to_vec())
    );
    // The object is in the bucket, not in the (unused) data directory.
    let at_rest = s3
        .bucket_dir()
        .join("vaults/s3_vault_0000000001/objects/item.0001");
    assert_eq!(std::fs::read(at_rest).unwrap(), b"ciphertext");
}

/// Runs the binary with `args` and `envs`, expecting it to fail at start-up; returns its
/// standard output and standard error.
fn failed_start(args: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-relay"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the relay neither started nor failed within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!status.success(), "it started: {stdout}");
    (stdout, stderr)
}

#[test]
fn an_s3_endpoint_that_cannot_be_used_stops_the_start_up_with_a_clear_message() {
    let keys = [
        ("AWS_ACCESS_KEY_ID", "some-key"),
        ("AWS_SECRET_ACCESS_KEY", "some-secret-value"),
    ];
    // Malformed: refused before anything is contacted.
    let (stdout, stderr) = failed_start(
        &["--s3-bucket", "hearth", "--s3-endpoint", "127.0.0.1:9000"],
        &keys,
    );
    assert!(stdout.is_empty(), "it never listened: {stdout}");
    assert!(
        stderr.contains("the S3 endpoint \"127.0.0.1:9000\" cannot be used"),
        "{stderr}"
    );
    // Unreachable: nothing listens on the port; the bucket check fails, in bounded time.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let (stdout, stderr) = failed_start(
        &[
            "--s3-bucket",
            "hearth",
            "--s3-endpoint",
            &endpoint,
            "--s3-region",
            "eu-central-1",
        ],
        &keys,
    );
    assert!(stdout.is_empty(), "it never listened: {stdout}");
    assert!(
        stderr.contains("the S3 bucket hearth cannot be used"),
        "{stderr}"
    );
    assert!(!stderr.contains("some-secret-value"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
    // Wrong credentials against a real server: also refused at start-up.
    let s3 = start_rclone_s3();
    let (args, _) = s3_flags(&s3);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, stderr) = failed_start(&args, &keys);
    assert!(
        stderr.contains("the S3 bucket hearth-test cannot be used"),
        "{stderr}"
    );
    assert!(!stderr.contains("some-secret-value"), "{stderr}");
}

#[test]
fn help_says_which_guarantees_a_shared_bucket_needs() {
    let output = Command::new(env!("CARGO_BIN_EXE_hearth-relay"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--s3-bucket", "--s3-endpoint", "--s3-region"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("rclone's S3 server does NOT"), "{help}");
    assert!(help.contains("AWS_SECRET_ACCESS_KEY"), "{help}");
}

#[test]
fn every_acknowledged_write_survives_a_shutdown_under_load() {
    let data = tempfile::tempdir().unwrap();
    let (mut relay, addr) = support::spawn_relay(data.path(), &[], &[]);
    let vault = "/v1/vaults/shutdown_vault_00001";
    assert_eq!(request(&addr, "PUT", vault, "tok", b""), 201);
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    let name = format!("w{w}-{n}");
                    let body = format!("writer {w} object {n} ").repeat(64);
                    // Anything but 201 (a refused connection, a cut answer) ends this writer.
                    let path = format!("{vault}/objects/{name}");
                    let answer = try_exchange(&addr, "PUT", &path, "tok", body.as_bytes());
                    if answer.map(|(status, _)| status) != Some(201) {
                        break;
                    }
                    acknowledged.push((name, body));
                }
                acknowledged
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .arg(relay.id().to_string())
        .status()
        .unwrap();
    assert!(relay.wait().unwrap().success(), "a clean exit on SIGTERM");
    let acknowledged: Vec<(String, String)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        acknowledged.len() > 20,
        "the writers were busy: {}",
        acknowledged.len()
    );

    // A new relay over the same directory has every acknowledged object, byte for byte.
    let (mut again, addr) = support::spawn_relay(data.path(), &[], &[]);
    for (name, body) in &acknowledged {
        let (status, bytes) =
            exchange(&addr, "GET", &format!("{vault}/objects/{name}"), "tok", b"");
        assert_eq!(status, 200, "{name} was acknowledged and then lost");
        assert_eq!(bytes, body.as_bytes(), "{name} changed");
    }
    let _ = again.kill();
    let _ = again.wait();
}
