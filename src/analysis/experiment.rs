//! Replicated runs on common random numbers (`regime run`, `regime compare`).
//!
//! Replicate r has seed `derive_seed(master, [r])` under every rule set, and its world is drawn
//! from that seed, so rule sets are compared on the same worlds and random numbers. Runs are
//! executed in parallel in fixed batches and handed to the sink in run order as they finish
//! (writing overlaps with the runs still going), so outputs are byte-identical at any thread
//! count and memory stays bounded by the batch.

use crate::analysis::stats;
use crate::engine::rng::derive_seed;
use crate::engine::sim::{self, Record, RunId, RunOutput};
use crate::engine::world;
use crate::error::Result;
use crate::io::output::{num, Csv, OutputDir, EMERGENCE_COLUMNS};
use crate::io::scenario::{Rules, Scenario};
use std::sync::mpsc;

/// Runs processed together before being handed to the sink.
pub const BATCH: usize = 64;

/// The seed of replicate `r`.
pub fn replicate_seed(master: u64, replicate: u64) -> u64 {
    derive_seed(master, &[replicate])
}

/// Runs `reps` replicates under each rule set; calls `sink` with every run in run order
/// (replicate-major, rule sets in the given order). Returns the number of pair-rounds played.
///
/// A batch's runs start in run order on rayon's pool, and each finished run is handed to `sink`
/// on this thread as soon as the runs before it have been, so writing the outputs overlaps with
/// the runs still going ([`in_run_order`]).
pub fn run_replicates(
    scenario: &Scenario,
    rule_sets: &[(String, Rules)],
    reps: u64,
    record: Record,
    mut sink: impl FnMut(RunOutput) -> Result<()>,
) -> Result<u64> {
    let units: Vec<(u64, usize)> = (0..reps)
        .flat_map(|r| (0..rule_sets.len()).map(move |k| (r, k)))
        .collect();
    let mut pair_rounds = 0;
    for batch in units.chunks(BATCH) {
        let run = |i: usize| run_unit(scenario, rule_sets, record, batch[i]);
        in_run_order(batch.len(), run, |o| {
            pair_rounds += o.pair_rounds;
            sink(o)
        })?;
    }
    Ok(pair_rounds)
}

/// Replicate `r` under rule set `k`: its world drawn from the replicate's seed, then run.
fn run_unit(
    scenario: &Scenario,
    rule_sets: &[(String, Rules)],
    record: Record,
    (r, k): (u64, usize),
) -> RunOutput {
    let seed = replicate_seed(scenario.seed, r);
    let w = world::generate(scenario, seed);
    let (name, rules) = &rule_sets[k];
    let id = RunId {
        run_id: r * rule_sets.len() as u64 + k as u64,
        replicate: r,
        seed,
        rule_set: name.clone(),
    };
    sim::run_world(scenario, w, rules, id, record)
}

/// Runs `run(0..len)` on rayon's pool, started in order of index, and hands the results to
/// `sink` on the calling thread in order of index, each as soon as those before it have been
/// handed on: the sink's work (writing files) overlaps with the runs still going, and what it
/// sees does not depend on the number of threads or on which run ends first. As many runs are
/// started as the pool has threads, and another each time one ends, so that work the sink
/// itself gives the pool (a large world's `states.csv` encoded in blocks) does not queue behind
/// the rest of the batch. After an error from `sink` or a panic in a run, no further run is
/// started; the error is returned (the panic resumed) once the started runs have ended.
fn in_run_order<T: Send>(
    len: usize,
    run: impl Fn(usize) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    rayon::in_place_scope_fifo(|scope| {
        let run = &run;
        // Every run started sends one message: its result, or `None` if it panicked.
        let start = |i: usize| {
            let tx = tx.clone();
            scope.spawn_fifo(move |_| {
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(i))) {
                    Ok(out) => drop(tx.send((i, Some(out)))),
                    Err(panic) => {
                        drop(tx.send((i, None)));
                        std::panic::resume_unwind(panic);
                    }
                }
            });
        };
        let mut started = len.min(rayon::current_num_threads().max(1));
        (0..started).for_each(start);
        let mut waiting: Vec<Option<T>> = (0..len).map(|_| None).collect();
        let mut next = 0;
        while next < len {
            // a run panicked: the scope resumes its panic once the started runs have ended
            let Some((i, Some(out))) = receive(&rx) else {
                return Ok(());
            };
            if started < len {
                start(started);
                started += 1;
            }
            waiting[i] = Some(out);
            while let Some(out) = waiting.get_mut(next).and_then(Option::take) {
                sink(out)?;
                next += 1;
            }
        }
        Ok(())
    })
}

