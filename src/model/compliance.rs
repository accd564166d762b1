//! The compliance condition (ODD 7.5): whether a member keeps the treaty, the grim-trigger
//! condition of cooperation under anarchy (Axelrod & Keohane 1985).
//!
//! Pure function; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::rules::Rules;
use crate::model::utility::pair_utility;

/// The probability that a round of cheating is seen: pi = 1 - (1 - q)(1 - m), where q is the
/// issue's base detection (what partners see on their own) and m the effective monitoring of
/// the institution (Axelrod & Keohane 1985 and Keohane 1984: institutions matter by making
/// cheating visible; Green & Porter 1984 on enforcement under imperfect information). With
/// q = 1 cheating is always seen, as the plain grim-trigger condition assumes.
pub fn detection_probability(base: f64, monitoring: f64) -> f64 {
    1.0 - (1.0 - base) * (1.0 - monitoring)
}

/// What keeping and cheating on a treaty are worth to a member per round, against a partner
/// that keeps it and against one that cheats (ODD 7.5). One set of values serves both the
/// compliance decision ([`complies`]) and the value of membership
/// ([`crate::model::membership_terms`]), so that a state never joins on one expectation and
/// behaves on another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreatyValues {
    /// Keeping against a keeper: u_CC + saving.
    pub keep_vs_keeper: f64,
    /// Keeping against a cheater: u_CD + saving (an honest member is exploited).
    pub keep_vs_cheater: f64,
    /// Cheating against a keeper, per round of the discounted stream:
    /// W = ((1 - delta)(u_DC - m s (1 + k)) + delta pi u_DD) / (1 - delta (1 - pi)):
    /// the temptation (less the expected sanction) until the cheating is seen, mutual
    /// defection for ever after.
    pub cheat_vs_keeper: f64,
    /// Cheating against a cheater: u_DD.
    pub cheat_vs_cheater: f64,
}

impl TreatyValues {
    /// The values for utilities `u` (`[CC, CD, DC, DD]` with relative gains), discount factor
    /// `delta`, detection probability `pi` (see [`detection_probability`]), expected sanction per
    /// round of cheating `sanction` (m s (1 + k)) and the transaction cost members save on a
    /// cooperative move `saving`.
    pub fn new(u: &[f64; 4], delta: f64, pi: f64, sanction: f64, saving: f64) -> Self {
        let stay_unseen = delta * (1.0 - pi);
        let cheat = if stay_unseen < 1.0 {
            ((1.0 - delta) * (u[2] - sanction) + delta * pi * u[3]) / (1.0 - stay_unseen)
        } else {
            // delta = 1 and pi = 0: cheating is never seen and the future never discounted.
            u[2] - sanction
        };
        TreatyValues {
            keep_vs_keeper: u[0] + saving,
            keep_vs_cheater: u[1] + saving,
            cheat_vs_keeper: cheat,
            cheat_vs_cheater: u[3],
        }
    }

    /// Keeping the treaty is worth at least cheating on it, against partners that keep it.
    pub fn keeps(&self) -> bool {
        self.keep_vs_keeper >= self.cheat_vs_keeper
    }

    /// The expected value per round of the state's own conduct (keeping if it keeps, else
    /// cheating) when a share `c` of its treaty partners keep the treaty.
    pub fn expected(&self, c: f64) -> f64 {
        if self.keeps() {
            c * self.keep_vs_keeper + (1.0 - c) * self.keep_vs_cheater
        } else {
            c * self.cheat_vs_keeper + (1.0 - c) * self.cheat_vs_cheater
        }
    }
}

/// How a treaty is enforced on an issue under a rule set (ODD 7.5): what a member's cheating
/// risks and what keeping saves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enforcement {
    /// pi: the probability that a round of cheating is seen.
    pub pi: f64,
    /// m s: the expected sanction per round of cheating before relative gains (times 1 + k).
    pub sanction: f64,
    /// The transaction cost members save on a cooperative move.
    pub saving: f64,
}

impl Enforcement {
    /// Enforcement with base detection `base`, effective monitoring `monitoring`, the rule
    /// set's sanctions and the transaction cost of which members save the rule set's
    /// `transaction_cost_cut`.
    pub fn new(base: f64, monitoring: f64, rules: &Rules, transaction_cost: f64) -> Self {
        Enforcement {
            pi: detection_probability(base, monitoring),
            sanction: monitoring * rules.sanctions,
            saving: transaction_cost * rules.transaction_cost_cut,
        }
    }

    /// Enforcement outside any treaty: seen with the base detection, no sanction, no saving.
    pub fn anarchy(base: f64) -> Self {
        Enforcement {
            pi: base,
            sanction: 0.0,
            saving: 0.0,
        }
    }

