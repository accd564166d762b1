//! Particles without re-reading the scenario: a particle's parameters written straight into a
//! copy of the resolved scenario, for the numeric fields a calibration usually fits (rule-set
//! mechanisms, `[regime]` thresholds, an issue's costs and detection, noise). Re-reading and
//! validating the scenario text per particle cost most of a small world's calibration. A patch is
//! used only where it gives the scenario that reading the text gives: [`Patcher::new`] compares
//! both at the ends of every prior (and a middle point) and declines otherwise. Besides its
//! sibling parts it may import only `io` and `error`.

use crate::io::scenario::{Issue, Rules, Scenario};

/// Where one parameter is written in a resolved scenario.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    /// A mechanism of the (one) simulated rule set.
    Rule(String),
    /// A `[regime]` threshold.
    Regime(String),
    /// A field of the issue at this index.
    Issue(usize, String),
    /// A `[noise]` rate.
    Noise(String),
}

impl Slot {
    /// The slot of a `--set` path, if it is one a patch can write.
    fn of(path: &str, rule_set: &str) -> Option<Slot> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["rules", name, field] if *name == rule_set => Some(Slot::Rule(field.to_string())),
            ["regime", field] => Some(Slot::Regime(field.to_string())),
            ["noise", field] => Some(Slot::Noise(field.to_string())),
            [head, field] => {
                let index = head.strip_prefix("issues[")?.strip_suffix(']')?;
                Some(Slot::Issue(index.parse().ok()?, field.to_string()))
            }
            _ => None,
        }
    }

    /// Writes `x` into `s`; false when the field is not one a patch knows.
    fn write(&self, s: &mut Scenario, x: f64) -> bool {
        match self {
            Slot::Rule(f) => s
                .rule_sets
                .first_mut()
                .and_then(|(_, r)| rule_field(r, f))
                .map(|v| *v = x)
                .is_some(),
            Slot::Regime(f) => regime_field(s, f, x),
            Slot::Issue(i, f) => s
                .issues
                .get_mut(*i)
                .and_then(|is| issue_field(is, f))
                .map(|v| *v = x)
                .is_some(),
            Slot::Noise(f) => {
                let v = match f.as_str() {
                    "implementation" => &mut s.noise.implementation,
                    "misperception" => &mut s.noise.misperception,
                    _ => return false,
                };
                *v = x;
                true
            }
        }
    }
}

fn rule_field<'a>(r: &'a mut Rules, f: &str) -> Option<&'a mut f64> {
    Some(match f {
        "relative_gains" => &mut r.relative_gains,
        "relative_gains_dilution" => &mut r.relative_gains_dilution,
        "security_weight" => &mut r.security_weight,
        "hegemonic_provision" => &mut r.hegemonic_provision,
        "monitoring" => &mut r.monitoring,
        "sanctions" => &mut r.sanctions,
        "transaction_cost_cut" => &mut r.transaction_cost_cut,
        "path_dependence" => &mut r.path_dependence,
        "norm_pressure" => &mut r.norm_pressure,
        "regional_norm" => &mut r.regional_norm,
        _ => return None,
    })
}

fn issue_field<'a>(is: &'a mut Issue, f: &str) -> Option<&'a mut f64> {
    Some(match f {
        "sovereignty_weight" => &mut is.sovereignty_weight,
        "detection" => &mut is.detection,
        "transaction_cost" => &mut is.transaction_cost,
        "security_stakes" => &mut is.security_stakes,
        _ => return None,
    })
}

fn regime_field(s: &mut Scenario, f: &str, x: f64) -> bool {
    let r = &mut s.regime;
    match f {
        "min_member_share" => r.min_member_share = x,
        "min_power_share" => r.min_power_share = x,
        "min_compliance" => r.min_compliance = x,
        "decision_noise" => r.decision_noise = x,
        "ratification_cost" => r.ratification_cost = x,
        "veto_players" => r.veto_players = x as u64,
        "sustain_rounds" => r.sustain_rounds = x as u64,
        "negotiation_interval" => r.negotiation_interval = x as u64,
        _ => return false,
    }
    true
}

