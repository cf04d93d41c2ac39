//! Command-line definitions (clap derive).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::sandbox::{Fault, parse_fault_arg};

/// A terminal cockpit for marketing operations: stack health, campaign
/// pipeline, data-quality alerts and task queues, with keyboard actions.
#[derive(Debug, Parser)]
#[command(name = "mops", version, about, long_about = None)]
pub struct Cli {
    /// Config file [default: $MOPS_CONFIG, else ~/.config/mops/config.toml]
    #[arg(long, short = 'c', global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Refuse every request that would change anything at a vendor
    #[arg(long, global = true)]
    pub readonly: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the cockpit against the built-in sandbox stack
    Demo {
        /// Seed of the sandbox's data and credentials
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Address the sandbox listens on (loopback only)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Inject a fault from the start (repeatable); see `mops sandbox --help` for the kinds
        #[arg(long = "fault", value_name = "SOURCE[/PATH]=KIND", value_parser = parse_fault_arg)]
        faults: Vec<(String, Fault)>,
    },
    /// Run only the sandbox stack on loopback, for scripts and tests
    Sandbox {
        /// Address to listen on (loopback only)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4010")]
        listen: SocketAddr,
        /// Seed of the sandbox's data and credentials
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write a mops config pointing at this sandbox (secrets go beside it, mode 0600)
        #[arg(long, value_name = "PATH")]
        config_out: Option<PathBuf>,
        /// Inject a fault (repeatable) on a source, or on one endpoint of it
        /// (hubspot/crm/v3/objects/tasks=status:500). KIND: latency:MS, hang,
        /// reset, drip:BYTES_PER_SEC, status:CODE, burst:N:CODE,
        /// ratelimit:SECONDS, auth (or revoke), malformed, truncate,
        /// oversize:MB, drift:missing|extra|null|strings|enum
        #[arg(long = "fault", value_name = "SOURCE[/PATH]=KIND", value_parser = parse_fault_arg)]
        faults: Vec<(String, Fault)>,
    },
    /// Run one vendor action from the shell: show the exact request, confirm, send once, audit
    #[command(after_help = ACT_EXAMPLES)]
    Act(ActArgs),
    /// Write, validate or locate the config file
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// One pass of health and data-quality checks, as a Nagios plugin
    /// (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or as JSON
    Check {
        /// Print the result as JSON (schema version 1, see the README)
        #[arg(long)]
        json: bool,
        /// Check only this source (its name in the config)
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
        /// Probe the sources' health only: read no data and run no
        /// data-quality rules (light enough for every minute)
        #[arg(long)]
        health: bool,
    },
    /// Poll every source once and print the whole model as JSON: sources,
    /// campaigns with their KPIs, alerts, task queues, failed actions
    Snapshot {
        /// Print JSON (the only format; accepted for scripts that say so)
        #[arg(long)]
        json: bool,
    },
    /// A KPI report for a head of marketing: campaign KPIs by stage, churn,
    /// ROMI, data-quality alerts by rule, source uptime from stored history
    Report {
        /// md (Markdown), csv or json
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// How far back the report looks, e.g. 7d, 30d, 12h
        #[arg(long, value_name = "AGE", default_value = "30d")]
        period: String,
    },
    /// Run the pollers headless and serve OpenMetrics at /metrics, /healthz
    /// and /snapshot.json; webhooks are notified as in the cockpit
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:9464 (a non-loopback address exposes the data to that network)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
        listen: SocketAddr,
    },
    /// Print a shell completion script: mops completions bash > /etc/bash_completion.d/mops
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): mops man > mops.1 && man ./mops.1
    Man,
}

/// `mops report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Md,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented starter config (refuses to overwrite)
    Init {
        /// Where to write it [default: the config path]
        path: Option<PathBuf>,
    },
    /// Validate a config and resolve its secrets without printing them; exit 0 or 1
    Check {
        /// The config to check [default: the config path]
        path: Option<PathBuf>,
    },
    /// Print the config path mops would use
    Path,
}

