//! Shared test fixtures: hand-built models at fixed times.
#![allow(dead_code)]

use std::time::Duration;

use jiff::Timestamp;
use mops::app::{Model, SourceState};
use mops::model::{CircuitState, HealthStatus, Probe, RateLimitInfo, SourceKind, VendorError};

pub fn t0() -> Timestamp {
    "2026-11-22T16:00:00Z".parse().expect("valid timestamp")
}

pub fn at(secs: i64) -> Timestamp {
    t0() + jiff::SignedDuration::from_secs(secs)
}

pub fn probe(status: HealthStatus, ms: u64, summary: &str) -> Probe {
    Probe {
        status,
        summary: summary.to_string(),
        latency: Duration::from_millis(ms),
        attempts: 1,
        http_status: Some(200),
        vendor_error: None,
        request_id: "5b0e7c1a-3d7e-4c5f-9a70-2b1f0c9d4e11".to_string(),
        url: "https://api.hubapi.com/crm/v3/objects/contacts?limit=1".to_string(),
        rate_limit: None,
        circuit: CircuitState::Closed,
    }
}

pub fn source(name: &str, kind: SourceKind) -> SourceState {
    SourceState::new(name, kind, Duration::from_secs(30), Duration::from_secs(10))
}

/// Four sources polled every 30 s for ten minutes, all healthy.
pub fn healthy_model() -> Model {
    let mut sources = vec![
        source("mailchimp", SourceKind::Mailchimp),
        source("hubspot", SourceKind::Hubspot),
        source("wordpress", SourceKind::Wordpress),
        source("website", SourceKind::Http),
    ];
    let summaries = [
        "Everything's Chimpy!",
        "contacts readable",
        "Acme Blog",
        "HTTP 200, body matched",
    ];
    for (i, s) in sources.iter_mut().enumerate() {
        for poll in 0..20i64 {
            let ms = 80 + (i as u64 * 40) + ((poll as u64 * 37) % 90);
            let mut p = probe(HealthStatus::Ok, ms, summaries[i]);
            if s.kind == SourceKind::Hubspot {
                p.rate_limit = Some(RateLimitInfo {
                    remaining: 97,
                    limit: 100,
                    window: Some(Duration::from_secs(10)),
                    from_headers: true,
                    daily_remaining: Some(249_812),
                    daily_limit: Some(250_000),
                });
            }
            s.record(p, at(poll * 30));
        }
        s.next_poll = Some(at(20 * 30 + 12));
    }
    let mut model = Model::new("Acme marketing stack", false, sources, at(19 * 30 + 9));
    model.banner = Some("sandbox 127.0.0.1:4010".to_string());
    model
}

/// As `healthy_model`, but HubSpot has been failing for the last four polls.
pub fn hubspot_down_model() -> Model {
    let mut model = healthy_model();
    for poll in 20..24i64 {
        for i in [0, 2, 3] {
            let last = model.sources[i].last.as_ref().map(|(p, _)| p.clone()).expect("polled");
            model.sources[i].record(last, at(poll * 30));
        }
    }
    let hubspot = &mut model.sources[1];
    for poll in 20..24i64 {
        let mut p = probe(
            HealthStatus::Down,
            3_100,
            "HTTP 503 Service Unavailable after 4 attempts",
        );
        p.attempts = 4;
        p.http_status = Some(503);
        p.vendor_error = Some(VendorError {
            code: Some("INTERNAL_ERROR".to_string()),
            message: "Service temporarily unavailable".to_string(),
        });
        p.request_id = format!("9f3c2a7e-0000-4000-8000-00000000002{poll}");
        hubspot.record(p, at(poll * 30));
    }
    model.now = at(23 * 30 + 4);
    for s in &mut model.sources {
        s.next_poll = Some(at(24 * 30 + 3));
    }
    model
}

/// A sent campaign's report: `sent` emails, rates in percent.
pub fn report(sent: u64, open_pct: f64, click_pct: f64, bounces: u64, unsubs: u64) -> mops::model::CampaignReport {
    mops::model::CampaignReport {
        emails_sent: sent,
        unsubscribed: unsubs,
        abuse_reports: 1,
        unique_opens: (sent as f64 * open_pct / 100.0) as u64,
        open_rate: open_pct / 100.0,
        unique_subscriber_clicks: (sent as f64 * click_pct / 100.0) as u64,
        click_rate: click_pct / 100.0,
        hard_bounces: bounces / 2,
        soft_bounces: bounces - bounces / 2,
        syntax_errors: 0,
    }
}

