//! The platform operator's portal through the router (issue 6): its own
//! sign-in kept apart from the account portals, creating an account whose
//! administrator sets a password from the e-mailed link, suspending and
//! reactivating it, and the number pool.

use axum::Router;
use axum::http::StatusCode;
use domain::{AccountStatus, E164, EmailAddress, Language, UnixMillis};
use storage::Store;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

const OPERATOR: &str = "ops@hosting.example";
struct Fixture {
    app: Router,
    store: Store,
    dir: tempfile::TempDir,
}

/// An installation with one operator and one account (main number
/// 01 99 00 02 00, admin password [`PASSWORD`]).
async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    store
        .create_operator(
            &EmailAddress::parse(OPERATOR).unwrap(),
            &hash(),
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap();
    open_account(&store, "+33199000200", "Boulangerie Martin").await;
    let app = app_over(&store, dir.path());
    Fixture { app, store, dir }
}

async fn operator(f: &Fixture) -> Browser {
    let mut b = Browser::new(&f.app);
    b.get("/operator").await;
    let (status, res, _) = b
        .post(
            "/operator/signin",
            &[("email", OPERATOR), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/operator/accounts");
    b
}

async fn admin_sign_in(f: &Fixture, number: &str, password: &str) -> (Browser, StatusCode) {
    let mut b = Browser::new(&f.app);
    b.get("/").await;
    let (status, _, _) = b
        .post("/signin", &[("number", number), ("password", password)])
        .await;
    (b, status)
}

fn e164(text: &str) -> E164 {
    E164::parse(text).unwrap()
}

#[tokio::test]
async fn the_operator_signs_in_with_the_right_password_only() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    let (status, _, html) = b.get("/operator").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Espace opérateur"), "{html}");
    let (status, _, html) = b
        .post(
            "/operator/signin",
            &[("email", OPERATOR), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Adresse e-mail ou mot de passe incorrect"));
    assert!(html.contains(OPERATOR), "typed address kept");
    let (status, _, _) = b.get("/operator/accounts").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "still signed out");

    let mut b = operator(&f).await;
    let (status, _, html) = b.get("/operator/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Boulangerie Martin"));
    assert!(html.contains("01 99 00 02 00"));
    let (status, res, _) = b.post("/operator/signout", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/operator");
    let (status, res, _) = b.get("/operator/accounts").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/operator");
}

#[tokio::test]
async fn operator_sign_in_is_rate_limited() {
    let f = fixture().await;
    let mut b = Browser::new(&f.app);
    b.get("/operator").await;
    for _ in 0..web::auth::ACCOUNT_LIMIT {
        let (status, _, _) = b
            .post(
                "/operator/signin",
                &[("email", OPERATOR), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = b
        .post(
            "/operator/signin",
            &[("email", OPERATOR), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right one");
}

#[tokio::test]
async fn admin_and_operator_sessions_do_not_open_each_others_pages() {
    let f = fixture().await;
    let (mut admin, status) = admin_sign_in(&f, "01 99 00 02 00", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = admin.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/operator/accounts", "/operator/numbers"] {
        let (status, res, _) = admin.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&res), "/operator");
    }
    let (status, _, _) = admin
        .post(
            "/operator/numbers",
            &[("first", "+33199000300"), ("last", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        f.store
            .number(&e164("+33199000300"))
            .await
            .unwrap()
            .is_none()
    );

    let mut op = operator(&f).await;
    for path in ["/admin", "/admin/numbers", "/user/calls"] {
        let (status, res, _) = op.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            location(&res) == "/" || location(&res) == "/user",
            "{path} -> {}",
            location(&res)
        );
    }
    // The admin sign-in page does not take the operator for an admin.
    let (status, _, html) = op.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"number\""));
}

#[tokio::test]
async fn creating_an_account_shows_errors_next_to_the_fields_and_keeps_what_was_typed() {
    let f = fixture().await;
    let mut b = operator(&f).await;
    let (status, _, html) = b
        .post(
            "/operator/accounts",
            &[
                ("company", "  "),
                ("main_number", "01 99 00 02 00"),
                ("admin_email", "not-an-address"),
                ("language", "de"),
                ("time_zone", "Paris"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "company-error",
        "main_number-error",
        "admin_email-error",
        "language-error",
        "time_zone-error",
    ] {
        assert!(html.contains(&format!("id=\"{message}\"")), "{message}");
    }
    assert!(html.contains("Ce numéro appartient déjà à un compte"));
    assert!(
        html.contains("value=\"not-an-address\""),
        "typed value kept"
    );
    assert!(html.contains("value=\"Paris\""));
    assert_eq!(f.store.account_count().await.unwrap(), 1, "nothing created");

    let (status, _, html) = b
        .post(
            "/operator/accounts",
            &[
                ("company", "Atelier"),
                ("main_number", "12"),
                ("admin_email", "boss@atelier.example"),
                ("language", "en"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Saisissez un numéro de téléphone valide"));
    assert!(html.contains("value=\"Atelier\""));
    assert!(html.contains("value=\"en\" selected"));
}

fn outbox_message(dir: &std::path::Path, to: &str) -> String {
    let outbox = dir.join("outbox");
    for entry in std::fs::read_dir(&outbox).expect("a message was written") {
        let text = std::fs::read_to_string(entry.unwrap().path())
            .unwrap()
            .replace("=\r\n", "")
            .replace("=\n", "");
        if text.contains(&format!("To: {to}")) {
            return text;
        }
    }
    panic!("no message to {to}");
}

#[tokio::test]
async fn a_new_accounts_admin_sets_a_password_from_the_mail_and_signs_in() {
    let f = fixture().await;
    f.store
        .add_pool_numbers(&[e164("+33199000300")])
        .await
        .unwrap();
    let mut b = operator(&f).await;
    let (_, _, html) = b.get("/operator/accounts").await;
    assert!(
        html.contains("<option value=\"01 99 00 03 00\">"),
        "pool number suggested"
    );
    let (status, res, _) = b
        .post(
            "/operator/accounts",
            &[
                ("company", "Atelier Dupont"),
                ("main_number", "01 99 00 03 00"),
                ("admin_email", "boss@atelier.example"),
                ("language", "en"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("Le compte Atelier Dupont est créé"), "{html}");
    assert!(html.contains("Atelier Dupont"));
    let created = f
        .store
        .account_by_main_number(&e164("+33199000300"))
        .await
        .unwrap()
        .expect("account on the pool number");
    assert_eq!(created.language, Language::En);
    let number = f
        .store
        .number(&e164("+33199000300"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(number.account, Some(created.id), "taken from the pool");

    let mail = outbox_message(f.dir.path(), "boss@atelier.example");
    assert!(mail.contains("7 days"), "English, the account's language");
    let start = mail.find("http://localhost/reset/").expect("set-up link");
    let link = mail[start..].split_whitespace().next().unwrap().to_owned();
    let path = link.trim_start_matches("http://localhost");

    let (mut admin, _) = admin_sign_in(&f, "01 99 00 03 00", "no-password-yet").await;
    let (status, _, _) = admin.get(path).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = admin
        .post(
            path,
            &[
                ("password", "chosen-by-boss"),
                ("confirm", "chosen-by-boss"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (mut admin, status) = admin_sign_in(&f, "01 99 00 03 00", "chosen-by-boss").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = admin.get("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Atelier Dupont"));
}

#[tokio::test]
async fn a_suspended_account_cannot_sign_in_until_reactivated() {
    let f = fixture().await;
    let id = f
        .store
        .account_by_main_number(&e164("+33199000200"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let (mut signed_in_admin, _) = admin_sign_in(&f, "01 99 00 02 00", PASSWORD).await;
    let mut b = operator(&f).await;
    let (status, _, html) = b.get(&format!("/operator/accounts/{id}/suspend")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Suspendre le compte Boulangerie Martin"));
    assert_eq!(
        f.store.account(id).details().await.unwrap().status,
        AccountStatus::Active,
        "asking changes nothing"
    );
    let (status, res, _) = b
        .post(&format!("/operator/accounts/{id}/suspend"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("Le compte est suspendu"));
    assert!(html.contains("Suspendu"));

    let (_, status) = admin_sign_in(&f, "01 99 00 02 00", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, res, _) = signed_in_admin.get("/admin").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "open session ends too");
    assert_eq!(location(&res), "/");

    let (status, _, _) = b.get(&format!("/operator/accounts/{id}/reactivate")).await;
    assert_eq!(status, StatusCode::OK);
    b.post(&format!("/operator/accounts/{id}/reactivate"), &[])
        .await;
    let (_, status) = admin_sign_in(&f, "01 99 00 02 00", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed in again");

    let (status, _, _) = b.get("/operator/accounts/999/suspend").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b.get(&format!("/operator/accounts/{id}/delete")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn numbers_are_added_by_range_removed_when_free_and_released_when_held() {
    let f = fixture().await;
    let mut b = operator(&f).await;
    let (status, res, _) = b
        .post(
            "/operator/numbers",
            &[("first", "01 99 00 03 00"), ("last", "01 99 00 03 09")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("10 numéro(s) ajouté(s)"), "{html}");
    assert!(html.contains("01 99 00 03 09"));
    assert_eq!(
        f.store
            .pool_entries(storage::PoolFilter::Free)
            .await
            .unwrap()
            .len(),
        10
    );

    // A bad range is explained next to the field and nothing is added.
    let (status, _, html) = b
        .post(
            "/operator/numbers",
            &[("first", "01 99 00 04 00"), ("last", "01 99 00 03 99")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"last-error\""));
    assert!(html.contains("Le dernier numéro ne peut pas précéder le premier"));
    assert!(
        html.contains("value=\"01 99 00 04 00\""),
        "typed value kept"
    );
    let (status, _, html) = b
        .post(
            "/operator/numbers",
            &[("first", "+33199000000"), ("last", "+33199009999")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("celle-ci en compte 10000"), "{html}");
    let (status, _, html) = b
        .post("/operator/numbers", &[("first", "abc"), ("last", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"first-error\""));
    assert_eq!(
        f.store
            .pool_entries(storage::PoolFilter::All)
            .await
            .unwrap()
            .len(),
        11
    );

    // Remove a free number.
    let (status, _, _) = b.post("/operator/numbers/33199000309/remove", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        f.store
            .number(&e164("+33199000309"))
            .await
            .unwrap()
            .is_none()
    );

    // A held number is not removed; it is released after a confirmation.
    let account = f
        .store
        .account_by_main_number(&e164("+33199000200"))
        .await
        .unwrap()
        .unwrap();
    f.store
        .account(account.id)
        .buy_number(&e164("+33199000301"))
        .await
        .unwrap();
    let (status, _, html) = b.post("/operator/numbers/33199000301/remove", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("libérez-le d"), "{html}");
    let (_, _, html) = b.get("/operator/numbers?filter=assigned").await;
    assert!(html.contains("01 99 00 03 01"));
    assert!(
        !html.contains("01 99 00 03 02"),
        "free numbers filtered out"
    );
    assert!(html.contains("/operator/numbers/33199000301/release"));
    assert!(
        !html.contains("/operator/numbers/33199000200/release"),
        "no release for a main number"
    );
    let (status, _, html) = b.get("/operator/numbers/33199000301/release").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Boulangerie Martin"));
    assert_eq!(
        f.store
            .number(&e164("+33199000301"))
            .await
            .unwrap()
            .unwrap()
            .account,
        Some(account.id),
        "asking changes nothing"
    );
    let (status, _, _) = b.post("/operator/numbers/33199000301/release", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        f.store
            .number(&e164("+33199000301"))
            .await
            .unwrap()
            .unwrap()
            .account,
        None
    );
    let (status, _, html) = b.post("/operator/numbers/33199000200/release", &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ne peut pas être libéré"));
    let (status, _, _) = b.get("/operator/numbers/33199000302/release").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a free number is not released"
    );
}

#[tokio::test]
async fn a_large_pool_shows_200_numbers_and_a_search_finds_the_rest() {
    let f = fixture().await;
    let mut op = operator(&f).await;
    op.get("/operator/numbers").await;
    let (status, _, _) = op
        .post(
            "/operator/numbers",
            &[("first", "+33199100000"), ("last", "+33199100999")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = op.get("/operator/numbers?filter=free").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("/remove\"").count(), 200, "200 rows shown");
    assert!(
        html.contains("numéros correspondent"),
        "says there are more"
    );
    let (_, _, html) = op.get("/operator/numbers?filter=free&q=0999").await;
    assert!(html.contains("01 99 10 09 99"), "the searched number");
    assert_eq!(html.matches("/remove\"").count(), 1);
    assert!(!html.contains("numéros correspondent"));
    assert!(html.contains("value=\"0999\""), "the search is kept");
}
