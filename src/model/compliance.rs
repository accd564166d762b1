//! The compliance condition (ODD 7.5): whether a member keeps the treaty, the grim-trigger
//! condition of cooperation under anarchy (Axelrod & Keohane 1985).
//!
//! Pure function; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::rules::Rules;
use crate::model::utility::pair_utility;
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
}
