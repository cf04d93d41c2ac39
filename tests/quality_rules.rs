//! Every data-quality rule on small hand-built data, with its edge cases.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use mops::config::{QualityConfig, Thresholds};
use mops::model::{
    Alert, Campaign, CampaignReport, CampaignStatus, Contact, CrmData, Deal, EmailData, Member, MemberStatus,
    RecordRef, Rule, Severity,
};
use mops::quality::{Engine, default_severity, evaluate};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn now() -> Timestamp {
    ts("2026-11-22T12:00:00Z")
}

/// A tidy contact: valid email, lifecycle, owner, recently modified.
fn contact(id: &str, email: &str) -> Contact {
    Contact {
        id: id.into(),
        email: Some(email.into()),
        firstname: None,
        lastname: None,
        company: None,
        lifecyclestage: Some("lead".into()),
        owner_id: Some("o1".into()),
        created: Some(ts("2026-01-01T00:00:00Z")),
        modified: Some(ts("2026-11-01T00:00:00Z")),
        email_optout: Some(false),
    }
}

fn crm(contacts: impl IntoIterator<Item = Contact>) -> CrmData {
    CrmData {
        contacts: contacts.into_iter().map(|c| (c.id.clone(), c)).collect(),
        ..CrmData::default()
    }
}

fn member(hash: &str, email: &str, status: MemberStatus) -> Member {
    Member {
        id: hash.into(),
        email: email.into(),
        status,
        last_changed: ts("2026-10-01T00:00:00Z"),
    }
}

fn audiences(lists: &[(&str, Vec<Member>)]) -> EmailData {
    EmailData {
        members: lists
            .iter()
            .map(|(id, ms)| (id.to_string(), ms.iter().map(|m| (m.id.clone(), m.clone())).collect()))
            .collect(),
        ..EmailData::default()
    }
}

fn run(crm: Option<&CrmData>, email: Option<&EmailData>) -> Vec<Alert> {
    evaluate(&QualityConfig::default(), &Thresholds::default(), crm, email, now())
}

fn of(alerts: &[Alert], rule: Rule) -> Vec<&Alert> {
    alerts.iter().filter(|a| a.rule == rule).collect()
}

fn ids(alerts: &[&Alert]) -> Vec<String> {
    alerts.iter().map(|a| a.id.0.clone()).collect()
}

fn c(id: &str) -> RecordRef {
    RecordRef::Contact { id: id.into() }
}

fn m(list: &str, hash: &str) -> RecordRef {
    RecordRef::Member {
        list_id: list.into(),
        hash: hash.into(),
    }
}

#[test]
fn clean_data_raises_nothing() {
    let data = crm([contact("1", "ann@example.com"), contact("2", "bob@example.com")]);
    assert_eq!(run(Some(&data), None), Vec::<Alert>::new());
    assert_eq!(run(None, None), Vec::<Alert>::new());
}

#[test]
fn invalid_emails_are_one_alert_listing_every_contact_in_id_order() {
    let data = crm([
        contact("30", "not-an-email"),
        contact("4", "ann@@example.com"),
        contact("2", "  Ann@Example.com  "), // whitespace and case are folded, not invalid
        contact("5", "élodie@café.fr"),      // unicode is fine
        contact("6", "ann lee@example.com"),
        Contact {
            email: None,
            ..contact("7", "")
        }, // no email is not an invalid email
        contact("8", "   "),
    ]);
    let alerts = run(Some(&data), None);
    let invalid = of(&alerts, Rule::InvalidEmail);
    assert_eq!(ids(&invalid), ["invalid_email"]);
    assert_eq!(invalid[0].records, [c("30"), c("4"), c("6")], "sorted by id as strings");
    assert_eq!(invalid[0].severity, Severity::Warning);
    assert!(invalid[0].summary.starts_with("3 contacts"), "{}", invalid[0].summary);
}

