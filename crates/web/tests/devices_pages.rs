//! The devices pages (SPEC A5 devices tab, T13) and the admin's password
//! reset (A15) through the router, without a socket: the list with its
//! live rows, adding a device (bad and duplicate MAC addresses explained,
//! the input kept), assigning, deleting after a confirmation, the user
//! settings' devices and password tabs, and account isolation.

use axum::Router;
use axum::http::StatusCode;
use domain::{Binding, ExtensionNumber, SipPassword, UnixMillis, User};
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

/// An account with user 101 (Alice Dupont) and one device of hers.
async fn account(store: &Store, main: &str, company: &str, mac: &str) -> domain::AccountId {
    let account = open_account(store, main, company).await;
    let alice = add_alice(store, account).await;
    add_desk_phone(store, account, alice.id, mac).await;
    account
}

async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let a = account(
        &store,
        "+33199000200",
        "Boulangerie Martin",
        "00:1A:2B:3C:4D:01",
    )
    .await;
    let b = account(&store, "+33199000300", "Garage Durand", "00:1A:2B:3C:4D:02").await;
    let app = app_over(&store, dir.path());
    Fixture {
        app,
        store,
        dir,
        a,
        b,
    }
}

async fn alice(f: &Fixture, account: domain::AccountId) -> User {
    f.store
        .account(account)
        .user_by_extension(&ExtensionNumber::parse("101").unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn device_id(f: &Fixture, account: domain::AccountId) -> i64 {
    f.store.account(account).devices().await.unwrap()[0]
        .id
        .raw()
}

#[tokio::test]
async fn the_list_shows_the_accounts_devices_with_their_live_state() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/admin/devices\" class=\"active\""),
        "tab"
    );
    assert!(html.contains("00:1A:2B:3C:4D:01"));
    assert!(!html.contains("00:1A:2B:3C:4D:02"), "not B's device");
    assert!(html.contains("Alice Dupont (101)"));
    assert!(html.contains("Hors ligne"));
    assert!(html.contains("hx-get=\"/admin/devices/rows\" hx-trigger=\"every 5s\""));

    // The switch registers the phone: the polled rows say so.
    let now = UnixMillis::from_system_time(std::time::SystemTime::now());
    let device = f.store.account(f.a).devices().await.unwrap()[0].clone();
    f.store
        .save_binding(&Binding {
            device: device.id,
            account: f.a,
            contact: "sip:001a2b3c4d01@192.0.2.10:5062".into(),
            instance: None,
            source: "192.0.2.10:5062".into(),
            transport: "udp".into(),
            call_id: "reg-1".into(),
            cseq: 1,
            q_millis: 1000,
            user_agent: Some("Yealink SIP-T54W".into()),
            expires_at: now.plus(std::time::Duration::from_secs(3600)),
            updated_at: now,
        })
        .await
        .unwrap();
    let (status, _, rows) = b.get("/admin/devices/rows").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        rows.starts_with("<tbody id=\"device-rows\""),
        "a fragment: {rows}"
    );
    assert!(!rows.contains("<html"));
    assert!(rows.contains("En ligne"));
    assert!(rows.contains("192.0.2.10:5062 (udp)"));
    let (_, _, html) = b.get(&format!("/admin/devices/{}", device.id.raw())).await;
    assert!(html.contains("sip:001a2b3c4d01@192.0.2.10:5062"), "contact");
    assert!(html.contains("Yealink SIP-T54W"));

    b.post("/lang", &[("lang", "en"), ("back", "/admin/devices")])
        .await;
    let (_, _, html) = b.get("/admin/devices").await;
    assert!(html.contains("+ Add device"));
    assert!(html.contains("Online"));
}

