//! The `:` command palette: every pane, command and action of the current
//! item, matched fuzzily against what was typed.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::keymap::UserAction;
use super::model::{Model, Pane, PlanTarget, Screen};
use super::pipeline;
use super::update::{campaign_actions, task_menu};
use crate::actions::{ActionSpec, Availability};

#[derive(Debug, Clone, PartialEq)]
pub enum PaletteAction {
    Focus(Pane),
    User(UserAction),
    /// An action on the current item (a campaign, a post, a task).
    Act {
        source: usize,
        target: PlanTarget,
        target_name: String,
        spec: ActionSpec,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaletteItem {
    pub label: String,
    pub action: PaletteAction,
}

/// Everything the palette offers right now, in a stable order.
pub fn items(model: &Model) -> Vec<PaletteItem> {
    let mut items: Vec<PaletteItem> = Pane::ALL
        .iter()
        .map(|p| PaletteItem {
            label: format!("go to {} ({})", p.title().to_lowercase(), p.number()),
            action: PaletteAction::Focus(*p),
        })
        .collect();
    for (label, a) in [
        ("refresh all sources", UserAction::RefreshAll),
        ("refresh the focused source", UserAction::Refresh),
        ("zoom the focused pane", UserAction::Zoom),
        ("help: keys and statuses", UserAction::Help),
        ("quit", UserAction::Quit),
    ] {
        items.push(PaletteItem {
            label: label.to_string(),
            action: PaletteAction::User(a),
        });
    }
    let campaign = match &model.screen {
        Screen::CampaignDetail { source, id } => pipeline::find(model, *source, id).map(|c| (*source, c)),
        Screen::Grid if model.focus == Pane::Pipeline => pipeline::selected(model).map(|r| (r.source, r.campaign)),
        _ => None,
    };
    if let Some((source, c)) = campaign {
        for (spec, availability) in campaign_actions(model, source, c) {
            if availability == Availability::Ready {
                items.push(PaletteItem {
                    label: format!("{} {:?}", spec.name, c.display_name()),
                    action: PaletteAction::Act {
                        source,
                        target: PlanTarget::Campaign(c.id.clone()),
                        target_name: c.display_name().to_string(),
                        spec,
                    },
                });
            }
        }
    }
    if let Some(menu) = task_menu(model) {
        for item in menu.items {
            if let (Availability::Ready, Some(target)) = (&item.availability, item.target) {
                items.push(PaletteItem {
                    label: format!("{} {:?}", item.spec.name, item.target_name),
                    action: PaletteAction::Act {
                        source: item.source,
                        target,
                        target_name: item.target_name,
                        spec: item.spec,
                    },
                });
            }
        }
    }
    items
}

/// The items matching `input`, best first; all items for an empty input.
pub fn matches(model: &Model, input: &str) -> Vec<PaletteItem> {
    let all = items(model);
    if input.trim().is_empty() {
        return all;
    }
    let pattern = Pattern::parse(input, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let labels: Vec<&str> = all.iter().map(|i| i.label.as_str()).collect();
    // match_list sorts by score, best first, stable among equals.
    let ranked = pattern.match_list(labels, &mut matcher);
    ranked
        .into_iter()
        .filter_map(|(label, _)| all.iter().find(|i| i.label == label).cloned())
        .collect()
}
