//! The events timeline of a run (`events.svg`): years across, event types down, one marker per
//! issue whose size grows with the number of events.
//!
//! This file may import [`crate::io::table`], the figure model and the data gathering; it must
//! never import plotters.

use std::collections::BTreeMap;

use super::data::{Key, TimeColumn};
use super::figure::{
    Body, Figure, Legend, LegendEntry, Mark, Panel, Sample, StyleBook, TimelineBody,
};
use crate::io::table::Table;
use crate::Result;

/// Event types in the order of the output contract; other types follow alphabetically.
pub(super) const EVENT_ORDER: [&str; 8] = [
    "regime_emerged",
    "regime_collapsed",
    "ratified",
    "withdrew",
    "cheating_detected",
    "sanctioned",
    "strategy_changed",
    "shock",
];

/// A timeline of `events.csv`: years across, event types down, one marker per issue (shape and
/// colour) whose size grows with the number of events; one panel per rule set when several.
pub(super) fn events_timeline(events: &Table) -> Result<Figure> {
    let time = TimeColumn::of(events)?;
    let columns = EventColumns {
        time: time.col,
        event: events.require("event")?,
        issue: events.require("issue")?,
        rule_set: events.column("rule_set"),
    };
    let every_row = events.all_rows();
    let types = event_types(events, columns.event, &every_row);
    let issues = events.distinct(columns.issue, &every_row);
    let panel_names = match columns.rule_set {
        Some(col) if events.distinct(col, &every_row).len() > 1 => events.distinct(col, &every_row),
        _ => vec![String::new()],
    };

    // Issue-level events that concern no issue in particular (e.g. a world-wide shock).
    let mut styles = StyleBook::default();
    for name in &issues {
        styles.style(if name.is_empty() { "(no issue)" } else { name });
    }
    let mut panels = Vec::new();
    for panel_name in &panel_names {
        let marks = columns.marks(events, panel_name, &types, &issues)?;
        panels.push(Panel {
            title: (!panel_name.is_empty()).then(|| panel_name.clone()),
            body: Body::Timeline(TimelineBody {
                categories: types.clone(),
                slots: issues.len(),
                marks,
            }),
        });
    }
    let legend = timeline_legend(&panels, &styles);
    Ok(Figure {
        title: "Events".to_string(),
        subtitle: Some(format!(
            "One marker per issue, event type and {} (all runs)",
            time.label
        )),
        x_label: time.label,
        y_label: String::new(),
        panels,
        legend,
    })
}

/// The event types of `rows`, bottom to top: in contract order ([`EVENT_ORDER`]), others
/// alphabetically after them, so that the first type gets the highest row.
fn event_types(events: &Table, event: usize, rows: &[usize]) -> Vec<String> {
    let mut types: Vec<String> = events.distinct(event, rows);
    types.sort_by_key(|t| {
        let rank = EVENT_ORDER
            .iter()
            .position(|o| o == t)
            .unwrap_or(EVENT_ORDER.len());
        (rank, t.clone())
    });
    // Top to bottom in contract order: the first type gets the highest row.
    types.reverse();
    types
}

/// The columns of `events.csv` a timeline reads.
struct EventColumns {
    time: usize,
    event: usize,
    issue: usize,
    rule_set: Option<usize>,
}

impl EventColumns {
    /// One mark per event type, issue and time in the panel of rule set `panel_name` (every row
    /// when the name is empty), counting the events it stands for.
    fn marks(
        &self,
        events: &Table,
        panel_name: &str,
        types: &[String],
        issues: &[String],
    ) -> Result<Vec<Mark>> {
        let mut counts: BTreeMap<(usize, usize, Key), usize> = BTreeMap::new();
        for row in 0..events.len() {
            if let (Some(col), false) = (self.rule_set, panel_name.is_empty()) {
                if events.text(row, col) != panel_name {
                    continue;
                }
            }
            let Some(x) = events.number(row, self.time)? else {
                continue;
            };
            let category = types
                .iter()
                .position(|t| t == events.text(row, self.event))
                .unwrap_or(0);
            let slot = issues
                .iter()
                .position(|i| i == events.text(row, self.issue))
                .unwrap_or(0);
            *counts.entry((category, slot, Key(x))).or_default() += 1;
        }
        let marks = counts
            .into_iter()
            .map(|((category, slot, x), count)| Mark {
                x: x.0,
                category,
                slot,
                style: slot,
                count,
            })
            .collect();
        Ok(marks)
    }
}

/// The issues' markers and a note on marker size; no legend when no panel has an event.
fn timeline_legend(panels: &[Panel], styles: &StyleBook) -> Legend {
    let any_event = panels.iter().any(|p| match &p.body {
        Body::Timeline(body) => !body.marks.is_empty(),
        _ => false,
    });
    let extra = [LegendEntry::new(
        "marker size: number of events",
        Sample::Note,
    )];
    if any_event {
        styles.legend(Some("issue".to_string()), false, false, &extra)
    } else {
        Legend::None
    }
}
