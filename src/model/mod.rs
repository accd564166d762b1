//! The model's mechanisms, each in one place and named after the concept it implements
//! (DESIGN 2.3, 2.6, 2.8; thesis chapters 2, 4 and 5).
//!
//! Payoff tables are stored as `[CC, CD, DC, DD]` from the owner's view, i.e. `[R, S, T, P]`.

pub mod game;
pub mod strategy;

use crate::engine::world::{State, World};
use crate::io::scenario::{Issue, MembersSpec, RegimeSpec, Rules};

/// Status of an issue's regime (DESIGN 2.8).
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

/// A state's own stage game in an issue area (DESIGN 2.3), as `[R, S, T, P]`:
///
/// - T_i = T + temptation_per_security * security_weight * security_i * receiving_i
///   (a receiving state's temptation to restrict grows with its security salience; realism puts
///   security first, thesis ch. 5.1);
/// - R_i = R + reward_per_economy * economy_i + reward_per_rights * rights_i +
///   reward_per_sending * sending_i (the value of mutual cooperation grows with economic
///   interest and rights weight; sending states gain more, thesis ch. 2 and 5.2);
/// - P_i = P;
/// - S_i = S - sucker_per_security * security_weight * security_i * receiving_i.
///
/// with receiving_i = max(position_i, 0) and sending_i = max(-position_i, 0).
pub fn stage_game(issue: &Issue, s: &State, rules: &Rules) -> [f64; 4] {
    let g = &issue.payoffs;
    let sh = &issue.shifts;
    let securitised = rules.security_weight * s.security * s.receiving();
    [
        g.r + sh.reward_per_economy * s.economy
            + sh.reward_per_rights * s.rights
            + sh.reward_per_sending * s.sending(),
        g.s - sh.sucker_per_security * securitised,
        g.t + sh.temptation_per_security * securitised,
        g.p,
    ]
}

/// Relative-gains weight of a state with `partners` partners: k / (1 + d (partners - 1)),
/// where k is `relative_gains` (Grieco 1988) and d is `relative_gains_dilution`: with many
/// partners relative gains matter less (Snidal 1991).
pub fn relative_gains_weight(rules: &Rules, partners: usize) -> f64 {
    let m = partners.max(1) as f64;
    rules.relative_gains / (1.0 + rules.relative_gains_dilution * (m - 1.0))
}

/// Utilities of state i against partner j for the four outcomes (i's move first), with
/// relative gains: u_i = pi_i - k (pi_j - pi_i) (Grieco 1988). `gi` and `gj` are `[R, S, T, P]`.
#[inline]
pub fn pair_utility(gi: &[f64; 4], gj: &[f64; 4], k: f64) -> [f64; 4] {
    // j's payoff for (i's move, j's move): CC -> R_j, CD -> T_j, DC -> S_j, DD -> P_j.
    let pj = [gj[0], gj[2], gj[1], gj[3]];
    [
        gi[0] - k * (pj[0] - gi[0]),
        gi[1] - k * (pj[1] - gi[1]),
        gi[2] - k * (pj[2] - gi[2]),
        gi[3] - k * (pj[3] - gi[3]),
    ]
}

/// Mean payoff table of a state's partners (used by its expectations).
pub fn mean_partner_game(games: &[[f64; 4]], partners: &[u32]) -> [f64; 4] {
    if partners.is_empty() {
        return [0.0; 4];
    }
    let mut m = [0.0; 4];
    for &j in partners {
        let g = &games[j as usize];
        for k in 0..4 {
            m[k] += g[k];
        }
    }
    let n = partners.len() as f64;
    [m[0] / n, m[1] / n, m[2] / n, m[3] / n]
}