/// Writes particles into a copy of one resolved scenario.
#[derive(Debug, Clone)]
pub struct Patcher {
    base: Scenario,
    slots: Vec<Slot>,
}

impl Patcher {
    /// A patcher for `paths` on `base` (the scenario resolved with only the simulated rule set),
    /// or `None` when some path is not a field it can write, or when writing gives another
    /// scenario than one of `checks` (a parameter point and the scenario read from the text
    /// with its overrides).
    pub fn new(
        base: Scenario,
        paths: &[String],
        rule_set: &str,
        checks: &[(Vec<f64>, Scenario)],
    ) -> Option<Patcher> {
        let slots = paths
            .iter()
            .map(|p| Slot::of(p, rule_set))
            .collect::<Option<Vec<Slot>>>()?;
        let patcher = Patcher { base, slots };
        for (point, read) in checks {
            if comparable(&patcher.scenario(point)?) != comparable(read) {
                return None;
            }
        }
        Some(patcher)
    }

    /// The scenario of a parameter point.
    pub fn scenario(&self, params: &[f64]) -> Option<Scenario> {
        let mut s = self.base.clone();
        for (slot, &x) in self.slots.iter().zip(params) {
            if !slot.write(&mut s, x) {
                return None;
            }
        }
        Some(s)
    }
}

/// A resolved scenario without the fields that name its text (they never reach a run).
pub fn comparable(s: &Scenario) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("text");
        o.remove("source");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teaching() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/teaching.toml");
        let sets = ["rule_sets=[\"realist\"]".to_string()];
        crate::io::scenario::load(&path, &sets).expect("the teaching scenario")
    }

    #[test]
    fn paths_map_to_the_fields_a_patch_can_write() {
        assert_eq!(
            Slot::of("rules.mine.monitoring", "mine"),
            Some(Slot::Rule("monitoring".into()))
        );
        assert_eq!(Slot::of("rules.other.monitoring", "mine"), None);
        assert_eq!(
            Slot::of("issues[3].detection", "mine"),
            Some(Slot::Issue(3, "detection".into()))
        );
        assert_eq!(Slot::of("blocs[0].discount", "mine"), None);
        assert_eq!(Slot::of("learning.mutation", "mine"), None);
        let mut s = teaching();
        assert!(Slot::Regime("veto_players".into()).write(&mut s, 3.0));
        assert_eq!(s.regime.veto_players, 3);
        assert!(!Slot::Regime("no_such_field".into()).write(&mut s, 1.0));
        assert!(!Slot::Issue(99, "detection".into()).write(&mut s, 0.5));
    }

    #[test]
    fn a_patch_that_would_differ_from_reading_the_text_is_declined() {
        let base = teaching();
        let paths = ["rules.realist.monitoring".to_string()];
        let points = [vec![0.0], vec![0.8]];
        let checks = |read: &dyn Fn(&[f64]) -> Scenario| -> Vec<(Vec<f64>, Scenario)> {
            points.iter().map(|p| (p.clone(), read(p))).collect()
        };
        // reading agrees with writing the field: accepted
        let agree = |x: &[f64]| {
            let mut s = teaching();
            s.rule_sets[0].1.monitoring = x[0];
            s
        };
        assert!(Patcher::new(base.clone(), &paths, "realist", &checks(&agree)).is_some());
        // reading also changes something else (a derived field): declined
        let derived = |x: &[f64]| {
            let mut s = teaching();
            s.rule_sets[0].1.monitoring = x[0];
            s.rule_sets[0].1.sanctions = 1.0 + x[0];
            s
        };
        assert!(Patcher::new(base.clone(), &paths, "realist", &checks(&derived)).is_none());
        // a path it cannot write: declined before anything is compared
        let other = ["learning.mutation".to_string()];
        assert!(Patcher::new(base, &other, "realist", &checks(&agree)).is_none());
    }
}