pub fn campaign(id: &str, title: &str, status: mops::model::CampaignStatus, kind: &str) -> mops::model::Campaign {
    mops::model::Campaign {
        id: id.to_string(),
        web_id: Some(1000 + id.len() as u64),
        kind: kind.to_string(),
        status,
        title: title.to_string(),
        subject: format!("{title} inside"),
        from_name: "Acme Marketing".to_string(),
        list_id: "L1".to_string(),
        list_name: "Newsletter".to_string(),
        recipient_count: 12_400,
        create_time: Some(at(-10 * 86_400)),
        send_time: None,
        emails_sent: 0,
        report: None,
    }
}

/// The healthy stack plus a pipeline: every stage, two sent campaigns over
/// thresholds, economics for ROMI, members for churn.
pub fn pipeline_model() -> Model {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use mops::config::CampaignEconomics;
    use mops::model::{Audience, CampaignStatus as S, EmailData, Member, MemberStatus};
    use mops::sources::SourceData;

    let mut model = healthy_model();
    let sent = |id: &str, title: &str, days_ago: i64, r: mops::model::CampaignReport| {
        let mut c = campaign(id, title, S::Sent, "regular");
        c.send_time = Some(at(-days_ago * 86_400));
        c.emails_sent = r.emails_sent;
        c.report = Some(r);
        c
    };
    let mut campaigns = vec![
        sent("s1", "October product news", 12, report(12_400, 38.2, 4.1, 60, 20)),
        sent("s2", "Black Friday early access", 3, report(12_380, 44.0, 9.3, 900, 30)),
        sent(
            "s3",
            "Webinar invite: ops at scale",
            1,
            report(12_350, 21.5, 2.2, 40, 160),
        ),
    ];
    let mut draft = campaign("d1", "Cyber Monday teaser", S::Save, "regular");
    draft.list_name = "Customers".to_string();
    campaigns.push(draft);
    let mut scheduled = campaign("p1", "Weekly digest #43", S::Schedule, "regular");
    scheduled.send_time = Some(at(86_400 + 9 * 3600));
    campaigns.push(scheduled);
    let mut sending = campaign("g1", "Re-engagement wave 2", S::Sending, "regular");
    sending.send_time = Some(at(-3 * 3600));
    campaigns.push(sending);
    campaigns.push(campaign("r1", "Blog RSS digest", S::Paused, "rss"));

    let members: BTreeMap<String, Member> = (0..200)
        .map(|i| {
            let status = match i % 40 {
                0 => MemberStatus::Unsubscribed,
                1 => MemberStatus::Cleaned,
                _ => MemberStatus::Subscribed,
            };
            let m = Member {
                id: format!("h{i}"),
                email: format!("p{i}@example.com"),
                status,
                last_changed: at(-86_400),
            };
            (m.id.clone(), m)
        })
        .collect();
    let data = EmailData {
        campaigns,
        audiences: vec![Audience {
            id: "L1".to_string(),
            name: "Newsletter".to_string(),
            member_count: 195,
            unsubscribe_count: 5,
            cleaned_count: 5,
        }],
        members: [("L1".to_string(), members)].into_iter().collect(),
    };
    model.sources[0].data = Some((SourceData::Email(Arc::new(data)), at(19 * 30)));
    model.pipeline_cfg.campaigns = vec![
        CampaignEconomics {
            id: "s2".to_string(),
            cost: 2_000.0,
            revenue: Some(9_500.0),
        },
        CampaignEconomics {
            id: "s3".to_string(),
            cost: 1_500.0,
            revenue: Some(900.0),
        },
    ];
    model.focus = mops::app::Pane::Pipeline;
    model
}