/// The next result from the runs of [`in_run_order`], or `None` once every run has ended. The
/// calling thread blocks, unless it is itself one of the pool's workers: then it runs the
/// pool's pending work while it waits (the runs may be queued behind it).
fn receive<T>(rx: &mpsc::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(x) => return Some(x),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => match rayon::yield_now() {
                None => return rx.recv().ok(),
                Some(rayon::Yield::Executed) => {}
                Some(rayon::Yield::Idle) => {
                    match rx.recv_timeout(std::time::Duration::from_millis(1)) {
                        Ok(x) => return Some(x),
                        Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                    }
                }
            },
        }
    }
}

/// A paired difference per issue: (issue, mean difference in emergence, discordant pairs
/// first-only, last-only, mean difference in cooperation with 95% interval).
pub type PairedDifference = (String, f64, u64, u64, (f64, f64, f64));

/// Per run and issue: (emerged, emergence round, mean cooperation, final member share).
pub type RunFacts = (bool, Option<u64>, f64, f64);

/// Per-run facts kept for the comparison.
#[derive(Debug, Clone)]
pub struct Paired {
    /// Replicate.
    pub replicate: u64,
    /// Seed.
    pub seed: u64,
    /// Issue index.
    pub issue: usize,
    /// Per rule set: (emerged, emergence round, mean cooperation, final member share).
    pub by_rule_set: Vec<RunFacts>,
    /// Per rule set: whether the regime collapsed.
    pub collapsed: Vec<bool>,
}

/// Collects paired results during a comparison.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Rule-set names in order.
    pub rule_sets: Vec<String>,
    /// One entry per replicate and issue.
    pub rows: Vec<Paired>,
}

/// One line of `comparison.csv`.
#[derive(Debug, Clone)]
pub struct ComparisonRow {
    /// Rule set.
    pub rule_set: String,
    /// Issue.
    pub issue: String,
    /// Runs.
    pub runs: u64,
    /// Runs where a binding regime emerged (pre-existing regimes count as emerged).
    pub emerged: u64,
    /// emerged / runs.
    pub probability: f64,
    /// Wilson 95% interval.
    pub ci: (f64, f64),
    /// Kaplan-Meier median round of emergence (censored at the last round).
    pub median_round: Option<f64>,
    /// Mean cooperation with 95% interval.
    pub cooperation: (f64, f64, f64),
    /// Mean final member share.
    pub member_share: f64,
    /// Runs in which the regime collapsed.
    pub collapsed: u64,
    /// The scenario lists a regime in place (it counts as emerged in round 0 in the runs whose
    /// founding met the criterion; ODD 5).
    pub preexisting: bool,
}

impl Comparison {
    /// Adds a run (runs of a replicate arrive together, in rule-set order).
    pub fn add(&mut self, out: &RunOutput) {
        let k = self
            .rule_sets
            .iter()
            .position(|r| *r == out.id.rule_set)
            .unwrap_or(0);
        for s in &out.summaries {
            let entry = (
                s.emergence_round.is_some(),
                s.emergence_round,
                s.mean_cooperation,
                s.final_member_share,
            );
            if k == 0 {
                self.rows.push(Paired {
                    replicate: out.id.replicate,
                    seed: out.id.seed,
                    issue: s.issue,
                    by_rule_set: vec![entry],
                    collapsed: vec![s.collapse_round.is_some()],
                });
            } else if let Some(p) = self
                .rows
                .iter_mut()
                .rev()
                .find(|p| p.replicate == out.id.replicate && p.issue == s.issue)
            {
                p.by_rule_set.push(entry);
                p.collapsed.push(s.collapse_round.is_some());
            }
        }
    }

