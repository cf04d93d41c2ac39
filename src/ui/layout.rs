//! Geometry helpers.

use ratatui::layout::{Constraint, Layout, Rect};

/// The 2x2 grid, in pane order: top-left, top-right, bottom-left, bottom-right.
pub fn grid(area: Rect) -> [Rect; 4] {
    let [top, bottom] = Layout::vertical([Constraint::Percentage(50); 2]).areas(area);
    let [a, b] = Layout::horizontal([Constraint::Percentage(50); 2]).areas(top);
    let [c, d] = Layout::horizontal([Constraint::Percentage(50); 2]).areas(bottom);
    [a, b, c, d]
}

/// A rectangle of at most `width` x `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
