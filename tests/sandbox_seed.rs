//! The seed decides the credentials and the data; `write_config` writes a
//! config a user can point mops at, with private secret files.
#![cfg(unix)]

mod sandbox_support;

use std::os::unix::fs::PermissionsExt;

use mops::sandbox::Sandbox;
use sandbox_support::*;
use secrecy::ExposeSecret;

fn secrets(sb: &Sandbox) -> [String; 3] {
    let c = sb.credentials();
    [
        c.mailchimp_api_key.expose_secret().to_owned(),
        c.hubspot_token.expose_secret().to_owned(),
        c.wordpress_app_password.expose_secret().to_owned(),
    ]
}

/// The first page of contacts (without its paging link, which names the
/// port) and the account.
async fn data(sb: &Sandbox) -> (String, String) {
    let c = client();
    let response = hubspot(
        &c,
        sb,
        "/crm/v3/objects/contacts?limit=100&properties=email,company,lifecyclestage",
    )
    .send()
    .await
    .unwrap();
    let mut page = json(response).await;
    assert!(page["paging"]["next"]["after"].is_string(), "{page}");
    page.as_object_mut().unwrap().remove("paging");
    let contacts = page.to_string();
    let account = mailchimp(&c, sb, "/").send().await.unwrap().text().await.unwrap();
    (contacts, account)
}

