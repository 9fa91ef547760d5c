//! The rule and guard tables. Patterns are written against the canonical form produced by
//! [`super::normalize::normalize`]: lowercase words separated by single spaces, `.` and
//! `,` as their own tokens, contractions expanded ("i am", "do not", "will not").
//!
//! `{NAME}` inside a pattern is replaced by the fragment of that name before compiling.
//! Every pattern here was written for Hearth from the risk definitions in DESIGN.md §5.

use crate::Risk;

/// Which context guards may suppress a rule's match (never used on `High` rules).
pub(crate) mod guard {
    pub const MEDIA: u8 = 1;
    pub const GRIEF: u8 = 1 << 1;
    pub const SOMEONE_ELSE: u8 = 1 << 2;
    pub const RECOVERED: u8 = 1 << 3;
    pub const CLINICAL: u8 = 1 << 4;
    pub const JOKE: u8 = 1 << 5;
    /// The default for `low` and `moderate` rules: every guard but the joke guard.
    pub const CONTEXT: u8 = MEDIA | GRIEF | SOMEONE_ELSE | RECOVERED | CLINICAL;
    /// The default for `low` rules: a passive wish is the writer's own, whatever the topic,
    /// so only recovered history and clinical questions suppress it.
    pub const LOW: u8 = RECOVERED | CLINICAL;
    pub const NONE: u8 = 0;
}

/// One rule, before compiling.
pub(crate) struct RuleDef {
    /// The reason id reported when the rule fires (`rule:...`).
    pub id: &'static str,
    pub level: Risk,
    pub pattern: &'static str,
    /// The match is dropped when `not`, `never`, `no` or `nor` is inside it or among the
    /// three words before it (within the clause).
    pub negatable: bool,
    /// Context guards that may suppress this rule (must be [`guard::NONE`] for `High`).
    pub guards: u8,
    /// The whole message must also match this pattern.
    pub needs: Option<&'static str>,
    /// The match is dropped when its clause (between `.`/`,` tokens) matches this pattern (the rule's own
    /// precision, e.g. tense: an overdose "when I was 17" is not one under way).
    pub veto: Option<&'static str>,
    /// The matched text itself must also contain this pattern.
    pub within: Option<&'static str>,
}

/// Named fragments, substituted for `{NAME}`.
pub(crate) const FRAGMENTS: &[(&str, &str)] = &[
    // Acts of suicide that name the self (or are coded) — unambiguous on their own.
    (
        "ACT_SELF",
        r"(?:kill(?:ing|ed)? my ?self|kms|unaliv(?:e|ing|ed)(?: my ?self)?|end(?:ing)? (?:my (?:own )?life|it all|my ?self)|tak(?:e|ing) my (?:own )?life|commit(?:ting)? suicide|die by suicide|die by my own hand|hang(?:ing)? my ?self|off(?:ing)? my ?self|shoot(?:ing)? my ?self|drown(?:ing)? my ?self|gas(?:sing)? my ?self|stab(?:bing)? my ?self|throw(?:ing)? my ?self (?:off|in front|under|from)|ctb|sewer ?slide|self delete|delete my ?self|neck my ?self|toaster bath)",
    ),
    // Acts that need a frame (intent or thoughts) to mean suicide.
    (
        "ACT_FRAMED",
        r"(?:end(?:ing)? (?:it|things|everything)|suicide|overdos(?:e|ing)|go(?:ing)? through with it|jump(?:ing)? (?:off|from|in front)|take (?:them all|all of them|all my \w+|all the \w+|all of my \w+|everything|the lot)|tak(?:e|ing) (?:all )?(?:my|the) (?:pills|tablets|meds)|crash(?:ing)? (?:the|my) car|driv(?:e|ing) (?:my car |the car )?(?:off|into)|step(?:ping)? in front of|walk(?:ing)? into (?:traffic|the sea|the river))",
    ),
    (
        "INTENT",
        r"(?:going to|about to|ready to|planning (?:to|on)|plan to|decided to|intend to|will|shall|want to make sure i)(?: just| finally| actually| really| definitely| gonna)?",
    ),
    (
        "THOUGHT",
        r"(?:think|thinks|thinking|thought|thoughts|mind|considering|contemplating|consider|urge|urges|want|wanted|wanting|wish|tempted|imagine|imagining|picturing|picture|fantasi[sz]e|fantasi[sz]ing|idea|ideas|dream|dreaming|obsessing|drifting|drift|going|goes|keep)",
    ),
    (
        "TIME",
        r"(?:tonight|tomorrow|today|now|right now|this (?:weekend|week|evening|afternoon|morning|time|friday|saturday|sunday|monday|tuesday|wednesday|thursday)|(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|next week|later|soon|at midnight|before (?:the )?morning|in (?:an|a few|the next) (?:hour|hours|minutes)|after (?:my shift|work|the kids|everyone|tonight|tomorrow)|when (?:everyone|the house|the kids|he|she|they)|end of the (?:month|week)|on my birthday|properly this time|once the house)",
    ),
    (
        "PERSON",
        r"(?:husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|fiance|fiancee|dad|father|stepdad|step dad|mum|mom|mother|stepmum|stepmom|brother|sister|son|daughter|uncle|aunt|aunty|auntie|cousin|grandad|grandpa|grandma|nan|gran|flatmate|roommate|housemate|landlord|neighbour|neighbor|boss|manager|coworker|colleague|teacher|baby|kid|kids|children|child|family|friend|mate|man|guy|woman|girl|boy|lad|bloke|stepfather|stepmother|carer|people)",
    ),
    (
        "PERSON_OBJ",
        r"(?:him|her|them|someone|somebody|anyone|anybody|people|everyone|(?:my|the|that|this|his|her|our) (?:\w+ )?{PERSON}s?)",
    ),
    (
        "HARM_VERB",
        r"(?:kill(?:ing)?|hurt(?:ing)?|harm(?:ing)?|stab(?:bing)?|hit(?:ting)?|push(?:ing)?|strangl(?:e|ing)|smother(?:ing)?|attack(?:ing)?|punch(?:ing)?|shoot(?:ing)?|murder(?:ing)?|beat(?:ing)?|poison(?:ing)?|drown(?:ing)?)",
    ),
    (
        "MEDS",
        r"(?:pills|tablets|meds|medication|medicine|insulin|paracetamol|codeine|lithium|antidepressants|painkillers|sleeping pills|sleeping tablets|tramadol|diazepam|opioids)",
    ),
    (
        "QUANT",
        r"(?:all|whole|entire|load|loads|lot|lots|bunch|handful|box|bottle|packet|pack|packets|strip|strips|month|rest|too many|half|everything|overdose|\d{2,})",
    ),
    (
        "MEANS",
        r"(?:rope|noose|blade|blades|razor|razors|gun|shotgun|pistol|hosepipe|hose pipe|ligature)",
    ),
    (
        "PAST_ANCHOR",
        r"(?:when i was (?:\d+|a teen\w*|a kid|a child|young|younger|little|at uni|in)|\d+ years ago|years ago|as a (?:teen\w*|kid|child|student)|in (?:my|the) (?:teens|twenties|thirties|forties|20s|30s|40s)|in (?:19|20)\d\d|last year|used to)",
    ),
    // Words that make "do it", "this is it" and similar mean an act.
    (
        "CRISIS_CTX",
        r"(?:\b{TIME}\b|\b(?:midnight|do it|doing it|properly|this time|goodbye|sorry|pills|tablets|rope|noose|blade|razor|gun|decided|made up my mind|no one will|nobody will|just wanted (?:someone|you|somebody) to know|working up to it|this is it|its time|it is time|end it|end my life|kill myself|kms|ctb|everything i need|the means|note|notes|letters|silent|done waiting|ready)\b)",
    ),
    (
        "FINAL_CTX",
        r"(?:\b(?:will not need|no longer need|anymore|when i am gone|after i am gone|looked after|taken care of|cliff|coast|bridge|goodbye|sorry|not coming|not driving|tonight|tomorrow|letters|note|notes|pills|tablets|rope|this is it|thank you for everything|forever|for good|silent|its time|it is time|after tonight|so nobody|so no one|the end)\b)",
    ),
    (
        "NOW_CTX",
        r"(?:\b(?:now|right now|here|outside|downstairs|upstairs|in the house|at the door|the door|coming|knife|gun|machete|bat|axe|weapon|drunk|drinking|tonight|locked|hiding|trapped|finds me|looking for me|if i (?:call|tell|try|leave|go)|screaming|banging|kicked|smashing|smashed|threw|hitting|choking|strangling|in the car|pavement)\b)",
    ),
    (
        "DANGER_CTX",
        r"(?:\b(?:kill|hurt|hit|hitting|punched|knife|gun|machete|threat\w*|scared|terrified|drunk|abus\w*|violent|screaming|shouting|smash\w*|grabbed|attacked|beat|beating|choking|strangling|weapon)\b)",
    ),
    (
        "SH_CTX",
        r"(?:\b(?:cut my ?self|cut my (?:wrists?|arms?|thighs?|legs?)|cut (?:too )?deep|self harm\w*|razor|blade|on purpose|slit)\b)",
    ),
    (
        "THIRD_TOOK",
        r"\b(?:he|she|they|patient|patients|someone|somebody|{PERSON}|client|person|who) (?:has |have |had |just |also |then )?(?:took|taken|swallowed|overdosed|drank|downed)\b",
    ),
    (
        "END_WITH_SOMEONE",
        r"\bend(?:ing|ed)? (?:it|things) (?:with|between) (?:him|her|them|you|us|my|the|a|this)\b|\b(?:he|she|they|we|you) (?:is |are |will )?(?:going to |about to |want to )?end(?:ing)? (?:it|things)\b",
    ),
    (
        "KEEPS_GOING_TO",
        r"\b(?:keep|keeps|kept|mind|thoughts|thought|brain|head)(?: \w+)? going to\b",
    ),
    (
        "SCENE",
        r"(?:bridge|cliff|cliffs|platform|tracks|railway|station|train station|reservoir|river|coast|viaduct|multi storey|car park|roof|ledge|edge|motorway|cliff road|sea|lake|woods|forest|quarry|pier|tower|balcony)",
    ),
];

