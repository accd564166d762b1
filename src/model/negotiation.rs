//! Treaty negotiation (ODD 7.9): the value of membership to a state and ratification,
//! which moves from the current members: members leave first, then a conference of
//! non-members joins given who stayed.
//!
//! Pure functions; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::compliance::Enforcement;
use crate::model::rules::Rules;

/// What the negotiation knows of one state.
#[derive(Debug, Clone)]
pub struct StateView {
    /// Utilities against the average partner, `[CC, CD, DC, DD]`, relative gains applied.
    pub utility: [f64; 4],
    /// Discount factor.
    pub discount: f64,
    /// Sovereignty cost c_i (securitisation is counted once, in the stage game).
    pub sovereignty: f64,
    /// What its strategy is expected to earn per interaction against its partners' strategies
    /// outside any treaty (ODD 7.9); `None` without partners (mutual defection is assumed).
    pub u_out: Option<f64>,
    /// Member now.
    pub member: bool,
    /// Relative-gains weight.
    pub k: f64,
    /// Its memory of membership: the share of its treaty partners' moves toward it that kept
    /// the treaty, over all its memberships so far (`None` before any).
    pub remembered: Option<f64>,
    /// Its region (an index into the world's regions), for regional norm spread.
    pub region: usize,
}

/// Issue-level inputs to the negotiation.
#[derive(Debug, Clone)]
pub struct NegotiationContext<'a> {
    /// The rule set.
    pub rules: &'a Rules,
    /// Enforcement inside the treaty (detection with monitoring, sanctions, saving).
    pub enforcement: Enforcement,
    /// Enforcement outside it: cheating seen with the base detection only.
    pub anarchy: Enforcement,
    /// Legitimacy gain of membership per unit member share: norm_pressure x civil-society
    /// factor (norm cascade; Finnemore & Sikkink 1998). The norm term is this times the share
    /// of all states in the set a state decides against.
    pub norm_weight: f64,
    /// Per-round value of the exit cost a member avoids by staying: strength x (R - P)
    /// (path dependence; Pierson 2000).
    pub exit_cost: f64,
    /// Per-round value of the one-off cost of ratifying or withdrawing (Guzman 2008; Helfer
    /// 2005): a non-member pays it to join, a member pays it to leave.
    pub ratification_cost: f64,
    /// Implementation noise (a complying partner still errs).
    pub noise: f64,
    /// The sovereignty weight.
    pub sovereignty_weight: f64,
    /// The dominant state (the most powerful), which underwrites a treaty it is in when the
    /// rule set's `hegemonic_provision` is positive.
    pub hegemon: Option<usize>,
    /// Each state's migration fora (indices), through which the regional norm term spreads
    /// instead of its region ([`Outlook::region_share`]); empty without a fora file.
    pub fora: &'a [Vec<u32>],
}

/// Net per-round value of membership for a state (ODD 7.9):
///
/// value = f (u_in - u_out) - sovereignty_cost x sovereignty_weight + norm
///         + \[member\] exit_cost + (\[member\] - \[non-member\]) ratification_cost
///         + hegemonic_provision
///
/// where f is the share of its partners in the treaty, c the compliance it expects of them
/// and norm = norm_weight x ((1 - rho) x the share of all states in the treaty + rho x the
/// share of the states of its own region in it, or, for a state in migration fora, the mean
/// over its fora of each forum's share of states in it), rho the rule set's `regional_norm`
/// (norms and ratifications spread through regional fora: thesis ch. 2.2 C; Acharya 2004).
/// Hegemonic provision: while
/// the hegemon H is in the treaty, every other state in it has h x sovereignty_cost x
/// sovereignty_weight of its cost underwritten, and H pays h x the sum of those costs over its
/// partners in the treaty, divided by its number of partners (the per-interaction scale of the
/// gain term). Inside and outside are valued with one set of continuation values
/// ([`crate::model::TreatyValues`]), the same that decide compliance:
///
/// - a state that would keep the treaty expects u_in = c (u_CC + saving) + (1 - c)(u_CD +
///   saving), against u_out, what its strategy earns against its partners' strategies
///   outside a treaty ([`StateView::u_out`]);
/// - a state that would cheat expects u_in = c W_in + (1 - c) u_DD, where W is the value of
///   cheating a keeper until seen (then mutual defection), against the same cheating outside,
///   u_out = c W_out + (1 - c) u_DD. Inside, cheating is seen more often (monitoring) and
///   sanctioned, so W_in <= W_out: a would-be cheater never gains from joining, the selection
///   effect of Downs, Rocke & Barsoom (1996).
///
/// States join (stay) when value plus their persistent taste is positive (non-negative).
pub fn membership_value(v: &StateView, outlook: Outlook, ctx: &NegotiationContext) -> f64 {
    membership_terms(v, outlook, ctx).value()
}

