//! The account's seeded records: three audiences with thousands of members in
//! every status and about forty campaigns across every stage, with a planted
//! bounce-heavy and a planted unsubscribe-heavy send.
//!
//! Times are offsets from `anchor` (the sandbox's start, rounded down to the
//! hour): scheduled campaigns lie ahead of it, sends and changes behind it,
//! some of them in its calendar month. Same seed and anchor, same records.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::store::{
    Campaign, CampaignType, List, MailchimpData, Member, MemberStatus, Report, RssOptions, Status, hex, subscriber_hash,
};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const QUARTER: i64 = 15 * MINUTE;

/// A person already in the CRM, added to the first audience so that email and
/// CRM data overlap (consent checks need both sides). The CRM seed decides
/// their status here, so the planted consent mismatches have known counts.
#[derive(Debug, Clone)]
pub(crate) struct KnownPerson {
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) status: MemberStatus,
}

struct ListSpec {
    name: &'static str,
    from_name: &'static str,
    from_email: &'static str,
    subject: &'static str,
    members: usize,
}

const LISTS: [ListSpec; 3] = [
    ListSpec {
        name: "Acme Newsletter",
        from_name: "Acme Marketing",
        from_email: "news@acme.example",
        subject: "News from Acme",
        members: 2600,
    },
    ListSpec {
        name: "Acme Customers",
        from_name: "Acme Customer Success",
        from_email: "success@acme.example",
        subject: "Your Acme account",
        members: 1400,
    },
    ListSpec {
        name: "Product Beta Testers",
        from_name: "Acme Product Team",
        from_email: "beta@acme.example",
        subject: "Acme beta",
        members: 500,
    },
];

/// Member status weights, in [`MemberStatus::ALL`] order (sum 100).
const STATUS_WEIGHTS: [u32; 6] = [70, 12, 6, 5, 4, 3];

/// When a sent campaign went out.
#[derive(Clone, Copy)]
enum When {
    /// Within the anchor's calendar month, before the anchor.
    ThisMonth,
    /// About this many days before the anchor.
    DaysAgo(i64),
}

/// What happened to a campaign.
#[derive(Clone, Copy)]
enum Plan {
    Draft,
    Scheduled,
    /// A regular send that started hours ago and never finished.
    Stuck,
    RssRunning,
    RssPaused,
    Sent(When, Quality),
    Canceled,
}

/// The shape of a sent campaign's report.
#[derive(Clone, Copy, PartialEq)]
enum Quality {
    Normal,
    /// Hard plus soft bounces well over 5% of sends.
    Bounces,
    /// Unsubscribes well over 1% of sends.
    Unsubscribes,
}

struct CampaignSpec {
    title: &'static str,
    subject: &'static str,
    kind: CampaignType,
    list: usize,
    plan: Plan,
}

const fn spec(title: &'static str, subject: &'static str, list: usize, plan: Plan) -> CampaignSpec {
    CampaignSpec {
        title,
        subject,
        kind: CampaignType::Regular,
        list,
        plan,
    }
}

const fn rss(title: &'static str, subject: &'static str, list: usize, plan: Plan) -> CampaignSpec {
    CampaignSpec {
        title,
        subject,
        kind: CampaignType::Rss,
        list,
        plan,
    }
}

use Plan::{Canceled, Draft, RssPaused, RssRunning, Scheduled, Sent, Stuck};
use Quality::{Bounces, Normal, Unsubscribes};
use When::{DaysAgo, ThisMonth};