#[test]
fn duplicate_emails_group_on_case_whitespace_and_unicode_folding() {
    let data = crm([
        contact("1", "ann@example.com"),
        contact("2", " ANN@example.COM"),
        contact("3", "ann+news@example.com"), // plus-addressing is not the same identity
        contact("4", "ÉLODIE@café.fr"),
        contact("5", "élodie@CAFÉ.fr"),
        contact("6", "bob@example.com"),
    ]);
    let alerts = run(Some(&data), None);
    let dups = of(&alerts, Rule::DuplicateEmail);
    assert_eq!(
        ids(&dups),
        ["duplicate_email:ann@example.com", "duplicate_email:élodie@café.fr"]
    );
    assert_eq!(dups[0].records, [c("1"), c("2")]);
    assert_eq!(dups[0].summary, "2 contacts share ann@example.com");
    assert_eq!(dups[1].records, [c("4"), c("5")]);
}

#[test]
fn plus_addressing_is_reported_per_base_never_merged() {
    let data = crm([
        contact("1", "ann@example.com"),
        contact("2", "Ann+News@example.com"),
        contact("3", "ann+shop@example.com"),
        contact("4", "bob+x@example.com"), // alone: a normal address
        contact("5", "cy+a@example.com"),
        contact("6", "cy+b@example.com"), // two tags without the bare address still pair
        contact("7", "+tag@example.com"),
    ]);
    let alerts = run(Some(&data), None);
    let plus = of(&alerts, Rule::PlusAddressing);
    assert_eq!(
        ids(&plus),
        ["plus_addressing:ann@example.com", "plus_addressing:cy@example.com"]
    );
    assert_eq!(plus[0].records, [c("1"), c("2"), c("3")]);
    assert_eq!(plus[0].severity, Severity::Info);
    assert!(of(&alerts, Rule::DuplicateEmail).is_empty(), "never the same identity");
}

#[test]
fn same_name_and_company_with_different_emails_is_a_duplicate() {
    let named = |id: &str, email: Option<&str>, first: &str, last: &str, company: Option<&str>| Contact {
        firstname: Some(first.into()),
        lastname: Some(last.into()),
        company: company.map(Into::into),
        email: email.map(Into::into),
        ..contact(id, "")
    };
    let data = crm([
        named("1", Some("ann@acme.com"), "Ann", "Lee", Some("Acme")),
        named("2", Some("ann.lee@gmail.com"), " ann ", "LEE", Some("acme")),
        named("3", None, "Ann", "Lee", Some("ACME")),
        // Same email both: that is the email rule's alert, not this one.
        named("4", Some("bo@x.com"), "Bo", "Li", Some("Initech")),
        named("5", Some("BO@x.com"), "Bo", "Li", Some("Initech")),
        // Missing company: too weak to call a duplicate.
        named("6", Some("cy@x.com"), "Cy", "Wu", None),
        named("7", Some("cy2@x.com"), "Cy", "Wu", None),
        named("8", Some("di@x.com"), "Di", "Ng", Some("")),
        named("9", Some("di2@x.com"), "Di", "Ng", Some("")),
    ]);
    let alerts = run(Some(&data), None);
    let names = of(&alerts, Rule::DuplicateNameCompany);
    assert_eq!(ids(&names), ["duplicate_name_company:ann|lee|acme"]);
    assert_eq!(names[0].records, [c("1"), c("2"), c("3")]);
    assert_eq!(ids(&of(&alerts, Rule::DuplicateEmail)), ["duplicate_email:bo@x.com"]);
}

#[test]
fn missing_lifecycle_and_owner_count_blank_as_missing() {
    let data = crm([
        Contact {
            lifecyclestage: None,
            ..contact("1", "a@x.com")
        },
        Contact {
            lifecyclestage: Some("   ".into()),
            owner_id: Some(String::new()),
            ..contact("2", "b@x.com")
        },
        Contact {
            owner_id: None,
            ..contact("3", "c@x.com")
        },
        contact("4", "d@x.com"),
    ]);
    let alerts = run(Some(&data), None);
    let lifecycle = of(&alerts, Rule::MissingLifecycleStage);
    assert_eq!(ids(&lifecycle), ["missing_lifecycle_stage"]);
    assert_eq!(lifecycle[0].records, [c("1"), c("2")]);
    let owner = of(&alerts, Rule::MissingOwner);
    assert_eq!(owner[0].records, [c("2"), c("3")]);
    assert_eq!(owner[0].summary, "2 contacts without an owner");
}

