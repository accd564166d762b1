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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::State;

    fn state(power: f64, position: f64) -> State {
        State {
            name: "".into(),
            group: 0,
            region: "".into(),
            power,
            position,
            security: 0.0,
            economy: 0.0,
            rights: 0.0,
            sovereignty_cost: 0.0,
            discount: 0.9,
            strategies: std::iter::empty().collect(),
        }
    }

    fn row(
        round: u64,
        state: usize,
        member: bool,
        (moves, cooperated, payoff): (u64, u64, f64),
    ) -> PanelRow {
        PanelRow {
            round,
            issue: 0,
            state,
            member,
            moves,
            cooperated,
            payoff,
        }
    }

    /// States 0 and 2 join at the first negotiation; the nearest non-member of both in position
    /// and power percentile is state 3 (cooperation 0.3 -> 0.4, payoff per move 1 -> 1.5).
    /// State 0: cooperation 0.2 -> 0.8, payoff 1 -> 3: 0.5 and 1.5. State 2: cooperation
    /// 0.5 -> 0, payoff 1 -> 0: -0.6 and -1.5.
    #[test]
    fn joiner_against_its_matched_non_member_by_hand() {
        let world = World {
            states: vec![
                state(0.4, 0.5),
                state(0.1, -0.5),
                state(0.2, 0.5),
                state(0.3, 0.5),
            ],
            groups: vec!["g".into()],
            edges: Vec::new(),
            fora: Vec::new(),
        };
        let panel = vec![
            row(4, 0, false, (10, 2, 10.0)),
            row(4, 1, false, (10, 5, 10.0)),
            row(4, 2, false, (10, 5, 10.0)),
            row(4, 3, false, (10, 3, 10.0)),
            row(9, 0, true, (20, 10, 40.0)),
            row(9, 1, false, (20, 5, 10.0)),
            row(9, 2, true, (20, 5, 10.0)),
            row(9, 3, false, (20, 7, 25.0)),
        ];
        let joiners = issue_joiners(&panel, &world, 0);
        assert_eq!(joiners.len(), 2, "{joiners:?}");
        for (j, (quartile, cooperation, payoff)) in
            joiners.iter().zip([(4, 0.5, 1.5), (2, -0.6, -1.5)])
        {
            assert_eq!(j.quartile, quartile);
            assert!((j.cooperation - cooperation).abs() < 1e-12, "{j:?}");
            assert!((j.payoff - payoff).abs() < 1e-12, "{j:?}");
        }
        assert_eq!(power_quartiles(&world), vec![4, 1, 2, 3]);
    }
}
