//! The user portal through the router, without a socket (SPEC U1, U4,
//! U6-U9): landing on the call log, every page in French and English, the
//! call log's filters, period and pages, its CSV export, the preferences
//! and the profile with every refused field, and isolation (a user sees
//! only their own calls and settings, and never the admin portal).

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::http::{StatusCode, header};
use domain::{Disposition, E164, EmailAddress, ExtensionNumber, User};
use storage::{NewUser, Store};

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

const DAY: i64 = 86_400_000;

struct Fixture {
    app: Router,
    store: Store,
    _dir: tempfile::TempDir,
    a: domain::AccountId,
    b: domain::AccountId,
}

async fn user(
    store: &Store,
    account: domain::AccountId,
    ext: &str,
    name: &str,
    direct: Option<&str>,
) -> User {
    store
        .account(account)
        .create_user(&NewUser {
            extension: ExtensionNumber::parse(ext).unwrap(),
            name: name.into(),
            email: EmailAddress::parse("someone@example.fr").unwrap(),
            password: hash(),
            direct_number: direct.map(|n| E164::parse(n).unwrap()),
        })
        .await
        .unwrap()
}

/// Account A (main 01 99 00 02 00): Alice on 101 with the direct number
/// 01 99 00 02 01, Bruno on 102 with 01 99 00 02 02. Account B (main
/// 01 99 00 03 00): Bob on 101.
async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    store
        .add_pool_numbers(&[
            E164::parse("+33199000201").unwrap(),
            E164::parse("+33199000202").unwrap(),
        ])
        .await
        .unwrap();
    let a = open_account(&store, "+33199000200", "Boulangerie Martin").await;
    let b = open_account(&store, "+33199000300", "Garage Durand").await;
    user(&store, a, "101", "Alice Dupont", Some("+33199000201")).await;
    user(&store, a, "102", "Bruno Petit", Some("+33199000202")).await;
    user(&store, b, "101", "Bob Durand", None).await;
    let app = app_over(&store, dir.path());
    Fixture {
        app,
        store,
        _dir: dir,
        a,
        b,
    }
}

impl Fixture {
    async fn alice(&self) -> User {
        self.store
            .account(self.a)
            .user_by_extension(&ExtensionNumber::parse("101").unwrap())
            .await
            .unwrap()
            .unwrap()
    }

    /// Writes calls of account `account`; see [`write_calls`].
    async fn calls(&self, account: domain::AccountId, calls: &[(&str, &str, i64, Disposition)]) {
        write_calls(&self.store, account, calls).await;
    }
}

/// A browser signed in on the user portal as extension `ext` of the
/// account whose main number is `main`.
async fn signed_in(f: &Fixture, main: &str, ext: &str, password: &str) -> Browser {
    let mut b = Browser::new(&f.app);
    b.get("/user").await;
    let (status, res, _) = b
        .post(
            "/user/signin",
            &[("number", main), ("extension", ext), ("password", password)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        "/user/calls",
        "users land on their call log"
    );
    b
}

async fn alice(f: &Fixture) -> Browser {
    signed_in(f, "01 99 00 02 00", "101", PASSWORD).await
}

/// Writes a page to `target/pages/NAME.html` for a look in a browser.
fn keep(name: &str, html: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pages");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}.html")), html);
    }
}

/// The body of the page's table ("" when there is none).
fn rows(html: &str) -> &str {
    match (html.find("<tbody>"), html.find("</tbody>")) {
        (Some(a), Some(b)) => &html[a..b],
        _ => "",
    }
}

/// A local date `days` before today in Paris, as a date field sends it.
fn days_ago(days: i64) -> String {
    let at = SystemTime::now() - Duration::from_millis((days * DAY) as u64);
    let ts = jiff::Timestamp::try_from(at).unwrap();
    ts.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date()
        .to_string()
}

// ---- Sign-in and pages ----

