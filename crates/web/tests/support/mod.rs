//! What the portal tests share: a browser that keeps the session cookie
//! and the page's CSRF token, driving the router without a socket; and the
//! accounts, users and phones the tests start from.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use domain::{
    AccountId, CompanyName, Device, DeviceModel, Disposition, E164, EmailAddress, ExtensionNumber,
    Language, MacAddress, NewAccount, NewCallRecord, NewDevice, Password, PasswordHash,
    SipPassword, SipUsername, TimeZone, UnixMillis, User, UserId,
};
use storage::{CallWrite, NewUser, Store};
use tower::ServiceExt;
use web::{AppState, router};

/// Every seeded admin's and user's password.
pub const PASSWORD: &str = "correct-horse";

/// The hash of [`PASSWORD`], computed once (argon2id is slow on purpose).
pub fn hash() -> PasswordHash {
    static H: OnceLock<PasswordHash> = OnceLock::new();
    H.get_or_init(|| PasswordHash::of(&Password::parse(PASSWORD).unwrap()))
        .clone()
}

/// A SQLite store in a fresh temporary folder.
pub async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .unwrap();
    (dir, store)
}

/// The application over `store`, its e-mails written to `dir/outbox`.
pub fn app_over(store: &Store, dir: &Path) -> Router {
    router(AppState::with_outbox(store.clone(), dir.join("outbox")))
}

