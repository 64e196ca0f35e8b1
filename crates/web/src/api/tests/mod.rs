//! Handler tests of the REST API: the router is called without a socket
//! (`oneshot`) over a SQLite store seeded with two accounts.

mod calls;
mod click;
mod devices;
mod groups_account;
mod isolation;
mod operator;
mod resources;
mod user_portal;
mod validation;
mod voicemail;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::{
    Account, AccountId, ClickToCall, CompanyName, DeviceId, DeviceModel, Dialled, E164,
    EmailAddress, ExtensionNumber, Language, NewAccount, NewDevice, Password, PasswordHash,
    SipPassword, SipUsername, TimeZone, UnixMillis, User,
};
use serde_json::Value;
use storage::{ApiKeyToken, NewUser, Store};
use tower::ServiceExt;

use crate::dialer::{Dialer, Scripted};
use crate::{AppState, router};

/// Every route the API serves, as the OpenAPI document names it.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/account"),
    ("patch", "/api/v1/account"),
    ("post", "/api/v1/users/import"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("patch", "/api/v1/users/{id}"),
    ("delete", "/api/v1/users/{id}"),
    ("post", "/api/v1/users/{id}/password"),
    ("get", "/api/v1/extensions"),
    ("get", "/api/v1/ring-groups"),
    ("post", "/api/v1/ring-groups"),
    ("get", "/api/v1/ring-groups/{id}"),
    ("put", "/api/v1/ring-groups/{id}"),
    ("delete", "/api/v1/ring-groups/{id}"),
    ("get", "/api/v1/numbers"),
    ("post", "/api/v1/numbers"),
    ("get", "/api/v1/numbers/available"),
    ("put", "/api/v1/numbers/{id}/target"),
    ("get", "/api/v1/devices"),
    ("post", "/api/v1/devices"),
    ("get", "/api/v1/devices/{id}"),
    ("put", "/api/v1/devices/{id}/user"),
    ("delete", "/api/v1/devices/{id}/user"),
    ("delete", "/api/v1/devices/{id}"),
    ("get", "/api/v1/calls"),
    ("get", "/api/v1/calls.csv"),
    ("post", "/api/v1/users/{id}/calls"),
    ("get", "/api/v1/calls/live/{id}"),
    ("get", "/api/v1/users/{id}/voicemails"),
    ("get", "/api/v1/users/{id}/voicemails/{mid}"),
    ("patch", "/api/v1/users/{id}/voicemails/{mid}"),
    ("delete", "/api/v1/users/{id}/voicemails/{mid}"),
    ("get", "/api/v1/users/{id}/voicemails/{mid}/audio"),
    ("get", "/api/v1/api-keys"),
    ("post", "/api/v1/api-keys"),
    ("delete", "/api/v1/api-keys/{id}"),
];

/// The platform operator's routes, which take an operator's key.
pub const OPERATOR_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/operator/accounts"),
    ("post", "/api/v1/operator/accounts"),
    ("post", "/api/v1/operator/accounts/{id}/suspend"),
    ("post", "/api/v1/operator/accounts/{id}/reactivate"),
    ("get", "/api/v1/operator/numbers"),
    ("post", "/api/v1/operator/numbers"),
    ("delete", "/api/v1/operator/numbers/{number}"),
    ("post", "/api/v1/operator/numbers/{number}/release"),
];

/// One seeded account: its key, a user (extension 201), a ring group
/// (600), a device and a second number.
pub struct Seeded {
    pub account: Account,
    pub key: String,
    pub user: User,
    pub group: i64,
    pub device: DeviceId,
    pub number: i64,
    pub key_id: i64,
    /// A click-to-call the user started, ringing their phones.
    pub call: u64,
    /// A new voicemail message of the user, its MP3 [`MP3`].
    pub message: i64,
}

/// The bytes of every seeded message's "MP3" (text, so replies read as
/// UTF-8).
pub const MP3: &[u8] = b"ID3 pretend this is MPEG audio, 0123456789";

pub struct Fixture {
    pub app: Router,
    pub store: Store,
    /// The switch as the API sees it: records calls, plays a script.
    pub dialer: Arc<Scripted>,
    pub a: Seeded,
    pub b: Seeded,
    /// The mailboxes the voicemail service announced as changed.
    pub changes: std::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<::voicemail::MailboxChange>>,
    _dir: TempDir,
}

/// A directory removed when dropped.
pub struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn hash() -> PasswordHash {
    static HASH: OnceLock<PasswordHash> = OnceLock::new();
    HASH.get_or_init(|| PasswordHash::of(&Password::parse("password123").unwrap()))
        .clone()
}

fn e164(s: &str) -> E164 {
    E164::parse(s).unwrap()
}

