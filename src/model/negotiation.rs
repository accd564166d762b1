//! Treaty negotiation (ODD 7.9): the value of membership to a state and the simultaneous
//! ratification and withdrawal that settles who is in.
//!
//! Pure functions; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::rules::Rules;
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
    /// Would comply with the treaty (see [`crate::model::complies`]).
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
    /// The sovereignty weight.
    pub sovereignty_weight: f64,
}

/// Net per-round value of membership for a state (ODD 7.9):
///
/// value = f (u_in - u_out) - sovereignty_cost x sovereignty_weight + norm + \[member\] exit_cost
///
/// where f is the share of its partners in the treaty, u_out its utility outside the treaty
/// (see [`StateView::u_out`]; mutual defection if unknown), and u_in its experienced utility with treaty
/// partners if it is a member, or else the expectation c (u_CC + tc) + (1 - c)(u_CD + tc) if it
/// would comply (c: expected compliance of partners), or c (u_DC - m s (1+k)) + (1 - c)(u_DD -
/// m s (1+k)) if it would cheat. States join (stay) when value plus logistic decision noise is
/// positive. The discount factor acts through compliance (see [`crate::model::complies`]).
pub fn membership_value(
    v: &StateView,
    share_in: f64,
    compliance: f64,
    ctx: &NegotiationContext,
) -> f64 {
    membership_terms(v, share_in, compliance, ctx).value()
}

/// The terms of a state's per-round value of membership (see [`membership_value`]), kept apart
/// so that every negotiation can show why a state joined, stayed, left or stayed out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MembershipTerms {
    /// f: the share of its partners in the treaty.
    pub share_in: f64,
    /// c: the compliance it expects of treaty partners.
    pub expected_compliance: f64,
    /// Its utility per interaction with treaty partners (experienced, or expected).
    pub u_in: f64,
    /// Its utility per interaction outside the treaty.
    pub u_out: f64,
    /// f (u_in - u_out): what the treaty's partners add.
    pub gain: f64,
    /// sovereignty_cost x sovereignty_weight (entered with a minus sign).
    pub sovereignty_cost: f64,
    /// The norm-cascade term (Finnemore & Sikkink 1998).
    pub norm: f64,
    /// The exit cost a member avoids by staying (0 for a non-member; Pierson 2000).
    pub exit_cost: f64,
}

impl MembershipTerms {
    /// gain - sovereignty_cost + norm + exit_cost: the value without decision noise.
    pub fn value(&self) -> f64 {
        self.gain - self.sovereignty_cost + self.norm + self.exit_cost
    }
}

/// The terms of [`membership_value`].
pub fn membership_terms(
    v: &StateView,
    share_in: f64,
    compliance: f64,
    ctx: &NegotiationContext,
) -> MembershipTerms {
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
    MembershipTerms {
        share_in,
        expected_compliance: c,
        u_in,
        u_out,
        gain: share_in * (u_in - u_out),
        sovereignty_cost: v.sovereignty * ctx.sovereignty_weight,
        norm: ctx.norm,
        exit_cost: if v.member { ctx.exit_cost } else { 0.0 },
    }
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
            let (share_in, c) = outlook(views, &neighbours[i], &in_set, observed, ctx.noise);
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

/// What state i expects of the treaty given the set `in_set` of states in it: the share of its
/// partners in the set, and the compliance it expects of them (the observed member compliance
/// when the regime has been operating, otherwise the share of partners in the set that would
/// comply, blurred by implementation noise).
fn outlook(
    views: &[StateView],
    partners: &[u32],
    in_set: &[bool],
    observed: Option<f64>,
    noise: f64,
) -> (f64, f64) {
    let mut count = 0usize;
    let mut comply = 0usize;
    for &j in partners {
        let j = j as usize;
        if in_set[j] {
            count += 1;
            comply += views[j].complies as usize;
        }
    }
    let share_in = if partners.is_empty() {
        0.0
    } else {
        count as f64 / partners.len() as f64
    };
    let c = observed.unwrap_or_else(|| {
        if count == 0 {
            0.0
        } else {
            let x = comply as f64 / count as f64;
            x * (1.0 - noise) + (1.0 - x) * noise
        }
    });
    (share_in, c)
}

/// Every state's membership terms at the outcome `members` of a negotiation: what each state
/// saw when the others' membership had settled (for `negotiations.csv` and `states.csv`).
pub fn terms_at(
    views: &[StateView],
    neighbours: &[Vec<u32>],
    members: &[bool],
    observed: Option<f64>,
    ctx: &NegotiationContext,
) -> Vec<MembershipTerms> {
    (0..views.len())
        .map(|i| {
            let (share_in, c) = outlook(views, &neighbours[i], members, observed, ctx.noise);
            membership_terms(&views[i], share_in, c, ctx)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::Rules;

    fn view(member: bool, complies: bool, u_in: Option<f64>) -> StateView {
        StateView {
            utility: [3.0, 0.0, 5.0, 1.0],
            discount: 0.9,
            sovereignty: 0.4,
            u_out: Some(1.7),
            u_in,
            member,
            complies,
            k: 0.25,
        }
    }

    #[test]
    fn the_terms_add_up_to_the_value_bit_for_bit() {
        let rules = Rules::preset("institutionalist").expect("a preset");
        let ctx = NegotiationContext {
            rules: &rules,
            monitoring: 0.8,
            norm: 0.13,
            exit_cost: 0.9,
            noise: 0.01,
            sovereignty_weight: 0.7,
        };
        for v in [
            view(true, true, Some(2.6)),
            view(true, false, None),
            view(false, true, None),
            view(false, false, None),
        ] {
            for (share, c) in [(0.0, 0.0), (0.3, 0.97), (1.0, 1.0)] {
                let t = membership_terms(&v, share, c, &ctx);
                assert_eq!(
                    t.value().to_bits(),
                    membership_value(&v, share, c, &ctx).to_bits()
                );
                assert_eq!(t.gain, share * (t.u_in - t.u_out));
                assert_eq!(t.exit_cost, if v.member { 0.9 } else { 0.0 });
                assert_eq!(t.sovereignty_cost, 0.4 * 0.7);
            }
        }
    }

    #[test]
    fn terms_at_the_outcome_leave_no_member_with_a_negative_value() {
        let rules = Rules::preset("realist").expect("a preset");
        let ctx = NegotiationContext {
            rules: &rules,
            monitoring: 0.0,
            norm: 0.0,
            exit_cost: 0.0,
            noise: 0.0,
            sovereignty_weight: 1.0,
        };
        // Three states on a triangle; the third pays a sovereignty cost it cannot recover.
        let mut views = vec![view(false, true, None); 3];
        views[2].sovereignty = 10.0;
        let neighbours = vec![vec![1, 2], vec![0, 2], vec![0, 1]];
        let eps = [0.0; 3];
        let members = treaty_fixed_point(&views, &neighbours, &eps, None, &ctx);
        assert_eq!(members, vec![true, true, false]);
        let terms = terms_at(&views, &neighbours, &members, None, &ctx);
        for (i, t) in terms.iter().enumerate() {
            assert_eq!(members[i], t.value() > 0.0, "state {i}: {t:?}");
        }
    }
}