const CAMPAIGNS: [CampaignSpec; 40] = [
    spec(
        "Weekly digest #38",
        "This week at Acme: pipeline hygiene",
        0,
        Sent(DaysAgo(35), Normal),
    ),
    spec(
        "Weekly digest #39",
        "This week at Acme: the attribution issue",
        0,
        Sent(DaysAgo(28), Normal),
    ),
    spec(
        "Weekly digest #40",
        "This week at Acme: 5 subject lines that worked",
        0,
        Sent(DaysAgo(21), Normal),
    ),
    spec(
        "Weekly digest #41",
        "This week at Acme: UTM naming rules",
        0,
        Sent(DaysAgo(14), Normal),
    ),
    spec(
        "Weekly digest #42",
        "This week at Acme: CRM clean-up day",
        0,
        Sent(DaysAgo(7), Normal),
    ),
    spec(
        "Weekly digest #43",
        "This week at Acme: what we shipped",
        0,
        Sent(ThisMonth, Normal),
    ),
    spec(
        "Onboarding day 1",
        "Welcome to Acme, let's get you set up",
        1,
        Sent(DaysAgo(62), Normal),
    ),
    spec(
        "Onboarding day 3",
        "Three things to try in your first week",
        1,
        Sent(DaysAgo(60), Normal),
    ),
    spec(
        "Onboarding day 7",
        "Your first week with Acme, in numbers",
        1,
        Sent(DaysAgo(56), Normal),
    ),
    spec(
        "Black Friday teaser",
        "Something big is coming on Friday",
        0,
        Sent(DaysAgo(150), Normal),
    ),
    spec(
        "Black Friday: 30% off everything",
        "30% off everything, today only",
        0,
        Sent(DaysAgo(147), Normal),
    ),
    spec(
        "Spring product update",
        "New in Acme: faster syncs and saved views",
        1,
        Sent(DaysAgo(95), Normal),
    ),
    spec(
        "March release notes",
        "Release notes: March",
        2,
        Sent(DaysAgo(120), Normal),
    ),
    spec(
        "Webinar invite: Attribution that works",
        "Join us live: attribution that works",
        0,
        Sent(DaysAgo(45), Normal),
    ),
    spec(
        "Webinar recording: Attribution that works",
        "The recording you asked for",
        0,
        Sent(ThisMonth, Normal),
    ),
    spec(
        "Customer survey 2025",
        "Two minutes to shape our roadmap?",
        1,
        Sent(ThisMonth, Normal),
    ),
    spec(
        "Win-back: we miss you",
        "It's been a while. Here's 20% off",
        0,
        Sent(DaysAgo(40), Bounces),
    ),
    spec(
        "Flash sale: 48 hours only",
        "48 hours. Half price. Go.",
        0,
        Sent(ThisMonth, Unsubscribes),
    ),
    spec(
        "Beta program: new dashboard",
        "Try the new dashboard before anyone else",
        2,
        Sent(ThisMonth, Normal),
    ),
    spec(
        "Case study: Globex doubles pipeline",
        "How Globex doubled pipeline in a quarter",
        1,
        Sent(DaysAgo(80), Normal),
    ),
    spec("Weekly digest #44", "This week at Acme: (draft)", 0, Draft),
    spec("Onboarding day 14", "Two weeks in: advanced tips", 1, Draft),
    spec("Product launch: Acme Insights", "Meet Acme Insights", 0, Draft),
    spec("Re-engagement: still interested?", "Should we stay in touch?", 0, Draft),
    spec("Partner newsletter Q3", "Partner news for Q3", 1, Draft),
    CampaignSpec {
        title: "Founder note (plain text)",
        subject: "A short note from our founder",
        kind: CampaignType::Plaintext,
        list: 1,
        plan: Draft,
    },
    spec(
        "Event recap: MarTech Summit",
        "What we learned at MarTech Summit",
        0,
        Draft,
    ),
    spec("Pricing change notice", "Changes to Acme pricing", 1, Draft),
    spec("Black Friday: early access", "Early access starts now", 0, Scheduled),
    spec(
        "Webinar reminder: 24 hours",
        "Tomorrow: attribution that works",
        0,
        Scheduled,
    ),
    spec("Monthly customer newsletter", "Your monthly Acme update", 1, Scheduled),
    spec(
        "Beta feedback request",
        "How is the new dashboard working for you?",
        2,
        Scheduled,
    ),
    spec(
        "Holiday gift guide",
        "Gift ideas for the marketer in your life",
        0,
        Scheduled,
    ),
    spec("Product update: August", "New: campaign health checks", 0, Stuck),
    rss(
        "Blog RSS: daily digest",
        "New on the Acme blog: *|RSSITEM:TITLE|*",
        0,
        RssRunning,
    ),
    rss("Changelog RSS: weekly", "This week's changes", 2, RssRunning),
    rss(
        "Podcast RSS: new episodes",
        "New episode: *|RSSITEM:TITLE|*",
        0,
        RssPaused,
    ),
    rss("Press RSS: news mentions", "Acme in the news", 1, RssPaused),
    spec("Spring sale (wrong segment)", "Spring sale: 25% off", 0, Canceled),
    spec("Test send: template v2", "Template v2 test", 2, Canceled),
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ibrahim", "Jonas", "Keiko", "Liam",
    "Maya", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Samir", "Tove", "Uma", "Viktor", "Wen", "Xavier", "Yara",
    "Zoltan",
];