    /// Summary per rule set and issue.
    pub fn summarise(&self, scenario: &Scenario) -> Vec<ComparisonRow> {
        let mut rows = Vec::new();
        for (k, rs) in self.rule_sets.iter().enumerate() {
            for (ii, issue) in scenario.issues.iter().enumerate() {
                let runs: Vec<&RunFacts> = self
                    .rows
                    .iter()
                    .filter(|p| p.issue == ii)
                    .filter_map(|p| p.by_rule_set.get(k))
                    .collect();
                let n = runs.len() as u64;
                let emerged = runs.iter().filter(|r| r.0).count() as u64;
                let surv: Vec<stats::Survival> = runs
                    .iter()
                    .map(|r| match r.1 {
                        Some(t) => stats::Survival {
                            time: t as f64,
                            observed: true,
                        },
                        None => stats::Survival {
                            time: scenario.rounds as f64,
                            observed: false,
                        },
                    })
                    .collect();
                let coop: Vec<f64> = runs.iter().map(|r| r.2).collect();
                let share: f64 = runs.iter().map(|r| r.3).sum::<f64>() / n.max(1) as f64;
                let collapsed = self
                    .rows
                    .iter()
                    .filter(|p| p.issue == ii && p.collapsed.get(k).copied().unwrap_or(false))
                    .count() as u64;
                rows.push(ComparisonRow {
                    rule_set: rs.clone(),
                    issue: issue.name.clone(),
                    runs: n,
                    emerged,
                    probability: emerged as f64 / n.max(1) as f64,
                    ci: stats::wilson_interval(emerged, n, stats::Z95),
                    median_round: stats::km_median(&surv),
                    cooperation: stats::mean_ci(&coop),
                    member_share: share,
                    collapsed,
                    preexisting: issue.initial_regime.is_some(),
                });
            }
        }
        rows
    }

    /// Writes `paired.csv` and `comparison.csv`; returns the summary rows.
    pub fn write(&self, dir: &OutputDir, scenario: &Scenario) -> Result<Vec<ComparisonRow>> {
        let mut header: Vec<String> = vec!["replicate".into(), "seed".into(), "issue".into()];
        for rs in &self.rule_sets {
            for c in [
                "emerged",
                "emergence_round",
                "mean_cooperation",
                "final_member_share",
            ] {
                header.push(format!("{rs}_{c}"));
            }
        }
        if self.rule_sets.len() == 2 {
            header.push("difference_emerged".into());
            header.push("difference_mean_cooperation".into());
        }
        let mut p = Csv::create(
            dir.file("paired.csv"),
            &header.iter().map(String::as_str).collect::<Vec<_>>(),
        )?;
        for row in &self.rows {
            let mut f = vec![
                row.replicate.to_string(),
                row.seed.to_string(),
                scenario.issues[row.issue].name.clone(),
            ];
            for e in &row.by_rule_set {
                f.push((e.0 as u8).to_string());
                f.push(e.1.map(|r| r.to_string()).unwrap_or_default());
                f.push(num(e.2));
                f.push(num(e.3));
            }
            if self.rule_sets.len() == 2 && row.by_rule_set.len() == 2 {
                let (a, b) = (&row.by_rule_set[0], &row.by_rule_set[1]);
                f.push((b.0 as i64 - a.0 as i64).to_string());
                f.push(num(b.2 - a.2));
            }
            p.row(f)?;
        }
        p.flush()?;
        let rows = self.summarise(scenario);
        let header: Vec<&str> = ["rule_set", "issue"]
            .into_iter()
            .chain(EMERGENCE_COLUMNS)
            .chain(["collapsed", "collapse_probability"])
            .collect();
        let mut c = Csv::create(dir.file("comparison.csv"), &header)?;
        for r in &rows {
            c.row([
                r.rule_set.clone(),
                r.issue.clone(),
                r.runs.to_string(),
                r.emerged.to_string(),
                num(r.probability),
                num(r.ci.0),
                num(r.ci.1),
                r.median_round.map(num).unwrap_or_default(),
                num(r.cooperation.0),
                num(r.cooperation.1),
                num(r.cooperation.2),
                num(r.member_share),
                r.collapsed.to_string(),
                num(r.collapsed as f64 / r.runs.max(1) as f64),
            ])?;
        }
        c.flush()?;
        Ok(rows)
    }

