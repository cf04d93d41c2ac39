//! `update`: the only place the model changes. No I/O, no clock reads.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::alerts;
use super::keymap::{Place, UserAction};
use super::model::{
    ActionMenu, Batch, BatchConfirm, Confirm, FailedAction, MenuItem, Model, Overlay, Palette, Pane, Picker,
    PlanTarget, RunningAction, Screen, TimePrompt, Toast,
};
use super::msg::{Command, Msg};
use super::palette::{self, PaletteAction};
use super::pipeline;
use super::tasks;
use crate::actions::{ActionArgs, ActionSpec, ArgKind, Availability, Target, time};
use crate::model::{Alert, AlertId, AlertState, RecordRef, Rule, SourceKind};
use crate::sources;

/// How long a toast stays in the status bar.
const TOAST_SECS: i64 = 8;

pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => key_press(model, key),
        Msg::Resize(w, h) => {
            model.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            model.now = now;
            if model.toast.as_ref().is_some_and(|t| t.until <= now) {
                model.toast = None;
            }
            Vec::new()
        }
        Msg::PollStarted { source, at } => {
            if let Some(s) = model.sources.get_mut(source) {
                s.polling_since = Some(at);
            }
            Vec::new()
        }
        Msg::Polled { source, at, report } => {
            if let Some(s) = model.sources.get_mut(source) {
                let report = *report;
                s.record(report.probe, at);
                if let Some(data) = report.data {
                    s.data = Some((data, at));
                }
            }
            if at > model.now {
                model.now = at;
            }
            Vec::new()
        }
        Msg::Scheduled { source, next } => {
            if let Some(s) = model.sources.get_mut(source) {
                s.next_poll = Some(next);
            }
            Vec::new()
        }
        Msg::Planned { source, result } => {
            match result {
                Ok(planned) => {
                    model.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                        source,
                        planned,
                        retry_of: None,
                        typed: String::new(),
                    })))
                }
                Err(e) => {
                    model.overlay = None;
                    toast(model, format!("not planned: {e}"), true);
                }
            }
            Vec::new()
        }
        Msg::ActionDone { id, at, result } => action_done(model, id, at, result),
        Msg::Alerts { at, alerts, complete } => alerts_evaluated(model, at, alerts, complete),
        Msg::BatchPlanned {
            source,
            summary,
            result,
        } => {
            match result {
                Ok(planned) if !planned.is_empty() => {
                    model.overlay = Some(Overlay::ConfirmBatch(Box::new(BatchConfirm {
                        source,
                        planned,
                        summary,
                    })))
                }
                Ok(_) => toast(model, "nothing to do: every contact already has an owner", false),
                Err(e) => toast(model, format!("not planned: {e}"), true),
            }
            Vec::new()
        }
        Msg::BatchProgress {
            id,
            at,
            planned,
            result,
        } => {
            let next_id = model.next_action_id;
            if let Some(b) = model.batches.iter_mut().find(|b| b.id == id) {
                b.done += 1;
                if let Err(error) = result {
                    b.failed += 1;
                    let source = b.source;
                    let failed = FailedAction {
                        id: next_id,
                        stored: None,
                        source,
                        planned: *planned,
                        error,
                        at,
                    };
                    model.failed.push(failed.clone());
                    model.next_action_id += 1;
                    return vec![Command::SaveFailed(Box::new(failed))];
                }
            }
            Vec::new()
        }
        Msg::BatchDone { id, cancelled } => {
            let Some(pos) = model.batches.iter().position(|b| b.id == id) else {
                return Vec::new();
            };
            let b = model.batches.remove(pos);
            let how = if cancelled { "cancelled after" } else { "finished:" };
            let failed = if b.failed > 0 {
                format!(", {} failed (in 4 Task queues)", b.failed)
            } else {
                String::new()
            };
            toast(
                model,
                format!("batch {} {how} {} of {} sent{failed}", b.action, b.done, b.total),
                b.failed > 0,
            );
            vec![Command::Poll(b.source)]
        }
        Msg::FailedSaved { id, stored } => {
            if let Some(f) = model.failed.iter_mut().find(|f| f.id == id) {
                f.stored = Some(stored);
            }
            Vec::new()
        }
        Msg::NotifyFailed(why) => {
            toast(model, format!("notification not delivered: {why}"), true);
            Vec::new()
        }
        Msg::Shutdown => quit(model),
    }
}

fn quit(model: &mut Model) -> Vec<Command> {
    model.quitting = true;
    vec![Command::Quit]
}

fn toast(model: &mut Model, text: impl Into<String>, error: bool) {
    let until = model.now + jiff::SignedDuration::from_secs(TOAST_SECS);
    model.toast = Some(Toast {
        text: text.into(),
        error,
        until,
    });
}

fn key_press(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(model);
    }
    if let Some(overlay) = model.overlay.take() {
        return overlay_key(model, overlay, key);
    }
    if model.pipeline.editing_filter || model.alerts.editing_filter || model.tasks.editing_filter {
        let tasks = model.tasks.editing_filter;
        filter_key(model, key);
        if tasks {
            // Onto the first match, past its queue's header.
            model.tasks.selected = tasks::rows(model)
                .iter()
                .position(|r| matches!(r, tasks::Row::Item { .. }))
                .unwrap_or(0);
        }
        return Vec::new();
    }
    match model.keymap.action_for(key, Place::of(model)) {
        Some(action) => apply(model, action),
        None => Vec::new(),
    }
}

/// Edits a line of text; true when the key was an edit.
fn edit(text: &mut String, key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
        KeyCode::Backspace => {
            text.pop();
        }
        _ => return false,
    }
    true
}

/// Keys while a pane's filter is being typed (the pipeline's, the alerts' or the tasks').
fn filter_key(model: &mut Model, key: KeyEvent) {
    let (filter, editing, selected) = if model.alerts.editing_filter {
        (
            &mut model.alerts.filter,
            &mut model.alerts.editing_filter,
            &mut model.alerts.selected,
        )
    } else if model.tasks.editing_filter {
        (
            &mut model.tasks.filter,
            &mut model.tasks.editing_filter,
            &mut model.tasks.selected,
        )
    } else {
        (
            &mut model.pipeline.filter,
            &mut model.pipeline.editing_filter,
            &mut model.pipeline.selected,
        )
    };
    match key.code {
        KeyCode::Enter => *editing = false,
        KeyCode::Esc => {
            *editing = false;
            filter.clear();
        }
        _ => {
            if edit(filter, key) {
                *selected = 0;
            }
        }
    }
}

/// Keys while a popup is open. The popup was taken out of the model; put it
/// back unless the key closes it.
fn overlay_key(model: &mut Model, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
    let code = key.code;
    match overlay {
        Overlay::Help => return help_key(model, key),
        Overlay::ActionMenu(mut menu) => match code {
            KeyCode::Esc => {}
            _ if model.keymap.action_for(key, Place::of(model)) == Some(UserAction::Quit) => return quit(model),
            KeyCode::Up | KeyCode::Char('k') => {
                menu.selected = menu.selected.saturating_sub(1);
                model.overlay = Some(Overlay::ActionMenu(menu));
            }
            KeyCode::Down | KeyCode::Char('j') => {
                menu.selected = (menu.selected + 1).min(menu.items.len().saturating_sub(1));
                model.overlay = Some(Overlay::ActionMenu(menu));
            }
            KeyCode::Enter => return choose(model, menu),
            _ => model.overlay = Some(Overlay::ActionMenu(menu)),
        },
        Overlay::TimePrompt(mut prompt) => match code {
            KeyCode::Esc => {}
            KeyCode::Enter => return submit_time(model, prompt),
            _ => {
                if edit(&mut prompt.input, key) {
                    prompt.error = None;
                }
                model.overlay = Some(Overlay::TimePrompt(prompt));
            }
        },
        Overlay::Confirm(mut confirm) => {
            if confirm.planned.irreversible {
                match code {
                    KeyCode::Esc => {}
                    KeyCode::Enter if confirm.typed == confirm.planned.target_name => return send(model, confirm),
                    KeyCode::Enter => {
                        toast(
                            model,
                            format!("type {:?} exactly to confirm", confirm.planned.target_name),
                            true,
                        );
                        model.overlay = Some(Overlay::Confirm(confirm));
                    }
                    _ => {
                        edit(&mut confirm.typed, key);
                        model.overlay = Some(Overlay::Confirm(confirm));
                    }
                }
            } else {
                match code {
                    KeyCode::Char('y') | KeyCode::Enter => return send(model, confirm),
                    KeyCode::Char('n') | KeyCode::Esc => {}
                    _ => model.overlay = Some(Overlay::Confirm(confirm)),
                }
            }
        }
        Overlay::Snooze { id, mut selected } => match code {
            KeyCode::Esc => {}
            KeyCode::Up | KeyCode::Char('k') => {
                selected = selected.saturating_sub(1);
                model.overlay = Some(Overlay::Snooze { id, selected });
            }
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1).min(SNOOZES.len() - 1);
                model.overlay = Some(Overlay::Snooze { id, selected });
            }
            KeyCode::Enter => {
                let (label, secs) = SNOOZES[selected.min(SNOOZES.len() - 1)];
                let until = model.now + jiff::SignedDuration::from_secs(secs);
                toast(model, format!("snoozed for {label}"), false);
                return set_state(model, id, AlertState::Snoozed { until });
            }
            _ => model.overlay = Some(Overlay::Snooze { id, selected }),
        },
        Overlay::ConfirmBatch(confirm) => match code {
            KeyCode::Char('y') | KeyCode::Enter => return send_batch(model, *confirm),
            KeyCode::Char('n') | KeyCode::Esc => {}
            _ => model.overlay = Some(Overlay::ConfirmBatch(confirm)),
        },
        Overlay::Picker(mut picker) => match code {
            KeyCode::Esc => {}
            KeyCode::Up | KeyCode::Char('k') => {
                picker.selected = picker.selected.saturating_sub(1);
                model.overlay = Some(Overlay::Picker(picker));
            }
            KeyCode::Down | KeyCode::Char('j') => {
                picker.selected = (picker.selected + 1).min(picker.options.len().saturating_sub(1));
                model.overlay = Some(Overlay::Picker(picker));
            }
            KeyCode::Enter => return submit_pick(picker),
            _ => model.overlay = Some(Overlay::Picker(picker)),
        },
        Overlay::Palette(mut p) => match code {
            KeyCode::Esc => {}
            KeyCode::Up => {
                p.selected = p.selected.saturating_sub(1);
                model.overlay = Some(Overlay::Palette(p));
            }
            KeyCode::Down => {
                p.selected += 1;
                model.overlay = Some(Overlay::Palette(p));
            }
            KeyCode::Enter => {
                let picked = palette::matches(model, &p.input).into_iter().nth(p.selected);
                if let Some(item) = picked {
                    return run_palette(model, item.action);
                }
                model.overlay = Some(Overlay::Palette(p));
            }
            _ => {
                if edit(&mut p.input, key) {
                    p.selected = 0;
                }
                model.overlay = Some(Overlay::Palette(p));
            }
        },
    }
    Vec::new()
}