const LAST_NAMES: &[&str] = &[
    "Andersen",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
];

/// Reserved `.example` domains only.
const DOMAINS: &[&str] = &[
    "mail.example",
    "inbox.example",
    "post.example",
    "globex.example",
    "initech.example",
    "hooli.example",
    "umbrella.example",
];

const UNSUBSCRIBE_REASONS: &[&str] = &[
    "I no longer want to receive these emails",
    "I never signed up for this mailing list",
    "The emails are inappropriate",
    "The emails are spam and should be reported",
    "N/A (Unsubscribed by an admin)",
];

/// Generates the account's records.
pub(crate) fn generate(rng: &mut StdRng, anchor: Timestamp, known: &[KnownPerson]) -> MailchimpData {
    let clock = Clock::new(anchor);
    let mut lists: Vec<List> = LISTS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let people = if i == 0 { known } else { &[] };
            generate_list(rng, &clock, spec, people)
        })
        .collect();
    let campaigns = generate_campaigns(rng, &clock, &lists);
    // A list's stats follow its sends.
    for list in &mut lists {
        let sent: Vec<&Campaign> = campaigns
            .iter()
            .filter(|c| c.list_id == list.id && c.report.is_some())
            .collect();
        if let Some(n) = std::num::NonZeroUsize::new(sent.len()) {
            let mean = |f: &dyn Fn(&Campaign) -> f64| sent.iter().map(|c| f(c)).sum::<f64>() / n.get() as f64;
            list.avg_open_rate = percent(mean(&|c| report_of(c).open_rate(c.emails_sent)));
            list.avg_click_rate = percent(mean(&|c| report_of(c).click_rate(c.emails_sent)));
        }
    }
    MailchimpData {
        lists,
        campaigns,
        ids: StdRng::from_rng(rng),
    }
}

fn report_of(c: &Campaign) -> Report {
    c.report.clone().unwrap_or_default()
}

/// A fraction as a percentage rounded to two places.
fn percent(fraction: f64) -> f64 {
    (fraction * 10_000.0).round() / 100.0
}

/// Second-resolution arithmetic around the anchor.
struct Clock {
    anchor: i64,
    month_start: i64,
}

impl Clock {
    fn new(anchor: Timestamp) -> Clock {
        let month_start = anchor
            .to_zoned(TimeZone::UTC)
            .date()
            .first_of_month()
            .to_zoned(TimeZone::UTC)
            .map_or(anchor.as_second(), |z| z.timestamp().as_second());
        Clock {
            anchor: anchor.as_second(),
            month_start,
        }
    }

