//! The regime of an issue (ODD 7.7): the emergence criterion, the veto players of the
//! hegemonic veto, the members of a regime in place at the start, and the tracker of status,
//! emergence, collapse and strength over a run.
//!
//! May import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::issue::{Issue, IssueKind, Members};
use crate::model::rules::Rules;
use crate::model::world::World;
use serde::Serialize;
/// The regime settings of a scenario (`[regime]`): when states negotiate, and what makes a
/// regime binding (ODD 7.7 and 7.9).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct RegimeCriteria {
    /// Rounds between negotiations.
    pub negotiation_interval: u64,
    /// Member share of states needed (Finnemore & Sikkink's tipping point, 1/3).
    pub min_member_share: f64,
    /// Member share of power needed.
    pub min_power_share: f64,
    /// Member compliance needed.
    pub min_compliance: f64,
    /// Consecutive rounds for emergence and for collapse.
    pub sustain_rounds: u64,
    /// The hegemonic veto needs the N most powerful receiving states.
    pub veto_players: u64,
    /// Scale of each state's persistent logistic taste for membership of an issue's treaty,
    /// drawn once per state and issue at set-up (0 = none; ODD 7.9).
    pub decision_noise: f64,
    /// Per-round value of the one-off cost of ratifying or withdrawing (ODD 7.9; Guzman 2008,
    /// Helfer 2005): a non-member pays it to join, a member to leave.
    pub ratification_cost: f64,
}

/// Status of an issue's regime (ODD 7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No members.
    Absent,
    /// Some ratifications, not (yet) binding.
    Forming,
    /// The emergence criterion has held for `sustain_rounds` rounds.
    Binding,
    /// It was binding and the criterion then failed for `sustain_rounds` rounds.
    Collapsed,
}

impl Status {
    /// Name in the CSVs.
    pub fn name(self) -> &'static str {
        match self {
            Status::Absent => "absent",
            Status::Forming => "forming",
            Status::Binding => "binding",
            Status::Collapsed => "collapsed",
        }
    }
}

/// The emergence criterion of a binding regime (ODD 7.7): member share of states, member
/// share of power, the hegemonic veto, and compliance, all at once.
pub fn criterion_holds(
    spec: &RegimeCriteria,
    member_share: f64,
    power_share: f64,
    veto_satisfied: bool,
    compliance: Option<f64>,
) -> bool {
    membership_criterion_holds(spec, member_share, power_share, veto_satisfied)
        && compliance.is_some_and(|c| c >= spec.min_compliance)
}

/// The membership part of the criterion (member share, power share, veto), which is all a
/// regime in place can be judged by at its founding, before any play (ODD 5).
pub fn membership_criterion_holds(
    spec: &RegimeCriteria,
    member_share: f64,
    power_share: f64,
    veto_satisfied: bool,
) -> bool {
    member_share >= spec.min_member_share && power_share >= spec.min_power_share && veto_satisfied
}

/// The veto players of the hegemonic veto: the `count` most powerful states with a stake the
/// rules would bind, ties by order. On migration issues these are receiving states
/// (position > 0; thesis ch. 5.1: powerful receiving states block binding rules); on the
/// comparison issues (trade, health, climate) they are the most powerful states of all
/// (hegemonic stability theory: the hegemon underwrites the regime).
pub fn veto_players(world: &World, count: usize, kind: IssueKind) -> Vec<usize> {
    let has_stake = |i: usize| match kind {
        IssueKind::Migration => world.states[i].position > 0.0,
        IssueKind::Comparison => true,
    };
    let mut candidates: Vec<usize> = (0..world.states.len()).filter(|&i| has_stake(i)).collect();
    candidates.sort_by(|&a, &b| {
        world.states[b]
            .power
            .total_cmp(&world.states[a].power)
            .then(a.cmp(&b))
    });
    candidates.truncate(count);
    candidates
}

/// Members of a regime that exists at the start (e.g. the refugee regime since 1951).
pub fn initial_members(issue: &Issue, world: &World) -> Vec<bool> {
    let n = world.states.len();
    match issue.initial_regime.as_ref().map(|r| &r.members) {
        None => vec![false; n],
        Some(Members::All) => vec![true; n],
        Some(Members::Groups(g)) => world
            .states
            .iter()
            .map(|s| g.contains(&world.groups[s.group]))
            .collect(),
        Some(Members::Share(x)) => {
            let take = ((x * n as f64).ceil() as usize).min(n);
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| {
                world.states[b]
                    .power
                    .total_cmp(&world.states[a].power)
                    .then(a.cmp(&b))
            });
            let mut m = vec![false; n];
            for &i in order.iter().take(take) {
                m[i] = true;
            }
            m
        }
    }
}

/// A change of regime status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Became binding; the round the criterion started to hold.
    Emerged(u64),
    /// Collapsed; the round the criterion started to fail.
    Collapsed(u64),
}

/// Tracks an issue's regime over a run: status, streaks, strength.
#[derive(Debug, Clone)]
pub struct RegimeTracker {
    /// Current status.
    pub status: Status,
    /// The regime existed at the start.
    pub preexisting: bool,
    /// First emergence (0 for a pre-existing regime).
    pub emergence_round: Option<u64>,
    /// First collapse.
    pub collapse_round: Option<u64>,
    /// Regime strength in [0, 1]: 1 - exp(-path_dependence x compliant age).
    pub strength: f64,
    compliant_age: f64,
    hold: u64,
    fail: u64,
    hold_start: u64,
    fail_start: u64,
}

