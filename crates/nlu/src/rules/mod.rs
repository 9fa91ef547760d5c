//! # The rules layer of the crisis detector
//!
//! [`screen`] reads one piece of patient text and decides a [`Risk`] level with no model
//! at all: it is the layer that still answers offline, with the model file missing or
//! corrupt, and it runs on every message before any assistant reply. No I/O; the patterns
//! are compiled once per process (about 0.1 s natively on first use: call [`warm_up`] at
//! start-up), after which a message takes about 20 µs (median; p90 about 45 µs) natively.
//!
//! ## How a message is read
//!
//! 1. **Normalise** ([`normalize()`]): lowercase, ASCII apostrophes, contractions and
//!    texting forms expanded ("im", "dont", "u", "ur", "wanna", "gonna", "rn", "tn"),
//!    leetspeak inside words ("k1ll"), censored crisis words ("k*ll"), repeated letters
//!    ("sooo"), punctuation reduced to `.` and `,` tokens.
//! 2. **High rules** run on the normalised text. Nothing can suppress a `high` match: not
//!    an idiom, not fiction, not grief, not "that was years ago". A high rule is only as
//!    broad as its own pattern, which includes its negation ("I'm *not* going to do it
//!    tonight") and its own tense ("when I was 17 I took an overdose" is not an overdose
//!    under way). **Safety first: guards never suppress a `high` signal.**
//! 3. **Idioms are neutralised** (see the list below), then the **low and moderate rules**
//!    run on what is left.
//! 4. **Context guards** may then suppress a low or moderate match (each rule says which
//!    guards apply to it).
//! 5. The **highest surviving level wins**; `reasons` lists every rule that fired, highest
//!    level first.
//!
//! ## Reasons (the taxonomy)
//!
//! | reason | level | what it means |
//! |---|---|---|
//! | `rule:explicit-intent` | high | stated intent to act: "I'm going to kill myself", "I'm about to do it", "I've decided", "don't try to stop me"; coded intent ("im gonna kms") |
//! | `rule:plan-means` | high | a plan or the means: saving/stockpiling/counting pills, "I have the rope", "bought a gun … for me", "I have a plan to end it", car engine running in a garage |
//! | `rule:timeline` | high | a time for the act: "tonight's the night", "ctb tonight", "Friday is the day", "set a date", "it's happening tomorrow" |
//! | `rule:attempt-in-progress` | high | an overdose or poisoning taken ("took all my pills", "drank bleach"), self-injury bleeding out, standing on a ledge/roof/bridge with intent |
//! | `rule:goodbye` | high | final acts: letters or notes to everyone, giving away belongings or a pet, goodbyes, "after I'm gone", "so no one finds me", "won't be around after tonight" |
//! | `rule:danger-from-others` | high / moderate | someone is hurting, threatening or trapping the writer now (high: violence under way, a weapon, a threat with the person present); a threat or past violence without immediacy (moderate) |
//! | `rule:harm-others` | high / moderate | intent to harm someone with a weapon, place or time (high); thoughts or urges to harm someone (moderate) |
//! | `rule:suicidal-thoughts` | moderate | active suicidal thoughts: "I keep thinking about killing myself", "suicide is on my mind", "I want to die and I've been thinking about how" |
//! | `rule:coded-slang` | moderate (high with intent or time) | "kms", "kys" aimed at oneself, "unalive", "sewerslide", "ctb", "self delete", "toaster bath" |
//! | `rule:self-harm` | moderate | self-harm that is recent or urged: "cutting again", "I burned myself", "the urge to self harm", "punching walls until my knuckles bleed" |
//! | `rule:passive-wish` | low | a passive wish to be dead: "I want to go to sleep and not wake up", "better off without me", "not be here anymore", "I wish I was dead" |
//! | `rule:hopelessness` | low | hopelessness about living: "what's the point of living", "life isn't worth it", "no reason to stay alive" |
//! | `rule:burden` | low | feeling a burden: "I'm a burden", "taking up space", "the world doesn't need me" |
//!
//! ## Guards (false-alarm protection for `low` and `moderate` only)
//!
//! Reported in [`RuleVerdict::guards`] when they changed the outcome.
//!
//! | guard | suppresses a low/moderate match when the message … |
//! |---|---|
//! | `guard:idiom` | (spans, not messages) "this commute is killing me", "I could murder a pizza", "dying to see", "my boss will kill me", "dead tired", "killed it at work", "to die for", "die of embarrassment", "rather die than", "hang out", "cut down" … are removed before matching |
//! | `guard:fiction-media` | is about a film, book, game, podcast, documentary, news story … (not when the match itself names the writer: "myself", "my life", "kms") |
//! | `guard:grief` | is grief about someone else's death (same exception) |
//! | `guard:someone-else` | is about supporting someone else ("my friend told me she's self harming, how can I support her") (same exception) |
//! | `guard:recovered-history` | places the episode in the past *and* says the writer has recovered ("two years ago I was suicidal, now I'm doing much better"), and nothing says it is current ("again", "yesterday", "lately", "I still want", …) |
//! | `guard:clinical-question` | is an educational or clinical question ("what is passive suicidal ideation?", "for my nursing module", "why does the app ask about suicidal thoughts? I don't have any") |
//! | `guard:joke` | laughs ("lol", "haha", 😂, 🙄) — only for the hyperbole-prone rules: a wish to die ("so hungover I want to die lol") and harm to others ("I want to strangle my flatmates lol") |
//!
//! Negation is part of the rules, not a guard: "I'm not going to kill myself", "I don't
//! have a plan", "I haven't self-harmed since 2016" do not match.