use guard::{CONTEXT, JOKE, NONE};
use Risk::{High, Low, Moderate};

macro_rules! rule {
    ($id:expr, $level:expr, $pattern:expr) => {
        rule!($id, $level, $pattern, neg = true)
    };
    ($id:expr, $level:expr, $pattern:expr, neg = $neg:expr) => {
        rule!(
            $id,
            $level,
            $pattern,
            neg = $neg,
            guards = default_guards($level)
        )
    };
    ($id:expr, $level:expr, $pattern:expr, neg = $neg:expr, guards = $g:expr) => {
        RuleDef {
            id: $id,
            level: $level,
            pattern: $pattern,
            negatable: $neg,
            guards: $g,
            needs: None,
            veto: None,
            within: None,
        }
    };
}

const fn default_guards(level: Risk) -> u8 {
    match level {
        Risk::High => NONE,
        Risk::Low => guard::LOW,
        _ => CONTEXT,
    }
}

const fn needs(mut r: RuleDef, pattern: &'static str) -> RuleDef {
    r.needs = Some(pattern);
    r
}

const fn within(mut r: RuleDef, pattern: &'static str) -> RuleDef {
    r.within = Some(pattern);
    r
}

const fn veto(mut r: RuleDef, pattern: &'static str) -> RuleDef {
    r.veto = Some(pattern);
    r
}

/// The reasons a rule can give, with the level each one signals. Documented in
/// [`crate::rules`].
pub(crate) const EXPLICIT_INTENT: &str = "rule:explicit-intent";
pub(crate) const PLAN_MEANS: &str = "rule:plan-means";
pub(crate) const TIMELINE: &str = "rule:timeline";
pub(crate) const ATTEMPT: &str = "rule:attempt-in-progress";
pub(crate) const GOODBYE: &str = "rule:goodbye";
pub(crate) const DANGER: &str = "rule:danger-from-others";
pub(crate) const HARM_OTHERS: &str = "rule:harm-others";
pub(crate) const SUICIDAL_THOUGHTS: &str = "rule:suicidal-thoughts";
pub(crate) const CODED: &str = "rule:coded-slang";
pub(crate) const SELF_HARM: &str = "rule:self-harm";
pub(crate) const PASSIVE: &str = "rule:passive-wish";
pub(crate) const HOPELESS: &str = "rule:hopelessness";
pub(crate) const BURDEN: &str = "rule:burden";

const END_WITH_SOMEONE: &str = r"\bend(?:ing|ed)? (?:it|things) (?:with|between) (?:him|her|them|you|us|my|the|a|this)\b|\b(?:he|she|they|we|you) (?:is |are |will )?(?:going to |about to |want to )?end(?:ing)? (?:it|things)\b";
const KEEPS_GOING_TO: &str =
    r"\b(?:keep|keeps|kept|mind|thoughts|thought|brain|head)(?: \w+)? going to\b";
const ACCIDENT: &str = r"\b(?:accident\w*|by mistake|shaving|cooking|chopping|gardening|at the gym|playing|skiing|lifting|running|training|football|rugby|on a nail|on the oven|ironing|baking|paper)\b";

