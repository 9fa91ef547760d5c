//! JSON text written by the interface.
//!
//! Use these instead of `serde_json::to_string` (and instead of `Display` on a
//! `serde_json::Value` or `Number`) in code the interface runs. serde_json writes floats
//! with a crate of its own: ryu up to 1.0.146 (the version `Cargo.toml` allows), `zmij`
//! from 1.0.147, whose 17 KB table would be the largest single item in the interface's
//! `.wasm`. Here floats are written with Rust's own shortest round-trip formatting, which
//! the interface already carries, so that writer's code stays out (2.5 KB gzipped); whole
//! numbers keep a `.0` (`7.0`), as serde_json writes them. Everything else is serde_json's
//! own output.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io;

/// `value` as compact JSON text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    write(value, Floats(CompactFormatter))
}

/// `value` as indented JSON text (for files a person may open).
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    write(value, Floats(PrettyFormatter::new()))
}

/// A JSON number as text, e.g. to show it.
pub fn number(n: &serde_json::Number) -> String {
    if let Some(whole) = n.as_u64() {
        whole.to_string()
    } else if let Some(whole) = n.as_i64() {
        whole.to_string()
    } else {
        float_text(n.as_f64().unwrap_or_default())
    }
}

fn write<T: Serialize + ?Sized, F: Formatter>(
    value: &T,
    formatter: F,
) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out, formatter,
    ))?;
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// Shortest round-trip text of a finite float, with `.0` on whole numbers.
fn float_text(value: impl std::fmt::Display) -> String {
    let mut text = value.to_string();
    if !text.contains('.') {
        text.push_str(".0");
    }
    text
}

/// A formatter that writes floats itself and leaves the rest to `F`. (serde_json writes
/// `null` for NaN and infinities before it gets here.)
struct Floats<F>(F);

impl<F: Formatter> Formatter for Floats<F> {
    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(float_text(value).as_bytes())
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(float_text(value).as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        let value = serde_json::json!({
            "hours": 6.5_f32, "whole": 7.0_f32, "third": 1.0_f64 / 3.0, "small": 1e-7_f64,
            "tiny": f32::MIN_POSITIVE, "n": 3, "neg": -2, "text": "a \"quote\"", "none": null,
            "list": [0.1_f32, 2.5_f64, 100.0_f64], "nan": f64::NAN,
        });
        let ours = to_string(&value).unwrap();
        let back: serde_json::Value = serde_json::from_str(&ours).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(&serde_json::to_string(&value).unwrap())
                .unwrap()
        );
        assert!(
            ours.contains("\"hours\":6.5") && ours.contains("\"whole\":7.0"),
            "{ours}"
        );
        let pretty = to_string_pretty(&value).unwrap();
        assert!(pretty.contains("\n  \"hours\": 6.5"), "{pretty}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
            back
        );
        #[derive(Serialize)]
        struct Sleep {
            hours: Option<f32>,
        }
        assert_eq!(
            to_string(&Sleep { hours: Some(7.3) }).unwrap(),
            serde_json::to_string(&Sleep { hours: Some(7.3) }).unwrap()
        );
    }

    #[test]
    fn numbers_read_as_written() {
        for text in ["3", "-2", "6.5", "7.0", "0.1"] {
            let n: serde_json::Number = serde_json::from_str(text).unwrap();
            assert_eq!(number(&n), text);
        }
    }
}