pub mod normalize;
mod patterns;

use std::sync::LazyLock;

use regex::{Regex, RegexSet, RegexSetBuilder};

use crate::Risk;
pub use normalize::normalize;
use patterns::guard;

/// What the rules decided about one piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    /// The highest level any surviving rule signalled ([`Risk::None`] when none fired).
    pub risk: Risk,
    /// Stable reason ids (`rule:...`), highest level first, each once.
    pub reasons: Vec<String>,
    /// Guards (`guard:...`) that suppressed a low or moderate match, or idioms that were
    /// neutralised. For audits; they never lower a `high` verdict.
    pub guards: Vec<String>,
}

impl RuleVerdict {
    /// Whether the crisis card opens (any level but `none`).
    pub fn is_crisis(&self) -> bool {
        self.risk.is_crisis()
    }
}

/// Screen one piece of patient text with the rules alone.
///
/// Deterministic and never panics. Text past [`normalize::MAX_CHARS`] characters is
/// ignored.
pub fn screen(text: &str) -> RuleVerdict {
    ENGINE.screen(text)
}

/// Compile every pattern now, so the first patient message does not pay for it.
pub fn warm_up() {
    LazyLock::force(&ENGINE);
}

/// Patterns that failed to compile (empty in a correct build; checked by the tests). A
/// rule that fails to compile is skipped rather than panicking in the patient's browser.
pub fn pattern_errors() -> Vec<String> {
    ENGINE.errors.clone()
}

const NEGATIONS: &[&str] = &["not", "never", "no", "nor"];
const JOKE_EMOJI: &[char] = &['😂', '🤣', '🙄', '😅', '😆', '😜', '😝', '😛', '🤪', '💀'];

struct Rule {
    id: &'static str,
    level: Risk,
    re: Regex,
    negatable: bool,
    guards: u8,
    needs: Option<Regex>,
    veto: Option<Regex>,
    within: Option<Regex>,
}

struct Guards {
    idioms: Regex,
    media: Regex,
    grief: Regex,
    someone_else: Regex,
    past: Regex,
    recovery: Regex,
    current: Regex,
    clinical_edu: Regex,
    clinical_term: Regex,
    question: Regex,
    asked_denied: Regex,
    joke: Regex,
    self_ref: Regex,
}

struct Engine {
    high: Vec<Rule>,
    high_set: Option<RegexSet>,
    other: Vec<Rule>,
    other_set: Option<RegexSet>,
    guards: Option<Guards>,
    errors: Vec<String>,
}

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::build);

/// Replace `{NAME}` with its fragment (fragments may use other fragments).
fn expand(pattern: &str) -> String {
    let mut out = pattern.to_owned();
    for _ in 0..3 {
        if !out.contains('{') {
            break;
        }
        for (name, body) in patterns::FRAGMENTS {
            let key = format!("{{{name}}}");
            if out.contains(&key) {
                out = out.replace(&key, body);
            }
        }
    }
    out
}