/// Keys while the help is open: its own keys close it, the movement keys
/// (and PgUp/PgDn, Space) scroll it when it is taller than the screen.
fn help_key(model: &mut Model, key: KeyEvent) -> Vec<Command> {
    let max = crate::ui::help::max_scroll(model);
    let page = crate::ui::help::page(model).max(1);
    let scroll = model.help_scroll.min(max);
    let action = model.keymap.action_for(key, Place::of(model));
    model.help_scroll = match (action, key.code) {
        (Some(UserAction::Quit), _) => return quit(model),
        (Some(UserAction::Help | UserAction::Back), _) => {
            model.help_scroll = 0;
            return Vec::new();
        }
        (Some(UserAction::Up), _) => scroll.saturating_sub(1),
        (Some(UserAction::Down), _) => (scroll + 1).min(max),
        (Some(UserAction::Top), _) => 0,
        (Some(UserAction::Bottom), _) => max,
        (_, KeyCode::PageUp) => scroll.saturating_sub(page),
        (_, KeyCode::PageDown | KeyCode::Char(' ')) => (scroll + page).min(max),
        _ => scroll,
    };
    model.overlay = Some(Overlay::Help);
    Vec::new()
}

fn apply(model: &mut Model, action: UserAction) -> Vec<Command> {
    match action {
        UserAction::Quit => return quit(model),
        UserAction::Help => {
            model.overlay = Some(Overlay::Help);
            model.help_scroll = 0;
        }
        UserAction::Back => back(model),
        UserAction::FocusNext => focus(model, model.focus.next()),
        UserAction::FocusPrev => focus(model, model.focus.prev()),
        UserAction::Focus(n) => {
            if let Some(pane) = Pane::ALL.get(n.wrapping_sub(1)) {
                focus(model, *pane);
            }
        }
        UserAction::Up => select(model, |i, _| i.saturating_sub(1)),
        UserAction::Down => select(model, |i, len| (i + 1).min(len.saturating_sub(1))),
        UserAction::Top => select(model, |_, _| 0),
        UserAction::Bottom => select(model, |_, len| len.saturating_sub(1)),
        UserAction::Open => open(model),
        UserAction::Zoom => {
            if model.screen == Screen::Grid {
                model.zoomed = !model.zoomed;
            }
        }
        UserAction::Refresh => return refresh_focused(model),
        UserAction::RefreshAll => return poll_all(model, |_| true),
        UserAction::Filter => {
            if model.screen == Screen::Grid && model.focus == Pane::Pipeline {
                model.pipeline.editing_filter = true;
            } else if model.screen == Screen::Grid && model.focus == Pane::Alerts {
                model.alerts.editing_filter = true;
            } else if model.screen == Screen::Grid && model.focus == Pane::Tasks {
                model.tasks.editing_filter = true;
            }
        }
        UserAction::Snooze if in_alerts(model) => {
            if let Some(a) = alerts::current(model) {
                model.overlay = Some(Overlay::Snooze {
                    id: a.id.clone(),
                    selected: 0,
                });
            }
        }
        UserAction::Snooze => {}
        UserAction::Acknowledge => return acknowledge(model),
        UserAction::OpenLink => return open_link(model),
        UserAction::Copy => return copy_id(model),
        UserAction::Sort => {
            if model.screen == Screen::Grid && model.focus == Pane::Pipeline {
                model.pipeline.sort = model.pipeline.sort.next();
                model.pipeline.selected = 0;
            } else if model.screen == Screen::Grid && model.focus == Pane::Tasks {
                model.tasks.sort = model.tasks.sort.next();
                toast(model, format!("queues sorted by {}", model.tasks.sort.label()), false);
            }
        }
        UserAction::Actions => actions_menu(model),
        UserAction::Palette => model.overlay = Some(Overlay::Palette(Palette::default())),
    }
    Vec::new()
}

fn back(model: &mut Model) {
    if model.screen != Screen::Grid {
        model.screen = Screen::Grid;
    } else if model.zoomed {
        model.zoomed = false;
    } else if !model.pipeline.filter.is_empty() && model.focus == Pane::Pipeline {
        model.pipeline.filter.clear();
    } else if !model.alerts.filter.is_empty() && model.focus == Pane::Alerts {
        model.alerts.filter.clear();
    } else if !model.tasks.filter.is_empty() && model.focus == Pane::Tasks {
        model.tasks.filter.clear();
    }
}

fn focus(model: &mut Model, pane: Pane) {
    model.screen = Screen::Grid;
    model.focus = pane;
}

fn open(model: &mut Model) {
    if model.screen != Screen::Grid {
        return;
    }
    match model.focus {
        Pane::Health if model.selected < model.sources.len() => model.screen = Screen::SourceDetail(model.selected),
        Pane::Pipeline => {
            if let Some(row) = pipeline::selected(model) {
                model.screen = Screen::CampaignDetail {
                    source: row.source,
                    id: row.campaign.id.clone(),
                };
            }
        }
        Pane::Alerts => {
            if let Some(a) = alerts::current(model) {
                model.screen = Screen::AlertDetail { id: a.id.clone() };
                model.alerts.record = 0;
            }
        }
        Pane::Tasks => open_task_row(model),
        Pane::Health => {}
    }
}

/// Enter in the task queues: a header folds or unfolds its queue, an owner
/// narrows the pane to their tasks, anything else opens its detail.
fn open_task_row(model: &mut Model) {
    let Some(row) = tasks::selected(model) else {
        return;
    };
    match row {
        tasks::Row::Header { queue, .. } => {
            if !model.tasks.collapsed.remove(&queue) {
                model.tasks.collapsed.insert(queue);
            }
        }
        tasks::Row::Item { item, .. } => match item.item {
            tasks::ItemRef::Post { source, id } => model.screen = Screen::PostDetail { source, id },
            tasks::ItemRef::Task { source, id } => model.screen = Screen::TaskDetail { source, id },
            tasks::ItemRef::Failed(id) => model.screen = Screen::FailedDetail { id },
            tasks::ItemRef::Owner { .. } => {
                model.tasks.filter = item.title;
                model.tasks.selected = 0;
                toast(model, "showing this owner's tasks: Esc clears the filter", false);
            }
        },
    }
}

/// Move the focused list's selection; in a source's detail, move to the neighbouring source.
fn select(model: &mut Model, step: impl Fn(usize, usize) -> usize) {
    match model.screen {
        Screen::SourceDetail(i) => {
            let len = model.sources.len();
            if len > 0 {
                let j = step(i, len);
                model.selected = j;
                model.screen = Screen::SourceDetail(j);
            }
        }
        Screen::CampaignDetail { .. }
        | Screen::PostDetail { .. }
        | Screen::TaskDetail { .. }
        | Screen::FailedDetail { .. } => {}
        Screen::AlertDetail { ref id } => {
            let len = model.alerts.find(id).map_or(0, |a| a.records.len());
            model.alerts.record = step(model.alerts.record.min(len.saturating_sub(1)), len);
        }
        Screen::Grid => match model.focus {
            Pane::Health => model.selected = step(model.selected, model.sources.len()),
            Pane::Pipeline => {
                let len = pipeline::rows(model).len();
                model.pipeline.selected = step(model.pipeline.selected.min(len.saturating_sub(1)), len);
            }
            Pane::Tasks => {
                let len = tasks::rows(model).len();
                model.tasks.selected = step(model.tasks.selected.min(len.saturating_sub(1)), len);
            }
            Pane::Alerts => {
                let len = model.alerts.ordered(model.now).len();
                model.alerts.selected = step(model.alerts.selected.min(len.saturating_sub(1)), len);
            }
        },
    }
}

fn refresh_focused(model: &Model) -> Vec<Command> {
    match &model.screen {
        Screen::SourceDetail(i) => poll_all(model, |j| j == *i),
        Screen::CampaignDetail { source, .. }
        | Screen::PostDetail { source, .. }
        | Screen::TaskDetail { source, .. } => poll_all(model, |j| j == *source),
        Screen::FailedDetail { id } => {
            let source = model.failed.iter().find(|f| f.id == *id).map(|f| f.source);
            poll_all(model, |j| Some(j) == source)
        }
        Screen::AlertDetail { .. } => {
            let kinds = Pane::Alerts.kinds();
            poll_all(model, |j| kinds.contains(&model.sources[j].kind))
        }
        Screen::Grid if model.focus == Pane::Health => poll_all(model, |j| j == model.selected),
        Screen::Grid => {
            let kinds = model.focus.kinds();
            poll_all(model, |j| kinds.contains(&model.sources[j].kind))
        }
    }
}

/// Poll every startable source that `pick` accepts.
fn poll_all(model: &Model, pick: impl Fn(usize) -> bool) -> Vec<Command> {
    (0..model.sources.len())
        .filter(|&i| model.sources[i].broken.is_none() && pick(i))
        .map(Command::Poll)
        .collect()
}

/// The campaign the user is looking at: the open detail, else the pipeline's selection.
fn current_campaign(model: &Model) -> Option<(usize, &crate::model::Campaign)> {
    match &model.screen {
        Screen::CampaignDetail { source, id } => pipeline::find(model, *source, id).map(|c| (*source, c)),
        Screen::Grid if model.focus == Pane::Pipeline => pipeline::selected(model).map(|r| (r.source, r.campaign)),
        _ => None,
    }
}

