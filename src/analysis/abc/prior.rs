//! Priors of the parameters of an ABC fit, and the coordinates the SMC kernel moves in.
//!
//! Every prior is uniform in its own *internal coordinate* z: a `uniform` prior in x, a
//! `log_uniform` prior in ln x, a list of values in the index of the value. The SMC perturbation
//! kernel and the importance weights work in z, where every prior density is a constant on its
//! support; the particles themselves are reported in x.

use rand::Rng;

/// The prior of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    /// Uniform on [low, high].
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Uniform in ln x on [ln low, ln high] (0 < low).
    LogUniform {
        /// Lower end (> 0).
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// Each listed value with equal probability.
    Values(Vec<f64>),
}

impl Prior {
    /// The name used in scenario files.
    pub fn kind(&self) -> &'static str {
        match self {
            Prior::Uniform { .. } => "uniform",
            Prior::LogUniform { .. } => "log_uniform",
            Prior::Values(_) => "values",
        }
    }

    /// The internal coordinate z of a value x (`None` outside the support).
    pub fn to_z(&self, x: f64) -> Option<f64> {
        match self {
            Prior::Uniform { low, high } => (*low..=*high).contains(&x).then_some(x),
            Prior::LogUniform { low, high } => (*low..=*high).contains(&x).then(|| x.ln()),
            Prior::Values(v) => v.iter().position(|y| *y == x).map(|k| k as f64),
        }
    }

    /// The value x of an internal coordinate z (`None` outside the support).
    pub fn from_z(&self, z: f64) -> Option<f64> {
        match self {
            Prior::Uniform { low, high } => (*low..=*high).contains(&z).then_some(z),
            Prior::LogUniform { low, high } => {
                let x = z.exp();
                (low.ln()..=high.ln())
                    .contains(&z)
                    .then(|| x.clamp(*low, *high))
            }
            Prior::Values(v) => {
                let k = z.round();
                (k >= 0.0 && (k as usize) < v.len() && k == z).then(|| v[k as usize])
            }
        }
    }

    /// The prior density in z on its support: 1 / (width in z), or 1 / n for a list.
    pub fn density_z(&self) -> f64 {
        match self {
            Prior::Uniform { low, high } => 1.0 / (high - low).max(f64::MIN_POSITIVE),
            Prior::LogUniform { low, high } => 1.0 / (high.ln() - low.ln()).max(f64::MIN_POSITIVE),
            Prior::Values(v) => 1.0 / v.len().max(1) as f64,
        }
    }

    /// A draw from the prior.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        let u: f64 = rng.random();
        match self {
            Prior::Uniform { low, high } => (low + u * (high - low)).min(*high),
            Prior::LogUniform { low, high } => (low.ln() + u * (high.ln() - low.ln()))
                .exp()
                .clamp(*low, *high),
            Prior::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)],
        }
    }

    /// Whether the parameter takes listed values (moved by the discrete kernel).
    pub fn is_discrete(&self) -> bool {
        matches!(self, Prior::Values(_))
    }

    /// Number of listed values (0 for a continuous prior).
    pub fn levels(&self) -> usize {
        match self {
            Prior::Values(v) => v.len(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_round_trip() {
        let priors = [
            Prior::Uniform {
                low: -1.0,
                high: 2.0,
            },
            Prior::LogUniform {
                low: 0.01,
                high: 10.0,
            },
            Prior::Values(vec![0.0, 1.0, 3.0]),
        ];
        let mut rng = crate::engine::rng::stream(7);
        for p in &priors {
            for _ in 0..100 {
                let x = p.sample(&mut rng);
                let z = p.to_z(x).expect("a draw is in the support");
                let back = p.from_z(z).expect("its coordinate too");
                assert!(
                    (back - x).abs() <= 1e-12 * x.abs().max(1.0),
                    "{p:?}: {x} -> {back}"
                );
            }
        }
        assert_eq!(priors[0].to_z(2.5), None);
        assert_eq!(priors[2].from_z(1.5), None);
        assert_eq!(priors[2].to_z(2.0), None);
    }
}
