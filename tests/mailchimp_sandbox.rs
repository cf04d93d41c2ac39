//! The Mailchimp connector, built from the config the sandbox writes, against
//! the sandbox: data arrives whole, a second poll syncs incrementally, and an
//! action planned from polled data is accepted.

mod common;

use mops::actions::{ActionArgs, Target};
use mops::http::HttpCore;
use mops::model::{CampaignStatus, HealthStatus};
use mops::sources::{self, SourceData};

#[tokio::test]
async fn polls_the_sandbox_and_acts_on_what_it_found() {
    let stack = common::sandbox_stack(7, None, Vec::new()).await;
    let cfg = &stack.config;
    let source = cfg.source("mailchimp").expect("mailchimp source");
    let mc = sources::build(&HttpCore::new(false).expect("client"), source).expect("connector");

    let first = mc.poll().await;
    assert_eq!(first.probe.status, HealthStatus::Ok, "{:?}", first.probe);
    let Some(SourceData::Email(data)) = first.data else {
        panic!("no data: {:?}", first.probe);
    };
    assert!(!data.campaigns.is_empty(), "campaigns");
    assert!(!data.audiences.is_empty(), "audiences");
    let members: usize = data.members.values().map(|m| m.len()).sum();
    assert!(members > 0, "members");
    assert!(
        data.campaigns
            .iter()
            .filter(|c| c.status == CampaignStatus::Sent)
            .all(|c| c.report.is_some()),
        "every sent campaign has its report"
    );

    let second = mc.poll().await;
    assert_eq!(second.probe.status, HealthStatus::Ok, "{:?}", second.probe);
    let Some(SourceData::Email(again)) = second.data else {
        panic!("no data on the second poll: {:?}", second.probe);
    };
    assert_eq!(again.members, data.members, "nothing changed, nothing lost");

    let c = data
        .campaigns
        .iter()
        .find(|c| c.status == CampaignStatus::Sent)
        .expect("a sent campaign");
    let planned = mc
        .plan("replicate", Target::Campaign(c), &ActionArgs::default())
        .expect("replicate is always available");
    let outcome = mc.execute(&planned, "sandbox-req-1").await.expect("replicated");
    assert_eq!(outcome.request_id, "sandbox-req-1");
    assert!(outcome.summary.starts_with("replicated as "), "{}", outcome.summary);
    stack.sandbox.shutdown().await;
}
