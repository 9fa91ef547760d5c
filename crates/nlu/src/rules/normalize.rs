//! Text normalisation for the crisis rules.
//!
//! The rules are written against one canonical form so that "I'm", "Im", "i’m" and "IM"
//! all read `i am`, and "k1ll", "kiiiill" and "k*ll" all read `kill`. The steps, in order:
//!
//! 1. Lowercase; Unicode apostrophes and quotes become ASCII; "od'd"/"OD'ing" become
//!    "overdosed"/"overdosing".
//! 2. Apostrophe contractions are expanded (`'m` → ` am`, `n't` → ` not`, `'ll` → ` will`,
//!    `'ve` → ` have`, `'re` → ` are`, `'d` → ` would`); other apostrophes are dropped, so
//!    "mum's" reads `mums`.
//! 3. Sentence ends (`. ! ? ;` and line breaks) become a ` . ` token and commas, colons and
//!    dashes between words become ` , `. Every other character that is not a letter, digit
//!    or one of `* @ $` (kept inside words for leetspeak and censoring) becomes a space.
//!    Emoji and control characters disappear; other scripts are kept as they are.
//! 4. Word by word: leetspeak digits inside a word become letters ("k1ll" → `kill`,
//!    "su1c1de" → `suicide`); a censored word is restored when it fits one of a few
//!    crisis words ("k*ll" → `kill`); runs of three or more of one letter collapse
//!    ("sooo" → `so`, "killll" → `kill`); texting forms are expanded ("im", "dont", "u",
//!    "ur", "wanna", "gonna", "rn", "tn", "tmrw", "idk", "thinkin", ...).
//! 5. Whitespace collapses to single spaces, with no leading or trailing space.
//!
//! The result is ASCII-lowercase words (plus any other scripts) separated by single
//! spaces, with `.` and `,` as separate tokens.

/// The longest input (in characters) that is screened; the rest is ignored. Patient
/// messages are far shorter; this bounds the work for pasted documents.
pub const MAX_CHARS: usize = 100_000;

/// Normalise `text` into the canonical form the rules match against.
pub fn normalize(text: &str) -> String {
    let mut lowered = String::with_capacity(text.len().min(MAX_CHARS * 4));
    for c in text.chars().take(MAX_CHARS) {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '\u{00B4}' | '`' => {
                lowered.push('\'')
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => lowered.push('"'),
            '\u{2013}' | '\u{2014}' | '\u{2015}' => lowered.push_str(" - "),
            '\u{2026}' => lowered.push('.'),
            _ => lowered.extend(c.to_lowercase()),
        }
    }

    let expanded = expand_apostrophes(&lowered);
    let spaced = punctuation_to_tokens(&expanded);

    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<String> = None;
    for raw in spaced.split_whitespace() {
        if raw == "." || raw == "," {
            // Collapse runs of boundaries; a sentence end wins over a comma.
            match out.last().map(String::as_str) {
                Some(".") => {}
                Some(",") if raw == "." => {
                    out.pop();
                    out.push(".".into());
                }
                Some(",") => {}
                None => {}
                _ => out.push(raw.into()),
            }
            prev = Some(raw.into());
            continue;
        }
        let word = normalize_word(raw);
        if word.is_empty() {
            continue;
        }
        let replacement = texting(&word, prev.as_deref());
        prev = Some(word.clone());
        match replacement {
            Some(r) => out.extend(r.split(' ').map(str::to_owned)),
            None => out.push(word),
        }
    }
    while matches!(out.last().map(String::as_str), Some("." | ",")) {
        out.pop();
    }
    out.join(" ")
}

