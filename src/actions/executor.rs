//! The one path by which a planned action reaches a vendor: the read-only
//! gate, an audited attempt, exactly one send, an audited outcome.

use std::sync::Arc;
use std::time::Instant;

use super::audit::AuditLog;
use super::{ActionError, Outcome, PlannedAction};
use crate::http::{Method, redact_url};
use crate::sources::Connector;

/// Sends planned actions. Cheap to clone: clones share one audit log.
#[derive(Debug, Clone)]
pub struct Executor {
    audit: Arc<AuditLog>,
    readonly: bool,
}

impl Executor {
    pub fn new(audit: AuditLog, readonly: bool) -> Self {
        Executor {
            audit: Arc::new(audit),
            readonly,
        }
    }

    /// Read-only mode: every action that is not a GET is refused unsent.
    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Runs `planned` through `connector`: refused (and audited as refused)
    /// in read-only mode; otherwise an "attempt" record is synced to the
    /// audit log, the request is sent once and never retried, and its
    /// outcome is audited. If the attempt cannot be recorded nothing is sent:
    /// an unaudited write must not happen.
    pub async fn run(&self, connector: &dyn Connector, planned: &PlannedAction) -> Result<Outcome, ActionError> {
        if self.readonly && planned.method != Method::GET {
            let reason = format!(
                "read-only mode: {} {} not sent",
                planned.method,
                redact_url(&planned.url)
            );
            if let Err(e) = self.audit.refused(planned, &reason) {
                // Nothing was sent, so the refusal stands; the log says why it is missing.
                tracing::warn!(error = %e, "could not audit a read-only refusal");
            }
            return Err(ActionError::refused(reason));
        }

        let request_id = uuid::Uuid::new_v4().to_string();
        if let Err(e) = self.audit.attempt(planned, &request_id) {
            tracing::error!(error = %e, action = %planned.action, "not sent: audit log unwritable");
            return Err(ActionError::refused(format!(
                "not sent: the attempt could not be recorded in the audit log ({e})"
            )));
        }

        let started = Instant::now();
        tracing::info!(
            source = %planned.source,
            action = %planned.action,
            target = %planned.target_id,
            request_id = %request_id,
            "sending action"
        );
        let mut result = connector.execute(planned, &request_id).await;
        let elapsed = started.elapsed();

        if let Err(e) = self.audit.outcome(planned, &request_id, &result, elapsed) {
            // The request has gone; it cannot be unsent. Say the record is
            // missing wherever the result is shown.
            tracing::error!(error = %e, request_id = %request_id, "outcome not audited");
            let note = format!(" (the outcome could not be recorded in the audit log: {e})");
            match &mut result {
                Ok(outcome) => outcome.summary.push_str(&note),
                Err(error) => error.message.push_str(&note),
            }
        }
        match &result {
            Ok(outcome) => tracing::info!(request_id = %request_id, status = outcome.http_status, "action done"),
            Err(error) => {
                tracing::warn!(request_id = %request_id, status = ?error.http_status, error = %error, "action failed")
            }
        }
        result
    }
}
