//! `mops act`: one action from the shell, through the same plan, confirm,
//! read-only gate and audit path as the cockpit; and the failed-actions
//! queue (`--failed`, `--retry ID`, `--discard ID`), where an action the
//! vendor refused or never answered waits for a person. The steps are small
//! pure functions; [`run`] and [`run_queue`] string them together with the I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::audit::{AuditError, AuditLog};
use super::executor::Executor;
use super::{ActionArgs, ActionError, ActionSpec, ArgKind, Availability, Outcome, PlannedAction, Target, time};
use crate::cli::ActArgs;
use crate::config::{Config, SourceConfig};
use crate::http::{ClientInitError, HttpCore};
use crate::model::{
    Campaign, Contact, CrmTask, EmailData, Member, MemberStatus, Owner, Post, PostStatus, PostType, SourceKind,
};
use crate::quality::email::normalise;
use crate::sources::{self, BuildError, Connector, LIFECYCLE_STAGES, SourceData};
use crate::store::{StateStore, Store, StoreError, StoredFailure};

/// Why `mops act` stopped without sending (or why what it sent failed).
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("no source {name:?} in the config; its sources: {known}")]
    UnknownSource { name: String, known: String },
    #[error("{source_name} ({kind}) offers no actions yet")]
    NoActions { source_name: String, kind: &'static str },
    #[error("{source_name} has no action {action:?}; its actions: {valid}")]
    UnknownAction {
        source_name: String,
        action: String,
        valid: String,
    },
    #[error("{0}")]
    Usage(String),
    #[error("could not read {source_name}'s {what}: {reason}")]
    NoData {
        source_name: String,
        what: &'static str,
        reason: String,
    },
    /// `what` is "campaign", "contact", ...; `how` says what identifies one.
    #[error("{source_name} has no {what} {target:?} ({how}){hint}")]
    TargetNotFound {
        source_name: String,
        what: &'static str,
        how: &'static str,
        target: String,
        hint: String,
    },
    /// `what` reads "campaigns are titled", "contacts have the email", ...
    #[error("{count} {what} {target:?}; give one of their ids: {ids}")]
    Ambiguous {
        what: &'static str,
        target: String,
        count: usize,
        ids: String,
    },
    #[error("{email} is in {count} audiences of {source_name}: {audiences}; pick one with --audience LIST_ID")]
    AmbiguousMember {
        source_name: String,
        email: String,
        count: usize,
        audiences: String,
    },
    #[error("{source_name} has no audience {audience:?}; its audiences: {known}")]
    UnknownAudience {
        source_name: String,
        audience: String,
        known: String,
    },
    #[error("--owner {input:?}: {reason}; the owners of {source_name}: {owners}")]
    UnknownOwner {
        source_name: String,
        input: String,
        reason: String,
        owners: String,
    },
    #[error("--stage {input:?} is not a HubSpot lifecycle stage{hint}; the stages: {stages}")]
    BadStage {
        input: String,
        hint: String,
        stages: String,
    },
    #[error("cannot {action} {target:?}: {reason}")]
    Unavailable {
        action: String,
        target: String,
        reason: String,
    },
    #[error("--at {input:?}: {reason}")]
    BadTime { input: String, reason: String },
    #[error("not sent: no terminal to confirm on; pass --yes to send without asking")]
    NeedsYes,
    #[error("not sent: {0}")]
    Declined(String),
    #[error("could not ask for confirmation: {0}")]
    Prompt(#[source] io::Error),
    #[error("could not write the output: {0}")]
    Output(#[source] io::Error),
    #[error("not sent: {0}")]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Http(#[from] ClientInitError),
    /// Planning refused, or the action was refused before it was sent.
    #[error("{}", describe_failure(.0))]
    Action(ActionError),
    /// What was sent failed: the vendor refused it or no answer came.
    /// `queue` says where it is kept for a retry, or why it is not.
    #[error("{}\n{queue}", describe_failure(.error))]
    Failed { error: Box<ActionError>, queue: String },
    #[error("the failed-actions queue: {0}")]
    Store(#[from] StoreError),
    #[error("no failed action #{id}; {known}")]
    UnknownFailure { id: i64, known: String },
    #[error(
        "failed action #{id} was sent through source {source_name:?}, which is not in the config (its sources: {known}); \
         nothing sent: put the source back, or discard it with `mops act --discard {id}`"
    )]
    RetrySourceGone {
        id: i64,
        source_name: String,
        known: String,
    },
}

/// Asks the person at the terminal.
pub trait Ask {
    /// Shows `prompt` and reads one line; `Ok(None)` when there is no
    /// terminal to ask on.
    fn ask(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Asks on the controlling terminal (`/dev/tty`, which works even when
/// stdin is a pipe), else on stdin when stdin is a terminal. A piped stdin
/// never confirms anything: scripts say `--yes`.
#[derive(Debug, Default)]
pub struct TerminalAsk;

impl Ask for TerminalAsk {
    fn ask(&mut self, prompt: &str) -> io::Result<Option<String>> {
        if let Ok(tty) = OpenOptions::new().read(true).write(true).open("/dev/tty") {
            let mut writer = &tty;
            writer.write_all(prompt.as_bytes())?;
            writer.flush()?;
            return read_answer(BufReader::new(&tty)).map(Some);
        }
        if io::stdin().is_terminal() {
            let mut err = io::stderr().lock();
            err.write_all(prompt.as_bytes())?;
            err.flush()?;
            return read_answer(io::stdin().lock()).map(Some);
        }
        Ok(None)
    }
}

/// One line; end of input reads as an empty answer (no).
fn read_answer(mut reader: impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// What kind of record an action's TARGET names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetShape {
    Campaign,
    /// One CRM contact.
    Contact,
    /// The duplicate contact of a pair; `--into` names the one kept.
    Pair,
    /// An audience member, by email.
    Member,
    /// A CMS post or page: its id, slug or exact title.
    Post,
    /// A CRM task: its id or exact subject.
    Task,
}

impl TargetShape {
    /// How `--list` and the errors name the TARGET argument.
    pub fn label(self) -> &'static str {
        match self {
            TargetShape::Campaign => "CAMPAIGN",
            TargetShape::Contact => "CONTACT",
            TargetShape::Pair => "DUPLICATE",
            TargetShape::Member => "EMAIL",
            TargetShape::Post => "POST",
            TargetShape::Task => "TASK",
        }
    }
}

/// Stand-ins to ask the source registry which actions a kind of target
/// gets: the menus are defined there, not repeated here.
fn stand_in_member() -> Member {
    Member {
        id: String::new(),
        email: String::new(),
        status: MemberStatus::Subscribed,
        last_changed: Timestamp::UNIX_EPOCH,
    }
}

fn stand_in_post() -> Post {
    Post {
        id: 0,
        kind: PostType::Post,
        title: String::new(),
        status: PostStatus::Draft,
        date: None,
        modified: None,
        slug: String::new(),
        link: None,
        author_id: None,
    }
}

/// The kind of target `action` of a `kind` source acts on.
pub fn target_shape(kind: SourceKind, action: &str) -> TargetShape {
    let contact = Contact::default();
    let member = stand_in_member();
    let post = stand_in_post();
    let task = CrmTask::default();
    let offers = |target: Target<'_>| {
        sources::actions_for_target(kind, target)
            .iter()
            .any(|s| s.name == action)
    };
    if offers(Target::Merge {
        primary: &contact,
        secondary: &contact,
    }) {
        TargetShape::Pair
    } else if offers(Target::Contact(&contact)) {
        TargetShape::Contact
    } else if offers(Target::Member {
        list_id: "",
        member: &member,
    }) {
        TargetShape::Member
    } else if offers(Target::Post(&post)) {
        TargetShape::Post
    } else if offers(Target::Task(&task)) {
        TargetShape::Task
    } else {
        TargetShape::Campaign
    }
}

/// Every action a kind of source offers, on any kind of target, each once.
pub fn all_actions(kind: SourceKind) -> Vec<&'static ActionSpec> {
    let contact = Contact::default();
    let member = stand_in_member();
    let post = stand_in_post();
    let task = CrmTask::default();
    let by_target = [
        Target::Contact(&contact),
        Target::Merge {
            primary: &contact,
            secondary: &contact,
        },
        Target::Member {
            list_id: "",
            member: &member,
        },
        Target::Post(&post),
        Target::Task(&task),
    ];
    let mut all: Vec<&'static ActionSpec> = sources::actions_for(kind).iter().collect();
    for target in by_target {
        for spec in sources::actions_for_target(kind, target) {
            if !all.iter().any(|s| s.name == spec.name) {
                all.push(spec);
            }
        }
    }
    all
}

/// A flag that an action takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagUse {
    pub flag: &'static str,
    pub value: &'static str,
    pub required: bool,
    /// Said when a required flag is missing.
    pub hint: &'static str,
}

