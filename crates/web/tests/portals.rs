//! The portals through the router, without a socket: pages in both
//! languages, sign-in of both portals, rate limiting, CSRF, the forced
//! password change, recovery links, security headers.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::{ExtensionNumber, UnixMillis};
use storage::{PasswordReset, Store};
use tower::ServiceExt;
use web::{AppState, router};

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

const MAIN: &str = "+33199000200";
struct Fixture {
    app: Router,
    store: Store,
    dir: tempfile::TempDir,
    account: domain::AccountId,
}

async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let account = open_account(&store, MAIN, "Boulangerie Martin").await;
    let user = add_alice(&store, account).await;
    store
        .account(account)
        .set_user_password_flagged(user.id, &hash(), true)
        .await
        .unwrap();
    let app = app_over(&store, dir.path());
    Fixture {
        app,
        store,
        dir,
        account,
    }
}

#[tokio::test]
async fn the_sign_in_page_is_french_by_default_and_english_on_the_switch() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (status, res, html) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("Numéro principal"));
    assert!(html.contains("Mot de passe oublié ?"));
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, res, _) = b.post("/lang", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (_, _, html) = b.get("/").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Main number"));
    // The switch never sends anyone off-site.
    let (_, res, _) = b
        .post("/lang", &[("lang", "fr"), ("back", "//evil.example")])
        .await;
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let f = fixture().await;
    for path in ["/", "/user", "/static/style.css", "/healthz", "/nope"] {
        let res = f
            .app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = res.headers();
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY", "{path}");
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(h.get(header::REFERRER_POLICY).is_some());
        // Plain HTTP installation: no HSTS.
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    }
    let secure = router(AppState::new(
        f.store.clone(),
        AppState::with_outbox(f.store.clone(), f.dir.path().into()).mailer,
        "https://pbx.example.fr".into(),
    ));
    let res = secure
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        res.headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_some()
    );
    let cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn static_files_are_served_with_a_long_cache() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (status, res, body) = b.get("/static/htmx.min.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("htmx"));
    assert!(
        res.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let (status, _, _) = b.get("/static/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_signs_in_sees_the_dashboard_and_signs_out() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    let (status, _, html) = b
        .post(
            "/signin",
            &[("number", "01 99 00 02 00"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Numéro ou mot de passe incorrect."));
    assert!(
        html.contains("value=\"01 99 00 02 00\""),
        "the number is kept"
    );
    let (status, res, _) = b
        .post(
            "/signin",
            &[("number", "01 99 00 02 00"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin");
    let (status, _, html) = b.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Bienvenue, Boulangerie Martin"));
    assert!(
        html.contains("01 99 00 02 00"),
        "main number in national format"
    );
    assert!(html.contains("Se déconnecter"));
    assert!(html.contains("Aucun appel"));
    let (status, res, _) = b.post("/signout", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (_, res, _) = b.get("/admin").await;
    assert_eq!(location(&res), "/", "signed out: back to sign-in");
}

#[tokio::test]
async fn the_dashboard_is_in_english_after_the_switch() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    b.post("/lang", &[("lang", "en"), ("back", "/")]).await;
    b.get("/").await;
    b.post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    let (_, _, html) = b.get("/admin").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Welcome, Boulangerie Martin"));
    assert!(html.contains("Sign out"));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    let (status, _, _) = b
        .post_raw("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = b
        .post_raw(
            "/signin",
            &[
                ("number", MAIN),
                ("password", PASSWORD),
                ("_csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // No session at all.
    let mut stranger = Browser::new(&f.app);
    let (status, _, _) = stranger.post_raw("/signin", &[("number", MAIN)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // htmx sends the token as a header.
    let csrf = b.csrf.clone().unwrap();
    let req = Request::post("/lang")
        .header(header::COOKIE, b.cookie.clone().unwrap())
        .header("x-csrf-token", csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("lang=en&back=/"))
        .unwrap();
    let (status, _, _) = b.send(req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_a_while() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    for _ in 0..5 {
        let (status, _, _) = b
            .post("/signin", &[("number", MAIN), ("password", "nope-nope")])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, html) = b
        .post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Trop de tentatives"));
}

#[tokio::test]
async fn a_user_with_a_temporary_password_must_change_it_first() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (_, _, html) = b.get("/user").await;
    assert!(html.contains("Numéro de poste"));
    let (status, _, html) = b
        .post(
            "/user/signin",
            &[
                ("number", "01 99 00 02 00"),
                ("extension", "101"),
                ("password", "bad-password"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Numéro, poste ou mot de passe incorrect."));
    assert!(html.contains("value=\"101\""));
    let (status, res, _) = b
        .post(
            "/user/signin",
            &[
                ("number", "01 99 00 02 00"),
                ("extension", "101"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/user/calls");
    let (_, res, _) = b.get("/user/calls").await;
    assert_eq!(
        location(&res),
        "/user/password",
        "temporary password: change it first"
    );
    let (_, _, html) = b.get("/user/password").await;
    assert!(html.contains("Choisissez votre mot de passe"));
    let (status, _, html) = b
        .post(
            "/user/password",
            &[("password", "new-secret-1"), ("confirm", "other-secret")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ne sont pas identiques"));
    let (status, _, html) = b
        .post(
            "/user/password",
            &[("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("au moins 8"));
    let (_, res, _) = b
        .post(
            "/user/password",
            &[("password", "new-secret-1"), ("confirm", "new-secret-1")],
        )
        .await;
    assert_eq!(location(&res), "/user/calls");
    let (status, _, html) = b.get("/user/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Alice Dupont"));
    // The new password works, the old one no longer does.
    let mut other = Browser::new(&f.app);
    other.get("/user").await;
    let (status, _, _) = other
        .post(
            "/user/signin",
            &[
                ("number", MAIN),
                ("extension", "101"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = other
        .post(
            "/user/signin",
            &[
                ("number", MAIN),
                ("extension", "101"),
                ("password", "new-secret-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

fn outbox_link(dir: &std::path::Path) -> String {
    let outbox = dir.join("outbox");
    let file = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // The body is quoted-printable: undo its soft line breaks.
    let text = std::fs::read_to_string(file)
        .unwrap()
        .replace("=\r\n", "")
        .replace("=\n", "");
    assert!(text.contains("To: patron@example.fr"));
    let start = text
        .find("http://localhost/reset/")
        .expect("link in the message");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_recovery_link_sets_a_new_password_once() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (_, _, html) = b.get("/forgot").await;
    assert!(html.contains("Mot de passe oublié"));
    let (status, _, html) = b.post("/forgot", &[("number", "01 99 00 02 00")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("un e-mail avec un lien"));
    let link = outbox_link(f.dir.path());
    let path = link.trim_start_matches("http://localhost");
    let (status, _, html) = b.get(path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nouveau mot de passe"));
    let (status, _, html) = b
        .post(
            path,
            &[
                ("password", "brand-new-pass"),
                ("confirm", "brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Votre mot de passe a été modifié"));
    // Single use.
    let (status, _, html) = b.get(path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("plus valable"));
    let (status, _, _) = b
        .post(
            path,
            &[
                ("password", "another-pass-1"),
                ("confirm", "another-pass-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    // The admin signs in with the new password.
    b.get("/").await;
    let (status, _, _) = b
        .post(
            "/signin",
            &[("number", MAIN), ("password", "brand-new-pass")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_expired_recovery_link_does_nothing() {
    let f = fixture().await;
    let past = UnixMillis::from_millis(1_000);
    f.store
        .create_password_reset(
            &web::auth::token_hash("old-token"),
            PasswordReset {
                account: f.account,
                user: None,
            },
            past,
        )
        .await
        .unwrap();
    let mut b = Browser::new(&f.app);
    let (status, _, _) = b.get("/reset/old-token").await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _, _) = b
        .post(
            "/reset/old-token",
            &[
                ("password", "brand-new-pass"),
                ("confirm", "brand-new-pass"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    b.get("/").await;
    let (status, _, _) = b
        .post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old password still works"
    );
}

#[tokio::test]
async fn an_unknown_number_gets_the_same_recovery_answer_and_no_mail() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/forgot").await;
    let (status, _, html) = b.post("/forgot", &[("number", "01 99 00 09 99")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("un e-mail avec un lien"));
    assert!(!f.dir.path().join("outbox").exists());
    let (status, _, html) = b.post("/forgot", &[("number", "abc")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"abc\""));
}

#[tokio::test]
async fn a_welcome_mail_carries_a_temporary_password_that_must_be_changed() {
    let f = fixture().await;
    let scope = f.store.account(f.account);
    let user = scope
        .user_by_extension(&ExtensionNumber::parse("101").unwrap())
        .await
        .unwrap()
        .unwrap();
    scope
        .set_user_password_flagged(user.id, &hash(), false)
        .await
        .unwrap();
    let state = AppState::with_outbox(f.store.clone(), f.dir.path().join("outbox"));
    let temporary = web::auth::temporary_password();
    let shown = temporary.expose().to_owned();
    web::auth::send_welcome(&state, f.account, user.id, temporary)
        .await
        .unwrap();
    assert!(scope.must_change_password(user.id).await.unwrap());
    let file = std::fs::read_dir(f.dir.path().join("outbox"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("To: alice@example.fr"));
    assert!(text.contains(&shown), "{text}");
    assert!(text.contains("http://localhost/user"));
    // The temporary password signs in, then must be changed.
    let mut b = Browser::new(&f.app);
    b.get("/user").await;
    let (status, _, _) = b
        .post(
            "/user/signin",
            &[("number", MAIN), ("extension", "101"), ("password", &shown)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, res, _) = b.get("/user/calls").await;
    assert_eq!(location(&res), "/user/password");
}

#[tokio::test]
async fn the_dashboard_lists_recent_calls_with_national_numbers() {
    let f = fixture().await;
    let scope = f.store.account(f.account);
    let id = scope
        .start_call(&domain::NewCallRecord {
            call_id: "c1".into(),
            direction: domain::CallDirection::Inbound,
            caller_number: "+33612345678".into(),
            caller_extension: None,
            callee_number: MAIN.into(),
            callee_extension: Some(ExtensionNumber::parse("101").unwrap()),
            started_at: UnixMillis::from_millis(1_764_990_000_000),
        })
        .await
        .unwrap();
    scope
        .answer_call(id, UnixMillis::from_millis(1_764_990_005_000))
        .await
        .unwrap();
    scope
        .end_call(
            id,
            UnixMillis::from_millis(1_764_990_100_000),
            domain::Disposition::Answered,
            "BYE",
        )
        .await
        .unwrap();
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    b.post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    let (_, _, html) = b.get("/admin").await;
    assert!(html.contains("06 12 34 56 78"), "{html}");
    assert!(html.contains("Entrant"));
    assert!(html.contains("Répondu"));
    assert!(html.contains("1:35"), "duration of 95 s");
    assert!(html.contains("06/12/2025 04:00"), "Paris time: {html}");
}

#[tokio::test]
async fn recovery_requests_are_limited_per_number() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/forgot").await;
    for _ in 0..5 {
        let (status, _, _) = b.post("/forgot", &[("number", MAIN)]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _, html) = b.post("/forgot", &[("number", MAIN)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Trop de tentatives"));
    let sent = std::fs::read_dir(f.dir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(sent, 5);
}

#[tokio::test]
async fn a_suspended_account_cannot_sign_in_and_a_bad_number_is_explained() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    let (status, _, html) = b
        .post(
            "/signin",
            &[("number", "01 99 abc"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Saisissez un numéro de téléphone valide"));
    assert!(html.contains("value=\"01 99 abc\""));
    f.store
        .account(f.account)
        .set_status(domain::AccountStatus::Suspended)
        .await
        .unwrap();
    let (status, _, html) = b
        .post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Ce compte est suspendu"));
    let (_, res, _) = b.get("/admin").await;
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn suspending_an_account_signs_its_admin_out_at_the_next_click() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    b.post("/signin", &[("number", MAIN), ("password", PASSWORD)])
        .await;
    let (status, _, _) = b.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    f.store
        .account(f.account)
        .set_status(domain::AccountStatus::Suspended)
        .await
        .unwrap();
    let (status, res, _) = b.get("/admin").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (_, _, html) = b.get("/").await;
    assert!(html.contains("Connexion administrateur"), "signed out");
}