    /// A state's treaty values for utilities `u` (relative gains with weight `k` applied); the
    /// sanction is weighted by 1 + k (a sanction is a relative loss too; Grieco 1988).
    pub fn values(&self, u: &[f64; 4], discount: f64, k: f64) -> TreatyValues {
        TreatyValues::new(u, discount, self.pi, self.sanction * (1.0 + k), self.saving)
    }
}

/// Whether a member complies with the treaty toward other members (ODD 7.5).
///
/// Complying is worth u_CC + saving per round, where saving is the transaction cost members
/// save on a cooperative move (issue `transaction_cost` x rule `transaction_cost_cut`). A
/// cheater gains u_DC each round, pays the expected sanction m s (1 + k) (only the
/// institution's monitor imposes sanctions), and is seen with probability pi (see
/// [`detection_probability`]); once seen, its partners answer with mutual defection for ever.
/// It complies when keeping is worth at least cheating ([`TreatyValues::keeps`]):
///
/// (u_CC + saving)(1 - delta (1 - pi)) >= (1 - delta)(u_DC - m s (1 + k)) + delta pi u_DD.
///
/// With pi = 1 this is the grim-trigger condition of "cooperation under anarchy" (Axelrod &
/// Keohane 1985): with no institutions and k = 0, delta >= (T - R) / (T - P); in general, for
/// saving = s = 0, delta* = (T - R) / (T - R + pi (R - P)), so cheating that is rarely seen
/// needs a longer shadow of the future, and monitoring lowers the threshold by raising pi
/// (Green & Porter 1984 on enforcement under imperfect information). Relative gains raise it
/// (Grieco 1988); transaction-cost savings and expected sanctions lower it (Keohane 1984).
pub fn complies(
    own: &[f64; 4],
    partner: &[f64; 4],
    k: f64,
    discount: f64,
    enforcement: &Enforcement,
) -> bool {
    let u = pair_utility(own, partner, k);
    enforcement.values(&u, discount, k).keeps()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::game::Payoffs;
    use crate::model::rules::no_mechanisms as rules;

    #[test]
    fn compliance_is_the_grim_trigger_threshold() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        for k in [0.0, 0.5, 1.0] {
            let star = g.relative_gains(k).grim_threshold();
            let r = rules(k);
            assert!(
                complies(&t, &t, k, star + 1e-6, &Enforcement::new(1.0, 0.0, &r, 0.0)),
                "k = {k}"
            );
            assert!(
                !complies(&t, &t, k, star - 1e-6, &Enforcement::new(1.0, 0.0, &r, 0.0)),
                "k = {k}"
            );
        }
    }

    #[test]
    fn the_threshold_falls_with_the_detection_probability_as_derived() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        let r = rules(0.0);
        for pi in [1.0, 0.86, 0.5, 0.3, 0.1] {
            // base detection pi without monitoring
            let star = (g.t - g.r) / (g.t - g.r + pi * (g.r - g.p));
            assert!(
                complies(
                    &t,
                    &t,
                    0.0,
                    star + 1e-9,
                    &Enforcement::new(pi, 0.0, &r, 0.0)
                ),
                "pi = {pi}"
            );
            assert!(
                !complies(
                    &t,
                    &t,
                    0.0,
                    star - 1e-9,
                    &Enforcement::new(pi, 0.0, &r, 0.0)
                ),
                "pi = {pi}"
            );
        }
        // Monitoring raises pi: with q = 0.3, delta = 0.7 cheats without a monitor and
        // complies with monitoring 0.8 (pi = 0.86, delta* = 0.538), even without sanctions.
        assert!(!complies(
            &t,
            &t,
            0.0,
            0.7,
            &Enforcement::new(0.3, 0.0, &r, 0.0)
        ));
        assert!(complies(
            &t,
            &t,
            0.0,
            0.7,
            &Enforcement::new(0.3, 0.8, &r, 0.0)
        ));
        assert!((detection_probability(0.3, 0.8) - 0.86).abs() < 1e-12);
        assert_eq!(detection_probability(1.0, 0.0), 1.0);
    }

    #[test]
    fn sanctions_and_monitoring_lower_the_threshold() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        let mut r = rules(0.0);
        let delta = 0.3; // below the no-institution threshold of 0.5
        assert!(!complies(
            &t,
            &t,
            0.0,
            delta,
            &Enforcement::new(1.0, 0.0, &r, 0.0)
        ));
        r.sanctions = 2.0;
        assert!(
            !complies(&t, &t, 0.0, delta, &Enforcement::new(1.0, 0.0, &r, 0.0)),
            "sanctions without monitoring do nothing"
        );
        assert!(complies(
            &t,
            &t,
            0.0,
            delta,
            &Enforcement::new(1.0, 1.0, &r, 0.0)
        ));
    }
}
