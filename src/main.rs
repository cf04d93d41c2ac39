//! The `mops` binary: parse the command line, set up logging and error
//! reports, and dispatch a mode.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use eyre::WrapErr;
use tracing_appender::non_blocking::WorkerGuard;

use mops::cli::{Cli, Command, ConfigCommand};
use mops::{actions, app, config, sandbox};

fn main() -> ExitCode {
    if let Err(e) = color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false)
        .install()
    {
        complain(format_args!("could not install the error reporter: {e}"));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // A monitoring system reads bad arguments to `check` as UNKNOWN (3).
            let check = std::env::args().skip(1).any(|a| a == "check");
            return match e.use_stderr() {
                true if check => ExitCode::from(3),
                _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
            };
        }
    };
    let _log_guard = init_logging();
    match run(cli) {
        Ok(code) => code,
        Err(report) => {
            app::terminal::restore();
            // Expected failures (bad config, port in use) read as one message with its
            // causes; color-eyre's full report is kept for panics.
            complain(format_args!("{report:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Prints `mops: <message>` on stderr. A write error is ignored rather than
/// panicking as `eprintln!` would: when the tty has gone away (the cockpit's
/// most likely error then), there is nobody left to tell.
fn complain(message: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "mops: {message}");
}

fn run(cli: Cli) -> eyre::Result<ExitCode> {
    let readonly = cli.readonly;
    // The global flags mean nothing to some modes: say so rather than ignore them.
    match &cli.command {
        Some(Command::Demo { .. } | Command::Sandbox { .. }) if cli.config.is_some() => {
            eyre::bail!("--config does not apply here: the sandbox writes its own config")
        }
        Some(Command::Completions { .. } | Command::Man) if cli.config.is_some() || readonly => {
            eyre::bail!("--config and --readonly do not apply to completions or the manual")
        }
        Some(Command::Sandbox { .. } | Command::Config { .. }) if readonly => {
            eyre::bail!("--readonly applies to the cockpit (mops, mops demo), not to this command")
        }
        _ => {}
    }
    match cli.command {
        Some(Command::Config { command }) => config_command(command, cli.config.as_deref()),
        Some(Command::Act(args)) => act(&args, cli.config.as_deref(), readonly),
        Some(Command::Check { json, source, health }) => {
            Ok(check(cli.config.as_deref(), json, source.as_deref(), health))
        }
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "mops",
                &mut script,
            );
            print_all(&script)
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .wrap_err("rendering the manual page")?;
            print_all(&page)
        }
        Some(Command::Snapshot { json: _ }) => {
            let cfg = config::load(&config::locate(cli.config.as_deref())?)?;
            let text = block_on_value(mops::snapshot::run(&cfg))?;
            print_all(format!("{text}\n").as_bytes())
        }
        Some(Command::Report { format, period }) => {
            let cfg = config::load(&config::locate(cli.config.as_deref())?)?;
            let text = block_on_value(mops::report::run(&cfg, format, &period))?;
            print_all(text.as_bytes())
        }
        Some(Command::Serve { listen }) => {
            let cfg = config::load(&config::locate(cli.config.as_deref())?)?;
            block_on(mops::serve::run(cfg, listen))
        }
        None => block_on(cockpit(cli.config, readonly)),
        Some(Command::Demo { seed, listen, faults }) => {
            block_on(demo(sandbox::SandboxOptions { listen, seed, faults }, readonly))
        }
        Some(Command::Sandbox {
            listen,
            seed,
            config_out,
            faults,
        }) => block_on(sandbox_only(
            sandbox::SandboxOptions { listen, seed, faults },
            config_out,
        )),
    }
}

/// `mops check`: the plugin line or the JSON on stdout, the state as the
/// exit code. Anything that stops the check itself (a bad config, no such
/// source) is UNKNOWN, said on stdout as monitoring systems expect.
fn check(config_path: Option<&Path>, json: bool, source: Option<&str>, health: bool) -> ExitCode {
    let result = (|| -> eyre::Result<mops::check::CheckResult> {
        let cfg = config::load(&config::locate(config_path)?)?;
        let runtime = tokio::runtime::Runtime::new().wrap_err("starting the async runtime")?;
        runtime.block_on(mops::check::run(&cfg, source, health))
    })();
    let (text, code) = match result {
        Ok(r) if json => (serde_json::to_string_pretty(&r).unwrap_or_default(), r.exit_code),
        Ok(r) => (mops::check::nagios(&r), r.exit_code),
        Err(e) => {
            let why = format!("{e:#}").replace('\n', " ");
            if json {
                let body = serde_json::json!({
                    "version": mops::check::SCHEMA_VERSION,
                    "state": "UNKNOWN",
                    "exit_code": 3,
                    "summary": why,
                });
                (body.to_string(), 3)
            } else {
                (format!("MOPS UNKNOWN - {why}"), 3)
            }
        }
    };
    let _ = print_all(format!("{text}\n").as_bytes());
    ExitCode::from(code)
}

/// Writes generated text to stdout; a reader that stops early (`| head`)
/// is no error.
fn print_all(bytes: &[u8]) -> eyre::Result<ExitCode> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).wrap_err("writing to stdout"),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn block_on_value<T>(job: impl Future<Output = eyre::Result<T>>) -> eyre::Result<T> {
    let runtime = tokio::runtime::Runtime::new().wrap_err("starting the async runtime")?;
    runtime.block_on(job)
}

