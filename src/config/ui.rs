//! `[ui]` (theme, colours) and `[keys]` (keybinding overrides).

use crate::app::keymap::Keymap;
use crate::ui::theme::{ColorMode, ThemeName};

/// `[ui]` and `[keys]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiConfig {
    /// `theme = "light"`.
    pub theme: ThemeName,
    /// `colors = "16"`.
    pub colors: ColorMode,
    /// The default keys with `[keys]` applied.
    pub keymap: Keymap,
}