/// Each action of `kind` on the campaign, with what its state (or read-only mode) allows.
pub fn campaign_actions(model: &Model, source: usize, c: &crate::model::Campaign) -> Vec<(ActionSpec, Availability)> {
    let Some(kind) = model.sources.get(source).map(|s| s.kind) else {
        return Vec::new();
    };
    sources::actions_for(kind)
        .iter()
        .map(|spec| {
            let availability = if model.readonly {
                Availability::Disabled("read-only mode: writes are blocked".to_string())
            } else {
                sources::availability(kind, spec.name, Target::Campaign(c))
            };
            (*spec, availability)
        })
        .collect()
}

/// The two things a person can do with a failed action.
const RETRY: ActionSpec = ActionSpec {
    name: "retry",
    summary: "send it again, after confirming",
    irreversible: false,
    arg: ArgKind::None,
};
const DISCARD: ActionSpec = ActionSpec {
    name: "discard",
    summary: "drop it from the list",
    irreversible: false,
    arg: ArgKind::None,
};

fn actions_menu(model: &mut Model) {
    if let Some((source, c)) = current_campaign(model) {
        let target_name = c.display_name().to_string();
        let items = campaign_actions(model, source, c)
            .into_iter()
            .map(|(spec, availability)| MenuItem {
                spec,
                availability,
                source,
                target: Some(PlanTarget::Campaign(c.id.clone())),
                target_name: target_name.clone(),
            })
            .collect();
        model.overlay = Some(Overlay::ActionMenu(ActionMenu {
            failed: None,
            batch: None,
            title: target_name,
            items,
            selected: 0,
        }));
        return;
    }
    if in_alerts(model) {
        let items = alert_actions(model);
        if items.is_empty() {
            toast(model, "no action fixes this record from here", false);
        } else {
            let title = alerts::current(model).map_or_else(String::new, |a| a.rule.title().to_string());
            model.overlay = Some(Overlay::ActionMenu(ActionMenu {
                failed: None,
                batch: None,
                title,
                items,
                selected: 0,
            }));
        }
        return;
    }
    let in_tasks = model.focus == Pane::Tasks || tasks::current(model).is_some();
    if in_tasks && let Some(menu) = task_menu(model) {
        model.overlay = Some(Overlay::ActionMenu(menu));
        return;
    }
    if in_tasks {
        toast(
            model,
            "select an item of a queue: a post, a task or a failed action",
            false,
        );
        return;
    }
    toast(
        model,
        "nothing here has actions: select a campaign (2), an alert (3) or a queued item (4)",
        false,
    );
}

/// The menu for the task queues' current item: a post's or a task's actions,
/// a failed action's retry and discard; plus cancelling a running batch.
pub fn task_menu(model: &Model) -> Option<ActionMenu> {
    let read_only = || Availability::Disabled("read-only mode: writes are blocked".to_string());
    let mut menu = match tasks::current(model) {
        Some(tasks::ItemRef::Post { source, id }) => {
            let (_, post) = tasks::find_post(model, source, id)?;
            let title = post.display_title().to_owned();
            ActionMenu {
                failed: None,
                batch: None,
                items: target_actions(model, source, Target::Post(post), PlanTarget::Post(id), &title),
                title,
                selected: 0,
            }
        }
        Some(tasks::ItemRef::Task { source, id }) => {
            let (_, task) = tasks::find_task(model, source, &id)?;
            let title = task.display_subject().to_owned();
            ActionMenu {
                failed: None,
                batch: None,
                items: target_actions(model, source, Target::Task(task), PlanTarget::Task(id), &title),
                title,
                selected: 0,
            }
        }
        Some(tasks::ItemRef::Failed(id)) => {
            let f = model.failed.iter().find(|f| f.id == id)?;
            let retry = if model.readonly {
                read_only()
            } else {
                Availability::Ready
            };
            let target_name = format!("{} {}", f.planned.action, f.planned.target_name);
            let item = |spec: ActionSpec, availability: Availability| MenuItem {
                spec,
                availability,
                source: f.source,
                target: None,
                target_name: target_name.clone(),
            };
            ActionMenu {
                failed: Some(f.id),
                batch: None,
                title: target_name.clone(),
                items: vec![item(RETRY, retry), item(DISCARD, Availability::Ready)],
                selected: 0,
            }
        }
        Some(tasks::ItemRef::Owner { .. }) | None => ActionMenu {
            failed: None,
            batch: None,
            title: String::new(),
            items: Vec::new(),
            selected: 0,
        },
    };
    if let Some(b) = model.batches.iter().find(|b| !b.cancelling) {
        let target_name = format!("{} batch ({}/{})", b.action, b.done, b.total);
        if menu.items.is_empty() {
            menu.title = target_name.clone();
        }
        menu.batch = Some(b.id);
        menu.items.push(MenuItem {
            spec: CANCEL_BATCH,
            availability: Availability::Ready,
            source: b.source,
            target: None,
            target_name,
        });
    }
    (!menu.items.is_empty()).then_some(menu)
}

/// Each action a source offers on `target`, with what its state (or read-only mode) allows.
fn target_actions(
    model: &Model,
    source: usize,
    target: Target<'_>,
    plan: PlanTarget,
    target_name: &str,
) -> Vec<MenuItem> {
    let Some(kind) = model.sources.get(source).map(|s| s.kind) else {
        return Vec::new();
    };
    sources::actions_for_target(kind, target)
        .iter()
        .map(|spec| MenuItem {
            spec: *spec,
            availability: if model.readonly {
                Availability::Disabled("read-only mode: writes are blocked".to_string())
            } else {
                sources::availability(kind, spec.name, target)
            },
            source,
            target: Some(plan.clone()),
            target_name: target_name.to_owned(),
        })
        .collect()
}

fn choose(model: &mut Model, menu: ActionMenu) -> Vec<Command> {
    let Some(item) = menu.items.get(menu.selected).cloned() else {
        return Vec::new();
    };
    if let Availability::Disabled(why) = &item.availability {
        toast(model, format!("{}: {why}", item.spec.name), true);
        model.overlay = Some(Overlay::ActionMenu(menu));
        return Vec::new();
    }
    if item.spec.name == CANCEL_BATCH.name
        && let Some(batch) = menu.batch
    {
        if let Some(b) = model.batches.iter_mut().find(|b| b.id == batch) {
            b.cancelling = true;
        }
        toast(
            model,
            "cancelling the batch: the action in flight finishes, no more are sent",
            false,
        );
        return vec![Command::CancelBatch(batch)];
    }
    if item.spec.name == ROUND_ROBIN.name {
        return round_robin(model, item.source);
    }
    if let Some(failed_id) = menu.failed {
        let Some(pos) = model.failed.iter().position(|f| f.id == failed_id) else {
            return Vec::new();
        };
        if item.spec.name == DISCARD.name {
            let f = model.failed.remove(pos);
            if model.screen == (Screen::FailedDetail { id: f.id }) {
                model.screen = Screen::Grid;
            }
            toast(
                model,
                format!("discarded the failed {} of {}", f.planned.action, f.planned.target_name),
                false,
            );
            return f.stored.map(Command::ForgetFailed).into_iter().collect();
        } else {
            let f = &model.failed[pos];
            model.overlay = Some(Overlay::Confirm(Box::new(Confirm {
                source: f.source,
                planned: f.planned.clone(),
                retry_of: Some(f.id),
                typed: String::new(),
            })));
        }
        return Vec::new();
    }
    let Some(target) = item.target else {
        return Vec::new();
    };
    match item.spec.arg {
        ArgKind::Time => {
            model.overlay = Some(Overlay::TimePrompt(TimePrompt {
                source: item.source,
                action: item.spec.name,
                target,
                target_name: item.target_name,
                input: String::new(),
                error: None,
            }));
            Vec::new()
        }
        ArgKind::Owner | ArgKind::LifecycleStage => {
            let options = picker_options(model, item.source, item.spec.arg);
            if options.is_empty() {
                toast(
                    model,
                    "nothing to choose from yet: the CRM's owners have not loaded",
                    true,
                );
                return Vec::new();
            }
            model.overlay = Some(Overlay::Picker(Picker {
                source: item.source,
                action: item.spec.name,
                arg: item.spec.arg,
                target,
                target_name: item.target_name,
                options,
                selected: 0,
            }));
            Vec::new()
        }
        ArgKind::None => vec![Command::Plan {
            source: item.source,
            action: item.spec.name.to_string(),
            target,
            args: ActionArgs::default(),
        }],
    }
}

/// The values a picker offers: the CRM's active owners, or HubSpot's lifecycle stages.
fn picker_options(model: &Model, source: usize, arg: ArgKind) -> Vec<(String, String)> {
    match arg {
        ArgKind::Owner => model
            .sources
            .get(source)
            .and_then(|s| s.crm())
            .map(|d| {
                d.owners
                    .iter()
                    .filter(|o| !o.archived)
                    .map(|o| (o.id.clone(), o.display_name()))
                    .collect()
            })
            .unwrap_or_default(),
        ArgKind::LifecycleStage => sources::LIFECYCLE_STAGES
            .iter()
            .map(|s| (s.to_string(), s.to_string()))
            .collect(),
        ArgKind::None | ArgKind::Time => Vec::new(),
    }
}

fn submit_pick(picker: Picker) -> Vec<Command> {
    let Some((value, _)) = picker.options.get(picker.selected) else {
        return Vec::new();
    };
    let mut args = ActionArgs::default();
    match picker.arg {
        ArgKind::Owner => args.owner_id = Some(value.clone()),
        ArgKind::LifecycleStage => args.lifecycle_stage = Some(value.clone()),
        ArgKind::None | ArgKind::Time => {}
    }
    vec![Command::Plan {
        source: picker.source,
        action: picker.action.to_string(),
        target: picker.target,
        args,
    }]
}