#[tokio::test]
async fn same_seed_gives_the_same_credentials_and_data() {
    // One start time for both: records are placed relative to it.
    let at: jiff::Timestamp = "2025-06-18T14:35:12Z".parse().unwrap();
    let spawn = || {
        mops::sandbox::spawn_at(
            mops::sandbox::SandboxOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                seed: 42,
                faults: Vec::new(),
            },
            at,
        )
    };
    let (a, b) = (spawn().await.unwrap(), spawn().await.unwrap());
    assert_eq!(secrets(&a), secrets(&b));
    assert_eq!(a.credentials().wordpress_user, b.credentials().wordpress_user);
    let (data_a, data_b) = (data(&a).await, data(&b).await);
    assert!(data_a.0.contains("@"), "{}", data_a.0);
    assert_eq!(data_a, data_b);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn different_seeds_give_different_credentials_and_data() {
    let (a, b) = (start(42).await, start(43).await);
    let (sa, sb_) = (secrets(&a), secrets(&b));
    for (x, y) in sa.iter().zip(&sb_) {
        assert_ne!(x, y);
    }
    assert_ne!(data(&a).await, data(&b).await);

    // One sandbox's keys do not open the other.
    let c = client();
    let response = c
        .get(url(&b, "/mailchimp/3.0/ping"))
        .basic_auth("any", Some(&sa[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn credentials_debug_never_shows_a_secret() {
    let sb = start(44).await;
    for text in [format!("{:?}", sb.credentials()), format!("{sb:?}")] {
        for secret in secrets(&sb) {
            assert!(!text.contains(&secret), "{text}");
        }
        assert!(text.contains("ops-bot"), "{text}");
    }
    sb.shutdown().await;
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn write_config_points_at_the_running_sandbox_with_private_secrets() {
    let sb = start(45).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo").join("mops.toml");
    sb.write_config(&path).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let port = sb.addr().port();
    assert!(
        text.contains(&format!("http://127.0.0.1:{port}/mailchimp/3.0")),
        "{text}"
    );
    assert!(!text.contains(":4010"), "{text}");
    for secret in secrets(&sb) {
        assert!(!text.contains(&secret), "a secret is inline in the config");
    }

    let config: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(config["title"].as_str(), Some("mops demo (sandbox)"));
    assert_eq!(config["defaults"]["interval"].as_str(), Some("5s"));
    let sources = config["source"].as_array().unwrap();
    let secrets_dir = path.parent().unwrap().join("secrets");
    assert_eq!(mode(&secrets_dir), 0o700);

    // Each source's settings, used as a connector would, get a 200.
    let c = client();
    let file = |value: &toml::Value| {
        let relative = value["file"].as_str().unwrap();
        let full = path.parent().unwrap().join(relative);
        assert_eq!(mode(&full), 0o600, "{relative}");
        std::fs::read_to_string(full).unwrap()
    };
    for source in sources {
        let request = match source["kind"].as_str().unwrap() {
            "mailchimp" => c
                .get(format!("{}/ping", source["base_url"].as_str().unwrap()))
                .basic_auth("mops", Some(file(&source["api_key"]))),
            "hubspot" => c
                .get(format!(
                    "{}/crm/v3/objects/contacts?limit=1",
                    source["base_url"].as_str().unwrap()
                ))
                .bearer_auth(file(&source["token"])),
            "wordpress" => c
                .get(format!("{}/", source["base_url"].as_str().unwrap()))
                .basic_auth(source["user"].as_str().unwrap(), Some(file(&source["app_password"]))),
            "http" => c.get(source["url"].as_str().unwrap()),
            other => panic!("unexpected kind {other}"),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{source}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn write_config_tightens_existing_secret_files() {
    let sb = start(46).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets_dir = dir.path().join("secrets");
    std::fs::create_dir(&secrets_dir).unwrap();
    std::fs::set_permissions(&secrets_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let key = secrets_dir.join("mailchimp.key");
    std::fs::write(&key, "an old, longer key that must be fully replaced").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();

    sb.write_config(&dir.path().join("mops.toml")).unwrap();
    assert_eq!(mode(&secrets_dir), 0o700);
    assert_eq!(mode(&key), 0o600);
    assert_eq!(std::fs::read_to_string(&key).unwrap(), secrets(&sb)[0]);
    sb.shutdown().await;
}

#[tokio::test]
async fn write_config_replaces_a_symlinked_secret_instead_of_writing_through_it() {
    let sb = start(47).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets_dir = dir.path().join("secrets");
    std::fs::create_dir(&secrets_dir).unwrap();
    // A file elsewhere that a planted link points at: it must stay as it was.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "not yours").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key = secrets_dir.join("mailchimp.key");
    std::os::unix::fs::symlink(&victim, &key).unwrap();
    // A dangling link must not create its target either.
    let missing = dir.path().join("created-through-a-link");
    std::os::unix::fs::symlink(&missing, secrets_dir.join("hubspot.token")).unwrap();

    sb.write_config(&dir.path().join("mops.toml")).unwrap();

    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours");
    assert_eq!(mode(&victim), 0o644);
    assert!(!missing.exists(), "wrote through a dangling symlink");
    for (name, secret) in ["mailchimp.key", "hubspot.token"].iter().zip(secrets(&sb)) {
        let path = secrets_dir.join(name);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file(), "{name} is still a link");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), secret, "{name}");
    }
    // No temporary file holding a secret is left behind.
    let names: Vec<String> = std::fs::read_dir(&secrets_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_demo_config_round_robins_over_seeded_owners() {
    let sb = start(45).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.toml");
    sb.write_config(&path).unwrap();
    let config = mops::config::load(&path).unwrap();
    let hubspot = config.source("hubspot").unwrap();
    let mops::config::SourceSettings::Hubspot { round_robin, .. } = &hubspot.settings else {
        panic!("hubspot is not a hubspot source: {hubspot:?}");
    };
    assert_eq!(round_robin.len(), 2, "{round_robin:?}");
    for email in round_robin {
        let owners = hubspot_owner(&sb, email).await;
        assert_eq!(owners["results"].as_array().unwrap().len(), 1, "{email}: {owners}");
        assert_eq!(owners["results"][0]["archived"], false);
    }
    sb.shutdown().await;
}

/// `GET /crm/v3/owners?email=...`.
async fn hubspot_owner(sb: &Sandbox, email: &str) -> serde_json::Value {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .finish();
    let response = hubspot(&client(), sb, &format!("/crm/v3/owners?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    json(response).await
}
