//! The admin pages through the router, without a socket: call log
//! (SPEC A2), extensions and users (A5), phone numbers (A6), in French and
//! English, with account isolation (an admin of A gets 404 for B's rows).

use axum::Router;
use axum::http::StatusCode;
use domain::{
    CallDirection, Disposition, E164, ExtensionNumber, Language, NewCallRecord, TimeZone,
    UnixMillis,
};
use storage::Store;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

struct Fixture {
    app: Router,
    store: Store,
    dir: tempfile::TempDir,
    a: domain::AccountId,
    b: domain::AccountId,
}

async fn account(store: &Store, main: &str, company: &str) -> domain::AccountId {
    let account = open_account(store, main, company).await;
    add_alice(store, account).await;
    account
}

/// Two accounts, A (Boulangerie Martin) and B (Garage Durand), each with
/// user 101 and a few numbers in the pool.
async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let a = account(&store, "+33199000200", "Boulangerie Martin").await;
    let b = account(&store, "+33199000300", "Garage Durand").await;
    store
        .add_pool_numbers(&[
            E164::parse("+33199000210").unwrap(),
            E164::parse("+33199000211").unwrap(),
        ])
        .await
        .unwrap();
    let app = app_over(&store, dir.path());
    Fixture {
        app,
        store,
        dir,
        a,
        b,
    }
}

/// Writes a page to `target/pages/NAME.html` for a look in a browser.
fn keep(name: &str, html: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pages");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join(format!("{name}.html")), html);
    }
}

// ---- Call log (SPEC A2) ----

