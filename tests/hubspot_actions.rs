//! HubSpot contact actions and Mailchimp's member unsubscribe against
//! wiremock on 127.0.0.1: the exact request each sends, read-only mode
//! sending nothing, HubSpot's errors, and a merge forgetting the merged-away
//! contact.

use std::time::Duration;

use mops::actions::{ActionArgs, Availability, Target};
use mops::http::{HttpCore, Policy};
use mops::model::{Contact, Member, MemberStatus, SourceKind};
use mops::sources::{self, Connector, Hubspot, Mailchimp, SourceData};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{basic_auth, bearer_token, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
const KEY: &str = "0123456789abcdef0123456789abcdef-us14";
const REQUEST_ID: &str = "act-5e1d";

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::default()
    }
}

fn hubspot(server: &MockServer, readonly: bool) -> Hubspot {
    let client = HttpCore::new(readonly).unwrap().source("crm", policy());
    let base = Url::parse(&server.uri()).unwrap();
    Hubspot::new("crm", client, &base, SecretString::from(TOKEN), Duration::from_secs(5))
        .unwrap()
        .with_search_gap(Duration::from_millis(1))
}

fn mailchimp(server: &MockServer, readonly: bool) -> Mailchimp {
    let client = HttpCore::new(readonly).unwrap().source("email", Policy::mailchimp());
    let base = Url::parse(&format!("{}/3.0", server.uri())).unwrap();
    Mailchimp::new("email", client, &base, SecretString::from(KEY), Duration::from_secs(5)).unwrap()
}

fn contact(id: &str) -> Contact {
    Contact {
        id: id.into(),
        email: Some(format!("c{id}@acme.example")),
        firstname: Some("Ann".into()),
        lastname: Some(format!("Lee{id}")),
        lifecyclestage: Some("lead".into()),
        owner_id: Some("77".into()),
        email_optout: Some(false),
        ..Contact::default()
    }
}

fn args(owner: Option<&str>, stage: Option<&str>) -> ActionArgs {
    ActionArgs {
        owner_id: owner.map(str::to_owned),
        lifecycle_stage: stage.map(str::to_owned),
        ..ActionArgs::default()
    }
}

async fn expect_once(server: &MockServer, verb: &str, p: &str, body: Value, answer: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .and(bearer_token(TOKEN))
        .and(header("x-request-id", REQUEST_ID))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(answer)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn every_contact_action_sends_its_exact_request() {
    let (a, b) = (contact("101"), contact("102"));
    let merge = Target::Merge {
        primary: &a,
        secondary: &b,
    };
    let cases: Vec<(&str, Target<'_>, ActionArgs, &str, &str, Value, &str)> = vec![
        (
            "merge",
            merge,
            ActionArgs::default(),
            "POST",
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": "101", "objectIdToMerge": "102"}),
            "merged contact 102 away; contact 101 remains",
        ),
        (
            "assign-owner",
            Target::Contact(&a),
            args(Some("78"), None),
            "PATCH",
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"hubspot_owner_id": "78"}}),
            "owner set to 78",
        ),
        (
            "set-lifecycle-stage",
            Target::Contact(&a),
            args(None, Some("marketingqualifiedlead")),
            "PATCH",
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"lifecyclestage": "marketingqualifiedlead"}}),
            "lifecycle stage set to marketingqualifiedlead",
        ),
        (
            "opt-out",
            Target::Contact(&a),
            ActionArgs::default(),
            "PATCH",
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"hs_email_optout": "true"}}),
            "opted out of marketing email",
        ),
    ];
    for (action, target, args, verb, p, body, summary) in cases {
        let server = MockServer::start().await;
        let answer = ResponseTemplate::new(200).set_body_json(json!({"id": "101", "properties": {}}));
        expect_once(&server, verb, p, body.clone(), answer).await;
        let hs = hubspot(&server, false);
        assert_eq!(
            sources::availability(SourceKind::Hubspot, action, target),
            Availability::Ready
        );
        let planned = hs.plan(action, target, &args).expect(action);
        assert_eq!(
            (planned.method.as_str(), planned.body.clone()),
            (verb, Some(body)),
            "{action}"
        );
        assert_eq!(planned.auth, "Bearer ***");
        assert_eq!(planned.irreversible, action == "merge");
        let outcome = hs.execute(&planned, REQUEST_ID).await.expect(action);
        assert_eq!((outcome.http_status, outcome.request_id.as_str()), (200, REQUEST_ID));
        assert_eq!(outcome.summary, summary);
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{action} is sent once"
        );
    }
}

#[tokio::test]
async fn the_menus_offer_contact_merge_and_member_actions_apart() {
    let (a, b) = (contact("1"), contact("2"));
    let names = |specs: &[mops::actions::ActionSpec]| specs.iter().map(|s| s.name).collect::<Vec<_>>();
    assert_eq!(
        names(sources::actions_for_target(SourceKind::Hubspot, Target::Contact(&a))),
        ["assign-owner", "set-lifecycle-stage", "opt-out"]
    );
    let pair = Target::Merge {
        primary: &a,
        secondary: &b,
    };
    assert_eq!(names(sources::actions_for_target(SourceKind::Hubspot, pair)), ["merge"]);
    let m = Member {
        id: "h".into(),
        email: "a@b.c".into(),
        status: MemberStatus::Subscribed,
        last_changed: "2026-11-20T08:00:00Z".parse().unwrap(),
    };
    let member = Target::Member {
        list_id: "l1",
        member: &m,
    };
    assert_eq!(
        names(sources::actions_for_target(SourceKind::Mailchimp, member)),
        ["unsubscribe"]
    );
    assert!(!names(sources::actions_for(SourceKind::Mailchimp)).contains(&"unsubscribe"));
    assert_eq!(
        sources::find_action_spec(SourceKind::Mailchimp, "unsubscribe").map(|s| s.name),
        Some("unsubscribe")
    );
    let itself = Target::Merge {
        primary: &a,
        secondary: &a,
    };
    assert_eq!(
        sources::availability(SourceKind::Hubspot, "merge", itself),
        Availability::Disabled("a contact cannot be merged with itself".into())
    );
}