    /// Paired differences of the last rule set minus the first, per issue: (issue, mean
    /// difference in emergence, discordant pairs first-only, last-only, mean difference in
    /// cooperation with 95% interval).
    pub fn differences(&self, scenario: &Scenario) -> Vec<PairedDifference> {
        let last = self.rule_sets.len().saturating_sub(1);
        scenario
            .issues
            .iter()
            .enumerate()
            .map(|(ii, is)| {
                let pairs: Vec<(&RunFacts, &RunFacts)> = self
                    .rows
                    .iter()
                    .filter(|p| p.issue == ii && p.by_rule_set.len() > last)
                    .map(|p| (&p.by_rule_set[0], &p.by_rule_set[last]))
                    .collect();
                let n = pairs.len().max(1) as f64;
                let d_em = pairs
                    .iter()
                    .map(|(a, b)| b.0 as i64 as f64 - a.0 as i64 as f64)
                    .sum::<f64>()
                    / n;
                let first_only = pairs.iter().filter(|(a, b)| a.0 && !b.0).count() as u64;
                let last_only = pairs.iter().filter(|(a, b)| !a.0 && b.0).count() as u64;
                let d_coop: Vec<f64> = pairs.iter().map(|(a, b)| b.2 - a.2).collect();
                (
                    is.name.clone(),
                    d_em,
                    first_only,
                    last_only,
                    stats::mean_ci(&d_coop),
                )
            })
            .collect()
    }
}

/// The comparison table printed by `regime run` and `regime compare`: per rule set and issue,
/// P(binding) with its interval, the median year of emergence, cooperation, final member share
/// and P(collapse); then, for two or more rule sets, the paired differences of the last minus
/// the first.
pub fn comparison_table(
    rows: &[ComparisonRow],
    diffs: &[PairedDifference],
    rule_sets: &[String],
    start_year: i64,
) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{:<16} {:<16} {:>5}  {:<22} {:>11}  {:<22} {:>7} {:>11}\n",
        "rule set",
        "issue",
        "runs",
        "P(binding) [95% CI]",
        "median year",
        "cooperation [95% CI]",
        "members",
        "P(collapse)"
    ));
    for r in rows {
        // A regime in place counts as emerged in round 0 when its founding met the criterion.
        let median = match (r.preexisting, r.median_round) {
            (true, Some(0.0)) => "in place".to_string(),
            (_, Some(m)) => format!("{}", start_year + m.round() as i64),
            (_, None) => "never".to_string(),
        };
        s.push_str(&format!(
            "{:<16} {:<16} {:>5}  {:<22} {:>11}  {:<22} {:>7.3} {:>11.3}\n",
            r.rule_set,
            r.issue,
            r.runs,
            format!("{:.3} [{:.3}, {:.3}]", r.probability, r.ci.0, r.ci.1),
            median,
            format!(
                "{:.3} [{:.3}, {:.3}]",
                r.cooperation.0, r.cooperation.1, r.cooperation.2
            ),
            r.member_share,
            r.collapsed as f64 / r.runs.max(1) as f64,
        ));
    }
    s.push_str(
        "(P(binding): share of runs in which a binding regime emerged or, for a regime in place \
         at the start, was founded binding;\n median year: Kaplan-Meier median year of emergence, \
         `never` when fewer than half the runs reached it, `in place` when the regime in place \
         was founded binding in at least half the runs;\n members: mean final member share; P(collapse): share of runs in which the \
         regime collapsed at least once)\n",
    );
    if rule_sets.len() >= 2 {
        s.push_str(&paired_table(diffs, rule_sets));
    }
    s
}

