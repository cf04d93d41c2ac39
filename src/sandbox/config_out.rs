//! Writing a mops config that points at a running sandbox.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use eyre::WrapErr;
use secrecy::ExposeSecret;

use super::creds::Credentials;

/// The demo config, addressed to the default `mops sandbox --listen`.
const TEMPLATE: &str = include_str!("../../config/demo.toml");
/// The address written in [`TEMPLATE`], replaced by the real one.
const TEMPLATE_ADDR: &str = "127.0.0.1:4010";

/// The demo config with every URL pointing at `addr`.
pub fn render_config(addr: SocketAddr) -> String {
    TEMPLATE.replace(TEMPLATE_ADDR, &addr.to_string())
}

/// `[[pipeline.campaign]]` entries for some of the sandbox's sent campaigns,
/// so the demo shows ROMI: a cost from the send volume, a revenue from the
/// clicks, both derived from the seeded data (so the same every run).
pub(crate) fn economics(campaigns: &[super::mailchimp::store::Campaign]) -> String {
    use super::mailchimp::store::Status;
    let mut out = String::from("\n# Written by the sandbox: what some sent campaigns cost and earned, for ROMI.\n");
    let sent = campaigns
        .iter()
        .filter(|c| c.status == Status::Sent && c.report.is_some());
    for c in sent.step_by(3) {
        let clicks = c.report.as_ref().map_or(0, |r| r.unique_subscriber_clicks);
        let cost = 150 + c.emails_sent / 4;
        let revenue = clicks * 11;
        out.push_str(&format!(
            "\n[[pipeline.campaign]]\nid = \"{}\"  # {}\ncost = {cost}\nrevenue = {revenue}\n",
            c.id, c.title
        ));
    }
    out
}

/// Writes the config to `path` and the secrets it references, relative to the
/// config's folder, into `secrets/`.
pub(crate) fn write(path: &Path, addr: SocketAddr, creds: &Credentials, economics: &str) -> eyre::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).wrap_err_with(|| format!("could not create {}", dir.display()))?;
    let secrets = dir.join("secrets");
    create_private_dir(&secrets)?;
    write_secret(&secrets.join("mailchimp.key"), creds.mailchimp_api_key.expose_secret())?;
    write_secret(&secrets.join("hubspot.token"), creds.hubspot_token.expose_secret())?;
    write_secret(
        &secrets.join("wordpress.password"),
        creds.wordpress_app_password.expose_secret(),
    )?;
    fs::write(path, render_config(addr) + economics)
        .wrap_err_with(|| format!("could not write the sandbox config to {}", path.display()))?;
    tracing::info!(path = %path.display(), "wrote sandbox config");
    Ok(())
}

fn create_private_dir(dir: &Path) -> eyre::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .wrap_err_with(|| format!("could not create {}", dir.display()))?;
    // The directory may have existed with looser permissions.
    restrict(dir, 0o700)
}

/// Writes without a trailing newline: the file holds the secret and nothing else.
///
/// The secret goes into a new file (never an existing one, so never through
/// a symlink planted at `path`), created with mode 0600 from the start, which
/// is then renamed over `path`: rename replaces a symlink itself rather than
/// its target, and readers never see a half-written key.
fn write_secret(path: &Path, secret: &str) -> eyre::Result<()> {
    let context = || format!("could not write the secret file {}", path.display());
    let temp = temp_path(path).ok_or_else(|| eyre::eyre!("{} is not a file path", path.display()))?;
    let written = write_new_private(&temp, secret).and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        // Best effort: the temporary file holds the secret.
        let _ = fs::remove_file(&temp);
    }
    written.wrap_err_with(context)
}

/// A fresh name beside `path`, so the rename stays on one file system.
fn temp_path(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_string_lossy();
    Some(path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple())))
}

/// Creates `path`, failing if anything (a file, a symlink) is already there.
fn write_new_private(path: &Path, secret: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> eyre::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .wrap_err_with(|| format!("could not set the permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> eyre::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_addressed_to_the_default_listen_address() {
        assert!(TEMPLATE.contains("http://127.0.0.1:4010/mailchimp/3.0"));
        assert!(TEMPLATE.contains("http://127.0.0.1:4010/hubspot"));
        assert!(TEMPLATE.contains("http://127.0.0.1:4010/wordpress/wp-json"));
        assert!(TEMPLATE.contains("http://127.0.0.1:4010/website/"));
    }

    #[test]
    fn render_replaces_every_address() {
        let rendered = render_config("127.0.0.1:53117".parse().unwrap());
        assert!(!rendered.contains("4010"), "{rendered}");
        assert_eq!(rendered.matches("http://127.0.0.1:53117/").count(), 4);
        let v6 = render_config("[::1]:8080".parse().unwrap());
        assert!(v6.contains("http://[::1]:8080/hubspot"), "{v6}");
    }

    #[test]
    fn template_is_valid_toml_with_four_sources() {
        let value: toml::Value = toml::from_str(TEMPLATE).unwrap();
        let sources = value["source"].as_array().unwrap();
        let names: Vec<&str> = sources.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["mailchimp", "hubspot", "wordpress", "website"]);
        assert_eq!(value["title"].as_str(), Some("mops demo (sandbox)"));
    }
}