/// What a state expects of a treaty given the set of states in it (ODD 7.9).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlook {
    /// f: the share of its partners in the set.
    pub share_in: f64,
    /// c: the compliance it expects of them.
    pub compliance: f64,
    /// The share of all states in the set (for the norm term).
    pub member_share: f64,
    /// The share of the states of its own region in the set, or for a state in migration fora
    /// the mean over its fora of the share of each forum's states in the set (for the
    /// regional norm term; 0, and unused, without regional norm spread).
    pub region_share: f64,
}

/// The terms of a state's per-round value of membership (see [`membership_value`]), kept apart
/// so that every negotiation can show why a state joined, stayed, left or stayed out.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MembershipTerms {
    /// f: the share of its partners in the treaty.
    pub share_in: f64,
    /// c: the compliance it expects of treaty partners.
    pub expected_compliance: f64,
    /// Its expected utility per interaction with treaty partners.
    pub u_in: f64,
    /// Its expected utility per interaction outside the treaty.
    pub u_out: f64,
    /// f (u_in - u_out): what the treaty's partners add.
    pub gain: f64,
    /// sovereignty_cost x sovereignty_weight (entered with a minus sign).
    pub sovereignty_cost: f64,
    /// The norm-cascade term (Finnemore & Sikkink 1998).
    pub norm: f64,
    /// The exit cost a member avoids by staying (0 for a non-member; Pierson 2000).
    pub exit_cost: f64,
    /// The ratification cost: + for a member (leaving costs it), - for a non-member.
    pub ratification: f64,
    /// Hegemonic provision: + the share of its sovereignty cost the hegemon underwrites while
    /// it is in the treaty; for the hegemon, - what underwriting the others costs it.
    pub hegemonic_provision: f64,
}

impl MembershipTerms {
    /// gain - sovereignty_cost + norm + exit_cost + ratification + hegemonic_provision: the
    /// value without taste.
    pub fn value(&self) -> f64 {
        self.gain - self.sovereignty_cost
            + self.norm
            + self.exit_cost
            + self.ratification
            + self.hegemonic_provision
    }
}

/// The terms of [`membership_value`].
pub fn membership_terms(v: &StateView, o: Outlook, ctx: &NegotiationContext) -> MembershipTerms {
    let u = &v.utility;
    let (share_in, c) = (o.share_in, o.compliance);
    let inside = ctx.enforcement.values(u, v.discount, v.k);
    let u_in = inside.expected(c);
    let u_out = if inside.keeps() {
        v.u_out.unwrap_or(u[3])
    } else {
        let outside = ctx.anarchy.values(u, v.discount, v.k);
        c * outside.cheat_vs_keeper + (1.0 - c) * outside.cheat_vs_cheater
    };
    let sign = if v.member { 1.0 } else { -1.0 };
    MembershipTerms {
        share_in,
        expected_compliance: c,
        u_in,
        u_out,
        gain: share_in * (u_in - u_out),
        sovereignty_cost: v.sovereignty * ctx.sovereignty_weight,
        norm: ctx.norm_weight * norm_share(o, ctx.rules.regional_norm),
        exit_cost: if v.member { ctx.exit_cost } else { 0.0 },
        ratification: sign * ctx.ratification_cost,
        hegemonic_provision: 0.0,
    }
}

/// The share of states in the set that the norm term weighs: (1 - rho) x the share of all
/// states + rho x the share of the state's own region (norms spread through regional fora;
/// thesis ch. 2.2 C). With rho = 0 exactly the share of all states.
fn norm_share(o: Outlook, regional_norm: f64) -> f64 {
    if regional_norm == 0.0 {
        o.member_share
    } else {
        (1.0 - regional_norm) * o.member_share + regional_norm * o.region_share
    }
}