fn block_on(mode: impl Future<Output = eyre::Result<()>>) -> eyre::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().wrap_err("starting the async runtime")?;
    runtime.block_on(mode)?;
    Ok(ExitCode::SUCCESS)
}

async fn cockpit(config_path: Option<PathBuf>, readonly: bool) -> eyre::Result<()> {
    let path = config::locate(config_path.as_deref())?;
    let cfg = config::load(&path)?;
    let readonly = readonly || cfg.readonly;
    app::runtime::run(cfg, readonly, None).await
}

/// The cockpit on a sandbox of its own, through the same config path a user's takes.
async fn demo(options: sandbox::SandboxOptions, readonly: bool) -> eyre::Result<()> {
    let sandbox = sandbox::spawn(options).await?;
    let mut builder = tempfile::Builder::new();
    builder.prefix("mops-demo-");
    // The folder holds the sandbox's secrets: only this user may look in.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder.tempdir().wrap_err("creating a folder for the demo config")?;
    let path = dir.path().join("demo.toml");
    sandbox.write_config(&path)?;
    let cfg = config::load(&path)?;
    let banner = format!("sandbox {}", sandbox.addr());
    let result = app::runtime::run_demo(cfg, readonly, banner).await;
    sandbox.shutdown().await;
    result
}

async fn sandbox_only(options: sandbox::SandboxOptions, config_out: Option<PathBuf>) -> eyre::Result<()> {
    let seed = options.seed;
    let sandbox = sandbox::spawn(options).await?;
    let addr = sandbox.addr();
    println!("mops sandbox listening on http://{addr} (seed {seed})");
    if let Some(path) = config_out {
        sandbox.write_config(&path)?;
        println!("config written to {} (secrets beside it, mode 0600)", path.display());
        println!("run the cockpit on it: mops --config {}", path.display());
    }
    println!("inject a fault: curl -X PUT http://{addr}/_sandbox/faults/hubspot -d '{{\"kind\":\"status:503\"}}'");
    println!("clear it:       curl -X DELETE http://{addr}/_sandbox/faults/hubspot");
    println!("Ctrl-C stops it");
    wait_for_stop().await?;
    sandbox.shutdown().await;
    Ok(())
}

async fn wait_for_stop() -> eyre::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?;
    let mut hup = signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.wrap_err("waiting for Ctrl-C")?,
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
    Ok(())
}

/// `mops act`: exit 0 when the action was sent and succeeded (or listed, or
/// dry-run), 1 when it was refused, declined or failed.
fn act(args: &mops::cli::ActArgs, config_path: Option<&Path>, readonly: bool) -> eyre::Result<ExitCode> {
    let mut stdout = std::io::stdout();
    // Listing and discarding failed actions touch only the local queue: they
    // work without a config (say, after a source was removed from it).
    let result = if args.needs_config() {
        let path = config::locate(config_path)?;
        let cfg = config::load(&path)?;
        let runtime = tokio::runtime::Runtime::new().wrap_err("starting the async runtime")?;
        runtime.block_on(actions::act::run(
            &cfg,
            args,
            readonly,
            &mut stdout,
            &mut actions::act::TerminalAsk,
        ))
    } else {
        actions::act::run_queue(args, &mut stdout)
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            complain(format_args!("{e}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

fn config_command(command: ConfigCommand, global: Option<&Path>) -> eyre::Result<ExitCode> {
    match command {
        ConfigCommand::Path => {
            let path = config::locate(global)?;
            println!("{}", std::path::absolute(&path).unwrap_or(path).display());
        }
        ConfigCommand::Init { path } => {
            let path = match path {
                Some(p) => p,
                None => config::locate(global)?,
            };
            let written = config::init(&path)?;
            println!("wrote a starter config to {}", written.display());
            println!("edit it, then run: mops config check {}", written.display());
        }
        ConfigCommand::Check { path } => {
            let path = match path {
                Some(p) => p,
                None => config::locate(global)?,
            };
            let cfg = match config::load(&path) {
                Ok(cfg) => cfg,
                Err(e) => {
                    complain(format_args!("{e}"));
                    return Ok(ExitCode::FAILURE);
                }
            };
            let report = config::check(&cfg);
            print!("{report}");
            if !report.passed() {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Log to a file in the XDG state dir: the TUI owns the screen.
fn init_logging() -> Option<WorkerGuard> {
    use tracing_subscriber::EnvFilter;
    let dir = directories::ProjectDirs::from("", "", "mops").and_then(|d| {
        d.state_dir()
            .map(Path::to_path_buf)
            .or_else(|| Some(d.data_local_dir().to_path_buf()))
    })?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "mops.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("MOPS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}
