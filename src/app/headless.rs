//! One poll of every source without a screen: the model `mops snapshot`
//! and `mops report` describe, built by the same `update` the cockpit runs.

use jiff::Timestamp;

use super::backend::{QualityInput, build_sources, load_kept, new_model, record_poll};
use super::{Model, Msg, update};
use crate::config::Config;
use crate::http::HttpCore;
use crate::quality::Engine;
use crate::sources::{DataScope, PollReport};
use crate::store::StateStore;

/// Polls every configured source once in `scope` (read-only: the HTTP
/// layer refuses anything but reads), evaluates the data-quality rules over
/// what came back (not for `DataScope::Health`, which reads no data) and
/// returns the model, with the alert states and failed actions kept in
/// `store`; every poll is added to the store's history. A source that
/// fails is in the model as failed, with its reason, like in the cockpit;
/// only a client that cannot be built is an error.
pub async fn poll_once(cfg: &Config, store: Option<&dyn StateStore>, scope: DataScope<'_>) -> eyre::Result<Model> {
    let core = HttpCore::new(true)?;
    let (states, connectors) = build_sources(cfg, &core);
    let mut model = new_model(cfg, true, states);
    if let Some(store) = store {
        load_kept(&mut model, store);
    }
    let polls = connectors.iter().enumerate().filter_map(|(i, c)| {
        let c = c.clone()?;
        Some(async move { (i, c.poll_scope(scope).await) })
    });
    let reports: Vec<(usize, PollReport)> = futures::future::join_all(polls).await;
    // One pass, one time: every source is as of the end of the slowest poll,
    // so a fast source is not reported STALE for waiting on a slow one.
    let at = Timestamp::now();
    for (source, report) in reports {
        if let (Some(store), Some(state)) = (store, model.sources.get(source)) {
            record_poll(store, &state.name, at, &report);
        }
        update(
            &mut model,
            Msg::Polled {
                source,
                at,
                report: Box::new(report),
            },
        );
    }
    if scope == DataScope::Health {
        return Ok(model);
    }
    let input = QualityInput::of(&model);
    let mut engine = Engine::new(cfg.quality.clone(), cfg.pipeline.thresholds);
    let now = at;
    let complete = input.complete;
    // A million contacts is real work: off the async threads.
    let alerts =
        tokio::task::spawn_blocking(move || engine.evaluate(input.crm.as_deref(), input.email.as_deref(), now))
            .await
            .map_err(|e| eyre::eyre!("the data-quality rules failed: {e}"))?;
    update(
        &mut model,
        Msg::Alerts {
            at: now,
            alerts,
            complete,
        },
    );
    Ok(model)
}
