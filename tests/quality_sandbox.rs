//! The rules find every problem planted in the sandbox: the real connectors
//! poll the sandbox's HubSpot and Mailchimp, the engine evaluates, and each
//! rule's findings match the documented planted counts exactly.

mod common;

use std::collections::BTreeMap;

use mops::http::HttpCore;
use mops::model::{Alert, Rule};
use mops::quality::Engine;
use mops::sandbox;
use mops::sources::SourceData;

async fn alerts() -> Vec<Alert> {
    let stack = common::sandbox_stack(5, None, Vec::new()).await;
    let cfg = &stack.config;
    let core = HttpCore::new(false).expect("core");
    let poll = |name: &str| {
        let connector = stack.connector(&core, name);
        async move { connector.poll().await }
    };
    let (crm, email) = (poll("hubspot").await, poll("mailchimp").await);
    let Some(SourceData::Crm(crm)) = crm.data else {
        panic!("no CRM data: {:?}", crm.probe)
    };
    let Some(SourceData::Email(email)) = email.data else {
        panic!("no email data: {:?}", email.probe)
    };
    let mut engine = Engine::new(cfg.quality.clone(), cfg.pipeline.thresholds);
    let alerts = engine.evaluate(Some(&crm), Some(&email), jiff::Timestamp::now());
    stack.sandbox.shutdown().await;
    alerts
}

/// (alerts, records) per rule.
fn tally(alerts: &[Alert]) -> BTreeMap<Rule, (usize, usize)> {
    let mut out = BTreeMap::new();
    for a in alerts {
        let e = out.entry(a.rule).or_insert((0, 0));
        e.0 += 1;
        e.1 += a.records.len();
    }
    out
}

#[tokio::test]
async fn every_planted_problem_is_found() {
    let p = sandbox::hubspot_planted();
    let t = tally(&alerts().await);
    let alerts_of = |rule| t.get(&rule).map_or(0, |(a, _)| *a);
    let records_of = |rule| t.get(&rule).map_or(0, |(_, r)| *r);

    // One alert per duplicate group: exact copies and case/whitespace variants.
    assert_eq!(
        alerts_of(Rule::DuplicateEmail),
        p.exact_duplicate_pairs + p.case_whitespace_pairs,
        "{t:?}"
    );
    assert_eq!(
        records_of(Rule::DuplicateEmail),
        2 * (p.exact_duplicate_pairs + p.case_whitespace_pairs)
    );
    assert_eq!(alerts_of(Rule::PlusAddressing), p.plus_address_pairs, "{t:?}");
    // Hygiene rules are one alert each, listing every affected record.
    assert_eq!(records_of(Rule::InvalidEmail), 4 * p.invalid_emails, "{t:?}");
    assert_eq!(records_of(Rule::MissingOwner), p.unowned_leads, "{t:?}");
    assert_eq!(records_of(Rule::MissingLifecycleStage), p.missing_lifecycle, "{t:?}");
    assert_eq!(records_of(Rule::StaleRecord), p.stale, "{t:?}");
    // Consent: everyone unsubscribed or cleaned in Mailchimp but marketable in HubSpot.
    assert_eq!(
        alerts_of(Rule::ConsentMismatch),
        p.unsubscribed_still_marketable + p.cleaned_still_active,
        "{t:?}"
    );
    assert_eq!(alerts_of(Rule::BouncedStillActive), p.cleaned_still_active, "{t:?}");
    assert_eq!(alerts_of(Rule::DealWithoutContact), p.deals_without_contacts, "{t:?}");
    // The Mailchimp sandbox plants one campaign over each threshold.
    assert_eq!(alerts_of(Rule::CampaignOverBounceThreshold), 1, "{t:?}");
    assert_eq!(alerts_of(Rule::CampaignOverUnsubscribeThreshold), 1, "{t:?}");
    // Same name and company: the planted pairs, plus the plus-addressed
    // pairs (the same person under two addresses).
    assert!(alerts_of(Rule::DuplicateNameCompany) >= p.name_company_pairs, "{t:?}");
}
