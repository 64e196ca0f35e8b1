//! The user portal's voicemail (SPEC U3) through the router: counts and
//! the list newest first with new messages marked, the MP3 whole and by
//! range (206, 416), playing from the start marks heard while seeking and
//! downloading do not, marks and deletion with their lamp announcements,
//! call back through click to call, English, another user's or account's
//! messages, and a node without voicemail.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::{AccountId, ClickToCall, Dialled, MessageStatus, User};
use storage::Store;

#[allow(dead_code, reason = "each test file uses part of it")]
mod support;
use support::*;

/// The message's MP3: an ID3 tag then bytes, long enough for ranges.
const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00 then the MPEG frames of a message";
/// 2026-12-06 09:30 UTC, 10:30 in Paris.
const AT: i64 = 1_796_549_400_000;

struct Fixture {
    vm: WithVoicemail,
    store: Store,
    _dir: tempfile::TempDir,
    a: AccountId,
    alice: User,
    /// Alice's older message, heard already, then her new one.
    saved: i64,
    new: i64,
}

/// Account A (01 99 00 02 00) with Alice on 101 (two messages) and Bruno
/// on 102; account B (01 99 00 03 00) with its own user on 101.
async fn fixture() -> Fixture {
    let (dir, store) = temp_store().await;
    let a = open_account(&store, "+33199000200", "Boulangerie Martin").await;
    let alice = add_alice(&store, a).await;
    add_user(&store, a, "102", "Bruno Petit", "bruno@example.fr").await;
    let b = open_account(&store, "+33199000300", "Garage Durand").await;
    add_user(&store, b, "101", "Bob Durand", "bob@example.fr").await;
    let mut vm = app_with_voicemail(&store, dir.path());
    let saved = leave_message(
        &vm.service,
        a,
        alice.id,
        ("102", None),
        AT - 3_600_000,
        5_400,
        MP3,
    )
    .await;
    vm.service
        .set_status(a, alice.id, saved.id, MessageStatus::Saved)
        .await
        .unwrap();
    let new = leave_message(
        &vm.service,
        a,
        alice.id,
        ("+33612345678", Some("Jean Martin")),
        AT,
        42_000,
        MP3,
    )
    .await;
    while vm.changes.try_recv().is_ok() {}
    Fixture {
        vm,
        store,
        _dir: dir,
        a,
        alice,
        saved: saved.id.raw(),
        new: new.id.raw(),
    }
}

impl Fixture {
    async fn status(&self, id: i64) -> Option<MessageStatus> {
        let scope = self.store.account(self.a);
        let all = scope.voicemails(self.alice.id).await.unwrap();
        all.iter().find(|m| m.id.raw() == id).map(|m| m.status)
    }

    /// How many mailbox changes were announced since the last call.
    fn announced(&mut self) -> usize {
        std::iter::from_fn(|| self.vm.changes.try_recv().ok()).count()
    }
}

/// GETs `path` with the browser's cookie and an optional `Range`; status,
/// headers and body.
async fn fetch(
    b: &mut Browser,
    path: &str,
    range: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::get(path).header(header::COOKIE, b.cookie.clone().unwrap());
    if let Some(r) = range {
        req = req.header(header::RANGE, r);
    }
    let (status, res, body) = b.send(req.body(Body::empty()).unwrap()).await;
    (status, res.headers().clone(), body)
}

fn text(h: &HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).map_or("", |v| v.to_str().unwrap())
}

/// The HTML of message `id` in the list.
fn item(html: &str, id: i64) -> &str {
    let at = html
        .find(&format!("id=\"message-{id}\""))
        .unwrap_or_else(|| panic!("message {id} listed"));
    let rest = &html[html[..at].rfind("<li").unwrap()..];
    &rest[..rest.find("</li>").unwrap()]
}

