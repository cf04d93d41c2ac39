//! A batch of 500 contact updates against the sandbox's HubSpot, one audited
//! action at a time through the executor: the client's limiter keeps it under
//! HubSpot's ten-second limit, so not one request draws a 429.

mod common;

use mops::actions::{ActionArgs, AuditLog, Executor, Target};
use mops::http::HttpCore;
use mops::sources::SourceData;

#[tokio::test]
async fn five_hundred_updates_never_draw_a_429() {
    let stack = common::sandbox_stack(3, None, Vec::new()).await;
    let core = HttpCore::new(false).expect("core");
    let connector = stack.connector(&core, "hubspot");
    let dir = tempfile::tempdir().expect("tempdir");

    let report = connector.poll().await;
    let Some(SourceData::Crm(crm)) = report.data else {
        panic!("no CRM data: {:?}", report.probe)
    };
    let owner = crm.owners.iter().find(|o| !o.archived).expect("an owner").id.clone();
    let args = ActionArgs {
        owner_id: Some(owner.clone()),
        ..ActionArgs::default()
    };
    let planned: Vec<_> = crm
        .contacts
        .values()
        .filter(|c| c.owner_id.as_deref() != Some(owner.as_str()))
        .take(500)
        .map(|c| connector.plan("assign-owner", Target::Contact(c), &args).expect("plan"))
        .collect();
    assert_eq!(planned.len(), 500);

    let audit = AuditLog::open(dir.path().join("audit.jsonl")).expect("audit log");
    let executor = Executor::new(audit, false);
    for p in &planned {
        let outcome = executor.run(connector.as_ref(), p).await;
        let outcome = outcome.unwrap_or_else(|e| panic!("{} failed: {e:?}", p.target_id));
        assert!(outcome.http_status < 300, "{outcome:?}");
    }
    let lines = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
    assert_eq!(lines.lines().count(), 1000, "an attempt and an outcome per record");
    assert!(!lines.contains("\"http_status\":429"));
    stack.sandbox.shutdown().await;
}