/// The hegemonic-provision term of state i given the set `in_set` (see [`membership_value`]).
fn provision(
    views: &[StateView],
    neighbours: &[Vec<u32>],
    in_set: &[bool],
    ctx: &NegotiationContext,
    i: usize,
) -> f64 {
    let h = ctx.rules.hegemonic_provision;
    let Some(hegemon) = ctx.hegemon.filter(|&x| h > 0.0 && in_set[x]) else {
        return 0.0;
    };
    let cost = |j: usize| h * views[j].sovereignty * ctx.sovereignty_weight;
    if i != hegemon {
        return if in_set[i] { cost(i) } else { 0.0 };
    }
    let partners = &neighbours[hegemon];
    let total: f64 = partners
        .iter()
        .map(|&j| j as usize)
        .filter(|&j| in_set[j])
        .map(cost)
        .sum();
    -total / partners.len().max(1) as f64
}

/// Whether each state would keep the treaty (see [`crate::model::complies`]).
pub fn keepers(views: &[StateView], ctx: &NegotiationContext) -> Vec<bool> {
    views
        .iter()
        .map(|v| ctx.enforcement.values(&v.utility, v.discount, v.k).keeps())
        .collect()
}

/// The outcome of a negotiation: who is in, and the terms each state decided on.
#[derive(Debug, Clone)]
pub struct Ratification {
    /// Membership after the negotiation.
    pub members: Vec<bool>,
    /// Each state's terms at its decision: for a member that left, the set it left; for every
    /// other state, the set it stayed in, joined or stayed out of.
    pub terms: Vec<MembershipTerms>,
}

/// Ratification moves from the current members (ODD 7.9), in two stages, each order-free:
///
/// 1. exit: members whose value plus taste is negative, given the members still in, leave, all
///    at once, until none is left to leave;
/// 2. accession: a conference of the non-members marked `eligible` joins the stayers; those
///    whose value plus taste is not positive, given the stayers and the other joiners still
///    in, drop out, all at once, until none is left to drop.
///
/// Coordination can fail: a state that would gain from a treaty with many partners finds none
/// to join while too few value it. At set-up, a regime in place is founded the same way with
/// its listed members as the only eligible states.
pub fn ratify(
    views: &[StateView],
    neighbours: &[Vec<u32>],
    taste: &[f64],
    observed: Option<f64>,
    ctx: &NegotiationContext,
    eligible: &[bool],
) -> Ratification {
    let keeps = keepers(views, ctx);
    let n = views.len();
    let mut terms = vec![MembershipTerms::default(); n];
    let mut in_set: Vec<bool> = views.iter().map(|v| v.member).collect();
    let regions = Regions::of(views, ctx);
    // On a complete graph every state's partners are all the others: sets keep their counts.
    let complete = neighbours.iter().all(|nb| nb.len() + 1 == n);
    let counted = complete.then_some(&keeps[..]);
    // Value plus taste of state i in the set, its terms kept.
    let value_in = |i: usize, set: &Set, terms: &mut [MembershipTerms]| {
        let t = terms_in(views, &keeps, neighbours, set, observed, ctx, i);
        terms[i] = t;
        t.value() + taste[i]
    };
    let members: Vec<usize> = (0..n).filter(|&i| views[i].member).collect();
    settle(
        &members,
        (&mut in_set, counted),
        &mut terms,
        &regions,
        |i, set, terms| value_in(i, set, terms) < 0.0,
    );
    let joiners: Vec<usize> = (0..n)
        .filter(|&i| !views[i].member && eligible[i])
        .collect();
    for &i in &joiners {
        in_set[i] = true;
    }
    settle(
        &joiners,
        (&mut in_set, counted),
        &mut terms,
        &regions,
        |i, set, terms| value_in(i, set, terms) <= 0.0,
    );
    let set = Set::of(&in_set, counted).with(&regions);
    for i in 0..n {
        if !views[i].member && !eligible[i] {
            terms[i] = terms_in(views, &keeps, neighbours, &set, observed, ctx, i);
        }
    }
    Ratification {
        members: in_set,
        terms,
    }
}