/// Whether a member complies with the treaty toward other members: the discounted value of
/// complying, (u_CC + tc) / (1 - delta), is at least that of cheating once and facing mutual
/// defection from then on, u_DC - m s (1 + k) + delta u_DD / (1 - delta).
///
/// This is the grim-trigger condition of "cooperation under anarchy" (Axelrod & Keohane 1985):
/// with no institutions and k = 0 it is delta >= (T - R) / (T - P); relative gains raise the
/// threshold (Grieco 1988); transaction-cost cuts and expected sanctions (monitoring m times
/// sanctions s) lower it (Keohane 1984).
pub fn complies(
    own: &[f64; 4],
    partner: &[f64; 4],
    k: f64,
    discount: f64,
    rules: &Rules,
    monitoring: f64,
) -> bool {
    let u = pair_utility(own, partner, k);
    let sanction = monitoring * rules.sanctions * (1.0 + k);
    u[0] + rules.transaction_cost_cut >= (1.0 - discount) * (u[2] - sanction) + discount * u[3]
}

/// The emergence criterion of a binding regime (DESIGN 2.8): member share of states, member
/// share of power, the hegemonic veto, and compliance, all at once.
pub fn criterion_holds(
    spec: &RegimeSpec,
    member_share: f64,
    power_share: f64,
    veto_satisfied: bool,
    compliance: Option<f64>,
) -> bool {
    member_share >= spec.min_member_share
        && power_share >= spec.min_power_share
        && veto_satisfied
        && compliance.is_some_and(|c| c >= spec.min_compliance)
}

