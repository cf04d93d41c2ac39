//! The cockpit: a pure state machine (`Model`, `Msg`, `update`) and the
//! runtime that feeds it input, poll results and clock ticks.

pub mod alerts;
pub mod backend;
pub mod headless;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod palette;
pub mod pipeline;
pub mod runtime;
pub mod source_state;
pub mod tasks;
pub mod terminal;
pub mod update;

pub use keymap::{Binding, UserAction, bindings};
pub use model::{Model, Pane, Screen};
pub use msg::{Command, Msg};
pub use source_state::{ErrorRecord, Sample, SourceState};
pub use update::update;
