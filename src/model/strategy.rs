//! Strategies of the repeated game, defined exactly as in Axelrod-Python 4.x so that results
//! can be cross-checked turn by turn (ODD 7.3).
//!
//! Every strategy is compiled into a small finite-state [`Machine`]: a table of cooperation
//! probabilities per state and a transition table indexed by (state, own move, perceived
//! partner move). The engines keep one `u8` state per pair side in flat arrays and dispatch by
//! table lookup, so there are no trait objects and no history scans in the hot loop.

use crate::model::game::{Action, Payoffs};
use std::fmt;

/// Maximum number of states of a strategy machine.
pub const MAX_STATES: usize = 8;

/// A repeated-game strategy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// ALLC: always cooperates.
    Cooperator,
    /// ALLD: always defects.
    Defector,
    /// TFT: cooperates first, then copies the partner's last move (Rapoport; Axelrod 1980).
    TitForTat,
    /// GRIM: cooperates until the partner defects once, then defects forever (Friedman 1971).
    Grudger,
    /// WSLS / Pavlov: memory-one (1, 0, 0, 1), cooperates first (Nowak & Sigmund 1993).
    WinStayLoseShift,
    /// TF2T: defects only after two consecutive partner defections (Axelrod 1980).
    TitForTwoTats,
    /// STFT: defects first, then copies the partner's last move.
    SuspiciousTitForTat,
    /// Cooperates first, then alternates its own last move.
    Alternator,
    /// GTFT: memory-one (1, g, 1, g), cooperates first; `None` means Axelrod-Python's default
    /// generosity min(1 - (T-R)/(R-S), (R-P)/(T-P)) for the game played (Nowak & Sigmund 1992).
    Gtft(Option<f64>),
    /// Cooperates with probability p on every turn, the first included.
    Random(f64),
    /// General memory-one strategy: P(C) after (own, partner) = CC, CD, DC, DD, and a first move.
    MemoryOne {
        /// Cooperation probabilities after CC, CD, DC, DD.
        p: [f64; 4],
        /// The first move.
        first: Action,
    },
}

/// A strategy compiled to a finite-state machine for a given game.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    /// Number of states in use.
    pub states: u8,
    /// Probability of cooperating in each state.
    pub p_coop: [f64; MAX_STATES],
    /// Threshold on a uniform `u32` draw (see [`crate::model::probability::threshold`]).
    pub coop_threshold: [u64; MAX_STATES],
    /// The exact cooperation trial of each state, read from random bits (tournaments).
    pub coin: [crate::model::probability::Coin; MAX_STATES],
    /// Next state, indexed by `state * 4 + own * 2 + partner` (C = 0, D = 1).
    pub next: [u8; MAX_STATES * 4],
    /// True when every state's move is certain: the machine consumes no random numbers.
    pub deterministic: bool,
    /// For deterministic machines, four turns at once: `block[state][partner]`, where
    /// `partner` holds the partner's next four moves (first turn in the high bit, 1 = D), is
    /// `next_state << 4 | own`, with `own` the machine's four moves in the same form.
    pub block: [[u8; 16]; MAX_STATES],
}

impl Machine {
    fn new(p_coop: &[f64], next: impl Fn(usize, usize, usize) -> usize) -> Machine {
        let n = p_coop.len();
        debug_assert!(n <= MAX_STATES);
        let mut m = Machine {
            states: n as u8,
            p_coop: [0.0; MAX_STATES],
            coop_threshold: [0; MAX_STATES],
            coin: [crate::model::probability::Coin::new(0.0); MAX_STATES],
            next: [0; MAX_STATES * 4],
            deterministic: true,
            block: [[0; 16]; MAX_STATES],
        };
        for (s, &p) in p_coop.iter().enumerate() {
            m.p_coop[s] = p;
            m.coop_threshold[s] = crate::model::probability::threshold(p);
            m.coin[s] = crate::model::probability::Coin::new(p);
            if p != 0.0 && p != 1.0 {
                m.deterministic = false;
            }
            for own in 0..2 {
                for partner in 0..2 {
                    m.next[s * 4 + own * 2 + partner] = next(s, own, partner) as u8;
                }
            }
        }
        if m.deterministic {
            for s in 0..n {
                for partner in 0..16usize {
                    let (mut state, mut own) = (s, 0usize);
                    for k in (0..4).rev() {
                        let mine = usize::from(m.p_coop[state] < 1.0);
                        own |= mine << k;
                        state = m.next[state * 4 + mine * 2 + (partner >> k & 1)] as usize;
                    }
                    m.block[s][partner] = (state << 4 | own) as u8;
                }
            }
        }
        m
    }

