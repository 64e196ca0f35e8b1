//! Headless Chromium (Debian's, driven by playwright-core) drives both
//! portals in French, following the seed pages, and saves screenshots of
//! every page.
//!
//! Needs `node`, `/usr/bin/chromium` and `npm ci` in `tests/browser/`
//! (`make test-deps` does all three). Screenshots go to a temporary folder,
//! or to `SWITCHBOARD_SCREENSHOTS` when set (to look at them).

mod support;

use std::path::Path;
use std::process::Command;

use support::{Server, SmtpSink, run_ok, seed_account};

/// The scripts' folder, with playwright-core installed.
fn scripts() -> std::path::PathBuf {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        scripts.join("node_modules/playwright-core").exists(),
        "run `make test-deps` (npm ci in {}) first",
        scripts.display()
    );
    scripts
}

/// Where screenshots go: `SWITCHBOARD_SCREENSHOTS` when set, to look at
/// them, else a folder of the test's temporary directory.
fn screenshots(dir: &Path) -> std::path::PathBuf {
    let shots = match std::env::var_os("SWITCHBOARD_SCREENSHOTS") {
        Some(d) => std::path::PathBuf::from(d),
        None => dir.join("screenshots"),
    };
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// Runs the Playwright script `script` against `server` (then stops it),
/// screenshots to `shots`, with `args`; fails with the script's output.
fn browse(scripts: &Path, server: Server, script: &str, shots: &Path, args: &[&str]) {
    let out = Command::new("node")
        .arg(scripts.join(script))
        .arg(format!("http://{}", server.http))
        .arg(shots)
        .args(args)
        .current_dir(scripts)
        .output()
        .expect("node runs");
    server.terminate();
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_admin_signs_in_with_chromium_in_french() {
    let scripts = scripts();
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let server = Server::start(dir.path());
    let shots = screenshots(dir.path());
    browse(
        &scripts,
        server,
        "admin.mjs",
        &shots,
        &["01 99 00 02 00", "longenough", "201", "password201"],
    );
    for name in ["01-admin-signin-fr", "03-admin-dashboard", "10-user-calls"] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    }
}

/// The acceptance walk of the portals issue: admin signs in, adds a user
/// (refused first: duplicate extension, bad e-mail), buys and maps a
/// number, resets a password; the user gets the welcome e-mail through a
/// real SMTP server, signs in, must change the password, sets forwarding
/// (refused without a number first) and the caller ID, exports the call
/// log as CSV.
#[test]
fn the_seed_pages_walkthrough_in_french_with_real_mail() {
    let scripts = scripts();
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    run_ok(
        dir.path(),
        &["numbers", "add-pool", "+33199000210", "+33199000211"],
    );
    let mail_dir = dir.path().join("mail");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let sink = SmtpSink::start(Some(mail_dir.clone()));
    let server = Server::start_with(dir.path(), &["--smtp-url", &sink.url()]);
    let shots = screenshots(dir.path());
    browse(
        &scripts,
        server,
        "walkthrough.mjs",
        &shots,
        &[mail_dir.to_str().unwrap(), "01 99 00 02 00", "longenough"],
    );
    // The mails went through SMTP, none to the outbox folder.
    let mails: Vec<String> = sink.mail.try_iter().collect();
    assert!(
        mails.iter().any(|m| m.contains("chloe@acme.example")),
        "welcome mail through SMTP"
    );
    assert!(
        !dir.path().join("outbox").exists()
            || std::fs::read_dir(dir.path().join("outbox"))
                .unwrap()
                .next()
                .is_none()
    );
    let pngs = std::fs::read_dir(&shots)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('w')
        })
        .count();
    assert!(pngs >= 22, "a screenshot of every page: {pngs}");
}

