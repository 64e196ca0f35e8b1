//! Click to call in the user portal (SPEC U2), through the router with a
//! scripted switch: the Call form above the call log and its refusals,
//! what the switch is asked, the progress panel at every stage in French
//! and English, call-back links, a node without a switch, and that only
//! the user who started a call can follow it.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use domain::{AccountId, CallEnd, CallProgress, ClickToCall, Dialled, Disposition, User};
use storage::Store;
use web::dialer::Scripted;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

struct Fixture {
    app: Router,
    store: Store,
    dialer: Arc<Scripted>,
    dir: tempfile::TempDir,
    a: AccountId,
    alice: User,
}

/// Account A (01 99 00 02 00) with Alice on 101 and Bruno on 102; account
/// B (01 99 00 03 00) with its own user on 101.
async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let a = open_account(&store, "+33199000200", "Boulangerie Martin").await;
    let alice = add_alice(&store, a).await;
    add_user(&store, a, "102", "Bruno Petit", "bruno@example.fr").await;
    let b = open_account(&store, "+33199000300", "Garage Durand").await;
    add_user(&store, b, "101", "Bob Durand", "bob@example.fr").await;
    let dialer = Arc::new(Scripted::new());
    let app = app_dialling(&store, dir.path(), dialer.clone());
    Fixture {
        app,
        store,
        dialer,
        dir,
        a,
        alice,
    }
}

/// A browser signed in as extension `ext` of the account whose main
/// number is `main`, on the call log.
async fn user(app: &Router, main: &str, ext: &str) -> Browser {
    let mut b = user_browser_as(app, main, ext).await;
    b.get("/user/calls").await;
    b
}

async fn in_english(b: &mut Browser) {
    b.post("/lang", &[("lang", "en"), ("back", "/user/calls")])
        .await;
    b.get("/user/calls").await;
}

/// Dials `destination` from the log's form; returns the status, where it
/// leads and the page.
async fn dial(b: &mut Browser, destination: &str) -> (StatusCode, String, String) {
    let (status, res, html) = b
        .post("/user/calls/dial", &[("destination", destination)])
        .await;
    (status, location(&res).to_owned(), html)
}

/// Writes a page to `target/pages/NAME.html` for a look in a browser.
fn keep(name: &str, html: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pages");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}.html")), html);
    }
}

