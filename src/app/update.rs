//! `update`: the only place the model changes. No I/O, no clock reads.

use super::keymap::{UserAction, action_for};
use super::model::{Model, Pane, Screen};
use super::msg::{Command, Msg};

pub fn update(model: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => match action_for(key) {
            Some(action) => apply(model, action),
            None => Vec::new(),
        },
        Msg::Resize(w, h) => {
            model.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            model.now = now;
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
                s.record(report.probe, at);
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
        Msg::Shutdown => quit(model),
    }
}

fn quit(model: &mut Model) -> Vec<Command> {
    model.quitting = true;
    vec![Command::Quit]
}

fn apply(model: &mut Model, action: UserAction) -> Vec<Command> {
    // The help overlay is modal: it only closes or quits.
    if model.help {
        match action {
            UserAction::Quit => return quit(model),
            UserAction::Help | UserAction::Back => model.help = false,
            _ => {}
        }
        return Vec::new();
    }
    match action {
        UserAction::Quit => return quit(model),
        UserAction::Help => model.help = true,
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
        UserAction::Open => {
            if model.screen == Screen::Grid && model.focus == Pane::Health && model.selected < model.sources.len() {
                model.screen = Screen::SourceDetail(model.selected);
            }
        }
        UserAction::Zoom => {
            if model.screen == Screen::Grid {
                model.zoomed = !model.zoomed;
            }
        }
        UserAction::Refresh => return refresh_focused(model),
        UserAction::RefreshAll => return poll_all(model, |_| true),
    }
    Vec::new()
}

fn back(model: &mut Model) {
    if let Screen::SourceDetail(_) = model.screen {
        model.screen = Screen::Grid;
    } else if model.zoomed {
        model.zoomed = false;
    }
}

fn focus(model: &mut Model, pane: Pane) {
    model.screen = Screen::Grid;
    model.focus = pane;
}

/// Move the health selection; in a detail view, move to the neighbouring source.
fn select(model: &mut Model, step: impl Fn(usize, usize) -> usize) {
    let len = model.sources.len();
    if len == 0 {
        return;
    }
    match model.screen {
        Screen::SourceDetail(i) => {
            let j = step(i, len);
            model.selected = j;
            model.screen = Screen::SourceDetail(j);
        }
        Screen::Grid if model.focus == Pane::Health => model.selected = step(model.selected, len),
        Screen::Grid => {}
    }
}

fn refresh_focused(model: &Model) -> Vec<Command> {
    match model.screen {
        Screen::SourceDetail(i) => poll_all(model, |j| j == i),
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
        assert!(m.help);
        key(&mut m, KeyCode::Tab);
        assert_eq!(m.focus, Pane::Health, "keys under the overlay do nothing");
        assert!(key(&mut m, KeyCode::Char('r')).is_empty());
        key(&mut m, KeyCode::Esc);
        assert!(!m.help);
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
}
