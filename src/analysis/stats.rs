//! Interval estimates and survival curves for summarising replicated runs.
//!
//! A comparison of rule sets rests on three numbers per rule set and issue: how often a regime
//! emerged (a binomial proportion, with the Wilson score interval, which keeps its coverage near 0
//! and 1 where the normal "Wald" interval collapses), how long it took (time to emergence, where
//! runs that never saw a regime are right-censored at the last round, hence Kaplan–Meier rather
//! than a plain mean), and how much states cooperated (a mean with a normal 95% interval).
//!
//! Everything here is deterministic: sums run in input order and sorts are stable, so the same
//! input gives bit-identical output on every platform and thread count.

/// The standard normal quantile for a two-sided 95% interval, `Φ⁻¹(0.975)`.
pub const Z95: f64 = 1.959963984540054;

/// Wilson score interval for a binomial proportion `successes / n` (Wilson 1927; recommended by
/// Brown, Cai & DasGupta 2001).
///
/// `z` is the normal quantile (use [`Z95`] for 95%). Returns `(low, high)`, clamped to `[0, 1]`;
/// the bound is exactly 0 when there are no successes and exactly 1 when all are successes.
/// With `n = 0` nothing is known and the interval is `(0, 1)`. `successes` above `n` are treated
/// as `n`.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    debug_assert!(
        successes <= n,
        "wilson_interval: {successes} successes of {n}"
    );
    let successes = successes.min(n);
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half_width = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half_width).max(0.0)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half_width).min(1.0)
    };
    (low, high)
}

/// One observation of a time to event, possibly right-censored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Survival {
    /// Time of the event, or of the end of observation when censored (e.g. the last round).
    pub time: f64,
    /// True when the event was observed at `time`; false when the observation is right-censored
    /// (the event had not happened by `time`).
    pub observed: bool,
}

impl Survival {
    /// An observed event at `time`.
    pub fn event(time: f64) -> Self {
        Survival {
            time,
            observed: true,
        }
    }

    /// An observation right-censored at `time`.
    pub fn censored(time: f64) -> Self {
        Survival {
            time,
            observed: false,
        }
    }
}

/// One step of a Kaplan–Meier curve: what happened at one distinct observation time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmStep {
    /// The distinct time.
    pub time: f64,
    /// Observations still at risk just before `time` (censorings at `time` count as at risk).
    pub at_risk: usize,
    /// Events observed at `time`.
    pub events: usize,
    /// Observations censored at `time`.
    pub censored: usize,
    /// The survival estimate `S(t)` just after `time`.
    pub survival: f64,
}

/// Kaplan–Meier product-limit estimate of the survival function (Kaplan & Meier 1958).
///
/// Returns one step per distinct time, in increasing time order, including times at which only
/// censorings happened (`events == 0`, survival unchanged), so a plot can mark them. Ties follow
/// the standard convention: at a shared time, events happen before censorings, so an observation
/// censored at `t` is still at risk for the events at `t`. Times are ordered with
/// [`f64::total_cmp`]; callers should pass finite times. An empty input gives an empty curve.
pub fn kaplan_meier(obs: &[Survival]) -> Vec<KmStep> {
    let mut sorted: Vec<Survival> = obs.to_vec();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));

    let mut steps = Vec::new();
    let mut at_risk = sorted.len();
    let mut survival = 1.0_f64;
    let mut start = 0;
    while start < sorted.len() {
        let time = sorted[start].time;
        let end = start
            + sorted[start..]
                .iter()
                .take_while(|o| o.time.total_cmp(&time).is_eq())
                .count();
        let events = sorted[start..end].iter().filter(|o| o.observed).count();
        let censored = (end - start) - events;
        if events > 0 {
            survival *= 1.0 - events as f64 / at_risk as f64;
        }
        steps.push(KmStep {
            time,
            at_risk,
            events,
            censored,
            survival,
        });
        at_risk -= end - start;
        start = end;
    }
    steps
}