#[tokio::test]
async fn the_call_form_is_above_the_call_log_in_both_languages() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    let (status, _, html) = b.get("/user/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"action="/user/calls/dial""#));
    assert!(html.contains("Numéro à appeler"));
    let form = html.find("Numéro à appeler").unwrap();
    assert!(
        form < html.find(r#"class="filters""#).unwrap(),
        "above the log"
    );
    in_english(&mut b).await;
    let (_, _, html) = b.get("/user/calls").await;
    assert!(html.contains("Number to call"), "{html}");
    assert!(html.contains(">Call</button>"));
}

#[tokio::test]
async fn a_destination_that_reaches_nothing_is_refused_next_to_the_field() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    let (status, _, html) = dial(&mut b, "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="destination-error">Saisissez le numéro à appeler."#));
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="destination-error""#));
    let (status, _, html) = dial(&mut b, "12345678").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"value="12345678""#), "the value is kept");
    assert!(html.contains("Ce n&#39;est ni un poste") || html.contains("Ce n'est ni un poste"));
    in_english(&mut b).await;
    let (status, _, html) = dial(&mut b, "06 12 ab").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"value="06 12 ab""#));
    assert!(html.contains("This is neither an extension (2 to 6 digits)"));
    assert!(f.dialer.requests().is_empty(), "nothing was dialled");
}

#[tokio::test]
async fn a_call_asks_the_switch_then_the_page_follows_it() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    let (status, to, _) = dial(&mut b, "06 12 34 56 78").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, "/user/calls/live/1");
    assert_eq!(
        f.dialer.requests(),
        [ClickToCall {
            account: f.a,
            user: f.alice.id,
            destination: Dialled::parse("+33612345678").unwrap(),
        }]
    );
    let (status, _, html) = b.get(&to).await;
    assert_eq!(status, StatusCode::OK);
    keep("user_call_live", &html);
    assert!(
        html.contains("<h1>Appel vers le 06 12 34 56 78</h1>"),
        "{html}"
    );
    assert!(html.contains("Votre téléphone sonne…"));
    assert!(html.contains("Décrochez pour appeler le 06 12 34 56 78."));
    assert!(
        html.contains(
            r#"hx-get="/user/calls/live/1/panel?seen=calling_you" hx-trigger="every 1s""#
        )
    );
    assert!(html.contains(r#"<div role="status" aria-live="polite" aria-atomic="true">"#));
    // The language switch comes back to this page.
    assert!(html.contains(r#"name="back" value="/user/calls/live/1""#));
    // Without JavaScript, a link loads the page again.
    assert!(
        html.contains(r#"<noscript><p class="aside"><a href="/user/calls/live/1">Actualiser</a>"#)
    );
    // An extension is dialled as it is.
    let (_, to, _) = dial(&mut b, "102").await;
    assert_eq!(to, "/user/calls/live/2");
    let (_, _, html) = b.get(&to).await;
    assert!(html.contains("Appel vers le 102"));
    assert_eq!(
        f.dialer.requests()[1].destination,
        Dialled::parse("102").unwrap()
    );
}

/// Each stage: what the panel says in French and in English, and whether
/// it keeps polling.
const STAGES: &[(CallProgress, &str, &str, bool)] = &[
    (
        CallProgress::CallingYou,
        "Votre téléphone sonne…",
        "Your phone is ringing…",
        true,
    ),
    (
        CallProgress::Dialling,
        "Numérotation du 06 12 34 56 78…",
        "Calling 06 12 34 56 78…",
        true,
    ),
    (CallProgress::Ringing, "Ça sonne…", "Ringing…", true),
    (
        CallProgress::Connected,
        "En communication",
        "Connected",
        true,
    ),
    (
        CallProgress::Ended(CallEnd::NoPhone),
        "Aucun téléphone connecté",
        "No phone registered",
        false,
    ),
    (
        CallProgress::Ended(CallEnd::YouDidNotAnswer),
        "Vous n&#39;avez pas décroché",
        "You did not answer",
        false,
    ),
    (CallProgress::Ended(CallEnd::Busy), "Occupé", "Busy", false),
    (
        CallProgress::Ended(CallEnd::NoAnswer),
        "Pas de réponse",
        "No answer",
        false,
    ),
    (
        CallProgress::Ended(CallEnd::Failed),
        "Échec de l&#39;appel",
        "Call failed",
        false,
    ),
    (
        CallProgress::Ended(CallEnd::HungUp),
        "Appel terminé",
        "Call ended",
        false,
    ),
];

/// The panel's headline.
fn headline(html: &str) -> &str {
    let start = html
        .find(r#"<p class="call-headline">"#)
        .expect("a headline")
        + 25;
    let end = start + html[start..].find("</p>").unwrap();
    &html[start..end]
}

#[tokio::test]
async fn the_panel_says_where_the_call_is_in_french_and_english() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    dial(&mut b, "0612345678").await;
    for english in [false, true] {
        if english {
            in_english(&mut b).await;
        }
        for &(progress, fr, en, polls) in STAGES {
            f.dialer.set(1, progress);
            let (status, _, html) = b.get("/user/calls/live/1/panel").await;
            assert_eq!(status, StatusCode::OK, "{progress:?}");
            assert!(!html.contains("<html"), "a fragment, not a page");
            let expected = if english { en } else { fr };
            assert_eq!(headline(&html), expected, "{progress:?}");
            assert_eq!(html.contains("hx-trigger"), polls, "{progress:?}");
            assert_eq!(
                html.contains(r#"action="/user/calls/dial""#),
                !polls,
                "an ended call can be made again: {progress:?}"
            );
            if progress == CallProgress::Ringing {
                assert!(html.contains(r#"aria-current="step""#));
            }
        }
    }
    // A poll that names the stage on screen changes nothing until the
    // call moves on.
    f.dialer.set(1, CallProgress::Ringing);
    let (status, _, html) = b.get("/user/calls/live/1/panel?seen=ringing").await;
    assert_eq!((status, html.as_str()), (StatusCode::NO_CONTENT, ""));
    f.dialer.set(1, CallProgress::Connected);
    let (status, _, html) = b.get("/user/calls/live/1/panel?seen=ringing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/user/calls/live/1/panel?seen=connected"));
    f.dialer.set(1, CallProgress::Ended(CallEnd::HungUp));
    let (status, _, _) = b.get("/user/calls/live/1/panel?seen=ended-hung_up").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The full page agrees with the fragment.
    let (_, _, html) = b.get("/user/calls/live/1").await;
    assert_eq!(headline(&html), "Call ended");
    assert!(html.contains("Your call with 06 12 34 56 78 has ended."));
}

#[tokio::test]
async fn calling_again_from_an_ended_call_dials_the_same_destination() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    dial(&mut b, "00 44 20 7946 0000").await;
    f.dialer.set(1, CallProgress::Ended(CallEnd::Busy));
    let (_, _, html) = b.get("/user/calls/live/1").await;
    assert!(html.contains(r#"name="destination" value="00442079460000""#));
    let (status, to, _) = dial(&mut b, "00442079460000").await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/user/calls/live/2")
    );
    let asked = f.dialer.requests();
    assert_eq!(asked[0].destination, asked[1].destination);
}

#[tokio::test]
async fn only_the_user_who_started_a_call_can_follow_it() {
    let f = fixture().await;
    let mut alice = user(&f.app, "01 99 00 02 00", "101").await;
    dial(&mut alice, "0612345678").await;
    let urls = ["/user/calls/live/1", "/user/calls/live/1/panel"];
    for url in urls {
        assert_eq!(alice.get(url).await.0, StatusCode::OK, "{url}");
    }
    // Another user of the same account, another account's user.
    let mut bruno = user(&f.app, "01 99 00 02 00", "102").await;
    let mut bob = user(&f.app, "01 99 00 03 00", "101").await;
    for who in [&mut bruno, &mut bob] {
        for url in urls {
            let (status, _, html) = who.get(url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
            assert!(!html.contains("06 12 34 56 78"), "{url}");
        }
    }
    // Ids never started, or not ids at all.
    for url in [
        "/user/calls/live/2",
        "/user/calls/live/0",
        "/user/calls/live/x",
    ] {
        assert_eq!(alice.get(url).await.0, StatusCode::NOT_FOUND, "{url}");
    }
    // Signing in as Bruno on Alice's browser does not hand him her call.
    let (status, _, _) = alice
        .post(
            "/user/signin",
            &[
                ("number", "01 99 00 02 00"),
                ("extension", "102"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for url in urls {
        assert_eq!(alice.get(url).await.0, StatusCode::NOT_FOUND, "{url}");
    }
    // Signed out, the page asks to sign in.
    let mut out = Browser::new(&f.app);
    let (status, res, _) = out.get("/user/calls/live/1").await;
    assert_eq!((status, location(&res)), (StatusCode::SEE_OTHER, "/user"));
}

#[tokio::test]
async fn without_a_switch_the_form_and_the_page_say_calls_are_unavailable() {
    let f = fixture().await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    dial(&mut b, "0612345678").await;

    // This node's switch stops: new calls are refused, the value kept.
    f.dialer.stop();
    let (status, _, html) = dial(&mut b, "0698765432").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("Le standard ne peut pas passer d&#39;appel pour le moment"));
    assert!(html.contains(r#"value="0698765432""#));

    // No switch at all on the node that serves the next request.
    b.app = app_over(&f.store, f.dir.path());
    let (status, _, html) = dial(&mut b, "0698765432").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("Le standard ne peut pas passer d&#39;appel pour le moment"));
    let (status, _, html) = b.get("/user/calls/live/1").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headline(&html), "Appels indisponibles");
    assert!(!html.contains("hx-trigger"));

    // A switch that restarted no longer knows the call: the page says so
    // and stops polling.
    b.app = app_dialling(&f.store, f.dir.path(), Arc::new(Scripted::new()));
    let (status, _, html) = b.get("/user/calls/live/1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headline(&html), "Appel introuvable");
    let (status, _, html) = b.get("/user/calls/live/1/panel").await;
    assert_eq!(status, StatusCode::OK, "htmx swaps the panel in");
    assert!(!html.contains("hx-trigger"));
}

#[tokio::test]
async fn call_back_links_fill_the_form_with_the_other_party() {
    let f = fixture().await;
    write_calls(
        &f.store,
        f.a,
        &[
            ("101", "+33612345678", 0, Disposition::Answered),
            ("102", "101", 0, Disposition::Missed),
            ("", "101", 0, Disposition::Missed),
            ("101", "+44207946000", 0, Disposition::Answered),
            ("101", "112", 0, Disposition::Answered),
        ],
    )
    .await;
    let mut b = user(&f.app, "01 99 00 02 00", "101").await;
    let (_, _, html) = b.get("/user/calls").await;
    keep("user_calls_click", &html);
    let dials: Vec<&str> = html
        .split(r#"data-dial=""#)
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(dials, ["06 12 34 56 78", "102", "0044207946000"]);
    assert!(html.contains("aria-label=\"Rappeler le 06 12 34 56 78\""));
    // Without JavaScript the link loads the log with the form filled.
    assert!(html.contains("&amp;dial=06%2012%2034%2056%2078#click-to-call"));
    let (_, _, html) = b.get("/user/calls?dial=06%2012%2034%2056%2078").await;
    assert!(html.contains(
        r#"name="destination" type="tel" autocomplete="tel" required value="06 12 34 56 78""#
    ));
}
