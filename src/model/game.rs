//! Stage games: the 2x2 payoff matrices states play in every round.
//!
//! The default is a strict prisoner's dilemma, T > R > P > S and 2R > T + S (Axelrod 1984;
//! thesis ch. 5, where the fear of being cheated in a prisoner's dilemma is what institutions
//! remove). An explicit opt-in admits any 2x2 game: the weak dilemma with P = S of Nowak & May
//! (1992), the stag hunt, chicken and deadlock.

use serde::{Deserialize, Serialize};

/// A move in the stage game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Cooperate: open channels, share burden, comply with agreed rules.
    C,
    /// Defect: restrict unilaterally, free-ride, cheat.
    D,
}

impl Action {
    /// 0 for C, 1 for D: the index used in payoff tables and strategy machines.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Action::C => 0,
            Action::D => 1,
        }
    }

    /// The action with index 0 (C) or 1 (D).
    #[inline]
    pub fn from_index(i: usize) -> Action {
        if i == 0 {
            Action::C
        } else {
            Action::D
        }
    }

    /// The other action.
    #[inline]
    pub fn flip(self) -> Action {
        match self {
            Action::C => Action::D,
            Action::D => Action::C,
        }
    }

    /// `'C'` or `'D'`.
    pub fn as_char(self) -> char {
        match self {
            Action::C => 'C',
            Action::D => 'D',
        }
    }
}

/// Payoffs of a symmetric 2x2 game to the row player: T (temptation, D against C),
/// R (reward, mutual C), P (punishment, mutual D), S (sucker, C against D).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payoffs {
    /// Temptation: defect against a cooperator.
    pub t: f64,
    /// Reward for mutual cooperation.
    pub r: f64,
    /// Punishment for mutual defection.
    pub p: f64,
    /// Sucker's payoff: cooperate against a defector.
    pub s: f64,
}

/// What kind of 2x2 game a payoff matrix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameKind {
    /// T > R > P > S and 2R > T + S.
    PrisonersDilemma,
    /// T > R > P = S (Nowak & May 1992).
    WeakPrisonersDilemma,
    /// R > T >= P > S: cooperation is risky but best if the other cooperates.
    StagHunt,
    /// T > R > S > P.
    Chicken,
    /// T > P > R > S: mutual defection is preferred.
    Deadlock,
    /// Anything else.
    Other,
}

impl Payoffs {
    /// Axelrod's standard payoffs (5, 3, 1, 0).
    pub const STANDARD: Payoffs = Payoffs {
        t: 5.0,
        r: 3.0,
        p: 1.0,
        s: 0.0,
    };

    /// Payoff to a player who plays `me` against `other`.
    #[inline]
    pub fn payoff(&self, me: Action, other: Action) -> f64 {
        match (me, other) {
            (Action::C, Action::C) => self.r,
            (Action::C, Action::D) => self.s,
            (Action::D, Action::C) => self.t,
            (Action::D, Action::D) => self.p,
        }
    }

    /// The matrix as `[CC, CD, DC, DD]` from the row player's view: `[R, S, T, P]`.
    pub fn as_array(&self) -> [f64; 4] {
        [self.r, self.s, self.t, self.p]
    }

    /// All four payoffs are finite numbers.
    pub fn is_finite(&self) -> bool {
        self.t.is_finite() && self.r.is_finite() && self.p.is_finite() && self.s.is_finite()
    }

    /// Classifies the game by the order of its payoffs.
    pub fn kind(&self) -> GameKind {
        let Payoffs { t, r, p, s } = *self;
        if t > r && r > p && p > s && 2.0 * r > t + s {
            GameKind::PrisonersDilemma
        } else if t > r && r > p && p == s {
            GameKind::WeakPrisonersDilemma
        } else if r > t && t >= p && p > s {
            GameKind::StagHunt
        } else if t > r && r > s && s > p {
            GameKind::Chicken
        } else if t > p && p > r && r > s {
            GameKind::Deadlock
        } else {
            GameKind::Other
        }
    }