/// Removes from `in_set`, all at once and until none is left, the states of `deciders` still
/// in the set for which `leaves(state, set, terms)` is true.
fn settle(
    deciders: &[usize],
    (in_set, counted): (&mut [bool], Option<&[bool]>),
    terms: &mut [MembershipTerms],
    regions: &Regions,
    mut leaves: impl FnMut(usize, &Set, &mut [MembershipTerms]) -> bool,
) {
    loop {
        let set = Set::of(in_set, counted).with(regions);
        let remove: Vec<usize> = deciders
            .iter()
            .copied()
            .filter(|&i| in_set[i] && leaves(i, &set, terms))
            .collect();
        if remove.is_empty() {
            return;
        }
        for i in remove {
            in_set[i] = false;
        }
    }
}

/// A set of states in a treaty, with the share of all states it holds and, once
/// [`Set::with`] has counted them, the share of each state's circle (its fora or region).
#[derive(Clone)]
struct Set<'s> {
    in_set: &'s [bool],
    member_share: f64,
    circle_share: Vec<f64>,
    /// States in the set, and those of them that would keep the treaty: on a complete graph a
    /// state's partners in the set are these less itself ([`outlook`]).
    counts: Option<(usize, usize)>,
}

impl<'s> Set<'s> {
    /// The set `in_set`; with `keeps` (on a complete graph), its counts.
    fn of(in_set: &'s [bool], keeps: Option<&[bool]>) -> Self {
        let count = in_set.iter().filter(|&&x| x).count();
        let counts = keeps.map(|keeps| {
            let keeping = in_set.iter().zip(keeps).filter(|&(&x, &k)| x && k).count();
            (count, keeping)
        });
        Set {
            in_set,
            member_share: count as f64 / in_set.len().max(1) as f64,
            circle_share: Vec::new(),
            counts,
        }
    }

    /// The set with the share of each state's circle in it: the mean over its fora of each
    /// forum's share of states in the set, or, for a state in no forum, its region's share
    /// (one pass over the states and memberships; nothing without regional norm spread).
    fn with(mut self, regions: &Regions) -> Self {
        if !regions.needed {
            return self;
        }
        let mut members = vec![0usize; regions.size.len()];
        for (i, &r) in regions.of_state.iter().enumerate() {
            members[r] += self.in_set[i] as usize;
        }
        let region_share = shares(&members, &regions.size);
        let mut in_forum = vec![0usize; regions.forum_size.len()];
        for (i, fora) in regions.fora.iter().enumerate() {
            for &f in fora {
                in_forum[f as usize] += self.in_set[i] as usize;
            }
        }
        let forum_share = shares(&in_forum, &regions.forum_size);
        self.circle_share = (regions.of_state.iter().enumerate())
            .map(
                |(i, &r)| match regions.fora.get(i).filter(|f| !f.is_empty()) {
                    Some(fora) => {
                        let sum: f64 = fora.iter().map(|&f| forum_share[f as usize]).sum();
                        sum / fora.len() as f64
                    }
                    None => region_share[r],
                },
            )
            .collect();
        self
    }
}

/// `count[k] / size[k]` for every k (0 for an empty group).
fn shares(count: &[usize], size: &[usize]) -> Vec<f64> {
    count
        .iter()
        .zip(size)
        .map(|(&m, &n)| m as f64 / n.max(1) as f64)
        .collect()
}

/// The circles through which norms spread: each state's region and the number of states in
/// each region, and each state's migration fora and the number of states in each forum; empty
/// (`needed` false) without regional norm spread, whose term is then the share of all states.
struct Regions<'a> {
    needed: bool,
    of_state: Vec<usize>,
    size: Vec<usize>,
    fora: &'a [Vec<u32>],
    forum_size: Vec<usize>,
}

impl<'a> Regions<'a> {
    fn of(views: &[StateView], ctx: &NegotiationContext<'a>) -> Self {
        let fora = ctx.fora;
        if ctx.rules.regional_norm == 0.0 {
            return Regions {
                needed: false,
                of_state: Vec::new(),
                size: Vec::new(),
                fora,
                forum_size: Vec::new(),
            };
        }
        let of_state: Vec<usize> = views.iter().map(|v| v.region).collect();
        let mut size = vec![0usize; of_state.iter().max().map_or(0, |&r| r + 1)];
        for &r in &of_state {
            size[r] += 1;
        }
        let forum_count = fora.iter().flatten().max().map_or(0, |&f| f as usize + 1);
        let mut forum_size = vec![0usize; forum_count];
        for &f in fora.iter().flatten() {
            forum_size[f as usize] += 1;
        }
        Regions {
            needed: true,
            of_state,
            size,
            fora,
            forum_size,
        }
    }
}