impl FlagUse {
    /// "--at TIME", or "[--audience LIST_ID]" when optional.
    pub fn usage(&self) -> String {
        if self.required {
            format!("{} {}", self.flag, self.value)
        } else {
            format!("[{} {}]", self.flag, self.value)
        }
    }
}

const AT: FlagUse = FlagUse {
    flag: "--at",
    value: "TIME",
    required: true,
    hint: "e.g. --at 'tomorrow 09:00'",
};
const OWNER: FlagUse = FlagUse {
    flag: "--owner",
    value: "OWNER",
    required: true,
    hint: "a HubSpot owner id, or the owner's email",
};
const STAGE: FlagUse = FlagUse {
    flag: "--stage",
    value: "STAGE",
    required: true,
    hint: "HubSpot's internal value, like marketingqualifiedlead",
};
const INTO: FlagUse = FlagUse {
    flag: "--into",
    value: "KEEPER",
    required: true,
    hint: "the contact to keep (id or email); TARGET is the duplicate merged into it",
};
const AUDIENCE: FlagUse = FlagUse {
    flag: "--audience",
    value: "LIST_ID",
    required: false,
    hint: "the audience's id or exact name",
};

/// The flags `spec` takes besides `--yes` and `--dry-run`.
pub fn flags_taken(spec: &ActionSpec, shape: TargetShape) -> Vec<FlagUse> {
    let mut flags = Vec::new();
    match spec.arg {
        ArgKind::Time => flags.push(AT),
        ArgKind::Owner => flags.push(OWNER),
        ArgKind::LifecycleStage => flags.push(STAGE),
        ArgKind::None => {}
    }
    match shape {
        TargetShape::Pair => flags.push(INTO),
        TargetShape::Member => flags.push(AUDIENCE),
        TargetShape::Campaign | TargetShape::Contact | TargetShape::Post | TargetShape::Task => {}
    }
    flags
}

