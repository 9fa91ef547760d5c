//! Hand-written cases for each rule and each guard.

use super::screen;
use crate::Risk;

#[track_caller]
fn level(text: &str, want: Risk) {
    let v = screen(text);
    assert_eq!(v.risk, want, "{text:?} → {v:?}");
}

#[test]
fn every_pattern_compiles() {
    assert!(
        super::pattern_errors().is_empty(),
        "{:?}",
        super::pattern_errors()
    );
}

// ------------------------------------------------------------------ high rules

#[test]
fn explicit_intent_is_high() {
    for t in [
        "I'm going to kill myself",
        "im gonna kms tonight",
        "i'm about to do it, i just wanted someone to know",
        "I've made up my mind, I'm going to end my life",
        "im ending it tn dont try to stop me",
        "ill k1ll myself",
        "I'm going to end it before the morning",
    ] {
        level(t, Risk::High);
        assert!(
            screen(t)
                .reasons
                .iter()
                .any(|r| r == "rule:explicit-intent" || r == "rule:timeline"),
            "{t}"
        );
    }
}

#[test]
fn plan_and_means_are_high() {
    for t in [
        "I've been saving up my pills",
        "ive been stockpiling my meds",
        "I have the rope in the shed",
        "i have a plan to end it",
        "I've got the tablets in front of me",
        "bought a gun and it's for me",
        "I'm sitting in the car in the garage with the engine running",
    ] {
        level(t, Risk::High);
        assert!(
            screen(t).reasons.iter().any(|r| r == "rule:plan-means"),
            "{t}: {:?}",
            screen(t)
        );
    }
}

#[test]
fn timeline_is_high() {
    for t in [
        "Tonight's the night",
        "ctb tonight",
        "Friday is the day, I've decided",
        "it's happening tomorrow, I'm going to end it",
    ] {
        level(t, Risk::High);
    }
}

#[test]
fn attempt_in_progress_is_high() {
    for t in [
        "took all my pills",
        "I just swallowed a whole packet of paracetamol",
        "i already took them all",
        "I drank bleach",
        "I've cut too deep and it won't stop bleeding",
        "im on the ledge",
        "I'm on the bridge and I'm going to jump",
    ] {
        level(t, Risk::High);
    }
}

#[test]
fn goodbye_acts_are_high() {
    for t in [
        "I wrote letters to everyone",
        "gave away my cat to my neighbour so she's taken care of",
        "I've said my goodbyes",
        "goodbye everyone, I'm sorry",
        "my passwords are on the fridge, he'll need them after tonight",
        "I won't be around after tonight",
    ] {
        level(t, Risk::High);
        assert!(
            screen(t).reasons.iter().any(|r| r == "rule:goodbye"),
            "{t}: {:?}",
            screen(t)
        );
    }
}

#[test]
fn danger_from_others_now_is_high() {
    for t in [
        "he's outside with a knife",
        "My husband is drunk and threatening to kill me, he's downstairs",
        "he's hitting me right now",
        "he locked me in and won't let me out",
        "my ex kicked the door in",
    ] {
        level(t, Risk::High);
        assert!(
            screen(t)
                .reasons
                .iter()
                .any(|r| r == "rule:danger-from-others"),
            "{t}"
        );
    }
}

#[test]
fn harm_to_others_with_a_weapon_or_time_is_high() {
    level("I'm going to stab him when he gets home", Risk::High);
    level(
        "I'm going to hurt my ex tonight, I know where she lives",
        Risk::High,
    );
}

#[test]
fn guards_never_suppress_high() {
    // Fiction words, grief, recovered history, a question and "lol" around a high signal.
    level(
        "I watched a film about it and I'm going to kill myself tonight",
        Risk::High,
    );
    level("since my mum died I've been saving up my pills", Risk::High);
    level(
        "I used to be fine, proud of how far I came, but I took all my tablets an hour ago",
        Risk::High,
    );
    level(
        "what is the crisis card? anyway im gonna kms tonight lol",
        Risk::High,
    );
    level(
        "this commute is killing me and I've got the rope ready",
        Risk::High,
    );
}

#[test]
fn negated_intent_is_not_high() {
    level("I'm not going to kill myself, I promise", Risk::None);
    level(
        "I don't have a plan and I'm not going to do anything",
        Risk::None,
    );
}

// ------------------------------------------------------------------ moderate rules

#[test]
fn suicidal_thoughts_are_moderate() {
    for t in [
        "I keep thinking about killing myself",
        "suicide has been on my mind a lot",
        "i feel suicidal",
        "I want to end it all",
        "I want to die and I've been thinking about how",
        "I was suicidal yesterday",
    ] {
        level(t, Risk::Moderate);
    }
}

#[test]
fn coded_slang_is_flagged() {
    for t in [
        "kinda want to kms ngl",
        "i want to unalive myself",
        "thinking about sewerslide",
        "ctb thoughts again",
        "i should just kys",
        "s*icide is on my mind",
        "KMS",
    ] {
        let v = screen(t);
        assert!(v.risk >= Risk::Moderate, "{t}: {v:?}");
    }
    assert!(screen("kinda want to kms")
        .reasons
        .iter()
        .any(|r| r == "rule:coded-slang"));
    // Passive slang stays passive.
    level(
        "i'm not gonna kms or anything, i just wish i'd stop existing",
        Risk::Low,
    );
}

