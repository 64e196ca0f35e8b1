//! Ring group pages, the CSV import of users and the account settings
//! (SPEC A5, A9) through the router, without a socket; an admin of one
//! account gets 404 for the other's ring groups.

use axum::Router;
use axum::http::StatusCode;
use domain::{ExtensionId, ExtensionNumber, Language, RingStrategy};
use storage::Store;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

const HEADER: &str = "extension,name,email,password,sip_username,sip_password\n";

struct Fixture {
    app: Router,
    store: Store,
    dir: tempfile::TempDir,
    a: domain::AccountId,
    b: domain::AccountId,
    /// Extension ids of users 101 and 102 of A.
    a_users: [ExtensionId; 2],
    /// B's ring group 600.
    b_group: ExtensionId,
}

async fn account(
    store: &Store,
    main: &str,
    company: &str,
) -> (domain::AccountId, [ExtensionId; 2]) {
    let account = open_account(store, main, company).await;
    let mut ids = Vec::new();
    for (ext, name) in [("101", "Alice Dupont"), ("102", "Bruno Petit")] {
        let email = format!("{ext}@example.fr");
        ids.push(add_user(store, account, ext, name, &email).await.extension);
    }
    (account, [ids[0], ids[1]])
}

async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let (a, a_users) = account(&store, "+33199000200", "Boulangerie Martin").await;
    let (b, b_users) = account(&store, "+33199000300", "Garage Durand").await;
    let b_group = store
        .account(b)
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Atelier",
            RingStrategy::Simultaneous,
            20,
            &b_users,
        )
        .await
        .unwrap()
        .extension
        .id;
    let app = app_over(&store, dir.path());
    Fixture {
        app,
        store,
        dir,
        a,
        b,
        a_users,
        b_group,
    }
}

async fn english(b: &mut Browser) {
    b.post("/lang", &[("lang", "en"), ("back", "/admin")]).await;
}

/// The page's text with askama's escapes of quotes undone.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

// ---- Ring groups (SPEC A5) ----