/// The pipeline model plus CRM data and a set of alerts: a duplicate pair,
/// a consent mismatch, unowned contacts, one acknowledged alert.
pub fn alerts_model() -> Model {
    use std::sync::Arc;

    use mops::model::{Alert, AlertId, AlertState, Contact, CrmData, Owner, RecordRef, Rule, Severity};
    use mops::sources::SourceData;

    let mut model = pipeline_model();
    let contact = |id: &str, email: &str, first: &str, last: &str, owner: Option<&str>| Contact {
        id: id.to_string(),
        email: Some(email.to_string()),
        firstname: Some(first.to_string()),
        lastname: Some(last.to_string()),
        company: Some("Globex".to_string()),
        lifecyclestage: Some("lead".to_string()),
        owner_id: owner.map(str::to_string),
        created: Some(at(-400 * 86_400)),
        modified: Some(at(-3 * 86_400)),
        email_optout: Some(false),
    };
    let contacts = [
        contact("101", "ann.lee@globex.example", "Ann", "Lee", Some("7")),
        contact("102", "Ann.Lee@globex.example ", "Ann", "Lee", None),
        contact("103", "p0@example.com", "Pat", "Null", None),
        contact("104", "p1@example.com", "Sam", "Ode", None),
    ];
    let crm = CrmData {
        contacts: contacts.into_iter().map(|c| (c.id.clone(), c)).collect(),
        owners: vec![Owner {
            id: "7".to_string(),
            email: Some("bo@acme.example".to_string()),
            first_name: Some("Bo".to_string()),
            last_name: Some("Diaz".to_string()),
            archived: false,
        }],
        portal_id: Some("4242".to_string()),
        ..CrmData::default()
    };
    model.sources[1].data = Some((SourceData::Crm(Arc::new(crm)), at(19 * 30)));
    let alert = |id: &str, rule: Rule, severity: Severity, summary: &str, records: Vec<RecordRef>| Alert {
        id: AlertId(id.to_string()),
        rule,
        severity,
        summary: summary.to_string(),
        records,
    };
    let contact_ref = |id: &str| RecordRef::Contact { id: id.to_string() };
    model.alerts.firing = vec![
        alert(
            "duplicate_email:ann.lee@globex.example",
            Rule::DuplicateEmail,
            Severity::Warning,
            "2 contacts share ann.lee@globex.example",
            vec![contact_ref("101"), contact_ref("102")],
        ),
        alert(
            "consent_mismatch:p0@example.com",
            Rule::ConsentMismatch,
            Severity::Critical,
            "p0@example.com unsubscribed in Newsletter, still marketable in the CRM",
            vec![
                contact_ref("103"),
                RecordRef::Member {
                    list_id: "L1".to_string(),
                    hash: "h0".to_string(),
                },
            ],
        ),
        alert(
            "missing_owner",
            Rule::MissingOwner,
            Severity::Info,
            "3 contacts have no owner",
            vec![contact_ref("102"), contact_ref("103"), contact_ref("104")],
        ),
    ];
    model.alerts.evaluated_at = Some(at(19 * 30));
    model.alerts.states.insert(
        AlertId("missing_owner".to_string()),
        AlertState::Acknowledged { at: at(0) },
    );
    model.focus = mops::app::Pane::Alerts;
    model
}

