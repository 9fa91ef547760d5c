//! `hearth-share`: the clinician's half of sharing, on the command line, until the clinician
//! console does it in the browser.
//!
//! ```text
//! hearth-share keygen            prints a new key pair: `secret <base64url>` and `public <base64url>`
//! hearth-share public            reads the secret from HEARTH_CLINICIAN_SECRET, prints the public key
//! hearth-share open FILE...      opens each share (HEARTH_CLINICIAN_SECRET), prints one JSON line
//!                                per file: {"file":..,"kind":..,"plaintext":..} or {"file":..,"error":..}
//! ```
//!
//! The secret travels in an environment variable, never as an argument (arguments are
//! visible to other users of the machine). Exit status: 0 when every share opened, 1 when
//! any did not, 2 for a usage error.

// A command line: its output is the point.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use hearth_vault::{ClinicianKeyPair, Share, ShareKind};

fn usage() -> ExitCode {
    eprintln!(
        "usage: hearth-share keygen | public | open FILE...  (secret in HEARTH_CLINICIAN_SECRET)"
    );
    ExitCode::from(2)
}

fn key_pair() -> Result<ClinicianKeyPair, String> {
    let secret = std::env::var("HEARTH_CLINICIAN_SECRET")
        .map_err(|_| "set HEARTH_CLINICIAN_SECRET to the clinician's secret key".to_owned())?;
    ClinicianKeyPair::from_secret_base64url(secret.trim())
        .map_err(|e| format!("HEARTH_CLINICIAN_SECRET is not a secret key: {e}"))
}

fn kind_name(kind: ShareKind) -> &'static str {
    match kind {
        ShareKind::Entries => "entries",
        ShareKind::Scores => "scores",
        ShareKind::SafetyPlan => "safety_plan",
        ShareKind::Message => "message",
        ShareKind::Alert => "alert",
        _ => "unknown",
    }
}

/// Opens one share file into a JSON line.
fn open_one(pair: &ClinicianKeyPair, file: &str) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read: {e}"))?;
    let share = Share::parse(&bytes).map_err(|e| format!("not a share: {e}"))?;
    let plaintext = pair
        .open(&share)
        .map_err(|e| format!("cannot open (another clinician's key, or altered): {e}"))?;
    let text = String::from_utf8_lossy(plaintext.as_bytes()).into_owned();
    Ok(serde_json::json!({ "file": file, "kind": kind_name(share.kind()), "plaintext": text }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keygen") if args.len() == 1 => match ClinicianKeyPair::generate() {
            Ok(pair) => {
                println!("secret {}", pair.secret_to_base64url().as_str());
                println!("public {}", pair.public_key().to_base64url());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hearth-share: {e}");
                ExitCode::FAILURE
            }
        },
        Some("public") if args.len() == 1 => match key_pair() {
            Ok(pair) => {
                println!("{}", pair.public_key().to_base64url());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hearth-share: {e}");
                ExitCode::from(2)
            }
        },
        Some("open") if args.len() > 1 => {
            let pair = match key_pair() {
                Ok(pair) => pair,
                Err(e) => {
                    eprintln!("hearth-share: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut all_ok = true;
            for file in &args[1..] {
                let line = open_one(&pair, file).unwrap_or_else(|error| {
                    all_ok = false;
                    serde_json::json!({ "file": file, "error": error })
                });
                println!("{line}");
            }
            if all_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => usage(),
    }
}