/// State i's terms given the set of states in the treaty.
fn terms_in(
    views: &[StateView],
    keeps: &[bool],
    neighbours: &[Vec<u32>],
    set: &Set,
    observed: Option<f64>,
    ctx: &NegotiationContext,
    i: usize,
) -> MembershipTerms {
    // A state's own memory of membership comes before what the treaty shows of itself.
    let known = views[i].remembered.or(observed);
    let partners = &neighbours[i];
    let in_partners = match set.counts {
        // a complete graph: the set's counts less i itself
        Some((count, keeping)) => {
            let own = set.in_set[i];
            (count - own as usize, keeping - (own && keeps[i]) as usize)
        }
        None => partners_in(keeps, partners, set.in_set),
    };
    let (share_in, compliance) = outlook(in_partners, partners.len(), known, ctx.noise);
    let o = Outlook {
        share_in,
        compliance,
        member_share: set.member_share,
        region_share: set.circle_share.get(i).copied().unwrap_or(0.0),
    };
    let mut t = membership_terms(&views[i], o, ctx);
    t.hegemonic_provision = provision(views, neighbours, set.in_set, ctx, i);
    t
}

/// How many of `partners` are in the set `in_set`, and how many of those would keep the treaty.
fn partners_in(keeps: &[bool], partners: &[u32], in_set: &[bool]) -> (usize, usize) {
    let mut count = 0usize;
    let mut comply = 0usize;
    for &j in partners {
        let j = j as usize;
        if in_set[j] {
            count += 1;
            comply += keeps[j] as usize;
        }
    }
    (count, comply)
}

