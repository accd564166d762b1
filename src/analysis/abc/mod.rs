//! Approximate Bayesian computation (ABC), generic over a simulator: rejection (Pritchard et al.
//! 1999; Beaumont, Zhang & Balding 2002) and sequential Monte Carlo, the population Monte Carlo
//! sampler of Beaumont, Cornuet, Marin & Robert (2009) with the tolerance schedule of Toni et al.
//! (2009) chosen adaptively as a quantile of the previous generation's distances (Del Moral,
//! Doucet & Jasra 2012).
//!
//! The model is two closures: `simulate(params, seed) -> statistics` and
//! `distance(statistics) -> d`, so that a toy model with a known posterior needs no scenario
//! (`regime calibrate` wraps the engine in them; see `analysis::calibrate` and
//! `docs/calibration.md`).
//!
//! **Determinism.** Particle `i` of generation `g` draws its proposals from its own stream
//! `derive_seed(seed, [g, i])` and simulates attempt `a` with seed `derive_seed(seed, [g, i, a])`.
//! Nothing depends on which thread ran it or when, so a generation computed in parallel, in any
//! batches, or resumed half-way gives the same particles bit for bit.
//!
//! **SMC.** Generation 0 is `population` draws from the prior (tolerance infinite, weights 1).
//! Generation g > 0 has tolerance ε_g = max(q-quantile of the distances of generation g−1,
//! `final_tolerance`) (when that quantile is not below ε_{g−1}, as happens with distances that
//! take few values, the largest distance of generation g−1 below ε_{g−1} instead); each particle picks a parent from generation g−1 with probability
//! proportional to its weight, moves it with the kernel K (a Gaussian in each continuous
//! parameter's internal coordinate with twice the weighted variance of generation g−1, Beaumont
//! et al. 2009; a listed parameter keeps its value with probability 0.7 and otherwise takes one of
//! the other values at random), redraws until the move stays in the prior's support, simulates,
//! and is accepted if its distance is at most ε_g (else it starts again). Its importance weight is
//! π(z) / Σ_j W_j K(z | z_j), with W the previous generation's normalised weights (the weights
//! written are unnormalised: they are relative within a generation). The fit stops after
//! `generations` generations or when ε_g reaches `final_tolerance`.
//!
//! May import `engine::rng` (streams and seed derivation), `error` and `rayon`; nothing of the
//! model, `io` or clap.

mod prior;
mod summary;

pub use prior::Prior;
pub use summary::{weighted_quantile, weighted_summary, Summary};

use crate::engine::rng::{derive_seed, normal, stream};
use crate::error::{RegimeError, Result};
use rand::Rng;
use rayon::prelude::*;

/// Probability that the kernel moves a listed parameter to another of its values.
pub const DISCRETE_MOVE: f64 = 0.3;

/// One particle: a parameter point with its statistics, distance and importance weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// Parameter values (in the priors' order).
    pub params: Vec<f64>,
    /// The simulated summary statistics.
    pub stats: Vec<f64>,
    /// Distance of the statistics from the observations.
    pub distance: f64,
    /// Importance weight (unnormalised; relative within a generation).
    pub weight: f64,
    /// Simulations it took (proposals outside the prior's support are not simulated).
    pub simulations: u64,
}

/// One generation of particles and the tolerance they met.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Generation (0: draws from the prior).
    pub generation: u64,
    /// Tolerance of the generation (infinite for generation 0).
    pub tolerance: f64,
    /// Particles, in index order.
    pub particles: Vec<Particle>,
}

impl Population {
    /// Weights normalised to sum to 1 (equal weights if they sum to 0).
    pub fn normalised_weights(&self) -> Vec<f64> {
        let total: f64 = self.particles.iter().map(|p| p.weight).sum();
        let n = self.particles.len().max(1) as f64;
        self.particles
            .iter()
            .map(|p| {
                if total > 0.0 {
                    p.weight / total
                } else {
                    1.0 / n
                }
            })
            .collect()
    }
}

/// Which particles rejection ABC keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Accept {
    /// The closest fraction of the draws (ties broken by draw index).
    Fraction(f64),
    /// Every draw within this distance.
    Tolerance(f64),
}