/// The actions that fix the selected alert's record: merging a duplicate
/// group's pair, the contact's own actions, and the member's.
fn alert_actions(model: &Model) -> Vec<MenuItem> {
    let Some(alert) = alerts::current(model) else {
        return Vec::new();
    };
    let Some(record) = current_record(model) else {
        return Vec::new();
    };
    let readonly = |a: Availability| {
        if model.readonly {
            Availability::Disabled("read-only mode: writes are blocked".to_string())
        } else {
            a
        }
    };
    let mut items = Vec::new();
    if alert.rule == Rule::MissingOwner
        && let Some((crm_source, _)) = alerts::crm(model)
    {
        let availability = match round_robin_owners(model, crm_source) {
            Ok(_) => Availability::Ready,
            Err(why) => Availability::Disabled(why),
        };
        items.push(MenuItem {
            spec: ROUND_ROBIN,
            availability: readonly(availability),
            source: crm_source,
            target: None,
            target_name: format!("{} contacts", alert.records.len()),
        });
    }
    let sides = alerts::sides(model, &record);
    if let Some((crm_source, crm)) = alerts::crm(model) {
        let kind = model.sources[crm_source].kind;
        if matches!(alert.rule, Rule::DuplicateEmail | Rule::DuplicateNameCompany)
            && let Some((primary, secondary)) = merge_pair(alert, crm, sides.contact.map(|c| c.id.as_str()))
        {
            let target = Target::Merge { primary, secondary };
            for spec in sources::actions_for_target(kind, target) {
                items.push(MenuItem {
                    spec: *spec,
                    availability: readonly(sources::availability(kind, spec.name, target)),
                    source: crm_source,
                    target: Some(PlanTarget::Merge {
                        primary: primary.id.clone(),
                        secondary: secondary.id.clone(),
                    }),
                    target_name: secondary.display_name(),
                });
            }
        }
        if let Some(c) = sides.contact {
            let target = Target::Contact(c);
            for spec in sources::actions_for_target(kind, target) {
                items.push(MenuItem {
                    spec: *spec,
                    availability: readonly(sources::availability(kind, spec.name, target)),
                    source: crm_source,
                    target: Some(PlanTarget::Contact(c.id.clone())),
                    target_name: c.display_name(),
                });
            }
        }
    }
    if let Some((email_source, data)) = alerts::email(model) {
        let kind = model.sources[email_source].kind;
        for (_, member) in &sides.members {
            let Some(list_id) = data
                .members
                .iter()
                .find(|(_, ms)| ms.contains_key(&member.id))
                .map(|(l, _)| l.as_str())
            else {
                continue;
            };
            let target = Target::Member { list_id, member };
            for spec in sources::actions_for_target(kind, target) {
                items.push(MenuItem {
                    spec: *spec,
                    availability: readonly(sources::availability(kind, spec.name, target)),
                    source: email_source,
                    target: Some(PlanTarget::Member {
                        list_id: list_id.to_string(),
                        hash: member.id.clone(),
                    }),
                    target_name: member.email.clone(),
                });
            }
        }
    }
    items
}

/// The pair to merge in a duplicate group: the contact to keep is the most
/// recently modified, then the most complete; the one merged into it is the
/// selected record when that is not the keeper, else the next best.
fn merge_pair<'a>(
    alert: &Alert,
    crm: &'a crate::model::CrmData,
    selected: Option<&str>,
) -> Option<(&'a crate::model::Contact, &'a crate::model::Contact)> {
    let mut group: Vec<&crate::model::Contact> = alert
        .records
        .iter()
        .filter_map(|r| match r {
            RecordRef::Contact { id } => crm.contacts.get(id),
            _ => None,
        })
        .collect();
    group.sort_by(|a, b| {
        b.modified
            .cmp(&a.modified)
            .then(b.completeness().cmp(&a.completeness()))
            .then(a.id.cmp(&b.id))
    });
    let primary = *group.first()?;
    let secondary = match selected {
        Some(id) if id != primary.id => group.iter().find(|c| c.id == id).copied(),
        _ => group.get(1).copied(),
    }?;
    Some((primary, secondary))
}

/// Stops a running batch.
const CANCEL_BATCH: ActionSpec = ActionSpec {
    name: "cancel-batch",
    summary: "send no more of this batch (the one in flight finishes)",
    irreversible: false,
    arg: ArgKind::None,
};

/// Assigns every unowned contact of a missing-owner alert, rotating over the
/// source's `round_robin` owners: one audited `assign-owner` per contact.
const ROUND_ROBIN: ActionSpec = ActionSpec {
    name: "assign-round-robin",
    summary: "assign every listed contact an owner, in turn from round_robin",
    irreversible: false,
    arg: ArgKind::None,
};

/// The owner ids `round_robin` names, resolved against the CRM's active owners.
pub fn round_robin_owners(model: &Model, source: usize) -> Result<Vec<String>, String> {
    let s = model.sources.get(source).ok_or("no such source")?;
    if s.round_robin.is_empty() {
        return Err(format!(
            "set round_robin = [\"owner@example.com\", ...] on the {} source",
            s.name
        ));
    }
    let owners = s.crm().map(|d| d.owners.as_slice()).unwrap_or_default();
    s.round_robin
        .iter()
        .map(|entry| {
            owners
                .iter()
                .filter(|o| !o.archived)
                .find(|o| o.id == *entry || o.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(entry)))
                .map(|o| o.id.clone())
                .ok_or_else(|| format!("round_robin owner {entry:?} is not an active owner in {}", s.name))
        })
        .collect()
}

fn round_robin(model: &mut Model, source: usize) -> Vec<Command> {
    let owners = match round_robin_owners(model, source) {
        Ok(o) => o,
        Err(why) => {
            toast(model, why, true);
            return Vec::new();
        }
    };
    let Some(alert) = alerts::current(model) else {
        return Vec::new();
    };
    let crm = model.sources.get(source).and_then(|s| s.crm());
    let unowned: Vec<String> = alert
        .records
        .iter()
        .filter_map(|r| match r {
            RecordRef::Contact { id } => crm
                .and_then(|d| d.contacts.get(id))
                .filter(|c| c.owner_id.is_none())
                .map(|c| c.id.clone()),
            _ => None,
        })
        .collect();
    let items: Vec<(PlanTarget, ActionArgs)> = unowned
        .iter()
        .zip(owners.iter().cycle())
        .map(|(contact, owner)| {
            (
                PlanTarget::Contact(contact.clone()),
                ActionArgs {
                    owner_id: Some(owner.clone()),
                    ..ActionArgs::default()
                },
            )
        })
        .collect();
    let summary = format!(
        "Assigns {} contacts an owner in turn over {} owners ({} each, at most): one audited request per contact, sent at HubSpot's rate limit",
        items.len(),
        owners.len(),
        items.len().div_ceil(owners.len().max(1))
    );
    vec![Command::PlanBatch {
        source,
        action: "assign-owner".to_string(),
        items,
        summary,
    }]
}

fn send_batch(model: &mut Model, confirm: BatchConfirm) -> Vec<Command> {
    let id = model.next_action_id;
    model.next_action_id += 1;
    let action = confirm.planned.first().map_or_else(String::new, |p| p.action.clone());
    model.batches.push(Batch {
        id,
        source: confirm.source,
        action: action.clone(),
        total: confirm.planned.len(),
        done: 0,
        failed: 0,
        since: model.now,
        cancelling: false,
    });
    toast(
        model,
        format!(
            "sending {} {action} requests; x in 4 Task queues cancels",
            confirm.planned.len()
        ),
        false,
    );
    vec![Command::ExecuteBatch {
        id,
        source: confirm.source,
        planned: confirm.planned,
    }]
}

fn submit_time(model: &mut Model, mut prompt: TimePrompt) -> Vec<Command> {
    let kind = model.sources.get(prompt.source).map_or(SourceKind::Http, |s| s.kind);
    let checked =
        time::parse_when(&prompt.input, model.now, &model.tz).and_then(|t| time::action_time(kind, t, model.now));
    match checked {
        Ok(at) => vec![Command::Plan {
            source: prompt.source,
            action: prompt.action.to_string(),
            target: prompt.target,
            args: ActionArgs {
                time: Some(at),
                ..ActionArgs::default()
            },
        }],
        Err(e) => {
            prompt.error = Some(e);
            model.overlay = Some(Overlay::TimePrompt(prompt));
            Vec::new()
        }
    }
}

fn send(model: &mut Model, confirm: Box<Confirm>) -> Vec<Command> {
    let mut commands = Vec::new();
    if let Some(old) = confirm.retry_of
        && let Some(pos) = model.failed.iter().position(|f| f.id == old)
    {
        // The retry is a new attempt: if it fails too, it is kept afresh.
        let f = model.failed.remove(pos);
        commands.extend(f.stored.map(Command::ForgetFailed));
        if model.screen == (Screen::FailedDetail { id: old }) {
            model.screen = Screen::Grid;
        }
    }
    let id = model.next_action_id;
    model.next_action_id += 1;
    let planned = confirm.planned;
    toast(
        model,
        format!("sending {} for {}…", planned.action, planned.target_name),
        false,
    );
    model.running.push(RunningAction {
        id,
        source: confirm.source,
        planned: planned.clone(),
        since: model.now,
    });
    commands.push(Command::Execute {
        id,
        source: confirm.source,
        planned: Box::new(planned),
    });
    commands
}

fn action_done(
    model: &mut Model,
    id: u64,
    at: jiff::Timestamp,
    result: Result<crate::actions::Outcome, crate::actions::ActionError>,
) -> Vec<Command> {
    let Some(pos) = model.running.iter().position(|r| r.id == id) else {
        return Vec::new();
    };
    let running = model.running.remove(pos);
    let what = format!("{} {}", running.planned.action, running.planned.target_name);
    match result {
        Ok(outcome) => {
            toast(
                model,
                format!("{what}: {} (HTTP {})", outcome.summary, outcome.http_status),
                false,
            );
            // Show the change: poll the source now rather than at its next interval.
            vec![Command::Poll(running.source)]
        }
        Err(error) => {
            // Vendor failures already say what failed; refusals before sending do not.
            let said = error.to_string();
            let said = if said.starts_with(&running.planned.action) {
                said
            } else {
                format!("{what} failed: {said}")
            };
            toast(
                model,
                format!("{said} (kept in 4 Task queues to retry or discard)"),
                true,
            );
            let failed = FailedAction {
                id,
                stored: None,
                source: running.source,
                planned: running.planned,
                error,
                at,
            };
            model.failed.push(failed.clone());
            vec![Command::SaveFailed(Box::new(failed))]
        }
    }
}

/// Snooze choices: label and seconds.
pub const SNOOZES: [(&str, i64); 4] = [
    ("1 hour", 3_600),
    ("4 hours", 4 * 3_600),
    ("1 day", 86_400),
    ("1 week", 7 * 86_400),
];