    /// A memory-one machine: state 0 is the first move, states 1..=4 are CC, CD, DC, DD.
    fn memory_one(p: [f64; 4], first: Action) -> Machine {
        let first_p = if first == Action::C { 1.0 } else { 0.0 };
        Machine::new(&[first_p, p[0], p[1], p[2], p[3]], |_, own, partner| {
            1 + own * 2 + partner
        })
    }

    /// The move in state `state` when it is certain (deterministic states only).
    #[inline]
    pub fn certain_move(&self, state: u8) -> Action {
        if self.p_coop[state as usize] >= 1.0 {
            Action::C
        } else {
            Action::D
        }
    }

    /// The next state after playing `own` and perceiving `partner`.
    #[inline]
    pub fn step(&self, state: u8, own: Action, partner: Action) -> u8 {
        self.next[state as usize * 4 + own.index() * 2 + partner.index()]
    }
}

impl Strategy {
    /// Every strategy name accepted, long form first.
    pub const NAMES: [&'static str; 11] = [
        "cooperator",
        "defector",
        "tit_for_tat",
        "grudger",
        "win_stay_lose_shift",
        "tit_for_two_tats",
        "suspicious_tit_for_tat",
        "alternator",
        "gtft",
        "random",
        "memory_one",
    ];

    /// Parses a strategy: a long name, a short alias (ALLC, ALLD, TFT, GRIM, WSLS, TF2T, STFT,
    /// GTFT), `gtft(g)`, `random(p)`, or `memory_one(p_cc,p_cd,p_dc,p_dd[,C|D])`.
    pub fn parse(text: &str) -> Result<Strategy, String> {
        let t = text.trim();
        let (name, args) = match t.find('(') {
            Some(open) => {
                if !t.ends_with(')') {
                    return Err(format!("missing `)` in `{t}`"));
                }
                (&t[..open], Some(&t[open + 1..t.len() - 1]))
            }
            None => (t, None),
        };
        let lname = name.trim().to_ascii_lowercase().replace('-', "_");
        let numbers = |s: &str| -> Result<Vec<String>, String> {
            Ok(s.split(',').map(|x| x.trim().to_string()).collect())
        };
        let prob = |s: &str| -> Result<f64, String> {
            let v: f64 = s
                .parse()
                .map_err(|_| format!("a probability in [0, 1], found `{s}`"))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("a probability in [0, 1], found {v}"));
            }
            Ok(v)
        };
        let no_args = |s: Strategy| -> Result<Strategy, String> {
            match args {
                None => Ok(s),
                Some(_) => Err(format!("`{lname}` takes no parameters")),
            }
        };
        match lname.as_str() {
            "cooperator" | "allc" => no_args(Strategy::Cooperator),
            "defector" | "alld" => no_args(Strategy::Defector),
            "tit_for_tat" | "tft" => no_args(Strategy::TitForTat),
            "grudger" | "grim" => no_args(Strategy::Grudger),
            "win_stay_lose_shift" | "wsls" | "pavlov" => no_args(Strategy::WinStayLoseShift),
            "tit_for_two_tats" | "tf2t" => no_args(Strategy::TitForTwoTats),
            "suspicious_tit_for_tat" | "stft" => no_args(Strategy::SuspiciousTitForTat),
            "alternator" => no_args(Strategy::Alternator),
            "gtft" => match args {
                None => Ok(Strategy::Gtft(None)),
                Some(a) => Ok(Strategy::Gtft(Some(prob(a)?))),
            },
            "random" => match args {
                None => Ok(Strategy::Random(0.5)),
                Some(a) => Ok(Strategy::Random(prob(a)?)),
            },
            "memory_one" => {
                let a = args.ok_or("memory_one(p_cc,p_cd,p_dc,p_dd[,C|D])")?;
                let parts = numbers(a)?;
                if parts.len() != 4 && parts.len() != 5 {
                    return Err(format!(
                        "memory_one(p_cc,p_cd,p_dc,p_dd[,C|D]) with 4 or 5 parameters, found {}",
                        parts.len()
                    ));
                }
                let mut p = [0.0; 4];
                for (k, v) in parts.iter().take(4).enumerate() {
                    p[k] = prob(v)?;
                }
                let first = match parts.get(4).map(|s| s.to_ascii_uppercase()) {
                    None => Action::C,
                    Some(s) if s == "C" => Action::C,
                    Some(s) if s == "D" => Action::D,
                    Some(s) => return Err(format!("first move C or D, found `{s}`")),
                };
                Ok(Strategy::MemoryOne { p, first })
            }
            _ => {
                let hint = crate::error::did_you_mean(&lname, Strategy::NAMES.iter().copied());
                Err(format!(
                    "one of {}, or an alias ALLC, ALLD, TFT, GRIM, WSLS, TF2T, STFT, GTFT; found `{t}`{hint}",
                    Strategy::NAMES.join(", ")
                ))
            }
        }
    }

    /// True when the strategy never randomises (for any game).
    pub fn is_deterministic(&self) -> bool {
        self.machine(&Payoffs::STANDARD).deterministic
    }

    /// Compiles the strategy for a game (the game matters only for GTFT's default generosity).
    pub fn machine(&self, game: &Payoffs) -> Machine {
        match *self {
            Strategy::Cooperator => Machine::new(&[1.0], |_, _, _| 0),
            Strategy::Defector => Machine::new(&[0.0], |_, _, _| 0),
            Strategy::TitForTat => Machine::memory_one([1.0, 0.0, 1.0, 0.0], Action::C),
            Strategy::SuspiciousTitForTat => Machine::memory_one([1.0, 0.0, 1.0, 0.0], Action::D),
            Strategy::WinStayLoseShift => Machine::memory_one([1.0, 0.0, 0.0, 1.0], Action::C),
            Strategy::Gtft(g) => {
                let g = g.unwrap_or_else(|| game.gtft_generosity());
                Machine::memory_one([1.0, g, 1.0, g], Action::C)
            }
            Strategy::MemoryOne { p, first } => Machine::memory_one(p, first),
            Strategy::Random(p) => Machine::new(&[p], |_, _, _| 0),
            // State 0: the partner has never defected; state 1: it has.
            Strategy::Grudger => {
                Machine::new(
                    &[1.0, 0.0],
                    |s, _, partner| {
                        if s == 1 || partner == 1 {
                            1
                        } else {
                            0
                        }
                    },
                )
            }
            // State bits: (partner's move two turns ago was D) << 1 | (last move was D).
            // Defects only when both were D (Axelrod-Python: `opponent.history[-2:] == [D, D]`).
            Strategy::TitForTwoTats => Machine::new(&[1.0, 1.0, 1.0, 0.0], |s, _, partner| {
                ((s & 1) << 1) | partner
            }),
            // State 0: first move (C); 1: own last move was C (so D); 2: own last was D (so C).
            Strategy::Alternator => {
                Machine::new(&[1.0, 0.0, 1.0], |_, own, _| if own == 0 { 1 } else { 2 })
            }
        }
    }

    /// The canonical long name, with parameters where they are not the default.
    pub fn name(&self) -> String {
        match self {
            Strategy::Cooperator => "cooperator".into(),
            Strategy::Defector => "defector".into(),
            Strategy::TitForTat => "tit_for_tat".into(),
            Strategy::Grudger => "grudger".into(),
            Strategy::WinStayLoseShift => "win_stay_lose_shift".into(),
            Strategy::TitForTwoTats => "tit_for_two_tats".into(),
            Strategy::SuspiciousTitForTat => "suspicious_tit_for_tat".into(),
            Strategy::Alternator => "alternator".into(),
            Strategy::Gtft(None) => "gtft".into(),
            Strategy::Gtft(Some(g)) => format!("gtft({g})"),
            Strategy::Random(p) if *p == 0.5 => "random".into(),
            Strategy::Random(p) => format!("random({p})"),
            Strategy::MemoryOne { p, first } => format!(
                "memory_one({},{},{},{},{})",
                p[0],
                p[1],
                p[2],
                p[3],
                first.as_char()
            ),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Expected number of turns ending in each outcome (own, partner) = CC, CD, DC, DD when
/// machine `a` plays machine `b` for `turns` turns from their first move, without noise.
///
/// Exact: the joint distribution over machine states is propagated turn by turn, so stochastic
/// strategies are handled by their expectation. Used by best-response learning.
pub fn expected_outcomes(a: &Machine, b: &Machine, turns: usize) -> [f64; 4] {
    let quiet = PlayNoise {
        implementation: 0.0,
        misperception: 0.0,
    };
    let mut counts = [0.0; 4];
    for p in noisy_outcome_path(a, b, turns, quiet) {
        for (c, x) in counts.iter_mut().zip(p) {
            *c += x;
        }
    }
    counts
}

/// Noise in play outside a treaty (ODD 7.6): a move is flipped with probability
/// `implementation`, and each side misreads the other's move with probability `misperception`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayNoise {
    /// Implementation noise.
    pub implementation: f64,
    /// Misperception.
    pub misperception: f64,
}

/// The probability of each outcome (own, partner) = CC, CD, DC, DD at every turn t in
/// 0..`turns` when machine `a` plays machine `b` from their first move under `noise`: the
/// joint distribution over machine states is propagated exactly, turn by turn. With noise 0
/// the counts summed over turns are [`expected_outcomes`]. Under noise, reciprocating pairs
/// fall into echoes of retaliation (Axelrod & Keohane 1985; Bendor 1987), which is what a
/// treaty's standing rule and monitoring prevent.
pub fn noisy_outcome_path(
    a: &Machine,
    b: &Machine,
    turns: usize,
    noise: PlayNoise,
) -> Vec<[f64; 4]> {
    let (e, m) = (noise.implementation, noise.misperception);
    let mut path = Vec::with_capacity(turns);
    let mut dist = [[0.0f64; MAX_STATES]; MAX_STATES];
    dist[0][0] = 1.0;
    for _ in 0..turns {
        let mut probs = [0.0; 4];
        let mut next = [[0.0f64; MAX_STATES]; MAX_STATES];
        for sa in 0..a.states as usize {
            for sb in 0..b.states as usize {
                let w = dist[sa][sb];
                if w == 0.0 {
                    continue;
                }
                let pa = a.p_coop[sa] * (1.0 - e) + (1.0 - a.p_coop[sa]) * e;
                let pb = b.p_coop[sb] * (1.0 - e) + (1.0 - b.p_coop[sb]) * e;
                for (oa, qa) in [(0usize, pa), (1, 1.0 - pa)] {
                    for (ob, qb) in [(0usize, pb), (1, 1.0 - pb)] {
                        let q = w * qa * qb;
                        if q == 0.0 {
                            continue;
                        }
                        probs[oa * 2 + ob] += q;
                        // What each side sees of the other's move.
                        for (sa_ob, ra) in [(ob, 1.0 - m), (ob ^ 1, m)] {
                            for (sb_oa, rb) in [(oa, 1.0 - m), (oa ^ 1, m)] {
                                let r = q * ra * rb;
                                if r == 0.0 {
                                    continue;
                                }
                                let na = a.next[sa * 4 + oa * 2 + sa_ob] as usize;
                                let nb = b.next[sb * 4 + ob * 2 + sb_oa] as usize;
                                next[na][nb] += r;
                            }
                        }
                    }
                }
            }
        }
        path.push(probs);
        dist = next;
    }
    path
}

/// Discounted value to player `a` of the infinitely repeated game between machines `a` and `b`
/// (no noise): sum over t of delta^t * E[u_a(t)], with `utility` = [u(CC), u(CD), u(DC), u(DD)].
///
/// This is the evaluation the rational decisions rest on; the classic check is that deviating
/// from mutual grim trigger (playing ALLD against GRIM) pays exactly when delta < (T-R)/(T-P).
/// Deterministic pairs are solved exactly by closing the cycle of joint states with a geometric
/// series; stochastic pairs are summed until delta^t < 1e-15.
pub fn discounted_value(a: &Machine, b: &Machine, utility: [f64; 4], delta: f64) -> f64 {
    assert!((0.0..1.0).contains(&delta), "discount in [0, 1)");
    if a.deterministic && b.deterministic {
        let mut seen = [[usize::MAX; MAX_STATES]; MAX_STATES];
        let mut values: Vec<f64> = Vec::new();
        let (mut sa, mut sb) = (0u8, 0u8);
        loop {
            if seen[sa as usize][sb as usize] != usize::MAX {
                let start = seen[sa as usize][sb as usize];
                let mut prefix = 0.0;
                let mut w = 1.0;
                for v in &values[..start] {
                    prefix += w * v;
                    w *= delta;
                }
                let mut cycle = 0.0;
                let mut wc = 1.0;
                for v in &values[start..] {
                    cycle += wc * v;
                    wc *= delta;
                }
                // wc = delta^(cycle length); the cycle repeats forever from time `start`.
                return prefix + w * cycle / (1.0 - wc);
            }
            seen[sa as usize][sb as usize] = values.len();
            let ma = a.certain_move(sa);
            let mb = b.certain_move(sb);
            values.push(utility[ma.index() * 2 + mb.index()]);
            sa = a.step(sa, ma, mb);
            sb = b.step(sb, mb, ma);
        }
    }
    let mut total = 0.0;
    let mut w = 1.0;
    let mut dist = [[0.0f64; MAX_STATES]; MAX_STATES];
    dist[0][0] = 1.0;
    while w > 1e-15 {
        let mut next = [[0.0f64; MAX_STATES]; MAX_STATES];
        let mut expected = 0.0;
        for sa in 0..a.states as usize {
            for sb in 0..b.states as usize {
                let d = dist[sa][sb];
                if d == 0.0 {
                    continue;
                }
                for (oa, qa) in [(0usize, a.p_coop[sa]), (1, 1.0 - a.p_coop[sa])] {
                    for (ob, qb) in [(0usize, b.p_coop[sb]), (1, 1.0 - b.p_coop[sb])] {
                        let q = d * qa * qb;
                        if q == 0.0 {
                            continue;
                        }
                        expected += q * utility[oa * 2 + ob];
                        next[a.next[sa * 4 + oa * 2 + ob] as usize]
                            [b.next[sb * 4 + ob * 2 + oa] as usize] += q;
                    }
                }
            }
        }
        total += w * expected;
        w *= delta;
        dist = next;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::{C, D};

    /// Plays `s` against a fixed sequence of partner moves, returning `s`'s moves.
    fn moves_against(s: Strategy, partner: &[Action]) -> Vec<Action> {
        let m = s.machine(&Payoffs::STANDARD);
        let mut state = 0u8;
        let mut out = Vec::new();
        for &o in partner {
            let mv = m.certain_move(state);
            out.push(mv);
            state = m.step(state, mv, o);
        }
        out
    }

    fn seq(s: &str) -> Vec<Action> {
        s.chars().map(|c| if c == 'C' { C } else { D }).collect()
    }

    #[test]
    fn strategy_tables_match_axelrod_definitions() {
        // (strategy, partner's moves, expected own moves), as Axelrod-Python's test tables.
        let table: &[(&str, &str, &str)] = &[
            ("cooperator", "CDDC", "CCCC"),
            ("defector", "CDDC", "DDDD"),
            ("tit_for_tat", "CDDCC", "CCDDC"),
            ("grudger", "CCDCC", "CCCDD"),
            ("win_stay_lose_shift", "CDCDD", "CCDDC"),
            ("tit_for_two_tats", "CDCDDDC", "CCCCCDD"),
            ("suspicious_tit_for_tat", "CCDC", "DCCD"),
            ("alternator", "CCCCC", "CDCDC"),
            ("memory_one(1,0,1,0,D)", "CCDC", "DCCD"),
            ("memory_one(0,0,0,0)", "CCCC", "CDDD"),
        ];
        for (name, partner, expected) in table {
            let s = Strategy::parse(name).unwrap();
            assert_eq!(
                moves_against(s, &seq(partner)),
                seq(expected),
                "{name} against {partner}"
            );
        }
    }

    #[test]
    fn noisy_paths_reduce_to_expected_outcomes_without_noise_and_echo_with_it() {
        let g = Payoffs::STANDARD;
        let quiet = PlayNoise {
            implementation: 0.0,
            misperception: 0.0,
        };
        for (a, b) in [
            (Strategy::TitForTat, Strategy::Defector),
            (Strategy::WinStayLoseShift, Strategy::Gtft(None)),
            (Strategy::Grudger, Strategy::Random(0.3)),
        ] {
            let (ma, mb) = (a.machine(&g), b.machine(&g));
            let path = noisy_outcome_path(&ma, &mb, 20, quiet);
            let expected = expected_outcomes(&ma, &mb, 20);
            for k in 0..4 {
                let sum: f64 = path.iter().map(|p| p[k]).sum();
                assert!((sum - expected[k]).abs() < 1e-9, "{a} vs {b}: {k}");
            }
            for p in &path {
                assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            }
        }
        // Tit for tat against itself: one misread move starts an echo of retaliation, so mutual
        // cooperation decays toward the uniform mix (1/4) (Axelrod & Keohane 1985; Bendor 1987).
        let tft = Strategy::TitForTat.machine(&g);
        for noise in [
            PlayNoise {
                implementation: 0.05,
                misperception: 0.0,
            },
            PlayNoise {
                implementation: 0.0,
                misperception: 0.05,
            },
        ] {
            let path = noisy_outcome_path(&tft, &tft, 100, noise);
            assert!(path[0][0] > 0.9, "{noise:?}");
            assert!(
                (path[99][0] - 0.25).abs() < 0.05,
                "{noise:?}: {:?}",
                path[99]
            );
        }
    }

    #[test]
    fn wsls_after_each_outcome() {
        // Pavlov: stay after R or T, shift after S or P.
        let m = Strategy::WinStayLoseShift.machine(&Payoffs::STANDARD);
        for (own, partner, next) in [(C, C, C), (C, D, D), (D, C, D), (D, D, C)] {
            let s = m.step(0, own, partner);
            assert_eq!(m.certain_move(s), next, "after {own:?}{partner:?}");
        }
    }

    #[test]
    fn aliases_and_errors() {
        assert_eq!(Strategy::parse("TFT").unwrap(), Strategy::TitForTat);
        assert_eq!(Strategy::parse("GRIM").unwrap(), Strategy::Grudger);
        assert_eq!(Strategy::parse("ALLD").unwrap(), Strategy::Defector);
        assert_eq!(
            Strategy::parse("gtft(0.2)").unwrap(),
            Strategy::Gtft(Some(0.2))
        );
        let e = Strategy::parse("tit_for_tatt").unwrap_err();
        assert!(e.contains("did you mean `tit_for_tat`"), "{e}");
        assert!(Strategy::parse("random(1.5)").is_err());
        assert!(Strategy::parse("memory_one(1,0,1)").is_err());
        for n in Strategy::NAMES {
            let name = if n == "memory_one" {
                "memory_one(1,0,1,0)"
            } else {
                n
            };
            let s = Strategy::parse(name).unwrap();
            assert_eq!(Strategy::parse(&s.name()).unwrap(), s);
        }
    }

    #[test]
    fn determinism_flags() {
        assert!(Strategy::TitForTat.is_deterministic());
        assert!(Strategy::Grudger.is_deterministic());
        assert!(!Strategy::Gtft(None).is_deterministic());
        assert!(!Strategy::Random(0.5).is_deterministic());
        assert!(Strategy::Random(1.0).is_deterministic());
    }

    #[test]
    fn grim_deviation_threshold_is_analytic() {
        // Deviating from mutual grim trigger (ALLD against GRIM) pays exactly when
        // delta < (T - R) / (T - P), also after the relative-gains transform.
        for (game, k) in [
            (Payoffs::STANDARD, 0.0),
            (Payoffs::STANDARD, 1.0),
            (
                Payoffs {
                    t: 4.0,
                    r: 3.0,
                    p: 1.0,
                    s: 0.0,
                },
                0.5,
            ),
        ] {
            let g = game.relative_gains(k);
            let threshold = g.grim_threshold();
            if k == 1.0 {
                assert!((threshold - 7.0 / 9.0).abs() < 1e-12);
            }
            let u = g.as_array();
            let grim = Strategy::Grudger.machine(&game);
            let alld = Strategy::Defector.machine(&game);
            for delta in [threshold - 0.01, threshold + 0.01] {
                let stay = discounted_value(&grim, &grim, u, delta);
                let deviate = discounted_value(&alld, &grim, u, delta);
                assert!((stay - g.r / (1.0 - delta)).abs() < 1e-9);
                assert!((deviate - (g.t + delta * g.p / (1.0 - delta))).abs() < 1e-9);
                assert_eq!(
                    deviate > stay,
                    delta < threshold,
                    "k = {k}, delta = {delta}"
                );
            }
        }
    }

    #[test]
    fn stochastic_discounted_value_matches_closed_form() {
        // Random(p) against ALLC: expected per-turn payoff p R + (1-p) T.
        let g = Payoffs::STANDARD;
        let r = Strategy::Random(0.3).machine(&g);
        let c = Strategy::Cooperator.machine(&g);
        let v = discounted_value(&r, &c, g.as_array(), 0.9);
        let per_turn = 0.3 * g.r + 0.7 * g.t;
        assert!((v - per_turn / 0.1).abs() < 1e-9, "{v}");
    }

    #[test]
    fn expected_outcomes_of_deterministic_pairs() {
        let g = Payoffs::STANDARD;
        let tft = Strategy::TitForTat.machine(&g);
        let stft = Strategy::SuspiciousTitForTat.machine(&g);
        // TFT vs STFT alternates CD, DC, CD, ...
        let c = expected_outcomes(&tft, &stft, 4);
        assert_eq!(c, [0.0, 2.0, 2.0, 0.0]);
        let gt = Strategy::Gtft(None).machine(&g);
        let alld = Strategy::Defector.machine(&g);
        let c = expected_outcomes(&gt, &alld, 3);
        // first C, then C with prob 1/3 each turn
        assert!((c[1] - (1.0 + 2.0 / 3.0)).abs() < 1e-12);
        assert!((c.iter().sum::<f64>() - 3.0).abs() < 1e-12);
    }
}
