//! `mops act`: one action from the shell, through the same plan, confirm,
//! read-only gate and audit path as the cockpit. The steps are small pure
//! functions; [`run`] strings them together with the I/O.

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
use crate::model::{Campaign, SourceKind};
use crate::sources::{self, BuildError, SourceData};

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
    #[error("could not read {source_name}'s campaigns: {reason}")]
    NoData { source_name: String, reason: String },
    #[error("{source_name} has no campaign {target:?} (give its id, web id or exact title){hint}")]
    TargetNotFound {
        source_name: String,
        target: String,
        hint: String,
    },
    #[error("{count} campaigns are titled {target:?}; give one of their ids: {ids}")]
    Ambiguous { target: String, count: usize, ids: String },
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
    /// Planning refused, or the vendor refused or failed what was sent.
    #[error("{}", describe_failure(.0))]
    Action(ActionError),
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

/// `mops act SOURCE --list`: one line per action.
pub fn list_actions(source_name: &str, kind: SourceKind) -> String {
    let specs = sources::actions_for(kind);
    if specs.is_empty() {
        return format!("{source_name} ({}) offers no actions yet\n", kind.label());
    }
    let width = specs.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let summary_width = specs.iter().map(|s| s.summary.len()).max().unwrap_or(0);
    let mut text = format!("Actions of {source_name} ({}):\n", kind.label());
    for spec in specs {
        let mut notes = Vec::new();
        if spec.arg == ArgKind::Time {
            notes.push("needs --at TIME");
        }
        if spec.irreversible {
            notes.push("IRREVERSIBLE: confirm by typing the target's name");
        }
        let line = if notes.is_empty() {
            format!("  {:width$}  {}", spec.name, spec.summary)
        } else {
            format!(
                "  {:width$}  {:summary_width$}  [{}]",
                spec.name,
                spec.summary,
                notes.join("; ")
            )
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The action called `name` (the vendor's kebab-case), or an error listing the valid ones.
pub fn find_action(source_name: &str, kind: SourceKind, name: &str) -> Result<&'static ActionSpec, ActError> {
    let specs = sources::actions_for(kind);
    if specs.is_empty() {
        return Err(ActError::NoActions {
            source_name: source_name.to_owned(),
            kind: kind.label(),
        });
    }
    specs
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ActError::UnknownAction {
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
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}", near.join(", "))
            };
            Err(ActError::TargetNotFound {
                source_name: source_name.to_owned(),
                target: key.to_owned(),
                hint,
            })
        }
        many => Err(ActError::Ambiguous {
            target: key.to_owned(),
            count: many.len(),
            ids: many.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The action's arguments from `--at`, checked against what it takes.
pub fn action_args(spec: &ActionSpec, at: Option<&str>, now: Timestamp, tz: &TimeZone) -> Result<ActionArgs, ActError> {
    match (spec.arg, at) {
        (ArgKind::Time, Some(input)) => {
            let time = time::parse_when(input, now, tz).map_err(|reason| ActError::BadTime {
                input: input.to_owned(),
                reason,
            })?;
            Ok(ActionArgs {
                time: Some(time),
                ..ActionArgs::default()
            })
        }
        (ArgKind::Time, None) => Err(ActError::Usage(format!(
            "{} needs a time: add --at, e.g. --at 'tomorrow 09:00'",
            spec.name
        ))),
        (ArgKind::None, Some(_)) => Err(ActError::Usage(format!("{} takes no time: drop --at", spec.name))),
        (ArgKind::None, None) => Ok(ActionArgs::default()),
        (ArgKind::Owner | ArgKind::LifecycleStage, _) => Err(ActError::Usage(format!(
            "{} takes an owner or a lifecycle stage, which `mops act` cannot pass yet: use the cockpit (x on the alert)",
            spec.name
        ))),
    }
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
        known: if cfg.sources.is_empty() {
            "none".to_owned()
        } else {
            cfg.sources
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

/// Runs `mops act` on a loaded config. Writes the plan and outcome to `out`;
/// asks through `ask` unless `--yes`, `--dry-run` or read-only mode (whose
/// refusal needs no confirming). `readonly` is the command-line flag; the
/// config's `readonly` applies too.
pub async fn run(
    cfg: &Config,
    args: &ActArgs,
    readonly: bool,
    out: &mut dyn Write,
    ask: &mut dyn Ask,
) -> Result<(), ActError> {
    let readonly = readonly || cfg.readonly;
    let source = source(cfg, &args.source)?;
    if args.list {
        return out
            .write_all(list_actions(&source.name, source.kind).as_bytes())
            .map_err(ActError::Output);
    }
    let (Some(action), Some(key)) = (args.action.as_deref(), args.target.as_deref()) else {
        return Err(ActError::Usage("give ACTION and TARGET, or --list".to_owned()));
    };
    let spec = find_action(&source.name, source.kind, action)?;
    let action_args = action_args(spec, args.at.as_deref(), Timestamp::now(), &TimeZone::system())?;

    let core = HttpCore::new(readonly)?;
    let connector = sources::build(&core, source)?;
    let report = connector.poll().await;
    let data = match report.data {
        Some(SourceData::Email(data)) => data,
        _ => {
            return Err(ActError::NoData {
                source_name: source.name.clone(),
                reason: format!("{}: {}", report.probe.status.label(), report.probe.summary),
            });
        }
    };
    let campaign = find_campaign(&source.name, &data.campaigns, key)?;
    if let Availability::Disabled(reason) = sources::availability(source.kind, spec.name, Target::Campaign(campaign)) {
        return Err(ActError::Unavailable {
            action: spec.name.to_owned(),
            target: campaign.display_name().to_owned(),
            reason: format!("{reason} (its status is {})", campaign.status.key()),
        });
    }
    let planned = connector
        .plan(spec.name, Target::Campaign(campaign), &action_args)
        .map_err(ActError::Action)?;
    let write = |out: &mut dyn Write, text: &str| out.write_all(text.as_bytes()).map_err(ActError::Output);
    write(out, &show_plan(&planned))?;
    if args.dry_run {
        return write(out, "\ndry run: nothing sent\n");
    }
    out.flush().map_err(ActError::Output)?;

    // Opened before asking, so nobody confirms an action that cannot be audited.
    let mut audit = AuditLog::open_default()?;
    if let Some((_, secret)) = source.secret()
        && let Ok(secret) = secret.resolve()
    {
        audit = audit.with_secrets([secret]);
    }
    if !readonly && !args.yes {
        let answer = ask.ask(&confirm_prompt(&planned)).map_err(ActError::Prompt)?;
        match answer {
            None => return Err(ActError::NeedsYes),
            Some(answer) if !confirms(&planned, &answer) => {
                return Err(ActError::Declined(if planned.irreversible {
                    "the name typed did not match".to_owned()
                } else {
                    "not confirmed".to_owned()
                }));
            }
            Some(_) => {}
        }
    }
    let executor = Executor::new(audit, readonly);
    let outcome = executor
        .run(connector.as_ref(), &planned)
        .await
        .map_err(ActError::Action)?;
    write(out, &format!("\n{}\n", describe_outcome(&planned, &outcome)))?;
    write(out, &format!("audited in {}\n", executor.audit_log().path().display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::model::{CampaignStatus, VendorError};

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

    #[test]
    fn times_are_required_exactly_where_taken() {
        let now: Timestamp = "2026-11-22T16:07:00Z".parse().expect("ts");
        let schedule = find_action("mc", SourceKind::Mailchimp, "schedule").expect("spec");
        let pause = find_action("mc", SourceKind::Mailchimp, "unschedule").expect("spec");
        let args = action_args(schedule, Some("2026-11-23 09:00"), now, &TimeZone::UTC).expect("time");
        assert_eq!(args.time, Some("2026-11-23T09:00:00Z".parse().expect("ts")));
        assert!(action_args(schedule, None, now, &TimeZone::UTC).is_err());
        assert!(action_args(schedule, Some("soon"), now, &TimeZone::UTC).is_err());
        assert!(action_args(pause, Some("09:00"), now, &TimeZone::UTC).is_err());
        assert_eq!(
            action_args(pause, None, now, &TimeZone::UTC).expect("none"),
            ActionArgs::default()
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
        assert!(schedule.contains("--at"), "{text}");
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
}
