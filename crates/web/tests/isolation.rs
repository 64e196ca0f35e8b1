//! Account isolation through the portals, route by route: the admin of
//! account A gets 404 for every portal URL that names an object of account
//! B, for GET and POST alike, and B's objects are left as they were; a user
//! of A gets nothing of B either. A guard reads `src/lib.rs` so that a new
//! route with a path parameter cannot land without a line here.

use std::collections::BTreeSet;

use axum::Router;
use axum::http::StatusCode;
use domain::{AccountId, ExtensionNumber, MacAddress, RingStrategy, UnixMillis};
use storage::Store;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

/// What account B owns, by the ids a URL would carry.
struct Objects {
    user: i64,
    api_key: i64,
    device: i64,
    /// The ring group's extension id.
    group: i64,
    /// B's main number, digits as in `/admin/numbers/{number}`.
    number: String,
}

struct Fixture {
    app: Router,
    store: Store,
    _dir: tempfile::TempDir,
    a: AccountId,
    b: AccountId,
}

async fn account(store: &Store, main: &str, company: &str, mac: &str) -> AccountId {
    let account = open_account(store, main, company).await;
    let alice = add_alice(store, account).await;
    let mac = add_desk_phone(store, account, alice.id, mac)
        .await
        .mac
        .unwrap();
    let scope = store.account(account);
    scope
        .create_api_key(
            "CRM",
            &storage::ApiKeyToken::from_random(rand_bytes(mac)),
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap();
    scope
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Atelier",
            RingStrategy::Simultaneous,
            20,
            &[alice.extension],
        )
        .await
        .unwrap();
    account
}

/// Distinct key bytes per account.
fn rand_bytes(seed: MacAddress) -> [u8; 32] {
    let mut bytes = [7u8; 32];
    bytes[..seed.compact().len()].copy_from_slice(seed.compact().as_bytes());
    bytes
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
        _dir: dir,
        a,
        b,
    }
}

