//! The crisis lines shown by the crisis button, compiled into the widget so they work with
//! no network and no model.
//!
//! Source: `shared/clinical/instruments.md`, "Crisis lines used as defaults", carried over
//! exactly. The clinic's own list (from its configuration) is shown before these.

/// One way to reach help: a label and a `tel:` or `sms:` link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    /// What the patient reads, e.g. "Call 988".
    pub label: &'static str,
    /// The link that starts the call or message, e.g. `tel:988`.
    pub href: &'static str,
}

/// A crisis service in one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrisisLine {
    /// The region's name.
    pub region: &'static str,
    /// ISO 3166 codes of the countries it serves, upper case.
    pub countries: &'static [&'static str],
    /// The service's name.
    pub service: &'static str,
    /// How to reach it.
    pub actions: &'static [Action],
    /// The emergency number for the region, as a link.
    pub emergency: Action,
}

/// The default crisis lines, in the order shown when the locale says nothing more specific.
pub const DEFAULT_LINES: [CrisisLine; 7] = [
    CrisisLine {
        region: "United States",
        countries: &["US"],
        service: "988 Suicide & Crisis Lifeline (call, text or chat); Crisis Text Line (text HOME to 741741)",
        actions: &[
            Action { label: "Call 988", href: "tel:988" },
            Action { label: "Text 988", href: "sms:988" },
            Action { label: "Text HOME to 741741", href: "sms:741741" },
        ],
        emergency: Action { label: "Emergency: 911", href: "tel:911" },
    },
    CrisisLine {
        region: "Canada",
        countries: &["CA"],
        service: "9-8-8 Suicide Crisis Helpline (call or text)",
        actions: &[
            Action { label: "Call 988", href: "tel:988" },
            Action { label: "Text 988", href: "sms:988" },
        ],
        emergency: Action { label: "Emergency: 911", href: "tel:911" },
    },
    CrisisLine {
        region: "United Kingdom",
        countries: &["GB", "UK"],
        service: "Samaritans (free, 24/7)",
        actions: &[Action { label: "Call 116 123", href: "tel:116123" }],
        emergency: Action { label: "Emergency: 999", href: "tel:999" },
    },
    CrisisLine {
        region: "Ireland",
        countries: &["IE"],
        service: "Samaritans (free, 24/7)",
        actions: &[Action { label: "Call 116 123", href: "tel:116123" }],
        emergency: Action { label: "Emergency: 112 or 999", href: "tel:112" },
    },
    CrisisLine {
        region: "Australia",
        countries: &["AU"],
        service: "Lifeline",
        actions: &[
            Action { label: "Call 13 11 14", href: "tel:131114" },
            Action { label: "Text 0477 13 11 14", href: "sms:0477131114" },
        ],
        emergency: Action { label: "Emergency: 000", href: "tel:000" },
    },
    CrisisLine {
        region: "New Zealand",
        countries: &["NZ"],
        service: "1737 (call or text)",
        actions: &[
            Action { label: "Call 1737", href: "tel:1737" },
            Action { label: "Text 1737", href: "sms:1737" },
        ],
        emergency: Action { label: "Emergency: 111", href: "tel:111" },
    },
    CrisisLine {
        region: "European Union",
        countries: &[
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IT",
            "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
        ],
        service: "Emergency services",
        actions: &[],
        emergency: Action { label: "Emergency: 112", href: "tel:112" },
    },
];

/// The default lines ordered for a BCP 47 locale such as `en-GB`: the lines serving the
/// locale's country first, then the rest in their usual order. Nothing is ever left out.
pub fn lines_for_locale(locale: &str) -> Vec<CrisisLine> {
    let country = locale
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    let serves = |line: &CrisisLine| {
        country
            .as_deref()
            .is_some_and(|c| line.countries.contains(&c))
    };
    let mut lines: Vec<CrisisLine> = DEFAULT_LINES.iter().copied().filter(serves).collect();
    lines.extend(DEFAULT_LINES.iter().copied().filter(|l| !serves(l)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patients_country_comes_first_and_nothing_is_dropped() {
        let gb = lines_for_locale("en-GB");
        assert_eq!(gb[0].region, "United Kingdom");
        assert_eq!(gb.len(), DEFAULT_LINES.len());
        assert_eq!(lines_for_locale("en-au")[0].region, "Australia");
        assert_eq!(lines_for_locale("fr-Latn-CA")[0].region, "Canada");
        assert_eq!(lines_for_locale("en")[0].region, "United States");
        assert_eq!(lines_for_locale("")[0].region, "United States");
    }

    #[test]
    fn every_line_has_a_working_link() {
        for line in DEFAULT_LINES {
            assert!(line.emergency.href.starts_with("tel:"), "{}", line.region);
            for action in line.actions.iter().chain([&line.emergency]) {
                let number = action.href.split_once(':').map(|(_, n)| n).unwrap_or("");
                assert!(!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()));
            }
        }
    }
}