#[tokio::test]
async fn a_user_lands_on_the_call_log_with_their_tabs() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let (status, _, html) = b.get("/user/calls").await;
    assert_eq!(status, StatusCode::OK);
    for tab in [
        "href=\"/user/calls\" class=\"active\"",
        "href=\"/user/preferences\"",
        "href=\"/user/profile\"",
    ] {
        assert!(html.contains(tab), "{tab}");
    }
    assert!(html.contains("Alice Dupont"), "name in the top bar");
    let (_, res, _) = b.get("/user/home").await;
    assert_eq!(location(&res), "/user/calls");
    let (_, res, _) = b.get("/user").await;
    assert_eq!(location(&res), "/user/calls");
    let (_, res, _) = b.get("/user/preferences").await;
    assert_eq!(location(&res), "/user/preferences/voicemail");
}

#[tokio::test]
async fn every_page_is_in_french_and_in_english() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let pages = [
        ("/user/calls", "Exporter en CSV", "Export as CSV"),
        (
            "/user/preferences/voicemail",
            "Messagerie vocale activée",
            "Voicemail",
        ),
        (
            "/user/preferences/forwarding",
            "Numéro de renvoi",
            "Forward",
        ),
        (
            "/user/preferences/caller-id",
            "Présentation du numéro",
            "Caller ID",
        ),
        (
            "/user/profile",
            "Changer le mot de passe",
            "Change password",
        ),
    ];
    for (path, fr, _) in pages {
        let (status, _, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("<html lang=\"fr\">"), "{path}");
        assert!(html.contains(fr), "{path}: {fr}");
        keep(&format!("{}_fr", &path[1..].replace('/', "_")), &html);
    }
    b.post("/lang", &[("lang", "en"), ("back", "/user/calls")])
        .await;
    for (path, _, en) in pages {
        let (status, _, html) = b.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains("<html lang=\"en\">"), "{path}");
        assert!(html.contains(en), "{path}: {en}");
        assert!(
            html.contains("Preferences") && html.contains("Profile"),
            "tabs"
        );
        keep(&format!("{}_en", &path[1..].replace('/', "_")), &html);
    }
}

#[tokio::test]
async fn user_pages_send_a_visitor_to_sign_in_and_a_temporary_password_to_be_changed() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    for path in [
        "/user/calls",
        "/user/calls.csv",
        "/user/preferences/voicemail",
        "/user/profile",
    ] {
        let (status, res, _) = b.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res), "/user", "{path}");
    }
    let alice = f.alice().await;
    f.store
        .account(f.a)
        .set_user_password_flagged(alice.id, &hash(), true)
        .await
        .unwrap();
    let mut b = alice_with_temporary(&f).await;
    let (_, res, _) = b.get("/user/profile").await;
    assert_eq!(location(&res), "/user/password");
    let (_, res, _) = b
        .post(
            "/user/password",
            &[("password", "new-secret-1"), ("confirm", "new-secret-1")],
        )
        .await;
    assert_eq!(location(&res), "/user/calls", "then the call log");
}

async fn alice_with_temporary(f: &Fixture) -> Browser {
    let mut b = Browser::new(&f.app);
    b.get("/user").await;
    b.post(
        "/user/signin",
        &[
            ("number", "01 99 00 02 00"),
            ("extension", "101"),
            ("password", PASSWORD),
        ],
    )
    .await;
    b.get("/user/password").await;
    b
}

// ---- Call log (SPEC U4) ----

/// Alice's calls and others': outgoing to 102 yesterday, a missed call
/// from 103 two days ago, an answered call from a mobile three days ago,
/// an outgoing call ten days ago, a call between two others yesterday.
async fn seed_log(f: &Fixture) {
    f.calls(
        f.a,
        &[
            ("101", "102", 1, Disposition::Answered),
            ("103", "101", 2, Disposition::Missed),
            ("+33612345678", "101", 3, Disposition::Answered),
            ("101", "+33698765432", 10, Disposition::Answered),
            ("102", "104", 1, Disposition::Answered),
        ],
    )
    .await;
    // Account B's 101 is somebody else.
    f.calls(f.b, &[("101", "+33655555555", 1, Disposition::Answered)])
        .await;
}

