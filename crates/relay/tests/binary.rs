//! The real `hearth-relay` binary on loopback: concurrent writers race for one object name
//! and exactly one wins; SIGTERM shuts it down cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// Sends one HTTP/1.1 request and returns the status code.
fn request(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn concurrent_writers_never_overwrite_each_other() {
    let mut relay = support::start_relay();
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
