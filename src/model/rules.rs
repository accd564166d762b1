//! Rule sets: the mechanisms each theory switches on (ODD 2, "Rule set"; thesis ch. 2 and 4).
//!
//! Plain data; may import nothing from `io`, `engine`, `analysis`, `plot` or clap.

use serde::Serialize;

/// The mechanisms of a rule set (ODD 2). `realist` and `institutionalist` are presets;
/// each field can be overridden, so a sweep can move continuously between the theories.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rules {
    /// Relative-gains sensitivity k: u_i = pi_i - k (pi_j - pi_i) (Grieco 1988).
    pub relative_gains: f64,
    /// Dilution of relative gains over many partners: k_eff = k z / (1 + d (m - 1)) with m the
    /// number of partners and z the security stakes (Snidal 1991; Powell 1991).
    pub relative_gains_dilution: f64,
    /// Weight of security salience in receivers' payoffs: security first (thesis ch. 2 and 5,
    /// realism: security > economy > rights). Counted once, in the stage game (ODD 7.1).
    pub security_weight: f64,
    /// A binding regime needs the most powerful receiving states (hegemonic stability; thesis
    /// ch. 5: powerful receiving states block binding rules).
    pub hegemonic_veto: bool,
    /// Hegemonic provision h in [0, 1]: while the dominant state (the most powerful) is in a
    /// treaty, it underwrites this share of every other member's sovereignty cost, and bears
    /// the cost itself (hegemonic stability: Kindleberger 1973, Gilpin 1981, Krasner 1976; a
    /// hegemon that gains from a regime supplies it).
    pub hegemonic_provision: f64,
    /// Probability the institution's monitor sees a member's cheating (Keohane 1984): it raises
    /// the detection probability pi, triggers the sanction, and a member caught cheating on at
    /// least a quarter of its treaty partners is flagged to all members for a round.
    pub monitoring: f64,
    /// Payoff penalty of a detected cheater (institutionalised reciprocity; Keohane & Martin 1995).
    pub sanctions: f64,
    /// Share of an issue's transaction cost (see [`crate::model::Issue::transaction_cost`])
    /// that treaty members save on each cooperative move with another member: institutions cut
    /// transaction costs (Keohane 1984).
    pub transaction_cost_cut: f64,
    /// Growth rate of regime strength with compliant age; exit costs grow with strength
    /// (historical institutionalism; Pierson 2000).
    pub path_dependence: f64,
    /// Legitimacy gain of joining per unit share of states already in (norm cascade;
    /// Finnemore & Sikkink 1998).
    pub norm_pressure: f64,
    /// Regional norm spread rho in [0, 1]: the share of the norm term that comes from the
    /// member share of the state's own region instead of all states (norms and ratifications
    /// spread through regional fora, the regional consultative processes of thesis ch. 2.2 C;
    /// regional norm cascades, Finnemore & Sikkink 1998; Acharya 2004). 0 in both presets.
    pub regional_norm: f64,
}

impl Rules {
    /// Realism: relative gains, security first, a hegemonic veto, institutions change nothing.
    pub const REALIST: Rules = Rules {
        relative_gains: 0.5,
        relative_gains_dilution: 0.01,
        security_weight: 1.0,
        hegemonic_veto: true,
        hegemonic_provision: 0.5,
        monitoring: 0.0,
        sanctions: 0.0,
        transaction_cost_cut: 0.0,
        path_dependence: 0.0,
        norm_pressure: 0.1,
        regional_norm: 0.0,
    };

    /// Institutionalism: absolute gains; institutions monitor, sanction, cut transaction costs
    /// and lock cooperation in.
    pub const INSTITUTIONALIST: Rules = Rules {
        relative_gains: 0.0,
        relative_gains_dilution: 0.0,
        security_weight: 0.3,
        hegemonic_veto: false,
        hegemonic_provision: 0.0,
        monitoring: 0.8,
        sanctions: 2.0,
        transaction_cost_cut: 0.8,
        path_dependence: 0.1,
        norm_pressure: 0.5,
        regional_norm: 0.0,
    };

    /// The preset of that name.
    pub fn preset(name: &str) -> Option<Rules> {
        match name {
            "realist" => Some(Rules::REALIST),
            "institutionalist" => Some(Rules::INSTITUTIONALIST),
            _ => None,
        }
    }
}

/// A rule set with every mechanism off and relative-gains sensitivity `k` (unit tests).
#[cfg(test)]
pub(crate) fn no_mechanisms(k: f64) -> Rules {
    Rules {
        relative_gains: k,
        relative_gains_dilution: 0.0,
        security_weight: 0.0,
        hegemonic_veto: false,
        hegemonic_provision: 0.0,
        monitoring: 0.0,
        sanctions: 0.0,
        transaction_cost_cut: 0.0,
        path_dependence: 0.0,
        norm_pressure: 0.0,
        regional_norm: 0.0,
    }
}