fn in_alerts(model: &Model) -> bool {
    matches!(model.screen, Screen::AlertDetail { .. }) || (model.screen == Screen::Grid && model.focus == Pane::Alerts)
}

/// A new evaluation: alerts that no longer fire are resolved and leave, and
/// their saved states are dropped so a recurrence fires afresh.
fn alerts_evaluated(model: &mut Model, at: jiff::Timestamp, firing: Vec<Alert>, complete: bool) -> Vec<Command> {
    // What people did about an alert is forgotten only when a whole pass no
    // longer finds it: a pass over the CRM alone says nothing of the email side.
    let gone: Vec<AlertId> = match complete {
        false => Vec::new(),
        true => model
            .alerts
            .states
            .keys()
            .filter(|id| !firing.iter().any(|a| &a.id == *id))
            .cloned()
            .collect(),
    };
    for id in &gone {
        model.alerts.states.remove(id);
    }
    model.alerts.firing = firing;
    model.alerts.evaluated_at = Some(at);
    model.alerts.selected = model.alerts.selected.min(model.alerts.firing.len().saturating_sub(1));
    if let Screen::AlertDetail { id } = &model.screen
        && model.alerts.find(id).is_none()
    {
        toast(model, format!("alert {id} resolved"), false);
        model.screen = Screen::Grid;
    }
    gone.into_iter().map(Command::ForgetAlertState).collect()
}

fn set_state(model: &mut Model, id: AlertId, state: AlertState) -> Vec<Command> {
    model.alerts.states.insert(id.clone(), state);
    vec![Command::SaveAlertState { id, state }]
}

fn acknowledge(model: &mut Model) -> Vec<Command> {
    if !in_alerts(model) {
        return Vec::new();
    }
    let Some(id) = alerts::current(model).map(|a| a.id.clone()) else {
        return Vec::new();
    };
    if matches!(model.alerts.state(&id, model.now), AlertState::Acknowledged { .. }) {
        model.alerts.states.remove(&id);
        toast(model, "acknowledgement withdrawn: firing again", false);
        return vec![Command::ForgetAlertState(id)];
    }
    toast(model, "acknowledged", false);
    let at = model.now;
    set_state(model, id, AlertState::Acknowledged { at })
}

/// The record under the cursor: the detail's selected record, else the alert's first.
fn current_record(model: &Model) -> Option<RecordRef> {
    let a = alerts::current(model)?;
    let i = if matches!(model.screen, Screen::AlertDetail { .. }) {
        model.alerts.record
    } else {
        0
    };
    a.records.get(i.min(a.records.len().saturating_sub(1))).cloned()
}

fn open_link(model: &mut Model) -> Vec<Command> {
    if let Some(item) = tasks::current(model) {
        let url = match &item {
            tasks::ItemRef::Post { source, id } => tasks::find_post(model, *source, *id)
                .and_then(|(content, post)| content.edit_url(post).or_else(|| post.link.clone()))
                .ok_or("WordPress gave no link for this post"),
            tasks::ItemRef::Task { .. } | tasks::ItemRef::Owner { .. } => {
                Err("HubSpot documents no web address for a task: y copies its id")
            }
            tasks::ItemRef::Failed(_) => Err("a failed action has no web page: Enter shows its request"),
        };
        return match url {
            Ok(url) => {
                toast(model, url.clone(), false);
                vec![Command::Hyperlink(url)]
            }
            Err(why) => {
                toast(model, why, true);
                Vec::new()
            }
        };
    }
    if !in_alerts(model) {
        return Vec::new();
    }
    let Some(record) = current_record(model) else {
        return Vec::new();
    };
    match alerts::web_url(model, &record) {
        Ok(url) => {
            toast(model, url.clone(), false);
            vec![Command::Hyperlink(url)]
        }
        Err(why) => {
            toast(model, why, true);
            Vec::new()
        }
    }
}

fn copy_id(model: &mut Model) -> Vec<Command> {
    if let Some(item) = tasks::current(model) {
        let id = match item {
            tasks::ItemRef::Post { id, .. } => Some(id.to_string()),
            tasks::ItemRef::Task { id, .. } => Some(id),
            tasks::ItemRef::Owner { owner_id, .. } => owner_id,
            tasks::ItemRef::Failed(id) => model
                .failed
                .iter()
                .find(|f| f.id == id)
                .and_then(|f| f.error.request_id.clone()),
        };
        let Some(id) = id else {
            toast(model, "nothing to copy here", true);
            return Vec::new();
        };
        toast(model, format!("copied {id} (OSC 52)"), false);
        return vec![Command::Copy(id)];
    }
    if !in_alerts(model) {
        return Vec::new();
    }
    let Some(record) = current_record(model) else {
        return Vec::new();
    };
    let id = alerts::record_id(&record);
    toast(model, format!("copied {id} (OSC 52)"), false);
    vec![Command::Copy(id)]
}