/// The sampler.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// `draws` draws from the prior; keep those that `accept` says.
    Rejection {
        /// Draws from the prior.
        draws: u64,
        /// Which draws are kept.
        accept: Accept,
    },
    /// ABC-SMC (population Monte Carlo).
    Smc {
        /// Particles per generation.
        population: u64,
        /// Most generations, counting generation 0.
        generations: u64,
        /// Stop when the tolerance reaches this.
        final_tolerance: f64,
        /// Quantile of the previous distances that sets the next tolerance.
        quantile: f64,
    },
}

/// An ABC fit: priors, sampler and master seed.
#[derive(Debug, Clone)]
pub struct Abc {
    /// Priors, one per parameter.
    pub priors: Vec<Prior>,
    /// Sampler.
    pub method: Method,
    /// Master seed.
    pub seed: u64,
    /// Most simulations one SMC particle may take before the fit fails (tolerance too tight).
    pub max_simulations: u64,
}

/// The perturbation kernel of a generation: per parameter, the Gaussian's standard deviation
/// in the internal coordinate (continuous) or the number of values (listed).
#[derive(Debug, Clone)]
pub struct Kernel {
    sigma: Vec<f64>,
    /// Previous generation's internal coordinates and normalised weights.
    parents: Vec<(Vec<f64>, f64)>,
    cumulative: Vec<f64>,
}

impl Abc {
    /// Particles per generation (the draws of rejection).
    pub fn population(&self) -> u64 {
        match self.method {
            Method::Rejection { draws, .. } => draws,
            Method::Smc { population, .. } => population,
        }
    }

    /// The tolerance of generation `g` given the previous generation (infinite for g = 0).
    pub fn tolerance(&self, g: u64, prev: Option<&Population>) -> f64 {
        match (&self.method, prev) {
            (
                Method::Smc {
                    final_tolerance,
                    quantile,
                    ..
                },
                Some(p),
            ) if g > 0 => {
                let d: Vec<f64> = p.particles.iter().map(|x| x.distance).collect();
                let equal = vec![1.0; d.len()];
                let mut eps = weighted_quantile(&d, &equal, *quantile);
                if eps >= p.tolerance {
                    // no progress (distances that take few values): the largest distance below
                    // the previous tolerance
                    eps = d
                        .iter()
                        .copied()
                        .filter(|&x| x < p.tolerance)
                        .fold(f64::NEG_INFINITY, f64::max);
                }
                eps.max(*final_tolerance)
            }
            _ => f64::INFINITY,
        }
    }

    /// Whether generation `g`, of tolerance `tolerance`, is the last one.
    pub fn is_last(&self, g: u64, tolerance: f64) -> bool {
        match self.method {
            Method::Rejection { .. } => true,
            Method::Smc {
                generations,
                final_tolerance,
                ..
            } => g + 1 >= generations || (g > 0 && tolerance <= final_tolerance),
        }
    }

    /// The kernel that moves the particles of `prev` (twice their weighted variance).
    pub fn kernel(&self, prev: &Population) -> Kernel {
        let w = prev.normalised_weights();
        let parents: Vec<(Vec<f64>, f64)> = prev
            .particles
            .iter()
            .zip(&w)
            .map(|(p, &wi)| (self.to_z(&p.params), wi))
            .collect();
        let sigma = (0..self.priors.len())
            .map(|k| {
                let mean: f64 = parents.iter().map(|(z, wi)| wi * z[k]).sum();
                let var: f64 = parents
                    .iter()
                    .map(|(z, wi)| wi * (z[k] - mean).powi(2))
                    .sum();
                let floor = 1e-9 / self.priors[k].density_z();
                (2.0 * var).sqrt().max(floor)
            })
            .collect();
        let mut acc = 0.0;
        let cumulative = w
            .iter()
            .map(|x| {
                acc += x;
                acc
            })
            .collect();
        Kernel {
            sigma,
            parents,
            cumulative,
        }
    }

