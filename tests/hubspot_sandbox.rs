//! The HubSpot connector, built from the config the sandbox writes, against
//! the sandbox: data arrives whole, a second poll syncs through the search
//! API, and actions planned from polled data are accepted and show up in the
//! next poll. The sandbox holds 20,000 contacts: the first full read takes
//! about 25 s at the free tier's 100 requests / 10 s, which the limiter keeps.

mod common;

use mops::actions::{ActionArgs, Target};
use mops::http::HttpCore;
use mops::model::{CrmData, HealthStatus};
use mops::sources::{self, PollReport, SourceData};

fn crm(report: PollReport) -> std::sync::Arc<CrmData> {
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    match report.data {
        Some(SourceData::Crm(d)) => d,
        other => panic!("no CRM data: {other:?}"),
    }
}

#[tokio::test]
async fn polls_the_sandbox_and_acts_on_what_it_found() {
    let stack = common::sandbox_stack(7, None, Vec::new()).await;
    let cfg = &stack.config;
    let source = cfg.source("hubspot").expect("hubspot source");
    let hs = sources::build(&HttpCore::new(false).expect("client"), source).expect("connector");

    let first = crm(hs.poll().await);
    assert!(first.contacts.len() > 1, "contacts");
    assert!(!first.owners.is_empty(), "owners");
    assert!(!first.pipelines.is_empty(), "pipelines");
    assert!(
        first.deals.iter().any(|d| !d.contact_ids.is_empty()),
        "deals carry their contacts"
    );

    let second = crm(hs.poll().await);
    assert_eq!(second.contacts, first.contacts, "nothing changed, nothing lost");

    // Opt a marketable contact out; the incremental sync sees it.
    let marketable = first
        .contacts
        .values()
        .find(|c| c.email_optout != Some(true))
        .expect("a marketable contact");
    let planned = hs
        .plan("opt-out", Target::Contact(marketable), &ActionArgs::default())
        .expect("opt-out");
    hs.execute(&planned, "sandbox-opt-out").await.expect("opted out");
    let third = crm(hs.poll().await);
    assert_eq!(third.contacts[&marketable.id].email_optout, Some(true));

    // Merge two contacts: the merged-away one is gone at once.
    let mut ids = third.contacts.keys();
    let (a, b) = (ids.next().expect("one"), ids.next().expect("two"));
    let (primary, secondary) = (&third.contacts[a], &third.contacts[b]);
    let planned = hs
        .plan("merge", Target::Merge { primary, secondary }, &ActionArgs::default())
        .expect("merge");
    hs.execute(&planned, "sandbox-merge").await.expect("merged");
    let fourth = crm(hs.poll().await);
    assert!(!fourth.contacts.contains_key(b), "merged-away contact {b} still listed");
    assert!(fourth.contacts.contains_key(a));
}
