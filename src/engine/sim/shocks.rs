//! Shocks (ODD 7.10): when a shock fires, and what it does to the states' attributes or to an
//! issue's institutions.
//!
//! May import [`crate::model`], [`crate::engine::world`]
//! and the sibling modules of [`super`].

use super::state::IssueState;
use super::{Event, EventKind};
use crate::engine::rng::Stream;
use crate::engine::world::World;
use crate::model;
use crate::model::{Scenario, Shock, ShockKind};
use rand::Rng;

/// Whether `shock` fires in `round` (`year`). A random shock always draws from the shock
/// stream, so the stream does not depend on the window.
pub(super) fn shock_fires(shock: &Shock, year: i64, round: u64, shock_rng: &mut Stream) -> bool {
    match shock.probability {
        Some(p) => {
            let in_window = shock.from_year.is_none_or(|y| year >= y)
                && shock.to_year.is_none_or(|y| year <= y)
                && shock.year.is_none_or(|y| y == year)
                && shock.round.is_none_or(|r| r == round);
            // Always draw, so the stream does not depend on the window.
            let u: f64 = shock_rng.random();
            in_window && u < p
        }
        None => shock.year == Some(year) || shock.round == Some(round),
    }
}

/// Applies a shock that fired; returns whether states' attributes changed (then stage games
/// and veto players must be recomputed).
pub(super) fn apply_shock(
    shock: &Shock,
    scenario: &Scenario,
    world: &mut World,
    issues: &mut [IssueState],
    round: u64,
    events: Option<&mut Vec<Event>>,
) -> bool {
    if shock.kind.is_institutional() {
        apply_institutional_shock(shock, scenario, issues, round, events);
        false
    } else {
        apply_attribute_shock(shock, world, round, events);
        true
    }
}

/// An institutional shock changes one issue's access, forum or monitoring.
fn apply_institutional_shock(
    shock: &Shock,
    scenario: &Scenario,
    issues: &mut [IssueState],
    round: u64,
    events: Option<&mut Vec<Event>>,
) {
    let issue_index = shock
        .issue
        .as_ref()
        .and_then(|name| scenario.issues.iter().position(|i| &i.name == name));
    if let Some(ii) = issue_index {
        let inst = &mut issues[ii].institutions;
        if let Some(a) = shock.civil_society_access {
            inst.access = a;
        }
        if shock.forum == Some(true) && inst.forum_from.is_none() {
            inst.forum_from = Some(round);
            inst.forum_information = 0.5;
        }
        if let Some(m) = shock.monitoring {
            inst.monitoring_extra += m;
        }
    }
    if let Some(ev) = events {
        ev.push(Event {
            round,
            issue: issue_index,
            state: None,
            kind: EventKind::Shock,
            value: shock.monitoring.unwrap_or(0.0),
            detail: "institutional".into(),
        });
    }
}

/// A shock to the attributes of the targeted states (all filters must match; all states if
/// none); power is renormalised to sum 1 after a power shock.
fn apply_attribute_shock(
    shock: &Shock,
    world: &mut World,
    round: u64,
    events: Option<&mut Vec<Event>>,
) {
    let group = shock
        .group
        .as_ref()
        .and_then(|g| world.groups.iter().position(|x| x == g));
    let mut targets = 0;
    for s in world.states.iter_mut() {
        let hit = shock.group.as_ref().is_none_or(|_| Some(s.group) == group)
            && shock.region.as_ref().is_none_or(|r| *s.region == **r)
            && (shock.states.is_empty() || shock.states.iter().any(|x| s.name == *x));
        if !hit {
            continue;
        }
        targets += 1;
        model::apply_attribute_shock(s, shock.kind, shock.change);
    }
    if shock.kind == ShockKind::Power {
        let total: f64 = world.states.iter().map(|s| s.power).sum();
        for s in world.states.iter_mut() {
            s.power /= total;
        }
    }
    if let Some(ev) = events {
        ev.push(Event {
            round,
            issue: None,
            state: None,
            kind: EventKind::Shock,
            value: shock.change,
            detail: format!("{} ({} states)", shock.kind.name(), targets),
        });
    }
}
