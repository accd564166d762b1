//! The counterfactual design of `regime hypotheses`: every replicate's world is run under every
//! rule set in five variants on common random numbers (same seed, same world), which differ
//! from the baseline in one thing each (docs/hypotheses.md).

use crate::engine::sim::{ForcedExit, Probe};
use crate::engine::world::World;
use crate::model::{CivilSocietyAccess, Scenario};

/// One variant of a replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The scenario as written, with the panel of every state's play (H1 "on", H2 at
    /// horizon x1, H3 and H4).
    Baseline,
    /// Civil society has no access to any issue's institutions, and institutional shocks do
    /// not change access (H1 "off").
    AccessOff,
    /// Every state's shadow of the future scaled by the horizon factor of this index in
    /// [`Design::horizons`] (H2).
    Horizon(usize),
    /// The most powerful members of every regime forced out at [`Design::exit`] (H3).
    ForcedExit,
}

/// The settings of the design.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Replicates.
    pub reps: u64,
    /// The horizon factors of H2 besides the baseline's 1, shortest first: a factor h turns
    /// a discount factor delta into 1 - (1 - delta) / h, so the expected horizon 1/(1 - delta)
    /// is multiplied by h.
    pub horizons: [f64; 2],
    /// The forced exit of H3.
    pub exit: ForcedExit,
}

impl Design {
    /// The default design for a scenario: horizons x0.5 and x2; the exit in the middle round,
    /// of as many members as the scenario has veto players (at least one).
    pub fn for_scenario(scenario: &Scenario, reps: u64) -> Design {
        Design {
            reps,
            horizons: [0.5, 2.0],
            exit: ForcedExit {
                round: scenario.rounds / 2,
                count: (scenario.regime.veto_players as usize).max(1),
            },
        }
    }

    /// The variants of a replicate, in run order.
    pub fn variants(&self) -> Vec<Variant> {
        let mut v = vec![Variant::Baseline, Variant::AccessOff];
        v.extend((0..self.horizons.len()).map(Variant::Horizon));
        v.push(Variant::ForcedExit);
        v
    }

    /// The probe of a variant's run.
    pub fn probe(&self, variant: Variant) -> Probe {
        match variant {
            Variant::Baseline => Probe {
                forced_exit: None,
                panel: true,
            },
            Variant::ForcedExit => Probe {
                forced_exit: Some(self.exit),
                panel: false,
            },
            Variant::AccessOff | Variant::Horizon(_) => Probe::default(),
        }
    }

    /// The world of a variant's run: the replicate's world, with every discount factor
    /// rescaled for a horizon variant.
    pub fn world(&self, variant: Variant, world: &World) -> World {
        let mut w = world.clone();
        if let Variant::Horizon(h) = variant {
            for s in &mut w.states {
                s.discount = scaled_discount(s.discount, self.horizons[h]);
            }
        }
        w
    }
}

/// The discount factor whose expected horizon 1/(1 - delta) is `factor` times that of
/// `discount`: 1 - (1 - discount) / factor (Axelrod & Keohane 1985, "the shadow of the
/// future"). Stays in [0, 1) for factors >= 1 - discount.
pub fn scaled_discount(discount: f64, factor: f64) -> f64 {
    (1.0 - (1.0 - discount) / factor).clamp(0.0, 1.0 - 1e-9)
}

/// The scenario without civil-society access: every issue's access `none`, and no
/// institutional shock changes it (H1 "off").
pub fn without_access(scenario: &Scenario) -> Scenario {
    let mut s = scenario.clone();
    for issue in &mut s.issues {
        issue.civil_society_access = CivilSocietyAccess::None;
    }
    for shock in &mut s.shocks {
        shock.civil_society_access = None;
    }
    s
}

/// Issues on which civil society has some access at some time in the scenario (as written or
/// through an institutional shock): the issues where H1's contrast changes anything.
pub fn access_matters(scenario: &Scenario) -> Vec<bool> {
    scenario
        .issues
        .iter()
        .map(|is| {
            is.civil_society_access != CivilSocietyAccess::None
                || scenario.shocks.iter().any(|sh| {
                    sh.issue.as_deref() == Some(is.name.as_str())
                        && sh
                            .civil_society_access
                            .is_some_and(|a| a != CivilSocietyAccess::None)
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_scaling_multiplies_the_expected_horizon() {
        // delta 0.9: horizon 10; x2 -> 20 (delta 0.95); x0.5 -> 5 (delta 0.8).
        assert!((scaled_discount(0.9, 2.0) - 0.95).abs() < 1e-12);
        assert!((scaled_discount(0.9, 0.5) - 0.8).abs() < 1e-12);
        assert_eq!(scaled_discount(0.9, 1.0), 0.9);
        assert_eq!(scaled_discount(0.2, 0.1), 0.0);
    }
}