    fn to_z(&self, params: &[f64]) -> Vec<f64> {
        self.priors
            .iter()
            .zip(params)
            .map(|(p, &x)| p.to_z(x).unwrap_or(f64::NAN))
            .collect()
    }

    /// Particle `i` of generation `g`: a draw from the prior (generation 0 or rejection) or a
    /// moved parent that meets `tolerance`.
    pub fn particle<S, D>(
        &self,
        g: u64,
        i: u64,
        step: Option<(&Kernel, f64)>,
        simulate: &S,
        distance: &D,
    ) -> Result<Particle>
    where
        S: Fn(&[f64], u64) -> Result<Vec<f64>> + Sync,
        D: Fn(&[f64]) -> f64 + Sync,
    {
        let mut rng = stream(derive_seed(self.seed, &[g, i]));
        let Some((kernel, tolerance)) = step else {
            let params: Vec<f64> = self.priors.iter().map(|p| p.sample(&mut rng)).collect();
            let stats = simulate(&params, derive_seed(self.seed, &[g, i, 0]))?;
            let distance = distance(&stats);
            return Ok(Particle {
                params,
                stats,
                distance,
                weight: 1.0,
                simulations: 1,
            });
        };
        for attempt in 0..self.max_simulations {
            let z = self.propose(kernel, &mut rng);
            let params: Vec<f64> = self
                .priors
                .iter()
                .zip(&z)
                .map(|(p, &zk)| p.from_z(zk).unwrap_or(f64::NAN))
                .collect();
            let stats = simulate(&params, derive_seed(self.seed, &[g, i, attempt]))?;
            let d = distance(&stats);
            if d <= tolerance {
                return Ok(Particle {
                    params,
                    stats,
                    distance: d,
                    weight: self.importance_weight(kernel, &z),
                    simulations: attempt + 1,
                });
            }
        }
        Err(RegimeError::Calibration(format!(
            "particle {i} of generation {g} met no tolerance {tolerance} in {} simulations; \
             loosen final_tolerance or the targets' scales, raise max_simulations or quantile, \
             then start again with --force",
            self.max_simulations
        )))
    }

    /// A parent moved by the kernel, redrawn until it lies in every prior's support.
    fn propose(&self, kernel: &Kernel, rng: &mut impl Rng) -> Vec<f64> {
        loop {
            let u: f64 = rng.random();
            let j = kernel
                .cumulative
                .partition_point(|&c| c < u)
                .min(kernel.parents.len() - 1);
            let parent = &kernel.parents[j].0;
            let z: Vec<f64> = self
                .priors
                .iter()
                .enumerate()
                .map(|(k, p)| move_one(p, parent[k], kernel.sigma[k], rng))
                .collect();
            if self
                .priors
                .iter()
                .zip(&z)
                .all(|(p, &zk)| p.from_z(zk).is_some())
            {
                return z;
            }
        }
    }

    /// π(z) / Σ_j W_j K(z | z_j).
    fn importance_weight(&self, kernel: &Kernel, z: &[f64]) -> f64 {
        let prior: f64 = self.priors.iter().map(Prior::density_z).product();
        let mix: f64 = kernel
            .parents
            .iter()
            .map(|(zj, wj)| {
                let k: f64 = self
                    .priors
                    .iter()
                    .enumerate()
                    .map(|(d, p)| kernel_density(p, z[d], zj[d], kernel.sigma[d]))
                    .product();
                wj * k
            })
            .sum();
        if mix > 0.0 {
            prior / mix
        } else {
            0.0
        }
    }

    /// Particles `range` of generation `g`, computed in parallel, in index order.
    pub fn batch<S, D>(
        &self,
        g: u64,
        range: std::ops::Range<u64>,
        step: Option<(&Kernel, f64)>,
        simulate: &S,
        distance: &D,
    ) -> Result<Vec<Particle>>
    where
        S: Fn(&[f64], u64) -> Result<Vec<f64>> + Sync,
        D: Fn(&[f64]) -> f64 + Sync,
    {
        let made: Vec<Result<Particle>> = range
            .into_par_iter()
            .map(|i| self.particle(g, i, step, simulate, distance))
            .collect();
        made.into_iter().collect()
    }