fn compile(pattern: &str, errors: &mut Vec<String>) -> Option<Regex> {
    // ASCII word boundaries and word characters: the normalised text is ASCII for every
    // word the rules care about, and Unicode `\b` would keep the regex engine off its fast
    // DFA path.
    let expanded = expand(pattern)
        .replace(r"\b", r"(?-u:\b)")
        .replace(r"\w", r"(?-u:\w)");
    match Regex::new(&expanded) {
        Ok(re) => Some(re),
        Err(e) => {
            errors.push(format!("{pattern}: {e}"));
            None
        }
    }
}

fn build_set(rules: &[Rule], errors: &mut Vec<String>) -> Option<RegexSet> {
    match RegexSetBuilder::new(rules.iter().map(|r| r.re.as_str()))
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
    {
        Ok(set) => Some(set),
        Err(e) => {
            errors.push(format!("rule set: {e}"));
            None
        }
    }
}

impl Engine {
    fn build() -> Engine {
        let mut errors = Vec::new();
        let mut high = Vec::new();
        let mut other = Vec::new();
        for def in patterns::RULES {
            let Some(re) = compile(def.pattern, &mut errors) else {
                continue;
            };
            let opt =
                |p: Option<&str>, errors: &mut Vec<String>| p.and_then(|p| compile(p, errors));
            let rule = Rule {
                id: def.id,
                level: def.level,
                re,
                negatable: def.negatable,
                // Safety first: a high rule can never be suppressed by a context guard.
                guards: if def.level == Risk::High {
                    guard::NONE
                } else {
                    def.guards
                },
                needs: opt(def.needs, &mut errors),
                veto: opt(def.veto, &mut errors),
                within: opt(def.within, &mut errors),
            };
            if def.level == Risk::High {
                high.push(rule);
            } else {
                other.push(rule);
            }
        }
        let high_set = build_set(&high, &mut errors);
        let other_set = build_set(&other, &mut errors);
        let mut g = |p: &str| compile(p, &mut errors);
        let guards = (|| {
            Some(Guards {
                idioms: g(patterns::IDIOMS)?,
                media: g(patterns::GUARD_MEDIA)?,
                grief: g(patterns::GUARD_GRIEF)?,
                someone_else: g(patterns::GUARD_SOMEONE_ELSE)?,
                past: g(patterns::GUARD_PAST)?,
                recovery: g(patterns::GUARD_RECOVERY)?,
                current: g(patterns::GUARD_CURRENT)?,
                clinical_edu: g(patterns::GUARD_CLINICAL_EDU)?,
                clinical_term: g(patterns::GUARD_CLINICAL_TERM)?,
                question: g(patterns::GUARD_QUESTION)?,
                asked_denied: g(patterns::GUARD_ASKED_DENIED)?,
                joke: g(patterns::GUARD_JOKE)?,
                self_ref: g(patterns::SELF_REF)?,
            })
        })();
        Engine {
            high,
            high_set,
            other,
            other_set,
            guards,
            errors,
        }
    }

