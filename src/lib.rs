//! mops: a terminal cockpit for marketing-operations engineers.

pub mod actions;
pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod http;
pub mod model;
pub mod notify;
pub mod quality;
pub mod report;
pub mod sandbox;
pub mod serve;
pub mod snapshot;
pub mod sources;
pub mod store;
pub mod ui;
