//! Weighted summaries of a particle sample: mean, standard deviation and quantiles.

/// Weighted summary of one quantity over a particle sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Weighted mean.
    pub mean: f64,
    /// Weighted median ([`weighted_quantile`] at 0.5).
    pub median: f64,
    /// Weighted standard deviation (the population form, Σ w (x − mean)²).
    pub sd: f64,
    /// 2.5 % weighted quantile.
    pub low: f64,
    /// 97.5 % weighted quantile.
    pub high: f64,
}

/// The weighted q-quantile: the smallest value whose cumulative normalised weight (values in
/// increasing order, ties by position) reaches q. For equal weights and q = 0.5 it is the lower
/// median; it is always one of the values, so that the median of a listed parameter is one of
/// its values. NaN for an empty sample.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = weights.iter().sum();
    if order.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i] / total;
        if acc >= q - 1e-12 {
            return values[i];
        }
    }
    values[order[order.len() - 1]]
}

/// Mean, median, standard deviation and 95 % interval of `values` with weights `weights`.
pub fn weighted_summary(values: &[f64], weights: &[f64]) -> Summary {
    let total: f64 = weights.iter().sum();
    let w = |i: usize| {
        if total > 0.0 {
            weights[i] / total
        } else {
            0.0
        }
    };
    let mean: f64 = (0..values.len()).map(|i| w(i) * values[i]).sum();
    let var: f64 = (0..values.len())
        .map(|i| w(i) * (values[i] - mean).powi(2))
        .sum();
    Summary {
        mean,
        median: weighted_quantile(values, weights, 0.5),
        sd: var.sqrt(),
        low: weighted_quantile(values, weights, 0.025),
        high: weighted_quantile(values, weights, 0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_the_weights() {
        let v = [3.0, 1.0, 2.0, 4.0];
        let equal = [1.0; 4];
        assert_eq!(weighted_quantile(&v, &equal, 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, &equal, 0.0), 1.0);
        assert_eq!(weighted_quantile(&v, &equal, 1.0), 4.0);
        // all the weight on 4
        assert_eq!(weighted_quantile(&v, &[0.0, 0.0, 0.0, 1.0], 0.5), 4.0);
        let s = weighted_summary(&v, &equal);
        assert!((s.mean - 2.5).abs() < 1e-12);
        assert!((s.sd - 1.25f64.sqrt()).abs() < 1e-12);
        assert!(weighted_quantile(&[], &[], 0.5).is_nan());
    }
}
