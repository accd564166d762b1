//! The design: which values each point of a sweep takes (grid, random draws, Latin hypercube), from
//! the master seed's own streams. Besides its sibling parts it may import only `engine::rng` and
//! `error`.

use super::spec::{AxisValue, Design, Levels, SweepSpec, MAX_POINTS};
use crate::engine::rng::{derive_seed, stream};
use crate::error::{RegimeError, Result};
use rand::{Rng, RngCore};

/// Stream tags of the design draws (distinct from the run streams `[point, replicate]`).
pub(super) const RANDOM_DESIGN_STREAM: u64 = 0x5357_4545_5052_4E44; // "SWEEPRND"
pub(super) const LHS_STREAM: u64 = 0x5357_4545_504C_4853; // "SWEEPLHS"

/// The points of a sweep: the design made concrete for one master seed.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The sweep table.
    pub spec: SweepSpec,
    /// The master seed.
    pub seed: u64,
    points: u64,
    /// Latin hypercube: one permutation of the strata per axis.
    strata: Vec<Vec<u32>>,
}

impl Plan {
    /// Lays out the points of `spec` for the master seed `seed`.
    pub fn new(spec: SweepSpec, seed: u64) -> Result<Plan> {
        let points = match spec.design {
            Design::Grid => {
                let mut n: u64 = 1;
                for a in &spec.axes {
                    let len = match &a.levels {
                        Levels::List(l) => l.len() as u64,
                        Levels::Uniform { .. } => 1,
                    };
                    n = n
                        .checked_mul(len)
                        .filter(|&n| n <= MAX_POINTS)
                        .ok_or_else(|| {
                            RegimeError::field(
                                a.location.clone(),
                                "sweep.axes",
                                format!("a grid of at most {MAX_POINTS} points"),
                                "more",
                            )
                        })?;
                }
                n
            }
            Design::Random | Design::LatinHypercube => spec.samples.unwrap_or(1),
        };
        let strata = if spec.design == Design::LatinHypercube {
            (0..spec.axes.len())
                .map(|d| {
                    let mut rng = stream(derive_seed(seed, &[LHS_STREAM, d as u64]));
                    let mut perm: Vec<u32> = (0..points as u32).collect();
                    // Fisher-Yates, drawing u64 (never usize) so that it is the same everywhere.
                    for i in (1..perm.len()).rev() {
                        let j = rng.random_range(0..=i as u64) as usize;
                        perm.swap(i, j);
                    }
                    perm
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Plan {
            spec,
            seed,
            points,
            strata,
        })
    }

    /// Number of points.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// The value of every axis at `point`, in axis order.
    pub fn values(&self, point: u64) -> Vec<AxisValue> {
        let mut out = Vec::with_capacity(self.spec.axes.len());
        match self.spec.design {
            Design::Grid => {
                let mut rest = point;
                let mut rev = Vec::with_capacity(self.spec.axes.len());
                for a in self.spec.axes.iter().rev() {
                    match &a.levels {
                        Levels::List(l) => {
                            let len = l.len() as u64;
                            rev.push(l[(rest % len) as usize].clone());
                            rest /= len;
                        }
                        Levels::Uniform { low, .. } => rev.push(AxisValue::Float(*low)),
                    }
                }
                out.extend(rev.into_iter().rev());
            }
            Design::Random => {
                for (d, a) in self.spec.axes.iter().enumerate() {
                    let mut rng = stream(derive_seed(
                        self.seed,
                        &[RANDOM_DESIGN_STREAM, point, d as u64],
                    ));
                    out.push(match &a.levels {
                        Levels::Uniform { low, high } => {
                            AxisValue::Float(low + rng.random::<f64>() * (high - low))
                        }
                        Levels::List(l) => l[rng.random_range(0..l.len() as u64) as usize].clone(),
                    });
                }
            }
            Design::LatinHypercube => {
                let n = self.points as f64;
                for (d, a) in self.spec.axes.iter().enumerate() {
                    let stratum = self.strata[d][point as usize] as f64;
                    let mut rng = stream(derive_seed(self.seed, &[LHS_STREAM, point, d as u64]));
                    // A position strictly inside the stratum: (k + 0.5) / 2^32 with k < 2^32.
                    let u = (rng.next_u32() as f64 + 0.5) / 4_294_967_296.0;
                    let t = (stratum + u) / n;
                    out.push(match &a.levels {
                        Levels::Uniform { low, high } => AxisValue::Float(low + t * (high - low)),
                        Levels::List(l) => {
                            let k = ((t * l.len() as f64).floor() as usize).min(l.len() - 1);
                            l[k].clone()
                        }
                    });
                }
            }
        }
        out
    }

    /// The `--set` overrides of `point` (plus the rule sets of a `rule_set` axis).
    pub fn overrides(&self, point: u64) -> Vec<String> {
        let mut sets: Vec<String> = self
            .spec
            .axes
            .iter()
            .zip(self.values(point))
            .flat_map(|(a, v)| a.overrides(&v))
            .collect();
        sets.extend(self.rule_set_override());
        sets
    }

    pub(super) fn rule_set_override(&self) -> Option<String> {
        self.spec.rule_set_axis.as_ref().map(|names| {
            let list: Vec<String> = names
                .iter()
                .map(|n| toml_edit::Value::from(n.as_str()).to_string())
                .collect();
            format!("rule_sets=[{}]", list.join(", "))
        })
    }
}