/// What a state expects of the treaty given how many of its `partners` are in the set and how
/// many of those would keep it ([`partners_in`]): the share of its partners in the set, and the
/// compliance it expects of them: `known` (its memory of membership, or else the observed
/// member compliance when the regime has been operating), otherwise the share of partners in
/// the set that would keep it, blurred by implementation noise.
fn outlook(
    (count, comply): (usize, usize),
    partners: usize,
    known: Option<f64>,
    noise: f64,
) -> (f64, f64) {
    let share_in = if partners == 0 {
        0.0
    } else {
        count as f64 / partners as f64
    };
    let c = known.unwrap_or_else(|| {
        if count == 0 {
            0.0
        } else {
            let x = comply as f64 / count as f64;
            x * (1.0 - noise) + (1.0 - x) * noise
        }
    });
    (share_in, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::Rules;

    /// On a complete graph a set's counts less the state itself are the counts over its
    /// partners, for every state of many sets (members, keepers and sizes from a fixed
    /// pattern).
    #[test]
    fn a_complete_graphs_set_counts_equal_the_partners_counts() {
        let n = 23;
        let neighbours: Vec<Vec<u32>> = (0..n)
            .map(|i| (0..n as u32).filter(|&j| j as usize != i).collect())
            .collect();
        for seed in 0..40usize {
            let in_set: Vec<bool> = (0..n).map(|i| (i * 7 + seed * 3) % 5 < seed % 6).collect();
            let keeps: Vec<bool> = (0..n).map(|i| (i * 11 + seed) % 3 != 0).collect();
            let set = Set::of(&in_set, Some(&keeps));
            let (count, keeping) = set.counts.expect("counts kept");
            for i in 0..n {
                let own = in_set[i];
                let counted = (count - own as usize, keeping - (own && keeps[i]) as usize);
                assert_eq!(
                    counted,
                    partners_in(&keeps, &neighbours[i], &in_set),
                    "set {seed}, state {i}"
                );
            }
        }
    }

    fn view(member: bool) -> StateView {
        StateView {
            utility: [3.0, 0.0, 5.0, 1.0],
            discount: 0.9,
            sovereignty: 0.4,
            u_out: Some(1.7),
            member,
            k: 0.25,
            remembered: None,
            region: 0,
        }
    }

    fn context(rules: &Rules, monitoring: f64, detection: f64) -> NegotiationContext<'_> {
        NegotiationContext {
            rules,
            enforcement: Enforcement::new(detection, monitoring, rules, 0.5),
            anarchy: Enforcement::anarchy(detection),
            norm_weight: 0.13,
            exit_cost: 0.9,
            ratification_cost: 0.05,
            noise: 0.01,
            sovereignty_weight: 0.7,
            hegemon: None,
            fora: &[],
        }
    }

    #[test]
    fn the_terms_add_up_to_the_value_bit_for_bit() {
        let rules = Rules::preset("institutionalist").expect("a preset");
        let ctx = context(&rules, 0.8, 0.5);
        for member in [true, false] {
            for discount in [0.1, 0.9] {
                let v = StateView {
                    discount,
                    ..view(member)
                };
                for (share, c) in [(0.0, 0.0), (0.3, 0.97), (1.0, 1.0)] {
                    let o = Outlook {
                        share_in: share,
                        compliance: c,
                        member_share: 0.4,
                        region_share: 0.0,
                    };
                    let t = membership_terms(&v, o, &ctx);
                    assert_eq!(t.value().to_bits(), membership_value(&v, o, &ctx).to_bits());
                    assert_eq!(t.norm, 0.13 * 0.4);
                    assert_eq!(t.gain, share * (t.u_in - t.u_out));
                    assert_eq!(t.exit_cost, if member { 0.9 } else { 0.0 });
                    assert_eq!(t.ratification, if member { 0.05 } else { -0.05 });
                    assert_eq!(t.sovereignty_cost, 0.4 * 0.7);
                }
            }
        }
    }

    /// A would-be cheater expects cheating inside to be seen more often and sanctioned, so it
    /// never gains from joining (Downs, Rocke & Barsoom 1996); a keeper gains the saving.
    #[test]
    fn a_would_be_cheater_gains_nothing_from_joining() {
        // Monitoring without sanctions: a myopic state still cheats inside.
        let rules = Rules {
            sanctions: 0.0,
            ..Rules::INSTITUTIONALIST
        };
        let ctx = context(&rules, 0.8, 0.2);
        let cheater = StateView {
            discount: 0.05,
            ..view(false)
        };
        assert!(!keepers(std::slice::from_ref(&cheater), &ctx)[0]);
        for c in [0.0, 0.5, 1.0] {
            let o = Outlook {
                share_in: 1.0,
                compliance: c,
                member_share: 1.0,
                region_share: 0.0,
            };
            let t = membership_terms(&cheater, o, &ctx);
            assert!(t.gain <= 0.0, "c = {c}: {t:?}");
        }
        let keeper = StateView {
            u_out: Some(3.0 - 0.25 * 0.0),
            ..view(false)
        };
        assert!(keepers(std::slice::from_ref(&keeper), &ctx)[0]);
        let o = Outlook {
            share_in: 1.0,
            compliance: 1.0,
            member_share: 1.0,
            region_share: 0.0,
        };
        let t = membership_terms(&keeper, o, &ctx);
        assert!(
            (t.gain - 0.5 * rules.transaction_cost_cut).abs() < 1e-12,
            "{t:?}"
        );
    }

    #[test]
    fn every_decision_has_the_sign_of_its_terms_plus_taste() {
        let rules = Rules::preset("realist").expect("a preset");
        let mut ctx = context(&rules, 0.0, 1.0);
        ctx.norm_weight = 0.0;
        ctx.exit_cost = 0.0;
        // Five states on a complete graph; two members, one of which cannot recover its
        // sovereignty cost; the third pays one no partner set can cover.
        let mut views: Vec<StateView> = (0..5).map(|i| view(i < 2)).collect();
        for v in &mut views {
            v.u_out = Some(1.0);
        }
        views[1].sovereignty = 10.0;
        views[3].sovereignty = 10.0;
        let neighbours: Vec<Vec<u32>> = (0..5u32)
            .map(|i| (0..5).filter(|&j| j != i).collect())
            .collect();
        let taste = [0.3, 0.1, -0.1, 0.0, 0.2];
        let eligible = [true; 5];
        let r = ratify(&views, &neighbours, &taste, None, &ctx, &eligible);
        assert_eq!(r.members, vec![true, false, true, false, true]);
        for i in 0..5 {
            let v = r.terms[i].value() + taste[i];
            if r.members[i] {
                assert!(v >= 0.0, "state {i}: {:?}", r.terms[i]);
            } else {
                assert!(v <= 0.0, "state {i}: {:?}", r.terms[i]);
            }
        }
        // Founding with only states 0 and 1 eligible: 2, 3 and 4 stay out whatever they value.
        let none: Vec<StateView> = views
            .iter()
            .map(|v| StateView {
                member: false,
                ..v.clone()
            })
            .collect();
        let founding = [true, true, false, false, false];
        let f = ratify(&none, &neighbours, &taste, None, &ctx, &founding);
        assert_eq!(f.members, vec![false; 5], "state 0 alone gains too little");
    }

    /// Nine states on a complete graph, 0-3 members, 4 and 5 the only eligible non-members,
    /// every state in the region `region(i)`, with the regional norm at `rho`, the norm weight
    /// 1 and the given fora: whether 4 and 5 join, and their norm terms.
    fn nine_states(
        rho: f64,
        region: impl Fn(usize) -> usize,
        fora: &[Vec<u32>],
    ) -> (bool, bool, (f64, f64)) {
        let rules = Rules {
            regional_norm: rho,
            ..Rules::REALIST
        };
        let mut ctx = context(&rules, 0.0, 1.0);
        ctx.norm_weight = 1.0;
        ctx.exit_cost = 0.0;
        ctx.fora = fora;
        let views: Vec<StateView> = (0..9)
            .map(|i| StateView {
                u_out: Some(3.0),
                sovereignty: 0.5,
                region: region(i),
                ..view(i < 4)
            })
            .collect();
        let neighbours: Vec<Vec<u32>> = (0..9u32)
            .map(|i| (0..9).filter(|&j| j != i).collect())
            .collect();
        let eligible: Vec<bool> = (0..9).map(|i| i == 4 || i == 5).collect();
        let r = ratify(&views, &neighbours, &[0.0; 9], None, &ctx, &eligible);
        let norms = (r.terms[4].norm, r.terms[5].norm);
        (r.members[4], r.members[5], norms)
    }

    /// Regional norm spread (rho = `regional_norm`): the norm term weighs the member share of
    /// the state's own region. Four members in region 0; one eligible non-member in region 0
    /// and one in region 1, whose three other states stay out (not eligible). With rho = 1 the
    /// region-0 state sees its region full (norm 1) and joins, the region-1 state sees a
    /// quarter of its region (norm 0.25) and stays out; with rho = 0 both see the same share
    /// of all states (6/9) and both join.
    #[test]
    fn regional_norm_pulls_in_the_states_of_a_region_that_is_in() {
        let two_regions = |i: usize| usize::from(i >= 5);
        let (in4, in5, norms) = nine_states(1.0, two_regions, &[]);
        assert!(in4 && !in5, "rho = 1: {in4} {in5}");
        assert_eq!(norms, (1.0, 0.25));
        let (in4, in5, norms) = nine_states(0.0, two_regions, &[]);
        assert!(in4 && in5, "rho = 0: {in4} {in5}");
        assert_eq!(norms, (6.0 / 9.0, 6.0 / 9.0));
    }

    /// Norm spread through migration fora: the same nine states, all of one region, but
    /// states 0-4 share forum 0 and states 5-8 forum 1. With rho = 1 state 4 sees its forum
    /// full (norm 1) and joins, state 5 sees a quarter of its forum (norm 0.25) and stays out,
    /// as in the regional test; without fora both see their one region (6/9) and both join.
    #[test]
    fn fora_replace_the_region_as_the_circle_of_the_norm() {
        let fora: Vec<Vec<u32>> = (0..9).map(|i| vec![u32::from(i >= 5)]).collect();
        let (in4, in5, norms) = nine_states(1.0, |_| 0, &fora);
        assert!(in4 && !in5, "fora: {in4} {in5}");
        assert_eq!(norms, (1.0, 0.25));
        let (in4, in5, norms) = nine_states(1.0, |_| 0, &[]);
        assert!(in4 && in5, "no fora: {in4} {in5}");
        assert_eq!(norms, (6.0 / 9.0, 6.0 / 9.0));
    }
}
