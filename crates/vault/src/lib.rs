//! # hearth-vault — the patient's end-to-end-encrypted vault
//!
//! Pure Rust, no I/O: the key hierarchy, the envelope format and sealing. Filled in by the
//! vault issue.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