/// The pages the walkthrough does not open: ring group, CSV import,
/// device, account settings, API key, and the platform operator's portal;
/// each used once, refused input first.
#[test]
fn every_other_page_in_french() {
    let scripts = scripts();
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    run_ok(
        dir.path(),
        &[
            "operator",
            "create",
            "--email",
            "ops@hosting.example",
            "--password",
            "operator-secret",
        ],
    );
    let server = Server::start(dir.path());
    let shots = screenshots(dir.path());
    browse(
        &scripts,
        server,
        "tour.mjs",
        &shots,
        &[
            "01 99 00 02 00",
            "longenough",
            "ops@hosting.example",
            "operator-secret",
        ],
    );
    // The import's welcome e-mails and the new account's set-up mail.
    let outbox: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for to in [
        "denis@acme.example",
        "eve@acme.example",
        "durand@garage.example",
    ] {
        assert!(
            outbox.iter().any(|m| m.contains(&format!("To: {to}"))),
            "a mail to {to}"
        );
    }
}

/// Click to call (SPEC U2) from the user portal against the real switch:
/// user 201's phone is not registered, so the call the page follows ends
/// "no phone registered" and the panel stops polling.
#[test]
fn click_to_call_from_the_user_portal_in_french() {
    let scripts = scripts();
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let server = Server::start(dir.path());
    let shots = screenshots(dir.path());
    browse(
        &scripts,
        server,
        "click.mjs",
        &shots,
        &["01 99 00 02 00", "201", "password201"],
    );
    for name in ["c03-click-progress", "c04-click-no-phone"] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    }
}

/// Voicemail in the user portal (SPEC U3): a message left for user 201
/// (three seconds of a 440 Hz tone, encoded by the voicemail crate's MP3
/// encoder, written where the server keeps audio) is played in Chromium,
/// which marks it heard, marked new again, downloaded as an MP3 file and
/// deleted; afterwards neither the row nor the file remains.
#[test]
fn voicemail_in_the_user_portal_in_french() {
    let scripts = scripts();
    let dir = tempfile::tempdir().unwrap();
    seed_account(dir.path(), &[201, 202]);
    let mp3_key = leave_message(dir.path(), "201", "+33612345678", "Jean Martin");
    let server = Server::start(dir.path());
    let shots = screenshots(dir.path());
    browse(
        &scripts,
        server,
        "voicemail.mjs",
        &shots,
        &["01 99 00 02 00", "201", "password201", "06 12 34 56 78"],
    );
    assert!(
        !dir.path().join("files").join(&mp3_key).exists(),
        "the MP3 is deleted with the message"
    );
    let png = std::fs::read(shots.join("v01-voicemail-list.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

/// Leaves a new message for extension `ext` of the seeded account, as the
/// switch would: the MP3 under `<data>/files`, the row in the database.
/// Returns the MP3's key.
fn leave_message(data: &Path, ext: &str, caller: &str, name: &str) -> String {
    let tone: Vec<i16> = (0..24_000)
        .map(|i| {
            let t = f64::from(i) / 8000.0;
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
        })
        .collect();
    let mp3 = voicemail::mp3::encode(&tone).expect("the tone encodes");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", data.join("switchboard.db").display());
        let store = storage::Store::connect(&url).await.unwrap();
        let main = domain::E164::parse("+33199000200").unwrap();
        let account = store.account_by_main_number(&main).await.unwrap().unwrap();
        let scope = store.account(account.id);
        let extension = domain::ExtensionNumber::parse(ext).unwrap();
        let user = scope.user_by_extension(&extension).await.unwrap().unwrap();
        let key = format!(
            "voicemail/{}/{}/browser.mp3",
            account.id.raw(),
            user.id.raw()
        );
        let blobs = voicemail::Blobs::local(&data.join("files")).unwrap();
        blobs.put(&key, mp3.into()).await.unwrap();
        let now = domain::UnixMillis::from_system_time(std::time::SystemTime::now());
        scope
            .add_voicemail(&domain::NewVoicemailMessage {
                user: user.id,
                caller_number: caller.into(),
                caller_name: Some(name.into()),
                received_at: now,
                duration_ms: 3000,
                wav_key: key.replace(".mp3", ".wav"),
                mp3_key: key.clone(),
            })
            .await
            .unwrap();
        store.close().await;
        key
    })
}