    /// Runs the whole fit in memory (for a library user or a toy model): every generation for
    /// SMC, or the draws and their acceptance for rejection. Returns every generation; the last
    /// is the posterior sample.
    pub fn run<S, D>(&self, simulate: &S, distance: &D) -> Result<Vec<Population>>
    where
        S: Fn(&[f64], u64) -> Result<Vec<f64>> + Sync,
        D: Fn(&[f64]) -> f64 + Sync,
    {
        let mut done: Vec<Population> = Vec::new();
        for g in 0.. {
            let prev = done.last();
            let tolerance = self.tolerance(g, prev);
            let kernel = prev.filter(|_| g > 0).map(|p| self.kernel(p));
            let step = kernel.as_ref().map(|k| (k, tolerance));
            let particles = self.batch(g, 0..self.population(), step, simulate, distance)?;
            done.push(Population {
                generation: g,
                tolerance,
                particles,
            });
            if self.is_last(g, tolerance) {
                break;
            }
        }
        if let Method::Rejection { accept, .. } = self.method {
            if let Some(last) = done.pop() {
                done.push(accept_draws(&last, accept));
            }
        }
        Ok(done)
    }
}

/// The indices of the draws rejection ABC keeps, in increasing order: the closest fraction
/// (ties broken by index) or every draw within the tolerance.
pub fn accepted_indices(draws: &Population, accept: Accept) -> Vec<u64> {
    let mut order: Vec<usize> = (0..draws.particles.len()).collect();
    order.sort_by(|&a, &b| {
        draws.particles[a]
            .distance
            .total_cmp(&draws.particles[b].distance)
            .then(a.cmp(&b))
    });
    let mut keep: Vec<u64> = match accept {
        Accept::Fraction(f) => {
            let k = ((f * order.len() as f64).ceil() as usize).clamp(1, order.len().max(1));
            order.into_iter().take(k).map(|i| i as u64).collect()
        }
        Accept::Tolerance(eps) => order
            .into_iter()
            .filter(|&i| draws.particles[i].distance <= eps)
            .map(|i| i as u64)
            .collect(),
    };
    keep.sort_unstable();
    keep
}

/// The draws rejection ABC keeps ([`accepted_indices`]), with weight 1; its tolerance is the
/// largest distance kept.
pub fn accept_draws(draws: &Population, accept: Accept) -> Population {
    let particles: Vec<Particle> = accepted_indices(draws, accept)
        .into_iter()
        .map(|i| Particle {
            weight: 1.0,
            ..draws.particles[i as usize].clone()
        })
        .collect();
    let tolerance = particles
        .iter()
        .map(|p| p.distance)
        .fold(f64::NEG_INFINITY, f64::max);
    Population {
        generation: draws.generation,
        tolerance,
        particles,
    }
}

/// One coordinate moved by the kernel.
fn move_one(p: &Prior, z: f64, sigma: f64, rng: &mut impl Rng) -> f64 {
    if p.is_discrete() {
        let n = p.levels();
        let u: f64 = rng.random();
        if n <= 1 || u >= DISCRETE_MOVE {
            return z;
        }
        let v: f64 = rng.random();
        let other = ((v * (n - 1) as f64) as usize).min(n - 2);
        // the other values, in order, skipping the current one
        return if (other as f64) < z {
            other as f64
        } else {
            (other + 1) as f64
        };
    }
    // Platform-independent (pure-Rust libm), like every draw of a world.
    normal(rng, z, sigma)
}

/// The kernel's density (or probability, for a listed parameter) of moving `from` to `to`.
fn kernel_density(p: &Prior, to: f64, from: f64, sigma: f64) -> f64 {
    if p.is_discrete() {
        let n = p.levels();
        return match (n <= 1, to == from) {
            (true, _) => 1.0,
            (false, true) => 1.0 - DISCRETE_MOVE,
            (false, false) => DISCRETE_MOVE / (n - 1) as f64,
        };
    }
    let u = (to - from) / sigma;
    (-0.5 * u * u).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt())
}

#[cfg(test)]
mod tests;
