//! Payoffs and utilities (ODD 7.1 and 7.2): a state's own stage game in an issue area, and
//! the utility it draws from an outcome with a partner once relative gains count.
//!
//! Pure functions; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use crate::model::issue::Issue;
use crate::model::rules::Rules;
use crate::model::world::State;
/// A state's own stage game in an issue area (ODD 7.1), as `[R, S, T, P]`:
///
/// - T_i = T + temptation_per_security * security_weight * security_i * receiving_i
///   (a receiving state's temptation to restrict grows with its security salience; realism puts
///   security first, thesis ch. 5.1);
/// - R_i = R + reward_per_economy * economy_i + reward_per_rights * rights_i +
///   reward_per_sending * sending_i - tc (the value of mutual cooperation grows with economic
///   interest and rights weight; sending states gain more, thesis ch. 2 and 5.2);
/// - P_i = P;
/// - S_i = S - sucker_per_security * security_weight * security_i * receiving_i - tc.
///
/// where tc is the issue's transaction cost of a cooperative move outside a treaty (Keohane
/// 1984; members save part of it, see [`crate::model::Enforcement`]),
/// with receiving_i = max(position_i, 0) and sending_i = max(-position_i, 0).
pub fn stage_game(issue: &Issue, s: &State, rules: &Rules) -> [f64; 4] {
    let g = &issue.payoffs;
    let sh = &issue.shifts;
    let securitised = rules.security_weight * s.security * s.receiving();
    [
        g.r + sh.reward_per_economy * s.economy
            + sh.reward_per_rights * s.rights
            + sh.reward_per_sending * s.sending()
            - issue.transaction_cost,
        g.s - sh.sucker_per_security * securitised - issue.transaction_cost,
        g.t + sh.temptation_per_security * securitised,
        g.p,
    ]
}

/// Relative-gains weight of a state with `partners` partners on an issue with security stakes
/// `stakes`: k x stakes / (1 + d (partners - 1)), where k is `relative_gains` (Grieco 1988),
/// stakes the issue's security stakes (Powell 1991: relative gains matter where they can be
/// turned into a security advantage) and d is `relative_gains_dilution`: with many partners
/// relative gains matter less (Snidal 1991).
pub fn relative_gains_weight(rules: &Rules, partners: usize, stakes: f64) -> f64 {
    let m = partners.max(1) as f64;
    rules.relative_gains * stakes / (1.0 + rules.relative_gains_dilution * (m - 1.0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rules::no_mechanisms as rules;

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
        assert!((relative_gains_weight(&r, 3, 1.0) - 0.2).abs() < 1e-12);
        // Relative gains scale with the issue's security stakes (Powell 1991).
        assert!((relative_gains_weight(&r, 3, 0.25) - 0.05).abs() < 1e-12);
        assert_eq!(relative_gains_weight(&r, 3, 0.0), 0.0);
    }
}