/// Expand contractions written with an apostrophe, then drop the remaining apostrophes.
fn expand_apostrophes(s: &str) -> String {
    if !s.contains('\'') {
        return s.to_owned();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\'' {
            out.push(c);
            i += 1;
            continue;
        }
        let prev_alpha = i > 0 && chars[i - 1].is_alphanumeric();
        let next: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        if !prev_alpha {
            out.push(' ');
            i += 1;
            continue;
        }
        // The word so far (letters before the apostrophe).
        let word_start = out
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric())
            .last()
            .map(|(idx, _)| idx)
            .unwrap_or(out.len());
        let before = out[word_start..].to_owned();
        let tail = match next.as_str() {
            "m" => Some(" am"),
            "ll" => Some(" will"),
            "ve" => Some(" have"),
            "re" => Some(" are"),
            "d" if before == "od" => {
                out.truncate(word_start);
                out.push_str("overdosed");
                i += 2;
                continue;
            }
            "ing" if before == "od" => {
                out.truncate(word_start);
                out.push_str("overdosing");
                i += 4;
                continue;
            }
            "d" => Some(" would"),
            "t" if before.ends_with('n') => {
                // won't → will not, can't → can not, don't → do not, shan't → shall not.
                let stem = &before[..before.len() - 1];
                let stem = match stem {
                    "wo" => "will",
                    "ca" => "can",
                    "sha" => "shall",
                    "ai" => "is",
                    other => other,
                };
                out.truncate(word_start);
                out.push_str(stem);
                out.push_str(" not");
                i += 2;
                continue;
            }
            _ => None,
        };
        match tail {
            Some(t) => {
                out.push_str(t);
                i += 1 + next.chars().count();
            }
            None => {
                // Possessive or unknown: drop the apostrophe and join ("mum's" → "mums").
                i += 1;
            }
        }
    }
    out
}

/// Turn punctuation into boundary tokens or spaces.
fn punctuation_to_tokens(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        match c {
            c if c.is_alphanumeric() => out.push(c),
            '*' | '@' | '$' if prev.is_alphanumeric() || next.is_alphanumeric() => out.push(c),
            // "3.5" stays a number; otherwise a full stop ends a sentence.
            '.' if prev.is_ascii_digit() && next.is_ascii_digit() => out.push('.'),
            '.' | '!' | '?' | ';' | '\n' | '\r' => out.push_str(" . "),
            ',' | ':' => out.push_str(" , "),
            // A dash between spaces is a clause break; inside a word ("self-harm") a space.
            '-' if prev == ' ' && next == ' ' => out.push_str(" , "),
            _ => out.push(' '),
        }
    }
    out
}

/// Leetspeak, censoring and repeated letters, for one word.
fn normalize_word(raw: &str) -> String {
    let mut w = raw
        .trim_matches(|c: char| c == '*' || c == '@' || c == '$')
        .to_owned();
    if w.is_empty() {
        return w;
    }
    if w.contains('*') {
        if let Some(fixed) = uncensor(&w) {
            w = fixed.to_owned();
        } else {
            w = w.replace('*', "");
        }
    }
    w = deleet(&w);
    if has_run_of_three(&w) {
        let one = collapse_runs(&w, 1);
        let two = collapse_runs(&w, 2);
        w = if DOUBLE_LETTER_WORDS.contains(&two.as_str()) {
            two
        } else {
            one
        };
    }
    w
}

/// Digits and symbols inside a word that stand for letters, when letters surround them.
fn deleet(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let has_letter = chars.iter().any(|c| c.is_alphabetic());
    let has_leet = chars
        .iter()
        .any(|c| matches!(c, '0' | '1' | '3' | '4' | '5' | '7' | '@' | '$'));
    if !has_letter || !has_leet {
        return w.replace(['@', '$'], "");
    }
    let mut out = String::with_capacity(w.len());
    for (i, &c) in chars.iter().enumerate() {
        let letter_before = chars[..i].iter().any(|c| c.is_alphabetic());
        let letter_after = chars[i + 1..].iter().any(|c| c.is_alphabetic());
        let mapped = match c {
            '0' => Some('o'),
            '1' => Some('i'),
            '3' => Some('e'),
            '4' => Some('a'),
            '5' => Some('s'),
            '7' => Some('t'),
            '@' => Some('a'),
            '$' => Some('s'),
            _ => None,
        };
        match mapped {
            // Only inside a word: "k1ll" and "su1c1de", not "30mg" or "mp3".
            Some(m) if (letter_before && letter_after) || matches!(c, '@' | '$') => out.push(m),
            Some(_) => out.push(c),
            None => out.push(c),
        }
    }
    out
}