/// Which of the action flags were given, by name.
fn given_flags(args: &ActArgs) -> [(&'static str, bool); 5] {
    [
        (AT.flag, args.at.is_some()),
        (OWNER.flag, args.owner.is_some()),
        (STAGE.flag, args.stage.is_some()),
        (INTO.flag, args.into.is_some()),
        (AUDIENCE.flag, args.audience.is_some()),
    ]
}

/// Refuses a flag the action does not take (saying which it does) and a
/// missing required one (saying what it wants).
pub fn check_flags(spec: &ActionSpec, shape: TargetShape, given: &[(&'static str, bool)]) -> Result<(), ActError> {
    let taken = flags_taken(spec, shape);
    for (flag, _) in given.iter().filter(|(_, present)| *present) {
        if !taken.iter().any(|t| t.flag == *flag) {
            let takes = if taken.is_empty() {
                "it takes no flags besides --yes and --dry-run".to_owned()
            } else {
                format!(
                    "it takes {}",
                    taken.iter().map(FlagUse::usage).collect::<Vec<_>>().join(" ")
                )
            };
            return Err(ActError::Usage(format!("{} does not take {flag}: {takes}", spec.name)));
        }
    }
    for need in taken.iter().filter(|t| t.required) {
        if !given.iter().any(|(flag, present)| *present && *flag == need.flag) {
            return Err(ActError::Usage(format!(
                "{} needs {}: {}",
                spec.name,
                need.usage(),
                need.hint
            )));
        }
    }
    Ok(())
}

/// `mops act SOURCE --list`: one line per action, with what its TARGET
/// names and the flags it takes.
pub fn list_actions(source_name: &str, kind: SourceKind) -> String {
    let specs = all_actions(kind);
    if specs.is_empty() {
        return format!("{source_name} ({}) offers no actions yet\n", kind.label());
    }
    let rows: Vec<(&ActionSpec, TargetShape, Vec<FlagUse>)> = specs
        .iter()
        .map(|spec| {
            let shape = target_shape(kind, spec.name);
            (*spec, shape, flags_taken(spec, shape))
        })
        .collect();
    let width = specs.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let target_width = rows.iter().map(|(_, shape, _)| shape.label().len()).max().unwrap_or(0);
    let summary_width = specs.iter().map(|s| s.summary.len()).max().unwrap_or(0);
    let mut text = format!("Actions of {source_name} ({}):\n", kind.label());
    for (spec, shape, flags) in rows {
        let mut notes: Vec<String> = flags
            .iter()
            .map(|f| {
                if f.required {
                    format!("needs {}", f.usage())
                } else {
                    format!("optional {}", f.usage())
                }
            })
            .collect();
        if spec.irreversible {
            notes.push("IRREVERSIBLE: confirm by typing the target's name".to_owned());
        }
        let line = if notes.is_empty() {
            format!(
                "  {:width$}  {:target_width$}  {}",
                spec.name,
                shape.label(),
                spec.summary
            )
        } else {
            format!(
                "  {:width$}  {:target_width$}  {:summary_width$}  [{}]",
                spec.name,
                shape.label(),
                spec.summary,
                notes.join("; ")
            )
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The action called `name` (the vendor's kebab-case) among everything the
/// source offers, member actions included, or an error listing the valid ones.
pub fn find_action(source_name: &str, kind: SourceKind, name: &str) -> Result<&'static ActionSpec, ActError> {
    if let Some(spec) = sources::find_action_spec(kind, name) {
        return Ok(spec);
    }
    let specs = all_actions(kind);
    if specs.is_empty() {
        return Err(ActError::NoActions {
            source_name: source_name.to_owned(),
            kind: kind.label(),
        });
    }
    Err(ActError::UnknownAction {
        source_name: source_name.to_owned(),
        action: name.to_owned(),
        valid: specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
    })
}

/// The campaign `key` names: by id, else by web id, else by exact title.
pub fn find_campaign<'a>(source_name: &str, campaigns: &'a [Campaign], key: &str) -> Result<&'a Campaign, ActError> {
    if let Some(c) = campaigns.iter().find(|c| c.id == key) {
        return Ok(c);
    }
    if let Ok(web_id) = key.parse::<u64>()
        && let Some(c) = campaigns.iter().find(|c| c.web_id == Some(web_id))
    {
        return Ok(c);
    }
    let titled: Vec<&Campaign> = campaigns.iter().filter(|c| c.title == key).collect();
    match titled.as_slice() {
        [one] => Ok(one),
        [] => {
            // A near miss in case or spacing is worth pointing at.
            let lower = key.trim().to_lowercase();
            let near: Vec<String> = campaigns
                .iter()
                .filter(|c| !lower.is_empty() && c.title.to_lowercase().contains(&lower))
                .take(5)
                .map(|c| format!("{:?} ({})", c.title, c.id))
                .collect();
            Err(ActError::TargetNotFound {
                source_name: source_name.to_owned(),
                what: "campaign",
                how: "give its id, web id or exact title",
                target: key.to_owned(),
                hint: did_you_mean(&near),
            })
        }
        many => Err(ActError::Ambiguous {
            what: "campaigns are titled",
            target: key.to_owned(),
            count: many.len(),
            ids: many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

fn did_you_mean(near: &[String]) -> String {
    if near.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}", near.join(", "))
    }
}

/// Addresses close to `wanted` (both normalised): one contains the other, or
/// they are a typo or two apart.
fn near_email(candidate: &str, wanted: &str) -> bool {
    candidate.contains(wanted) || wanted.contains(candidate) || strsim::levenshtein(candidate, wanted) <= 2
}

/// The contact `key` names: by id, else by email (case and surrounding
/// whitespace ignored; plus-addressing kept, as the quality join does).
pub fn find_contact<'a>(
    source_name: &str,
    contacts: &'a BTreeMap<String, Contact>,
    key: &str,
) -> Result<&'a Contact, ActError> {
    let trimmed = key.trim();
    if let Some(c) = contacts.get(trimmed) {
        return Ok(c);
    }
    let not_found = |hint: String| ActError::TargetNotFound {
        source_name: source_name.to_owned(),
        what: "contact",
        how: "give its id or email",
        target: key.to_owned(),
        hint,
    };
    let Some(wanted) = normalise(trimmed) else {
        return Err(not_found(String::new()));
    };
    let email_of = |c: &Contact| c.email.as_deref().and_then(normalise).map(|e| e.into_owned());
    let matching: Vec<&Contact> = contacts
        .values()
        .filter(|c| email_of(c).as_deref() == Some(&*wanted))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let near: Vec<String> = if wanted.contains('@') {
                contacts
                    .values()
                    .filter_map(|c| email_of(c).filter(|e| near_email(e, &wanted)).map(|e| (e, &c.id)))
                    .take(5)
                    .map(|(e, id)| format!("{e} ({id})"))
                    .collect()
            } else {
                Vec::new()
            };
            Err(not_found(did_you_mean(&near)))
        }
        many => Err(ActError::Ambiguous {
            what: "contacts have the email",
            target: key.to_owned(),
            count: many.len(),
            ids: many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The post or page `key` names: by id, else by slug, else by exact title
/// (surrounding whitespace ignored). A post and a page may share a slug.
pub fn find_post<'a>(source_name: &str, posts: &'a BTreeMap<u64, Post>, key: &str) -> Result<&'a Post, ActError> {
    let wanted = key.trim();
    if let Ok(id) = wanted.parse::<u64>()
        && let Some(post) = posts.get(&id)
    {
        return Ok(post);
    }
    let one_of = |what: &'static str, matching: Vec<&'a Post>| -> Option<Result<&'a Post, ActError>> {
        match matching.as_slice() {
            [] => None,
            [one] => Some(Ok(*one)),
            many => Some(Err(ActError::Ambiguous {
                what,
                target: key.to_owned(),
                count: many.len(),
                ids: many.iter().map(|p| p.id.to_string()).collect::<Vec<_>>().join(", "),
            })),
        }
    };
    if wanted.is_empty() {
        return Err(post_not_found(source_name, key, String::new()));
    }
    if let Some(found) = one_of(
        "posts have the slug",
        posts.values().filter(|p| p.slug == wanted).collect(),
    ) {
        return found;
    }
    if let Some(found) = one_of(
        "posts are titled",
        posts.values().filter(|p| p.title.trim() == wanted).collect(),
    ) {
        return found;
    }
    let lower = wanted.to_lowercase();
    let near: Vec<String> = posts
        .values()
        .filter(|p| p.title.to_lowercase().contains(&lower) || p.slug.contains(&lower))
        .take(5)
        .map(|p| format!("{:?} ({})", p.display_title(), p.id))
        .collect();
    Err(post_not_found(source_name, key, did_you_mean(&near)))
}

fn post_not_found(source_name: &str, key: &str, hint: String) -> ActError {
    ActError::TargetNotFound {
        source_name: source_name.to_owned(),
        what: "post",
        how: "give its id, slug or exact title",
        target: key.to_owned(),
        hint,
    }
}

/// The open CRM task `key` names: by id, else by exact subject (surrounding
/// whitespace ignored).
pub fn find_task<'a>(source_name: &str, tasks: &'a [CrmTask], key: &str) -> Result<&'a CrmTask, ActError> {
    let wanted = key.trim();
    if let Some(task) = tasks.iter().find(|t| t.id == wanted) {
        return Ok(task);
    }
    let matching: Vec<&CrmTask> = tasks
        .iter()
        .filter(|t| !wanted.is_empty() && t.subject.trim() == wanted)
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => {
            let lower = wanted.to_lowercase();
            let near: Vec<String> = tasks
                .iter()
                .filter(|t| !lower.is_empty() && t.subject.to_lowercase().contains(&lower))
                .take(5)
                .map(|t| format!("{:?} ({})", t.display_subject(), t.id))
                .collect();
            Err(ActError::TargetNotFound {
                source_name: source_name.to_owned(),
                what: "open task",
                how: "give its id or exact subject",
                target: key.to_owned(),
                hint: did_you_mean(&near),
            })
        }
        many => Err(ActError::Ambiguous {
            what: "open tasks have the subject",
            target: key.to_owned(),
            count: many.len(),
            ids: many.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The member `email` names, in the one audience it is in or the one
/// `audience` (an id or exact name) picks.
pub fn find_member<'a>(
    source_name: &str,
    data: &'a EmailData,
    email: &str,
    audience: Option<&str>,
) -> Result<(&'a str, &'a Member), ActError> {
    let audience_name = |id: &str| {
        data.audiences
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_owned(), |a| format!("{} ({id})", a.name))
    };
    let only = match audience {
        None => None,
        Some(wanted) => {
            let wanted = wanted.trim();
            let id = data
                .audiences
                .iter()
                .find(|a| a.id == wanted)
                .or_else(|| data.audiences.iter().find(|a| a.name == wanted))
                .map(|a| a.id.as_str())
                .or_else(|| data.members.keys().find(|id| *id == wanted).map(String::as_str));
            match id {
                Some(id) => Some(id),
                None => {
                    let mut known: Vec<String> = data.audiences.iter().map(|a| audience_name(&a.id)).collect();
                    if known.is_empty() {
                        known.push("none".to_owned());
                    }
                    return Err(ActError::UnknownAudience {
                        source_name: source_name.to_owned(),
                        audience: wanted.to_owned(),
                        known: known.join(", "),
                    });
                }
            }
        }
    };
    let not_found = |hint: String| ActError::TargetNotFound {
        source_name: source_name.to_owned(),
        what: "audience member",
        how: match only {
            Some(_) => "in that audience; give the member's email",
            None => "in any audience; give the member's email",
        },
        target: email.to_owned(),
        hint,
    };
    let Some(wanted) = normalise(email) else {
        return Err(not_found(String::new()));
    };
    let lists = data
        .members
        .iter()
        .filter(|(id, _)| only.is_none_or(|only| only == id.as_str()));
    let mut found: Vec<(&'a str, &'a Member)> = Vec::new();
    let mut near: Vec<String> = Vec::new();
    for (list_id, members) in lists {
        for member in members.values() {
            let Some(address) = normalise(&member.email) else {
                continue;
            };
            if address == wanted {
                found.push((list_id.as_str(), member));
            } else if near.len() < 5 && wanted.contains('@') && near_email(&address, &wanted) {
                near.push(format!("{} (in {})", member.email, audience_name(list_id)));
            }
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(not_found(did_you_mean(&near))),
        many => Err(ActError::AmbiguousMember {
            source_name: source_name.to_owned(),
            email: email.to_owned(),
            count: many.len(),
            audiences: many
                .iter()
                .map(|(id, m)| format!("{} [{}]", audience_name(id), status_word(m.status)))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Mailchimp's own word for a member status.
fn status_word(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Subscribed => "subscribed",
        MemberStatus::Unsubscribed => "unsubscribed",
        MemberStatus::Cleaned => "cleaned",
        MemberStatus::Pending => "pending",
        MemberStatus::Transactional => "transactional",
        MemberStatus::Archived => "archived",
    }
}

/// The owner id `input` names: a numeric id (checked against the CRM's
/// owners when it has any), or an owner's email.
pub fn resolve_owner(source_name: &str, owners: &[Owner], input: &str) -> Result<String, ActError> {
    let wanted = input.trim();
    let unknown = |reason: String| ActError::UnknownOwner {
        source_name: source_name.to_owned(),
        input: input.to_owned(),
        reason,
        owners: if owners.iter().all(|o| o.archived) {
            "none active".to_owned()
        } else {
            owners
                .iter()
                .filter(|o| !o.archived)
                .map(|o| match &o.email {
                    Some(email) => format!("{} {email}", o.id),
                    None => format!("{} {}", o.id, o.display_name()),
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    };
    let owner = if !wanted.is_empty() && wanted.bytes().all(|b| b.is_ascii_digit()) {
        if owners.is_empty() {
            // Nothing to check against: HubSpot itself will say if it is wrong.
            return Ok(wanted.to_owned());
        }
        owners
            .iter()
            .find(|o| o.id == wanted)
            .ok_or_else(|| unknown("no owner has that id".to_owned()))?
    } else {
        let Some(email) = normalise(wanted).filter(|e| e.contains('@')) else {
            return Err(unknown("give an owner id (a number) or an owner's email".to_owned()));
        };
        let mut matching = owners
            .iter()
            .filter(|o| o.email.as_deref().and_then(normalise).as_deref() == Some(&*email));
        // An owner may be listed twice, archived and active: the active one counts.
        let all: Vec<&Owner> = matching.by_ref().collect();
        all.iter()
            .find(|o| !o.archived)
            .or_else(|| all.first())
            .copied()
            .ok_or_else(|| unknown("no owner has that email".to_owned()))?
    };
    if owner.archived {
        return Err(unknown(format!(
            "{} (id {}) is archived and can own nothing",
            owner.display_name(),
            owner.id
        )));
    }
    Ok(owner.id.clone())
}

/// `--stage`, as HubSpot's internal value: case and surrounding whitespace
/// ignored, anything else refused with the closest stage.
pub fn lifecycle_stage(input: &str) -> Result<String, ActError> {
    let wanted = input.trim().to_lowercase();
    if LIFECYCLE_STAGES.contains(&wanted.as_str()) {
        return Ok(wanted);
    }
    let hint = nearest_stage(&wanted)
        .map(|s| format!("; did you mean {s}?"))
        .unwrap_or_default();
    Err(ActError::BadStage {
        input: input.to_owned(),
        hint,
        stages: LIFECYCLE_STAGES.join(", "),
    })
}

/// The stage a person probably meant: the label with its spaces ("sales
/// qualified lead"), the usual abbreviations, or a typo or two away.
fn nearest_stage(wanted: &str) -> Option<&'static str> {
    let squashed: String = wanted.chars().filter(|c| c.is_alphanumeric()).collect();
    match squashed.as_str() {
        "mql" => return Some("marketingqualifiedlead"),
        "sql" => return Some("salesqualifiedlead"),
        _ => {}
    }
    LIFECYCLE_STAGES
        .iter()
        .map(|s| (strsim::levenshtein(&squashed, s), *s))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, s)| *distance <= (s.len() / 4).max(2))
        .map(|(_, s)| s)
}

/// `--at`, for an action that takes a time (checked by [`check_flags`]).
pub fn parse_time(at: Option<&str>, now: Timestamp, tz: &TimeZone) -> Result<Option<Timestamp>, ActError> {
    at.map(|input| {
        time::parse_when(input, now, tz).map_err(|reason| ActError::BadTime {
            input: input.to_owned(),
            reason,
        })
    })
    .transpose()
}

/// The request exactly as it will be sent (secrets masked) and what it will do.
pub fn show_plan(planned: &PlannedAction) -> String {
    let mut text = format!(
        "{}: {} {:?} ({})\n\n",
        planned.source, planned.action, planned.target_name, planned.target_id
    );
    for line in planned.request_lines() {
        let _ = writeln!(text, "  {line}");
    }
    let _ = writeln!(text, "\nEffect: {}", planned.effect);
    if planned.irreversible {
        text.push_str("This cannot be undone.\n");
    }
    text
}

/// What the person is asked before `planned` is sent.
pub fn confirm_prompt(planned: &PlannedAction) -> String {
    if planned.irreversible {
        format!(
            "Type the target's name ({}) to send, anything else cancels: ",
            planned.target_name
        )
    } else {
        "Send? [y/N] ".to_owned()
    }
}

/// Whether `answer` confirms `planned`: `y`/`yes`, or for an irreversible
/// action the target's name typed exactly.
pub fn confirms(planned: &PlannedAction, answer: &str) -> bool {
    if planned.irreversible {
        !planned.target_name.is_empty() && answer.trim() == planned.target_name
    } else {
        matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
    }
}

/// A success, in one line.
pub fn describe_outcome(planned: &PlannedAction, outcome: &Outcome) -> String {
    format!(
        "{} {:?}: {} (HTTP {}, {} ms, request id {})",
        planned.action,
        planned.target_name,
        outcome.summary,
        outcome.http_status,
        outcome.duration.as_millis(),
        outcome.request_id,
    )
}

/// A failure with everything a person needs to chase it at the vendor.
pub fn describe_failure(error: &ActionError) -> String {
    // Connectors often say some of this in the message already; each detail
    // still gets its own line, so a script or a person can pick it out.
    let mut text = error.message.clone();
    if let Some(status) = error.http_status {
        let _ = write!(text, "\n  HTTP status: {status}");
    }
    if let Some(vendor) = &error.vendor {
        if let Some(code) = &vendor.code {
            let _ = write!(text, "\n  vendor code: {code}");
        }
        if !error.message.contains(&vendor.message) {
            let _ = write!(text, "\n  vendor says: {}", vendor.message);
        }
    }
    match &error.request_id {
        Some(id) => {
            let _ = write!(text, "\n  request id:  {id}");
        }
        None if error.http_status.is_none() && !error.message.contains("not sent") => {
            text.push_str("\n  (nothing was sent)");
        }
        None => {}
    }
    text
}

fn source<'a>(cfg: &'a Config, name: &str) -> Result<&'a SourceConfig, ActError> {
    cfg.source(name).ok_or_else(|| ActError::UnknownSource {
        name: name.to_owned(),
        known: source_names(cfg),
    })
}

fn source_names(cfg: &Config) -> String {
    if cfg.sources.is_empty() {
        "none".to_owned()
    } else {
        cfg.sources
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a poll for `key` reads: a task needs only the open tasks and the
/// owners, not every contact; a post only the posts `key` can name, in
/// every status but trash (the full read holds only the working set, never
/// a published post).
fn scope_for(shape: TargetShape, key: &str) -> sources::DataScope<'_> {
    match shape {
        TargetShape::Task => sources::DataScope::Tasks,
        TargetShape::Post => sources::DataScope::Post(key),
        TargetShape::Campaign | TargetShape::Contact | TargetShape::Pair | TargetShape::Member => {
            sources::DataScope::All
        }
    }
}

/// What a poll must bring back for a kind of target, for error messages.
fn data_needed(shape: TargetShape) -> &'static str {
    match shape {
        TargetShape::Campaign => "campaigns",
        TargetShape::Contact | TargetShape::Pair => "contacts",
        TargetShape::Member => "audience members",
        TargetShape::Post => "posts",
        TargetShape::Task => "open tasks",
    }
}

/// How the target reads in errors: the name a person would recognise.
fn target_label(target: Target<'_>) -> String {
    match target {
        Target::Campaign(c) => c.display_name().to_owned(),
        Target::Contact(c) => c.display_name(),
        Target::Merge { secondary, .. } => secondary.display_name(),
        Target::Member { member, .. } => member.email.clone(),
        Target::Post(p) => p.display_title().to_owned(),
        Target::Task(t) => t.display_subject().to_owned(),
    }
}

/// Runs `mops act` on a loaded config. Writes the plan and outcome to `out`;
/// asks through `ask` unless `--yes`, `--dry-run` or read-only mode (whose
/// refusal needs no confirming). `readonly` is the command-line flag; the
/// config's `readonly` applies too. An action that was sent and failed is
/// kept in the failed-actions queue of the default store.
pub async fn run(
    cfg: &Config,
    args: &ActArgs,
    readonly: bool,
    out: &mut dyn Write,
    ask: &mut dyn Ask,
) -> Result<(), ActError> {
    if !args.needs_config() {
        return run_queue(args, out);
    }
    let readonly = readonly || cfg.readonly;
    if let Some(id) = args.retry {
        return retry(cfg, id, args.yes, args.dry_run, readonly, out, ask).await;
    }
    let Some(source_name) = args.source.as_deref() else {
        return Err(ActError::Usage(
            "give SOURCE ACTION TARGET, SOURCE --list, --failed, --retry ID or --discard ID".to_owned(),
        ));
    };
    let source = source(cfg, source_name)?;
    if args.list {
        return out
            .write_all(list_actions(&source.name, source.kind).as_bytes())
            .map_err(ActError::Output);
    }
    let (Some(action), Some(key)) = (args.action.as_deref(), args.target.as_deref()) else {
        return Err(ActError::Usage("give ACTION and TARGET, or --list".to_owned()));
    };
    let spec = find_action(&source.name, source.kind, action)?;
    let shape = target_shape(source.kind, spec.name);
    // Everything the command line alone can refuse is refused before polling.
    check_flags(spec, shape, &given_flags(args))?;
    let mut action_args = ActionArgs {
        time: parse_time(args.at.as_deref(), Timestamp::now(), &TimeZone::system())?,
        lifecycle_stage: args.stage.as_deref().map(lifecycle_stage).transpose()?,
        ..ActionArgs::default()
    };

    let core = HttpCore::new(readonly)?;
    let connector = sources::build(&core, source)?;
    let report = connector.poll_scope(scope_for(shape, key)).await;
    let data = report.data;
    let target = match (shape, &data) {
        (TargetShape::Campaign, Some(SourceData::Email(d))) => {
            Target::Campaign(find_campaign(&source.name, &d.campaigns, key)?)
        }
        (TargetShape::Member, Some(SourceData::Email(d))) => {
            let (list_id, member) = find_member(&source.name, d, key, args.audience.as_deref())?;
            Target::Member { list_id, member }
        }
        (TargetShape::Contact, Some(SourceData::Crm(d))) => {
            let contact = find_contact(&source.name, &d.contacts, key)?;
            if let Some(owner) = args.owner.as_deref() {
                action_args.owner_id = Some(resolve_owner(&source.name, &d.owners, owner)?);
            }
            Target::Contact(contact)
        }
        (TargetShape::Pair, Some(SourceData::Crm(d))) => {
            let secondary = find_contact(&source.name, &d.contacts, key)?;
            let keeper = args
                .into
                .as_deref()
                .ok_or_else(|| ActError::Usage(format!("{} needs {}: {}", spec.name, INTO.usage(), INTO.hint)))?;
            let primary = find_contact(&source.name, &d.contacts, keeper)?;
            Target::Merge { primary, secondary }
        }
        (TargetShape::Post, Some(SourceData::Content(d))) => Target::Post(find_post(&source.name, &d.posts, key)?),
        (TargetShape::Task, Some(SourceData::Crm(d))) => {
            let task = find_task(&source.name, &d.tasks, key)?;
            if let Some(owner) = args.owner.as_deref() {
                action_args.owner_id = Some(resolve_owner(&source.name, &d.owners, owner)?);
            }
            Target::Task(task)
        }
        (shape, _) => {
            return Err(ActError::NoData {
                source_name: source.name.clone(),
                what: data_needed(shape),
                reason: format!("{}: {}", report.probe.status.label(), report.probe.summary),
            });
        }
    };
    if let Availability::Disabled(reason) = sources::availability(source.kind, spec.name, target) {
        return Err(ActError::Unavailable {
            action: spec.name.to_owned(),
            target: target_label(target),
            reason: unavailable_reason(reason, target),
        });
    }
    let planned = connector
        .plan(spec.name, target, &action_args)
        .map_err(ActError::Action)?;
    write(out, &show_plan(&planned))?;
    if args.dry_run {
        return write(out, "\ndry run: nothing sent\n");
    }
    out.flush().map_err(ActError::Output)?;

    // Opened before asking, so nobody confirms an action that cannot be audited.
    let audit = open_audit(source)?;
    if !readonly && !args.yes {
        confirm(&planned, ask)?;
    }
    let executor = Executor::new(audit, readonly);
    match executor.run(connector.as_ref(), &planned).await {
        Ok(outcome) => report_success(out, &executor, &planned, &outcome),
        Err(error) if was_sent(&error) => {
            let queue = keep_failure(&source.name, &planned, &error);
            Err(ActError::Failed {
                error: Box::new(error),
                queue,
            })
        }
        Err(error) => Err(ActError::Action(error)),
    }
}

fn write(out: &mut dyn Write, text: &str) -> Result<(), ActError> {
    out.write_all(text.as_bytes()).map_err(ActError::Output)
}

/// Why the target's state forbids the action, with that state named.
fn unavailable_reason(reason: String, target: Target<'_>) -> String {
    match target {
        Target::Campaign(c) => format!("{reason} (its status is {})", c.status.key()),
        Target::Member { list_id, .. } => format!("{reason} (in audience {list_id})"),
        Target::Post(p) => format!("{reason} (its status is {})", p.status.key()),
        Target::Task(t) => format!("{reason} (its status is {})", t.status.key()),
        Target::Contact(_) | Target::Merge { .. } => reason,
    }
}

/// The audit log, scrubbing the source's secret from what it records.
fn open_audit(source: &SourceConfig) -> Result<AuditLog, ActError> {
    let mut audit = AuditLog::open_default()?;
    if let Some((_, secret)) = source.secret()
        && let Ok(secret) = secret.resolve()
    {
        audit = audit.with_secrets([secret]);
    }
    Ok(audit)
}

/// Asks the person; anything but a confirmation stops here.
fn confirm(planned: &PlannedAction, ask: &mut dyn Ask) -> Result<(), ActError> {
    match ask.ask(&confirm_prompt(planned)).map_err(ActError::Prompt)? {
        None => Err(ActError::NeedsYes),
        Some(answer) if !confirms(planned, &answer) => Err(ActError::Declined(if planned.irreversible {
            "the name typed did not match".to_owned()
        } else {
            "not confirmed".to_owned()
        })),
        Some(_) => Ok(()),
    }
}

fn report_success(
    out: &mut dyn Write,
    executor: &Executor,
    planned: &PlannedAction,
    outcome: &Outcome,
) -> Result<(), ActError> {
    write(out, &format!("\n{}\n", describe_outcome(planned, outcome)))?;
    write(out, &format!("audited in {}\n", executor.audit_log().path().display()))
}

/// Whether a failed action left for the vendor: it answered with an error,
/// or no answer came. Refusals before sending (read-only mode, an audit log
/// that cannot be written, an open circuit) carry neither a status nor a
/// request id, and are not worth keeping: nothing happened.
pub fn was_sent(error: &ActionError) -> bool {
    error.http_status.is_some() || error.request_id.is_some()
}

/// What the person is told about a kept failure.
pub fn kept_note(id: i64) -> String {
    format!("kept in the failed-actions queue as #{id}: retry with `mops act --retry {id}`")
}

/// Keeps a sent action that failed, for a person to retry or discard; says
/// where it went. A queue that cannot be opened never hides the action's own
/// error: it is logged and said after it.
fn keep_failure(source_name: &str, planned: &PlannedAction, error: &ActionError) -> String {
    // A short synchronous write: this process has nothing else to run meanwhile.
    let kept =
        Store::open_default().and_then(|store| store.add_failed_action(source_name, planned, error, Timestamp::now()));
    match kept {
        Ok(id) => kept_note(id),
        Err(e) => {
            tracing::warn!(error = %e, action = %planned.action, "failed action not kept for retry");
            format!("not kept for retry: {e}")
        }
    }
}

/// `--failed` and `--discard ID`: the queue alone, no config needed.
pub fn run_queue(args: &ActArgs, out: &mut dyn Write) -> Result<(), ActError> {
    let store = Store::open_default()?;
    if let Some(id) = args.discard {
        let text = match discard(&store, id)? {
            Some(gone) => format!(
                "discarded failed action #{id}: {} {} {:?} ({}); nothing was sent\n",
                gone.source, gone.planned.action, gone.planned.target_name, gone.planned.target_id
            ),
            None => format!("discarded failed action #{id} (unreadable); nothing was sent\n"),
        };
        return write(out, &text);
    }
    if args.failed {
        return write(out, &failed_table(&store.failed_actions()?, &TimeZone::system()));
    }
    Err(ActError::Usage("give --failed or --discard ID".to_owned()))
}

/// Forgets failure `id`, returning it (`None` for a row that no longer
/// decodes, which can still be discarded), or an error naming the ids kept.
pub fn discard(store: &dyn StateStore, id: i64) -> Result<Option<StoredFailure>, ActError> {
    let failures = store.failed_actions()?;
    let found = failures.iter().find(|f| f.id == id).cloned();
    if store.remove_failed_action(id)? {
        Ok(found)
    } else {
        Err(unknown_failure(id, &failures))
    }
}

fn unknown_failure(id: i64, failures: &[StoredFailure]) -> ActError {
    let known = if failures.is_empty() {
        "the failed-actions queue is empty".to_owned()
    } else {
        let ids: Vec<String> = failures.iter().map(|f| format!("#{}", f.id)).collect();
        format!("the failed-actions queue holds {}", ids.join(", "))
    };
    ActError::UnknownFailure { id, known }
}

/// `--retry ID`: the stored request exactly as it was, confirmed like any
/// action, sent once through the executor. Success takes it off the queue;
/// a new failure replaces the old one under the same id.
async fn retry(
    cfg: &Config,
    id: i64,
    yes: bool,
    dry_run: bool,
    readonly: bool,
    out: &mut dyn Write,
    ask: &mut dyn Ask,
) -> Result<(), ActError> {
    let store = Store::open_default()?;
    let failures = store.failed_actions()?;
    let failure = failures
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(|| unknown_failure(id, &failures))?;
    let source = cfg.source(&failure.source).ok_or_else(|| ActError::RetrySourceGone {
        id,
        source_name: failure.source.clone(),
        known: source_names(cfg),
    })?;
    // The source may have been repointed at another kind of vendor since.
    find_action(&source.name, source.kind, &failure.planned.action)?;
    let planned = &failure.planned;
    write(out, &describe_kept(failure, &TimeZone::system()))?;
    write(out, &show_plan(planned))?;
    if dry_run {
        return write(
            out,
            &format!("\ndry run: nothing sent; #{id} stays in the failed-actions queue\n"),
        );
    }
    out.flush().map_err(ActError::Output)?;

    let audit = open_audit(source)?;
    if !readonly && !yes {
        confirm(planned, ask)?;
    }
    let core = HttpCore::new(readonly)?;
    let connector: std::sync::Arc<dyn Connector> = sources::build(&core, source)?;
    let executor = Executor::new(audit, readonly);
    match executor.run(connector.as_ref(), planned).await {
        Ok(outcome) => {
            report_success(out, &executor, planned, &outcome)?;
            match store.remove_failed_action(id) {
                Ok(_) => write(out, &format!("removed #{id} from the failed-actions queue\n")),
                Err(e) => {
                    tracing::warn!(error = %e, id, "retried action not removed from the queue");
                    write(
                        out,
                        &format!(
                            "sent, but #{id} could not be removed from the failed-actions queue ({e}); \
                             discard it with `mops act --discard {id}`\n"
                        ),
                    )
                }
            }
        }
        Err(error) if was_sent(&error) => {
            let queue = match store.replace_failed_action(id, &failure.source, planned, &error, Timestamp::now()) {
                Ok(kept) => format!("failed again; {}", kept_note(kept)),
                Err(e) => {
                    tracing::warn!(error = %e, id, "the new failure of a retried action not recorded");
                    format!(
                        "failed again; #{id} stays in the queue with its earlier error (the new one could not be recorded: {e})"
                    )
                }
            };
            Err(ActError::Failed {
                error: Box::new(error),
                queue,
            })
        }
        Err(error) => Err(ActError::Failed {
            error: Box::new(error),
            queue: format!("#{id} stays in the failed-actions queue"),
        }),
    }
}

/// The head of a retry: which failure, when, by whom, and why.
pub fn describe_kept(failure: &StoredFailure, tz: &TimeZone) -> String {
    format!(
        "failed action #{}, failed {} by {}: {}\n\n",
        failure.id,
        when(failure.at, tz),
        failure.by,
        one_line(&failure.error.message, usize::MAX)
    )
}

fn when(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// Vendor text on one line of at most `max` characters: the first line,
/// control characters blanked (they would break the table or the terminal).
fn one_line(text: &str, max: usize) -> String {
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() > max {
        let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

/// Widest WHY and TARGET shown in `--failed`; `--retry ID --dry-run` shows all.
const WHY_WIDTH: usize = 60;
const TARGET_WIDTH: usize = 40;

/// `--failed`: one aligned row per kept failure, oldest first, or "no
/// failed actions".
pub fn failed_table(failures: &[StoredFailure], tz: &TimeZone) -> String {
    if failures.is_empty() {
        return "no failed actions\n".to_owned();
    }
    let header = ["ID", "FAILED", "SOURCE", "ACTION", "TARGET", "WHY", "REQUEST ID"].map(str::to_owned);
    let rows: Vec<[String; 7]> = failures
        .iter()
        .map(|f| {
            let target = format!("{} ({})", f.planned.target_name, f.planned.target_id);
            [
                format!("#{}", f.id),
                when(f.at, tz),
                one_line(&f.source, TARGET_WIDTH),
                one_line(&f.planned.action, TARGET_WIDTH),
                one_line(&target, TARGET_WIDTH),
                one_line(&f.error.message, WHY_WIDTH),
                f.error
                    .request_id
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), |id| one_line(id, WHY_WIDTH)),
            ]
        })
        .collect();
    let mut widths = [0usize; 7];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::model::{CampaignStatus, VendorError};

    #[test]
    fn a_post_is_polled_by_its_key_and_a_task_with_the_tasks() {
        use crate::sources::DataScope;
        assert_eq!(
            scope_for(TargetShape::Post, "spring-launch"),
            DataScope::Post("spring-launch")
        );
        assert_eq!(scope_for(TargetShape::Task, "42"), DataScope::Tasks);
        for shape in [
            TargetShape::Campaign,
            TargetShape::Contact,
            TargetShape::Pair,
            TargetShape::Member,
        ] {
            assert_eq!(scope_for(shape, "x"), DataScope::All, "{shape:?}");
        }
    }

    fn campaign(id: &str, web_id: u64, title: &str) -> Campaign {
        Campaign {
            id: id.into(),
            web_id: Some(web_id),
            kind: "regular".into(),
            status: CampaignStatus::Save,
            title: title.into(),
            subject: String::new(),
            from_name: String::new(),
            list_id: "l1".into(),
            list_name: "List".into(),
            recipient_count: 0,
            create_time: None,
            send_time: None,
            emails_sent: 0,
            report: None,
        }
    }

    fn planned(irreversible: bool) -> PlannedAction {
        PlannedAction {
            source: "mailchimp".into(),
            action: "cancel-send".into(),
            target_id: "c1".into(),
            target_name: "Nov newsletter".into(),
            method: Method::POST,
            url: "http://127.0.0.1:9/3.0/campaigns/c1/actions/cancel-send"
                .parse()
                .expect("url"),
            body: None,
            auth: "Basic ***".into(),
            irreversible,
            effect: "Stops the send".into(),
        }
    }

    #[test]
    fn campaigns_are_found_by_id_web_id_or_exact_title() {
        let all = [
            campaign("a1", 11, "Nov newsletter"),
            campaign("b2", 22, "Dec newsletter"),
        ];
        assert_eq!(find_campaign("mc", &all, "b2").expect("id").id, "b2");
        assert_eq!(find_campaign("mc", &all, "11").expect("web id").id, "a1");
        assert_eq!(find_campaign("mc", &all, "Dec newsletter").expect("title").id, "b2");
        let err = find_campaign("mc", &all, "nov").expect_err("not exact").to_string();
        assert!(err.contains("did you mean \"Nov newsletter\" (a1)"), "{err}");
    }

    #[test]
    fn a_title_shared_by_two_campaigns_is_ambiguous() {
        let all = [campaign("a1", 11, "Weekly"), campaign("b2", 22, "Weekly")];
        let err = find_campaign("mc", &all, "Weekly").expect_err("ambiguous").to_string();
        assert!(err.contains("a1, b2"), "{err}");
    }

    #[test]
    fn unknown_actions_list_the_valid_ones() {
        let err = find_action("mc", SourceKind::Mailchimp, "send-now")
            .expect_err("unknown")
            .to_string();
        assert!(err.contains("schedule, unschedule, cancel-send"), "{err}");
        assert_eq!(
            find_action("mc", SourceKind::Mailchimp, "cancel-send")
                .expect("known")
                .name,
            "cancel-send"
        );
    }

    fn flags(given: &[&'static str]) -> Vec<(&'static str, bool)> {
        ["--at", "--owner", "--stage", "--into", "--audience"]
            .into_iter()
            .map(|f| (f, given.contains(&f)))
            .collect()
    }

    fn check(kind: SourceKind, action: &str, given: &[&'static str]) -> Result<(), String> {
        let spec = find_action("src", kind, action).expect("spec");
        check_flags(spec, target_shape(kind, action), &flags(given)).map_err(|e| e.to_string())
    }

    #[test]
    fn each_action_takes_exactly_its_own_flags() {
        use SourceKind::{Hubspot, Mailchimp};
        assert_eq!(check(Mailchimp, "schedule", &["--at"]), Ok(()));
        let err = check(Mailchimp, "schedule", &[]).expect_err("no time");
        assert!(err.contains("schedule needs --at TIME"), "{err}");
        let err = check(Mailchimp, "unschedule", &["--at"]).expect_err("takes no time");
        assert!(
            err.contains("unschedule does not take --at: it takes no flags"),
            "{err}"
        );
        assert_eq!(check(Hubspot, "assign-owner", &["--owner"]), Ok(()));
        let err = check(Hubspot, "assign-owner", &["--owner", "--stage"]).expect_err("stage");
        assert_eq!(err, "assign-owner does not take --stage: it takes --owner OWNER");
        let err = check(Hubspot, "set-lifecycle-stage", &[]).expect_err("no stage");
        assert!(err.contains("set-lifecycle-stage needs --stage STAGE"), "{err}");
        let err = check(Hubspot, "opt-out", &["--into"]).expect_err("into");
        assert!(err.contains("opt-out does not take --into"), "{err}");
        let err = check(Hubspot, "merge", &[]).expect_err("no keeper");
        assert!(err.contains("merge needs --into KEEPER: the contact to keep"), "{err}");
        assert_eq!(check(Hubspot, "merge", &["--into"]), Ok(()));
        assert_eq!(check(Mailchimp, "unsubscribe", &[]), Ok(()));
        assert_eq!(check(Mailchimp, "unsubscribe", &["--audience"]), Ok(()));
        let err = check(Mailchimp, "unsubscribe", &["--owner"]).expect_err("owner");
        assert_eq!(err, "unsubscribe does not take --owner: it takes [--audience LIST_ID]");
        let err = check(Mailchimp, "schedule", &["--at", "--audience"]).expect_err("audience");
        assert_eq!(err, "schedule does not take --audience: it takes --at TIME");
    }

    #[test]
    fn targets_are_campaigns_contacts_pairs_or_members() {
        use SourceKind::{Hubspot, Mailchimp};
        assert_eq!(target_shape(Mailchimp, "schedule"), TargetShape::Campaign);
        assert_eq!(target_shape(Mailchimp, "unsubscribe"), TargetShape::Member);
        assert_eq!(target_shape(Hubspot, "assign-owner"), TargetShape::Contact);
        assert_eq!(target_shape(Hubspot, "opt-out"), TargetShape::Contact);
        assert_eq!(target_shape(Hubspot, "merge"), TargetShape::Pair);
        assert_eq!(
            find_action("mc", Mailchimp, "unsubscribe").expect("member action").name,
            "unsubscribe"
        );
        let err = find_action("crm", Hubspot, "delete").expect_err("unknown").to_string();
        assert!(
            err.contains("merge, assign-owner, set-lifecycle-stage, opt-out"),
            "{err}"
        );
    }

    #[test]
    fn times_parse_in_the_given_zone() {
        let now: Timestamp = "2026-11-22T16:07:00Z".parse().expect("ts");
        assert_eq!(
            parse_time(Some("2026-11-23 09:00"), now, &TimeZone::UTC).expect("time"),
            Some("2026-11-23T09:00:00Z".parse().expect("ts"))
        );
        assert!(parse_time(Some("soon"), now, &TimeZone::UTC).is_err());
        assert_eq!(parse_time(None, now, &TimeZone::UTC).expect("none"), None);
    }

    #[test]
    fn stages_are_hubspot_values_with_a_did_you_mean() {
        assert_eq!(lifecycle_stage(" Lead ").expect("stage"), "lead");
        let hint = |input: &str| lifecycle_stage(input).expect_err("bad").to_string();
        let err = hint("marketing qualified lead");
        assert!(err.contains("did you mean marketingqualifiedlead?"), "{err}");
        assert!(err.contains("the stages: subscriber, lead,"), "{err}");
        assert!(hint("custmer").contains("did you mean customer?"));
        assert!(hint("SQL").contains("did you mean salesqualifiedlead?"));
        let err = hint("vip");
        assert!(!err.contains("did you mean"), "{err}");
    }

    fn owner(id: &str, email: &str, archived: bool) -> Owner {
        Owner {
            id: id.into(),
            email: Some(email.into()),
            archived,
            ..Owner::default()
        }
    }

    #[test]
    fn owners_are_given_by_id_or_email() {
        let owners = [
            owner("77", "sam@acme.example", false),
            owner("78", "Kim@Acme.example", false),
            owner("79", "old@acme.example", true),
        ];
        assert_eq!(resolve_owner("crm", &owners, "77").expect("id"), "77");
        assert_eq!(resolve_owner("crm", &owners, " kim@ACME.example").expect("email"), "78");
        let err = resolve_owner("crm", &owners, "99").expect_err("unknown").to_string();
        assert!(err.contains("no owner has that id"), "{err}");
        assert!(err.contains("77 sam@acme.example, 78 Kim@Acme.example"), "{err}");
        assert!(!err.contains("old@"), "archived owners are not offered: {err}");
        let err = resolve_owner("crm", &owners, "old@acme.example").expect_err("archived");
        assert!(err.to_string().contains("is archived"), "{err}");
        let err = resolve_owner("crm", &owners, "nobody@acme.example").expect_err("unknown");
        assert!(err.to_string().contains("no owner has that email"), "{err}");
        let err = resolve_owner("crm", &owners, "sam").expect_err("neither");
        assert!(err.to_string().contains("give an owner id"), "{err}");
        assert_eq!(resolve_owner("crm", &[], "12").expect("unchecked"), "12");
    }

    fn contacts(list: &[(&str, &str)]) -> BTreeMap<String, Contact> {
        list.iter()
            .map(|(id, email)| {
                let c = Contact {
                    id: (*id).into(),
                    email: Some((*email).into()),
                    ..Contact::default()
                };
                ((*id).to_owned(), c)
            })
            .collect()
    }

    #[test]
    fn contacts_are_found_by_id_or_normalised_email() {
        let all = contacts(&[
            ("101", "Ann@Acme.example"),
            ("102", "ann+news@acme.example"),
            ("201", "bo@acme.example"),
            ("202", " BO@acme.example"),
        ]);
        assert_eq!(find_contact("crm", &all, "102").expect("id").id, "102");
        assert_eq!(
            find_contact("crm", &all, " ann@ACME.example ").expect("email").id,
            "101"
        );
        assert_eq!(
            find_contact("crm", &all, "ann+news@acme.example")
                .expect("plus kept")
                .id,
            "102"
        );
        let err = find_contact("crm", &all, "bo@acme.example")
            .expect_err("two")
            .to_string();
        assert_eq!(
            err,
            "2 contacts have the email \"bo@acme.example\"; give one of their ids: 201, 202"
        );
        let err = find_contact("crm", &all, "ann@acme.exmple")
            .expect_err("typo")
            .to_string();
        assert!(err.contains("crm has no contact \"ann@acme.exmple\""), "{err}");
        assert!(err.contains("did you mean ann@acme.example (101)"), "{err}");
    }

    fn member(email: &str, status: MemberStatus) -> Member {
        Member {
            id: format!("h-{email}"),
            email: email.into(),
            status,
            last_changed: Timestamp::UNIX_EPOCH,
        }
    }

    fn email_data() -> EmailData {
        let audience = |id: &str, name: &str| crate::model::Audience {
            id: id.into(),
            name: name.into(),
            member_count: 0,
            unsubscribe_count: 0,
            cleaned_count: 0,
        };
        let list = |members: Vec<Member>| members.into_iter().map(|m| (m.id.clone(), m)).collect();
        EmailData {
            campaigns: Vec::new(),
            audiences: vec![audience("l1", "Acme Newsletter"), audience("l2", "Customers")],
            members: [
                (
                    "l1".to_owned(),
                    list(vec![
                        member("Ann@Acme.example", MemberStatus::Subscribed),
                        member("bo@acme.example", MemberStatus::Subscribed),
                    ]),
                ),
                (
                    "l2".to_owned(),
                    list(vec![member("bo@acme.example", MemberStatus::Unsubscribed)]),
                ),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn members_are_found_by_email_across_audiences() {
        let data = email_data();
        let (list, m) = find_member("mc", &data, "ann@acme.EXAMPLE ", None).expect("one audience");
        assert_eq!((list, m.email.as_str()), ("l1", "Ann@Acme.example"));
        let err = find_member("mc", &data, "bo@acme.example", None)
            .expect_err("two audiences")
            .to_string();
        assert_eq!(
            err,
            "bo@acme.example is in 2 audiences of mc: Acme Newsletter (l1) [subscribed], \
             Customers (l2) [unsubscribed]; pick one with --audience LIST_ID"
        );
        let (list, _) = find_member("mc", &data, "bo@acme.example", Some("l2")).expect("by id");
        assert_eq!(list, "l2");
        let (list, _) = find_member("mc", &data, "bo@acme.example", Some("Acme Newsletter")).expect("by name");
        assert_eq!(list, "l1");
        let err = find_member("mc", &data, "bo@acme.example", Some("l9"))
            .expect_err("no audience")
            .to_string();
        assert!(
            err.contains("its audiences: Acme Newsletter (l1), Customers (l2)"),
            "{err}"
        );
        let err = find_member("mc", &data, "ann@acme.example", Some("l2"))
            .expect_err("not in l2")
            .to_string();
        assert!(
            err.contains("no audience member \"ann@acme.example\" (in that audience"),
            "{err}"
        );
    }

    #[test]
    fn irreversible_actions_need_the_name_typed() {
        let p = planned(true);
        assert!(!confirms(&p, "y"));
        assert!(!confirms(&p, "nov newsletter"));
        assert!(confirms(&p, "Nov newsletter\n"));
        let p = planned(false);
        assert!(confirms(&p, "y") && confirms(&p, "YES"));
        assert!(!confirms(&p, "") && !confirms(&p, "n"));
    }

    #[test]
    fn the_list_marks_irreversible_actions_and_times() {
        let text = list_actions("mc", SourceKind::Mailchimp);
        let cancel = text.lines().find(|l| l.contains("cancel-send")).expect("line");
        assert!(cancel.contains("IRREVERSIBLE"), "{text}");
        let schedule = text
            .lines()
            .find(|l| l.trim_start().starts_with("schedule"))
            .expect("line");
        assert!(
            schedule.contains("CAMPAIGN") && schedule.contains("needs --at TIME"),
            "{text}"
        );
        let unsubscribe = text
            .lines()
            .find(|l| l.contains("unsubscribe"))
            .expect("member action listed");
        assert!(unsubscribe.contains("EMAIL"), "{unsubscribe}");
        assert!(unsubscribe.contains("optional [--audience LIST_ID]"), "{unsubscribe}");
    }

    #[test]
    fn the_crm_list_shows_targets_and_required_flags() {
        let text = list_actions("crm", SourceKind::Hubspot);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
                .to_owned()
        };
        let merge = line("merge");
        assert!(
            merge.contains("DUPLICATE") && merge.contains("needs --into KEEPER"),
            "{merge}"
        );
        assert!(merge.contains("IRREVERSIBLE"), "{merge}");
        let owner = line("assign-owner");
        assert!(
            owner.contains("CONTACT") && owner.contains("needs --owner OWNER"),
            "{owner}"
        );
        assert!(line("set-lifecycle-stage").contains("needs --stage STAGE"), "{text}");
        let opt_out = line("opt-out");
        assert!(opt_out.contains("CONTACT") && !opt_out.contains("needs"), "{opt_out}");
    }

    #[test]
    fn failures_name_status_vendor_code_and_request_id() {
        let e = ActionError {
            message: "cancel-send refused".into(),
            http_status: Some(400),
            vendor: Some(VendorError {
                code: Some("Invalid Resource".into()),
                message: "This campaign is not sending".into(),
            }),
            request_id: Some("rid-9".into()),
            duration: std::time::Duration::ZERO,
        };
        let text = describe_failure(&e);
        for part in ["400", "Invalid Resource", "This campaign is not sending", "rid-9"] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }

    fn post(id: u64, kind: PostType, slug: &str, title: &str) -> Post {
        Post {
            id,
            kind,
            title: title.into(),
            slug: slug.into(),
            ..stand_in_post()
        }
    }

    fn posts() -> BTreeMap<u64, Post> {
        [
            post(11, PostType::Post, "spring-launch", "Spring launch"),
            post(12, PostType::Post, "weekly-1", "Weekly digest"),
            post(13, PostType::Post, "weekly-2", "Weekly digest"),
            post(14, PostType::Post, "about", "About the team"),
            post(15, PostType::Page, "about", "About us"),
        ]
        .into_iter()
        .map(|p| (p.id, p))
        .collect()
    }

    #[test]
    fn posts_are_found_by_id_slug_or_exact_title() {
        let all = posts();
        assert_eq!(find_post("blog", &all, "12").expect("id").id, 12);
        assert_eq!(find_post("blog", &all, "spring-launch").expect("slug").id, 11);
        assert_eq!(find_post("blog", &all, " Spring launch ").expect("title").id, 11);
        let err = find_post("blog", &all, "Weekly digest").expect_err("two").to_string();
        assert_eq!(
            err,
            "2 posts are titled \"Weekly digest\"; give one of their ids: 12, 13"
        );
        // A post and a page may share a slug.
        let err = find_post("blog", &all, "about").expect_err("two").to_string();
        assert_eq!(err, "2 posts have the slug \"about\"; give one of their ids: 14, 15");
        let err = find_post("blog", &all, "spring").expect_err("not exact").to_string();
        assert!(
            err.contains("blog has no post \"spring\" (give its id, slug or exact title)"),
            "{err}"
        );
        assert!(err.contains("did you mean \"Spring launch\" (11)"), "{err}");
        let err = find_post("blog", &all, "99").expect_err("no such id").to_string();
        assert!(err.contains("has no post \"99\""), "{err}");
    }

    fn task(id: &str, subject: &str) -> CrmTask {
        CrmTask {
            id: id.into(),
            subject: subject.into(),
            ..CrmTask::default()
        }
    }

    #[test]
    fn tasks_are_found_by_id_or_exact_subject() {
        let all = [
            task("9001", "Call Ann back"),
            task("9002", "Send the renewal quote"),
            task("9003", "Send the renewal quote"),
        ];
        assert_eq!(find_task("crm", &all, "9002").expect("id").id, "9002");
        assert_eq!(find_task("crm", &all, "Call Ann back ").expect("subject").id, "9001");
        let err = find_task("crm", &all, "Send the renewal quote")
            .expect_err("two")
            .to_string();
        assert_eq!(
            err,
            "2 open tasks have the subject \"Send the renewal quote\"; give one of their ids: 9002, 9003"
        );
        let err = find_task("crm", &all, "call ann").expect_err("not exact").to_string();
        assert!(
            err.contains("crm has no open task \"call ann\" (give its id or exact subject)"),
            "{err}"
        );
        assert!(err.contains("did you mean \"Call Ann back\" (9001)"), "{err}");
        assert!(find_task("crm", &all, "").is_err());
    }

    #[test]
    fn posts_and_tasks_are_targets_with_their_own_flags() {
        use SourceKind::{Hubspot, Wordpress};
        for action in ["publish", "reschedule", "move-to-draft"] {
            assert_eq!(target_shape(Wordpress, action), TargetShape::Post, "{action}");
        }
        for action in ["complete", "reassign", "postpone"] {
            assert_eq!(target_shape(Hubspot, action), TargetShape::Task, "{action}");
        }
        assert_eq!(TargetShape::Post.label(), "POST");
        assert_eq!(TargetShape::Task.label(), "TASK");
        assert_eq!(check(Wordpress, "publish", &[]), Ok(()));
        let err = check(Wordpress, "publish", &["--at"]).expect_err("no time");
        assert!(err.contains("publish does not take --at: it takes no flags"), "{err}");
        let err = check(Wordpress, "reschedule", &[]).expect_err("needs time");
        assert!(err.contains("reschedule needs --at TIME"), "{err}");
        assert_eq!(check(Wordpress, "move-to-draft", &[]), Ok(()));
        assert_eq!(check(Hubspot, "complete", &[]), Ok(()));
        let err = check(Hubspot, "reassign", &[]).expect_err("needs owner");
        assert!(err.contains("reassign needs --owner OWNER"), "{err}");
        assert_eq!(check(Hubspot, "reassign", &["--owner"]), Ok(()));
        assert_eq!(check(Hubspot, "postpone", &["--at"]), Ok(()));
        let err = check(Hubspot, "postpone", &["--at", "--owner"]).expect_err("owner");
        assert_eq!(err, "postpone does not take --owner: it takes --at TIME");
        assert_eq!(data_needed(TargetShape::Post), "posts");
        assert_eq!(data_needed(TargetShape::Task), "open tasks");
    }

    #[test]
    fn the_lists_show_post_and_task_actions() {
        let text = list_actions("blog", SourceKind::Wordpress);
        let line = |text: &str, name: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
                .to_owned()
        };
        assert!(line(&text, "publish").contains("POST"), "{text}");
        let reschedule = line(&text, "reschedule");
        assert!(
            reschedule.contains("POST") && reschedule.contains("needs --at TIME"),
            "{text}"
        );
        assert!(line(&text, "move-to-draft").contains("POST"), "{text}");

        let text = list_actions("crm", SourceKind::Hubspot);
        assert!(line(&text, "complete").contains("TASK"), "{text}");
        let reassign = line(&text, "reassign");
        assert!(
            reassign.contains("TASK") && reassign.contains("needs --owner OWNER"),
            "{text}"
        );
        let postpone = line(&text, "postpone");
        assert!(
            postpone.contains("TASK") && postpone.contains("needs --at TIME"),
            "{text}"
        );
        // Contact actions are still there, and still say CONTACT.
        assert!(line(&text, "assign-owner").contains("CONTACT"), "{text}");
    }

    fn failure(id: i64, message: &str, request_id: Option<&str>) -> StoredFailure {
        StoredFailure {
            id,
            source: "mailchimp".into(),
            planned: planned(false),
            error: ActionError {
                message: message.into(),
                http_status: request_id.map(|_| 400),
                vendor: None,
                request_id: request_id.map(str::to_owned),
                duration: std::time::Duration::ZERO,
            },
            at: "2026-11-22T16:07:00Z".parse().expect("ts"),
            by: "ann".into(),
        }
    }

    #[test]
    fn the_failed_table_is_aligned_with_every_column() {
        assert_eq!(failed_table(&[], &TimeZone::UTC), "no failed actions\n");
        let long = format!("cancel-send failed: HTTP 400: {}\nsecond line", "x".repeat(100));
        let text = failed_table(
            &[
                failure(3, "no answer within 30s", Some("rid-3")),
                failure(12, &long, Some("rid-12")),
            ],
            &TimeZone::UTC,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("ID   FAILED            SOURCE     ACTION       TARGET"),
            "{text}"
        );
        assert!(
            lines[1].starts_with(
                "#3   2026-11-22 16:07  mailchimp  cancel-send  Nov newsletter (c1)  no answer within 30s"
            ),
            "{text}"
        );
        // Columns line up on screen, in characters (the ellipsis is one).
        let column = |line: &str, part: &str| line.find(part).map(|at| line[..at].chars().count());
        let why_at = column(lines[0], "WHY");
        let rid_at = column(lines[0], "REQUEST ID");
        assert_eq!(column(lines[1], "no answer"), why_at, "{text}");
        assert_eq!(column(lines[2], "cancel-send failed"), why_at, "{text}");
        assert_eq!(column(lines[1], "rid-3"), rid_at, "{text}");
        assert_eq!(column(lines[2], "rid-12"), rid_at, "{text}");
        assert!(lines[2].contains('…') && !text.contains("second line"), "{text}");
        let without_id = failed_table(&[failure(4, "x", None)], &TimeZone::UTC);
        assert!(without_id.lines().nth(1).expect("row").ends_with("  -"), "{without_id}");
    }

    #[test]
    fn only_what_left_for_the_vendor_is_kept() {
        assert!(was_sent(&failure(1, "HTTP 400", Some("rid")).error));
        let no_answer = ActionError {
            http_status: None,
            ..failure(1, "timed out", Some("rid")).error
        };
        assert!(was_sent(&no_answer));
        assert!(!was_sent(&ActionError::refused("read-only mode: POST … not sent")));
        assert_eq!(
            kept_note(7),
            "kept in the failed-actions queue as #7: retry with `mops act --retry 7`"
        );
    }

    #[test]
    fn discarding_an_unknown_id_names_the_ids_kept() {
        use crate::store::Store;
        let store = Store::open_in_memory().expect("store");
        let err = discard(&store, 5).expect_err("empty").to_string();
        assert_eq!(err, "no failed action #5; the failed-actions queue is empty");
        let f = failure(0, "HTTP 400", Some("rid"));
        let a = store
            .add_failed_action("mailchimp", &f.planned, &f.error, f.at)
            .expect("add");
        let b = store
            .add_failed_action("mailchimp", &f.planned, &f.error, f.at)
            .expect("add");
        let err = discard(&store, b + 10).expect_err("unknown").to_string();
        assert_eq!(
            err,
            format!(
                "no failed action #{}; the failed-actions queue holds #{a}, #{b}",
                b + 10
            )
        );
        let gone = discard(&store, a).expect("discard").expect("decoded");
        assert_eq!((gone.id, gone.planned.action.as_str()), (a, "cancel-send"));
        assert_eq!(store.failed_actions().expect("list").len(), 1);
    }
}