/// The veto players of the hegemonic veto: the `count` most powerful states with a stake the
/// rules would bind, ties by order. On migration issues these are receiving states
/// (position > 0; thesis ch. 5.1: powerful receiving states block binding rules); on the
/// comparison issues (trade, health, climate) they are the most powerful states of all
/// (hegemonic stability theory: the hegemon underwrites the regime).
pub fn veto_players(world: &World, count: usize, migration_issue: bool) -> Vec<usize> {
    let mut candidates: Vec<usize> = (0..world.states.len())
        .filter(|&i| !migration_issue || world.states[i].position > 0.0)
        .collect();
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
        Some(MembersSpec::All(_)) => vec![true; n],
        Some(MembersSpec::Groups(g)) => world
            .states
            .iter()
            .map(|s| g.contains(&world.groups[s.group]))
            .collect(),
        Some(MembersSpec::Share(x)) => {
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

/// Applies an attribute shock (DESIGN 2.9). security, economy, rights: additive, clamped to
/// [0, 1]; position: additive, clamped to [-1, 1]; sovereignty_cost: additive, at least 0;
/// power: multiplied by max(1 + change, 0.01) (then renormalised by the caller); refugee_surge:
/// security rises by change, clamped (a surge securitises migration in the states it reaches).
pub fn apply_attribute_shock(s: &mut State, kind: &str, change: f64) {
    match kind {
        "security" => s.security = (s.security + change).clamp(0.0, 1.0),
        "economy" => s.economy = (s.economy + change).clamp(0.0, 1.0),
        "rights" => s.rights = (s.rights + change).clamp(0.0, 1.0),
        "position" => s.position = (s.position + change).clamp(-1.0, 1.0),
        "sovereignty_cost" => s.sovereignty_cost = (s.sovereignty_cost + change).max(0.0),
        "power" => s.power *= (1.0 + change).max(0.01),
        "refugee_surge" => s.security = (s.security + change).clamp(0.0, 1.0),
        _ => {}
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
    /// A tracker for an issue; a pre-existing regime starts binding with its compliant age
    /// counted from `since_year`.
    pub fn new(issue: &Issue, start_year: i64, has_members: bool) -> Self {
        let pre = issue.initial_regime.as_ref();
        RegimeTracker {
            status: match (pre, has_members) {
                (Some(_), _) => Status::Binding,
                (None, true) => Status::Forming,
                (None, false) => Status::Absent,
            },
            preexisting: pre.is_some(),
            emergence_round: pre.map(|_| 0),
            collapse_round: None,
            strength: 0.0,
            compliant_age: pre.map_or(0.0, |r| (start_year - r.since_year).max(0) as f64),
            hold: 0,
            fail: 0,
            hold_start: 0,
            fail_start: 0,
        }
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
        spec: &RegimeSpec,
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
            1.0 - (-rules.path_dependence * self.compliant_age).exp()
        } else {
            0.0
        };
        transition
    }
}

/// What the negotiation knows of one state.
#[derive(Debug, Clone)]
pub struct StateView {
    /// Utilities against the average partner, `[CC, CD, DC, DD]`.
    pub utility: [f64; 4],
    /// Discount factor.
    pub discount: f64,
    /// Sovereignty cost with security weighting: c_i (1 + security_weight security_i receiving_i).
    pub sovereignty: f64,
    /// Mean utility per interaction outside the treaty: experienced since the last negotiation,
    /// or, with no such interactions, what its strategy would earn against its partners'
    /// strategies (expected, over one learning interval).
    pub u_out: Option<f64>,
    /// Mean utility per interaction with treaty partners since the last negotiation (members).
    pub u_in: Option<f64>,
    /// Member now.
    pub member: bool,
    /// Would comply with the treaty (see [`complies`]).
    pub complies: bool,
    /// Relative-gains weight.
    pub k: f64,
}

/// Issue-level inputs to the negotiation.
#[derive(Debug, Clone)]
pub struct NegotiationContext<'a> {
    /// The rule set.
    pub rules: &'a Rules,
    /// Effective monitoring (rule set + civil society + shocks).
    pub monitoring: f64,
    /// Legitimacy gain of membership: norm_pressure x civil-society factor x member share
    /// (norm cascade; Finnemore & Sikkink 1998).
    pub norm: f64,
    /// Per-round value of the exit cost a member avoids by staying: strength x (R - P)
    /// (path dependence; Pierson 2000).
    pub exit_cost: f64,
    /// Implementation noise (a complying partner still errs).
    pub noise: f64,
    /// The issue's sovereignty weight.
    pub sovereignty_weight: f64,
}

/// Net per-round value of membership for a state (DESIGN 2.8):
///
/// value = f (u_in - u_out) - sovereignty_cost x sovereignty_weight + norm + \[member\] exit_cost
///
/// where f is the share of its partners in the treaty, u_out its utility outside the treaty
/// (see [`StateView::u_out`]; mutual defection if unknown), and u_in its experienced utility with treaty
/// partners if it is a member, or else the expectation c (u_CC + tc) + (1 - c)(u_CD + tc) if it
/// would comply (c: expected compliance of partners), or c (u_DC - m s (1+k)) + (1 - c)(u_DD -
/// m s (1+k)) if it would cheat. States join (stay) when value plus logistic decision noise is
/// positive. The discount factor acts through compliance (see [`complies`]).
pub fn membership_value(
    v: &StateView,
    share_in: f64,
    compliance: f64,
    ctx: &NegotiationContext,
) -> f64 {
    let u = v.utility;
    let tc = ctx.rules.transaction_cost_cut;
    let sanction = ctx.monitoring * ctx.rules.sanctions * (1.0 + v.k);
    let c = compliance;
    let expected_in = if v.complies {
        c * (u[0] + tc) + (1.0 - c) * (u[1] + tc)
    } else {
        c * (u[2] - sanction) + (1.0 - c) * (u[3] - sanction)
    };
    let u_in = match (v.member, v.u_in) {
        (true, Some(x)) => x,
        _ => expected_in,
    };
    let u_out = v.u_out.unwrap_or(u[3]);
    share_in * (u_in - u_out) - v.sovereignty * ctx.sovereignty_weight
        + ctx.norm
        + if v.member { ctx.exit_cost } else { 0.0 }
}

/// Simultaneous ratification and withdrawal: starting from the set of all states, every state
/// that, expecting the others in the set to be in, values membership negatively (non-members:
/// not positively) is removed, all at once, until none is left to remove. The result does not
/// depend on the order of states; it is the largest stable set when a state's value only falls
/// as others leave (the usual case: fewer partners in, less to gain), and otherwise a stable set
/// reached from the optimistic start. Expected compliance is the observed
/// member compliance when the regime has been operating, otherwise the share of prospective
/// partners that would comply, blurred by implementation noise.
pub fn treaty_fixed_point(
    views: &[StateView],
    neighbours: &[Vec<u32>],
    eps: &[f64],
    observed: Option<f64>,
    ctx: &NegotiationContext,
) -> Vec<bool> {
    let n = views.len();
    let mut in_set = vec![true; n];
    loop {
        let mut remove = Vec::new();
        for i in 0..n {
            if !in_set[i] {
                continue;
            }
            let nb = &neighbours[i];
            let mut count = 0usize;
            let mut comply = 0usize;
            for &j in nb {
                let j = j as usize;
                if in_set[j] {
                    count += 1;
                    comply += views[j].complies as usize;
                }
            }
            let share_in = if nb.is_empty() {
                0.0
            } else {
                count as f64 / nb.len() as f64
            };
            let c = observed.unwrap_or_else(|| {
                if count == 0 {
                    0.0
                } else {
                    let x = comply as f64 / count as f64;
                    x * (1.0 - ctx.noise) + (1.0 - x) * ctx.noise
                }
            });
            // Joining needs a positive value; a member leaves only when staying is worse.
            let value = membership_value(&views[i], share_in, c, ctx) + eps[i];
            if value < 0.0 || (value == 0.0 && !views[i].member) {
                remove.push(i);
            }
        }
        if remove.is_empty() {
            break;
        }
        for i in remove {
            in_set[i] = false;
        }
    }
    in_set
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::game::Payoffs;

    fn rules(k: f64) -> Rules {
        Rules {
            relative_gains: k,
            relative_gains_dilution: 0.0,
            security_weight: 0.0,
            hegemonic_veto: false,
            monitoring: 0.0,
            sanctions: 0.0,
            transaction_cost_cut: 0.0,
            path_dependence: 0.0,
            norm_pressure: 0.0,
        }
    }

    #[test]
    fn compliance_is_the_grim_trigger_threshold() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        for k in [0.0, 0.5, 1.0] {
            let star = g.relative_gains(k).grim_threshold();
            let r = rules(k);
            assert!(complies(&t, &t, k, star + 1e-6, &r, 0.0), "k = {k}");
            assert!(!complies(&t, &t, k, star - 1e-6, &r, 0.0), "k = {k}");
        }
    }

    #[test]
    fn sanctions_and_monitoring_lower_the_threshold() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        let mut r = rules(0.0);
        let delta = 0.3; // below the no-institution threshold of 0.5
        assert!(!complies(&t, &t, 0.0, delta, &r, 0.0));
        r.sanctions = 2.0;
        assert!(
            !complies(&t, &t, 0.0, delta, &r, 0.0),
            "sanctions without monitoring do nothing"
        );
        assert!(complies(&t, &t, 0.0, delta, &r, 1.0));
    }

    #[test]
    fn relative_gains_utility() {
        let gi = [3.0, 0.0, 5.0, 1.0];
        let gj = [4.0, 0.0, 5.0, 1.0];
        let u = pair_utility(&gi, &gj, 0.5);
        assert_eq!(u[0], 3.0 - 0.5 * (4.0 - 3.0));
        assert_eq!(u[1], 0.0 - 0.5 * (5.0 - 0.0));
        assert_eq!(u[2], 5.0 - 0.5 * (0.0 - 5.0));
        assert_eq!(pair_utility(&gi, &gj, 0.0), gi);
        let r = Rules {
            relative_gains_dilution: 1.0,
            ..rules(0.6)
        };
        assert!((relative_gains_weight(&r, 3) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn regime_emerges_after_sustained_rounds_and_collapses() {
        let spec = RegimeSpec {
            sustain_rounds: 3,
            ..RegimeSpec::default()
        };
        let issue = crate::io::scenario::Issue {
            name: "x".into(),
            kind: "migration".into(),
            payoffs: Payoffs::STANDARD,
            allow_any_game: false,
            shifts: Default::default(),
            civil_society_access: crate::io::scenario::CivilSocietyAccess::None,
            sovereignty_weight: 1.0,
            forum: None,
            initial_regime: None,
        };
        let r = rules(0.0);
        let mut t = RegimeTracker::new(&issue, 1990, false);
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