/// As `healthy_model`, with the CMS's posts and the CRM's tasks loaded (one
/// of each queue) and one failed action waiting for a person.
pub fn tasks_model() -> Model {
    use std::sync::Arc;

    use mops::actions::{ActionError, PlannedAction};
    use mops::app::model::FailedAction;
    use mops::http::Method;
    use mops::model::{
        Author, ContentData, CrmData, CrmTask, Owner, Post, PostStatus, PostType, TaskPriority, TaskStatus,
    };
    use mops::sources::SourceData;

    const H: i64 = 3600;
    const D: i64 = 86_400;
    let mut model = healthy_model();
    let now = model.now;
    let ago = |secs: i64| now - jiff::SignedDuration::from_secs(secs);
    let ahead = |secs: i64| now + jiff::SignedDuration::from_secs(secs);
    let post = |id: u64, kind: PostType, title: &str, status: PostStatus, date: Option<Timestamp>, modified| Post {
        id,
        kind,
        title: title.to_string(),
        status,
        date,
        modified: Some(modified),
        slug: title.to_lowercase().replace(' ', "-"),
        link: Some(format!("http://127.0.0.1:4010/wordpress/?p={id}")),
        author_id: Some(if id.is_multiple_of(2) { 2 } else { 3 }),
    };
    let mut content = ContentData {
        site_name: Some("Acme Blog".into()),
        site_url: Some("http://127.0.0.1:4010/wordpress".into()),
        ..ContentData::default()
    };
    for (id, name) in [(2, "Ann Lee"), (3, "Raj Patel")] {
        content.authors.insert(
            id,
            Author {
                id,
                name: name.into(),
                slug: name.to_lowercase().replace(' ', "-"),
            },
        );
    }
    for p in [
        post(
            101,
            PostType::Post,
            "Black Friday teaser: 48 hours of deals",
            PostStatus::Future,
            Some(ago(3 * H)),
            ago(2 * D),
        ),
        post(
            102,
            PostType::Post,
            "Q4 Playbook – Part 2",
            PostStatus::Pending,
            None,
            ago(6 * D),
        ),
        post(
            103,
            PostType::Page,
            "Pricing",
            PostStatus::Pending,
            None,
            ago(D + 4 * H),
        ),
        post(
            104,
            PostType::Post,
            "Holiday gift guide",
            PostStatus::Future,
            Some(ahead(2 * D + 5 * H)),
            ago(D),
        ),
        post(
            105,
            PostType::Post,
            "Ops & Analytics roundup",
            PostStatus::Future,
            Some(ahead(5 * H)),
            ago(D),
        ),
        post(
            106,
            PostType::Post,
            "Untitled idea about webinars",
            PostStatus::Draft,
            None,
            ago(95 * D),
        ),
        post(
            107,
            PostType::Post,
            "Customer story: Globex",
            PostStatus::Draft,
            None,
            ago(2 * D),
        ),
    ] {
        content.posts.insert(p.id, p);
    }
    model.sources[2].data = Some((SourceData::Content(Arc::new(content)), now));

    let task = |id: &str, subject: &str, due: Timestamp, owner: Option<&str>, priority| CrmTask {
        id: id.to_string(),
        subject: subject.to_string(),
        body: Some("<p>Ask about the <b>renewal</b> terms.</p>".into()),
        status: TaskStatus::NotStarted,
        priority,
        task_type: Some("CALL".into()),
        due: Some(due),
        owner_id: owner.map(str::to_string),
        modified: Some(ago(3 * D)),
    };
    let owner = |id: &str, first: &str, last: &str| Owner {
        id: id.to_string(),
        email: Some(format!("{}@acme.example", first.to_lowercase())),
        first_name: Some(first.to_string()),
        last_name: Some(last.to_string()),
        archived: false,
    };
    let crm = CrmData {
        owners: vec![owner("501", "Dana", "Kim"), owner("502", "Eli", "Novak")],
        tasks: vec![
            task(
                "9001",
                "Call back Globex about renewal",
                ago(2 * D),
                Some("501"),
                Some(TaskPriority::High),
            ),
            task(
                "9002",
                "Send the Initech contract",
                ago(3 * H),
                None,
                Some(TaskPriority::Medium),
            ),
            task("9003", "Prep the Umbrella QBR deck", ahead(H + 1800), Some("502"), None),
            task(
                "9004",
                "Plan the Q1 nurture",
                ahead(5 * D),
                Some("502"),
                Some(TaskPriority::Low),
            ),
        ],
        ..CrmData::default()
    };
    model.sources[1].data = Some((SourceData::Crm(Arc::new(crm)), now));

    let planned = PlannedAction {
        source: "hubspot".into(),
        action: "complete".into(),
        target_id: "9010".into(),
        target_name: "Email Hooli the proposal".into(),
        method: Method::PATCH,
        url: url::Url::parse("https://api.hubapi.com/crm/v3/objects/tasks/9010").expect("url"),
        body: Some(serde_json::json!({"properties": {"hs_task_status": "COMPLETED"}})),
        auth: "Bearer ***".into(),
        irreversible: false,
        effect: "Marks 'Email Hooli the proposal' completed".into(),
    };
    model.failed.push(FailedAction {
        id: 1,
        stored: Some(3),
        source: 1,
        planned,
        error: ActionError {
            message: "complete failed: HTTP 429: You have reached your ten_secondly_rolling limit.".into(),
            http_status: Some(429),
            vendor: Some(VendorError {
                code: Some("RATE_LIMITS".into()),
                message: "You have reached your ten_secondly_rolling limit.".into(),
            }),
            request_id: Some("0c4e2a8b-71d2-4b9e-a1f0-5e3d2c1b0a99".into()),
            duration: Duration::from_millis(180),
        },
        at: ago(20 * 60),
    });
    model.next_action_id = 2;
    model
}

/// A sandbox on a free loopback port and the config it writes for itself,
/// loaded: what a test needs to point the real connectors at it.
pub struct SandboxStack {
    pub sandbox: mops::sandbox::Sandbox,
    pub config: mops::config::Config,
    /// Holds the config and the secret files it references.
    pub dir: tempfile::TempDir,
}

impl SandboxStack {
    /// The sandbox's `name` source, built on `core`.
    pub fn connector(&self, core: &mops::http::HttpCore, name: &str) -> std::sync::Arc<dyn mops::sources::Connector> {
        let source = self.config.source(name).expect("the sandbox's source");
        mops::sources::build(core, source).expect("connector")
    }
}

/// Starts a sandbox seeded with `seed` (its data placed around `start`, or
/// around now) with `faults` active, and loads the config it writes.
pub async fn sandbox_stack(
    seed: u64,
    start: Option<Timestamp>,
    faults: Vec<(String, mops::sandbox::Fault)>,
) -> SandboxStack {
    let opts = mops::sandbox::SandboxOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        seed,
        faults,
    };
    let sandbox = match start {
        Some(start) => mops::sandbox::spawn_at(opts, start).await,
        None => mops::sandbox::spawn(opts).await,
    }
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mops.toml");
    sandbox.write_config(&path).expect("write config");
    let config = mops::config::load(&path).expect("the sandbox's config loads");
    SandboxStack { sandbox, config, dir }
}