async fn call(store: &Store, account: domain::AccountId, n: i64, direction: CallDirection) {
    let scope = store.account(account);
    let (from, to) = match direction {
        CallDirection::Inbound => ("+33612345678", "+33199000200"),
        CallDirection::Outbound => ("+33199000200", "+33612345678"),
        CallDirection::Internal => ("", ""),
    };
    let started = UnixMillis::from_millis(1_780_000_000_000 + n * 60_000);
    let id = scope
        .start_call(&NewCallRecord {
            call_id: format!("call-{n}"),
            direction,
            caller_number: from.into(),
            caller_extension: Some(ExtensionNumber::parse("101").unwrap()),
            callee_number: to.into(),
            callee_extension: None,
            started_at: started,
        })
        .await
        .unwrap();
    scope
        .answer_call(id, UnixMillis::from_millis(started.millis() + 5_000))
        .await
        .unwrap();
    scope
        .end_call(
            id,
            UnixMillis::from_millis(started.millis() + 95_000),
            Disposition::Answered,
            "normal",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_call_log_lists_calls_newest_first_in_paris_time() {
    let f = fixture().await;
    call(&f.store, f.a, 0, CallDirection::Inbound).await;
    call(&f.store, f.a, 1, CallDirection::Outbound).await;
    call(&f.store, f.a, 2, CallDirection::Internal).await;
    call(&f.store, f.b, 3, CallDirection::Inbound).await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/calls").await;
    assert_eq!(status, StatusCode::OK);
    keep("calls_fr", &html);
    assert!(html.contains("Journal d&#39;appels") || html.contains("Journal d'appels"));
    // 1_780_000_000 s is 2026-05-28 20:26:40 UTC, 22:26 in Paris (summer).
    assert!(html.contains("28/05/2026 22:26"), "local time");
    assert!(html.contains("06 12 34 56 78"), "national display");
    assert!(html.contains("1:30"), "duration from answer to end");
    let body = &html[html.find("<tbody>").unwrap()..];
    let internal = body.find("Interne</span>").unwrap();
    let inbound = body.find("Entrant</span>").unwrap();
    assert!(internal < inbound, "newest first");
    assert_eq!(
        html.matches("<tr><td>").count(),
        3,
        "only account A's calls"
    );

    let (_, _, html) = b.get("/admin/calls?direction=outbound").await;
    assert_eq!(html.matches("<tr><td>").count(), 1);
    assert!(html.contains("Sortant</span>"));
    assert!(html.contains("value=\"outbound\" checked"));

    b.post("/lang", &[("lang", "en"), ("back", "/admin/calls")])
        .await;
    let (_, _, html) = b.get("/admin/calls").await;
    keep("calls_en", &html);
    assert!(html.contains("Call log"));
    assert!(html.contains("2026-05-28 22:26"));
    assert!(html.contains("Incoming") || html.contains("Inbound"));
}

#[tokio::test]
async fn the_call_log_searches_dates_and_keeps_a_bad_one_with_a_message() {
    let f = fixture().await;
    call(&f.store, f.a, 0, CallDirection::Inbound).await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (_, _, html) = b.get("/admin/calls?from=2026-05-29&to=2026-06-30").await;
    assert!(html.contains("Aucun appel"), "the call was on the 28th");
    let (_, _, html) = b.get("/admin/calls?from=2026-05-28&to=2026-05-28").await;
    assert_eq!(html.matches("<tr><td>").count(), 1);
    let (status, _, html) = b.get("/admin/calls?from=28%2F05&to=2026-05-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Saisissez une date valide"));
    assert!(html.contains("value=\"28/05\""), "what was typed is kept");
    let (status, _, html) = b.get("/admin/calls?from=2026-06-01&to=2026-05-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("La date de fin doit suivre la date de début."));
}

#[tokio::test]
async fn the_call_log_pages_through_older_calls() {
    let f = fixture().await;
    for n in 0..55 {
        call(&f.store, f.a, n, CallDirection::Inbound).await;
    }
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (_, _, html) = b.get("/admin/calls").await;
    assert_eq!(html.matches("<tr><td>").count(), 50);
    let i = html.find("rel=\"next\"").expect("an older link");
    let href = &html[..i];
    let href = &href[href.rfind("href=\"").unwrap() + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#38;", "&");
    let (_, _, html) = b.get(&href).await;
    assert_eq!(html.matches("<tr><td>").count(), 5, "{href}");
    assert!(!html.contains("rel=\"next\""));
    assert!(html.contains("Appels les plus récents"));
}

#[tokio::test]
async fn the_call_log_needs_an_admin() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (status, res, _) = b.get("/admin/calls").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let _ = (&f.dir, f.b);
}

// ---- Extensions and users (SPEC A5) ----

#[tokio::test]
async fn the_extensions_list_shows_the_accounts_users_only() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/extensions").await;
    assert_eq!(status, StatusCode::OK);
    keep("extensions_fr", &html);
    assert!(html.contains("Alice Dupont"));
    assert!(html.contains("+ Ajouter un utilisateur"));
    assert!(html.contains("Aucun appareil"));
    assert_eq!(html.matches("/delete\"").count(), 1, "only A's user");
}

#[tokio::test]
async fn adding_a_user_with_bad_fields_shows_messages_and_keeps_the_input() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (_, _, html) = b.get("/admin/extensions/new").await;
    keep("add_user_fr", &html);
    assert!(html.contains("value=\"100\""), "first free extension");
    assert!(html.contains("01 99 00 02 10 (nouveau numéro)"));
    let (status, _, html) = b
        .post(
            "/admin/extensions/new",
            &[
                ("name", "Bob Martin"),
                ("email", "bob-at-example"),
                ("extension", "12a"),
                ("number", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("add_user_errors_fr", &html);
    assert!(html.contains("Saisissez une adresse e-mail valide"));
    assert!(html.contains("Le numéro de poste comporte de 2 à 6 chiffres."));
    assert!(html.contains("value=\"Bob Martin\""));
    assert!(html.contains("value=\"bob-at-example\""));
    assert!(html.contains("value=\"12a\""));
    let (status, _, html) = b
        .post(
            "/admin/extensions/new",
            &[
                ("name", "Bob Martin"),
                ("email", "bob@example.fr"),
                ("extension", "101"),
                ("number", "+33199000211"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le poste 101 est déjà utilisé."));
    assert!(
        html.contains("value=\"+33199000211\" selected"),
        "number kept"
    );
    // An emergency number would never ring the user: refused.
    let (status, _, html) = b
        .post(
            "/admin/extensions/new",
            &[
                ("name", "Bob Martin"),
                ("email", "bob@example.fr"),
                ("extension", "112"),
                ("number", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Le 112 est un numéro d&#39;urgence")
            || html.contains("Le 112 est un numéro d'urgence"),
        "{html}"
    );

    b.post(
        "/lang",
        &[("lang", "en"), ("back", "/admin/extensions/new")],
    )
    .await;
    let (_, _, html) = b
        .post(
            "/admin/extensions/new",
            &[
                ("name", ""),
                ("email", "bob@example.fr"),
                ("extension", "101"),
                ("number", ""),
            ],
        )
        .await;
    assert!(html.contains("Enter the user&#39;s name") || html.contains("Enter the user's name"));
    assert!(html.contains("Extension 101 is already in use."));
    assert!(
        outbox(f.dir.path()).is_empty(),
        "no e-mail for a refused form"
    );
}

#[tokio::test]
async fn adding_a_user_sends_the_welcome_mail_and_maps_the_new_number() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/extensions/new").await;
    let (status, res, _) = b
        .post(
            "/admin/extensions/new",
            &[
                ("name", "Bob Martin"),
                ("email", "bob@example.fr"),
                ("extension", "102"),
                ("number", "+33199000210"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/extensions?added=102");
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("Il a reçu un e-mail de bienvenue"));
    assert!(html.contains("Bob Martin"));
    assert!(html.contains("01 99 00 02 10"), "the direct number");

    let mails = outbox(f.dir.path());
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("bob@example.fr"));
    assert!(
        mails[0].contains("Num=C3=A9ro de poste : 102")
            || mails[0].contains("Numéro de poste : 102")
    );
    let scope = f.store.account(f.a);
    let bob = scope
        .user_by_extension(&ExtensionNumber::parse("102").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(scope.must_change_password(bob.id).await.unwrap());
    assert_eq!(
        scope.numbers_of(bob.extension).await.unwrap(),
        vec![E164::parse("+33199000210").unwrap()]
    );
}

#[tokio::test]
async fn deleting_a_user_asks_first_and_frees_the_extension() {
    let f = fixture().await;
    let scope = f.store.account(f.a);
    let alice = scope
        .user_by_extension(&ExtensionNumber::parse("101").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let path = format!("/admin/users/{}/delete", alice.id.raw());
    let (status, _, html) = b.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    keep("delete_user_fr", &html);
    assert!(html.contains("Supprimer Alice Dupont ?"));
    let (status, res, _) = b.post(&path, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/extensions?deleted=101");
    assert!(scope.users().await.unwrap().is_empty());
    let (status, _, _) = b.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_gets_404_for_another_accounts_user() {
    let f = fixture().await;
    let bobs = f.store.account(f.b).users().await.unwrap();
    let path = format!("/admin/users/{}/delete", bobs[0].id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, _) = b.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b.post(&path, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(f.store.account(f.b).users().await.unwrap().len(), 1);
}

// ---- Phone numbers (SPEC A6) ----

async fn extension_id(f: &Fixture, account: domain::AccountId, number: &str) -> i64 {
    f.store
        .account(account)
        .extension_by_number(&ExtensionNumber::parse(number).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .raw()
}

#[tokio::test]
async fn a_number_is_bought_from_the_pool_and_pointed_at_an_extension() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/numbers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("01 99 00 02 00"));
    assert!(html.contains("Numéro principal"));
    assert!(html.contains("01 99 00 02 10"), "pool number offered");
    assert!(!html.contains("01 99 00 03 00"), "not B's main number");

    let (status, res, _) = b
        .post("/admin/numbers/buy", &[("number", "+33199000210")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("Le 01 99 00 02 10 est maintenant à vous."));

    let alice = extension_id(&f, f.a, "101").await.to_string();
    let (status, res, _) = b
        .post("/admin/numbers/33199000210", &[("target", &alice)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    keep("numbers_fr", &html);
    assert!(html.contains(&format!("value=\"{alice}\" selected")));
    let scope = f.store.account(f.a);
    let numbers = scope
        .numbers_of(domain::ExtensionId::from_raw(alice.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(numbers, vec![E164::parse("+33199000210").unwrap()]);
}

#[tokio::test]
async fn refused_number_choices_are_explained_next_to_the_row() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/numbers").await;
    let (status, _, html) = b
        .post("/admin/numbers/33199000200", &[("target", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("numbers_error_fr", &html);
    assert!(html.contains("Le numéro principal doit faire sonner un poste."));
    assert!(html.contains("aria-describedby=\"error-33199000200\""));

    // B bought the number while A's page was open.
    f.store
        .account(f.b)
        .buy_number(&E164::parse("+33199000211").unwrap())
        .await
        .unwrap();
    let (status, _, html) = b
        .post("/admin/numbers/buy", &[("number", "+33199000211")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Ce numéro vient d&#39;être attribué")
            || html.contains("Ce numéro vient d'être attribué")
    );

    b.post("/lang", &[("lang", "en"), ("back", "/admin/numbers")])
        .await;
    let (_, _, html) = b.post("/admin/numbers/buy", &[("number", "")]).await;
    keep("numbers_error_en", &html);
    assert!(html.contains("Choose the number to buy."));
}

#[tokio::test]
async fn an_admin_gets_404_for_another_accounts_number_or_extension() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/numbers").await;
    let theirs = extension_id(&f, f.b, "101").await.to_string();
    let (status, _, _) = b
        .post("/admin/numbers/33199000300", &[("target", "")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "B's main number");
    let (status, _, _) = b
        .post("/admin/numbers/33199000200", &[("target", &theirs)])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "B's extension");
    let main = f
        .store
        .number(&E164::parse("+33199000300").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(main.account, Some(f.b));
}

// ---- One user's settings (SPEC A5) ----

async fn alice(f: &Fixture, account: domain::AccountId) -> domain::User {
    f.store
        .account(account)
        .user_by_extension(&ExtensionNumber::parse("101").unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn voicemail_settings_refuse_a_three_digit_pin_and_keep_the_input() {
    let f = fixture().await;
    let user = alice(&f, f.a).await;
    let path = format!("/admin/users/{}/voicemail", user.id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    keep("user_voicemail_fr", &html);
    assert!(html.contains("value=\"25\""), "default ring time");
    let (status, _, html) = b
        .post(
            &path,
            &[
                ("vm_enabled", "on"),
                ("ring", "40"),
                ("pin", "123"),
                ("after", "delete"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_voicemail_error_fr", &html);
    assert!(html.contains("Le code comporte de 4 à 8 chiffres."));
    assert!(html.contains("value=\"40\""), "typed ring time kept");
    assert!(html.contains("value=\"delete\" selected"));
    let (status, _, html) = b.post(&path, &[("ring", "200"), ("pin", "1234")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("La durée de sonnerie va de 5 à 120 secondes."));
    let (status, _, _) = b
        .post(
            &path,
            &[("vm_enabled", "on"), ("ring", "40"), ("pin", "1234")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let saved = alice(&f, f.a).await.voicemail;
    assert_eq!(saved.ring_seconds.get(), 40);
    assert!(saved.pin.unwrap().matches("1234"));
    assert!(!saved.email_notification, "unticked box saved as off");
}

#[tokio::test]
async fn forwarding_needs_a_number_when_enabled_in_both_languages() {
    let f = fixture().await;
    let user = alice(&f, f.a).await;
    let path = format!("/admin/users/{}/forwarding", user.id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get(&path).await;
    let (status, _, html) = b
        .post(
            &path,
            &[
                ("fwd_enabled", "on"),
                ("fwd_number", ""),
                ("simultaneous", "on"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    keep("user_forwarding_error_fr", &html);
    assert!(html.contains("Saisissez le numéro de renvoi pour activer le renvoi."));
    assert!(html.contains("name=\"simultaneous\" value=\"on\" checked"));
    b.post("/lang", &[("lang", "en"), ("back", &path)]).await;
    let (_, _, html) = b
        .post(&path, &[("fwd_enabled", "on"), ("fwd_number", "12ab")])
        .await;
    assert!(html.contains("Enter a valid phone number"));
    assert!(html.contains("value=\"12ab\""));
    let (status, _, _) = b
        .post(
            &path,
            &[("fwd_enabled", "on"), ("fwd_number", "06 12 34 56 78")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fwd = alice(&f, f.a).await.forwarding;
    assert!(fwd.enabled());
    assert_eq!(fwd.number().unwrap().as_str(), "+33612345678");
}

#[tokio::test]
async fn the_caller_id_is_one_of_the_accounts_numbers() {
    let f = fixture().await;
    let user = alice(&f, f.a).await;
    let path = format!("/admin/users/{}/advanced", user.id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (_, _, html) = b.get(&path).await;
    keep("user_advanced_fr", &html);
    assert!(html.contains("01 99 00 02 00"));
    let (status, _, html) = b.post(&path, &[("caller_id", "+33199000300")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choisissez un numéro du compte."));
    let (status, _, _) = b.post(&path, &[("caller_id", "+33199000200")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        alice(&f, f.a).await.caller_id.unwrap().as_str(),
        "+33199000200"
    );
}

#[tokio::test]
async fn an_admin_gets_404_for_another_accounts_user_settings() {
    let f = fixture().await;
    let theirs = alice(&f, f.b).await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/extensions").await;
    for tab in ["voicemail", "forwarding", "advanced"] {
        let path = format!("/admin/users/{}/{tab}", theirs.id.raw());
        let (status, _, _) = b.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, _, _) = b.post(&path, &[("ring", "30"), ("caller_id", "")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let mine = alice(&f, f.a).await;
    let (status, _, _) = b.get(&format!("/admin/users/{}/nope", mine.id.raw())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "unknown tab");
    assert_eq!(alice(&f, f.b).await.voicemail.ring_seconds.get(), 25);
}

// ---- REST API keys ----

/// The first `sb_…` key shown on a page.
fn shown_key(html: &str) -> String {
    let at = html.find("id=\"new-key\">").expect("the key is shown") + 13;
    html[at..at + html[at..].find('<').unwrap()].to_owned()
}

async fn api_status(f: &Fixture, key: &str) -> StatusCode {
    use tower::ServiceExt;
    let req = axum::http::Request::get("/api/v1/account")
        .header("authorization", format!("Bearer {key}"))
        .body(axum::body::Body::empty())
        .unwrap();
    f.app.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test]
async fn an_admin_creates_an_api_key_sees_it_once_and_revokes_it() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/api-keys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Aucune clé pour l&#39;instant.")
            || html.contains("Aucune clé pour l'instant.")
    );

    // A name is required; what was typed stays.
    let (status, _, html) = b.post("/admin/api-keys", &[("name", "   ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Donnez un nom à la clé"));
    assert!(html.contains("aria-describedby=\"name-error\""));
    let long = "x".repeat(101);
    let (status, _, html) = b.post("/admin/api-keys", &[("name", &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(&long), "the typed name is kept");

    let (status, res, html) = b.post("/admin/api-keys", &[("name", "CRM")]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let key = shown_key(&html);
    assert!(key.starts_with("sb_"), "{key}");
    assert_eq!(api_status(&f, &key).await, StatusCode::OK, "the key works");

    // Listed, never shown again.
    let (_, _, html) = b.get("/admin/api-keys").await;
    assert!(html.contains("CRM"));
    assert!(!html.contains(&key));
    let id = f.store.account(f.a).api_keys().await.unwrap()[0].id.raw();

    let (status, _, html) = b.get(&format!("/admin/api-keys/{id}/revoke")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Révoquer la clé « CRM » ?"));
    assert_eq!(
        api_status(&f, &key).await,
        StatusCode::OK,
        "not before POST"
    );
    let (status, res, _) = b.post(&format!("/admin/api-keys/{id}/revoke"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("La clé « CRM » a été révoquée."));
    assert!(html.contains("Révoquée"));
    assert_eq!(api_status(&f, &key).await, StatusCode::UNAUTHORIZED);
}

// ---- The account's language ----

#[tokio::test]
async fn the_portals_speak_the_accounts_language_unless_the_visitor_chose_one() {
    let f = fixture().await;
    f.store
        .account(f.a)
        .update_preferences(Language::En, &TimeZone::default())
        .await
        .unwrap();
    // The admin of an English account gets English after signing in.
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (_, _, html) = b.get("/admin/extensions").await;
    assert!(html.contains("lang=\"en\""), "admin in English");
    // So does a user of it.
    let mut u = Browser::new(&f.app);
    u.get("/user").await;
    u.post(
        "/user/signin",
        &[
            ("number", "01 99 00 02 00"),
            ("extension", "101"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let (_, _, html) = u.get("/user/profile").await;
    assert!(html.contains("lang=\"en\""), "user in English");
    // A visitor who chose French on the sign-in page keeps French.
    let mut c = Browser::new(&f.app);
    c.get("/").await;
    c.post("/lang", &[("lang", "fr"), ("back", "/")]).await;
    c.post(
        "/signin",
        &[("number", "01 99 00 02 00"), ("password", PASSWORD)],
    )
    .await;
    let (_, _, html) = c.get("/admin/extensions").await;
    assert!(html.contains("lang=\"fr\""), "the visitor's choice wins");
    // A French account stays French.
    let mut d = admin_browser(&f.app, "01 99 00 03 00").await;
    let (_, _, html) = d.get("/admin/extensions").await;
    assert!(html.contains("lang=\"fr\""));
}
