//! The C-SSRS screener (Columbia–Suicide Severity Rating Scale, screen version, past month):
//! its six questions, its branching, and its triage — pure logic, no UI.
//!
//! Source: The Columbia Lighthouse Project (Posner et al.), free to use in community and
//! healthcare settings; the wording and the triage rules are carried over exactly from
//! `../shared/clinical/instruments.md`. Questions are asked in order with yes/no answers:
//! after a "no" to question 2 the screener goes straight to question 6; a "yes" to question
//! 6 is followed by "Was this within the past 3 months?".
//!
//! Triage: yes to 4 or 5, or yes to 6 within the past 3 months → high; yes to 3, or yes to 6
//! more than 3 months ago → moderate; yes to 1 and/or 2 only → low; all "no" → none.

use hearth_nlu::Risk;
use serde::{Deserialize, Serialize};

/// One step of the screener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// Question 1: wished to be dead.
    Q1,
    /// Question 2: thoughts of killing yourself.
    Q2,
    /// Question 3: thinking about how.
    Q3,
    /// Question 4: intention of acting.
    Q4,
    /// Question 5: worked out the details; intend to carry out.
    Q5,
    /// Question 6: ever done, started or prepared anything to end your life.
    Q6,
    /// The follow-up to a "yes" to question 6: within the past 3 months?
    Q6Recent,
}

impl Step {
    /// The question, worded as the screener asks it.
    pub fn question(self) -> &'static str {
        match self {
            Step::Q1 => {
                "Have you wished you were dead or wished you could go to sleep and not wake up?"
            }
            Step::Q2 => "Have you actually had any thoughts of killing yourself?",
            Step::Q3 => "Have you been thinking about how you might do this?",
            Step::Q4 => "Have you had these thoughts and had some intention of acting on them?",
            Step::Q5 => {
                "Have you started to work out or worked out the details of how to kill \
                 yourself? Do you intend to carry out this plan?"
            }
            Step::Q6 => {
                "Have you ever done anything, started to do anything, or prepared to do \
                 anything to end your life?"
            }
            Step::Q6Recent => "Was this within the past 3 months?",
        }
    }

    /// Examples shown under the question (only question 6 has them).
    pub fn examples(self) -> Option<&'static str> {
        (self == Step::Q6).then_some(
            "For example: collected pills, obtained a gun, gave away valuables, wrote a will \
             or suicide note, took out pills but didn't swallow any, held a gun but changed \
             your mind or it was grabbed from your hand, went to the roof but didn't jump; or \
             actually took pills, tried to shoot yourself, cut yourself, tried to hang \
             yourself, etc.",
        )
    }

    /// The question's number as the screener prints it (the follow-up counts as 6).
    pub fn number(self) -> u8 {
        match self {
            Step::Q1 => 1,
            Step::Q2 => 2,
            Step::Q3 => 3,
            Step::Q4 => 4,
            Step::Q5 => 5,
            Step::Q6 | Step::Q6Recent => 6,
        }
    }
}

/// The answers so far, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screener {
    answers: Vec<(Step, bool)>,
}

/// Why an answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScreenerError {
    /// The screener is finished; there is nothing left to answer.
    #[error("the screener is already complete")]
    Complete,
}

impl Screener {
    /// A screener with no answers yet.
    pub fn new() -> Screener {
        Screener::default()
    }