/// The paired differences (last rule set minus the first) of the comparison table.
fn paired_table(diffs: &[PairedDifference], rule_sets: &[String]) -> String {
    let (a, b) = (&rule_sets[0], &rule_sets[rule_sets.len() - 1]);
    let mut s =
        format!("\nPaired differences, {b} minus {a} (same replicates and random numbers):\n");
    let (only_a, only_b) = (
        format!("binding only {}", short(a)),
        format!("binding only {}", short(b)),
    );
    let (wa, wb) = (only_a.len(), only_b.len());
    s.push_str(&format!(
        "{:<16}  {:>12}  {only_a:>wa$}  {only_b:>wb$}  d cooperation [95% CI]\n",
        "issue", "d P(binding)"
    ));
    for (issue, d, x, y, c) in diffs {
        s.push_str(&format!(
            "{issue:<16}  {d:>12.3}  {x:>wa$}  {y:>wb$}  {:.3} [{:.3}, {:.3}]\n",
            c.0, c.1, c.2
        ));
    }
    s
}

fn short(s: &str) -> String {
    s.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results reach the sink in order of index whatever order the runs end in (later runs
    /// are quicker), from a thread outside the pool and from a worker of pools of 1 and 3
    /// threads (where the caller runs queued runs while it waits); after an error from the
    /// sink the sink is not called again, the error is returned, and runs not yet started are
    /// skipped.
    #[test]
    fn runs_reach_the_sink_in_order_of_index() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let len = 12;
        // run i takes len - i ms: the later, the quicker
        let run = |i: usize| {
            std::thread::sleep(std::time::Duration::from_millis((len - i) as u64));
            i * i
        };
        let in_order = |run: &(dyn Fn(usize) -> usize + Sync)| {
            let mut seen = Vec::new();
            in_run_order(len, run, |x| {
                seen.push(x);
                Ok(())
            })
            .unwrap();
            seen
        };
        let squares: Vec<usize> = (0..len).map(|i| i * i).collect();
        assert_eq!(in_order(&run), squares);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(
                pool.install(|| in_order(&run)),
                squares,
                "{threads} threads"
            );
            let started = AtomicUsize::new(0);
            let mut calls = 0;
            let result = pool.install(|| {
                let run = |i: usize| {
                    started.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    i
                };
                in_run_order(60, run, |i| {
                    calls += 1;
                    match i {
                        2 => Err(crate::error::RegimeError::argument("x", "not 2", "2")),
                        _ => Ok(()),
                    }
                })
            });
            assert!(result.is_err(), "{threads} threads");
            assert_eq!(calls, 3, "{threads} threads");
            let started = started.load(Ordering::Relaxed);
            assert!(started < 60, "{threads} threads: {started} runs started");
        }
    }

    /// A panic in a run reaches the caller (no deadlock, also from a worker of a 1-thread
    /// pool), after the sink has had every result before the panicking run's and no other.
    #[test]
    fn a_panic_in_a_run_reaches_the_caller() {
        // (the panics print "run 4 fails" three times)
        let outcomes: Vec<(std::thread::Result<()>, Vec<usize>)> = [None, Some(1), Some(3)]
            .into_iter()
            .map(|threads| {
                let mut seen = Vec::new();
                let call = || {
                    in_run_order(
                        9,
                        |i| {
                            assert_ne!(i, 4, "run 4 fails");
                            i
                        },
                        |i| {
                            seen.push(i);
                            Ok(())
                        },
                    )
                    .unwrap()
                };
                let outcome = match threads {
                    None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)),
                    Some(n) => {
                        let pool = rayon::ThreadPoolBuilder::new()
                            .num_threads(n)
                            .build()
                            .unwrap();
                        let call = std::panic::AssertUnwindSafe(call);
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            pool.install(call)
                        }))
                    }
                };
                (outcome, seen)
            })
            .collect();
        for (outcome, seen) in outcomes {
            assert!(outcome.is_err(), "the panic was lost");
            assert_eq!(seen, [0, 1, 2, 3]);
        }
    }
}