    fn at(&self, second: i64) -> Timestamp {
        Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// A moment in the anchor's month, not after the anchor.
    fn this_month(&self, rng: &mut StdRng) -> i64 {
        if self.anchor <= self.month_start {
            self.anchor
        } else {
            rng.random_range(self.month_start..=self.anchor)
        }
    }

    /// A moment `days` (plus up to a day) before the anchor, at a business hour.
    fn days_ago(&self, rng: &mut StdRng, days: i64) -> i64 {
        let day = (self.anchor - days * DAY).div_euclid(DAY) * DAY;
        day + rng.random_range(8..17) * HOUR + rng.random_range(0..4) * QUARTER
    }
}

fn generate_list(rng: &mut StdRng, clock: &Clock, spec: &ListSpec, known: &[KnownPerson]) -> List {
    let id = hex(rng, 10);
    let date_created = clock.anchor - rng.random_range(700..1400) * DAY;
    let mut members: Vec<Member> = Vec::with_capacity(spec.members);
    let mut seen = HashSet::new();
    for person in known {
        if seen.insert(person.email.to_lowercase()) {
            let m = member(
                rng,
                clock,
                &person.first_name,
                &person.last_name,
                &person.email,
                person.status,
            );
            members.push(m);
        }
    }
    let mut n = 0usize;
    while members.len() < spec.members {
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        let domain = pick(rng, DOMAINS);
        let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        let mut email = format!("{base}@{domain}");
        let mut suffix = 2;
        while !seen.insert(email.clone()) {
            email = format!("{base}{suffix}@{domain}");
            suffix += 1;
        }
        // Every status shows up in every list, whatever the draws.
        let status = match MemberStatus::ALL.get(n) {
            Some(status) => *status,
            None => weighted_status(rng),
        };
        members.push(member(rng, clock, first, last, &email, status));
        n += 1;
    }
    let index: HashMap<String, usize> = members.iter().enumerate().map(|(i, m)| (m.id.clone(), i)).collect();
    List {
        id,
        web_id: rng.random_range(100_000..999_999),
        name: spec.name.to_owned(),
        from_name: spec.from_name.to_owned(),
        from_email: spec.from_email.to_owned(),
        subject: spec.subject.to_owned(),
        date_created: clock.at(date_created),
        avg_open_rate: 0.0,
        avg_click_rate: 0.0,
        members,
        index,
    }
}

fn weighted_status(rng: &mut StdRng) -> MemberStatus {
    let total: u32 = STATUS_WEIGHTS.iter().sum();
    let mut roll = rng.random_range(0..total);
    for (status, weight) in MemberStatus::ALL.into_iter().zip(STATUS_WEIGHTS) {
        if roll < weight {
            return status;
        }
        roll -= weight;
    }
    MemberStatus::Subscribed
}

fn member(rng: &mut StdRng, clock: &Clock, first: &str, last: &str, email: &str, status: MemberStatus) -> Member {
    let opted_in = clock.anchor - rng.random_range(30 * DAY..900 * DAY);
    // About one change in eight falls in the current month (churn needs them);
    // the rest spread between opt-in and the anchor.
    let last_changed = if rng.random_bool(0.125) {
        clock.this_month(rng).max(opted_in)
    } else {
        rng.random_range(opted_in..=clock.anchor)
    };
    let engaged = matches!(status, MemberStatus::Subscribed);
    Member {
        id: subscriber_hash(email),
        email: email.to_owned(),
        unique_email_id: hex(rng, 10),
        web_id: rng.random_range(10_000_000..99_999_999),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        status,
        timestamp_opt: clock.at(opted_in),
        last_changed: clock.at(last_changed),
        member_rating: if engaged {
            rng.random_range(2..=5)
        } else {
            rng.random_range(1..=2)
        },
        avg_open_rate: if engaged {
            round2(rng.random_range(0.05..0.65))
        } else {
            0.0
        },
        avg_click_rate: if engaged {
            round2(rng.random_range(0.0..0.12))
        } else {
            0.0
        },
        unsubscribe_reason: (status == MemberStatus::Unsubscribed).then(|| pick(rng, UNSUBSCRIBE_REASONS).to_owned()),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn generate_campaigns(rng: &mut StdRng, clock: &Clock, lists: &[List]) -> Vec<Campaign> {
    let mut ids = HashSet::new();
    let mut campaigns: Vec<Campaign> = CAMPAIGNS
        .iter()
        .map(|spec| {
            let mut id = hex(rng, 10);
            while !ids.insert(id.clone()) {
                id = hex(rng, 10);
            }
            campaign(rng, clock, spec, &lists[spec.list], id)
        })
        .collect();
    campaigns.sort_by(|a, b| a.create_time.cmp(&b.create_time).then_with(|| a.id.cmp(&b.id)));
    campaigns
}

fn campaign(rng: &mut StdRng, clock: &Clock, spec: &CampaignSpec, list: &List, id: String) -> Campaign {
    let subscribed = list.count(MemberStatus::Subscribed);
    // A segment of the audience, or all of it.
    let recipient_count = if rng.random_bool(0.7) {
        subscribed
    } else {
        subscribed * rng.random_range(40..95) / 100
    };
    let mut c = Campaign {
        id,
        web_id: rng.random_range(1_000_000..9_999_999),
        kind: spec.kind,
        status: Status::Save,
        title: spec.title.to_owned(),
        subject: spec.subject.to_owned(),
        preview_text: String::new(),
        from_name: list.from_name.clone(),
        reply_to: list.from_email.clone(),
        list_id: list.id.clone(),
        recipient_count,
        create_time: clock.at(clock.anchor),
        send_time: None,
        emails_sent: 0,
        report: None,
        rss: None,
        parent_campaign_id: None,
        timewarp: false,
        settle: None,
    };
    let created_before = |rng: &mut StdRng, t: i64| t - rng.random_range(HOUR..10 * DAY);
    match spec.plan {
        Plan::Draft => {
            c.create_time = clock.at(clock.anchor - rng.random_range(HOUR..30 * DAY));
        }
        Plan::Scheduled => {
            c.status = Status::Schedule;
            let ahead = rng.random_range(2 * HOUR..14 * DAY);
            // Rounded up to the quarter hour, so still ahead of the anchor.
            let at = (clock.anchor + ahead + QUARTER - 1).div_euclid(QUARTER) * QUARTER;
            c.send_time = Some(clock.at(at));
            c.create_time = clock.at(clock.anchor - rng.random_range(HOUR..20 * DAY));
        }
        Plan::Stuck => {
            c.status = Status::Sending;
            let started = clock.anchor - rng.random_range(3..7) * HOUR;
            c.send_time = Some(clock.at(started));
            c.create_time = clock.at(created_before(rng, started));
            c.emails_sent = recipient_count * rng.random_range(25..60) / 100;
            c.report = Some(report(rng, c.emails_sent, started, clock.anchor, Quality::Normal));
        }
        Plan::RssRunning | Plan::RssPaused => {
            c.status = if matches!(spec.plan, Plan::RssRunning) {
                Status::Sending
            } else {
                Status::Paused
            };
            let started = clock.anchor - rng.random_range(60..200) * DAY;
            let days = rng.random_range(1..20);
            let last = clock.days_ago(rng, days);
            c.send_time = Some(clock.at(started));
            c.create_time = clock.at(created_before(rng, started));
            c.emails_sent = recipient_count * rng.random_range(8..40);
            c.report = Some(report(rng, c.emails_sent, last, clock.anchor, Quality::Normal));
            c.rss = Some(RssOptions {
                feed_url: format!("https://blog.acme.example/feeds/{}.xml", c.web_id),
                frequency: if spec.title.contains("weekly") {
                    "weekly"
                } else {
                    "daily"
                },
                hour: rng.random_range(6..11),
                last_sent: Some(clock.at(last)),
            });
        }
        Plan::Sent(when, quality) => {
            c.status = Status::Sent;
            let sent = match when {
                When::ThisMonth => clock.this_month(rng),
                When::DaysAgo(days) => clock.days_ago(rng, days),
            }
            .min(clock.anchor);
            c.send_time = Some(clock.at(sent));
            c.create_time = clock.at(created_before(rng, sent));
            c.emails_sent = recipient_count;
            c.report = Some(report(rng, c.emails_sent, sent, clock.anchor, quality));
        }
        Plan::Canceled => {
            c.status = Status::Canceled;
            let days = rng.random_range(10..90);
            let started = clock.days_ago(rng, days);
            c.send_time = Some(clock.at(started));
            c.create_time = clock.at(created_before(rng, started));
            c.emails_sent = recipient_count * rng.random_range(1..20) / 100;
            c.report = Some(report(rng, c.emails_sent, started, clock.anchor, Quality::Normal));
        }
    }
    c
}

/// A report for `sent` emails that went out at `send` (seconds).
fn report(rng: &mut StdRng, sent: u64, send: i64, anchor: i64, quality: Quality) -> Report {
    let per_10k = |rng: &mut StdRng, lo: u64, hi: u64| sent * rng.random_range(lo..=hi) / 10_000;
    let (hard, soft) = match quality {
        Quality::Bounces => (per_10k(rng, 520, 640), per_10k(rng, 180, 260)),
        _ => (per_10k(rng, 10, 70), per_10k(rng, 20, 90)),
    };
    let unsubscribed = match quality {
        Quality::Unsubscribes => per_10k(rng, 150, 220),
        _ => per_10k(rng, 5, 40),
    };
    let delivered = sent.saturating_sub(hard + soft);
    let unique_opens = delivered * rng.random_range(1_500..4_500) / 10_000;
    let unique_clicks = unique_opens * rng.random_range(800..2_500) / 10_000;
    let last = |rng: &mut StdRng| (send + rng.random_range(HOUR..4 * DAY)).min(anchor);
    let last_open = (unique_opens > 0).then(|| last(rng));
    let last_click = (unique_clicks > 0).then(|| last(rng));
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
    Report {
        unsubscribed,
        abuse_reports: per_10k(rng, 0, 3),
        hard_bounces: hard,
        soft_bounces: soft,
        syntax_errors: 0,
        opens_total: unique_opens + unique_opens * rng.random_range(20..90) / 100,
        unique_opens,
        clicks_total: unique_clicks + unique_clicks * rng.random_range(10..60) / 100,
        unique_clicks,
        unique_subscriber_clicks: unique_clicks,
        forwards: unique_opens / rng.random_range(200..400),
        last_open: last_open.map(at),
        last_click: last_click.map(at),
    }
}

fn pick(rng: &mut StdRng, from: &[&'static str]) -> &'static str {
    from.choose(rng).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> Timestamp {
        "2025-06-18T14:00:00Z".parse().unwrap()
    }

    fn data(seed: u64) -> MailchimpData {
        generate(&mut StdRng::seed_from_u64(seed), anchor(), &[])
    }

    #[test]
    fn same_seed_and_anchor_same_records() {
        assert_eq!(data(9), data(9));
        assert_ne!(data(9), data(10));
    }

    #[test]
    fn every_list_holds_every_member_status_and_unique_hashes() {
        let d = data(1);
        assert_eq!(d.lists.len(), 3);
        let total: usize = d.lists.iter().map(|l| l.members.len()).sum();
        assert!(total >= 3000, "{total}");
        for list in &d.lists {
            for status in MemberStatus::ALL {
                assert!(list.count(status) > 0, "{} has no {status:?}", list.name);
            }
            assert_eq!(list.index.len(), list.members.len(), "{}", list.name);
        }
    }

    #[test]
    fn campaigns_cover_every_stage_with_the_planted_problems() {
        let d = data(2);
        assert_eq!(d.campaigns.len(), 40);
        let count = |s: Status| d.campaigns.iter().filter(|c| c.status == s).count();
        assert_eq!(count(Status::Sending), 3, "one stuck regular send, two running RSS");
        assert_eq!(count(Status::Paused), 2);
        assert_eq!(count(Status::Canceled), 2);
        assert!(count(Status::Save) >= 5 && count(Status::Schedule) >= 3 && count(Status::Sent) >= 15);
        let now = anchor();
        for c in &d.campaigns {
            assert!(c.create_time <= now, "{}", c.title);
            match c.status {
                Status::Schedule => {
                    let t = c.send_time.unwrap();
                    assert!(t > now && t.as_second() % (15 * 60) == 0, "{}: {t}", c.title);
                }
                Status::Save => assert_eq!(c.send_time, None),
                _ => assert!(c.send_time.unwrap() <= now && c.create_time <= c.send_time.unwrap()),
            }
        }
        let over = |f: &dyn Fn(&Report, u64) -> bool| {
            d.campaigns
                .iter()
                .filter(|c| c.report.as_ref().is_some_and(|r| f(r, c.emails_sent)))
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            over(&|r, sent| (r.hard_bounces + r.soft_bounces) * 100 > sent * 5),
            ["Win-back: we miss you"]
        );
        assert_eq!(
            over(&|r, sent| r.unsubscribed * 100 > sent),
            ["Flash sale: 48 hours only"]
        );
    }

    #[test]
    fn some_sends_and_changes_fall_in_the_anchor_month() {
        let d = data(3);
        let month: Timestamp = "2025-06-01T00:00:00Z".parse().unwrap();
        let sends = d
            .campaigns
            .iter()
            .filter(|c| c.status == Status::Sent && c.send_time.is_some_and(|t| t >= month))
            .count();
        assert!(sends >= 5, "{sends}");
        let unsubscribed_this_month = d.lists[0]
            .members
            .iter()
            .filter(|m| m.status == MemberStatus::Unsubscribed && m.last_changed >= month)
            .count();
        assert!(unsubscribed_this_month > 0);
    }

    #[test]
    fn known_people_are_planted_in_the_first_list() {
        let known: Vec<KnownPerson> = [
            ("a.b@globex.example", MemberStatus::Unsubscribed),
            ("c.d@hooli.example", MemberStatus::Cleaned),
        ]
        .into_iter()
        .map(|(email, status)| KnownPerson {
            first_name: "A".into(),
            last_name: "B".into(),
            email: email.into(),
            status,
        })
        .collect();
        let d = generate(&mut StdRng::seed_from_u64(4), anchor(), &known);
        let list = &d.lists[0];
        let a = list.member(&subscriber_hash("a.b@globex.example")).unwrap();
        assert_eq!(a.status, MemberStatus::Unsubscribed);
        let c = list.member(&subscriber_hash("C.D@hooli.example")).unwrap();
        assert_eq!(c.status, MemberStatus::Cleaned);
    }

    #[test]
    fn the_first_of_the_month_at_midnight_still_has_this_month_sends() {
        let first: Timestamp = "2025-07-01T00:00:00Z".parse().unwrap();
        let d = generate(&mut StdRng::seed_from_u64(5), first, &[]);
        assert!(d.campaigns.iter().any(|c| c.send_time == Some(first)));
    }
}