/// All rules. `High` rules run on the normalised text; `low`/`moderate` rules run on the
/// text with idioms neutralised and are subject to their context guards.
pub(crate) const RULES: &[RuleDef] = &[
    // ---------------------------------------------------------------- HIGH: intent
    veto(
        rule!(EXPLICIT_INTENT, High, r"\b{INTENT} {ACT_SELF}\b"),
        KEEPS_GOING_TO,
    ),
    veto(
        rule!(EXPLICIT_INTENT, High, r"\b{INTENT} {ACT_FRAMED}\b"),
        r"{END_WITH_SOMEONE}|{KEEPS_GOING_TO}",
    ),
    needs(
        rule!(
            EXPLICIT_INTENT,
            High,
            r"\b(?:going to|about to|ready to|decided to|i am|am|i will|i have to|time to) (?:just |finally |actually |really )?do(?:ing)? it\b"
        ),
        "{CRISIS_CTX}",
    ),
    veto(
        needs(
            rule!(
                EXPLICIT_INTENT,
                High,
                r"\b(?:i am |am )?(?:finally )?(?:ending (?:it|things|everything|my life))\b|\b(?:i am|am) (?:finally |just )?(?:killing myself|unaliving(?: myself)?|doing it|taking (?:them|everything|all of them))\b|\b(?:i am|am) (?:going over|jumping|going to jump)(?: \.| ,|$| now| tonight| when| off| from)"
            ),
            r"\b{TIME}\b|\b{SCENE}\b",
        ),
        r"\b(?:we|they|he|she|you) (?:are|is) (?:doing|ending|going)\b|\bending (?:it|things) with (?:him|her|them|you|my)\b",
    ),
    needs(
        rule!(
            EXPLICIT_INTENT,
            High,
            r"\b(?:i have |i )?(?:made up my mind|made my decision|decided|my mind is made up)\b"
        ),
        r"\b{ACT_SELF}\b|\b{ACT_FRAMED}\b|\bdo(?:ing)? it\b|\b{MEANS}\b|\b{MEDS}\b",
    ),
    rule!(
        EXPLICIT_INTENT,
        High,
        r"\b(?:do not|dont) (?:try to |come to )?(?:stop|save|find) me\b|\bno one can stop me\b",
        neg = false
    ),
    // ---------------------------------------------------------------- HIGH: timeline
    veto(
        rule!(
            TIMELINE,
            High,
            r"\b(?:{ACT_SELF}|end(?:ing)? (?:it|things|everything)|do(?:ing)? it) (?:, )?(?:{TIME})\b"
        ),
        r"\b(?:want|wanted|wanting|wanna|urge|urges|thinking|thought|thoughts|feel like|wish|tempted|keep)(?: to)?(?: \w+)? (?:{ACT_SELF}|end(?:ing)? (?:it|things)|do(?:ing)? it)\b",
    ),
    rule!(
        TIMELINE,
        High,
        r"\b(?:tonight|today) is the night\b|\bthis is the night\b",
        neg = false
    ),
    needs(
        rule!(
            TIMELINE,
            High,
            r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|today|next week|my birthday) is (?:the day|when i|the night)\b|\bset (?:a|the) (?:date|day|time)\b|\b(?:picked|found|chosen|chose) (?:the|a|my) (?:right |perfect )?(?:date|day|spot|place|time|location)\b|\b(?:it is|its|everything is|everything s) (?:all )?(?:planned|sorted|arranged|set)\b|\b(?:it is|its) happening (?:tonight|tomorrow|today|this|on|next|soon)\b|\bdone waiting\b|\b(?:it is|its) time\b|\bthis is it\b"
        ),
        r"{CRISIS_CTX}|\bwhen (?:my \w+|everyone|the house|the kids|nobody|no one)(?: \w+){0,3} (?:is|are|s) (?:at work|out|away|asleep|in bed|quiet|gone)\b",
    ),
    rule!(
        TIMELINE,
        High,
        r"\b(?:picked|chosen|chose|set) (?:the|a|my) (?:date|day|spot|time)(?: \.| ,|$)|\bset a date (?:and time )?(?:to|for) (?:end|kill|die|do it)",
        neg = false
    ),
    // ---------------------------------------------------------------- HIGH: plan and means
    veto(
        rule!(
            PLAN_MEANS,
            High,
            r"\b(?:saving|saved|stockpil\w*|hoard\w*|stash\w*|putting aside|put aside|set aside|counting|counted|hidden|hid|hiding|building up)(?: \w+){0,5} {MEDS}\b|\b{MEDS} (?:i have been|i was|i ve been|that i have been|i have|i had) (?:saving|saved|stockpiling|hoarding|collecting|keeping)\b|\b{MEDS} (?:saved|stashed|stockpiled|hidden|put) (?:up|away|aside)\b|\b(?:been|am|i have been) collecting (?:\w+ ){0,2}{MEDS}\b"
        ),
        r"\bfrom my ?self\b|\baway from me\b|\bso i (?:can not|do not|would not|will not)\b|\bto keep (?:me )?safe\b|\b(?:money|pounds|dollars|up for|organi[sz]er|dosette|pill box|blister|weekly|for (?:the|my) (?:trip|holiday|flight))\b",
    ),
    rule!(
        PLAN_MEANS,
        High,
        r"\benough (?:\w+ ){0,3}{MEDS}(?: \w+){0,2} to (?:do it|end|kill|die|not wake)\b|\b(?:nearly|almost|finally) (?:have|got) enough\b|\bwill have enough (?:by|for|soon)\b|\benough (?:\w+ ){0,3}{MEDS} and i am going to\b|\b(?:got|have) enough (?:\w+ )?to do it\b"
    ),
    needs(
        rule!(
            PLAN_MEANS,
            High,
            r"\b(?:bag|box|bottle|handful|pile|stack|boxes|bottles)s? of {MEDS}\b|\b{MEDS} (?:out|ready|with me|lined up)\b|\bwith (?:the|my|a bag of) {MEDS}\b"
        ),
        "{CRISIS_CTX}",
    ),
    rule!(
        PLAN_MEANS,
        High,
        r"\b{MEDS} (?:in front of me|lined up|next to me|counted out)\b|\bgot the {MEDS} out\b"
    ),
    veto(
        rule!(
            PLAN_MEANS,
            High,
            r"\bi (?:am |have |was |had )?(?:\w+ ){0,4}?(?:have|got|bought|made|tied|brought|found|with|holding|hold|ordered|sharpened) (?:a |the |my |some )?(?:new |sharp |kitchen |old |\w+s old )?{MEANS}\b|\b(?:made|tied|bought) (?:a |the )(?:noose|rope)\b|\b(?:took|taken|got|getting|loaded|loading) (?:out )?(?:a |the |my |\w+s )?(?:old |new )?(?:gun|shotgun|pistol|rifle|rope|noose)\b|\b(?:rope|noose|razor|blade|gun) is (?:ready|up|tied|loaded)\b"
        ),
        r"\b(?:water|nail|glue|staple|skipping|jump|climbing|toy|nerf|heat|spray|tow|bungee|washing|paint|hair|safety|glue|starting|cap|bb)(?: \w+)? (?:gun|guns|rope|ropes|razor|razors|blade|blades)\b|\b(?:hide|hid|hidden|got rid of|gave away|give away|locked away|threw away|handed in)(?: \w+){0,3} {MEANS}\b|\b(?:shav\w*|climbing|camping|hunting|clay|shooting range|gun club|for (?:my|the) (?:legs|beard|face|boat|garden))\b",
    ),
    needs(
        rule!(
            PLAN_MEANS,
            High,
            r"\b(?:going|heading|went|off|driving) to (?:\w+ ){0,3}with (?:a|the|my) (?:rope|noose|gun|shotgun|razor|blade)\b|\bwith (?:the|a) (?:rope|noose)\b"
        ),
        r"\b{TIME}\b|\b{SCENE}\b",
    ),
    rule!(
        PLAN_MEANS,
        High,
        r"\b(?:knife|blade|razor|gun|shotgun|pistol|pills|tablets)(?: \S+){0,8} (?:on|to|against) my ?self\b|\b(?:use|using) (?:it|them) on my ?self\b|\bbought (?:a|the) {MEANS}(?: \S+){0,4} for me\b"
    ),
    rule!(
        PLAN_MEANS,
        High,
        r"\bi (?:have |ve )?(?:got |have )?(?:a|my|the) plan (?:to (?:end|kill|die|do it|take|overdose|jump|hang|unalive|go through)|and i am going to (?:go through|do it|follow)|and i will (?:go through|do it|follow)|for (?:how|when) (?:to|i))\b|\bi (?:have |ve )?(?:got )?a plan(?: \.| ,|$)|\b(?:worked out|figured out|planned|decided) (?:how|when|where) (?:i am going to|i will|to do it|to end|i would)\b|\bplann(?:ed|ing) (?:to|on) (?:overdos\w*|kill\w*|end\w*|hang\w*|jump\w*|tak\w* (?:all|my|them)|unaliv\w*|do it)\b|\bfollow through\b(?: \S+){0,6} (?:plan|end|kill|soon)"
    ),
    rule!(
        PLAN_MEANS,
        High,
        r"\bbooked (?:a |the )?(?:hotel|room|airbnb|cabin)(?: \w+){0,3} so (?:no one|nobody|they|noone)\b|\bengine running\b(?: \w+){0,4} garage\b|\bgarage\b(?: \S+){0,8} engine running\b|\bhose ?pipe\b(?: \S+){0,6} (?:car|exhaust)|\b(?:car|exhaust)(?: \S+){0,6} hose ?pipe\b|\bbought the stuff\b",
        neg = false
    ),
    // ---------------------------------------------------------------- HIGH: attempt
    veto(
        within(
            rule!(
                ATTEMPT,
                High,
                r"\b(?:took|taken|swallowed|downed|necked|have took|drank|drunk)\b(?: \S+){0,7}? {MEDS}\b"
            ),
            r"\b{QUANT}\b",
        ),
        // Ordinary dosing and the distant past are not an overdose under way.
        r"{THIRD_TOOK}|\bas (?:prescribed|usual|normal|directed)\b|\bfor my (?:headache|period|back|pain|cold|migraine|tooth)\b|\b{PAST_ANCHOR}\b|\b(?:every|each) (?:day|night|morning)\b|\bmy (?:usual|normal) dose\b",
    ),
    veto(
        rule!(
            ATTEMPT,
            High,
            r"\b(?:took|taken|swallowed|downed|had|necked|have took) (?:an|the|a|my) overdose\b|\bi (?:have |just |have just |already )?overdosed\b|\b(?:already|just) (?:took|taken|swallowed|had|done|drank) (?:them|it|the lot|the pills|the tablets)\b|\b(?:drank|drunk|swallowed|drinking|drink|downed) (?:some |the |a bottle of )?(?:bleach|antifreeze|weed killer)\b"
        ),
        r"{THIRD_TOOK}|\b{PAST_ANCHOR}\b|\bmy (?:friend|brother|sister|mum|dad|son|daughter|cousin|partner)\b",
    ),
    veto(
        needs(
            rule!(
                ATTEMPT,
                High,
                r"\b(?:took|taken|swallowed|downed|necked|have took)\b(?: \S+){0,4}? {MEDS}\b"
            ),
            r"\b(?:feel|feeling|felt) (?:\w+ )?(?:dizzy|sick|drowsy|sleepy|shaky|weird|numb|faint|funny)\b|\b(?:dizzy|drowsy|spinning|throwing up|vomiting|passing out|blurry|ambulance|hospital|a and e|a e|scared now|sorry|goodbye|too many|what have i done|do not know what to do|dont know what to do)\b",
        ),
        r"{THIRD_TOOK}|\bas (?:prescribed|usual|normal|directed)\b|\b{PAST_ANCHOR}\b|\bside effects?\b",
    ),
    rule!(
        ATTEMPT,
        High,
        r"\b(?:taken|took|swallowed|had) (?:something|some|stuff|them)(?: \S+){0,3} (?:do not|dont) know how (?:much|many)\b",
        neg = false
    ),
    needs(
        rule!(
            ATTEMPT,
            High,
            r"\bcut (?:\w+ ){0,2}too deep\b|\bcut (?:really |very |so )?deep\b|\b(?:will not|can not|would not|does not|is not|not) stop(?:ping)? bleeding\b|\bneed(?:s)? stitches\b|\b(?:a lot|lots|loads|so much) of blood\b|\bbleeding (?:a lot|heavily|everywhere|badly|out)\b",
            neg = false
        ),
        "{SH_CTX}",
    ),
    rule!(
        ATTEMPT,
        High,
        r"\b(?:wrists?|cuts?|arms?|thighs?) (?:is|are|keeps?|will not stop|wont stop|have not stopped) bleeding\b",
        neg = false
    ),
    rule!(
        ATTEMPT,
        High,
        r"\b(?:on|at|from|off) (?:the )?(?:edge of (?:the )?(?:roof|building|bridge|cliff|platform|car park)|ledge)\b|\b(?:standing|sitting|stood|up|sat) on (?:the )?(?:ledge|roof|railing|railings|parapet)\b",
        neg = false
    ),
    needs(
        rule!(
            ATTEMPT,
            High,
            r"\b(?:on|at|by|in|near|to) (?:the |a |my )?(?:\w+ ){0,3}{SCENE}\b",
            neg = false
        ),
        r"\bnot (?:coming back|going (?:back|home)|driving home|getting down|coming down|walking away)(?: \.| ,|$| again| ever)|\bgoing (?:over|to jump)(?: \.| ,|$| now| tonight| when)|\b(?:about to|will|i am going to) jump\b|\b(?:do not|dont) want to (?:go back|come down|get down)\b|\bend (?:it|things)\b|\bthis is it\b|\blet go\b|\bgoodbye\b",
    ),
    // ---------------------------------------------------------------- HIGH: goodbye
    needs(
        rule!(
            GOODBYE,
            High,
            r"\b(?:wrote|written|writing|left|leaving|finished|typed) (?:the |my |some )?(?:goodbye |suicide |last )?(?:letters|notes)\b|\b(?:written|wrote|left|writing|finished) (?:the|my) (?:goodbye |suicide |last )?note\b"
        ),
        r"\b(?:its time|it is time|this is it|goodbye|pills|tablets|rope|when i am gone|after i am gone|forever|the end|for good|everything i need|kitchen table|on the side|in the (?:top )?drawer|for (?:my|the) (?:kids|family|wife|husband|partner|children|parents))\b|\bletters (?:to|for) (?:everyone|my (?:\w+ )?{PERSON}|all|each)\b|\bwritten the note\b",
    ),
    rule!(
        GOODBYE,
        High,
        r"\b(?:goodbye|suicide) (?:note|letter)s?\b",
        neg = false
    ),
    needs(
        rule!(
            GOODBYE,
            High,
            r"\b(?:gave|given|giving|give) away (?:all )?(?:of )?(?:my|all my) (?:\w+ )?(?:things|stuff|belongings|possessions|clothes|cat|dog|pets?|plants|books|everything)\b|\bgiv(?:e|en|ing) away everything\b"
        ),
        r"{FINAL_CTX}|\ball week\b",
    ),
    rule!(
        GOODBYE,
        High,
        r"\b(?:gave|given|giving|give) away (?:all )?(?:of )?(?:my|all my) (?:things|belongings|possessions|everything)\b"
    ),
    needs(
        rule!(
            GOODBYE,
            High,
            r"\b(?:gave|given|giving|rehomed|rehoming|arranged for|put|found a home for|sent) (?:my |the )?(?:cat|dog|pets?|rabbit|hamster|budgie|parrot|kitten|puppy|bird|fish)\b(?: \S+){0,6} (?:to|with)\b"
        ),
        "{FINAL_CTX}",
    ),
    rule!(
        GOODBYE,
        High,
        r"\bsaid (?:my|our) goodbyes\b|\bgoodbye (?:everyone|all|world|forever|for good|cruel)\b|\bthis is goodbye\b|\bmy last (?:message|goodbye|words)\b",
        neg = false
    ),
    needs(
        rule!(
            GOODBYE,
            High,
            r"\b(?:saying|say|texted|sent|said|wrote)(?: \w+){0,3} goodbyes?\b"
        ),
        r"\b(?:sorry|thank you for everything|thanks for everything|this is it|forever|for good|last|silent|its time|it is time|i love you all|tonight|everyone)\b",
    ),
    needs(
        rule!(GOODBYE, High, r"\b(?:good)?bye\b", neg = false),
        r"\b(?:i am done|forever|for good|love you all|this is it|for the last time|last message|its time|it is time|can not do this|can not go on|not coming back)\b",
    ),
    veto(
        rule!(
            GOODBYE,
            High,
            r"\b(?:after|when|once) i am gone\b|\bwhen i am not here\b|\bafter i die\b"
        ),
        r"\bgone (?:on|for|to|away|abroad|out|travelling|into)\b|\bwhen i am not here (?:to|at|in)\b",
    ),
    rule!(
        GOODBYE,
        High,
        r"\b(?:be the ones?|is the one|are the ones|no one|nobody|noone) (?:to |who |will |would )?finds? me\b|\bso (?:no one|nobody|noone)(?: \w+){0,2} (?:has|have|needs?) to\b",
        neg = false
    ),
    rule!(
        GOODBYE,
        High,
        r"\b(?:will not|not going to) be (?:around|here|alive)(?: \w+){0,2} (?:after (?:tonight|tomorrow|today|this)|by (?:tomorrow|the morning|morning|the weekend)|much longer|for much longer)\b|\b(?:will not|no longer) need (?:them|it|my \w+|these|this|any of (?:it|this|them)) (?:anymore|any more|where i am going)\b|\b(?:need|have|use) (?:them|it|these) after (?:tonight|tomorrow|i am gone)\b|\bpasswords?\b(?: \S+){0,10} after (?:tonight|tomorrow|i am gone)\b|\btidying (?:\w+ )?up so\b",
        neg = false
    ),
    // ---------------------------------------------------------------- HIGH: danger from others
    rule!(
        DANGER,
        High,
        r"\b(?:he|she|they|{PERSON})(?: is| s| are| has been| keeps| kept| started| has started| been)(?: \w+)? (?:hitting|beating|choking|strangling|punching|kicking|attacking|stabbing|raping|smothering|slapping|throttling|burning|assaulting) (?:me|us|her|him|my (?:\w+ )?{PERSON})\b|\b(?:he|she|they) (?:is|are|s|keeps) hurting (?:me|us|her|him)\b|\b{PERSON}(?: is| s) hurting (?:me|us|her|him)\b",
        neg = false
    ),
    rule!(
        DANGER,
        High,
        r"\b(?:he|she|they|{PERSON}) (?:hits|beats|chokes|strangles|rapes|kicks|punches|batters|abuses) (?:me|us)\b",
        neg = false
    ),
    rule!(
        DANGER,
        High,
        r"\b(?:just|has just|is just|have just|has|is) (?:hit|punched|kicked|slapped|choked|strangled|threw|thrown|pushed|grabbed|attacked|stabbed|raped|beat|shoved|bit|smashed) (?:me|us|my (?:\w+ )?{PERSON})\b|\b(?:threw|thrown|pushed|shoved) me (?:against|down|into|across|out)\b",
        neg = false
    ),
    rule!(
        DANGER,
        High,
        r"\b(?:trapped|locked) me (?:in|inside)\b|\b(?:got|has|have) me (?:trapped|locked)\b|\b(?:will not|is not|not) (?:let|letting) me (?:out|leave|go)\b|\blocked me in\b|\b(?:trying to|tried to|is trying to) break in\b|\bbreaking in\b|\bkicked (?:the |my )?(?:front |back |bedroom )?door in\b",
        neg = false
    ),
    needs(
        rule!(
            DANGER,
            High,
            r"\b(?:i am |am |i )?(?:hiding|locked|barricaded|hid|hidden) (?:myself )?(?:in|inside|under) (?:the |a |my )?(?:bathroom|toilet|loo|wardrobe|bedroom|cupboard|closet|shop|car|room|shed|attic|loft|bed)\b",
            neg = false
        ),
        "{DANGER_CTX}",
    ),
    needs(
        rule!(
            DANGER,
            High,
            r"\b(?:threaten\w*|says?|said|saying|screaming|shouting|yelling|swears?|swore|told me)(?: that)? (?:he|she|they)? ?(?:is |are |s )?(?:going to |will |would |gonna |to )?(?:kill|hurt|shoot|stab|finish|drive|strangle|beat|bury|murder|burn) (?:me|us|her|the kids|my \w+)\b|\b(?:he|she|they) (?:is |are )?(?:going to|will|is going to) (?:kill|hurt|shoot|stab|strangle) (?:me|us)\b|\bscared (?:he|she|they) (?:will|is going to|might|would) (?:kill|hurt|come for|shoot|stab) (?:me|us)\b|\bthreatening me\b"
        ),
        "{NOW_CTX}",
    ),
    rule!(
        DANGER,
        High,
        r"\b(?:threatening|threatened) (?:to )?(?:\w+ )?(?:us|me) with (?:a|the|his|her) \w+\b",
        neg = false
    ),
    needs(
        rule!(
            DANGER,
            High,
            r"\b(?:he|she|they|{PERSON})(?: is| s| has| are| have)? (?:got |has |have |holding |with )?(?:a |the |his |her )(?:kitchen )?(?:knife|gun|machete|axe|weapon|hammer)\b|\b(?:outside|here|downstairs|at the door|in the house)(?: \w+){0,2} with (?:a|the|his|her) (?:knife|gun|machete|bat|axe|weapon)\b",
            neg = false
        ),
        r"\b(?:kill|hurt|hit|hitting|punched|threat\w*|scared|terrified|drunk|screaming|shouting|smash\w*|outside|door|here|now|coming|hiding|locked|downstairs|upstairs|shoot|stab|use it)\b",
    ),
    needs(
        rule!(
            DANGER,
            High,
            r"\b(?:he|she|they|{PERSON}|someone|somebody)(?: is| s| are)? (?:outside|downstairs|upstairs|here|in the house|at the door|in the hallway|coming (?:up|upstairs|for me|back|home)|looking for me|following me|trying the door|banging on the door)\b",
            neg = false
        ),
        "{DANGER_CTX}",
    ),
    // ---------------------------------------------------------------- HIGH: harm to others
    rule!(
        HARM_OTHERS,
        High,
        r"\b(?:going to|about to|will|ready to) (?:\w+ )?(?:stab|shoot) {PERSON_OBJ}\b"
    ),
    needs(
        rule!(
            HARM_OTHERS,
            High,
            r"\b(?:going to|about to|will|ready to) (?:\w+ )?(?:kill|hurt|attack|strangle|murder|beat up|batter|make (?:\w+ ){1,2}pay|get) {PERSON_OBJ}\b|\bmake (?:\w+ ){1,2}pay\b"
        ),
        r"\b(?:tonight|tomorrow|today|now|right now|this weekend)\b|\b(?:knife|bat|gun|weapon|machete|axe|hammer)\b|\bwaiting outside\b|\bi know where (?:he|she|they) lives?\b|\boutside (?:his|her|their) (?:house|door|work|school)\b",
    ),
    // ---------------------------------------------------------------- MODERATE
    rule!(SUICIDAL_THOUGHTS, Moderate, r"\b{ACT_SELF}\b"),
    veto(
        rule!(SUICIDAL_THOUGHTS, Moderate, r"\bsuicidal\b"),
        r"\b(?:he|she|they|someone|somebody|friend\w*|people|person|patients?|clients?|anyone|students?|who are|who is|if you are|are you|were you|ever been) (?:\w+ )?(?:is |are |was |were |been |feels |feeling )?(?:\w+ )?suicidal\b|\bsuicidal (?:people|person|patients|clients|friend)\b",
    ),
    veto(
        rule!(
            SUICIDAL_THOUGHTS,
            Moderate,
            r"\b{THOUGHT}(?: \w+){0,3} (?:suicide|ending (?:it|things|everything|it all)|end (?:it|things|everything)|jump(?:ing)? (?:off|from|in front)|overdos(?:e|ing)|taking (?:all )?(?:of )?my (?:pills|meds|tablets)|crash(?:ing)? (?:the|my) car|driv(?:e|ing) (?:my car |the car )?(?:off|into)|throw(?:ing)? my ?self|step(?:ping)? in front|walk(?:ing)? into (?:traffic|the sea)|do(?:ing)? (?:it|something) (?:to )?my ?self|ways to (?:die|do it|end it)|dying by suicide|not being alive|being dead)\b|\b{THOUGHT}(?: \w+){0,3} jump(?:ing)?(?: \.| ,|$)"
        ),
        END_WITH_SOMEONE,
    ),
    rule!(
        SUICIDAL_THOUGHTS,
        Moderate,
        r"\bsuicide (?:is|has been|keeps|was|s|been)(?: \w+){0,3} (?:on my mind|in my head|on my brain|all i think about|calling)\b|\b(?:tried|try|trying|attempted) to (?:kill myself|end (?:it|my life)|take my (?:own )?life)\b|\b(?:my )?suicide attempt\b|\battempted suicide\b"
    ),
    needs(
        rule!(
            SUICIDAL_THOUGHTS,
            Moderate,
            r"\b(?:thinking|thought|think) about how(?: \.| ,|$)|\bhow (?:i would|to|i could|i d|i am going to) (?:do it|kill|end|die)\b|\bways to (?:do it|die|end|make it happen|kill)\b|\bmake it happen\b|\bdoing it myself\b|\b(?:looked|looking|researched|researching|googled|googling) (?:up )?(?:how|ways|methods)\b"
        ),
        r"\b(?:die|dead|dying|alive|suicid\w*|end it|end my life|kill|not exist|not be here)\b",
    ),
    rule!(
        SUICIDAL_THOUGHTS,
        Moderate,
        r"\b(?:might|going to|will|scared i will|afraid i will|worried i will|about to|want to|urge to|tempted to) (?:just )?do something (?:stupid|drastic|i (?:will|would) regret|to my ?self|permanent)\b|\bi am not safe(?: with my ?self| around my ?self| from my ?self| right now| tonight| on my own| alone)?(?: \.| ,|$)|\bnot safe (?:with|around|from) my (?:own )?(?:self|thoughts)\b",
        neg = false
    ),
    rule!(
        CODED,
        Moderate,
        r"\b(?:kms|ctb|unaliv\w*|sewer ?s\w*ide|sewer slide|self delete|delete my ?self|neck my ?self|toaster bath|commit sudoku)\b|\bi (?:should|will|might|want to|am going to|could|wish i could) (?:just |honestly )?kys\b"
    ),
    veto(
        rule!(
            SELF_HARM,
            Moderate,
            r"\bself ?harm\w*\b|\bsh (?:urges?|again|relapse)\b|\b(?:cut|cutting|cuts|burn(?:ed|t|ing)?|hurt(?:ing)?|harm(?:ing|ed)?|hit(?:ting)?|punch(?:ed|ing)?|scratch(?:ed|ing)?|bit|bite|biting|starv(?:e|ed|ing)|bang(?:ed|ing)|slap(?:ped|ping)?|strangl\w*|choke|choking|punish(?:ed|ing)?|injur\w*|mutilat\w*|bruis\w*) my ?self\b"
        ),
        ACCIDENT,
    ),
    veto(
        rule!(
            SELF_HARM,
            Moderate,
            r"\b(?:cut|cutting|burn(?:ed|t|ing)?|scratch(?:ed|ing)?|slash(?:ed|ing)?|carv(?:ed|ing)|bit|bite|biting) (?:into )?(?:my |on my )?(?:arms?|wrists?|thighs?|legs?|skin|stomach|hips?|forearms?|chest)\b"
        ),
        ACCIDENT,
    ),
    rule!(
        SELF_HARM,
        Moderate,
        r"\b(?:cut|cutting|self harm\w*|harming) again\b|\bcutting\b(?: \w+){0,2} (?:again|urges?)\b|\b(?:urge|urges|tempted|close|want|wanted|need|stop myself from|not to|trying not to|so i do not|instead of|from|resist|gave in)(?: to)? (?:\w+ )?(?:cut|cutting|self harm\w*|sh)\b|\bi cut (?:last|yesterday|again|this|today|tonight|after|before|when|on)\b|\brelaps(?:e|ed|ing) (?:into|and) (?:self harm|cut\w*|hurting)\b|\bhad an urge to cut\b"
    ),
    rule!(
        SELF_HARM,
        Moderate,
        r"\bso i (?:do not|dont|would not|will not|can not|did not) (?:cut|self harm|hurt my ?self|harm my ?self)\b|\b(?:struggling|trying|fighting|trying hard|working) not to (?:cut|self harm|hurt my ?self|harm my ?self)\b|\bstop(?:ping)? my ?self (?:from )?(?:cutting|self harming|hurting my ?self)\b|\bso close to (?:cutting|self harming|hurting my ?self)\b",
        neg = false
    ),
    needs(
        rule!(
            SELF_HARM,
            Moderate,
            r"\bon purpose\b|\bpurposely\b|\bdeliberately\b|\bto punish my ?self\b|\buntil (?:it|they|i|my \w+) (?:bleed|bleeds|bled|bruise|bruised|bruises)\b"
        ),
        r"\b(?:burn\w*|hit|hitting|slammed|bang\w*|fell|cut\w*|scratch\w*|bruis\w*|punch\w*|starv\w*|hurt|hob|lighter|my (?:arm|arms|hand|head|leg|legs|skin|wrist|wrists|knuckles)|myself|pulling|bit|bite)\b",
    ),
    rule!(
        SELF_HARM,
        Moderate,
        r"\bbang(?:ing|ed)? my head (?:against|on|into)\b|\b(?:hide|hid|hidden|gave away|got rid of|locked away)(?: \w+){0,2} (?:razors?|blades?|knives)(?: \w+){0,2} from my ?self\b|\burges? to overdose\b"
    ),
    veto(
        rule!(
            HARM_OTHERS,
            Moderate,
            r"\b(?:{THOUGHT}|might|feel like|fantasy|fantasies|going to|will|telling me to|tell me to|told me to)(?: \w+){0,3} {HARM_VERB} {PERSON_OBJ}\b",
            neg = true,
            guards = CONTEXT | JOKE
        ),
        r"\b(?:she|he|they)(?: \w+)? (?:will|would|is going to|are going to) {HARM_VERB}\b|\b(?:saying|says|said|keeps saying|threaten\w*) (?:she|he|they)\b",
    ),
    rule!(
        HARM_OTHERS,
        Moderate,
        r"\b(?:stop(?:ped)? myself from|so i (?:would not|did not|do not|could not|can not)|in case i|scared i (?:will|might|would)|afraid i (?:will|might|would)|worried i (?:will|might|would))(?: \w+){0,2} {HARM_VERB} {PERSON_OBJ}\b",
        neg = false
    ),
    rule!(
        DANGER,
        Moderate,
        r"\b(?:threaten\w*|says?|said|saying|told me)(?: that)? (?:he|she|they)? ?(?:is |are )?(?:going to |will |would |to )?(?:kill|hurt|shoot|stab|strangle|beat|murder) (?:me|us)\b|\b(?:he|she|they|{PERSON}) (?:hit|punched|kicked|slapped|choked|strangled|raped|beat|abused|assaulted|attacked) me\b|\bi am (?:in|with) an abusive\b|\bhiding from (?:him|her|them|my (?:\w+ )?{PERSON})\b|\b(?:scared|terrified|afraid) of (?:my|him|her) (?:\w+ )?(?:{PERSON})?\b"
    ),
    // ---------------------------------------------------------------- LOW
    rule!(
        PASSIVE,
        Low,
        r"\b(?:want|wanna|wanted|wanting|wish|wished|would like|d like|longing|long|pray|praying|ready|waiting|wait|hoping|hope) to die\b|\bwish (?:i (?:was|were|could be)|to be) dead\b|\bjust want to die\b|\b(?:want|wanna|wish|wished) (?:to be|i was|i were|i could be) dead\b|\bwish i could (?:just )?die\b|\bhope i (?:just )?die\b|\bwish i (?:was not|were not) (?:alive|here|around)\b",
        neg = true,
        guards = guard::LOW | JOKE
    ),
    veto(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:go|going|went|fall|falling|fell|drift|drifting|goes) (?:to sleep|asleep|to bed)(?: \S+){0,3} (?:and|then) (?:just )?(?:not|never) (?:wake|waking|woke) up\b|\b(?:sleep|asleep) (?:forever|for good|for ever|and never wake)\b|\b(?:hope|hoping|hoped|wish|wishing|wished|pray|praying|prayed|want|wanting|fine|mind|okay|ok|sad|mercy|nice|better|easier|peaceful|relief|relieved|pretend|imagine)(?: \S+){0,8} (?:not|never|will not|do not|did not|would not|does not) (?:have to )?(?:wake|waking|make it|survive|see the morning|see tomorrow|see another)\b|\bnever waking up\b|\blast time i wake up\b|\bif i (?:just )?(?:did not|do not|never|would not|will not) wake up\b",
            neg = false
        ),
        r"\bwake (?:up )?(?:late|early|the baby|the kids|him|her|them|everyone|on time|in time|before)\b|\bsurvive (?:the|this) (?:week|exam|meeting|day|shift|flight)\b",
    ),
    veto(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:do not|dont|did not|not) (?:really )?(?:think i )?want(?:ing)? to (?:wake up|be alive|live|exist|be here anymore|be here any more|be here|keep living|keep going|go on|be around|grow old|be on this earth|carry on|stay alive)\b",
            neg = false
        ),
        r"\bwant to (?:live (?:in|with|at|near|there|on|abroad|alone|here)|go on (?:a|the|holiday|my|this|that|with)|be around (?:him|her|them|people|my|the|you|those)|keep going (?:to|with|on)|carry on (?:with|like|working)|be here (?:at|for|with|when|in|on|if|today|right))\b",
    ),
    rule!(
        PASSIVE,
        Low,
        r"\b(?:to|just|could|wish i could|want to) (?:just )?(?:not|stop) exist(?:ing)?\b|\bstop(?:ped)? existing\b|\b(?:disappear|vanish)(?: \w+){0,3} (?:forever|for good|permanently|and not exist|and never come back)\b|\b(?:wish|want|could|wanna) (?:i could )?(?:just )?fade away\b|\b(?:switch|turn) my ?self off\b",
        neg = false
    ),
    veto(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:tired|sick|exhausted|weary) of (?:being alive|living|existing|life|fighting to stay alive|this life|being here|staying alive)\b|\b(?:lost|no|have no) (?:the )?will to live\b|\b(?:had|have had) enough of (?:this )?(?:life|living|being alive)\b|\b(?:done|finished) with (?:life|living|being alive)\b|\bwish (?:i had|i would have|i would|i) never (?:been|was) born\b|\bwish i (?:was|were) never born\b|\bwhy am i (?:even |still )*(?:alive|here|living)\b|\bhate being alive\b|\b(?:do not|dont) care (?:if|whether) i (?:live|die|wake up|make it)\b|\b(?:do not|dont) want to do (?:life|this life|living) (?:anymore|any more)\b|\bwhether i live or die\b|\bif i live or die\b",
            neg = false
        ),
        r"\bof living (?:in|with|at|on|off|out of|next|here|there|together|alone)\b|\bof life (?:admin|insurance|stuff|coaching|lessons)\b",
    ),
    veto(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:better off|happier|better|easier|lighter|fine|okay|ok|cope|coping|manage|kinder|less work|relieved|free)(?: \S+){0,6} (?:without me|if i (?:was|were|had) (?:not|never|gone|dead)|if i (?:disappeared|died|left for good|just went|just vanished)|if i (?:had |would |d )?never (?:existed|been born|lived)|with (?:a|an|someone) \w+ (?:who|that) (?:was|is|were) not me)\b|\bbetter off dead\b|\b(?:nobody|no one)(?: \w+){0,3} (?:notice|care|miss me)(?: \w+){0,2} if i (?:was|were|died|disappeared|went)\b|\bif i (?:died|disappeared|was gone|were gone) (?:tomorrow|today|tonight)\b|\bif i died (?:it|they|everyone|no one|nobody)\b",
            neg = false
        ),
        r"\b(?:she|he|they|you) (?:would|will|d|might|is|are)(?: \w+)? be better off dead\b",
    ),
    rule!(
        PASSIVE,
        Low,
        r"\b(?:would not|wouldnt|would not really|not) (?:mind|care|fight it|be sad|be upset|be the worst thing)(?: \S+){0,3}? (?:dying|to die|to go\b|being dead|not being|if (?:i (?:died|got (?:really |very )?(?:sick|ill|hit|cancer|killed)|never|did not|was (?:gone|dead|hit)|were gone|just (?:died|went))|(?:the|my|a) (?:plane|car|bus|heart|train|cancer|illness)|something (?:happened|bad)|it (?:all )?(?:just )?(?:ended|stopped)))|\b(?:wish|hope|hoping|mind|worst thing|pray)(?: \S+){0,8} (?:hit by|run over|crash(?:es|ed)? into me|hit me)\b|\b(?:hit by|run over by) (?:a |the )?(?:bus|car|truck|lorry|train)(?: \S+){0,6} (?:mind|wish|hope|fine|good|relief)\b",
        neg = false
    ),
    rule!(
        PASSIVE,
        Low,
        r"\b(?:pray|praying|prayed|hope|hoping|wish|wishing|asked|begging|begged|told)(?: \S+){0,5} (?:god|allah|jesus|the lord|he|it|something|someone|the sea|the cancer|cancer|this illness|the illness|death|the universe)(?: \w+){0,3} (?:would |will |to |d )?(?:just )?(?:take|takes|took) me\b|\b(?:wish|wishing|wished|hope|hoping|hoped|pray|praying)(?: \S+){0,6} (?:finish(?:es)? me off|end it for me|would end it|end me)\b|\b(?:wish|wishing|hope|hoping)(?: \S+){0,4} (?:my heart would (?:just )?stop|i (?:do not|did not|will not) make it through|something (?:bad )?(?:happens|would happen) to me)\b|\bhope something (?:bad )?happens to me\b",
        neg = false
    ),
    needs(
        rule!(
            PASSIVE,
            Low,
            r"\bheart (?:would |could |to )?(?:just )?(?:stop|stopped|gave out|give out)\b",
            neg = false
        ),
        r"\b(?:wish|hope|mind|fine|pray|okay)\b",
    ),
    rule!(
        PASSIVE,
        Low,
        r"\b(?:death|dying|being dead|the end)(?: \w+){0,3} (?:sounds|seems|feels|looks|would be)(?: \w+){0,2} (?:peaceful|nice|comforting|like a relief|a relief|welcome|appealing|good|better)\b|\b(?:thought|idea) of (?:death|dying|being dead|not waking)(?: \S+){0,8} (?:comforting|peaceful|relief|does not scare me)\b|\b(?:nice|peaceful|good|easier|kinder|a relief|a mercy|a blessing|better|lovely|fine)(?: \w+){0,4} (?:to (?:just )?(?:not be (?:alive|here)|be gone|not exist|not wake up|be dead|disappear)|if i (?:just )?(?:was not|were not|was gone) (?:here|around|alive))\b|\b(?:easier|better|kinder|mercy|fine|okay)(?: \w+){0,5} if i (?:just )?(?:was not|were not) (?:here|around|alive)\b",
        neg = false
    ),
    rule!(
        PASSIVE,
        Low,
        r"\b(?:rather|prefer to) not (?:be here|be alive|exist|live|wake up)\b|\bnot (?:be|being) (?:here|alive|around) (?:anymore|any more|any longer|much longer|by then)\b|\bnot (?:being|be) alive\b|\bwaiting (?:around )?(?:to die|for (?:the end|death|it to end|my time))\b|\bonly alive out of habit\b|\bready to (?:die|go)(?: now)?(?: ,| \.|$)|\b(?:the rest|my body) (?:would|will|to) catch up\b|\bwish i (?:had|could get|would get) (?:cancer|a disease|something terminal)\b|\breason to go\b|\bhope i am not in it\b|\b(?:want|ready for) (?:it all|everything) to (?:stop|end|be over)\b|\bjust want (?:it|this|life) (?:all )?to (?:end|be over)\b|\b(?:relieved|relief|fine|happy|glad|okay)(?: \w+){0,3} if (?:it all|everything|it|life) (?:just )?(?:stopped|ended|was over)\b|\b(?:do not|dont) want to be around to\b",
        neg = false
    ),
    needs(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:join|be with) (?:her|him|them|my (?:wife|husband|mum|mom|dad|son|daughter|partner|baby|brother|sister|late \w+))\b",
            neg = true,
            guards = guard::MEDIA | guard::RECOVERED | guard::CLINICAL
        ),
        r"\b(?:died|passed|gone|heaven|death|grave|lost|late|since (?:my|her|his) \w+ (?:died|passed)|by morning|in my sleep)\b",
    ),
    needs(
        rule!(
            PASSIVE,
            Low,
            r"\b(?:like|want|ready) to go now\b|\bwant out of (?:it|life|this life|here)\b",
            neg = false
        ),
        r"\b(?:heaven|god|die|dead|life|alive|allah|take me|pain|living)\b",
    ),
    rule!(
        HOPELESS,
        Low,
        r"\b(?:what is|whats|what s) (?:even )?the point (?:of|in) (?:me|living|life|going on|being here|being alive|waking up|existing|carrying on|staying alive|it all)\b|\b(?:no|see no) (?:point|reason) (?:in |to )?(?:living|being here|stay(?:ing)? alive|go(?:ing)? on|keep(?:ing)? going|carry(?:ing)? on|exist(?:ing)?|live)\b|\b(?:see no|do not see (?:a|any)|no) reason to (?:stay alive|live|keep going|go on|carry on|be here|exist|keep living)\b|\blife (?:is not|isnt|is no longer|not|really is not) worth (?:it|living|the effort)\b|\bnot worth living\b|\b(?:do not|dont|can not|would not|wouldnt) see (?:the|any) point(?: (?:in|of) (?:being here|living|life|going on|staying alive|being alive|any of it|me|carrying on))?(?: anymore| any more)?(?: \.| ,|$)|\bwhy i should (?:keep going|go on|carry on|stay|live|be here)\b|\b(?:see no|no) future (?:for me|for myself|at all)?\b|\bdo not want (?:one|a future)\b|\b(?:life|living|existence|everything|my life) (?:feels|is|seems) (?:so |just |completely )?(?:pointless|meaningless|like a chore|like a mistake|a mistake)\b|\bbeing alive (?:is|feels) (?:so )?(?:exhausting|too much|unbearable|pointless|hard)\b|\buntil it (?:all )?ends\b|\bwhat is the point of me\b|\bwhat is (?:even )?the point (?:anymore|any more)\b|\b(?:can not|do not|dont) see (?:a|any) future\b|\bcan not (?:go on|keep going|keep living|carry on)(?: like this| anymore| any more| any longer|$| \.| ,)",
        neg = false
    ),
    rule!(
        BURDEN,
        Low,
        r"\b(?:i am|im|i feel like|feel like|being|i am just|such|i am such) (?:a |an |just a |such a |nothing but a )?(?:burden|weight around|drain on|waste of space|waste of oxygen|waste of air)\b|\ba burden (?:to|on)\b|\btaking up (?:space|air)\b|\b(?:world|everyone|nobody|no one) (?:does not|doesnt|would not) (?:need|miss|want) me\b|\bi (?:do not|dont) belong (?:in this world|on this earth|anywhere)\b|\b(?:my (?:whole )?existence|being born) (?:is|was|feels like) a mistake\b|\bthe problem in every room\b|\bweight around (?:everyone|their|my)\b",
        neg = false
    ),
];