    fn screen(&self, text: &str) -> RuleVerdict {
        let norm = normalize(text);
        let mut fired: Vec<(Risk, usize, &'static str)> = Vec::new();
        let mut guards_used: Vec<&'static str> = Vec::new();

        // High rules: the full normalised text; never guarded.
        for (i, rule) in candidates(&self.high, self.high_set.as_ref(), &norm) {
            if rule_fires(rule, &norm) {
                fired.push((rule.level, i, rule.id));
            }
        }

        // Low and moderate rules: idioms neutralised first, then context guards.
        let stripped = match &self.guards {
            Some(g) if g.idioms.is_match(&norm) => {
                guards_used.push("guard:idiom");
                g.idioms.replace_all(&norm, " ~ ").into_owned()
            }
            _ => norm.clone(),
        };
        let mut context: Option<Context> = None;
        for (i, rule) in candidates(&self.other, self.other_set.as_ref(), &stripped) {
            let Some(matched) = first_firing_match(rule, &stripped) else {
                continue;
            };
            if let Some(g) = &self.guards {
                let ctx = context.get_or_insert_with(|| Context::new(g, text, &norm));
                if let Some(by) = ctx.suppressor(g, rule.guards, matched) {
                    if !guards_used.contains(&by) {
                        guards_used.push(by);
                    }
                    continue;
                }
            }
            fired.push((rule.level, self.high.len() + i, rule.id));
        }

        fired.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let risk = fired.first().map_or(Risk::None, |f| f.0);
        let mut reasons: Vec<String> = Vec::new();
        for (_, _, id) in fired {
            if !reasons.iter().any(|r| r == id) {
                reasons.push(id.to_owned());
            }
        }
        // Guards that changed nothing are not worth reporting, except idioms.
        if risk == Risk::High {
            guards_used.retain(|g| *g == "guard:idiom");
        }
        RuleVerdict {
            risk,
            reasons,
            guards: guards_used.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// The rules whose pattern matches somewhere (a `RegexSet` pass when available).
fn candidates<'a>(rules: &'a [Rule], set: Option<&RegexSet>, text: &str) -> Vec<(usize, &'a Rule)> {
    match set {
        Some(set) => set
            .matches(text)
            .into_iter()
            .map(|i| (i, &rules[i]))
            .collect(),
        None => rules.iter().enumerate().collect(),
    }
}

fn rule_fires(rule: &Rule, text: &str) -> bool {
    first_firing_match(rule, text).is_some()
}

/// The first match of `rule` in `text` that survives its negation, veto, `within` and
/// `needs` conditions.
fn first_firing_match<'t>(rule: &Rule, text: &'t str) -> Option<&'t str> {
    if let Some(needs) = &rule.needs {
        if !needs.is_match(text) {
            return None;
        }
    }
    rule.re.find_iter(text).find_map(|m| {
        if rule.negatable && negated(text, m.start(), m.end()) {
            return None;
        }
        if let Some(within) = &rule.within {
            if !within.is_match(m.as_str()) {
                return None;
            }
        }
        if let Some(veto) = &rule.veto {
            if veto.is_match(clause_of(text, m.start(), m.end())) {
                return None;
            }
        }
        Some(m.as_str())
    })
}

/// A negation inside the match, or among the three words before it in the same clause.
fn negated(text: &str, start: usize, end: usize) -> bool {
    let inside = text[start..end].split(' ').any(|w| NEGATIONS.contains(&w));
    let before = text[..start]
        .split(' ')
        .rev()
        .filter(|w| !w.is_empty())
        .take_while(|w| *w != "." && *w != ",")
        .take(3)
        .any(|w| NEGATIONS.contains(&w));
    inside || before
}

/// The clause (between `.` and `,` tokens) holding the span.
fn clause_of(text: &str, start: usize, end: usize) -> &str {
    let from = text[..start].rfind([',', '.']).map_or(0, |i| i + 1);
    let to = text[end..].find([',', '.']).map_or(text.len(), |i| end + i);
    text[from..to].trim()
}

/// Message-level guard cues, computed once per message when a low/moderate rule fires.
struct Context {
    media: bool,
    grief: bool,
    someone_else: bool,
    recovered: bool,
    clinical: bool,
    joke: bool,
}

impl Context {
    fn new(g: &Guards, raw: &str, norm: &str) -> Context {
        let recovered =
            g.past.is_match(norm) && g.recovery.is_match(norm) && !g.current.is_match(norm);
        let clinical = g.clinical_edu.is_match(norm)
            || (g.clinical_term.is_match(norm) && g.question.is_match(norm))
            || g.asked_denied.is_match(norm);
        Context {
            media: g.media.is_match(norm),
            grief: g.grief.is_match(norm),
            someone_else: g.someone_else.is_match(norm),
            recovered,
            clinical,
            joke: g.joke.is_match(norm) || raw.chars().any(|c| JOKE_EMOJI.contains(&c)),
        }
    }

    /// The guard that suppresses this match, if any.
    fn suppressor(&self, g: &Guards, allowed: u8, matched: &str) -> Option<&'static str> {
        let about_self = g.self_ref.is_match(matched);
        let on = |flag: u8| allowed & flag != 0;
        if on(guard::RECOVERED) && self.recovered {
            return Some("guard:recovered-history");
        }
        if on(guard::CLINICAL) && self.clinical {
            return Some("guard:clinical-question");
        }
        if on(guard::JOKE) && self.joke {
            return Some("guard:joke");
        }
        if about_self {
            return None;
        }
        if on(guard::MEDIA) && self.media {
            return Some("guard:fiction-media");
        }
        if on(guard::GRIEF) && self.grief {
            return Some("guard:grief");
        }
        if on(guard::SOMEONE_ELSE) && self.someone_else {
            return Some("guard:someone-else");
        }
        None
    }
}

#[cfg(test)]
mod tests;
