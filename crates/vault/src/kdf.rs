//! Argon2id parameters and the passphrase → KEK derivation.

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::hazmat;
use crate::ids::VaultId;
use crate::secret::{Kek, Passphrase};

/// Length of the Argon2id salt stored in the vault header.
pub const KDF_SALT_LEN: usize = 16;

/// Argon2id cost parameters (version 0x13, 32-byte output).
///
/// Every constructor checks the bounds, and [`crate::VaultHeader::parse`] applies the same
/// check to parameters read from a header — so a forged header cannot make a device run a
/// cheap KDF (to speed up guessing) or an enormous one (to exhaust memory), and the check
/// always happens *before* the KDF runs.
///
/// | parameter | floor | default | ceiling |
/// |---|---|---|---|
/// | memory `m_kib` (KiB) | 19 456 (19 MiB) | 65 536 (64 MiB) | 1 048 576 (1 GiB) |
/// | iterations `t` | 2 | 3 | 10 |
/// | lanes `p` | 1 | 1 | 4 |
///
/// The floor is OWASP's minimum recommendation for Argon2id (m = 19 MiB, t = 2, p = 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    m_kib: u32,
    t: u32,
    p: u32,
}

impl KdfParams {
    /// The parameters new vaults use: m = 64 MiB, t = 3, p = 1.
    pub const DEFAULT: Self = Self {
        m_kib: 65_536,
        t: 3,
        p: 1,
    };

    /// The cheapest parameters accepted: m = 19 MiB, t = 2, p = 1. Tests use them to stay
    /// fast; the app should not.
    pub const MINIMUM: Self = Self {
        m_kib: Self::M_KIB_RANGE.0,
        t: Self::T_RANGE.0,
        p: Self::P_RANGE.0,
    };

    /// Accepted memory cost in KiB, inclusive.
    pub const M_KIB_RANGE: (u32, u32) = (19_456, 1_048_576);
    /// Accepted iteration count, inclusive.
    pub const T_RANGE: (u32, u32) = (2, 10);
    /// Accepted parallelism, inclusive.
    pub const P_RANGE: (u32, u32) = (1, 4);

    /// Checked parameters; see the table above for the bounds.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Result<Self> {
        check("m_kib", m_kib, Self::M_KIB_RANGE)?;
        check("t", t, Self::T_RANGE)?;
        check("p", p, Self::P_RANGE)?;
        Ok(Self { m_kib, t, p })
    }

    /// Memory cost in KiB.
    pub fn m_kib(&self) -> u32 {
        self.m_kib
    }

    /// Number of passes.
    pub fn t(&self) -> u32 {
        self.t
    }

    /// Degree of parallelism (lanes).
    pub fn p(&self) -> u32 {
        self.p
    }

    /// Passphrase → KEK. Argon2id(NFC passphrase, salt, self) gives 32 bytes, which HKDF
    /// binds to the vault: KEK = HKDF-SHA256(ikm = argon2 output, salt = vault id,
    /// info = `"hearth/v1/passphrase-kek"`).
    pub(crate) fn derive_kek(
        &self,
        passphrase: &Passphrase,
        salt: &[u8; KDF_SALT_LEN],
        vault_id: &VaultId,
    ) -> Result<Kek> {
        // Re-checked here so that no path reaches Argon2 with unchecked numbers.
        let params = Self::new(self.m_kib, self.t, self.p)?;
        let mut stretched = Zeroizing::new([0u8; 32]);
        hazmat::argon2id(
            passphrase.as_bytes(),
            salt,
            &[],
            &[],
            params.m_kib,
            params.t,
            params.p,
            &mut *stretched,
        )?;
        let kek = hazmat::derive_key32(
            &*stretched,
            vault_id.as_bytes(),
            &[crate::labels::PASSPHRASE_KEK],
        );
        Ok(Kek::from_bytes(&kek))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn check(name: &'static str, value: u32, (min, max): (u32, u32)) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::KdfParams {
            name,
            value,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn bounds_are_inclusive_and_enforced() {
        assert_eq!(KdfParams::new(19_456, 2, 1).unwrap(), KdfParams::MINIMUM);
        assert_eq!(KdfParams::new(65_536, 3, 1).unwrap(), KdfParams::DEFAULT);
        assert!(KdfParams::new(1_048_576, 10, 4).is_ok());
        for (m, t, p, name) in [
            (19_455, 2, 1, "m_kib"),
            (1_048_577, 2, 1, "m_kib"),
            (0, 2, 1, "m_kib"),
            (19_456, 1, 1, "t"),
            (19_456, 11, 1, "t"),
            (19_456, 2, 0, "p"),
            (19_456, 2, 5, "p"),
        ] {
            match KdfParams::new(m, t, p) {
                Err(Error::KdfParams { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{m} {t} {p}: {other:?}"),
            }
        }
    }

    #[test]
    fn out_of_range_params_never_reach_argon2() {
        // A `KdfParams` built around the checks (as a forged header would try) still fails
        // before any memory is allocated: 4 GiB would abort the test if Argon2 ran.
        let forged = KdfParams {
            m_kib: u32::MAX,
            t: 2,
            p: 1,
        };
        let passphrase = Passphrase::new("x".into()).unwrap();
        let err = forged
            .derive_kek(&passphrase, &[0; 16], &VaultId::from_bytes([1; 16]))
            .unwrap_err();
        assert!(matches!(err, Error::KdfParams { name: "m_kib", .. }));
    }
}