async fn objects(f: &Fixture, account: AccountId, main: &str) -> Objects {
    let scope = f.store.account(account);
    let users = scope.users().await.unwrap();
    Objects {
        user: users[0].id.raw(),
        device: scope.devices().await.unwrap()[0].id.raw(),
        api_key: scope.api_keys().await.unwrap()[0].id.raw(),
        group: scope
            .extension_by_number(&ExtensionNumber::parse("600").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id
            .raw(),
        number: main.trim_start_matches('+').to_owned(),
    }
}

/// The per-user settings tabs an admin can open.
const USER_TABS: &[&str] = &["voicemail", "forwarding", "advanced"];

/// How a route answers: GET, POST or both.
#[derive(Clone, Copy, PartialEq)]
enum Methods {
    Get,
    Post,
    Both,
}

use Methods::{Both, Get, Post};

/// Every portal route with a path parameter, and the URLs that fill it
/// with an object of `o`. Routes whose parameter names no object of an
/// account say why they are not here.
fn urls(o: &Objects) -> Vec<(&'static str, Methods, String)> {
    let mut urls = vec![
        (
            "/admin/numbers/{number}",
            Post,
            format!("/admin/numbers/{}", o.number),
        ),
        ("/admin/users/{id}", Get, format!("/admin/users/{}", o.user)),
        (
            "/admin/users/{id}/delete",
            Both,
            format!("/admin/users/{}/delete", o.user),
        ),
    ];
    let devices = [
        (
            "/admin/devices/{id}",
            Get,
            format!("/admin/devices/{}", o.device),
        ),
        (
            "/admin/devices/{id}/user",
            Post,
            format!("/admin/devices/{}/user", o.device),
        ),
        (
            "/admin/devices/{id}/password",
            Post,
            format!("/admin/devices/{}/password", o.device),
        ),
        (
            "/admin/devices/{id}/delete",
            Both,
            format!("/admin/devices/{}/delete", o.device),
        ),
        (
            "/admin/users/{id}/devices",
            Both,
            format!("/admin/users/{}/devices", o.user),
        ),
        (
            "/admin/users/{id}/devices/{device}/unassign",
            Post,
            format!("/admin/users/{}/devices/{}/unassign", o.user, o.device),
        ),
        (
            "/admin/users/{id}/password",
            Both,
            format!("/admin/users/{}/password", o.user),
        ),
    ];
    urls.extend(devices);
    urls.push((
        "/admin/api-keys/{id}/revoke",
        Both,
        format!("/admin/api-keys/{}/revoke", o.api_key),
    ));
    urls.push((
        "/admin/groups/{id}",
        Both,
        format!("/admin/groups/{}", o.group),
    ));
    urls.push((
        "/admin/groups/{id}/delete",
        Both,
        format!("/admin/groups/{}/delete", o.group),
    ));
    for tab in USER_TABS {
        urls.push((
            "/admin/users/{id}/{tab}",
            Both,
            format!("/admin/users/{}/{tab}", o.user),
        ));
    }
    urls
}

/// The platform operator's routes with a parameter: installation-wide, so
/// no admin or user of any account reaches them (checked below).
fn operator_urls(account: AccountId) -> Vec<(&'static str, Methods, String)> {
    let id = account.raw();
    vec![
        (
            "/operator/accounts/{id}/{action}",
            Both,
            format!("/operator/accounts/{id}/suspend"),
        ),
        (
            "/operator/numbers/{number}/remove",
            Post,
            "/operator/numbers/33199000300/remove".to_owned(),
        ),
        (
            "/operator/numbers/{number}/release",
            Both,
            "/operator/numbers/33199000300/release".to_owned(),
        ),
    ]
}

/// Routes with a parameter that is not an account's object.
const NOT_ACCOUNT_OBJECTS: &[(&str, &str)] = &[
    ("/reset/{token}", "a one-time secret, checked on its own"),
    (
        "/user/preferences/{tab}",
        "the signed-in user's own settings",
    ),
    ("/static/{name}", "the same files for everyone"),
    (
        "/user/calls/live/{id}",
        "a call the signed-in user started, remembered by their session (tests/click_to_call.rs)",
    ),
    (
        "/user/calls/live/{id}/panel",
        "the same call's panel (tests/click_to_call.rs)",
    ),
    (
        "/user/voicemail/{file}",
        "the signed-in user's own message; another user's or account's is 404 (tests/voicemail.rs)",
    ),
    (
        "/user/voicemail/{id}/status",
        "the same, marked (tests/voicemail.rs)",
    ),
    (
        "/user/voicemail/{id}/delete",
        "the same, deleted (tests/voicemail.rs)",
    ),
];

/// The route patterns with a `{` in `src/lib.rs`.
fn routes_with_parameters() -> BTreeSet<String> {
    let source = include_str!("../src/lib.rs");
    let mut found = BTreeSet::new();
    for piece in source.split(".route(").skip(1) {
        let Some(start) = piece.find('"') else {
            continue;
        };
        let rest = &piece[start + 1..];
        let path = &rest[..rest.find('"').unwrap()];
        if path.contains('{') {
            found.insert(path.to_owned());
        }
    }
    found
}

#[test]
fn every_route_with_a_parameter_is_checked_here() {
    let o = Objects {
        user: 1,
        api_key: 1,
        device: 1,
        group: 1,
        number: "1".into(),
    };
    let listed: BTreeSet<String> = urls(&o)
        .into_iter()
        .map(|(route, _, _)| route.to_owned())
        .chain(
            operator_urls(AccountId::from_raw(1))
                .into_iter()
                .map(|(route, _, _)| route.to_owned()),
        )
        .chain(NOT_ACCOUNT_OBJECTS.iter().map(|(r, _)| (*r).to_owned()))
        .collect();
    let routes = routes_with_parameters();
    assert!(routes.len() >= 5, "the guard reads the routes: {routes:?}");
    let missing: Vec<_> = routes.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "add these routes to tests/isolation.rs: {missing:?}"
    );
}

/// What B has, to check nothing of it changed.
async fn snapshot(f: &Fixture) -> String {
    let scope = f.store.account(f.b);
    let group = scope
        .extension_by_number(&ExtensionNumber::parse("600").unwrap())
        .await
        .unwrap()
        .unwrap();
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        scope.api_keys().await.unwrap(),
        scope.ring_group(group.id).await.unwrap(),
        scope.users().await.unwrap(),
        scope.numbers().await.unwrap(),
        scope.extensions().await.unwrap(),
        scope.devices().await.unwrap()
    )
}