#[tokio::test]
async fn mailchimp_unsubscribe_patches_the_member() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/3.0/lists/l1/members/62eeb292278cc15f5817cb78f7790b08"))
        .and(basic_auth("mops", KEY))
        .and(header("x-request-id", REQUEST_ID))
        .and(body_json(json!({"status": "unsubscribed"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "62eeb292278cc15f5817cb78f7790b08", "status": "unsubscribed"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mc = mailchimp(&server, false);
    let m = Member {
        id: "62eeb292278cc15f5817cb78f7790b08".into(),
        email: "urist.mcvankab@freddiesjokes.com".into(),
        status: MemberStatus::Subscribed,
        last_changed: "2026-11-20T08:00:00Z".parse().unwrap(),
    };
    let target = Target::Member {
        list_id: "l1",
        member: &m,
    };
    let planned = mc.plan("unsubscribe", target, &ActionArgs::default()).unwrap();
    assert_eq!(planned.target_name, "urist.mcvankab@freddiesjokes.com");
    let outcome = mc.execute(&planned, REQUEST_ID).await.unwrap();
    assert_eq!(outcome.summary, "urist.mcvankab@freddiesjokes.com unsubscribed");
}

#[tokio::test]
async fn a_readonly_core_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let hs = hubspot(&server, true);
    let (a, b) = (contact("1"), contact("2"));
    let plans = [
        hs.plan(
            "merge",
            Target::Merge {
                primary: &a,
                secondary: &b,
            },
            &ActionArgs::default(),
        ),
        hs.plan("assign-owner", Target::Contact(&a), &args(Some("78"), None)),
        hs.plan(
            "set-lifecycle-stage",
            Target::Contact(&a),
            &args(None, Some("customer")),
        ),
        hs.plan("opt-out", Target::Contact(&a), &ActionArgs::default()),
    ];
    for planned in plans {
        let planned = planned.unwrap();
        let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
        assert!(err.message.contains("read-only"), "{}", err.message);
        assert_eq!((err.http_status, err.request_id), (None, None), "nothing was sent");
    }
    let mc = mailchimp(&server, true);
    let m = Member {
        id: "h1".into(),
        email: "a@b.c".into(),
        status: MemberStatus::Pending,
        last_changed: "2026-11-20T08:00:00Z".parse().unwrap(),
    };
    let planned = mc
        .plan(
            "unsubscribe",
            Target::Member {
                list_id: "l1",
                member: &m,
            },
            &ActionArgs::default(),
        )
        .unwrap();
    let err = mc.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert!(err.message.contains("read-only"), "{}", err.message);
}

#[tokio::test]
async fn hubspot_errors_come_back_with_category_and_correlation_id_never_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/contacts/merge"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": "error",
            "message": format!("Contacts 1 and 2 cannot be merged (token {TOKEN})"),
            "correlationId": "0f6b-42",
            "category": "VALIDATION_ERROR"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(207).set_body_json(json!({"status": "COMPLETE", "results": [], "numErrors": 1})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let hs = hubspot(&server, false);
    let (a, b) = (contact("1"), contact("2"));
    let planned = hs
        .plan(
            "merge",
            Target::Merge {
                primary: &a,
                secondary: &b,
            },
            &ActionArgs::default(),
        )
        .unwrap();
    let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(400));
    let vendor = err.vendor.clone().unwrap();
    assert_eq!(vendor.code.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(
        err.message,
        "merge 'Ann Lee2' failed: HTTP 400: VALIDATION_ERROR: Contacts 1 and 2 cannot be merged (token ***) (correlationId 0f6b-42)"
    );
    let text = format!("{err:?} {}", serde_json::to_string(&err).unwrap());
    assert!(!text.contains(TOKEN), "{text}");

    let planned = hs.plan("opt-out", Target::Contact(&a), &ActionArgs::default()).unwrap();
    let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(207));
    assert!(err.message.ends_with("HTTP 207 (partial failure)"), "{}", err.message);
}

#[tokio::test]
async fn a_merge_drops_the_merged_away_contact_before_the_next_full_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(&server)
        .await;
    let row = |id: &str| {
        json!({"id": id, "properties": {"email": format!("c{id}@acme.example"),
        "hs_lastmodifieddate": "2026-11-20T08:00:00Z"}})
    };
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [row("1"), row("2")]})))
        .expect(1)
        .mount(&server)
        .await;
    for p in ["/crm/v3/objects/deals", "/crm/v3/owners", "/crm/v3/pipelines/deals"] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/contacts/merge"))
        .respond_with(ResponseTemplate::new(200).set_body_json(row("1")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/contacts/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0, "results": []})))
        .mount(&server)
        .await;
    let hs = hubspot(&server, false);
    let contacts = |report: mops::sources::PollReport| match report.data {
        Some(SourceData::Crm(d)) => d.contacts.keys().cloned().collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(contacts(hs.poll().await), ["1", "2"]);
    let (a, b) = (contact("1"), contact("2"));
    let planned = hs
        .plan(
            "merge",
            Target::Merge {
                primary: &a,
                secondary: &b,
            },
            &ActionArgs::default(),
        )
        .unwrap();
    hs.execute(&planned, REQUEST_ID).await.unwrap();
    assert_eq!(contacts(hs.poll().await), ["1"]);
}
