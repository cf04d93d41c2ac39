//! Drawing: `view` is a pure function of the model.

pub mod alert;
pub mod campaign;
pub mod detail;
pub mod help;
pub mod layout;
pub mod overlays;
pub mod panes;
pub mod queued;
pub mod theme;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Model, Pane, Screen};
use theme::Theme;

/// Below this the cockpit says so instead of drawing a mangled screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::for_model(model);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, &theme);
        return;
    }
    let [header, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(area);

    widgets::header(model, frame, header, &theme);
    match &model.screen {
        Screen::SourceDetail(i) => detail::render(model, *i, frame, body, &theme),
        Screen::CampaignDetail { source, id } => campaign::render(model, *source, id, frame, body, &theme),
        Screen::AlertDetail { id } => alert::render(model, id, frame, body, &theme),
        Screen::PostDetail { source, id } => queued::render_post(model, *source, *id, frame, body, &theme),
        Screen::TaskDetail { source, id } => queued::render_task(model, *source, id, frame, body, &theme),
        Screen::FailedDetail { id } => queued::render_failed(model, *id, frame, body, &theme),
        Screen::Grid if model.zoomed => panes::render(model, model.focus, frame, body, &theme),
        Screen::Grid => {
            for (pane, rect) in Pane::ALL.iter().zip(layout::grid(body)) {
                panes::render(model, *pane, frame, rect, &theme);
            }
        }
    }
    widgets::status_bar(model, frame, status, &theme);
    overlays::render(model, frame, body, &theme);
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = vec![
        Line::from(Span::styled("Terminal too small", theme.warn)),
        Line::from(format!(
            "{}x{} here, mops needs {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        )),
        Line::from("Enlarge the window, or press q to quit"),
    ];
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    let rect = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), rect);
}