/// Words people censor; a censored word of the same length with matching visible letters
/// is restored ("k*ll" → "kill", "s**cide" → "suicide").
const CENSORABLE: &[&str] = &[
    "kill", "killing", "killed", "suicide", "suicidal", "die", "dead", "dying", "death", "cut",
    "cutting", "unalive", "myself", "self", "harm", "murder", "rape", "hang", "noose", "overdose",
];

fn uncensor(w: &str) -> Option<&'static str> {
    let pattern: Vec<char> = w.chars().collect();
    CENSORABLE.iter().copied().find(|cand| {
        cand.chars().count() == pattern.len()
            && cand
                .chars()
                .zip(pattern.iter())
                .all(|(a, &b)| b == '*' || a == b)
    })
}

fn has_run_of_three(w: &str) -> bool {
    let chars: Vec<char> = w.chars().collect();
    chars
        .windows(3)
        .any(|t| t[0] == t[1] && t[1] == t[2] && t[0].is_alphabetic())
}

/// Collapse runs of three or more identical letters to `keep` letters; doubles stay.
fn collapse_runs(w: &str, keep: usize) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::with_capacity(w.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let n = if run >= 3 && c.is_alphabetic() {
            keep
        } else {
            run
        };
        out.extend(std::iter::repeat_n(c, n));
        i = j;
    }
    out
}

/// Words whose double letter matters; "killlll" collapses to "kill", not "kil".
const DOUBLE_LETTER_WORDS: &[&str] = &[
    "kill", "killing", "killed", "will", "all", "still", "pills", "sleep", "feel", "feeling",
    "need", "sorry", "goodbye", "good", "bleed", "bleeding", "too", "soon", "off", "full", "hell",
    "well", "cutting", "keep", "free", "tomorrow", "really", "stopped", "sleeping",
];

