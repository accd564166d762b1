//! Probes of a run for counterfactual experiments (`regime hypotheses`, docs/hypotheses.md):
//! a forced exit of a regime's most powerful members from a given round, and a panel of every
//! state's cumulative play at each negotiation. Without a probe ([`Probe::default`]) a run is
//! exactly the run of [`super::run`]: no random number is drawn here, and nothing in the
//! model changes.
//!
//! May import [`crate::model`], [`crate::engine::world`] and the sibling modules of [`super`].

use super::state::IssueState;
use crate::engine::world::World;
use crate::model::Status;

/// What to probe in a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    /// Force the most powerful members of every issue's regime out from a round on.
    pub forced_exit: Option<ForcedExit>,
    /// Record a [`PanelRow`] per state and issue at every negotiation.
    pub panel: bool,
}

/// A forced exit: at the start of `round` (before compliance and play), on every issue, the
/// `count` most powerful members (the first of equals) leave the treaty and may not join it
/// again for the rest of the run. The rest of the run follows the model: the others may stay,
/// leave or join as they value membership. The exit is recorded in [`ProbeOutput::exits`], not
/// as `withdrew` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForcedExit {
    /// The round at whose start the members are forced out.
    pub round: u64,
    /// How many of the most powerful members leave.
    pub count: usize,
}

/// One forced exit on one issue.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitRecord {
    /// Issue index.
    pub issue: usize,
    /// The round of the exit.
    pub round: u64,
    /// The regime's status just before the exit.
    pub status_before: Status,
    /// The states forced out, most powerful first.
    pub removed: Vec<usize>,
}

/// A state's play on an issue up to the end of a negotiation round, before the negotiation:
/// cumulative counts since the start of the run. Membership is constant between
/// negotiations (outside a forced exit), so two consecutive rows give the state's play over
/// one negotiation interval and its membership during it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanelRow {
    /// Round at whose end the negotiation takes place.
    pub round: u64,
    /// Issue index.
    pub issue: usize,
    /// State index.
    pub state: usize,
    /// Member during the interval that ends here.
    pub member: bool,
    /// Moves made since the start.
    pub moves: u64,
    /// Moves that were C since the start.
    pub cooperated: u64,
    /// Summed payoff since the start (after transaction-cost cuts and sanctions).
    pub payoff: f64,
}

/// What the probes recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeOutput {
    /// The forced exits, one per issue.
    pub exits: Vec<ExitRecord>,
    /// The panel (empty unless [`Probe::panel`]).
    pub panel: Vec<PanelRow>,
}

/// The probes of a run in progress.
#[derive(Debug, Default)]
pub(super) struct Probes {
    /// What to probe.
    pub spec: Probe,
    /// Per issue, the states barred from joining (empty: none).
    pub barred: Vec<Vec<bool>>,
}

impl Probes {
    /// Whether the forced exit is due at the start of `round`.
    pub fn exit_due(&self, round: u64) -> bool {
        self.spec.forced_exit.is_some_and(|f| f.round == round)
    }

    /// The states barred from joining issue `ii` (an empty slice: none).
    pub fn barred(&self, ii: usize) -> &[bool] {
        self.barred.get(ii).map_or(&[], Vec::as_slice)
    }
}

/// Forces the `count` most powerful members of an issue's treaty out and bars them from
/// joining again; returns the record of the exit.
pub(super) fn force_exit(
    rt: &mut IssueState,
    world: &World,
    (ii, round, count): (usize, u64, usize),
    barred: &mut Vec<bool>,
) -> ExitRecord {
    let mut members: Vec<usize> = (0..rt.member.len()).filter(|&i| rt.member[i]).collect();
    members.sort_by(|&a, &b| {
        world.states[b]
            .power
            .total_cmp(&world.states[a].power)
            .then(a.cmp(&b))
    });
    members.truncate(count);
    barred.resize(rt.member.len(), false);
    for &i in &members {
        rt.member[i] = false;
        barred[i] = true;
    }
    ExitRecord {
        issue: ii,
        round,
        status_before: rt.regime.status,
        removed: members,
    }
}

/// Every state's cumulative play on an issue before the negotiation at the end of `round`.
pub(super) fn panel_rows(rows: &mut Vec<PanelRow>, rt: &IssueState, round: u64, ii: usize) {
    for i in 0..rt.member.len() {
        rows.push(PanelRow {
            round,
            issue: ii,
            state: i,
            member: rt.member[i],
            moves: rt.total.moves[i],
            cooperated: rt.total.cooperated[i],
            payoff: rt.total.payoff[i],
        });
    }
}