/// Tolerance used by [`km_median`] when comparing `S(t)` with one half, so that a product such as
/// `0.75 × (2/3)` that should be exactly 0.5 is not missed by rounding.
const MEDIAN_TOLERANCE: f64 = 1e-12;

/// Kaplan–Meier median time to event: the smallest time at which the survival estimate falls to
/// one half or below. `None` when the curve never reaches one half (too many runs censored), which
/// is itself a result: "median not reached".
pub fn km_median(obs: &[Survival]) -> Option<f64> {
    kaplan_meier(obs)
        .iter()
        .find(|step| step.events > 0 && step.survival <= 0.5 + MEDIAN_TOLERANCE)
        .map(|step| step.time)
}

/// Mean with a normal 95% interval, `mean ± Z95 · s / √n`, with `s` the sample standard
/// deviation (divisor `n − 1`).
///
/// Returns `(mean, low, high)`. With fewer than two values there is no spread to estimate and
/// `low = high = mean`; with none, all three are NaN. Sums run in input order, so the result is
/// reproducible bit for bit.
pub fn mean_ci(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, mean, mean);
    }
    let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = (squares / (n - 1) as f64).sqrt();
    let half_width = Z95 * sd / (n as f64).sqrt();
    (mean, mean - half_width, mean + half_width)
}

