//! Toy models with known posteriors: rejection and SMC must recover them.

use super::*;
use rand::Rng;

/// Bernoulli trials: `TRIALS` draws, `SUCCESSES` of them successes.
const TRIALS: u64 = 20;
const SUCCESSES: f64 = 6.0;

/// Simulates the number of successes in `TRIALS` Bernoulli(theta) trials.
fn binomial(params: &[f64], seed: u64) -> Result<Vec<f64>> {
    let mut rng = stream(seed);
    let k = (0..TRIALS)
        .filter(|_| rng.random::<f64>() < params[0])
        .count();
    Ok(vec![k as f64])
}

fn successes_distance(stats: &[f64]) -> f64 {
    (stats[0] - SUCCESSES).abs()
}

/// Weighted mean and sd of the one parameter of the last generation.
fn posterior(pops: &[Population]) -> (f64, f64, usize) {
    let last = pops.last().expect("a generation");
    let x: Vec<f64> = last.particles.iter().map(|p| p.params[0]).collect();
    let s = weighted_summary(&x, &last.normalised_weights());
    (s.mean, s.sd, last.particles.len())
}

/// Beta(1 + k, 1 + n - k): the exact posterior of a uniform prior after k of n successes.
fn beta_posterior() -> (f64, f64) {
    let (a, b) = (1.0 + SUCCESSES, 1.0 + TRIALS as f64 - SUCCESSES);
    let mean = a / (a + b);
    let var = a * b / ((a + b).powi(2) * (a + b + 1.0));
    (mean, var.sqrt())
}

fn uniform01() -> Vec<Prior> {
    vec![Prior::Uniform {
        low: 0.0,
        high: 1.0,
    }]
}

#[test]
fn rejection_recovers_the_beta_posterior() {
    let abc = Abc {
        priors: uniform01(),
        method: Method::Rejection {
            draws: 20_000,
            accept: Accept::Tolerance(0.0),
        },
        seed: 11,
        max_simulations: 1000,
    };
    let pops = abc.run(&binomial, &successes_distance).expect("runs");
    let (mean, sd, n) = posterior(&pops);
    let (m, s) = beta_posterior();
    // about 20000 / 21 draws match exactly; the mean's standard error is about 0.003
    assert!(n > 700, "{n} accepted");
    assert!((mean - m).abs() < 0.015, "mean {mean} vs {m}");
    assert!((sd / s - 1.0).abs() < 0.1, "sd {sd} vs {s}");
}

#[test]
fn rejection_by_fraction_keeps_the_closest() {
    let abc = Abc {
        priors: uniform01(),
        method: Method::Rejection {
            draws: 1000,
            accept: Accept::Fraction(0.1),
        },
        seed: 3,
        max_simulations: 1000,
    };
    let pops = abc.run(&binomial, &successes_distance).expect("runs");
    let last = &pops[0];
    assert_eq!(last.particles.len(), 100);
    assert!(last.particles.iter().all(|p| p.distance <= last.tolerance));
}

#[test]
fn smc_recovers_the_beta_posterior() {
    let abc = Abc {
        priors: uniform01(),
        method: Method::Smc {
            population: 2000,
            generations: 10,
            final_tolerance: 0.0,
            quantile: 0.5,
        },
        seed: 5,
        max_simulations: 10_000,
    };
    let pops = abc.run(&binomial, &successes_distance).expect("runs");
    let last = pops.last().expect("generations");
    assert_eq!(last.tolerance, 0.0, "reached the exact posterior");
    assert!(pops.len() >= 3, "{} generations", pops.len());
    let (mean, sd, _) = posterior(&pops);
    let (m, s) = beta_posterior();
    assert!((mean - m).abs() < 0.015, "mean {mean} vs {m}");
    assert!((sd / s - 1.0).abs() < 0.12, "sd {sd} vs {s}");
}

