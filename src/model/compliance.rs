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

/// Whether a member complies with the treaty toward other members (ODD 7.5).
///
/// Complying is worth (u_CC + tc) / (1 - delta). A cheater gains u_DC each round, pays the
/// expected sanction m s (1 + k) (only the institution's monitor imposes sanctions), and is
/// seen with probability pi (see [`detection_probability`]); once seen, its partners answer
/// with mutual defection for ever (u_DD / (1 - delta)). Its value V solves
/// V = u_DC - m s (1 + k) + delta (pi u_DD / (1 - delta) + (1 - pi) V), so it complies when
///
/// (u_CC + tc)(1 - delta (1 - pi)) >= (1 - delta)(u_DC - m s (1 + k)) + delta pi u_DD.
///
/// With pi = 1 this is the grim-trigger condition of "cooperation under anarchy" (Axelrod &
/// Keohane 1985): with no institutions and k = 0, delta >= (T - R) / (T - P); in general, for
/// tc = s = 0, delta* = (T - R) / (T - R + pi (R - P)), so cheating that is rarely seen needs a
/// longer shadow of the future, and monitoring lowers the threshold by raising pi. Relative
/// gains raise it (Grieco 1988); transaction-cost cuts and expected sanctions lower it (Keohane
/// 1984).
pub fn complies(
    own: &[f64; 4],
    partner: &[f64; 4],
    k: f64,
    discount: f64,
    rules: &Rules,
    monitoring: f64,
    base_detection: f64,
) -> bool {
    let u = pair_utility(own, partner, k);
    let sanction = monitoring * rules.sanctions * (1.0 + k);
    let pi = detection_probability(base_detection, monitoring);
    (u[0] + rules.transaction_cost_cut) * (1.0 - discount * (1.0 - pi))
        >= (1.0 - discount) * (u[2] - sanction) + discount * pi * u[3]
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
            assert!(complies(&t, &t, k, star + 1e-6, &r, 0.0, 1.0), "k = {k}");
            assert!(!complies(&t, &t, k, star - 1e-6, &r, 0.0, 1.0), "k = {k}");
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
            assert!(complies(&t, &t, 0.0, star + 1e-9, &r, 0.0, pi), "pi = {pi}");
            assert!(
                !complies(&t, &t, 0.0, star - 1e-9, &r, 0.0, pi),
                "pi = {pi}"
            );
        }
        // Monitoring raises pi: with q = 0.3, delta = 0.7 cheats without a monitor and
        // complies with monitoring 0.8 (pi = 0.86, delta* = 0.538), even without sanctions.
        assert!(!complies(&t, &t, 0.0, 0.7, &r, 0.0, 0.3));
        assert!(complies(&t, &t, 0.0, 0.7, &r, 0.8, 0.3));
        assert!((detection_probability(0.3, 0.8) - 0.86).abs() < 1e-12);
        assert_eq!(detection_probability(1.0, 0.0), 1.0);
    }

    #[test]
    fn sanctions_and_monitoring_lower_the_threshold() {
        let g = Payoffs::STANDARD;
        let t = [g.r, g.s, g.t, g.p];
        let mut r = rules(0.0);
        let delta = 0.3; // below the no-institution threshold of 0.5
        assert!(!complies(&t, &t, 0.0, delta, &r, 0.0, 1.0));
        r.sanctions = 2.0;
        assert!(
            !complies(&t, &t, 0.0, delta, &r, 0.0, 1.0),
            "sanctions without monitoring do nothing"
        );
        assert!(complies(&t, &t, 0.0, delta, &r, 1.0, 1.0));
    }
}