#[test]
fn stale_records_use_modified_else_created_and_the_configured_age() {
    let data = crm([
        Contact {
            modified: Some(ts("2026-01-01T00:00:00Z")),
            ..contact("old", "a@x.com")
        },
        Contact {
            modified: None,
            created: Some(ts("2025-01-01T00:00:00Z")),
            ..contact("created-only", "b@x.com")
        },
        Contact {
            modified: None,
            created: None,
            ..contact("unknown", "c@x.com")
        },
        contact("fresh", "d@x.com"),
    ]);
    let half_year = QualityConfig {
        stale_after: Duration::from_secs(180 * 86_400),
        ..QualityConfig::default()
    };
    let alerts = evaluate(&half_year, &Thresholds::default(), Some(&data), None, now());
    let stale = of(&alerts, Rule::StaleRecord);
    assert_eq!(stale[0].records, [c("created-only"), c("old")]);
    assert_eq!(stale[0].summary, "2 contacts not modified for 180 days");

    // A longer age spares the January edit; exactly at the cutoff is not stale.
    let config = QualityConfig {
        stale_after: Duration::from_secs(325 * 86_400),
        ..QualityConfig::default()
    };
    let at_cutoff = ts("2026-01-01T12:00:00Z"); // now - 325 days
    let data = crm([Contact {
        modified: Some(at_cutoff),
        ..contact("edge", "a@x.com")
    }]);
    let alerts = evaluate(&config, &Thresholds::default(), Some(&data), None, now());
    assert!(of(&alerts, Rule::StaleRecord).is_empty(), "{alerts:?}");
    let later = now().checked_add(jiff::SignedDuration::from_secs(1)).expect("time");
    let alerts = evaluate(&config, &Thresholds::default(), Some(&data), None, later);
    assert_eq!(of(&alerts, Rule::StaleRecord)[0].records, [c("edge")]);
}

#[test]
fn consent_mismatch_joins_on_normalised_email_and_treats_absent_optout_as_marketable() {
    let data = crm([
        Contact {
            email_optout: None,
            ..contact("1", "Ann@Example.com")
        },
        Contact {
            email_optout: Some(false),
            ..contact("2", "bob@example.com")
        },
        Contact {
            email_optout: Some(true),
            ..contact("3", "cy@example.com")
        },
        contact("4", "di@example.com"),
        contact("5", "ed@example.com"),
    ]);
    let email = audiences(&[
        (
            "L1",
            vec![
                member("h1", " ann@EXAMPLE.com", MemberStatus::Unsubscribed),
                member("h2", "bob@example.com", MemberStatus::Cleaned),
                member("h3", "cy@example.com", MemberStatus::Unsubscribed), // opted out in the CRM too
                member("h4", "di+news@example.com", MemberStatus::Unsubscribed), // another address
                member("h5", "ed@example.com", MemberStatus::Subscribed),
            ],
        ),
        ("L2", vec![member("h1", "ann@example.com", MemberStatus::Cleaned)]),
    ]);
    let alerts = run(Some(&data), Some(&email));
    let consent = of(&alerts, Rule::ConsentMismatch);
    assert_eq!(
        ids(&consent),
        ["consent_mismatch:ann@example.com", "consent_mismatch:bob@example.com"]
    );
    assert_eq!(consent[0].severity, Severity::Critical);
    assert_eq!(consent[0].records, [c("1"), m("L1", "h1"), m("L2", "h1")]);
    assert_eq!(
        consent[0].summary,
        "ann@example.com is unsubscribed in 1 and cleaned in 1 audience but marketable in the CRM"
    );
    assert_eq!(consent[1].records, [c("2"), m("L1", "h2")]);
    // Without the email platform there is nothing to compare.
    assert!(of(&run(Some(&data), None), Rule::ConsentMismatch).is_empty());
}