/// The sample mean of 25 draws of N(theta, 1), observed 0.4: the posterior of a flat prior is
/// N(0.4, 1/25), widened by the tolerance eps to variance 1/25 + eps^2 / 3.
#[test]
fn smc_recovers_a_normal_mean() {
    let simulate = |p: &[f64], seed: u64| -> Result<Vec<f64>> {
        let e = normal(&mut stream(seed), 0.0, 1.0);
        Ok(vec![p[0] + e / 5.0])
    };
    let distance = |s: &[f64]| (s[0] - 0.4).abs();
    let abc = Abc {
        priors: vec![Prior::Uniform {
            low: -5.0,
            high: 5.0,
        }],
        method: Method::Smc {
            population: 2000,
            generations: 30,
            final_tolerance: 0.02,
            quantile: 0.5,
        },
        seed: 8,
        max_simulations: 10_000,
    };
    let pops = abc.run(&simulate, &distance).expect("runs");
    assert_eq!(pops.last().map(|p| p.tolerance), Some(0.02));
    let (mean, sd, _) = posterior(&pops);
    let s = (1.0f64 / 25.0 + 0.02f64.powi(2) / 3.0).sqrt();
    assert!((mean - 0.4).abs() < 0.02, "mean {mean}");
    assert!((sd / s - 1.0).abs() < 0.12, "sd {sd} vs {s}");
}

/// A listed prior: the exact posterior over five rates is proportional to the likelihood.
#[test]
fn smc_recovers_a_discrete_posterior() {
    let rates = [0.1, 0.3, 0.5, 0.7, 0.9];
    let abc = Abc {
        priors: vec![Prior::Values(rates.to_vec())],
        method: Method::Smc {
            population: 3000,
            generations: 10,
            final_tolerance: 0.0,
            quantile: 0.5,
        },
        seed: 21,
        max_simulations: 10_000,
    };
    let pops = abc.run(&binomial, &successes_distance).expect("runs");
    let last = pops.last().expect("generations");
    let w = last.normalised_weights();
    let lik: Vec<f64> = rates
        .iter()
        .map(|t: &f64| t.powf(SUCCESSES) * (1.0 - t).powf(TRIALS as f64 - SUCCESSES))
        .collect();
    let total: f64 = lik.iter().sum();
    for (k, r) in rates.iter().enumerate() {
        let got: f64 = last
            .particles
            .iter()
            .zip(&w)
            .filter(|(p, _)| p.params[0] == *r)
            .map(|(_, w)| w)
            .sum();
        let want = lik[k] / total;
        assert!((got - want).abs() < 0.04, "P({r}) = {got}, exact {want}");
    }
}

/// A generation is the same whether computed at once or in batches, on 1 or 3 threads.
#[test]
fn particles_do_not_depend_on_batches_or_threads() {
    let abc = Abc {
        priors: vec![
            Prior::Uniform {
                low: 0.0,
                high: 1.0,
            },
            Prior::LogUniform {
                low: 0.01,
                high: 1.0,
            },
        ],
        method: Method::Smc {
            population: 64,
            generations: 3,
            final_tolerance: 0.0,
            quantile: 0.5,
        },
        seed: 4,
        max_simulations: 10_000,
    };
    let sim = |p: &[f64], seed: u64| binomial(&[p[0] * p[1].sqrt()], seed);
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    };
    let whole = pool(1).install(|| abc.run(&sim, &successes_distance).expect("runs"));
    let again = pool(3).install(|| abc.run(&sim, &successes_distance).expect("runs"));
    assert_eq!(whole, again);
    let prev = &whole[0];
    let tol = abc.tolerance(1, Some(prev));
    let kernel = abc.kernel(prev);
    let mut pieces = Vec::new();
    for r in [0..7, 7..40, 40..64] {
        pieces.extend(
            pool(2)
                .install(|| abc.batch(1, r, Some((&kernel, tol)), &sim, &successes_distance))
                .expect("runs"),
        );
    }
    assert_eq!(pieces, whole[1].particles);
}

/// A tolerance no simulation can meet stops the fit with an error, not a hang.
#[test]
fn an_unreachable_tolerance_is_an_error() {
    let abc = Abc {
        priors: uniform01(),
        method: Method::Smc {
            population: 10,
            generations: 5,
            final_tolerance: 0.0,
            quantile: 0.5,
        },
        seed: 1,
        max_simulations: 20,
    };
    let constant = |_: &[f64], _: u64| -> Result<Vec<f64>> { Ok(vec![5.0]) };
    let e = abc
        .run(&constant, &|s: &[f64]| s[0])
        .expect_err("cannot reach 0");
    assert!(matches!(e, RegimeError::Calibration(_)), "{e}");
    assert!(e.to_string().contains("20 simulations"), "{e}");
}