/// Fields that would be accepted for A's own objects, so that a refusal
/// can only come from the ownership check.
const FIELDS: &[(&str, &str)] = &[
    ("target", ""),
    ("enabled", "on"),
    ("number", "0612345678"),
    ("ring_seconds", "20"),
    ("pin", "1234"),
    ("caller_id", ""),
    ("user", ""),
    ("device", ""),
    ("mode", "automatic"),
    ("name", "Atelier"),
    ("extension", "600"),
    ("strategy", "simultaneous"),
    ("members", ""),
];

#[tokio::test]
async fn an_admin_of_a_gets_404_for_every_url_of_b_with_get_and_post() {
    let f = fixture().await;
    let theirs = objects(&f, f.b, "+33199000300").await;
    let before = snapshot(&f).await;
    let mut a = admin_browser(&f.app, "01 99 00 02 00").await;
    a.get("/admin/extensions").await;
    for (route, methods, url) in urls(&theirs) {
        if methods != Post {
            let (status, _, html) = a.get(&url).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "GET {url} ({route})");
            assert!(!html.contains("Garage Durand"), "GET {url} shows B");
        }
        if methods != Get {
            let (status, _, html) = a.post(&url, FIELDS).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "POST {url} ({route})");
            assert!(!html.contains("Garage Durand"), "POST {url} shows B");
        }
    }
    assert_eq!(snapshot(&f).await, before, "B's objects are untouched");

    // The same URLs with A's own objects are there: the 404s above come
    // from the account check, not from a wrong URL.
    let mine = objects(&f, f.a, "+33199000200").await;
    for (route, methods, url) in urls(&mine) {
        if methods == Post {
            continue;
        }
        let (status, res, _) = a.get(&url).await;
        assert!(
            status == StatusCode::OK
                || (status == StatusCode::SEE_OTHER && location(&res).starts_with("/admin")),
            "GET {url} ({route}) for A's own object: {status}"
        );
    }
}

#[tokio::test]
async fn a_user_of_a_reaches_no_admin_url_of_b_and_sees_only_their_own_calls() {
    let f = fixture().await;
    let theirs = objects(&f, f.b, "+33199000300").await;
    let before = snapshot(&f).await;
    let mut u = user_browser(&f.app, "01 99 00 02 00").await;
    u.get("/user/calls").await;
    // Admin URLs send a user to the admin sign-in, whoever owns the
    // object: nothing of B is shown or changed.
    for (route, methods, url) in urls(&theirs) {
        if methods != Post {
            let (status, res, html) = u.get(&url).await;
            assert!(
                status == StatusCode::SEE_OTHER && location(&res) == "/",
                "GET {url} ({route}) as a user: {status} {}",
                location(&res)
            );
            assert!(!html.contains("Garage Durand"));
        }
        if methods != Get {
            let (status, res, _) = u.post(&url, FIELDS).await;
            assert!(
                status == StatusCode::SEE_OTHER && location(&res) == "/",
                "POST {url} ({route}) as a user: {status}"
            );
        }
    }
    assert_eq!(snapshot(&f).await, before);
    // The user's own pages name A, never B.
    for page in [
        "/user/calls",
        "/user/preferences/forwarding",
        "/user/profile",
    ] {
        let (status, _, html) = u.get(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(!html.contains("Garage Durand"), "{page}");
    }
}

#[tokio::test]
async fn no_admin_or_user_reaches_the_operators_urls() {
    let f = fixture().await;
    let before = snapshot(&f).await;
    let status_of_b =
        || async { format!("{:?}", f.store.account(f.b).details().await.unwrap().status) };
    let b_status = status_of_b().await;
    for mut who in [
        admin_browser(&f.app, "01 99 00 02 00").await,
        user_browser(&f.app, "01 99 00 02 00").await,
    ] {
        for (route, methods, url) in operator_urls(f.b) {
            if methods != Post {
                let (status, res, html) = who.get(&url).await;
                assert!(
                    status == StatusCode::SEE_OTHER && location(&res) == "/operator",
                    "GET {url} ({route}): {status} {}",
                    location(&res)
                );
                assert!(!html.contains("Garage Durand"));
            }
            if methods != Get {
                let (status, res, _) = who.post(&url, &[("confirm", "yes")]).await;
                assert!(
                    status == StatusCode::SEE_OTHER && location(&res) == "/operator",
                    "POST {url} ({route}): {status} {}",
                    location(&res)
                );
            }
        }
    }
    assert_eq!(snapshot(&f).await, before, "B's objects are untouched");
    assert_eq!(status_of_b().await, b_status, "B is not suspended");
}