#[test]
fn self_harm_is_moderate() {
    for t in [
        "cutting again",
        "I cut myself last night",
        "the urge to self-harm is so strong",
        "I burned my arm on purpose",
        "been punching walls until my knuckles bleed",
        "im struggling not to self harm rn",
    ] {
        level(t, Risk::Moderate);
        assert!(
            screen(t).reasons.iter().any(|r| r == "rule:self-harm"),
            "{t}"
        );
    }
}

#[test]
fn thoughts_of_harming_others_are_moderate() {
    level(
        "I keep thinking about hurting my husband when he sleeps",
        Risk::Moderate,
    );
    level("I want to hurt someone at work", Risk::Moderate);
    level(
        "had to lock myself in so I wouldn't hurt someone",
        Risk::Moderate,
    );
}

// ------------------------------------------------------------------ low rules

#[test]
fn passive_wishes_are_low() {
    for t in [
        "I want to go to sleep and not wake up",
        "everyone would be better off without me",
        "I just don't want to be here anymore",
        "I wish I was dead",
        "i'd rather not be here anymore",
        "nobody would notice if i was gone",
    ] {
        level(t, Risk::Low);
    }
}

#[test]
fn hopelessness_and_burden_are_low() {
    level("what's the point of living", Risk::Low);
    level("life isn't worth living", Risk::Low);
    level("I'm just a burden to everyone", Risk::Low);
}

// ------------------------------------------------------------------ guards

#[test]
fn idioms_do_not_fire() {
    for t in [
        "this commute is killing me",
        "I could murder a pizza",
        "I'm dying to see the new film",
        "my boss will kill me if I'm late",
        "dead tired after work",
        "killing it at work this week",
        "that cake was to die for",
        "i wanna die of embarrassment",
        "I'd rather die than do karaoke",
        "my phone died",
        "we're hanging out later",
        "I need to cut down on coffee",
    ] {
        level(t, Risk::None);
    }
    assert!(screen("this commute is killing me")
        .guards
        .iter()
        .any(|g| g == "guard:idiom"));
}

#[test]
fn fiction_and_news_guard() {
    level(
        "My brother keeps threatening to kill me in Fortnite",
        Risk::None,
    );
    level(
        "the podcast was about a man who attempted suicide twice",
        Risk::None,
    );
    // But a message that names the writer still fires.
    level(
        "watched a film and now I keep thinking about killing myself",
        Risk::Moderate,
    );
}

#[test]
fn grief_guard() {
    level(
        "I keep thinking about my brother's suicide, it's been a year",
        Risk::None,
    );
    // A wish to join someone who died is the writer's own passive wish.
    level("since my wife died I just want to join her", Risk::Low);
}

#[test]
fn someone_else_guard() {
    level(
        "my friend told me she's been self harming, how can I support her?",
        Risk::None,
    );
    level(
        "my sister is suicidal and I don't know what to do",
        Risk::None,
    );
}

#[test]
fn recovered_history_guard() {
    level(
        "Two years ago I was suicidal, now I'm doing much better",
        Risk::None,
    );
    level(
        "I used to self-harm as a teenager but I haven't in over ten years",
        Risk::None,
    );
    // Not recovered: it is current.
    level("I was suicidal yesterday", Risk::Moderate);
    level(
        "two years ago I was suicidal and lately I'm thinking about suicide again",
        Risk::Moderate,
    );
}

#[test]
fn clinical_question_guard() {
    level(
        "What is passive suicidal ideation, clinically speaking?",
        Risk::None,
    );
    level("What's the difference between self-harm and suicidal behaviour? Asking for my nursing module", Risk::None);
    level(
        "why does the app ask about suicidal thoughts? I don't have any",
        Risk::None,
    );
}

#[test]
fn joke_guard_only_for_hyperbole() {
    level("I'm so hungover I want to die lol", Risk::None);
    level(
        "my flatmates ate my food, I want to strangle them lol",
        Risk::None,
    );
    // Laughing does not hide self-harm or suicidal thoughts.
    level("cut myself again lol whatever", Risk::Moderate);
    level("thinking about killing myself haha", Risk::Moderate);
}

// ------------------------------------------------------------------ robustness

#[test]
fn bad_input_never_panics() {
    let long = "I am fine. ".repeat(5000);
    for t in [
        "",
        "   ",
        "\u{0}\u{7}\u{1b}[31m",
        "😀😀😀",
        "我想死",
        "ا",
        &long,
        "'''",
        "''m",
        "od'd",
        "*",
        "k*",
    ] {
        let _ = screen(t);
    }
    level("", Risk::None);
}

#[test]
fn screening_is_fast() {
    let msgs = [
        "I've had a terrible day but I'm okay",
        "i keep thinking about how everyone would be better off without me tbh",
        "My husband is drunk and threatening to kill me, he's downstairs",
    ];
    let _ = screen("warm up");
    let start = std::time::Instant::now();
    let n = 300;
    for i in 0..n {
        let _ = screen(msgs[i % msgs.len()]);
    }
    let per = start.elapsed() / n as u32;
    // Generous for unoptimised test builds; release builds are far faster.
    assert!(
        per < std::time::Duration::from_millis(5),
        "{per:?} per message"
    );
}
