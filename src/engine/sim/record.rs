//! Recording a run as values: the round's time-series rows, the events of a round, and at the
//! end the per-issue summaries and per-state rows (ODD 3, "recording"; the columns are
//! described in docs/outputs.md).
//!
//! Writes no files. May import [`crate::model`], [`crate::engine::world`],
//! the sibling modules of [`super`].

use super::state::IssueState;
use super::{Event, EventKind, IssueSummary, StateRow, TimeseriesRow};
use crate::engine::world::World;
use crate::model::Transition;
use crate::model::{Rules, Scenario};

/// The round's `timeseries.csv` rows of issue `ii`: all states, then each group.
#[inline(never)]
pub(super) fn timeseries_rows(
    rows: &mut Vec<TimeseriesRow>,
    rt: &IssueState,
    (group, power, groups): (&[u32], &[f64], usize),
    degree: &[u32],
    round: u64,
    ii: usize,
) {
    let n = group.len();
    let r = &rt.round;
    // index groups..: per group; index `groups`: all
    let mut acc = vec![[0.0f64; 9]; groups + 1];
    for i in 0..n {
        let g = group[i] as usize;
        for slot in [g, groups] {
            let a = &mut acc[slot];
            a[0] += 1.0;
            a[1] += r.cooperated[i] as f64;
            a[2] += degree[i] as f64;
            a[3] += r.payoff[i];
            a[4] += r.utility[i];
            if rt.member[i] {
                a[5] += 1.0;
                a[6] += power[i];
            }
            a[7] += power[i];
            a[8] += r.treaty_conforming[i] as f64;
        }
    }
    let mut m2m = vec![0.0f64; groups + 1];
    for i in 0..n {
        m2m[group[i] as usize] += r.treaty_moves[i] as f64;
        m2m[groups] += r.treaty_moves[i] as f64;
    }
    for slot in std::iter::once(groups).chain(0..groups) {
        let a = &acc[slot];
        let moves = a[2].max(1.0);
        rows.push(TimeseriesRow {
            round,
            issue: ii,
            group: (slot < groups).then_some(slot),
            states: a[0] as u32,
            cooperation: a[1] / moves,
            mean_payoff: a[3] / moves,
            mean_utility: a[4] / moves,
            status: rt.regime.status,
            members: a[5] as u32,
            member_share: if a[0] > 0.0 { a[5] / a[0] } else { 0.0 },
            member_power_share: if a[7] > 0.0 { a[6] / a[7] } else { 0.0 },
            compliance: (m2m[slot] > 0.0).then(|| a[8] / m2m[slot]),
            strength: rt.regime.strength,
        });
    }
}

/// The event of a regime's emergence or collapse, if the round brought one.
pub(super) fn regime_event(
    events: &mut Vec<Event>,
    transition: Option<Transition>,
    scenario: &Scenario,
    round: u64,
    ii: usize,
) {
    let (kind, r0, what) = match transition {
        Some(Transition::Emerged(r0)) => (EventKind::RegimeEmerged, r0, "held"),
        Some(Transition::Collapsed(r0)) => (EventKind::RegimeCollapsed, r0, "failed"),
        None => return,
    };
    events.push(Event {
        round,
        issue: Some(ii),
        state: None,
        kind,
        value: r0 as f64,
        detail: format!("criterion {what} since round {r0} ({})", scenario.year(r0)),
    });
}

/// The round's detection event and, with sanctions, its sanction event (one row each per round
/// and issue).
pub(super) fn detection_events(
    events: &mut Vec<Event>,
    rt: &IssueState,
    rules: &Rules,
    round: u64,
    ii: usize,
) {
    let detected_by_state = &rt.round.detected;
    let detected: u64 = detected_by_state.iter().map(|&x| x as u64).sum();
    if detected == 0 {
        return;
    }
    let cheaters = detected_by_state.iter().filter(|&&x| x > 0).count();
    events.push(Event {
        round,
        issue: Some(ii),
        state: None,
        kind: EventKind::CheatingDetected,
        value: detected as f64,
        detail: format!("{cheaters} states"),
    });
    if rules.sanctions > 0.0 {
        events.push(Event {
            round,
            issue: Some(ii),
            state: None,
            kind: EventKind::Sanctioned,
            value: detected as f64 * rules.sanctions,
            detail: format!("{cheaters} states"),
        });
    }
}

/// A `ratified` or `withdrew` event for every change of membership.
pub(super) fn membership_events(
    events: &mut Vec<Event>,
    changes: &[(usize, bool)],
    round: u64,
    ii: usize,
) {
    for &(i, joined) in changes {
        events.push(Event {
            round,
            issue: Some(ii),
            state: Some(i),
            kind: if joined {
                EventKind::Ratified
            } else {
                EventKind::Withdrew
            },
            value: 1.0,
            detail: String::new(),
        });
    }
}

/// Issue `ii`'s row of `summary.csv` after `rounds` rounds.
pub(super) fn issue_summary(
    rt: &IssueState,
    world: &World,
    rounds: u64,
    ii: usize,
) -> IssueSummary {
    let n = world.states.len();
    let t = &rt.total;
    let members = rt.members();
    let power: f64 = (0..n)
        .filter(|&i| rt.member[i])
        .map(|i| world.states[i].power)
        .sum();
    let moves: u64 = t.moves.iter().sum();
    let pay: f64 = t.payoff.iter().sum();
    let util: f64 = t.utility.iter().sum();
    IssueSummary {
        issue: ii,
        preexisting: rt.regime.preexisting,
        emergence_round: rt.regime.emergence_round,
        collapse_round: rt.regime.collapse_round,
        final_status: rt.regime.status,
        final_members: members,
        final_member_share: members as f64 / n as f64,
        final_power_share: power.min(1.0),
        mean_cooperation: t.cooperation_share_sum / rounds as f64,
        final_cooperation: t.last_cooperation_share,
        mean_payoff: if moves > 0 { pay / moves as f64 } else { 0.0 },
        mean_utility: if moves > 0 { util / moves as f64 } else { 0.0 },
    }
}

/// Issue `ii`'s rows of `states.csv` (strategies as indices into the run's catalogue).
pub(super) fn state_rows(rows: &mut Vec<StateRow>, rt: &IssueState, n: usize, ii: usize) {
    let t = &rt.total;
    rows.extend((0..n).map(|i| {
        let mv = t.moves[i].max(1) as f64;
        StateRow {
            state: i as u32,
            issue: ii as u32,
            initial_strategy: rt.initial_strat[i],
            final_strategy: rt.strat[i],
            member: rt.member[i],
            mean_payoff: t.payoff[i] / mv,
            mean_utility: t.utility[i] / mv,
            cooperation: t.cooperated[i] as f64 / mv,
            times_detected: t.detected[i],
            membership_value: Some(rt.membership_value[i]).filter(|v| !v.is_nan()),
        }
    }));
}