#[test]
fn bounced_still_active_needs_a_cleaned_member_and_an_active_contact() {
    let data = crm([
        contact("1", "ann@example.com"),
        Contact {
            lifecyclestage: Some("other".into()),
            ..contact("2", "bob@example.com")
        },
        Contact {
            email_optout: Some(true),
            ..contact("3", "cy@example.com")
        },
        Contact {
            lifecyclestage: None,
            email_optout: None,
            ..contact("4", "di@example.com")
        },
        contact("5", "ed@example.com"),
    ]);
    let email = audiences(&[(
        "L1",
        vec![
            member("h1", "ann@example.com", MemberStatus::Cleaned),
            member("h2", "bob@example.com", MemberStatus::Cleaned),
            member("h3", "cy@example.com", MemberStatus::Cleaned),
            member("h4", "di@example.com", MemberStatus::Cleaned),
            member("h5", "ed@example.com", MemberStatus::Unsubscribed), // not a bounce
        ],
    )]);
    let alerts = run(Some(&data), Some(&email));
    let bounced = of(&alerts, Rule::BouncedStillActive);
    assert_eq!(
        ids(&bounced),
        [
            "bounced_still_active:ann@example.com",
            "bounced_still_active:di@example.com"
        ]
    );
    assert_eq!(bounced[0].records, [c("1"), m("L1", "h1")]);
    // Parked in `other` is not active, but it is still marketable: a consent problem.
    assert!(ids(&of(&alerts, Rule::ConsentMismatch)).contains(&"consent_mismatch:bob@example.com".to_string()));
}

fn campaign(id: &str, status: CampaignStatus, report: Option<CampaignReport>) -> Campaign {
    Campaign {
        id: id.into(),
        web_id: None,
        kind: "regular".into(),
        status,
        title: format!("Campaign {id}"),
        subject: String::new(),
        from_name: String::new(),
        list_id: "L1".into(),
        list_name: String::new(),
        recipient_count: 0,
        create_time: None,
        send_time: None,
        emails_sent: report.as_ref().map_or(0, |r| r.emails_sent),
        report,
    }
}

fn report(sent: u64, bounces: u64, unsubscribed: u64) -> Option<CampaignReport> {
    Some(CampaignReport {
        emails_sent: sent,
        hard_bounces: bounces,
        unsubscribed,
        ..CampaignReport::default()
    })
}

#[test]
fn campaigns_over_thresholds_need_sends_and_a_sent_status() {
    let email = EmailData {
        campaigns: vec![
            campaign("bad", CampaignStatus::Sent, report(1_000, 31, 6)), // 3.1% bounces, 0.6% unsubs
            campaign("edge", CampaignStatus::Sent, report(1_000, 20, 5)), // exactly at both thresholds
            campaign("zero", CampaignStatus::Sent, report(0, 5, 5)),     // no sends, no rate
            campaign("sending", CampaignStatus::Sending, report(1_000, 500, 500)),
            campaign("noreport", CampaignStatus::Sent, None),
        ],
        ..EmailData::default()
    };
    let alerts = run(None, Some(&email));
    assert_eq!(
        ids(&alerts.iter().collect::<Vec<_>>()),
        ["campaign_bounce_rate:bad", "campaign_unsubscribe_rate:bad"],
        "critical bounce alert first"
    );
    assert_eq!(alerts[0].records, [RecordRef::Campaign { id: "bad".into() }]);
    assert_eq!(
        alerts[0].summary,
        "Campaign bad: bounce rate 3.1% over 2.0% (31 of 1000 sent)"
    );
    // Thresholds come from the config.
    let strict = Thresholds {
        bounce_rate: 0.01,
        ..Thresholds::default()
    };
    let alerts = evaluate(&QualityConfig::default(), &strict, None, Some(&email), now());
    assert_eq!(of(&alerts, Rule::CampaignOverBounceThreshold).len(), 2);
}

#[test]
fn deals_without_contacts_are_one_alert_each() {
    let mut data = crm([contact("1", "ann@example.com")]);
    data.deals = vec![
        Deal {
            id: "d3".into(),
            name: Some("Renewal".into()),
            contact_ids: vec![],
            ..Deal::default()
        },
        Deal {
            id: "d1".into(),
            contact_ids: vec!["1".into(), "gone".into()],
            ..Deal::default()
        },
        Deal {
            id: "d2".into(),
            contact_ids: vec!["gone".into()],
            ..Deal::default()
        },
    ];
    let alerts = run(Some(&data), None);
    let deals = of(&alerts, Rule::DealWithoutContact);
    assert_eq!(ids(&deals), ["deal_without_contact:d2", "deal_without_contact:d3"]);
    assert_eq!(deals[1].summary, "deal Renewal has no contact");
    assert_eq!(deals[1].records, [RecordRef::Deal { id: "d3".into() }]);
}