const ACT_EXAMPLES: &str = "Examples:
  mops act mailchimp --list
  mops act mailchimp schedule 'Nov newsletter' --at 'tomorrow 09:00' --dry-run
  mops act mailchimp unschedule c0ffee1234 --yes
  mops act mailchimp unsubscribe ann@example.com --audience 'Acme Newsletter'
  mops act crm merge 202 --into 201
  mops act crm assign-owner ann@acme.example --owner kim@acme.example --dry-run
  mops act crm set-lifecycle-stage 201 --stage marketingqualifiedlead
  mops act blog publish 'Spring launch' --dry-run
  mops act blog reschedule spring-launch --at 'tomorrow 09:00'
  mops act blog move-to-draft spring-launch --yes
  mops act crm complete 'Call Ann back' --yes
  mops act crm reassign 9001 --owner kim@acme.example
  mops act --failed
  mops act --retry 3 --dry-run
  mops act --discard 3

Every attempt and outcome is appended to the audit log ($XDG_STATE_HOME/mops/audit.jsonl).
An action the vendor refused, or that got no answer, is kept in the failed-actions queue
($XDG_DATA_HOME/mops/mops.db) until it is retried successfully or discarded.";

/// `mops act SOURCE ACTION TARGET`, `mops act SOURCE --list`, and the
/// failed-actions queue: `--failed`, `--retry ID`, `--discard ID`.
#[derive(Debug, Clone, clap::Args)]
pub struct ActArgs {
    /// The source's name in the config
    #[arg(value_name = "SOURCE", required_unless_present_any = ["failed", "retry", "discard"])]
    pub source: Option<String>,
    /// The vendor's action name in kebab-case (schedule, cancel-send, ...); see --list
    #[arg(value_name = "ACTION", required_unless_present_any = ["list", "failed", "retry", "discard"])]
    pub action: Option<String>,
    /// A campaign (id, web id or exact title), a contact (id or email), the
    /// duplicate contact to merge away, an audience member's email, a post
    /// (id, slug or exact title) or a CRM task (id or exact subject)
    #[arg(value_name = "TARGET", required_unless_present_any = ["list", "failed", "retry", "discard"])]
    pub target: Option<String>,
    /// When, for actions that take a time: 2026-11-23 09:00, 09:00, tomorrow 09:00, +2h or RFC 3339 (local zone)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// The owner to assign (assign-owner, reassign): a HubSpot owner id, or the owner's email
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// The lifecycle stage to set (set-lifecycle-stage): HubSpot's internal value, like marketingqualifiedlead
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// The contact to keep (merge): its id or email; TARGET is the duplicate merged into it
    #[arg(long, value_name = "KEEPER")]
    pub into: Option<String>,
    /// The audience (unsubscribe): its id or exact name; needed when the email is in several
    #[arg(long, visible_alias = "list-id", value_name = "LIST_ID")]
    pub audience: Option<String>,
    /// Send without asking (needed when there is no terminal to ask on)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show the exact request and stop: nothing is sent or audited
    #[arg(long)]
    pub dry_run: bool,
    /// List the source's actions and exit
    #[arg(long, conflicts_with_all = ["action", "target", "at", "owner", "stage", "into", "audience", "yes", "dry_run"])]
    pub list: bool,
    /// List the failed-actions queue: actions the vendor refused or never answered
    #[arg(long, conflicts_with_all = [ONE_ACTION.as_slice(), &["yes", "dry_run"]].concat())]
    pub failed: bool,
    /// Send failed action ID again, exactly as it was (asks unless --yes; --dry-run only shows it)
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..),
          conflicts_with_all = [ONE_ACTION.as_slice(), &["failed"]].concat())]
    pub retry: Option<i64>,
    /// Remove failed action ID from the queue without sending anything
    #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(1..),
          conflicts_with_all = [ONE_ACTION.as_slice(), &["failed", "retry", "yes", "dry_run"]].concat())]
    pub discard: Option<i64>,
}

/// What none of the queue flags combines with: the arguments of one action,
/// and `--list`. Each flag adds the other queue flags it excludes (clap
/// refuses an argument that conflicts with itself).
const ONE_ACTION: [&str; 9] = [
    "source", "action", "target", "at", "owner", "stage", "into", "audience", "list",
];

impl ActArgs {
    /// Whether the command reads the config: everything but listing and
    /// discarding failed actions, which only touch the local queue.
    pub fn needs_config(&self) -> bool {
        !self.failed && self.discard.is_none()
    }
}
