//! What each run of `regime hypotheses` contributes, taken from its [`RunOutput`] as soon as it
//! is done, so that memory holds facts, not runs: per issue whether a regime emerged, when,
//! cooperation and the final status; the forced exits; and every state that joined a treaty,
//! with its change of cooperation and payoff against a matched non-member.

use crate::engine::sim::{PanelRow, RunOutput};
use crate::engine::world::World;
use crate::model::Status;

/// Per issue of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IssueFacts {
    /// A binding regime emerged (or existed at the start).
    pub emerged: bool,
    /// Round of emergence, or the number of rounds when none emerged (right-censored).
    pub emergence_time: f64,
    /// Mean over rounds of the share of C moves.
    pub cooperation: f64,
    /// The regime is binding after the last round.
    pub binding_end: bool,
    /// The regime was binding just before a forced exit (forced-exit runs only).
    pub binding_at_exit: bool,
}

/// A state that joined an issue's treaty at a negotiation, against its matched non-member:
/// difference in differences over the negotiation interval before and the one after joining.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Joiner {
    /// Issue index.
    pub issue: usize,
    /// Power quartile of the joiner among the world's states, 1 (weakest) to 4.
    pub quartile: u8,
    /// Change of its share of C moves minus the matched non-member's change.
    pub cooperation: f64,
    /// Change of its payoff per move minus the matched non-member's change.
    pub payoff: f64,
}

/// Everything a run contributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFacts {
    /// Per issue.
    pub issues: Vec<IssueFacts>,
    /// Joiners with their matched non-members (runs with a panel only).
    pub joiners: Vec<Joiner>,
}

/// The facts of a run; `world` is the world it ran on (for power and position).
pub fn run_facts(out: &RunOutput, world: &World, rounds: u64) -> RunFacts {
    let issues = out
        .summaries
        .iter()
        .map(|s| IssueFacts {
            emerged: s.emergence_round.is_some(),
            emergence_time: s.emergence_round.unwrap_or(rounds) as f64,
            cooperation: s.mean_cooperation,
            binding_end: s.final_status == Status::Binding,
            binding_at_exit: out
                .probe
                .exits
                .iter()
                .any(|e| e.issue == s.issue && e.status_before == Status::Binding),
        })
        .collect();
    let joiners = (0..out.summaries.len())
        .flat_map(|ii| issue_joiners(&out.probe.panel, world, ii))
        .collect();
    RunFacts { issues, joiners }
}

/// One state's play over one negotiation interval.
#[derive(Debug, Clone, Copy)]
struct Interval {
    member: bool,
    cooperation: f64,
    payoff: f64,
}

/// The joiners of one issue with their matched non-members.
fn issue_joiners(panel: &[PanelRow], world: &World, ii: usize) -> Vec<Joiner> {
    let n = world.states.len();
    let rows: Vec<&PanelRow> = panel.iter().filter(|r| r.issue == ii).collect();
    let intervals = intervals(&rows, n);
    let quartile = power_quartiles(world);
    let percentile = power_percentiles(world);
    let mut out = Vec::new();
    for w in intervals.windows(2) {
        let (before, after) = (&w[0], &w[1]);
        let stayed_out: Vec<usize> = (0..n)
            .filter(|&c| !before[c].member && !after[c].member)
            .collect();
        for i in (0..n).filter(|&i| !before[i].member && after[i].member) {
            let Some(c) = nearest(i, &stayed_out, world, &percentile) else {
                continue;
            };
            out.push(Joiner {
                issue: ii,
                quartile: quartile[i],
                cooperation: (after[i].cooperation - before[i].cooperation)
                    - (after[c].cooperation - before[c].cooperation),
                payoff: (after[i].payoff - before[i].payoff) - (after[c].payoff - before[c].payoff),
            });
        }
    }
    out
}

/// Per negotiation (in round order), every state's play over the interval that ends there.
fn intervals(rows: &[&PanelRow], n: usize) -> Vec<Vec<Interval>> {
    let mut out = Vec::new();
    let mut last = vec![(0u64, 0u64, 0.0f64); n];
    for chunk in rows.chunks(n) {
        let interval = chunk
            .iter()
            .map(|r| {
                let (moves0, coop0, pay0) = last[r.state];
                let moves = (r.moves - moves0).max(1) as f64;
                last[r.state] = (r.moves, r.cooperated, r.payoff);
                Interval {
                    member: r.member,
                    cooperation: (r.cooperated - coop0) as f64 / moves,
                    payoff: (r.payoff - pay0) / moves,
                }
            })
            .collect();
        out.push(interval);
    }
    out
}

/// The non-member nearest to state `i` in migration position and power percentile (sum of
/// absolute differences; the first of equals).
fn nearest(i: usize, candidates: &[usize], world: &World, percentile: &[f64]) -> Option<usize> {
    let distance = |c: usize| {
        (world.states[c].position - world.states[i].position).abs()
            + (percentile[c] - percentile[i]).abs()
    };
    candidates
        .iter()
        .copied()
        .min_by(|&a, &b| distance(a).total_cmp(&distance(b)).then(a.cmp(&b)))
}

/// Each state's rank by power (weakest first, the first of equals first), as a share in [0, 1).
fn power_percentiles(world: &World) -> Vec<f64> {
    let n = world.states.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        world.states[a]
            .power
            .total_cmp(&world.states[b].power)
            .then(a.cmp(&b))
    });
    let mut p = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        p[i] = rank as f64 / n as f64;
    }
    p
}

/// Each state's power quartile, 1 (weakest quarter of states) to 4 (strongest).
pub fn power_quartiles(world: &World) -> Vec<u8> {
    power_percentiles(world)
        .iter()
        .map(|p| (p * 4.0).floor() as u8 + 1)
        .collect()
}