/// Texting forms and dropped-g spellings. Returns the replacement (one or more words).
fn texting(w: &str, prev: Option<&str>) -> Option<&'static str> {
    let r = match w {
        "im" | "iam" => "i am",
        "ive" => "i have",
        "id" => "i would",
        // "ill" is "i will" unless it plainly means unwell ("been ill", "so ill").
        "ill" => {
            let sick_context = matches!(
                prev,
                Some(
                    "been"
                        | "was"
                        | "were"
                        | "am"
                        | "is"
                        | "are"
                        | "be"
                        | "feel"
                        | "feeling"
                        | "felt"
                        | "so"
                        | "very"
                        | "really"
                        | "too"
                        | "mentally"
                        | "seriously"
                        | "terminally"
                        | "critically"
                        | "quite"
                        | "get"
                        | "got"
                        | "getting"
                        | "became"
                        | "fell"
                        | "falling"
                        | "look"
                        | "looks"
                        | "an"
                        | "the"
                )
            );
            if sick_context {
                return None;
            }
            "i will"
        }
        "dont" | "dnt" => "do not",
        "didnt" => "did not",
        "doesnt" => "does not",
        "cant" | "cannot" | "cnt" => "can not",
        "wont" => "will not",
        "wouldnt" => "would not",
        "couldnt" => "could not",
        "shouldnt" => "should not",
        "isnt" => "is not",
        "arent" => "are not",
        "wasnt" => "was not",
        "werent" => "were not",
        "havent" => "have not",
        "hasnt" => "has not",
        "hadnt" => "had not",
        "aint" => "is not",
        "hes" => "he is",
        "shes" => "she is",
        "theyre" => "they are",
        "youre" => "you are",
        "thats" => "that is",
        "whats" => "what is",
        "theres" => "there is",
        "tonights" => "tonight is",
        "todays" => "today is",
        "everythings" => "everything is",
        "whos" => "who is",
        "nobodys" => "nobody is",
        "u" => "you",
        "ur" => "your",
        "wanna" => "want to",
        "gonna" | "finna" => "going to",
        "gotta" => "got to",
        "tryna" => "trying to",
        "bouta" | "boutta" => "about to",
        "imma" | "ima" => "i am going to",
        "rn" => "right now",
        "tn" | "tonite" | "2nite" | "2night" | "tonigh" => "tonight",
        "tmrw" | "tmr" | "tmrow" | "tomoz" | "2moro" | "2morrow" | "tomorow" | "tommorow"
        | "tommorrow" | "2mrw" => "tomorrow",
        "idk" => "i do not know",
        "idc" => "i do not care",
        "ik" => "i know",
        "ngl" | "tbh" | "tbf" => "honestly",
        "fr" | "frfr" => "for real",
        "bc" | "cuz" | "coz" | "cos" | "bcos" | "bcuz" => "because",
        "n" => "and",
        "b4" => "before",
        "4ever" => "forever",
        "abt" | "bout" => "about",
        "tho" => "though",
        "thru" => "through",
        "pls" | "plz" => "please",
        "ppl" => "people",
        "every1" | "evry1" | "evryone" | "everyon" => "everyone",
        "some1" => "someone",
        "any1" => "anyone",
        "no1" | "noone" => "no one",
        "od" => "overdose",
        "myslef" | "mysef" | "myselfe" | "meself" | "myseld" => "myself",
        "selfharm" => "self harm",
        "selfharming" => "self harming",
        "sewerslide" | "sewersliding" => "sewer slide",
        "killin" => "killing",
        "thinkin" => "thinking",
        "doin" => "doing",
        "goin" => "going",
        "cuttin" => "cutting",
        "hurtin" => "hurting",
        "endin" => "ending",
        "feelin" => "feeling",
        "tryin" => "trying",
        "takin" => "taking",
        "plannin" => "planning",
        "jumpin" => "jumping",
        "dyin" => "dying",
        "livin" => "living",
        "wantin" => "wanting",
        "nothin" => "nothing",
        "somethin" => "something",
        "hittin" => "hitting",
        "bleedin" => "bleeding",
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn contractions_and_texting_forms_expand() {
        assert_eq!(normalize("I’m gonna kms tn"), "i am going to kms tonight");
        assert_eq!(normalize("Im done, dont care"), "i am done , do not care");
        assert_eq!(normalize("I won't, I can't"), "i will not , i can not");
        assert_eq!(
            normalize("u wanna know?? ur mum's car"),
            "you want to know . your mums car"
        );
    }

    #[test]
    fn leetspeak_censoring_and_repeats() {
        assert_eq!(normalize("k1ll mys3lf"), "kill myself");
        assert_eq!(normalize("K*LL myself"), "kill myself");
        assert_eq!(normalize("sooooo tired, killlll me"), "so tired , kill me");
        assert_eq!(normalize("took 30 pills"), "took 30 pills");
    }

    #[test]
    fn punctuation_emoji_and_other_scripts() {
        assert_eq!(normalize("self-harm!!! 😔 ok..."), "self harm . ok");
        assert_eq!(normalize("  \u{0007}  "), "");
        assert_eq!(normalize("Привет, мир"), "привет , мир");
        assert_eq!(normalize("i od'd"), "i overdosed");
    }

    #[test]
    fn ill_is_i_will_unless_it_means_unwell() {
        assert_eq!(normalize("ill do it"), "i will do it");
        assert_eq!(normalize("I've been ill"), "i have been ill");
    }
}