#[tokio::test]
async fn adding_a_device_explains_a_bad_or_taken_mac_and_keeps_the_input() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/admin/devices/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<option value=\"Softphone\">"));
    assert!(html.contains("Cisco SPA504G"));
    let alice_id = alice(&f, f.a).await.id.raw().to_string();
    let (status, _, html) = b
        .post(
            "/admin/devices/new",
            &[
                ("mac", "00:1A:2B:3C:4D"),
                ("model", "Snom D385"),
                ("user", &alice_id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Adresse MAC invalide"));
    assert!(html.contains("value=\"00:1A:2B:3C:4D\""), "MAC kept");
    assert!(html.contains("value=\"Snom D385\" selected"), "model kept");
    assert!(
        html.contains(&format!("value=\"{alice_id}\" selected")),
        "user kept"
    );

    // B's device MAC, in another notation: taken across the installation.
    let (status, _, html) = b
        .post(
            "/admin/devices/new",
            &[
                ("mac", "00-1a-2b-3c-4d-02"),
                ("model", "Snom D385"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("L&#39;adresse MAC 00:1A:2B:3C:4D:02 est déjà enregistrée")
            || html.contains("L'adresse MAC 00:1A:2B:3C:4D:02 est déjà enregistrée"),
        "{html}"
    );
    assert!(html.contains("value=\"00-1a-2b-3c-4d-02\""));
    let (status, _, html) = b
        .post(
            "/admin/devices/new",
            &[
                ("mac", "001a2b3c4d03"),
                ("model", "Nokia 3310"),
                ("user", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choisissez un modèle de la liste."));
    assert_eq!(f.store.account(f.a).devices().await.unwrap().len(), 1);

    // A good one: normalised, credentials generated, password shown once.
    let (status, res, _) = b
        .post(
            "/admin/devices/new",
            &[
                ("mac", "001a.2b3c.4d03"),
                ("model", "Softphone"),
                ("user", &alice_id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let devices = f.store.account(f.a).devices().await.unwrap();
    let added = devices
        .iter()
        .find(|d| d.sip_username.as_str() == "001a2b3c4d03")
        .expect("the SIP username is the compact MAC");
    assert_eq!(added.mac.unwrap().to_string(), "00:1A:2B:3C:4D:03");
    assert_eq!(added.user, Some(alice(&f, f.a).await.id));
    let (_, shown, html) = b.get(location(&res)).await;
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert!(
        html.contains("L&#39;appareil 00:1A:2B:3C:4D:03 a été ajouté")
            || html.contains("L'appareil 00:1A:2B:3C:4D:03 a été ajouté")
    );
    let marker = "<code class=\"secret\">";
    let start = html.find(marker).expect("password shown") + marker.len();
    let password = &html[start..start + html[start..].find('<').unwrap()];
    assert_eq!(
        added.ha1_md5,
        SipPassword::parse(password)
            .unwrap()
            .ha1_md5(&added.sip_username, "switchboard")
    );
    let (_, _, html) = b.get(location(&res)).await;
    assert!(!html.contains("code class=\"secret\""), "shown once only");

    // On request, a new one replaces it.
    let path = format!("/admin/devices/{}", added.id.raw());
    let (status, _, _) = b.post(&format!("{path}/password"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(&path).await;
    assert!(html.contains("code class=\"secret\""));
    let renewed = f.store.account(f.a).device(added.id).await.unwrap();
    assert_ne!(renewed.ha1_md5, added.ha1_md5);
}

#[tokio::test]
async fn a_device_is_assigned_freed_and_deleted_after_a_confirmation() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let id = device_id(&f, f.a).await;
    let path = format!("/admin/devices/{id}");
    b.get(&path).await;
    let (status, res, _) = b.post(&format!("{path}/user"), &[("user", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("Non attribué"));
    let scope = f.store.account(f.a);
    assert_eq!(scope.devices().await.unwrap()[0].user, None);

    let alice = alice(&f, f.a).await;
    let (status, _, _) = b
        .post(
            &format!("{path}/user"),
            &[("user", &alice.id.raw().to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(scope.devices().await.unwrap()[0].user, Some(alice.id));

    let (status, _, html) = b.get(&format!("{path}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Supprimer l&#39;appareil 00:1A:2B:3C:4D:01 ?")
            || html.contains("Supprimer l'appareil 00:1A:2B:3C:4D:01 ?")
    );
    assert_eq!(
        scope.devices().await.unwrap().len(),
        1,
        "asking deletes nothing"
    );
    let (status, res, _) = b.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(
        html.contains("L&#39;appareil 00:1A:2B:3C:4D:01 a été supprimé")
            || html.contains("L'appareil 00:1A:2B:3C:4D:01 a été supprimé")
    );
    assert!(scope.devices().await.unwrap().is_empty());
    let (status, _, _) = b.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_user_settings_devices_tab_assigns_a_free_device_and_frees_one() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let alice = alice(&f, f.a).await;
    let base = format!("/admin/users/{}", alice.id.raw());
    let (status, res, _) = b.get(&base).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("{base}/devices"),
        "devices come first"
    );
    let (status, _, html) = b.get(&format!("{base}/devices")).await;
    assert_eq!(status, StatusCode::OK);
    let order: Vec<usize> = [
        "/devices\"",
        "/voicemail\"",
        "/forwarding\"",
        "/advanced\"",
        "/password\"",
    ]
    .iter()
    .map(|t| {
        html.find(&format!("{base}{t}"))
            .unwrap_or_else(|| panic!("tab {t}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "tab order {order:?}");
    assert!(html.contains("00:1A:2B:3C:4D:01"));
    assert!(html.contains("Aucun appareil libre"));
    // The voicemail tab lists the same tabs.
    let (_, _, vm) = b.get(&format!("{base}/voicemail")).await;
    assert!(vm.contains(&format!("{base}/password\"")));

    let id = device_id(&f, f.a).await;
    let (status, _, _) = b.post(&format!("{base}/devices/{id}/unassign"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let scope = f.store.account(f.a);
    assert!(scope.devices_of(alice.id).await.unwrap().is_empty());
    let (_, _, html) = b.get(&format!("{base}/devices")).await;
    assert!(
        html.contains("Aucun appareil n&#39;est attribué")
            || html.contains("Aucun appareil n'est attribué")
    );
    assert!(html.contains(&format!("<option value=\"{id}\">00:1A:2B:3C:4D:01")));

    let b_device = device_id(&f, f.b).await.to_string();
    let (status, _, html) = b
        .post(&format!("{base}/devices"), &[("device", &b_device)])
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "B's device is no free device of A"
    );
    assert!(html.contains("Choisissez un appareil libre du compte."));
    let (status, _, _) = b
        .post(&format!("{base}/devices"), &[("device", &id.to_string())])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(scope.devices_of(alice.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_automatic_reset_emails_a_temporary_password_to_change_at_sign_in() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let alice = alice(&f, f.a).await;
    let path = format!("/admin/users/{}/password", alice.id.raw());
    let (status, _, html) = b.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"automatic\" checked"));
    let (status, res, _) = b.post(&path, &[("mode", "automatic")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, html) = b.get(location(&res)).await;
    assert!(html.contains("envoyé par e-mail à alice@example.fr"));

    let mails = outbox(f.dir.path());
    assert_eq!(mails.len(), 1);
    let mail = unfold(&mails[0]);
    assert!(mail.contains("To: alice@example.fr"));
    assert!(mail.contains("Numéro de poste : 101"));
    let line = mail
        .lines()
        .find(|l| l.starts_with("Nouveau mot de passe : "))
        .expect("the password is in the mail");
    let temporary = line.trim_start_matches("Nouveau mot de passe : ").trim();
    let scope = f.store.account(f.a);
    assert!(scope.must_change_password(alice.id).await.unwrap());
    assert!(
        scope
            .user(alice.id)
            .await
            .unwrap()
            .password
            .matches(temporary)
    );

    // Alice signs in with it and must choose her own first.
    let mut u = Browser::new(&f.app);
    u.get("/user").await;
    let (status, res, _) = u
        .post(
            "/user/signin",
            &[
                ("number", "01 99 00 02 00"),
                ("extension", "101"),
                ("password", temporary),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the temporary password works"
    );
    let (_, res, _) = u.get(location(&res)).await;
    assert_eq!(location(&res), "/user/password", "to change first");
}

#[tokio::test]
async fn a_manual_reset_needs_a_matching_confirmation() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    let alice = alice(&f, f.a).await;
    let path = format!("/admin/users/{}/password", alice.id.raw());
    b.get(&path).await;
    let (status, _, html) = b
        .post(
            &path,
            &[
                ("mode", "manual"),
                ("password", "a-new-secret"),
                ("confirm", "a-new-secreT"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Les deux mots de passe ne sont pas identiques."));
    assert!(
        html.contains("value=\"manual\" checked"),
        "the choice is kept"
    );
    assert!(
        !html.contains("name=\"must_change\" value=\"on\" checked"),
        "unchecked is kept"
    );
    assert!(
        !html.contains("a-new-secret"),
        "passwords are not sent back"
    );
    let (status, _, html) = b
        .post(
            &path,
            &[
                ("mode", "manual"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("au moins 8 caractères"));
    let scope = f.store.account(f.a);
    assert!(
        scope
            .user(alice.id)
            .await
            .unwrap()
            .password
            .matches(PASSWORD),
        "unchanged"
    );
    assert!(outbox(f.dir.path()).is_empty());

    let (status, _, _) = b
        .post(
            &path,
            &[
                ("mode", "manual"),
                ("password", "a-new-secret"),
                ("confirm", "a-new-secret"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        scope
            .user(alice.id)
            .await
            .unwrap()
            .password
            .matches("a-new-secret")
    );
    assert!(!scope.must_change_password(alice.id).await.unwrap());
    assert_eq!(outbox(f.dir.path()).len(), 1, "the user is told");

    b.post("/lang", &[("lang", "en"), ("back", &path)]).await;
    let (_, _, html) = b
        .post(
            &path,
            &[
                ("mode", "manual"),
                ("password", "a-new-secret"),
                ("confirm", "other-secret"),
            ],
        )
        .await;
    assert!(html.contains("The two passwords differ."));
}

#[tokio::test]
async fn an_admin_gets_404_for_every_devices_url_of_another_account() {
    let f = fixture().await;
    let mut b = admin_browser(&f.app, "01 99 00 02 00").await;
    b.get("/admin/devices").await;
    let theirs = device_id(&f, f.b).await;
    let their_user = alice(&f, f.b).await.id.raw();
    let mine = alice(&f, f.a).await.id.raw();
    let their_user_text = their_user.to_string();
    for path in [
        format!("/admin/devices/{theirs}"),
        format!("/admin/devices/{theirs}/delete"),
        format!("/admin/users/{their_user}/devices"),
        format!("/admin/users/{their_user}/password"),
    ] {
        let (status, _, _) = b.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    }
    for (path, fields) in [
        (format!("/admin/devices/{theirs}/user"), vec![("user", "")]),
        (format!("/admin/devices/{theirs}/password"), vec![]),
        (format!("/admin/devices/{theirs}/delete"), vec![]),
        (
            format!("/admin/users/{their_user}/devices"),
            vec![("device", "")],
        ),
        (
            format!("/admin/users/{their_user}/devices/{theirs}/unassign"),
            vec![],
        ),
        (
            format!("/admin/users/{mine}/devices/{theirs}/unassign"),
            vec![],
        ),
        (
            format!("/admin/users/{their_user}/password"),
            vec![("mode", "automatic")],
        ),
        (
            format!("/admin/devices/{}/user", device_id(&f, f.a).await),
            vec![("user", their_user_text.as_str())],
        ),
    ] {
        let (status, _, _) = b.post(&path, &fields).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let scope = f.store.account(f.b);
    let device = scope.devices().await.unwrap();
    assert_eq!(device.len(), 1, "B's device is still there");
    assert_eq!(
        device[0].user.map(|u| u.raw()),
        Some(their_user),
        "and still B's user's"
    );
    assert!(
        scope
            .user(domain::UserId::from_raw(their_user))
            .await
            .unwrap()
            .password
            .matches(PASSWORD)
    );
    assert!(outbox(f.dir.path()).is_empty());
    assert_eq!(
        f.store.account(f.a).devices().await.unwrap()[0]
            .user
            .map(|u| u.raw()),
        Some(mine),
        "A's device was not given to B's user"
    );
}
