//! A strict cursor over bytes, so that every parser reports truncation the same way.

use crate::error::{Error, Object, Result};

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    object: Object,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], object: Object) -> Self {
        Self {
            bytes,
            pos: 0,
            object,
        }
    }

    /// Fails with [`Error::Truncated`] unless at least `total` bytes exist in all.
    pub(crate) fn require(&self, total: usize) -> Result<()> {
        if self.bytes.len() < total {
            Err(Error::Truncated {
                object: self.object,
                needed: total,
                got: self.bytes.len(),
            })
        } else {
            Ok(())
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.saturating_add(n);
        self.require(end)?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Checks the magic: too few bytes is truncation, other bytes are [`Error::BadMagic`].
    pub(crate) fn magic(&mut self, magic: &[u8; 4]) -> Result<()> {
        if self.take(magic.len())? == magic {
            Ok(())
        } else {
            Err(Error::BadMagic {
                object: self.object,
            })
        }
    }

    /// Checks the format version byte.
    pub(crate) fn version(&mut self, supported: u8) -> Result<()> {
        let version = self.u8()?;
        if version == supported {
            Ok(())
        } else {
            Err(Error::UnsupportedVersion {
                object: self.object,
                version,
            })
        }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Ends parsing: any byte left over is [`Error::TrailingBytes`].
    pub(crate) fn finish(self) -> Result<()> {
        let extra = self.bytes.len() - self.pos;
        if extra == 0 {
            Ok(())
        } else {
            Err(Error::TrailingBytes {
                object: self.object,
                extra,
            })
        }
    }
}