fn run_palette(model: &mut Model, action: PaletteAction) -> Vec<Command> {
    match action {
        PaletteAction::Focus(pane) => {
            focus(model, pane);
            Vec::new()
        }
        PaletteAction::User(a) => apply(model, a),
        PaletteAction::Act {
            source,
            target,
            target_name,
            spec,
        } => {
            let menu = ActionMenu {
                failed: None,
                batch: None,
                title: target_name.clone(),
                items: vec![MenuItem {
                    spec,
                    availability: Availability::Ready,
                    source,
                    target: Some(target),
                    target_name,
                }],
                selected: 0,
            };
            choose(model, menu)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use jiff::Timestamp;

    use super::*;
    use crate::app::SourceState;
    use crate::model::{CircuitState, HealthStatus, Probe, SourceKind};
    use crate::sources::PollReport;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("valid")
    }

    fn model() -> Model {
        let sources = [
            ("mc", SourceKind::Mailchimp),
            ("hs", SourceKind::Hubspot),
            ("wp", SourceKind::Wordpress),
        ]
        .into_iter()
        .map(|(n, k)| SourceState::new(n, k, Duration::from_secs(30), Duration::from_secs(10)))
        .collect();
        Model::new("test", false, sources, t(0))
    }

    fn key(model: &mut Model, code: KeyCode) -> Vec<Command> {
        update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn probe(status: HealthStatus) -> Probe {
        Probe {
            status,
            summary: format!("{status:?}"),
            latency: Duration::from_millis(120),
            attempts: 1,
            http_status: Some(200),
            vendor_error: None,
            request_id: "req-1".into(),
            url: "https://api.example.com/ping".into(),
            rate_limit: None,
            circuit: CircuitState::Closed,
        }
    }

    fn polled(source: usize, at: Timestamp, status: HealthStatus) -> Msg {
        Msg::Polled {
            source,
            at,
            report: Box::new(PollReport::health(probe(status))),
        }
    }

    #[test]
    fn q_and_ctrl_c_quit() {
        let mut m = model();
        assert_eq!(key(&mut m, KeyCode::Char('q')), vec![Command::Quit]);
        assert!(m.quitting);
        let mut m = model();
        let cmds = update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        assert_eq!(cmds, vec![Command::Quit]);
        let mut m = model();
        assert_eq!(update(&mut m, Msg::Shutdown), vec![Command::Quit]);
    }

    #[test]
    fn tab_cycles_focus_and_digits_jump() {
        let mut m = model();
        key(&mut m, KeyCode::Tab);
        assert_eq!(m.focus, Pane::Pipeline);
        key(&mut m, KeyCode::BackTab);
        key(&mut m, KeyCode::BackTab);
        assert_eq!(m.focus, Pane::Tasks);
        key(&mut m, KeyCode::Char('3'));
        assert_eq!(m.focus, Pane::Alerts);
        key(&mut m, KeyCode::Char('1'));
        assert_eq!(m.focus, Pane::Health);
    }

    #[test]
    fn selection_stays_in_bounds() {
        let mut m = model();
        key(&mut m, KeyCode::Up);
        assert_eq!(m.selected, 0);
        for _ in 0..5 {
            key(&mut m, KeyCode::Down);
        }
        assert_eq!(m.selected, 2);
        key(&mut m, KeyCode::Char('g'));
        assert_eq!(m.selected, 0);
        key(&mut m, KeyCode::Char('G'));
        assert_eq!(m.selected, 2);
    }

    #[test]
    fn enter_opens_detail_and_esc_goes_back() {
        let mut m = model();
        key(&mut m, KeyCode::Down);
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.screen, Screen::SourceDetail(1));
        key(&mut m, KeyCode::Down);
        assert_eq!(m.screen, Screen::SourceDetail(2), "arrows walk the sources in detail");
        assert_eq!(key(&mut m, KeyCode::Char('r')), vec![Command::Poll(2)]);
        key(&mut m, KeyCode::Esc);
        assert_eq!(m.screen, Screen::Grid);
        assert_eq!(m.selected, 2);
    }

    #[test]
    fn enter_does_nothing_on_panes_without_items() {
        let mut m = model();
        key(&mut m, KeyCode::Char('2'));
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.screen, Screen::Grid);
    }

    #[test]
    fn zoom_toggles_and_esc_unzooms() {
        let mut m = model();
        key(&mut m, KeyCode::Char('z'));
        assert!(m.zoomed);
        key(&mut m, KeyCode::Esc);
        assert!(!m.zoomed);
    }

    #[test]
    fn help_is_modal() {
        let mut m = model();
        key(&mut m, KeyCode::Char('?'));
        assert!(m.help_open());
        key(&mut m, KeyCode::Tab);
        assert_eq!(m.focus, Pane::Health, "keys under the overlay do nothing");
        assert!(key(&mut m, KeyCode::Char('r')).is_empty());
        key(&mut m, KeyCode::Esc);
        assert!(!m.help_open());
        key(&mut m, KeyCode::Char('?'));
        assert_eq!(key(&mut m, KeyCode::Char('q')), vec![Command::Quit]);
    }

    #[test]
    fn refresh_polls_the_right_sources() {
        let mut m = model();
        key(&mut m, KeyCode::Down);
        assert_eq!(key(&mut m, KeyCode::Char('r')), vec![Command::Poll(1)]);
        assert_eq!(
            key(&mut m, KeyCode::Char('R')),
            vec![Command::Poll(0), Command::Poll(1), Command::Poll(2)]
        );
        // The task pane's sources are the CMS and the CRM.
        key(&mut m, KeyCode::Char('4'));
        assert_eq!(
            key(&mut m, KeyCode::Char('r')),
            vec![Command::Poll(1), Command::Poll(2)]
        );
        // A source that could not start is never polled.
        m.sources[1].broken = Some("env HUBSPOT_TOKEN is not set".into());
        assert_eq!(
            key(&mut m, KeyCode::Char('R')),
            vec![Command::Poll(0), Command::Poll(2)]
        );
    }

    #[test]
    fn failure_keeps_last_good_and_records_error() {
        let mut m = model();
        update(&mut m, polled(0, t(1), HealthStatus::Ok));
        update(&mut m, Msg::PollStarted { source: 0, at: t(30) });
        assert!(m.sources[0].polling_since.is_some());
        update(&mut m, polled(0, t(31), HealthStatus::Down));
        let s = &m.sources[0];
        assert!(s.polling_since.is_none());
        assert_eq!(s.status(m.now), Some(HealthStatus::Down));
        assert_eq!(s.last_good.as_ref().map(|(_, at)| *at), Some(t(1)));
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.error_rate(), Some(0.5));
        assert_eq!(m.overall(), Some(HealthStatus::Down));
    }

    #[test]
    fn no_finished_poll_for_too_long_is_stale() {
        let mut m = model();
        update(&mut m, polled(0, t(0), HealthStatus::Ok));
        update(&mut m, Msg::Tick(t(69)));
        assert_eq!(m.sources[0].status(m.now), Some(HealthStatus::Ok));
        // interval 30 s x 2 + timeout 10 s = 70 s
        update(&mut m, Msg::Tick(t(71)));
        assert_eq!(m.sources[0].status(m.now), Some(HealthStatus::Stale));
        assert!(m.sources[0].reason(m.now).contains("no poll has finished"));
    }

    #[test]
    fn recovery_clears_the_status() {
        let mut m = model();
        update(&mut m, polled(2, t(0), HealthStatus::Auth));
        assert_eq!(m.overall(), Some(HealthStatus::Auth));
        update(&mut m, polled(2, t(30), HealthStatus::Ok));
        assert_eq!(m.overall(), Some(HealthStatus::Ok));
        assert_eq!(m.sources[2].errors.len(), 1, "the error stays in the history");
    }

    #[test]
    fn percentiles_use_good_polls_only() {
        let mut m = model();
        for (i, ms) in [100u64, 200, 300, 400].into_iter().enumerate() {
            let mut p = probe(HealthStatus::Ok);
            p.latency = Duration::from_millis(ms);
            update(
                &mut m,
                Msg::Polled {
                    source: 0,
                    at: t(i as i64),
                    report: Box::new(PollReport::health(p)),
                },
            );
        }
        let mut slow_failure = probe(HealthStatus::Down);
        slow_failure.latency = Duration::from_secs(10);
        update(
            &mut m,
            Msg::Polled {
                source: 0,
                at: t(9),
                report: Box::new(PollReport::health(slow_failure)),
            },
        );
        let s = &m.sources[0];
        assert_eq!(s.latency_percentile(50), Some(Duration::from_millis(200)));
        assert_eq!(s.latency_percentile(95), Some(Duration::from_millis(400)));
        assert_eq!(s.sparkline_ms(), vec![100, 200, 300, 400, 0]);
    }

    #[test]
    fn messages_for_unknown_sources_are_ignored() {
        let mut m = model();
        update(&mut m, polled(9, t(1), HealthStatus::Ok));
        update(&mut m, Msg::Scheduled { source: 9, next: t(5) });
        assert!(m.sources.iter().all(|s| s.last.is_none()));
    }

    mod actions {
        use std::sync::Arc;

        use super::*;
        use crate::actions::{ActionError, Outcome, PlannedAction};
        use crate::app::model::Overlay;
        use crate::http::Method;
        use crate::model::{Campaign, CampaignStatus, EmailData};
        use crate::sources::SourceData;

        fn campaign(id: &str, title: &str, status: CampaignStatus, kind: &str) -> Campaign {
            Campaign {
                id: id.into(),
                web_id: None,
                kind: kind.into(),
                status,
                title: title.into(),
                subject: format!("{title}!"),
                from_name: "Acme".into(),
                list_id: "L1".into(),
                list_name: "Newsletter".into(),
                recipient_count: 100,
                create_time: Some(t(-86_400)),
                send_time: None,
                emails_sent: 0,
                report: None,
            }
        }

        /// mailchimp (source 0) with a draft, a sending campaign and a scheduled one; pipeline focused.
        fn with_campaigns() -> Model {
            let mut m = model();
            let data = EmailData {
                campaigns: vec![
                    campaign("c1", "Black Friday teaser", CampaignStatus::Save, "regular"),
                    campaign("c2", "Weekly digest", CampaignStatus::Sending, "regular"),
                    campaign("c3", "Onboarding day 3", CampaignStatus::Schedule, "regular"),
                ],
                ..EmailData::default()
            };
            m.sources[0].data = Some((SourceData::Email(Arc::new(data)), t(0)));
            key(&mut m, KeyCode::Char('2'));
            m
        }

        fn planned(action: &str, target: &str, irreversible: bool) -> PlannedAction {
            PlannedAction {
                source: "mc".into(),
                action: action.into(),
                target_id: "c1".into(),
                target_name: target.into(),
                method: Method::POST,
                url: "https://us21.api.mailchimp.com/3.0/campaigns/c1/actions/schedule"
                    .parse()
                    .expect("url"),
                body: None,
                auth: "Basic ***".into(),
                irreversible,
                effect: "does it".into(),
            }
        }

        fn typed(m: &mut Model, text: &str) {
            for c in text.chars() {
                key(m, KeyCode::Char(c));
            }
        }

        #[test]
        fn pipeline_rows_are_in_stage_order_and_filterable() {
            let mut m = with_campaigns();
            let titles = |m: &Model| {
                pipeline::rows(m)
                    .iter()
                    .map(|r| r.campaign.id.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(titles(&m), ["c1", "c3", "c2"], "draft, scheduled, sending");
            key(&mut m, KeyCode::Char('/'));
            assert!(m.typing());
            typed(&mut m, "digest");
            assert_eq!(titles(&m), ["c2"]);
            key(&mut m, KeyCode::Enter);
            assert!(!m.pipeline.editing_filter);
            assert_eq!(m.pipeline.filter, "digest", "Enter keeps the filter");
            key(&mut m, KeyCode::Esc);
            assert_eq!(titles(&m).len(), 3, "Esc clears it");
        }

        #[test]
        fn s_cycles_the_sort() {
            let mut m = with_campaigns();
            key(&mut m, KeyCode::Char('s'));
            assert_eq!(m.pipeline.sort, crate::app::model::CampaignSort::SendTime);
            for _ in 0..6 {
                key(&mut m, KeyCode::Char('s'));
            }
            assert_eq!(m.pipeline.sort, crate::app::model::CampaignSort::Stage, "wraps around");
        }

        #[test]
        fn x_lists_actions_with_what_the_state_allows() {
            let mut m = with_campaigns();
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu: {:?}", m.overlay)
            };
            assert_eq!(menu.items[0].target, Some(PlanTarget::Campaign("c1".into())));
            let ready: Vec<&str> = menu
                .items
                .iter()
                .filter(|i| i.availability == Availability::Ready)
                .map(|i| i.spec.name)
                .collect();
            assert_eq!(ready, ["schedule", "test", "replicate"]);
            // A disabled action says why and stays in the menu.
            key(&mut m, KeyCode::Down); // unschedule
            assert!(key(&mut m, KeyCode::Enter).is_empty());
            assert!(matches!(m.overlay, Some(Overlay::ActionMenu(_))));
            assert!(
                m.toast
                    .as_ref()
                    .is_some_and(|t| t.text.contains("only a scheduled campaign"))
            );
        }

        #[test]
        fn read_only_disables_every_action_with_the_reason() {
            let mut m = with_campaigns();
            m.readonly = true;
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert!(
                menu.items
                    .iter()
                    .all(|i| matches!(&i.availability, Availability::Disabled(w) if w.contains("read-only")))
            );
            assert!(key(&mut m, KeyCode::Enter).is_empty(), "nothing is planned");
        }

        #[test]
        fn schedule_asks_for_a_time_then_plans_it() {
            let mut m = with_campaigns();
            key(&mut m, KeyCode::Char('x'));
            key(&mut m, KeyCode::Enter); // schedule
            assert!(matches!(m.overlay, Some(Overlay::TimePrompt(_))));
            typed(&mut m, "nonsense");
            assert!(key(&mut m, KeyCode::Enter).is_empty());
            let Some(Overlay::TimePrompt(p)) = &m.overlay else {
                panic!("prompt closed")
            };
            assert!(p.error.is_some());
            for _ in 0.."nonsense".len() {
                key(&mut m, KeyCode::Backspace);
            }
            typed(&mut m, "+2h");
            let cmds = key(&mut m, KeyCode::Enter);
            let expected_time = crate::actions::time::round_to_quarter_hour(t(7200));
            assert_eq!(
                cmds,
                vec![Command::Plan {
                    source: 0,
                    action: "schedule".into(),
                    target: PlanTarget::Campaign("c1".into()),
                    args: ActionArgs {
                        time: Some(expected_time),
                        ..ActionArgs::default()
                    }
                }]
            );
        }

        #[test]
        fn a_confirmed_action_runs_once_and_refreshes_its_source() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Ok(planned("unschedule", "Onboarding day 3", false)),
                },
            );
            assert!(matches!(m.overlay, Some(Overlay::Confirm(_))));
            let cmds = key(&mut m, KeyCode::Char('y'));
            let [Command::Execute { id, source: 0, .. }] = cmds.as_slice() else {
                panic!("{cmds:?}")
            };
            assert!(m.overlay.is_none());
            assert_eq!(m.running.len(), 1);
            let outcome = Outcome {
                http_status: 204,
                request_id: "r".into(),
                duration: Duration::from_millis(80),
                summary: "unscheduled".into(),
            };
            let cmds = update(
                &mut m,
                Msg::ActionDone {
                    id: *id,
                    at: t(5),
                    result: Ok(outcome),
                },
            );
            assert_eq!(cmds, vec![Command::Poll(0)]);
            assert!(m.running.is_empty() && m.failed.is_empty());
        }

        #[test]
        fn n_cancels_and_nothing_is_sent() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Ok(planned("unschedule", "x", false)),
                },
            );
            assert!(key(&mut m, KeyCode::Char('n')).is_empty());
            assert!(m.overlay.is_none() && m.running.is_empty());
        }

        #[test]
        fn irreversible_actions_need_the_name_typed() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Ok(planned("cancel-send", "Weekly digest", true)),
                },
            );
            assert!(m.typing(), "typed confirmation takes the keyboard");
            assert!(key(&mut m, KeyCode::Char('y')).is_empty(), "y alone does not send");
            assert!(key(&mut m, KeyCode::Enter).is_empty(), "a wrong name does not send");
            for _ in 0..1 {
                key(&mut m, KeyCode::Backspace);
            }
            typed(&mut m, "Weekly digest");
            let cmds = key(&mut m, KeyCode::Enter);
            assert!(matches!(cmds.as_slice(), [Command::Execute { .. }]), "{cmds:?}");
        }

        #[test]
        fn failures_wait_in_the_queue_for_retry_or_discard() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Ok(planned("unschedule", "Onboarding day 3", false)),
                },
            );
            let cmds = key(&mut m, KeyCode::Enter);
            let [Command::Execute { id, .. }] = cmds.as_slice() else {
                panic!("{cmds:?}")
            };
            let error = ActionError {
                http_status: Some(400),
                ..ActionError::refused("This campaign cannot be unscheduled")
            };
            let cmds = update(
                &mut m,
                Msg::ActionDone {
                    id: *id,
                    at: t(5),
                    result: Err(error),
                },
            );
            assert!(
                matches!(cmds.as_slice(), [Command::SaveFailed(_)]),
                "kept for a person, never retried on its own: {cmds:?}"
            );
            assert_eq!(m.failed.len(), 1);
            assert!(m.toast.as_ref().is_some_and(|t| t.error));
            update(&mut m, Msg::FailedSaved { id: *id, stored: 7 });
            assert_eq!(m.failed[0].stored, Some(7));

            key(&mut m, KeyCode::Char('4'));
            key(&mut m, KeyCode::Char('G')); // the failed-actions queue is last
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert_eq!(
                menu.items.iter().map(|i| i.spec.name).collect::<Vec<_>>(),
                ["retry", "discard"]
            );
            key(&mut m, KeyCode::Enter); // retry: confirm again, showing the same request
            let Some(Overlay::Confirm(c)) = &m.overlay else {
                panic!("no confirm")
            };
            assert_eq!(c.planned.action, "unschedule");
            let cmds = key(&mut m, KeyCode::Char('y'));
            assert!(
                matches!(cmds.as_slice(), [Command::ForgetFailed(7), Command::Execute { .. }]),
                "{cmds:?}"
            );
            assert!(m.failed.is_empty(), "a retried action leaves the queue");

            // Fail again, then discard.
            let id = m.running[0].id;
            update(
                &mut m,
                Msg::ActionDone {
                    id,
                    at: t(9),
                    result: Err(ActionError::refused("still no")),
                },
            );
            update(&mut m, Msg::FailedSaved { id, stored: 8 });
            key(&mut m, KeyCode::Char('G'));
            key(&mut m, KeyCode::Char('x'));
            key(&mut m, KeyCode::Down);
            let cmds = key(&mut m, KeyCode::Enter);
            assert_eq!(
                cmds,
                [Command::ForgetFailed(8)],
                "discarding drops it from the store too"
            );
            assert!(m.failed.is_empty());
        }

        #[test]
        fn planning_errors_are_shown_not_swallowed() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Err(ActionError::refused("no test_emails configured")),
                },
            );
            assert!(m.overlay.is_none());
            assert!(
                m.toast
                    .as_ref()
                    .is_some_and(|t| t.error && t.text.contains("test_emails"))
            );
        }

        #[test]
        fn palette_finds_panes_and_actions() {
            let mut m = with_campaigns();
            key(&mut m, KeyCode::Char(':'));
            typed(&mut m, "sched");
            let first = crate::app::palette::matches(&m, "sched")
                .into_iter()
                .next()
                .expect("a match");
            assert!(first.label.starts_with("schedule"), "{}", first.label);
            key(&mut m, KeyCode::Enter);
            assert!(matches!(m.overlay, Some(Overlay::TimePrompt(_))), "{:?}", m.overlay);
            key(&mut m, KeyCode::Esc);
            key(&mut m, KeyCode::Char(':'));
            typed(&mut m, "health");
            key(&mut m, KeyCode::Enter);
            assert_eq!(m.focus, Pane::Health);
        }

        #[test]
        fn enter_opens_the_campaign_and_x_works_there() {
            let mut m = with_campaigns();
            key(&mut m, KeyCode::Down);
            key(&mut m, KeyCode::Enter);
            assert_eq!(
                m.screen,
                Screen::CampaignDetail {
                    source: 0,
                    id: "c3".into()
                }
            );
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert_eq!(menu.items[0].target, Some(PlanTarget::Campaign("c3".into())));
        }

        #[test]
        fn toasts_expire() {
            let mut m = with_campaigns();
            update(
                &mut m,
                Msg::Planned {
                    source: 0,
                    result: Err(ActionError::refused("x")),
                },
            );
            update(&mut m, Msg::Tick(t(3)));
            assert!(m.toast.is_some());
            update(&mut m, Msg::Tick(t(30)));
            assert!(m.toast.is_none());
        }
    }

    mod alert_states {
        use super::*;
        use crate::app::model::Overlay;
        use crate::model::{Alert, AlertId, AlertState, RecordRef, Rule, Severity};

        fn alert(id: &str, severity: Severity) -> Alert {
            Alert {
                id: AlertId(id.into()),
                rule: Rule::DuplicateEmail,
                severity,
                summary: format!("about {id}"),
                records: vec![
                    RecordRef::Contact { id: "1".into() },
                    RecordRef::Contact { id: "2".into() },
                ],
            }
        }

        fn with_alerts() -> Model {
            let mut m = model();
            update(
                &mut m,
                Msg::Alerts {
                    at: t(0),
                    alerts: vec![alert("a", Severity::Critical), alert("b", Severity::Warning)],
                    complete: true,
                },
            );
            key(&mut m, KeyCode::Char('3'));
            m
        }

        #[test]
        fn a_acknowledges_saves_and_toggles_back() {
            let mut m = with_alerts();
            let cmds = key(&mut m, KeyCode::Char('a'));
            assert_eq!(
                cmds,
                vec![Command::SaveAlertState {
                    id: AlertId("a".into()),
                    state: AlertState::Acknowledged { at: t(0) }
                }]
            );
            let order: Vec<&str> = m.alerts.ordered(m.now).iter().map(|a| a.id.0.as_str()).collect();
            assert_eq!(order, ["b", "a"], "acknowledged alerts sink below firing ones");
            // The selection stays on row 0, now "b"; go back to "a" and withdraw.
            key(&mut m, KeyCode::Down);
            assert_eq!(
                key(&mut m, KeyCode::Char('a')),
                vec![Command::ForgetAlertState(AlertId("a".into()))]
            );
            assert_eq!(m.alerts.state(&AlertId("a".into()), m.now), AlertState::Firing);
        }

        #[test]
        fn s_snoozes_for_a_chosen_time_and_the_snooze_runs_out() {
            let mut m = with_alerts();
            key(&mut m, KeyCode::Char('s'));
            assert!(matches!(m.overlay, Some(Overlay::Snooze { .. })), "{:?}", m.overlay);
            key(&mut m, KeyCode::Down); // 4 hours
            let cmds = key(&mut m, KeyCode::Enter);
            let until = t(4 * 3600);
            assert_eq!(
                cmds,
                vec![Command::SaveAlertState {
                    id: AlertId("a".into()),
                    state: AlertState::Snoozed { until }
                }]
            );
            update(&mut m, Msg::Tick(t(4 * 3600 - 1)));
            assert!(matches!(
                m.alerts.state(&AlertId("a".into()), m.now),
                AlertState::Snoozed { .. }
            ));
            update(&mut m, Msg::Tick(t(4 * 3600)));
            assert_eq!(
                m.alerts.state(&AlertId("a".into()), m.now),
                AlertState::Firing,
                "fires again when the snooze ends"
            );
        }

        #[test]
        fn resolved_alerts_leave_and_their_states_are_forgotten() {
            let mut m = with_alerts();
            key(&mut m, KeyCode::Char('a'));
            key(&mut m, KeyCode::Enter); // open "b" (row 0 after a sank)
            assert!(matches!(m.screen, Screen::AlertDetail { .. }));
            let cmds = update(
                &mut m,
                Msg::Alerts {
                    at: t(60),
                    alerts: vec![],
                    complete: true,
                },
            );
            assert_eq!(cmds, vec![Command::ForgetAlertState(AlertId("a".into()))]);
            assert!(m.alerts.firing.is_empty() && m.alerts.states.is_empty());
            assert_eq!(m.screen, Screen::Grid, "the detail of a resolved alert closes");
            assert!(m.toast.as_ref().is_some_and(|t| t.text.contains("resolved")));
        }

        #[test]
        fn a_partial_pass_forgets_no_acknowledgement() {
            let mut m = with_alerts();
            key(&mut m, KeyCode::Char('a'));
            // Say the pass ran before the email platform's first data: alert
            // "a" is missing from it, yet nobody fixed anything.
            let cmds = update(
                &mut m,
                Msg::Alerts {
                    at: t(60),
                    alerts: vec![alert("b", Severity::Warning)],
                    complete: false,
                },
            );
            assert!(cmds.is_empty(), "{cmds:?}");
            assert!(m.alerts.states.contains_key(&AlertId("a".into())));
        }

        #[test]
        fn identity_keeps_the_state_across_evaluations() {
            let mut m = with_alerts();
            key(&mut m, KeyCode::Char('a'));
            let cmds = update(
                &mut m,
                Msg::Alerts {
                    at: t(60),
                    alerts: vec![alert("b", Severity::Warning), alert("a", Severity::Critical)],
                    complete: true,
                },
            );
            assert!(cmds.is_empty(), "nothing resolved");
            assert!(matches!(
                m.alerts.state(&AlertId("a".into()), m.now),
                AlertState::Acknowledged { .. }
            ));
        }

        #[test]
        fn y_copies_and_o_needs_a_known_portal() {
            let mut m = with_alerts();
            assert_eq!(key(&mut m, KeyCode::Char('y')), vec![Command::Copy("1".into())]);
            assert!(key(&mut m, KeyCode::Char('o')).is_empty());
            assert!(
                m.toast
                    .as_ref()
                    .is_some_and(|t| t.error && t.text.contains("portal id"))
            );
        }

        #[test]
        fn detail_walks_the_records() {
            let mut m = with_alerts();
            key(&mut m, KeyCode::Enter);
            key(&mut m, KeyCode::Down);
            assert_eq!(m.alerts.record, 1);
            key(&mut m, KeyCode::Down);
            assert_eq!(m.alerts.record, 1, "stays on the last record");
            assert_eq!(key(&mut m, KeyCode::Char('y')), vec![Command::Copy("2".into())]);
        }
    }

    mod alert_actions {
        use std::sync::Arc;

        use super::*;
        use crate::app::model::Overlay;
        use crate::model::{Alert, AlertId, Contact, CrmData, Owner, RecordRef, Rule, Severity};
        use crate::sources::SourceData;

        fn contact(id: &str, modified: i64) -> Contact {
            Contact {
                id: id.into(),
                email: Some("ann@x.example".into()),
                firstname: Some("Ann".into()),
                modified: Some(t(modified)),
                ..Contact::default()
            }
        }

        /// hs (source 1) holds two duplicates; contact 2 is the newer.
        fn with_duplicates() -> Model {
            let mut m = model();
            let crm = CrmData {
                contacts: [contact("1", -100), contact("2", -10)]
                    .into_iter()
                    .map(|c| (c.id.clone(), c))
                    .collect(),
                owners: vec![Owner {
                    id: "7".into(),
                    first_name: Some("Bo".into()),
                    ..Owner::default()
                }],
                ..CrmData::default()
            };
            m.sources[1].data = Some((SourceData::Crm(Arc::new(crm)), t(0)));
            let alert = Alert {
                id: AlertId("duplicate_email:ann@x.example".into()),
                rule: Rule::DuplicateEmail,
                severity: Severity::Warning,
                summary: "2 contacts share ann@x.example".into(),
                records: vec![
                    RecordRef::Contact { id: "1".into() },
                    RecordRef::Contact { id: "2".into() },
                ],
            };
            update(
                &mut m,
                Msg::Alerts {
                    at: t(0),
                    alerts: vec![alert],
                    complete: true,
                },
            );
            key(&mut m, KeyCode::Char('3'));
            key(&mut m, KeyCode::Enter);
            m
        }

        #[test]
        fn merge_keeps_the_most_recently_modified_contact() {
            let mut m = with_duplicates();
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu: {:?}", m.overlay)
            };
            let merge = menu
                .items
                .iter()
                .find(|i| i.spec.name == "merge")
                .expect("merge offered");
            assert_eq!(
                merge.target,
                Some(PlanTarget::Merge {
                    primary: "2".into(),
                    secondary: "1".into()
                })
            );
            assert!(merge.spec.irreversible);
            let names: Vec<&str> = menu.items.iter().map(|i| i.spec.name).collect();
            assert_eq!(names, ["merge", "assign-owner", "set-lifecycle-stage", "opt-out"]);
            // Selecting the keeper itself still merges the other one into it.
            key(&mut m, KeyCode::Esc);
            key(&mut m, KeyCode::Down);
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert_eq!(
                menu.items[0].target,
                Some(PlanTarget::Merge {
                    primary: "2".into(),
                    secondary: "1".into()
                })
            );
        }

        #[test]
        fn assign_owner_picks_from_the_crms_owners() {
            let mut m = with_duplicates();
            key(&mut m, KeyCode::Char('x'));
            key(&mut m, KeyCode::Down); // assign-owner
            key(&mut m, KeyCode::Enter);
            let Some(Overlay::Picker(p)) = &m.overlay else {
                panic!("no picker: {:?}", m.overlay)
            };
            assert_eq!(p.options, vec![("7".to_string(), "Bo".to_string())]);
            let cmds = key(&mut m, KeyCode::Enter);
            assert_eq!(
                cmds,
                vec![Command::Plan {
                    source: 1,
                    action: "assign-owner".into(),
                    target: PlanTarget::Contact("1".into()),
                    args: ActionArgs {
                        owner_id: Some("7".into()),
                        ..ActionArgs::default()
                    },
                }]
            );
        }

        #[test]
        fn read_only_disables_the_fixes_too() {
            let mut m = with_duplicates();
            m.readonly = true;
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert!(
                menu.items
                    .iter()
                    .all(|i| matches!(&i.availability, Availability::Disabled(w) if w.contains("read-only")))
            );
        }
    }

    mod batches {
        use std::sync::Arc;

        use super::*;
        use crate::actions::{ActionError, Outcome, PlannedAction};
        use crate::app::model::Overlay;
        use crate::http::Method;
        use crate::model::{Alert, AlertId, Contact, CrmData, Owner, RecordRef, Rule, Severity};
        use crate::sources::SourceData;

        /// hs (source 1): three unowned contacts, two owners in round_robin (one by email).
        fn unowned() -> Model {
            let mut m = model();
            let contacts = ["1", "2", "3"].map(|id| Contact {
                id: id.into(),
                ..Contact::default()
            });
            let crm = CrmData {
                contacts: contacts.into_iter().map(|c| (c.id.clone(), c)).collect(),
                owners: vec![
                    Owner {
                        id: "7".into(),
                        email: Some("bo@acme.example".into()),
                        ..Owner::default()
                    },
                    Owner {
                        id: "8".into(),
                        ..Owner::default()
                    },
                ],
                ..CrmData::default()
            };
            m.sources[1].data = Some((SourceData::Crm(Arc::new(crm)), t(0)));
            m.sources[1].round_robin = vec!["BO@acme.example".into(), "8".into()];
            let alert = Alert {
                id: AlertId("missing_owner".into()),
                rule: Rule::MissingOwner,
                severity: Severity::Warning,
                summary: "3 contacts have no owner".into(),
                records: ["1", "2", "3"].map(|id| RecordRef::Contact { id: id.into() }).to_vec(),
            };
            update(
                &mut m,
                Msg::Alerts {
                    at: t(0),
                    alerts: vec![alert],
                    complete: true,
                },
            );
            key(&mut m, KeyCode::Char('3'));
            m
        }

        fn planned(id: &str) -> PlannedAction {
            PlannedAction {
                source: "hs".into(),
                action: "assign-owner".into(),
                target_id: id.into(),
                target_name: format!("contact {id}"),
                method: Method::PATCH,
                url: format!("https://api.hubapi.com/crm/v3/objects/contacts/{id}")
                    .parse()
                    .expect("url"),
                body: Some(serde_json::json!({"properties": {"hubspot_owner_id": "7"}})),
                auth: "Bearer ***".into(),
                irreversible: false,
                effect: "assigns".into(),
            }
        }

        #[test]
        fn round_robin_rotates_over_the_configured_owners() {
            let mut m = unowned();
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu: {:?}", m.overlay)
            };
            assert_eq!(menu.items[0].spec.name, "assign-round-robin");
            let cmds = key(&mut m, KeyCode::Enter);
            let [
                Command::PlanBatch {
                    source: 1,
                    action,
                    items,
                    ..
                },
            ] = cmds.as_slice()
            else {
                panic!("{cmds:?}")
            };
            assert_eq!(action, "assign-owner");
            let owners: Vec<&str> = items.iter().map(|(_, a)| a.owner_id.as_deref().unwrap_or("")).collect();
            assert_eq!(
                owners,
                ["7", "8", "7"],
                "the email resolves to its owner id; owners take turns"
            );
        }

        #[test]
        fn an_unknown_round_robin_owner_disables_it_with_the_reason() {
            let mut m = unowned();
            m.sources[1].round_robin = vec!["nobody@acme.example".into()];
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert!(
                matches!(&menu.items[0].availability, Availability::Disabled(w) if w.contains("nobody@acme.example"))
            );
        }

        #[test]
        fn a_batch_is_confirmed_sent_counted_and_cancellable() {
            let mut m = unowned();
            let result = Ok(vec![planned("1"), planned("2"), planned("3")]);
            update(
                &mut m,
                Msg::BatchPlanned {
                    source: 1,
                    summary: "Assigns 3".into(),
                    result,
                },
            );
            assert!(matches!(m.overlay, Some(Overlay::ConfirmBatch(_))));
            let cmds = key(&mut m, KeyCode::Char('y'));
            let [Command::ExecuteBatch { id, source: 1, planned }] = cmds.as_slice() else {
                panic!("{cmds:?}")
            };
            assert_eq!(planned.len(), 3);
            let id = *id;
            let ok = Outcome {
                http_status: 200,
                request_id: "r".into(),
                duration: Duration::from_millis(5),
                summary: "ok".into(),
            };
            update(
                &mut m,
                Msg::BatchProgress {
                    id,
                    at: t(1),
                    planned: Box::new(planned[0].clone()),
                    result: Ok(ok),
                },
            );
            let err = ActionError::refused("VALIDATION_ERROR");
            update(
                &mut m,
                Msg::BatchProgress {
                    id,
                    at: t(2),
                    planned: Box::new(planned[1].clone()),
                    result: Err(err),
                },
            );
            assert_eq!((m.batches[0].done, m.batches[0].failed), (2, 1));
            assert_eq!(m.failed.len(), 1, "a failed record waits for a person");

            key(&mut m, KeyCode::Char('4'));
            key(&mut m, KeyCode::Char('x'));
            let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
                panic!("no menu")
            };
            assert_eq!(menu.items[0].spec.name, "cancel-batch");
            assert_eq!(key(&mut m, KeyCode::Enter), vec![Command::CancelBatch(id)]);
            assert!(m.batches[0].cancelling);

            let cmds = update(&mut m, Msg::BatchDone { id, cancelled: true });
            assert_eq!(cmds, vec![Command::Poll(1)]);
            assert!(m.batches.is_empty());
            assert!(
                m.toast
                    .as_ref()
                    .is_some_and(|t| t.text.contains("cancelled after 2 of 3"))
            );
        }
    }
}