#[tokio::test]
async fn the_page_counts_and_lists_messages_newest_first_with_new_ones_marked() {
    let f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/user/voicemail").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Messagerie vocale</h1>"));
    assert!(
        html.contains("href=\"/user/voicemail\" class=\"active\""),
        "a tab of its own"
    );
    assert!(html.contains("id=\"count-new\">1<"));
    assert!(html.contains("id=\"count-saved\">1<"));
    let (new_at, saved_at) = (
        html.find(&format!("message-{}\"", f.new)).unwrap(),
        html.find(&format!("message-{}\"", f.saved)).unwrap(),
    );
    assert!(new_at < saved_at, "newest first");

    let new = item(&html, f.new);
    assert!(new.contains("class=\"message message-new\""), "bold");
    assert!(new.contains("badge-new\">Nouveau<"));
    assert!(new.contains("06 12 34 56 78 <span class=\"message-name\">Jean Martin</span>"));
    assert!(new.contains("06/12/2026 10:30"), "Paris time: {new}");
    assert!(new.contains("0:42"));
    assert!(new.contains(&format!(
        "<audio controls preload=\"none\" src=\"/user/voicemail/{}.mp3\"",
        f.new
    )));
    assert!(new.contains("Marquer comme écouté"));
    assert!(new.contains("name=\"destination\" value=\"06 12 34 56 78\""));
    assert!(new.contains(&format!(
        "href=\"/user/voicemail/{}.mp3?download=1\" download",
        f.new
    )));
    assert!(new.contains(&format!("href=\"/user/voicemail/{}/delete\"", f.new)));

    let saved = item(&html, f.saved);
    assert!(!saved.contains("message-new") && !saved.contains("Nouveau"));
    assert!(saved.contains("Marquer comme nouveau"));
    assert!(
        saved.contains("name=\"destination\" value=\"102\""),
        "an extension is called back"
    );
    assert!(saved.contains("06/12/2026 09:30") && saved.contains("0:05"));
}