/// An account in Paris, in French, whose admin signs in with
/// [`PASSWORD`].
pub async fn open_account(store: &Store, main: &str, company: &str) -> AccountId {
    store
        .create_account(
            &NewAccount {
                company: CompanyName::parse(company).unwrap(),
                main_number: E164::parse(main).unwrap(),
                address: "1 rue de la Paix, Paris".into(),
                admin_email: EmailAddress::parse("patron@example.fr").unwrap(),
                admin_password: hash(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap()
        .id
}

/// A user of `account` whose password is [`PASSWORD`].
pub async fn add_user(
    store: &Store,
    account: AccountId,
    extension: &str,
    name: &str,
    email: &str,
) -> User {
    store
        .account(account)
        .create_user(&NewUser {
            extension: ExtensionNumber::parse(extension).unwrap(),
            name: name.into(),
            email: EmailAddress::parse(email).unwrap(),
            password: hash(),
            direct_number: None,
        })
        .await
        .unwrap()
}

/// User 101, Alice Dupont, of `account`.
pub async fn add_alice(store: &Store, account: AccountId) -> User {
    add_user(store, account, "101", "Alice Dupont", "alice@example.fr").await
}

/// A Yealink desk phone of `user`, its SIP username made of `mac`.
pub async fn add_desk_phone(store: &Store, account: AccountId, user: UserId, mac: &str) -> Device {
    let mac = MacAddress::parse(mac).unwrap();
    store
        .account(account)
        .create_device(
            &NewDevice {
                mac: Some(mac),
                model: DeviceModel("Yealink T54W".into()),
                label: "Desk".into(),
                sip_username: SipUsername::parse(&mac.compact()).unwrap(),
                sip_password: SipPassword::parse("secret123").unwrap(),
                user: Some(user),
            },
            "switchboard",
        )
        .await
        .unwrap()
}

/// A browser signed in as the admin of the account whose main number is
/// `main` (as typed on the sign-in page).
pub async fn admin_browser(app: &Router, main: &str) -> Browser {
    let mut b = Browser::new(app);
    b.get("/").await;
    let (status, _, _) = b
        .post("/signin", &[("number", main), ("password", PASSWORD)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    b
}

/// A browser signed in as user 101 of the account whose main number is
/// `main`.
pub async fn user_browser(app: &Router, main: &str) -> Browser {
    user_browser_as(app, main, "101").await
}

/// A browser signed in as the user on extension `ext` of the account
/// whose main number is `main`.
pub async fn user_browser_as(app: &Router, main: &str, ext: &str) -> Browser {
    let mut b = Browser::new(app);
    b.get("/user").await;
    let (status, res, _) = b
        .post(
            "/user/signin",
            &[("number", main), ("extension", ext), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", location(&res));
    b
}

/// Writes calls of `account`, each `(caller, callee, days ago, how it
/// ended)`, a second apart, a minute long; numbers starting with `+` are
/// outside, others extensions.
pub async fn write_calls(
    store: &Store,
    account: AccountId,
    calls: &[(&str, &str, i64, Disposition)],
) {
    const DAY: i64 = 86_400_000;
    let now = UnixMillis::from_system_time(std::time::SystemTime::now()).millis();
    let party = |n: &str| match n.starts_with('+') {
        true => None,
        false => ExtensionNumber::parse(n).ok(),
    };
    let writes: Vec<_> = calls
        .iter()
        .enumerate()
        .map(|(i, &(from, to, days, disposition))| {
            let start = now - days * DAY - i as i64 * 1000;
            CallWrite::Whole {
                account,
                record: NewCallRecord {
                    call_id: format!("c{i}"),
                    direction: domain::CallDirection::Internal,
                    caller_number: from.into(),
                    caller_extension: party(from),
                    callee_number: to.into(),
                    callee_extension: party(to),
                    started_at: UnixMillis::from_millis(start),
                },
                answered_at: (disposition == Disposition::Answered)
                    .then(|| UnixMillis::from_millis(start + 2_000)),
                ended_at: UnixMillis::from_millis(start + 65_000),
                disposition,
                cause: "BYE".into(),
            }
        })
        .collect();
    store.write_calls(&writes).await.unwrap();
}

/// The application over `store` whose click-to-calls go to `dialer`.
pub fn app_dialling(store: &Store, dir: &Path, dialer: Arc<dyn web::dialer::Dialer>) -> Router {
    let mut state = AppState::with_outbox(store.clone(), dir.join("outbox"));
    state.dialer = Some(dialer);
    router(state)
}

/// The `.eml` files written to `dir/outbox`, as text.
pub fn outbox(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("outbox")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

/// A browser: keeps the session cookie and the page's CSRF token.
pub struct Browser {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Browser {
    pub fn new(app: &Router) -> Self {
        Self {
            app: app.clone(),
            cookie: None,
            csrf: None,
        }
    }

    pub async fn send(&mut self, req: Request<Body>) -> (StatusCode, Response<Body>, String) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        if let Some(set) = res.headers().get(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
        }
        let status = res.status();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 22).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(i) = text.find("name=\"csrf-token\" content=\"") {
            let rest = &text[i + 27..];
            self.csrf = Some(rest[..rest.find('"').unwrap()].to_owned());
        }
        (status, Response::from_parts(parts, Body::empty()), text)
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, Response<Body>, String) {
        let mut req = Request::get(path);
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a form with the page's CSRF token.
    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Response<Body>, String) {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone().unwrap_or_default();
        all.push(("_csrf", &csrf));
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Response<Body>, String) {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }
}

pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn location(res: &Response<Body>) -> &str {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// A quoted-printable `.eml` as text: soft breaks and `=C3=A9` undone.
pub fn unfold(mail: &str) -> String {
    let joined = mail.replace("=\r\n", "").replace("=\n", "");
    let mut bytes = Vec::new();
    let mut it = joined.bytes();
    while let Some(b) = it.next() {
        if b == b'=' {
            let hi = it.next().unwrap_or(b'0');
            let lo = it.next().unwrap_or(b'0');
            match u8::from_str_radix(&format!("{}{}", hi as char, lo as char), 16) {
                Ok(v) => bytes.push(v),
                Err(_) => bytes.extend([b'=', hi, lo]),
            }
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What the voicemail tests run: the application with voicemail (audio in
/// `dir/files`) and a scripted switch, the service, the mailboxes it
/// announces as changed, and the switch.
pub struct WithVoicemail {
    pub app: Router,
    pub service: Arc<voicemail::Voicemail>,
    pub changes: tokio::sync::mpsc::UnboundedReceiver<voicemail::MailboxChange>,
    pub dialer: Arc<web::dialer::Scripted>,
}

/// The application over `store` with voicemail and click to call.
pub fn app_with_voicemail(store: &Store, dir: &Path) -> WithVoicemail {
    let mut state = AppState::with_outbox(store.clone(), dir.join("outbox"));
    let blobs = voicemail::Blobs::local(&dir.join("files")).unwrap();
    let (service, changes) = voicemail::Voicemail::new(
        store.clone(),
        blobs,
        state.mailer.clone(),
        dir.join("spool"),
    )
    .unwrap();
    let service = Arc::new(service);
    let dialer = Arc::new(web::dialer::Scripted::new());
    state.voicemail = Some(service.clone());
    state.dialer = Some(dialer.clone());
    WithVoicemail {
        app: router(state),
        service,
        changes,
        dialer,
    }
}

/// Leaves a message for `user` from `caller` (and `name`) at `at`
/// (milliseconds), `duration_ms` long, its MP3 being `mp3`.
pub async fn leave_message(
    service: &voicemail::Voicemail,
    account: AccountId,
    user: UserId,
    (caller, name): (&str, Option<&str>),
    at: i64,
    duration_ms: u32,
    mp3: &[u8],
) -> domain::VoicemailMessage {
    let key = format!("voicemail/{}/{}/{at}.mp3", account.raw(), user.raw());
    service
        .blobs()
        .put(&key, axum::body::Bytes::copy_from_slice(mp3))
        .await
        .unwrap();
    service
        .store()
        .account(account)
        .add_voicemail(&domain::NewVoicemailMessage {
            user,
            caller_number: caller.into(),
            caller_name: name.map(str::to_owned),
            received_at: UnixMillis::from_millis(at),
            duration_ms,
            wav_key: key.replace(".mp3", ".wav"),
            mp3_key: key,
        })
        .await
        .unwrap()
}