/// Idioms and figures of speech, neutralised before the `low`/`moderate` rules run (the
/// `high` rules never see this: they match the full text).
pub(crate) const IDIOMS: &str = r"\b(?:die|died|dying|dead) of (?:cringe|embarrassment|shame|boredom|laughter|laughing|the heat|heat|hunger|thirst|curiosity|jealousy|envy|old age|fright)\b|\bdying (?:to|for) \w+\b|\bto die for\b|\b(?:could|would|nearly|almost|just about) (?:have )?(?:die|died|dying)\b|\b(?:rather|sooner) (?:die|be dead) than\b|\b(?:kill|killing|killed|smash|smashed|smashing|slay|slayed|slaying|nail|nailed|nailing) (?:it|that|the \w+ )\b|\b(?:this|that|it|the \w+|my \w+|these \w+|work|job|commute|deadline|traffic|heat|cold|exam|weather) (?:is |are |was |s |were )?(?:literally |slowly |absolutely )?(?:killing|murdering|destroying) (?:me|my \w+)\b|\b(?:could|would) (?:literally |actually |honestly )?(?:kill|murder|strangle|smother|throttle|eat) (?:a|an|for|some|them|him|her|you|my (?:\w+ )?{PERSON}s?|my (?:printer|laptop|phone|computer|car|cat|dog))\b|\b(?:kill|murder|eat) (?:a|an) (?:pizza|burger|curry|kebab|horse|pint|drink|coffee|brew|cuppa|takeaway)\b|\bdead (?:tired|on my feet|serious|to me|inside lol|beat|good|easy|funny|set|right)\b|\bdeath warmed up\b|\b(?:be|is|will be) the death of (?:me|her|him|us)\b|\b(?:scared|bored|sick|worried|tired) to death\b|\bworried sick\b|\bover my dead body\b|\bthe ground to swallow me\b|\bcrawl (?:into|under) a hole\b|\b(?:phone|battery|laptop|car|wifi|plants?|charger|arm|legs|feet|tv|computer|printer)(?: \w+)? (?:died|is dead|are dead|s dead|was dead)\b|\bhungover(?: \S+){0,4} (?:want|wanna|wanted|could) (?:to )?die\b|\bkill (?:me|us|you) with (?:\w+ )?(?:sprints|kindness|these|his|her|their|puns|laughter|boredom)\b|\bhang (?:us|you|me|them) out to dry\b|\b(?:would|will|is going to|going to) kill (?:us|me|you) if (?:we|i|you) (?:came|come|got|get|were|are|was|forgot|forget|broke|break|ate|eat|spilled|spill|missed|miss|lost|lose|failed|fail|did not|do not|were late|are late)\b|\bhang(?:ing)? out\b|\bcut(?:ting)? (?:down|back|out|in|off|corners|ties|class|classes|the grass|the cord|my hair|his hair|her hair|a deal|loose|it fine|it close)\b|\bshot (?:myself|me) in the foot\b|\b(?:kill|killing) (?:my|the) (?:vibe|mood|buzz|ego|conversation|battery)\b|\bkill(?:ing)? myself laughing\b|\b(?:going to|gonna) (?:explode|lose my mind|lose it)\b|\bi (?:nearly|almost) died\b|\bwanted to die (?:lol|lmao|haha)\b|\bend of the world\b";