#[tokio::test]
async fn the_call_log_shows_the_last_seven_days_from_the_users_side() {
    let f = fixture().await;
    seed_log(&f).await;
    let mut b = alice(&f).await;
    let (status, _, html) = b.get("/user/calls").await;
    assert_eq!(status, StatusCode::OK);
    keep("user_calls_fr", &html);
    assert!(
        html.contains(&format!("value=\"{}\"", days_ago(6))),
        "from: 7 days"
    );
    assert!(
        html.contains(&format!("value=\"{}\"", days_ago(0))),
        "to: today"
    );
    let t = rows(&html);
    assert_eq!(t.matches("<tr>").count(), 3, "{t}");
    assert!(t.contains("<td>102</td>") && t.contains("<td>103</td>"));
    assert!(t.contains("06 12 34 56 78"), "numbers shown nationally");
    assert!(
        !t.contains("06 98 76 54 32"),
        "ten days ago: not by default"
    );
    assert!(!t.contains("104"), "not Alice's call");
    assert!(
        !t.contains("06 55 55 55 55"),
        "account B's 101 is not Alice"
    );
    assert!(t.contains("Sortant") && t.contains("Entrant"));
    assert!(t.contains("class=\"missed\">Manqué"));
}

#[tokio::test]
async fn each_filter_of_the_call_log_returns_the_right_calls() {
    let f = fixture().await;
    seed_log(&f).await;
    let mut b = alice(&f).await;
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "show=incoming",
            &["<td>103</td>", "06 12 34 56 78"],
            &["<td>102</td>"],
        ),
        (
            "show=outgoing",
            &["<td>102</td>"],
            &["<td>103</td>", "06 12 34 56 78"],
        ),
        (
            "show=missed",
            &["<td>103</td>"],
            &["<td>102</td>", "06 12 34 56 78"],
        ),
    ];
    for &(query, present, absent) in cases {
        let (status, _, html) = b.get(&format!("/user/calls?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let t = rows(&html);
        for p in present {
            assert!(t.contains(p), "{query}: {p} missing");
        }
        for a in absent {
            assert!(!t.contains(a), "{query}: {a} shown");
        }
        assert!(
            html.contains(&format!("value=\"{}\" checked", &query[5..])),
            "{query}: the filter stays chosen"
        );
    }
    // From–to: only the call of ten days ago.
    let q = format!("/user/calls?show=&from={}&to={}", days_ago(12), days_ago(9));
    let (_, _, html) = b.get(&q).await;
    let t = rows(&html);
    assert_eq!(t.matches("<tr>").count(), 1, "{t}");
    assert!(t.contains("06 98 76 54 32"));
    // Both dates emptied: every date.
    let (_, _, html) = b.get("/user/calls?show=&from=&to=").await;
    assert_eq!(rows(&html).matches("<tr>").count(), 4);
}

#[tokio::test]
async fn bad_dates_are_refused_next_to_their_field_and_kept() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let (status, _, html) = b.get("/user/calls?from=2026-13-45&to=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_calls_error_fr", &html);
    assert!(html.contains("aria-describedby=\"from-error\""));
    assert!(html.contains("id=\"from-error\">Saisissez une date valide"));
    assert!(html.contains("value=\"2026-13-45\""), "typed date kept");
    let (status, _, html) = b
        .get("/user/calls?show=missed&from=2026-12-10&to=2026-12-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"to-error\">La date de fin doit suivre la date de début."));
    assert!(html.contains("value=\"2026-12-10\"") && html.contains("value=\"2026-12-01\""));
    b.post("/lang", &[("lang", "en"), ("back", "/user/calls")])
        .await;
    let (status, _, html) = b.get("/user/calls?from=junk").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"from-error\">Enter a valid date"),
        "{html}"
    );
    // The export of a refused search goes back to the log.
    let (status, res, _) = b.get("/user/calls.csv?from=junk").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/user/calls?"));
}