async fn seed(
    store: &Store,
    blobs: &::voicemail::Blobs,
    dialer: &Scripted,
    main: &str,
    second: &str,
    mac: &str,
    byte: u8,
) -> Seeded {
    let account = store
        .create_account(
            &NewAccount {
                company: CompanyName::parse(&format!("Company {main}")).unwrap(),
                main_number: e164(main),
                address: String::new(),
                admin_email: EmailAddress::parse("admin@example.fr").unwrap(),
                admin_password: hash(),
                language: Language::Fr,
                time_zone: TimeZone::default(),
            },
            UnixMillis::from_millis(1_700_000_000_000),
        )
        .await
        .unwrap();
    store.add_pool_numbers(&[e164(second)]).await.unwrap();
    let scope = store.account(account.id);
    let number = scope.buy_number(&e164(second)).await.unwrap().id.raw();
    let user = scope
        .create_user(&NewUser {
            extension: ExtensionNumber::parse("201").unwrap(),
            name: "Alice".into(),
            email: EmailAddress::parse("alice@example.fr").unwrap(),
            password: hash(),
            direct_number: None,
        })
        .await
        .unwrap();
    let group = scope
        .create_ring_group(
            &ExtensionNumber::parse("600").unwrap(),
            "Sales",
            domain::RingStrategy::Simultaneous,
            20,
            &[user.extension],
        )
        .await
        .unwrap()
        .extension
        .id
        .raw();
    let device = scope
        .create_device(
            &NewDevice {
                mac: Some(domain::MacAddress::parse(mac).unwrap()),
                model: DeviceModel("Yealink T54W".into()),
                label: "Desk".into(),
                sip_username: SipUsername::parse(&format!("dev-{byte}")).unwrap(),
                sip_password: SipPassword::parse("secret123").unwrap(),
                user: Some(user.id),
            },
            "switchboard",
        )
        .await
        .unwrap()
        .id;
    let token = ApiKeyToken::from_random([byte; 32]);
    let key_id = scope
        .create_api_key("tests", &token, UnixMillis::from_millis(0))
        .await
        .unwrap()
        .id
        .raw();
    let call = dialer
        .dial(ClickToCall {
            account: account.id,
            user: user.id,
            destination: Dialled::parse("0612345678").unwrap(),
        })
        .unwrap();
    let key = format!("voicemail/{}/{}/seed.mp3", account.id.raw(), user.id.raw());
    blobs
        .put(&key, axum::body::Bytes::from_static(MP3))
        .await
        .unwrap();
    let message = scope
        .add_voicemail(&domain::NewVoicemailMessage {
            user: user.id,
            caller_number: "+33612345678".into(),
            caller_name: Some("Jean Martin".into()),
            received_at: UnixMillis::from_millis(1_796_549_400_000),
            duration_ms: 42_000,
            wav_key: key.replace(".mp3", ".wav"),
            mp3_key: key,
        })
        .await
        .unwrap()
        .id
        .raw();
    Seeded {
        message,
        call,
        account,
        key: token.expose(),
        user,
        group,
        device,
        number,
        key_id,
    }
}

/// Two accounts, A and B, each with the same shape of data.
pub async fn fixture() -> Fixture {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sb-web-api-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&format!("sqlite://{}/t.db", dir.display()))
        .await
        .unwrap();
    let dialer = Arc::new(Scripted::new());
    let blobs = ::voicemail::Blobs::local(&dir.join("files")).unwrap();
    let a = seed(
        &store,
        &blobs,
        &dialer,
        "+33199000100",
        "+33199000101",
        "00:1A:2B:3C:4D:01",
        1,
    )
    .await;
    let b = seed(
        &store,
        &blobs,
        &dialer,
        "+33199000200",
        "+33199000201",
        "00:1A:2B:3C:4D:02",
        2,
    )
    .await;
    let mut state = AppState::with_outbox(store.clone(), dir.join("outbox"));
    state.dialer = Some(dialer.clone());
    let (service, changes) = ::voicemail::Voicemail::new(
        store.clone(),
        blobs,
        state.mailer.clone(),
        dir.join("spool"),
    )
    .unwrap();
    state.voicemail = Some(Arc::new(service));
    let app = router(state);
    Fixture {
        changes: std::sync::Mutex::new(changes),
        app,
        store,
        dialer,
        a,
        b,
        _dir: TempDir(dir),
    }
}

/// A response: status, content type, body text.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub www_authenticate: String,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts the API's error shape and returns (code, message, field).
    pub fn error(&self) -> (String, String, Option<String>) {
        let v = self.json();
        let e = &v["error"];
        assert!(e.is_object(), "no error object: {}", self.text);
        let s = |k: &str| e[k].as_str().map(str::to_owned);
        (
            s("code").expect("error.code"),
            s("message").expect("error.message"),
            s("field"),
        )
    }
}

impl Fixture {
    /// Sends a request with `key` (if any) and a JSON `body` (if any).
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Option<Value>,
        lang: Option<&str>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method.to_ascii_uppercase().as_str())
            .uri(uri);
        if let Some(k) = key {
            req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        if let Some(l) = lang {
            req = req.header(header::ACCEPT_LANGUAGE, l);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let www_authenticate = res
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            content_type,
            www_authenticate,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// As account A.
    pub async fn a(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        self.send(method, uri, Some(&self.a.key.clone()), body, None)
            .await
    }
}

pub fn account_id(s: &Seeded) -> AccountId {
    s.account.id
}
