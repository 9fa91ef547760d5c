//! Starting the real `hearth-relay` binary for a test, on a free loopback port; real S3 and
//! WebDAV servers (rclone) in [`rclone`].

pub mod rclone;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A relay process serving a fresh data directory; killed when dropped.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub struct RunningRelay {
    /// The process (tests may signal it themselves).
    pub child: Child,
    /// `host:port` it listens on.
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl RunningRelay {
    /// Its base URL, `http://host:port`.
    #[allow(dead_code, reason = "not every test binary uses every helper")]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with no rate limit and waits for its "listening on" line.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn start_relay() -> RunningRelay {
    start_relay_with(&[], &[])
}

/// Like [`start_relay`], with more arguments and environment variables (the data directory
/// is still a fresh temporary one, used unless the arguments choose S3).
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn start_relay_with(args: &[&str], envs: &[(&str, &str)]) -> RunningRelay {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_relay(dir.path(), args, envs);
    RunningRelay {
        child,
        addr,
        _dir: dir,
    }
}

/// Starts the binary over the data directory `data` (kept by the caller, so a second relay
/// can be started over it) and waits for its "listening on" line: the process and its
/// `host:port`.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn spawn_relay(
    data: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-relay"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--requests-per-second",
            "0",
            "--data",
        ])
        .arg(data)
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("Hearth relay listening on http://"),
        "the relay did not start (exit: {:?})",
        child.try_wait()
    );
    let addr = line
        .trim()
        .trim_start_matches("Hearth relay listening on http://")
        .trim_end_matches('/')
        .to_owned();
    (child, addr)
}

/// A server answering each of its first `count` connections with `status` and `body`
/// (as XML), to feed an adapter a broken answer; its address.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn fake_server(status: &str, body: &'static [u8], count: usize) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { continue };
            // Read the request head (and whatever body came with it) before answering.
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    addr
}