#[tokio::test]
async fn older_calls_are_one_link_away() {
    let f = fixture().await;
    let calls: Vec<_> = (0..60)
        .map(|_| ("+33612345678", "101", 1, Disposition::Missed))
        .collect();
    f.calls(f.a, &calls).await;
    let mut b = alice(&f).await;
    let (_, _, html) = b.get("/user/calls?show=missed").await;
    assert_eq!(rows(&html).matches("<tr>").count(), 50);
    let i = html.find("rel=\"next\"").expect("an older-calls link");
    let start = html[..i].rfind("href=\"").unwrap() + 6;
    let href = html[start..i].trim_end_matches("\" ").replace("&#38;", "&");
    assert!(href.contains("show=missed"), "{href}");
    let (status, _, html) = b.get(&href).await;
    assert_eq!(status, StatusCode::OK, "{href}");
    assert_eq!(rows(&html).matches("<tr>").count(), 10);
    assert!(!html.contains("rel=\"next\""));
}

#[tokio::test]
async fn the_csv_export_holds_the_same_calls_translated() {
    let f = fixture().await;
    seed_log(&f).await;
    let mut b = alice(&f).await;
    let (status, res, csv) = b.get("/user/calls.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        res.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"appels.csv\""
    );
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "Date,Sens,Correspondant,Durée,Résultat");
    assert_eq!(lines.len(), 4, "the last 7 days: {csv}");
    assert!(
        lines[1].contains(",Sortant,102,1:03,Répondu"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(",Entrant,103,0:00,Manqué"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains(",Entrant,06 12 34 56 78,"),
        "{}",
        lines[3]
    );
    let (_, _, csv) = b.get("/user/calls.csv?show=missed&from=&to=").await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let (_, _, csv) = b.get("/user/calls.csv?show=&from=&to=").await;
    assert_eq!(csv.lines().count(), 5, "every date: {csv}");
    b.post("/lang", &[("lang", "en"), ("back", "/user/calls")])
        .await;
    let (_, _, csv) = b.get("/user/calls.csv?show=outgoing").await;
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "Date,Direction,Other party,Duration,Result");
    assert!(lines[1].contains(",Outgoing,102,1:03,Answered"), "{csv}");
    // The page's export link carries the search.
    let (_, _, html) = b.get("/user/calls?show=missed&from=&to=").await;
    assert!(html.contains("href=\"/user/calls.csv?show=missed&#38;from=&#38;to=\""));
}

// ---- Preferences (SPEC U6, U7, U8) ----

