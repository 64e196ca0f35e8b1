//! Device credentials by SIP username, cached in front of storage so that a
//! re-registration costs no database round trip. Entries live `ttl`; a
//! changed password or a deleted device is seen within that time, and so
//! is a suspended account: its phones are marked `suspended`, so their
//! REGISTER ends in 403 like a wrong password and their INVITE too, except
//! to an emergency number (SPEC T4: those always go out).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{AccountId, DeviceId, SipUsername, UserId};
use storage::{StorageError, Store};

/// What the registrar and the call engine need to know of a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceCredentials {
    pub device: DeviceId,
    pub account: AccountId,
    pub user: Option<UserId>,
    pub username: SipUsername,
    /// The realm the HA1 values were computed for.
    pub realm: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
    /// The account is suspended: only emergency calls are let through.
    pub suspended: bool,
}

/// A cached answer: when it was read, and the device (or `None`: no such
/// username).
type Entry = (Instant, Option<Arc<DeviceCredentials>>);

/// The cache. Unknown usernames are cached too, so a flood of REGISTERs
/// for made-up names does not reach the database each time.
#[derive(Debug)]
pub struct Directory {
    store: Store,
    ttl: Duration,
    cache: Mutex<HashMap<String, Entry>>,
}

/// Cache entries beyond this are dropped (oldest first is not tracked:
/// the whole cache is cleared, which only costs re-reads).
const MAX_ENTRIES: usize = 200_000;

impl Directory {
    /// A directory over `store`, keeping entries for `ttl`.
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The cached answer for `username`, if still fresh.
    pub fn cached(&self, username: &str, now: Instant) -> Option<Option<Arc<DeviceCredentials>>> {
        let cache = self.cache.lock().expect("directory lock is not poisoned");
        cache
            .get(username)
            .filter(|(at, _)| now.duration_since(*at) < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// Looks `username` up, from the cache or from storage.
    pub async fn lookup(
        &self,
        username: &str,
    ) -> Result<Option<Arc<DeviceCredentials>>, StorageError> {
        let now = Instant::now();
        if let Some(hit) = self.cached(username, now) {
            return Ok(hit);
        }
        let found = match SipUsername::parse(username) {
            Err(_) => None,
            Ok(name) => match self
                .store
                .device_and_activity_by_sip_username(&name)
                .await?
            {
                None => None,
                Some((d, active)) => Some(Arc::new(DeviceCredentials {
                    device: d.id,
                    account: d.account,
                    user: d.user,
                    username: d.sip_username,
                    realm: d.realm,
                    ha1_md5: d.ha1_md5,
                    ha1_sha256: d.ha1_sha256,
                    suspended: !active,
                })),
            },
        };
        let mut cache = self.cache.lock().expect("directory lock is not poisoned");
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(username.to_owned(), (now, found.clone()));
        Ok(found)
    }

    /// Forgets one username (after a password change made on this node).
    pub fn forget(&self, username: &str) {
        self.cache
            .lock()
            .expect("directory lock is not poisoned")
            .remove(username);
    }
}