/// A little of everything, for the config and ordering tests.
fn messy() -> (CrmData, EmailData) {
    let mut data = crm([
        contact("1", "ann@example.com"),
        contact("2", "ANN@example.com"),
        Contact {
            owner_id: None,
            ..contact("3", "bad@@x")
        },
        contact("4", "bob@example.com"),
    ]);
    data.deals = vec![Deal {
        id: "d1".into(),
        ..Deal::default()
    }];
    let mut email = audiences(&[("L1", vec![member("h4", "bob@example.com", MemberStatus::Cleaned)])]);
    email.campaigns = vec![campaign("c1", CampaignStatus::Sent, report(100, 10, 0))];
    (data, email)
}

#[test]
fn alerts_are_sorted_by_severity_then_rule_then_id() {
    let (data, email) = messy();
    let alerts = run(Some(&data), Some(&email));
    let order: Vec<(Severity, Rule)> = alerts.iter().map(|a| (a.severity, a.rule)).collect();
    assert_eq!(
        order,
        [
            (Severity::Critical, Rule::ConsentMismatch),
            (Severity::Critical, Rule::CampaignOverBounceThreshold),
            (Severity::Warning, Rule::InvalidEmail),
            (Severity::Warning, Rule::DuplicateEmail),
            (Severity::Warning, Rule::MissingOwner),
            (Severity::Warning, Rule::BouncedStillActive),
            (Severity::Warning, Rule::DealWithoutContact),
        ]
    );
    for rule in Rule::ALL {
        for a in of(&alerts, rule) {
            assert_eq!(a.severity, default_severity(rule));
        }
    }
}

#[test]
fn rules_switch_off_and_severities_follow_the_config() {
    let (data, email) = messy();
    let mut config = QualityConfig::default();
    config
        .disabled
        .extend([Rule::ConsentMismatch, Rule::InvalidEmail, Rule::DealWithoutContact]);
    config.severity.insert(Rule::MissingOwner, Severity::Critical);
    config
        .severity
        .insert(Rule::CampaignOverBounceThreshold, Severity::Info);
    let mut engine = Engine::new(config, Thresholds::default());
    assert!(!engine.enabled(Rule::ConsentMismatch) && engine.enabled(Rule::DuplicateEmail));
    assert_eq!(engine.severity(Rule::MissingOwner), Severity::Critical);
    let alerts = engine.evaluate(Some(&data), Some(&email), now());
    let order: Vec<(Severity, Rule)> = alerts.iter().map(|a| (a.severity, a.rule)).collect();
    assert_eq!(
        order,
        [
            (Severity::Critical, Rule::MissingOwner),
            (Severity::Warning, Rule::DuplicateEmail),
            (Severity::Warning, Rule::BouncedStillActive),
            (Severity::Info, Rule::CampaignOverBounceThreshold),
        ]
    );
    // Switched off stays off after a change too.
    let mut changed = data.clone();
    changed.contacts.insert("9".into(), contact("9", "also bad"));
    let again = engine.evaluate(Some(&changed), Some(&email), now());
    assert!(of(&again, Rule::InvalidEmail).is_empty());
}

#[test]
fn identity_and_order_are_stable_across_polls_and_input_order() {
    let (data, email) = messy();
    let first = run(Some(&data), Some(&email));
    let mut engine = Engine::new(QualityConfig::default(), Thresholds::default());
    assert_eq!(engine.evaluate(Some(&data), Some(&email), now()), first);
    assert_eq!(
        engine.evaluate(Some(&data), Some(&email), now()),
        first,
        "a re-poll changes nothing"
    );

    // The same data arriving in another order: deals and campaigns reversed,
    // maps rebuilt from reversed insertion.
    let mut shuffled = data.clone();
    shuffled.deals.push(Deal {
        id: "d0".into(),
        ..Deal::default()
    });
    let mut original = data.clone();
    original.deals.insert(0, shuffled.deals[1].clone());
    shuffled.deals.reverse();
    shuffled.contacts = data.contacts.clone().into_iter().rev().collect::<BTreeMap<_, _>>();
    let mut email_shuffled = email.clone();
    email_shuffled
        .campaigns
        .insert(0, campaign("c0", CampaignStatus::Sent, report(10, 5, 5)));
    let mut email_original = email.clone();
    email_original.campaigns.push(email_shuffled.campaigns[0].clone());
    assert_eq!(
        run(Some(&shuffled), Some(&email_shuffled)),
        run(Some(&original), Some(&email_original))
    );
}