    fn answer_to(&self, step: Step) -> Option<bool> {
        self.answers
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, a)| *a)
    }

    /// The question to ask next, or `None` when the screener is complete.
    pub fn next(&self) -> Option<Step> {
        let Some(&(last, yes)) = self.answers.last() else {
            return Some(Step::Q1);
        };
        match (last, yes) {
            (Step::Q1, _) => Some(Step::Q2),
            (Step::Q2, true) => Some(Step::Q3),
            (Step::Q2, false) => Some(Step::Q6),
            (Step::Q3, _) => Some(Step::Q4),
            (Step::Q4, _) => Some(Step::Q5),
            (Step::Q5, _) => Some(Step::Q6),
            (Step::Q6, true) => Some(Step::Q6Recent),
            (Step::Q6, false) | (Step::Q6Recent, _) => None,
        }
    }

    /// Records the answer to the current question.
    pub fn answer(&mut self, yes: bool) -> Result<Step, ScreenerError> {
        let step = self.next().ok_or(ScreenerError::Complete)?;
        self.answers.push((step, yes));
        Ok(step)
    }

    /// Goes back one question (the answer given there is forgotten).
    pub fn back(&mut self) {
        self.answers.pop();
    }

    /// The answers given so far.
    pub fn answers(&self) -> &[(Step, bool)] {
        &self.answers
    }

    /// Whether every question on the patient's path has been answered.
    pub fn is_complete(&self) -> bool {
        self.next().is_none()
    }

    /// The triage level of the answers so far (final once [`Screener::is_complete`]).
    pub fn triage(&self) -> Risk {
        let yes = |s| self.answer_to(s) == Some(true);
        let q6_recent = yes(Step::Q6) && yes(Step::Q6Recent);
        let q6_earlier = yes(Step::Q6) && self.answer_to(Step::Q6Recent) == Some(false);
        if yes(Step::Q4) || yes(Step::Q5) || q6_recent {
            Risk::High
        } else if yes(Step::Q3) || q6_earlier {
            Risk::Moderate
        } else if yes(Step::Q1) || yes(Step::Q2) {
            Risk::Low
        } else {
            Risk::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers a whole path; returns the steps asked and the triage.
    fn run(answers: &[bool]) -> (Vec<Step>, Risk, bool) {
        let mut s = Screener::new();
        let mut asked = Vec::new();
        for &a in answers {
            match s.answer(a) {
                Ok(step) => asked.push(step),
                Err(_) => break,
            }
        }
        (asked, s.triage(), s.is_complete())
    }

    use Step::*;

    #[test]
    fn every_answer_path_is_asked_and_triaged_as_the_screener_says() {
        // (answers in order, questions asked, triage) for every path through the screener.
        let t = true;
        let f = false;
        let cases: Vec<(Vec<bool>, Vec<Step>, Risk)> = vec![
            // No to 2: straight to 6.
            (vec![f, f, f], vec![Q1, Q2, Q6], Risk::None),
            (vec![t, f, f], vec![Q1, Q2, Q6], Risk::Low),
            (vec![f, f, t, t], vec![Q1, Q2, Q6, Q6Recent], Risk::High),
            (vec![f, f, t, f], vec![Q1, Q2, Q6, Q6Recent], Risk::Moderate),
            (vec![t, f, t, t], vec![Q1, Q2, Q6, Q6Recent], Risk::High),
            (vec![t, f, t, f], vec![Q1, Q2, Q6, Q6Recent], Risk::Moderate),
            // Yes to 2: 3, 4, 5, then 6.
            (
                vec![f, t, f, f, f, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::Low,
            ),
            (
                vec![t, t, f, f, f, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::Low,
            ),
            (
                vec![t, t, t, f, f, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::Moderate,
            ),
            (
                vec![t, t, f, t, f, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::High,
            ),
            (
                vec![t, t, f, f, t, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::High,
            ),
            (
                vec![t, t, t, t, t, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6],
                Risk::High,
            ),
            (
                vec![t, t, f, f, f, t, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6, Q6Recent],
                Risk::Moderate,
            ),
            (
                vec![t, t, f, f, f, t, t],
                vec![Q1, Q2, Q3, Q4, Q5, Q6, Q6Recent],
                Risk::High,
            ),
            (
                vec![f, t, t, f, f, t, f],
                vec![Q1, Q2, Q3, Q4, Q5, Q6, Q6Recent],
                Risk::Moderate,
            ),
        ];
        for (answers, asked, risk) in cases {
            let (got_asked, got_risk, complete) = run(&answers);
            assert_eq!(got_asked, asked, "{answers:?}");
            assert_eq!(got_risk, risk, "{answers:?}");
            assert!(complete, "{answers:?} completes the screener");
        }
    }

    #[test]
    fn exhaustively_the_triage_follows_the_rules() {
        // Every sequence of up to seven answers: walk it, then check the rules directly.
        for bits in 0u32..(1 << 7) {
            let answers: Vec<bool> = (0..7).map(|i| bits & (1 << i) != 0).collect();
            let mut s = Screener::new();
            for &a in &answers {
                if s.answer(a).is_err() {
                    break;
                }
            }
            assert!(s.is_complete());
            assert_eq!(s.answer(true), Err(ScreenerError::Complete));
            let yes = |step| s.answers().contains(&(step, true));
            let no = |step| s.answers().contains(&(step, false));
            let want = if yes(Q4) || yes(Q5) || (yes(Q6) && yes(Q6Recent)) {
                Risk::High
            } else if yes(Q3) || (yes(Q6) && no(Q6Recent)) {
                Risk::Moderate
            } else if yes(Q1) || yes(Q2) {
                Risk::Low
            } else {
                Risk::None
            };
            assert_eq!(s.triage(), want, "{:?}", s.answers());
            // 3, 4 and 5 are asked exactly when 2 was answered yes.
            assert_eq!(yes(Q2), s.answers().iter().any(|(q, _)| *q == Q3));
            assert_eq!(yes(Q6), s.answers().iter().any(|(q, _)| *q == Q6Recent));
        }
    }

    #[test]
    fn going_back_forgets_the_last_answer() {
        let mut s = Screener::new();
        assert_eq!(s.answer(true), Ok(Q1));
        assert_eq!(s.answer(true), Ok(Q2));
        assert_eq!(s.next(), Some(Q3));
        s.back();
        assert_eq!(s.next(), Some(Q2));
        assert_eq!(s.answer(false), Ok(Q2));
        assert_eq!(s.next(), Some(Q6));
        assert_eq!(s.triage(), Risk::Low);
    }

    #[test]
    fn the_wording_is_the_instruments() {
        assert_eq!(Q6Recent.question(), "Was this within the past 3 months?");
        assert_eq!(Q6Recent.number(), 6);
        assert!(Q6.examples().is_some_and(|e| e.contains("collected pills")));
        assert!(Q1.examples().is_none());
    }
}