#[tokio::test]
async fn the_audio_is_served_whole_and_by_range_and_past_the_end_is_416() {
    let f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    let url = format!("/user/voicemail/{}.mp3", f.saved);
    let (status, h, body) = fetch(&mut b, &url, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_bytes(), MP3);
    assert_eq!(text(&h, header::CONTENT_TYPE), "audio/mpeg");
    assert_eq!(text(&h, header::ACCEPT_RANGES), "bytes");
    assert_eq!(text(&h, header::CONTENT_LENGTH), MP3.len().to_string());

    let size = MP3.len();
    for (range, from, to) in [
        ("bytes=0-2", 0, 3),
        ("bytes=10-", 10, size),
        ("bytes=-6", size - 6, size),
        ("bytes=20-100000", 20, size),
    ] {
        let (status, h, body) = fetch(&mut b, &url, Some(range)).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(body.as_bytes(), &MP3[from..to], "{range}");
        assert_eq!(
            text(&h, header::CONTENT_RANGE),
            format!("bytes {from}-{}/{size}", to - 1),
            "{range}"
        );
        assert_eq!(text(&h, header::CONTENT_TYPE), "audio/mpeg");
    }
    let (status, h, body) = fetch(&mut b, &url, Some(&format!("bytes={size}-"))).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(text(&h, header::CONTENT_RANGE), format!("bytes */{size}"));
    assert!(body.is_empty());
    let (status, _, _) = fetch(&mut b, "/user/voicemail/999.mp3", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch(&mut b, "/user/voicemail/abc.mp3", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn playing_from_the_start_marks_heard_but_seeking_and_downloading_do_not() {
    let mut f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    let url = format!("/user/voicemail/{}.mp3", f.new);

    let (status, _, _) = fetch(&mut b, &url, Some("bytes=10-")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    let (status, h, body) = fetch(&mut b, &format!("{url}?download=1"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_bytes(), MP3);
    assert_eq!(
        text(&h, header::CONTENT_DISPOSITION),
        "attachment; filename=\"message-2026-12-06-1030.mp3\""
    );
    assert_eq!(f.status(f.new).await, Some(MessageStatus::New));
    assert_eq!(f.announced(), 0);

    // What a browser's player asks first.
    let (status, _, _) = fetch(&mut b, &url, Some("bytes=0-")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(f.status(f.new).await, Some(MessageStatus::Saved));
    assert_eq!(f.announced(), 1, "the lamp goes out");
    fetch(&mut b, &url, Some("bytes=0-")).await;
    assert_eq!(f.announced(), 0, "a heard message stays as it is");
}

#[tokio::test]
async fn marking_new_and_heard_moves_the_counts_and_is_announced() {
    let mut f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    b.get("/user/voicemail").await;
    let (status, res, _) = b
        .post(
            &format!("/user/voicemail/{}/status", f.saved),
            &[("status", "new")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/user/voicemail#message-{}", f.saved)
    );
    assert_eq!(f.status(f.saved).await, Some(MessageStatus::New));
    assert_eq!(f.announced(), 1);
    let (_, _, html) = b.get("/user/voicemail").await;
    assert!(html.contains("id=\"count-new\">2<") && html.contains("id=\"count-saved\">0<"));
    assert!(item(&html, f.saved).contains("Nouveau"));

    b.post(
        &format!("/user/voicemail/{}/status", f.new),
        &[("status", "saved")],
    )
    .await;
    assert_eq!(f.status(f.new).await, Some(MessageStatus::Saved));
    assert_eq!(f.announced(), 1);
    let (status, _, _) = b
        .post(
            &format!("/user/voicemail/{}/status", f.new),
            &[("status", "heard")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown status");
}

#[tokio::test]
async fn a_message_is_deleted_after_confirmation_with_its_audio() {
    let mut f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    let (status, _, html) = b.get(&format!("/user/voicemail/{}/delete", f.new)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Supprimer le message de 06 12 34 56 78 ?"),
        "{html}"
    );
    assert_eq!(
        f.status(f.new).await,
        Some(MessageStatus::New),
        "asking deletes nothing"
    );
    let (status, res, _) = b
        .post(&format!("/user/voicemail/{}/delete", f.new), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/user/voicemail?deleted=1");
    assert_eq!(f.status(f.new).await, None);
    assert_eq!(f.announced(), 1);
    let (_, _, html) = b.get("/user/voicemail?deleted=1").await;
    assert!(html.contains("Le message a été supprimé."));
    assert!(!html.contains(&format!("message-{}\"", f.new)));
    assert!(html.contains("id=\"count-new\">0<"));
    let (status, _, _) = fetch(&mut b, &format!("/user/voicemail/{}.mp3", f.new), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let key = format!("voicemail/{}/{}/{AT}.mp3", f.a.raw(), f.alice.id.raw());
    assert!(f.vm.service.blobs().get(&key).await.is_err(), "audio gone");
}

#[tokio::test]
async fn call_back_starts_a_click_to_call_to_the_caller() {
    let f = fixture().await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    b.get("/user/voicemail").await;
    let (status, res, _) = b
        .post("/user/calls/dial", &[("destination", "06 12 34 56 78")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/user/calls/live/"));
    assert_eq!(
        f.vm.dialer.requests(),
        vec![ClickToCall {
            account: f.a,
            user: f.alice.id,
            destination: Dialled::parse("+33612345678").unwrap(),
        }]
    );
}

#[tokio::test]
async fn the_page_speaks_english_and_a_withheld_caller_cannot_be_called_back() {
    let f = fixture().await;
    leave_message(
        &f.vm.service,
        f.a,
        f.alice.id,
        ("anonymous", None),
        AT + 1000,
        900,
        MP3,
    )
    .await;
    let mut b = user_browser(&f.vm.app, "01 99 00 02 00").await;
    b.get("/user/voicemail").await;
    b.post("/lang", &[("lang", "en"), ("back", "/user/voicemail")])
        .await;
    let (_, _, html) = b.get("/user/voicemail").await;
    assert!(html.contains("<h1>Voicemail</h1>"));
    assert!(html.contains("New messages") && html.contains("Mark as heard"));
    assert!(html.contains("2026-12-06 10:30"));
    let withheld = &html[html.find("Withheld number").expect("withheld shown")..];
    let withheld = &withheld[..withheld.find("</li>").unwrap()];
    assert!(!withheld.contains("/user/calls/dial"), "no call back");
}

#[tokio::test]
async fn another_users_or_accounts_messages_are_not_found() {
    let f = fixture().await;
    let new = f.new;
    let mut bruno = user_browser_as(&f.vm.app, "01 99 00 02 00", "102").await;
    let mut bob = user_browser(&f.vm.app, "01 99 00 03 00").await;
    for b in [&mut bruno, &mut bob] {
        let (_, _, html) = b.get("/user/voicemail").await;
        assert!(html.contains("id=\"count-new\">0<"), "their own counts");
        assert!(!html.contains("Jean Martin"));
        let (status, _, _) = fetch(b, &format!("/user/voicemail/{new}.mp3"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = b.get(&format!("/user/voicemail/{new}/delete")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = b
            .post(
                &format!("/user/voicemail/{new}/status"),
                &[("status", "saved")],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = b.post(&format!("/user/voicemail/{new}/delete"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(f.status(new).await, Some(MessageStatus::New), "untouched");
    let signed_out = fetch(
        &mut Browser {
            cookie: Some(String::new()),
            ..Browser::new(&f.vm.app)
        },
        &format!("/user/voicemail/{new}.mp3"),
        None,
    )
    .await;
    assert_eq!(signed_out.0, StatusCode::SEE_OTHER, "sign in first");
}

#[tokio::test]
async fn without_voicemail_the_page_says_it_is_unavailable() {
    let f = fixture().await;
    let app = app_over(&f.store, f._dir.path());
    let mut b = user_browser(&app, "01 99 00 02 00").await;
    let (status, _, html) = b.get("/user/voicemail").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("La messagerie vocale est indisponible"));
    let (status, _, _) = fetch(&mut b, &format!("/user/voicemail/{}.mp3", f.new), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}
