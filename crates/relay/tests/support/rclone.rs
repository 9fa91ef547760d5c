//! Real S3 and WebDAV servers for tests: `rclone serve s3` and `rclone serve webdav` over a
//! fresh temporary directory, on a free loopback port, killed when dropped.
//!
//! The binary is `$HEARTH_RCLONE_BIN`, or else the copy `scripts/setup.sh` installs at
//! `$HOME/.cache/hearth/tools/rclone-1.75.2/rclone`. Without either the tests fail (they never
//! skip): run `scripts/setup.sh`'s `setup_rclone` (any of scripts/test or scripts/run does).
//!
//! Neither server honours conditional requests (`If-None-Match`, `If-Match`); tests that need
//! create-only semantics get them from the relay, never from rclone.

#![allow(dead_code, reason = "not every test binary uses every helper")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The rclone version `scripts/setup.sh` installs.
pub const RCLONE_VERSION: &str = "1.75.2";
/// The access key id `rclone serve s3` accepts.
pub const S3_ACCESS_KEY: &str = "hearthtestaccess";
/// The secret access key `rclone serve s3` accepts.
pub const S3_SECRET_KEY: &str = "hearth-test-secret-key";
/// The one bucket the S3 server starts with (a folder of its directory).
pub const S3_BUCKET: &str = "hearth-test";
/// The region to sign requests for (rclone accepts any).
pub const S3_REGION: &str = "us-east-1";
/// The user name `rclone serve webdav` accepts.
pub const WEBDAV_USER: &str = "hearth";
/// The password `rclone serve webdav` accepts.
pub const WEBDAV_PASS: &str = "hearth-test-password";

/// How long a server may take to answer on its port.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the rclone binary is: `$HEARTH_RCLONE_BIN`, else the set-up script's copy.
///
/// # Panics
///
/// If neither exists, with a message saying to run `scripts/setup.sh`.
pub fn rclone_bin() -> PathBuf {
    let from_env = std::env::var_os("HEARTH_RCLONE_BIN")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let cached = std::env::var_os("HOME").map(|home| {
        PathBuf::from(home).join(format!(
            ".cache/hearth/tools/rclone-{RCLONE_VERSION}/rclone"
        ))
    });
    for candidate in from_env.iter().chain(cached.iter()) {
        if candidate.is_file() {
            return candidate.clone();
        }
    }
    panic!(
        "rclone {RCLONE_VERSION} is needed by this test but was not found \
         (HEARTH_RCLONE_BIN={from_env:?}, default {cached:?}); run scripts/setup.sh \
         (e.g. `bash -c 'source scripts/setup.sh && setup_rclone'`) to install it"
    );
}

/// A running `rclone serve` process over its own temporary directory.
pub struct RcloneServer {
    child: Child,
    /// `127.0.0.1:port` it listens on.
    pub addr: SocketAddr,
    /// The directory it serves (its files are the stored objects).
    dir: tempfile::TempDir,
    /// Its standard error (kept out of the served directory).
    log: tempfile::NamedTempFile,
}

impl RcloneServer {
    /// Its base URL, `http://127.0.0.1:port` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The directory it serves.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// What the server has written to its standard error so far (errors only).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Every regular file under the served directory, as paths relative to it, sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(base, &path, out);
                } else if let Ok(rel) = path.strip_prefix(base) {
                    out.push(rel.to_path_buf());
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root(), self.root(), &mut out);
        out.sort();
        out
    }
}

impl Drop for RcloneServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `rclone serve s3` on a free port, serving bucket [`S3_BUCKET`] (an empty folder).
pub struct RcloneS3 {
    /// The server.
    pub server: RcloneServer,
}

impl RcloneS3 {
    /// The endpoint URL for S3 clients (path-style), `http://127.0.0.1:port`.
    pub fn endpoint(&self) -> String {
        self.server.url()
    }

    /// The bucket name.
    pub fn bucket(&self) -> &'static str {
        S3_BUCKET
    }

    /// The access key id.
    pub fn access_key(&self) -> &'static str {
        S3_ACCESS_KEY
    }

    /// The secret access key.
    pub fn secret_key(&self) -> &'static str {
        S3_SECRET_KEY
    }

    /// The region to sign for.
    pub fn region(&self) -> &'static str {
        S3_REGION
    }

    /// The bucket's folder on disk: object `a/b` is the file `bucket_dir()/a/b`.
    pub fn bucket_dir(&self) -> PathBuf {
        self.server.root().join(S3_BUCKET)
    }

    /// Every stored object's key, sorted (files under the bucket folder).
    pub fn keys(&self) -> Vec<String> {
        let bucket = PathBuf::from(S3_BUCKET);
        self.server
            .files()
            .into_iter()
            .filter_map(|p| {
                p.strip_prefix(&bucket)
                    .ok()
                    .map(|k| k.to_string_lossy().into_owned())
            })
            .collect()
    }
}

/// `rclone serve webdav` on a free port with basic authentication.
pub struct RcloneWebdav {
    /// The server.
    pub server: RcloneServer,
}

impl RcloneWebdav {
    /// The WebDAV root URL, `http://127.0.0.1:port/`.
    pub fn url(&self) -> String {
        format!("{}/", self.server.url())
    }

    /// The user name.
    pub fn user(&self) -> &'static str {
        WEBDAV_USER
    }

    /// The password.
    pub fn pass(&self) -> &'static str {
        WEBDAV_PASS
    }

    /// The served directory on disk: resource `/a/b` is the file `root()/a/b`.
    pub fn root(&self) -> &Path {
        self.server.root()
    }
}

/// Starts `rclone serve s3` over a fresh directory holding the empty bucket [`S3_BUCKET`],
/// accepting [`S3_ACCESS_KEY`]/[`S3_SECRET_KEY`], and waits until it answers.
pub fn start_rclone_s3() -> RcloneS3 {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(S3_BUCKET)).unwrap();
    let auth = format!("{S3_ACCESS_KEY},{S3_SECRET_KEY}");
    let server = start("s3", dir, &["--auth-key", &auth, "--force-path-style=true"]);
    RcloneS3 { server }
}

/// Starts `rclone serve webdav` over a fresh empty directory, accepting
/// [`WEBDAV_USER`]/[`WEBDAV_PASS`], and waits until it answers.
pub fn start_rclone_webdav() -> RcloneWebdav {
    let dir = tempfile::tempdir().unwrap();
    let server = start(
        "webdav",
        dir,
        &["--user", WEBDAV_USER, "--pass", WEBDAV_PASS],
    );
    RcloneWebdav { server }
}

/// A port nobody listens on right now (the small race with other processes is retried).
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn start(kind: &str, dir: tempfile::TempDir, extra: &[&str]) -> RcloneServer {
    let bin = rclone_bin();
    let mut last_error = String::new();
    for _ in 0..5 {
        let addr = free_port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new(&bin)
            .args(["serve", kind])
            .arg(dir.path())
            .args(["--addr", &addr.to_string()])
            .args(extra)
            // No config file, and only errors in the log.
            .args(["--config", "/dev/null", "--log-level", "ERROR"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log.reopen().unwrap()))
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return RcloneServer {
                    child,
                    addr,
                    dir,
                    log,
                };
            }
            if let Ok(Some(exit)) = child.try_wait() {
                let stderr = std::fs::read_to_string(log.path()).unwrap_or_default();
                last_error = format!("rclone serve {kind} exited ({exit}): {stderr}");
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("rclone serve {kind} did not answer on {addr} within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    panic!("could not start rclone serve {kind}: {last_error}");
}