#[tokio::test]
async fn adding_a_ring_group_keeps_the_typed_values_next_to_each_error() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    english(&mut b).await;
    let (_, _, list) = b.get("/admin/extensions").await;
    assert!(
        list.contains("href=\"/admin/groups/new\""),
        "+ Add ring group"
    );
    assert!(
        list.contains("href=\"/admin/extensions/import\""),
        "Import CSV"
    );
    let (status, _, html) = b.get("/admin/groups/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("value=\"100\""),
        "first free extension suggested"
    );
    assert!(html.contains("Alice Dupont") && html.contains("Bruno Petit"));

    let (status, _, html) = b
        .post(
            "/admin/groups/new",
            &[
                ("name", "Ventes"),
                ("extension", "101"),
                ("strategy", "sequential"),
                ("ring_seconds", "200"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Extension 101 is already in use."), "{html}");
    assert!(html.contains("Tick at least one member."));
    assert!(html.contains("Ring time is 5 to 120 seconds."));
    assert!(html.contains("value=\"Ventes\""), "name kept");
    assert!(html.contains("value=\"200\""), "ring time kept");
    assert!(
        html.contains("value=\"sequential\" selected"),
        "strategy kept"
    );

    let second = f.a_users[1].raw().to_string();
    let (status, _, html) = b
        .post(
            "/admin/groups/new",
            &[
                ("name", ""),
                ("extension", "6x"),
                ("member", &second),
                ("strategy", "sequential"),
                ("ring_seconds", "30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&html).contains("Enter the group's name"));
    assert!(html.contains("id=\"extension-error\""));
    assert!(
        html.contains(&format!("value=\"{second}\" checked")),
        "ticked member kept"
    );

    let (status, res, _) = b
        .post(
            "/admin/groups/new",
            &[
                ("name", "Ventes"),
                ("extension", "600"),
                ("member", &second),
                ("member", &f.a_users[0].raw().to_string()),
                ("strategy", "sequential"),
                ("ring_seconds", "30"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/extensions?group=600");
    let scope = f.store.account(f.a);
    let group = scope
        .extension_by_number(&ExtensionNumber::parse("600").unwrap())
        .await
        .unwrap()
        .expect("created in A, though B also has a 600");
    let g = scope.ring_group(group.id).await.unwrap();
    assert_eq!(
        (g.strategy, g.ring_seconds, g.members.len()),
        (RingStrategy::Sequential, 30, 2)
    );
    let (_, _, list) = b.get("/admin/extensions?group=600").await;
    assert!(list.contains("The ring group on extension 600 was created."));
    assert!(list.contains(&format!("href=\"/admin/groups/{}\"", group.id.raw())));
}

#[tokio::test]
async fn editing_a_ring_group_refuses_a_taken_extension_then_saves() {
    let f = fixture().await;
    let scope = f.store.account(f.a);
    let g = scope
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Ventes",
            RingStrategy::Simultaneous,
            20,
            &f.a_users,
        )
        .await
        .unwrap();
    let url = format!("/admin/groups/{}", g.extension.id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"Ventes\"") && html.contains("value=\"600\""));
    let first = f.a_users[0].raw().to_string();
    let (status, _, html) = b
        .post(
            &url,
            &[
                ("name", "Accueil"),
                ("extension", "102"),
                ("member", &first),
                ("strategy", "sequential"),
                ("ring_seconds", "45"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le poste 102 est déjà utilisé."), "{html}");
    assert!(html.contains("value=\"Accueil\""));
    assert_eq!(
        scope
            .ring_group(g.extension.id)
            .await
            .unwrap()
            .extension
            .name,
        "Ventes",
        "nothing saved"
    );
    // Keeping its own number is not a clash.
    let (status, res, _) = b
        .post(
            &url,
            &[
                ("name", "Accueil"),
                ("extension", "610"),
                ("member", &first),
                ("strategy", "sequential"),
                ("ring_seconds", "45"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("{url}?saved=1"));
    let saved = scope.ring_group(g.extension.id).await.unwrap();
    assert_eq!(
        (
            saved.extension.number.as_str(),
            saved.extension.name.as_str(),
            saved.strategy,
            saved.ring_seconds,
            saved.members
        ),
        (
            "610",
            "Accueil",
            RingStrategy::Sequential,
            45,
            vec![f.a_users[0]]
        )
    );
    let (_, _, html) = b.get(&format!("{url}?saved=1")).await;
    assert!(unescape(&html).contains("Le groupe d'appel a été enregistré."));
}

#[tokio::test]
async fn deleting_a_ring_group_asks_first_and_keeps_its_members() {
    let f = fixture().await;
    let scope = f.store.account(f.a);
    let g = scope
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Ventes",
            RingStrategy::Simultaneous,
            20,
            &f.a_users,
        )
        .await
        .unwrap();
    let url = format!("/admin/groups/{}/delete", g.extension.id.raw());
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ventes") && html.contains(&format!("action=\"{url}\"")));
    assert!(
        scope.ring_group(g.extension.id).await.is_ok(),
        "GET deletes nothing"
    );
    let (status, res, _) = b.post(&url, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/extensions?group_deleted=600");
    assert!(scope.ring_group(g.extension.id).await.is_err());
    assert_eq!(scope.users().await.unwrap().len(), 2, "members kept");
}

#[tokio::test]
async fn another_accounts_ring_group_is_not_found_on_every_url() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let id = f.b_group.raw();
    let member = f.a_users[0].raw().to_string();
    let form: &[(&str, &str)] = &[
        ("name", "Pris"),
        ("extension", "650"),
        ("member", &member),
        ("strategy", "simultaneous"),
        ("ring_seconds", "20"),
    ];
    for url in [
        format!("/admin/groups/{id}"),
        format!("/admin/groups/{id}/delete"),
    ] {
        let (status, _, _) = b.get(&url).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {url}");
        let (status, _, _) = b.post(&url, form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "POST {url}");
    }
    // A user extension of A is not a ring group either.
    let (status, _, _) = b
        .get(&format!("/admin/groups/{}", f.a_users[0].raw()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let g = f.store.account(f.b).ring_group(f.b_group).await.unwrap();
    assert_eq!(
        (g.extension.name.as_str(), g.extension.number.as_str()),
        ("Atelier", "600"),
        "B's group untouched"
    );
    // The import and account pages only ever touch the signed-in account.
    let csv = format!("{HEADER}650,Zoé,zoe@example.fr,,a-650,sippass650\n");
    let (status, _, _) = b.post("/admin/extensions/import", &[("csv", &csv)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(f.store.account(f.b).users().await.unwrap().len(), 2);
    assert_eq!(f.store.account(f.a).users().await.unwrap().len(), 3);
    // Signed out, every new page sends to sign-in.
    let mut anon = Browser::new(&f.app);
    for url in [
        "/admin/groups/new".to_owned(),
        format!("/admin/groups/{id}"),
        "/admin/extensions/import".to_owned(),
        "/admin/account".to_owned(),
    ] {
        let (status, res, _) = anon.get(&url).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{url}");
        assert_eq!(location(&res), "/");
    }
}

// ---- CSV import of users (SPEC A5, A16) ----

#[tokio::test]
async fn importing_a_good_csv_creates_the_users_and_mails_each_a_temporary_password() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/extensions/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(HEADER.trim()));
    assert!(html.contains("type=\"file\"") && html.contains("<textarea"));
    let csv = format!(
        "{HEADER}201,Camille Martin,camille@example.fr,,acme-201,sippass201\n\
         202,\"Bernard, Louis\",louis@example.fr,,acme-202,sippass202\n"
    );
    let (status, res, _) = b.post("/admin/extensions/import", &[("csv", &csv)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/extensions?imported=2");
    let (_, _, list) = b.get("/admin/extensions?imported=2").await;
    assert!(list.contains("2 utilisateur(s) importé(s)"), "{list}");
    let scope = f.store.account(f.a);
    let users = scope.users().await.unwrap();
    assert_eq!(users.len(), 4);
    let louis = users.iter().find(|u| u.name == "Bernard, Louis").unwrap();
    assert!(scope.must_change_password(louis.id).await.unwrap());
    assert_eq!(scope.devices_of(louis.id).await.unwrap().len(), 1);
    let mails = outbox(f.dir.path());
    assert_eq!(mails.len(), 2, "one welcome e-mail each");
    assert!(mails.iter().any(|m| m.contains("louis@example.fr")));
    assert!(mails.iter().any(|m| m.contains("camille@example.fr")));
}

#[tokio::test]
async fn a_bad_row_imports_nothing_and_the_page_lists_it_with_the_text_kept() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    english(&mut b).await;
    b.get("/admin/extensions/import").await;
    let csv = format!(
        "{HEADER}201,Camille Martin,camille@example.fr,,acme-201,sippass201\n\
         101,Louis,louis-at-example,,acme-202,sippass202\n"
    );
    let (status, _, html) = b.post("/admin/extensions/import", &[("csv", &csv)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&html).contains(
            "Line 3, column \"email\": \"louis-at-example\" is not a valid e-mail address."
        ),
        "{html}"
    );
    assert!(html.contains("louis-at-example"));
    assert!(html.contains("Nothing was imported: 1 problem(s) to fix."));
    assert!(
        html.contains("Camille Martin,camille@example.fr"),
        "text kept"
    );
    assert_eq!(f.store.account(f.a).users().await.unwrap().len(), 2);
    assert!(outbox(f.dir.path()).is_empty());
    // An empty form is explained too.
    let (status, _, html) = b.post("/admin/extensions/import", &[("csv", "  ")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose a file or paste its content."));
}

// ---- Account settings (SPEC A9) ----

#[tokio::test]
async fn account_settings_are_saved_and_bad_values_are_refused_next_to_their_field() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/admin/account\" class=\"active\""),
        "tab"
    );
    assert!(html.contains("value=\"Boulangerie Martin\""));
    let (status, _, html) = b
        .post(
            "/admin/account",
            &[
                ("company", "  "),
                ("address", "2 rue Neuve"),
                ("admin_email", "patron-at-example"),
                ("language", "en"),
                ("time_zone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"company-error\""));
    assert!(html.contains("id=\"admin_email-error\""));
    assert!(html.contains("Fuseau horaire inconnu"));
    assert!(
        html.contains("value=\"patron-at-example\""),
        "typed value kept"
    );
    assert!(html.contains("value=\"Mars/Olympus\""));
    let kept = f.store.account(f.a).details().await.unwrap();
    assert_eq!(kept.address, "1 rue de la Paix, Paris", "nothing saved");

    let (status, res, _) = b
        .post(
            "/admin/account",
            &[
                ("company", "Boulangerie Martin & Fils"),
                ("address", "2 rue Neuve, Lyon"),
                ("admin_email", "chef@example.fr"),
                ("language", "en"),
                ("time_zone", "America/Montreal"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/account?saved=settings");
    let a = f.store.account(f.a).details().await.unwrap();
    assert_eq!(a.company.as_str(), "Boulangerie Martin & Fils");
    assert_eq!(a.address, "2 rue Neuve, Lyon");
    assert_eq!(a.admin_email.as_str(), "chef@example.fr");
    assert_eq!(
        (a.language, a.time_zone.as_str()),
        (Language::En, "America/Montreal")
    );
    let other = f.store.account(f.b).details().await.unwrap();
    assert_eq!(other.company.as_str(), "Garage Durand", "B untouched");
}

#[tokio::test]
async fn the_admin_password_changes_only_with_the_current_one() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/account").await;
    let (status, _, html) = b
        .post(
            "/admin/account/password",
            &[
                ("current", "wrong-password"),
                ("password", "new-password-1"),
                ("confirm", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le mot de passe actuel est incorrect."));
    let (status, _, html) = b
        .post(
            "/admin/account/password",
            &[
                ("current", PASSWORD),
                ("password", "new-password-1"),
                ("confirm", "new-password-2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Les deux mots de passe ne sont pas identiques."));
    let (status, _, _) = b
        .post(
            "/admin/account/password",
            &[
                ("current", PASSWORD),
                ("password", "new-password-1"),
                ("confirm", "new-password-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let a = f.store.account(f.a).details().await.unwrap();
    assert!(a.admin_password.matches("new-password-1"));
    assert!(!a.admin_password.matches(PASSWORD));
    let b_account = f.store.account(f.b).details().await.unwrap();
    assert!(b_account.admin_password.matches(PASSWORD), "B untouched");
}

#[tokio::test]
async fn a_paste_too_large_is_refused_with_a_message_and_imports_nothing() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/extensions/import").await;
    let before = f.store.account(f.a).users().await.unwrap().len();
    let mut csv = String::from("extension,name,email,password,sip_username,sip_password\n");
    let mut n = 1000;
    while csv.len() < (3 << 19) {
        csv.push_str(&format!(
            "{n},User {n},u{n}@example.fr,,user-{n},sip-secret-{n}\n"
        ));
        n += 1;
    }
    let (status, _, html) = b.post("/admin/extensions/import", &[("csv", &csv)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains("trop volumineux"), "{html}");
    assert_eq!(f.store.account(f.a).users().await.unwrap().len(), before);
}