#[tokio::test]
async fn voicemail_preferences_are_saved_and_a_three_digit_pin_refused() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let path = "/user/preferences/voicemail";
    let (_, _, html) = b.get(path).await;
    assert!(html.contains("<dd>25</dd>"), "ring time shown read-only");
    assert!(!html.contains("name=\"ring\""), "and not editable");
    assert!(!html.contains("name=\"after\""));
    let (status, _, html) = b
        .post(path, &[("vm_email", "on"), ("pin", "123"), ("ring", "99")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_voicemail_error_fr", &html);
    assert!(html.contains("id=\"pin-error\">Le code comporte de 4 à 8 chiffres."));
    assert!(html.contains("aria-describedby=\"pin-error\""));
    assert!(
        html.contains("name=\"vm_email\" value=\"on\" checked"),
        "ticked kept"
    );
    assert!(
        !html.contains("name=\"vm_enabled\" value=\"on\" checked"),
        "unticked kept"
    );
    assert!(!html.contains("name=\"attach\" value=\"on\" checked"));
    let (status, res, _) = b
        .post(path, &[("vm_email", "on"), ("pin", "2468"), ("ring", "99")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/user/preferences/voicemail?saved=1");
    let vm = f.alice().await.voicemail;
    assert!(!vm.enabled && vm.email_notification && !vm.attach_mp3);
    assert!(vm.pin.unwrap().matches("2468"));
    assert_eq!(vm.ring_seconds.get(), 25, "the ring time is the admin's");
    let (_, _, html) = b.get("/user/preferences/voicemail?saved=1").await;
    assert!(html.contains("Les réglages ont été enregistrés."));
    assert!(html.contains("Un code est défini."));
}

#[tokio::test]
async fn forwarding_needs_a_valid_number_when_enabled() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let path = "/user/preferences/forwarding";
    b.get(path).await;
    let (status, _, html) = b
        .post(
            path,
            &[
                ("fwd_enabled", "on"),
                ("fwd_number", ""),
                ("key_press", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_forwarding_error_fr", &html);
    assert!(
        html.contains("id=\"fwd-error\">Saisissez le numéro de renvoi pour activer le renvoi.")
    );
    assert!(html.contains("name=\"key_press\" value=\"on\" checked"));
    assert!(html.contains("name=\"fwd_enabled\" value=\"on\" checked"));
    let (status, _, html) = b
        .post(path, &[("fwd_enabled", "on"), ("fwd_number", "12ab")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Saisissez un numéro de téléphone valide"));
    assert!(html.contains("value=\"12ab\""), "typed number kept");
    let (status, _, _) = b
        .post(
            path,
            &[
                ("fwd_enabled", "on"),
                ("fwd_number", "06 12 34 56 78"),
                ("simultaneous", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fwd = f.alice().await.forwarding;
    assert!(fwd.enabled() && fwd.simultaneous() && !fwd.key_press_required());
    assert_eq!(fwd.number().unwrap().as_str(), "+33612345678");
    let (_, _, html) = b.get(path).await;
    assert!(html.contains("value=\"06 12 34 56 78\""), "read back");
}

#[tokio::test]
async fn the_caller_id_is_a_number_that_reaches_the_extension() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let path = "/user/preferences/caller-id";
    let (_, _, html) = b.get(path).await;
    assert!(
        html.contains("01 99 00 02 00 (numéro principal de l&#x27;entreprise)")
            || html.contains("01 99 00 02 00 (numéro principal de l&#39;entreprise)"),
        "{html}"
    );
    assert!(
        html.contains("value=\"+33199000201\">01 99 00 02 01"),
        "Alice's direct number"
    );
    assert!(
        !html.contains("+33199000202"),
        "Bruno's number is not offered"
    );
    let (status, _, html) = b.post(path, &[("caller_id", "+33199000202")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"cid-error\">Choisissez un des numéros proposés."));
    let (status, _, _) = b.post(path, &[("caller_id", "+33199000201")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(f.alice().await.caller_id.unwrap().as_str(), "+33199000201");
    let (_, _, html) = b.get(path).await;
    assert!(html.contains("value=\"+33199000201\" selected"));
    let (status, _, _) = b.post(path, &[("caller_id", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(f.alice().await.caller_id, None, "back to the main number");
}

// ---- Profile (SPEC U9) ----

#[tokio::test]
async fn the_email_is_changed_and_a_bad_one_refused() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    let (_, _, html) = b.get("/user/profile").await;
    assert!(html.contains("<dd>Alice Dupont</dd>") && html.contains("<dd>101</dd>"));
    assert!(!html.contains("name=\"name\"") && !html.contains("name=\"extension\""));
    let (status, _, html) = b.post("/user/profile", &[("email", "alice@")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_profile_error_fr", &html);
    assert!(html.contains("id=\"email-error\">Saisissez une adresse e-mail valide"));
    assert!(html.contains("value=\"alice@\""), "typed address kept");
    let (status, res, _) = b
        .post("/user/profile", &[("email", "alice.dupont@example.fr")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/user/profile?saved=email");
    assert_eq!(f.alice().await.email.as_str(), "alice.dupont@example.fr");
    assert_eq!(f.alice().await.name, "Alice Dupont");
    let (_, _, html) = b.get("/user/profile?saved=email").await;
    assert!(html.contains("Votre adresse e-mail a été enregistrée."));
    assert!(html.contains("value=\"alice.dupont@example.fr\""));
}

#[tokio::test]
async fn the_password_is_changed_with_the_current_one() {
    let f = fixture().await;
    let mut b = alice(&f).await;
    b.get("/user/profile").await;
    let path = "/user/profile/password";
    let cases = [
        (
            ("wrong-password", "new-secret-1", "new-secret-1"),
            "current-error",
            "Le mot de passe actuel est incorrect.",
        ),
        (
            (PASSWORD, "new-secret-1", "new-secret-2"),
            "confirm-error",
            "ne sont pas identiques",
        ),
        (
            (PASSWORD, "short", "short"),
            "password-error",
            "au moins 8 caractères",
        ),
    ];
    for ((current, new, confirm), id, message) in cases {
        let (status, _, html) = b
            .post(
                path,
                &[
                    ("current", current),
                    ("password", new),
                    ("confirm", confirm),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        assert!(html.contains(&format!("aria-describedby=\"{id}\"")), "{id}");
        assert!(html.contains(message), "{id}: {message}");
        assert!(
            !html.contains(&format!("value=\"{new}\"")),
            "passwords are not sent back"
        );
    }
    let (status, res, _) = b
        .post(
            path,
            &[
                ("current", PASSWORD),
                ("password", "new-secret-1"),
                ("confirm", "new-secret-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/user/profile?saved=password");
    let (_, _, html) = b.get("/user/profile?saved=password").await;
    assert!(html.contains("Votre mot de passe a été modifié."));
    signed_in(&f, "01 99 00 02 00", "101", "new-secret-1").await;
}

// ---- Isolation ----

#[tokio::test]
async fn a_user_sees_only_their_own_account_and_never_the_admin_portal() {
    let f = fixture().await;
    seed_log(&f).await;
    let mut bob = signed_in(&f, "01 99 00 03 00", "101", PASSWORD).await;
    let (_, _, html) = bob.get("/user/calls").await;
    let t = rows(&html);
    assert_eq!(t.matches("<tr>").count(), 1, "only B's call: {t}");
    assert!(t.contains("06 55 55 55 55"));
    let (_, _, csv) = bob.get("/user/calls.csv?from=&to=").await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    let (_, _, html) = bob.get("/user/preferences/caller-id").await;
    assert!(
        !html.contains("+33199000201"),
        "A's numbers are not offered"
    );
    let (status, _, _) = bob
        .post(
            "/user/preferences/caller-id",
            &[("caller_id", "+33199000201")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nor accepted");
    bob.post(
        "/user/preferences/forwarding",
        &[("fwd_enabled", "on"), ("fwd_number", "0611111111")],
    )
    .await;
    assert!(
        !f.alice().await.forwarding.enabled(),
        "Bob's save touches only Bob"
    );
    let (status, _, _) = bob.get("/user/preferences/advanced").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "unknown tab");
    let (status, _, _) = bob.post("/user/preferences/nope", &[("pin", "1234")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let alice = f.alice().await;
    for path in [
        "/admin".to_owned(),
        "/admin/calls".to_owned(),
        "/admin/extensions".to_owned(),
        format!("/admin/users/{}/voicemail", alice.id.raw()),
    ] {
        let (status, res, _) = bob.get(&path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res), "/", "{path}: the admin sign-in");
    }
    let path = format!("/admin/users/{}/forwarding", alice.id.raw());
    let (status, _, _) = bob
        .post(
            &path,
            &[("fwd_enabled", "on"), ("fwd_number", "0611111111")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!f.alice().await.forwarding.enabled());
}