    /// Why the matrix is not a strict prisoner's dilemma, or `None` when it is.
    pub fn strict_pd_violation(&self) -> Option<String> {
        if !self.is_finite() {
            return Some("finite numbers".into());
        }
        let Payoffs { t, r, p, s } = *self;
        if !(t > r && r > p && p > s) {
            return Some(format!(
                "T > R > P > S, but t = {t}, r = {r}, p = {p}, s = {s}"
            ));
        }
        if 2.0 * r <= t + s {
            return Some(format!(
                "2R > T + S, but 2R = {} and T + S = {}",
                2.0 * r,
                t + s
            ));
        }
        None
    }

    /// The relative-gains transform of a symmetric game (Grieco 1988): with utility
    /// u_i = pi_i - k (pi_j - pi_i), the matrix becomes T' = (1+k)T - kS, R' = R, P' = P,
    /// S' = (1+k)S - kT.
    pub fn relative_gains(&self, k: f64) -> Payoffs {
        Payoffs {
            t: (1.0 + k) * self.t - k * self.s,
            r: self.r,
            p: self.p,
            s: (1.0 + k) * self.s - k * self.t,
        }
    }

    /// The critical discount factor of grim trigger, delta* = (T - R) / (T - P): mutual grim
    /// trigger is an equilibrium exactly when delta >= delta* (Friedman 1971; Axelrod 1984).
    pub fn grim_threshold(&self) -> f64 {
        (self.t - self.r) / (self.t - self.p)
    }

    /// Axelrod-Python's default generosity of generous tit-for-tat:
    /// min(1 - (T-R)/(R-S), (R-P)/(T-P)) (Nowak & Sigmund 1992).
    pub fn gtft_generosity(&self) -> f64 {
        let a = 1.0 - (self.t - self.r) / (self.r - self.s);
        let b = (self.r - self.p) / (self.t - self.p);
        a.min(b).clamp(0.0, 1.0)
    }
}

impl Default for Payoffs {
    fn default() -> Self {
        Payoffs::STANDARD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_canonical_games() {
        assert_eq!(Payoffs::STANDARD.kind(), GameKind::PrisonersDilemma);
        let weak = Payoffs {
            t: 1.85,
            r: 1.0,
            p: 0.0,
            s: 0.0,
        };
        assert_eq!(weak.kind(), GameKind::WeakPrisonersDilemma);
        let stag = Payoffs {
            t: 3.0,
            r: 4.0,
            p: 1.0,
            s: 0.0,
        };
        assert_eq!(stag.kind(), GameKind::StagHunt);
        let chicken = Payoffs {
            t: 4.0,
            r: 3.0,
            p: 0.0,
            s: 1.0,
        };
        assert_eq!(chicken.kind(), GameKind::Chicken);
        let deadlock = Payoffs {
            t: 4.0,
            r: 2.0,
            p: 3.0,
            s: 1.0,
        };
        assert_eq!(deadlock.kind(), GameKind::Deadlock);
        assert!(weak.strict_pd_violation().is_some());
        assert!(Payoffs::STANDARD.strict_pd_violation().is_none());
        let not_2r = Payoffs {
            t: 10.0,
            r: 3.0,
            p: 1.0,
            s: 0.0,
        };
        assert!(not_2r.strict_pd_violation().unwrap().contains("2R"));
    }

    #[test]
    fn relative_gains_transform_matches_the_utility_definition() {
        let k = 0.7;
        let g = Payoffs::STANDARD;
        let t = g.relative_gains(k);
        // u(D,C) = T - k (S - T)
        assert!((t.t - (g.t - k * (g.s - g.t))).abs() < 1e-12);
        assert!((t.s - (g.s - k * (g.t - g.s))).abs() < 1e-12);
        assert_eq!(t.r, g.r);
        assert_eq!(t.p, g.p);
        // k = 1 with (5, 3, 1, 0): T' = 10, S' = -5, threshold 7/9.
        let t1 = g.relative_gains(1.0);
        assert!((t1.grim_threshold() - 7.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn gtft_generosity_is_axelrods_default() {
        assert!((Payoffs::STANDARD.gtft_generosity() - 1.0 / 3.0).abs() < 1e-12);
    }
}