impl RegimeTracker {
    /// A tracker for an issue; a regime in place starts binding with its stated strength
    /// (`initial_regime.strength`): its compliant age is the age that gives that strength under
    /// `rules`' path dependence (none without path dependence; ODD 5 and 7.7).
    pub fn new(issue: &Issue, has_members: bool, rules: &Rules) -> Self {
        let pre = issue.initial_regime.as_ref();
        let age = match pre {
            Some(r) if rules.path_dependence > 0.0 => {
                -libm::log(1.0 - r.strength) / rules.path_dependence
            }
            _ => 0.0,
        };
        RegimeTracker {
            status: match (pre, has_members) {
                (Some(_), _) => Status::Binding,
                (None, true) => Status::Forming,
                (None, false) => Status::Absent,
            },
            preexisting: pre.is_some(),
            emergence_round: pre.map(|_| 0),
            collapse_round: None,
            strength: 1.0 - libm::exp(-rules.path_dependence * age),
            compliant_age: age,
            hold: 0,
            fail: 0,
            hold_start: 0,
            fail_start: 0,
        }
    }

    /// A regime in place whose founding negotiation did not meet the membership criterion
    /// (ODD 5): it does not start binding; it is forming (with members) or absent, has no
    /// strength and no emergence round, and is not counted as pre-existing. It can still emerge
    /// later by the criterion, like any other regime.
    pub fn founding_failed(&mut self, has_members: bool) {
        self.status = if has_members {
            Status::Forming
        } else {
            Status::Absent
        };
        self.preexisting = false;
        self.emergence_round = None;
        self.strength = 0.0;
        self.compliant_age = 0.0;
    }

    /// Updates the status after a round. Emergence: the criterion holds `sustain_rounds`
    /// consecutive rounds (the emergence round is the first of them). Collapse: a binding
    /// regime fails it `sustain_rounds` consecutive rounds. Path dependence: every binding,
    /// compliant round adds one to the compliant age (historical institutionalism).
    pub fn update(
        &mut self,
        round: u64,
        holds: bool,
        members: u32,
        compliance: Option<f64>,
        spec: &RegimeCriteria,
        rules: &Rules,
    ) -> Option<Transition> {
        if holds {
            if self.hold == 0 {
                self.hold_start = round;
            }
            self.hold += 1;
            self.fail = 0;
        } else {
            if self.fail == 0 {
                self.fail_start = round;
            }
            self.fail += 1;
            self.hold = 0;
        }
        let mut transition = None;
        if self.status == Status::Binding {
            if self.fail >= spec.sustain_rounds {
                self.status = Status::Collapsed;
                self.compliant_age = 0.0;
                if self.collapse_round.is_none() {
                    self.collapse_round = Some(self.fail_start);
                }
                transition = Some(Transition::Collapsed(self.fail_start));
            }
        } else if self.hold >= spec.sustain_rounds {
            self.status = Status::Binding;
            if self.emergence_round.is_none() {
                self.emergence_round = Some(self.hold_start);
            }
            transition = Some(Transition::Emerged(self.hold_start));
        } else if self.status != Status::Collapsed {
            self.status = if members > 0 {
                Status::Forming
            } else {
                Status::Absent
            };
        }
        if self.status == Status::Binding && compliance.is_some_and(|c| c >= spec.min_compliance) {
            self.compliant_age += 1.0;
        }
        self.strength = if self.status == Status::Binding {
            1.0 - libm::exp(-rules.path_dependence * self.compliant_age)
        } else {
            0.0
        };
        transition
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::game::Payoffs;
    use crate::model::rules::no_mechanisms as rules;

    #[test]
    fn regime_emerges_after_sustained_rounds_and_collapses() {
        let spec = RegimeCriteria {
            negotiation_interval: 5,
            min_member_share: 0.333,
            min_power_share: 0.5,
            min_compliance: 0.9,
            sustain_rounds: 3,
            veto_players: 3,
            decision_noise: 0.1,
            ratification_cost: 0.0,
        };
        let issue = Issue {
            name: "x".into(),
            kind: IssueKind::Migration,
            payoffs: Payoffs::STANDARD,
            allow_any_game: false,
            shifts: Default::default(),
            civil_society_access: crate::model::issue::CivilSocietyAccess::None,
            sovereignty_weight: 1.0,
            detection: 1.0,
            transaction_cost: 0.0,
            security_stakes: 1.0,
            forum: None,
            initial_regime: None,
        };
        let r = rules(0.0);
        let mut t = RegimeTracker::new(&issue, false, &r);
        let pattern = [
            true, true, false, true, true, true, false, false, false, true,
        ];
        let mut transitions = Vec::new();
        for (round, &h) in pattern.iter().enumerate() {
            if let Some(x) = t.update(round as u64, h, 5, Some(1.0), &spec, &r) {
                transitions.push((round, x));
            }
        }
        assert_eq!(
            transitions,
            vec![(5, Transition::Emerged(3)), (8, Transition::Collapsed(6))]
        );
        assert_eq!(t.emergence_round, Some(3));
        assert_eq!(t.collapse_round, Some(6));
        assert_eq!(t.status, Status::Collapsed);
    }
}