/// Area under the ROC curve of `scores` for the `positive` cases: the probability that a
/// random positive scores above a random negative, ties counting one half (Mann–Whitney U /
/// (n+ n-); Hanley & McNeil 1982). NaN without positives or negatives.
pub fn auc(scores: &[f64], positive: &[bool]) -> f64 {
    let pos: Vec<f64> = (0..scores.len())
        .filter(|&i| positive[i])
        .map(|i| scores[i])
        .collect();
    let neg: Vec<f64> = (0..scores.len())
        .filter(|&i| !positive[i])
        .map(|i| scores[i])
        .collect();
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    // Reference values computed with the closed form
    //   (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    // and agreeing with published tables (e.g. 3/10 → 0.1078–0.6032).
    #[test]
    fn wilson_none_of_ten() {
        let (low, high) = wilson_interval(0, 10, Z95);
        assert_eq!(low, 0.0);
        assert_abs_diff_eq!(high, 0.277_532_799_862_889_2, epsilon = 1e-12);
    }

    #[test]
    fn wilson_all_of_ten() {
        let (low, high) = wilson_interval(10, 10, Z95);
        assert_abs_diff_eq!(low, 0.722_467_200_137_110_7, epsilon = 1e-12);
        assert_eq!(high, 1.0);
    }

    #[test]
    fn wilson_three_of_ten() {
        let (low, high) = wilson_interval(3, 10, Z95);
        assert_abs_diff_eq!(low, 0.107_791_267_406_301, epsilon = 1e-12);
        assert_abs_diff_eq!(high, 0.603_221_852_538_854_6, epsilon = 1e-12);
    }

    #[test]
    fn wilson_half_is_symmetric_and_no_data_is_uninformative() {
        let (low, high) = wilson_interval(50, 100, Z95);
        assert_abs_diff_eq!(low + high, 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(low, 0.403_831_530_365_995_6, epsilon = 1e-12);
        assert_eq!(wilson_interval(0, 0, Z95), (0.0, 1.0));
    }

    #[test]
    fn km_without_censoring_is_the_empirical_survival() {
        let obs: Vec<Survival> = [3.0, 1.0, 2.0, 4.0].map(Survival::event).to_vec();
        let km = kaplan_meier(&obs);
        let times: Vec<f64> = km.iter().map(|s| s.time).collect();
        assert_eq!(times, vec![1.0, 2.0, 3.0, 4.0]);
        let at_risk: Vec<usize> = km.iter().map(|s| s.at_risk).collect();
        assert_eq!(at_risk, vec![4, 3, 2, 1]);
        let expected = [0.75, 0.5, 0.25, 0.0];
        for (step, want) in km.iter().zip(expected) {
            assert_abs_diff_eq!(step.survival, want, epsilon = 1e-12);
        }
        assert_eq!(km_median(&obs), Some(2.0));
    }

    #[test]
    fn km_all_censored_never_drops() {
        let obs: Vec<Survival> = [40.0, 40.0, 40.0].map(Survival::censored).to_vec();
        let km = kaplan_meier(&obs);
        assert_eq!(km.len(), 1);
        assert_eq!(km[0].at_risk, 3);
        assert_eq!(km[0].events, 0);
        assert_eq!(km[0].censored, 3);
        assert_eq!(km[0].survival, 1.0);
        assert_eq!(km_median(&obs), None);
        assert_eq!(km_median(&[]), None);
        assert!(kaplan_meier(&[]).is_empty());
    }

    #[test]
    fn km_mixed_with_ties_counts_censored_as_at_risk() {
        // Times: 2 (event), 3 (event, event, censored), 5 (censored), 6 (event), 8 (censored).
        // By hand:
        //   t=2: at risk 7, 1 event  -> S = 6/7
        //   t=3: at risk 6, 2 events -> S = 6/7 · 4/6 = 4/7 (the censoring at 3 is still at risk)
        //   t=5: at risk 3, censored -> S = 4/7
        //   t=6: at risk 2, 1 event  -> S = 4/7 · 1/2 = 2/7  (first S <= 0.5: median 6)
        //   t=8: at risk 1, censored -> S = 2/7
        let obs = vec![
            Survival::censored(3.0),
            Survival::event(3.0),
            Survival::event(2.0),
            Survival::censored(8.0),
            Survival::event(6.0),
            Survival::event(3.0),
            Survival::censored(5.0),
        ];
        let km = kaplan_meier(&obs);
        let summary: Vec<(f64, usize, usize, usize)> = km
            .iter()
            .map(|s| (s.time, s.at_risk, s.events, s.censored))
            .collect();
        assert_eq!(
            summary,
            vec![
                (2.0, 7, 1, 0),
                (3.0, 6, 2, 1),
                (5.0, 3, 0, 1),
                (6.0, 2, 1, 0),
                (8.0, 1, 0, 1)
            ]
        );
        let expected = [6.0 / 7.0, 4.0 / 7.0, 4.0 / 7.0, 2.0 / 7.0, 2.0 / 7.0];
        for (step, want) in km.iter().zip(expected) {
            assert_abs_diff_eq!(step.survival, want, epsilon = 1e-12);
        }
        assert_eq!(km_median(&obs), Some(6.0));
    }

    #[test]
    fn km_median_hits_exactly_one_half() {
        // S: 3/4 after t=1, then 3/4 · 2/3 = 1/2 after t=2 (rounding must not skip it).
        let obs: Vec<Survival> = [1.0, 2.0, 3.0, 4.0].map(Survival::event).to_vec();
        assert_eq!(km_median(&obs), Some(2.0));
        let obs = vec![
            Survival::event(1.0),
            Survival::censored(9.0),
            Survival::censored(9.0),
        ];
        assert_eq!(km_median(&obs), None);
    }

    #[test]
    fn mean_ci_matches_hand_computation() {
        // mean 2.5, sample sd = sqrt(5/3), half width = 1.959964 · sqrt(5/3) / 2.
        let (mean, low, high) = mean_ci(&[1.0, 2.0, 3.0, 4.0]);
        let half = Z95 * (5.0_f64 / 3.0).sqrt() / 2.0;
        assert_abs_diff_eq!(mean, 2.5, epsilon = 1e-12);
        assert_abs_diff_eq!(low, 2.5 - half, epsilon = 1e-12);
        assert_abs_diff_eq!(high, 2.5 + half, epsilon = 1e-12);
        assert_eq!(mean_ci(&[0.4]), (0.4, 0.4, 0.4));
        let (m, l, h) = mean_ci(&[]);
        assert!(m.is_nan() && l.is_nan() && h.is_nan());
    }
}
