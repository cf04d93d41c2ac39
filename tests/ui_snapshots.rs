//! The screen as a user sees it, drawn into a test backend at the two sizes
//! that matter: a plain 80x24 SSH terminal and a roomy 160x48 one.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mops::app::{Model, Msg, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn draw(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| mops::ui::view(model, f)).expect("draw");
    terminal.backend().to_string()
}

fn press(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn all_healthy() {
    let model = common::healthy_model();
    insta::assert_snapshot!("healthy_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("healthy_160x48", draw(&model, 160, 48));
}

#[test]
fn one_source_down_keeps_its_stale_figures() {
    let mut model = common::hubspot_down_model();
    press(&mut model, KeyCode::Down); // select hubspot: its reason shows under the table
    let small = draw(&model, 80, 24);
    assert!(small.contains("DOWN"), "{small}");
    assert!(small.contains("HTTP 503"), "{small}");
    insta::assert_snapshot!("hubspot_down_80x24", small);
    insta::assert_snapshot!("hubspot_down_160x48", draw(&model, 160, 48));
}

#[test]
fn detail_view_lists_recent_errors() {
    let mut model = common::hubspot_down_model();
    press(&mut model, KeyCode::Down);
    press(&mut model, KeyCode::Enter);
    let big = draw(&model, 160, 48);
    assert!(big.contains("INTERNAL_ERROR"), "{big}");
    assert!(big.contains("9f3c2a7e"), "{big}");
    insta::assert_snapshot!("detail_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("detail_160x48", big);
}

#[test]
fn help_overlay() {
    let mut model = common::healthy_model();
    press(&mut model, KeyCode::Char('?'));
    let small = draw(&model, 80, 24);
    for key in ["Tab", "Shift-Tab", "Enter", "Esc", "zoom", "refresh"] {
        assert!(small.contains(key), "help at 80x24 lacks {key}:\n{small}");
    }
    insta::assert_snapshot!("help_80x24", small);
    insta::assert_snapshot!("help_160x48", draw(&model, 160, 48));
}

#[test]
fn zoomed_health_pane_shows_every_column() {
    let mut model = common::healthy_model();
    press(&mut model, KeyCode::Char('z'));
    let small = draw(&model, 80, 24);
    assert!(!small.contains("Campaign pipeline"), "{small}");
    let big = draw(&model, 160, 48);
    for col in ["p50", "p95", "Latency", "Err%", "Limit", "Last ok", "Next", "Circuit"] {
        assert!(big.contains(col), "zoomed 160x48 lacks {col}:\n{big}");
    }
    insta::assert_snapshot!("zoomed_160x48", big);
}

#[test]
fn too_small_says_so() {
    let model = common::healthy_model();
    let screen = draw(&model, 50, 12);
    assert!(screen.contains("Terminal too small"), "{screen}");
    assert!(screen.contains("50x12"), "{screen}");
}

#[test]
fn readonly_badge_and_empty_panes() {
    let mut model = Model::new("empty", true, Vec::new(), common::t0());
    model.banner = None;
    let screen = draw(&model, 80, 24);
    assert!(screen.contains("READ-ONLY"), "{screen}");
    assert!(screen.contains("No sources configured"), "{screen}");
    assert!(screen.contains("No email platform connected yet"), "{screen}");
    assert!(screen.contains("No task source connected yet"), "{screen}");
}

#[test]
fn no_color_means_no_colour_but_the_same_words() {
    use ratatui::style::Color;
    let mut model = common::hubspot_down_model();
    let coloured = draw(&model, 160, 48);
    model.color = false;
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    terminal.draw(|f| mops::ui::view(&model, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let painted = buffer
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(painted, 0, "cells with a colour under NO_COLOR");
    assert_eq!(
        terminal.backend().to_string(),
        coloured,
        "the text must not depend on colour"
    );
}

mod pipeline {
    use super::*;
    use mops::actions::PlannedAction;
    use mops::http::Method;

    #[test]
    fn pane_with_every_stage_and_flags() {
        let model = common::pipeline_model();
        let small = draw(&model, 80, 24);
        assert!(small.contains("draft 1"), "{small}");
        insta::assert_snapshot!("pipeline_80x24", small);
        let big = draw(&model, 160, 48);
        for expected in ["7.3%!", "1.3%!", "+375%", "-40%", "Black Friday early", "churn"] {
            assert!(big.contains(expected), "160x48 lacks {expected}:\n{big}");
        }
        insta::assert_snapshot!("pipeline_160x48", big);
    }

    #[test]
    fn zoomed_pipeline() {
        let mut model = common::pipeline_model();
        press(&mut model, KeyCode::Char('z'));
        insta::assert_snapshot!("pipeline_zoomed_160x48", draw(&model, 160, 48));
    }

    #[test]
    fn campaign_detail_with_report_and_actions() {
        let mut model = common::pipeline_model();
        // Sort by bounce rate: the over-threshold campaign comes first.
        for _ in 0..3 {
            press(&mut model, KeyCode::Char('s'));
        }
        press(&mut model, KeyCode::Enter);
        let big = draw(&model, 160, 48);
        assert!(big.contains("Black Friday early access"), "{big}");
        assert!(big.contains("over the 2.0% threshold"), "{big}");
        assert!(big.contains("replicate"), "{big}");
        insta::assert_snapshot!("campaign_detail_80x24", draw(&model, 80, 24));
        insta::assert_snapshot!("campaign_detail_160x48", big);
    }

    #[test]
    fn action_menu() {
        let mut model = common::pipeline_model();
        press(&mut model, KeyCode::Char('x'));
        let small = draw(&model, 80, 24);
        assert!(small.contains("schedule"), "{small}");
        insta::assert_snapshot!("action_menu_80x24", small);
    }

    fn schedule_plan() -> PlannedAction {
        PlannedAction {
            source: "mailchimp".into(),
            action: "schedule".into(),
            target_id: "d1".into(),
            target_name: "Cyber Monday teaser".into(),
            method: Method::POST,
            url: "https://us21.api.mailchimp.com/3.0/campaigns/d1/actions/schedule"
                .parse()
                .expect("url"),
            body: Some(serde_json::json!({"schedule_time": "2026-11-23T09:00:00Z", "timewarp": false})),
            auth: "Basic ***".into(),
            irreversible: false,
            effect: "Schedules 'Cyber Monday teaser' for Mon 23 Nov 09:00 UTC (in 16h 50m)".into(),
        }
    }

    #[test]
    fn confirm_popup_shows_the_exact_request() {
        let mut model = common::pipeline_model();
        update(
            &mut model,
            mops::app::Msg::Planned {
                source: 0,
                result: Ok(schedule_plan()),
            },
        );
        let small = draw(&model, 80, 24);
        for expected in [
            "POST https://us21.api.mailchimp.com/3.0/campaigns/d1/actions/schedule",
            "Basic ***",
            "\"timewarp\": false",
        ] {
            assert!(small.contains(expected), "80x24 confirm lacks {expected}:\n{small}");
        }
        insta::assert_snapshot!("confirm_80x24", small);
        insta::assert_snapshot!("confirm_160x48", draw(&model, 160, 48));
    }

    #[test]
    fn irreversible_confirm_asks_for_the_name() {
        let mut model = common::pipeline_model();
        let mut plan = schedule_plan();
        plan.action = "cancel-send".into();
        plan.irreversible = true;
        plan.body = None;
        update(
            &mut model,
            mops::app::Msg::Planned {
                source: 0,
                result: Ok(plan),
            },
        );
        let small = draw(&model, 80, 24);
        assert!(small.contains("cannot be undone"), "{small}");
        assert!(small.contains("Type the name to confirm"), "{small}");
        insta::assert_snapshot!("confirm_irreversible_80x24", small);
    }
}

mod alerts {
    use super::*;

    #[test]
    fn pane_lists_alerts_worst_first_with_counts_and_states() {
        let model = common::alerts_model();
        let small = draw(&model, 80, 24);
        assert!(small.contains("critical 1"), "{small}");
        insta::assert_snapshot!("alerts_80x24", small);
        let big = draw(&model, 160, 48);
        for expected in ["consent mismatch", "duplicate contacts (email)", "acked", "2/3 firing"] {
            assert!(big.contains(expected), "160x48 lacks {expected}:\n{big}");
        }
        insta::assert_snapshot!("alerts_160x48", big);
    }

    #[test]
    fn drill_down_shows_the_crm_record_beside_the_member() {
        let mut model = common::alerts_model();
        press(&mut model, KeyCode::Enter); // the critical consent mismatch comes first
        let big = draw(&model, 160, 48);
        for expected in [
            "CRM: hubspot",
            "Email: mailchimp",
            "p0@example.com",
            "unsubscribed",
            "Opted out",
        ] {
            assert!(big.contains(expected), "drill-down lacks {expected}:\n{big}");
        }
        insta::assert_snapshot!("alert_detail_80x24", draw(&model, 80, 24));
        insta::assert_snapshot!("alert_detail_160x48", big);
    }
}

mod task_queues {
    use super::*;

    #[test]
    fn every_queue_with_its_count_at_both_sizes() {
        let mut model = common::tasks_model();
        press(&mut model, KeyCode::Char('4'));
        let small = draw(&model, 80, 24);
        assert!(small.contains("missed schedule (1)"), "{small}");
        assert!(small.contains("1 missed · 2 overdu"), "{small}");
        insta::assert_snapshot!("tasks_80x24", small);
        press(&mut model, KeyCode::Char('z'));
        let big = draw(&model, 160, 48);
        for text in [
            "Content: missed schedule (1)",
            "Content: pending review (2)",
            "Content: scheduled (2)",
            "Content: stale drafts (1)",
            "CRM tasks: overdue (2)",
            "CRM tasks: due today (1)",
            "CRM tasks: open by owner (3)",
            "Failed actions (1)",
            "3h late",
            "Black Friday teaser",
            "Ann Lee",
            "2d late",
            "Dana Kim",
            "unowned",
            "HTTP 429",
        ] {
            assert!(big.contains(text), "zoomed 160x48 lacks {text:?}:\n{big}");
        }
        insta::assert_snapshot!("tasks_zoomed_160x48", big);
        let small = draw(&model, 80, 24);
        insta::assert_snapshot!("tasks_zoomed_80x24", small);
    }

    #[test]
    fn a_post_a_task_and_a_failed_action_in_detail() {
        let mut model = common::tasks_model();
        press(&mut model, KeyCode::Char('4'));
        press(&mut model, KeyCode::Down);
        press(&mut model, KeyCode::Enter);
        let post = draw(&model, 80, 24);
        assert!(post.contains("MISSED SCHEDULE: 3h late"), "{post}");
        assert!(post.contains("wp-admin/post.php?post=101&action=edit"), "{post}");
        insta::assert_snapshot!("post_detail_80x24", post);
        insta::assert_snapshot!("post_detail_160x48", draw(&model, 160, 48));

        press(&mut model, KeyCode::Esc);
        model.tasks.filter = "globex".into();
        model.tasks.selected = 0;
        // Down to the task (the filter leaves the matching items only).
        let rows = mops::app::tasks::rows(&model);
        model.tasks.selected = rows
            .iter()
            .position(|r| matches!(r, mops::app::tasks::Row::Item { item, .. } if item.title.contains("Globex about")))
            .expect("the task row");
        press(&mut model, KeyCode::Enter);
        let task = draw(&model, 160, 48);
        assert!(task.contains("OVERDUE by 2d"), "{task}");
        assert!(task.contains("Ask about the renewal terms."), "{task}");
        insta::assert_snapshot!("task_detail_160x48", task);

        press(&mut model, KeyCode::Esc);
        model.tasks.filter.clear();
        press(&mut model, KeyCode::Char('G'));
        press(&mut model, KeyCode::Enter);
        let failed = draw(&model, 160, 48);
        for text in [
            "RATE_LIMITS",
            "PATCH https://api.hubapi.com/crm/v3/objects/tasks/9010",
            "Bearer ***",
            "mops act --retry 3",
        ] {
            assert!(failed.contains(text), "failed detail lacks {text:?}:\n{failed}");
        }
        insta::assert_snapshot!("failed_detail_160x48", failed);
        insta::assert_snapshot!("failed_detail_80x24", draw(&model, 80, 24));
    }
}

#[test]
fn a_failing_source_keeps_its_queues_and_says_they_are_stale() {
    let mut model = common::tasks_model();
    let now = model.now;
    let mut p = common::probe(mops::model::HealthStatus::Down, 3_000, "HTTP 503 Service Unavailable");
    p.http_status = Some(503);
    model.sources[1].record(p, now + jiff::SignedDuration::from_secs(240));
    model.now = now + jiff::SignedDuration::from_secs(241);
    press(&mut model, KeyCode::Char('4'));
    press(&mut model, KeyCode::Char('z'));
    let screen = draw(&model, 160, 48);
    assert!(
        screen.contains("CRM tasks: overdue (2)  data from 4m ago, hubspot DOWN"),
        "the last good tasks stay, marked stale:\n{screen}"
    );
    assert!(screen.contains("Call back Globex about renewal"), "{screen}");
    // At 80x24 the in-pane note may be cut; the title still says it.
    press(&mut model, KeyCode::Char('z'));
    let small = draw(&model, 80, 24);
    assert!(small.contains("4 Task queues ━ stale: DOWN"), "{small}");
}