/// Context guards, each a message-level pattern. Guards only ever suppress `low` and
/// `moderate` matches of rules that allow them.
pub(crate) const GUARD_MEDIA: &str = r"\b(?:film|films|movie|movies|book|books|novel|novels|series|tv|show|episode|season|game|games|gaming|video game|fortnite|minecraft|call of duty|elden ring|gta|character|characters|podcast|documentary|anime|manga|a play|the play|screenplay|script|villain|thriller|horror|zombie|zombies|murder mystery|song|lyrics|album|news|article|headline|history|macbeth|romeo|shakespeare|true crime|netflix|memoir|biography|poem|comic|opera|musical|cartoon|fiction|the story|a story|plot|chapter|in the game|streamer)\b";
pub(crate) const GUARD_GRIEF: &str = r"\b(?:died|passed|passed away|death of|funeral|grave|cemetery|grieving|grief|bereave\w*|memorial|late (?:husband|wife|mum|mom|dad|son|daughter|brother|sister|friend)|took (?:his|her|their) own life|killed (?:himself|herself|themselves)|died by suicide|lost (?:my|her|his|our) \w+|(?:his|her|their|brothers|sisters|sons|daughters|dads|mums|moms|friends|uncles|aunts|cousins|husbands|wifes|partners) suicide|anniversary)\b";
pub(crate) const GUARD_SOMEONE_ELSE: &str = r"\b(?:my|a|our|her|his) (?:friend|friends|best friend|sister|brother|son|daughter|mum|mom|dad|partner|husband|wife|colleague|coworker|cousin|client|patient|student|teenager|kid|child|niece|nephew|flatmate|mate)(?: \w+){0,2} (?:is|was|has been|seems|told me|said|says|keeps|admitted|mentioned|thinks)\b|\bhow (?:can|do|should) i (?:help|support)\b|\bfor (?:a|my) friend\b|\bworried about (?:my|her|him|them)\b|\b(?:someone|somebody) (?:tells|told) me\b";
pub(crate) const GUARD_PAST: &str = r"\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|few|several|many|some) (?:years?|months|decades?) (?:ago|since|clean|free|later|on)\b|\byears ago\b|\bwhen i was (?:\d+|a teen\w*|a kid|a child|young|younger|little|at uni|in (?:school|uni|college|my))\b|\bas a (?:teen\w*|kid|child|student|young \w+)\b|\bin (?:my|the) (?:teens|twenties|thirties|forties|20s|30s|40s)\b|\b(?:in|since|back in) (?:19|20)\d\d\b|\bback in (?:january|february|march|april|may|june|july|august|september|october|november|december)\b|\bused to\b|\bback (?:then|when)\b|\blast year\b|\bhave not(?: \w+){0,3} (?:since|in (?:over )?(?:a |\w+ )?(?:years?|months))\b|\bafter my (?:attempt|overdose|suicide attempt)\b|\bfree of\b|\byears since\b";
pub(crate) const GUARD_RECOVERY: &str = r"\b(?:these days|nowadays|(?:been|have been|i am|im) (?:well|fine|okay|good|stable) (?:for|since|ever since)|doing (?:much |really |so |a lot |way )?(?:better|well|good|great|fine|okay)|proud|recovered|recovery|better place|good place|different person|content|happily|grateful|free of|clean|got help|got through|life is (?:\w+ )?good|safe now|okay now|fine now|good now|have not needed|volunteer\w*|peer support|graduated|campaign\w*|rare|know what to do|completely gone|much better|survived|thriving|healed|in remission|stable now|i am safe|doing well|now i am (?:doing|happy|fine|okay|good|well|better|content|safe|in a|a different|back at|married|a)|have not (?:\w+ )?(?:since|in (?:over )?(?:a |\w+ )?(?:years?|months))|(?:years|months) (?:clean|free)|(?:therapy|treatment|medication|counselling|it) (?:really |has |has really )?helped|helped (?:me|so much)|got better)\b";
pub(crate) const GUARD_CURRENT: &str = r"\b(?:again|relaps\w*|are back|is back|came back|coming back|yesterday|last night|this morning|lately|recently|right now|tonight|currently|at the moment|these past|started (?:again|back)|first time in|since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|last week))\b|\bi (?:still |really )?(?:want|keep|am (?:thinking|having|feeling|struggling)|feel like i (?:want|might))\b|\bbut i (?:want|feel like|am (?:thinking|having))\b";
pub(crate) const GUARD_CLINICAL_EDU: &str = r"\bfor (?:my|a|our) (?:\w+ )?(?:class|course|module|lecture|essay|assignment|dissertation|exam|training|studies|research|project|degree|thesis)\b|\b(?:doing|taking|on) (?:a|the) (?:\w+ )?(?:\w+ )?(?:course|training|module)\b|\basking for (?:my|a) (?:\w+ )?(?:module|course|class|essay)\b|\bcame up in (?:my|a|our) (?:\w+ )?(?:lecture|class|seminar|course)\b|\bin (?:my|a|our) (?:\w+ )?(?:lecture|seminar)\b";
pub(crate) const GUARD_CLINICAL_TERM: &str = r"\b(?:c ?ssrs|columbia|phq ?9|phq|gad ?7|ideation|means restriction|risk factors|clinically|crisis card|safety plan|screener|questionnaire|criteria)\b";
pub(crate) const GUARD_QUESTION: &str = r"\b(?:what is|what are|what does|whats|can you explain|explain|how does|how do you|why does|why do|difference between|is it normal|what should i say)\b";
pub(crate) const GUARD_ASKED_DENIED: &str = r"\b(?:why|is it normal|how come)(?: \w+){0,6} (?:ask|asks|asked|asking)\b|\b(?:asked|asks|ask)(?: \w+){0,5} (?:whether|if|about)(?: \S+){0,12} (?:i (?:do not|have not|had not|did not|never)|not at all|i said no|i told (?:her|him|them) (?:no|honestly))\b";
pub(crate) const GUARD_JOKE: &str =
    r"\b(?:lol|lmao|lmfao|haha\w*|hehe|rofl|jk|joking|kidding|drama queen)\b";
/// Self-referential wording in a match; the media, grief and someone-else guards never
/// suppress such a match ("I watched a film and now I want to kill myself").
pub(crate) const SELF_REF: &str = r"\b(?:my ?self|my (?:own )?life|kms)\b";
