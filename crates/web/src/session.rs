//! Sessions: tower-sessions records kept in our database (table
//! `web_sessions`, migration 0002) so every node of a cluster sees them, and
//! what the portals keep in a session: who is signed in, the language, the
//! CSRF token.
//!
//! Cookies are HttpOnly, SameSite=Lax, and Secure when the public URL is
//! HTTPS. A session id is replaced at every sign-in (no fixation).

use crate::now;
use std::collections::HashMap;

use async_trait::async_trait;
use domain::{AccountId, Language, OperatorId, UnixMillis, UserId};
use rand::RngExt as _;
use serde::{Deserialize, Serialize};
use storage::{StorageError, Store, StoredSession};
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// A session is forgotten after this long without a request.
pub const IDLE_TIMEOUT: time::Duration = time::Duration::hours(8);

/// The session layer over `store`: one cookie named `sb_session`.
pub fn layer(store: Store, secure: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore { store })
        .with_name("sb_session")
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(IDLE_TIMEOUT))
}

/// tower-sessions' store over [`storage::Store`].
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    store: Store,
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn stored(record: &Record) -> session_store::Result<StoredSession> {
    Ok(StoredSession {
        data: serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?,
        expires_at: UnixMillis::from_millis(
            (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64,
        ),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let row = stored(record)?;
        loop {
            match self
                .store
                .create_session(&record.id.to_string(), &row)
                .await
            {
                Ok(()) => return Ok(()),
                // A 128-bit collision: draw another id.
                Err(StorageError::Conflict(_)) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store
            .save_session(&record.id.to_string(), &stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = self
            .store
            .load_session(&id.to_string(), now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(row.expires_at.millis()) * 1_000_000,
        )
        .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store
            .delete_session(&id.to_string())
            .await
            .map_err(backend)
    }
}

/// Who a session belongs to once signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    /// The administrator of an account (admin portal).
    Admin { account: i64 },
    /// A user of an account (user portal).
    User { account: i64, user: i64 },
    /// A platform operator (operator portal, issue 6). Never handed out by
    /// [`SessionData::principal`], so the account portals treat an
    /// operator's session as signed out; see [`SessionData::operator`].
    Operator { operator: i64 },
}

impl Principal {
    pub fn account(self) -> AccountId {
        match self {
            Self::Admin { account } | Self::User { account, .. } => AccountId::from_raw(account),
            Self::Operator { .. } => {
                unreachable!("SessionData::principal never yields an operator")
            }
        }
    }

    pub fn user(self) -> Option<UserId> {
        match self {
            Self::Admin { .. } | Self::Operator { .. } => None,
            Self::User { user, .. } => Some(UserId::from_raw(user)),
        }
    }
}

const PRINCIPAL: &str = "principal";
const LANGUAGE: &str = "lang";
const CSRF: &str = "csrf";
const CALLS: &str = "click_calls";

/// How many click-to-calls a session remembers; older ones can no longer
/// be followed from it.
pub const REMEMBERED_CALLS: usize = 20;

/// A click-to-call started from this session (SPEC U2): the switch's id
/// for it, who started it, and the destination as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedCall {
    pub user: i64,
    pub id: u64,
    pub destination: String,
}

/// Typed access to what the portals keep in a session.
pub struct SessionData;

impl SessionData {
    /// Who is signed in to an account portal, if anyone. An operator's
    /// session is no one's here: the account portals send it to their
    /// sign-in page.
    pub async fn principal(session: &Session) -> Option<Principal> {
        session
            .get(PRINCIPAL)
            .await
            .ok()
            .flatten()
            .filter(|p| !matches!(p, Principal::Operator { .. }))
    }

    /// The platform operator signed in on this session, if any.
    pub async fn operator(session: &Session) -> Option<OperatorId> {
        match session.get(PRINCIPAL).await.ok().flatten() {
            Some(Principal::Operator { operator }) => Some(OperatorId::from_raw(operator)),
            _ => None,
        }
    }

    /// Signs `who` in: a new session id (the old one may have been planted),
    /// the language and CSRF token kept.
    pub async fn sign_in(
        session: &Session,
        who: Principal,
    ) -> Result<(), tower_sessions::session::Error> {
        session.cycle_id().await?;
        session.insert(PRINCIPAL, who).await
    }

    /// Signs out and forgets the session, keeping nothing but a fresh one
    /// with the same language.
    pub async fn sign_out(session: &Session) -> Result<(), tower_sessions::session::Error> {
        let language = Self::language(session).await;
        session.flush().await?;
        session.insert(LANGUAGE, language.code()).await
    }

    /// The language chosen in this session; French when none was chosen.
    pub async fn language(session: &Session) -> Language {
        Self::chosen_language(session).await.unwrap_or_default()
    }

    /// The language the visitor chose with the switch, if they did.
    async fn chosen_language(session: &Session) -> Option<Language> {
        session
            .get::<String>(LANGUAGE)
            .await
            .ok()
            .flatten()
            .and_then(|code| Language::parse(&code).ok())
    }

    /// Signs `who` in, speaking the account's language unless the visitor
    /// already chose one with the switch.
    pub async fn sign_in_speaking(
        session: &Session,
        who: Principal,
        account_language: Language,
    ) -> Result<(), tower_sessions::session::Error> {
        if Self::chosen_language(session).await.is_none() {
            Self::set_language(session, account_language).await?;
        }
        Self::sign_in(session, who).await
    }

    /// Keeps `language` for the rest of the session.
    pub async fn set_language(
        session: &Session,
        language: Language,
    ) -> Result<(), tower_sessions::session::Error> {
        session.insert(LANGUAGE, language.code()).await
    }

    /// The session's CSRF token, created on first use. Every form carries
    /// it in a hidden `_csrf` field; htmx sends it as `X-CSRF-Token`.
    pub async fn csrf_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
        if let Some(token) = session.get::<String>(CSRF).await? {
            return Ok(token);
        }
        let token = random_token();
        session.insert(CSRF, &token).await?;
        Ok(token)
    }

    /// Remembers a click-to-call this session's user started, so that
    /// only they can follow it.
    pub async fn remember_call(
        session: &Session,
        call: StartedCall,
    ) -> Result<(), tower_sessions::session::Error> {
        let mut calls: Vec<StartedCall> = session.get(CALLS).await?.unwrap_or_default();
        calls.retain(|c| c.id != call.id);
        calls.push(call);
        let over = calls.len().saturating_sub(REMEMBERED_CALLS);
        calls.drain(..over);
        session.insert(CALLS, calls).await
    }

    /// Click-to-call `id`, if `user` started it from this session.
    pub async fn started_call(session: &Session, user: UserId, id: u64) -> Option<StartedCall> {
        let calls: Vec<StartedCall> = session.get(CALLS).await.ok().flatten()?;
        calls
            .into_iter()
            .find(|c| c.id == id && c.user == user.raw())
    }

    /// The token already in the session, without creating one.
    pub async fn existing_csrf_token(session: &Session) -> Option<String> {
        session.get::<String>(CSRF).await.ok().flatten()
    }
}

/// 256 random bits as 64 hex digits (CSRF tokens, recovery links).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}
