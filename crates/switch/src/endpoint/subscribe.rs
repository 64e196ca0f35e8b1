//! SUBSCRIBE to `message-summary` (RFC 3842, RFC 6665 §4.2): challenged
//! and verified like REGISTER with the device's digest credentials, then
//! kept in `crate::mwi::Subscriptions`. The NOTIFYs wait for the device's
//! mailbox counts, which the shell looks up ([`MwiWork::Counts`]) and
//! hands back to [`Endpoint::mailbox_counts`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use domain::{MessageCounts, UnixMillis};
use sip::auth::{Credentials, Verdict};
use sip::{Contact, HeaderName, Request, SipMessage, StatusCode};

use super::retransmit::Key;
use super::{Action, Caches, Endpoint, Source, Step};
use crate::directory::DeviceCredentials;
use crate::mwi::{self, MwiDevice, NewSubscription, Occasion, Outgoing};
use crate::transport::Kind;

/// Look-ups the shell makes for message waiting.
#[derive(Debug)]
pub enum MwiWork {
    /// The subscribing device is not cached: look it up, then call
    /// [`Endpoint::resume_subscribe`].
    LookUp(Box<PendingSubscribe>),
    /// Read the mailbox counts of the device's user (`0/0` without one),
    /// then call [`Endpoint::mailbox_counts`].
    Counts(MwiDevice, Occasion),
}

/// A SUBSCRIBE with credentials, waiting for its device to be looked up.
#[derive(Debug)]
pub struct PendingSubscribe {
    pub request: Request,
    pub source: Source,
    pub credentials: Credentials,
    pub random: u64,
    key: Option<Key>,
}

impl PendingSubscribe {
    /// The SIP username to look up.
    pub fn username(&self) -> &str {
        &self.credentials.username
    }
}

impl From<&DeviceCredentials> for MwiDevice {
    fn from(d: &DeviceCredentials) -> Self {
        Self {
            device: d.device,
            account: d.account,
            user: d.user,
            username: d.username.clone(),
        }
    }
}

impl Endpoint {
    /// A SUBSCRIBE outside the call engine: a new subscription (with
    /// credentials), or a refresh inside one (its To tag).
    pub(super) fn subscribe(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: Request,
        cached: &impl Caches,
    ) -> Step {
        let package = request.headers.get(&HeaderName::Event);
        if !package.is_some_and(mwi::is_message_summary) {
            // RFC 6665 §8.3.1: 489 names the packages served.
            let status = StatusCode::new(489).expect("489 is a status code");
            let mut resp = request.response(status, Some(&tag(random)));
            resp.reason = "Bad Event".into();
            resp.headers.push(HeaderName::AllowEvents, mwi::EVENT);
            return self.finish(now, key, source, resp);
        }
        if let Err(problem) = asked_expires(&request) {
            return self.refuse(now, random, key, source, &request, problem);
        }
        if let Some(to_tag) = request.to().ok().and_then(|t| t.tag().map(str::to_owned)) {
            return self.resubscribe(now, random, key, source, &request, &to_tag);
        }
        let Some(value) = request.headers.get(&HeaderName::Authorization) else {
            return self.subscribe_challenge(now, random, key, source, &request, false);
        };
        let credentials = match Credentials::parse(value) {
            Ok(c) => c,
            Err(e) => {
                let problem = format!("Authorization: {e}");
                return self.refuse(now, random, key, source, &request, problem);
            }
        };
        let pending = PendingSubscribe {
            request,
            source,
            credentials,
            random,
            key: key.clone(),
        };
        match cached.device(pending.username()) {
            Some(device) => self.resume_subscribe(now, pending, device),
            None => {
                if let Some(k) = key {
                    self.cache.pending(k, now);
                }
                self.out
                    .push_back(Action::Mwi(MwiWork::LookUp(Box::new(pending))));
                Step::Nothing
            }
        }
    }

    /// Finishes a new subscription once its device is known (`None`: no
    /// such username): 200 and a look-up of the counts for the first
    /// NOTIFY, or 401 (stale nonce), 403 or 400.
    pub fn resume_subscribe(
        &mut self,
        now: UnixMillis,
        p: PendingSubscribe,
        device: Option<Arc<DeviceCredentials>>,
    ) -> Step {
        let PendingSubscribe {
            request,
            source,
            credentials,
            random,
            key,
        } = p;
        let (verdict, device) = self.verify_device(&credentials, "SUBSCRIBE", device, now);
        match verdict {
            Verdict::Ok => {}
            Verdict::Stale => {
                return self.subscribe_challenge(now, random, key, source, &request, true);
            }
            Verdict::Rejected(reason) => {
                self.counters.auth_failures += 1;
                tracing::info!(peer = %source.peer, username = %credentials.username, %reason, "subscription refused");
                let resp = request.response(StatusCode::FORBIDDEN, Some(&tag(random)));
                return self.finish(now, key, source, resp);
            }
        }
        let device = device.expect("a verified digest has a device");
        let dialog = match new_subscription(&request, &device, source, tag(random)) {
            Ok(d) => d,
            Err(problem) => return self.refuse(now, random, key, source, &request, problem),
        };
        let expires = mwi::granted(asked_expires(&request).ok().flatten());
        let local_tag = dialog.local_tag.clone();
        self.subscriptions.insert(now, dialog, expires);
        self.out.push_back(Action::Mwi(MwiWork::Counts(
            MwiDevice::from(&*device),
            Occasion::Subscribed,
        )));
        self.accept(now, key, source, &request, &local_tag, expires)
    }

    /// Forgets a SUBSCRIBE whose look-up failed: the phone retransmits.
    pub fn abandon_subscribe(&mut self, p: &PendingSubscribe) {
        if let Some(k) = &p.key {
            self.cache_forget(k);
        }
    }

    /// Sends the device's message summary: a NOTIFY in each of its
    /// subscriptions, else an unsolicited one to each live binding, but
    /// for an empty mailbox at registration: a phone starts with its lamp
    /// off, and one that does not take unsolicited NOTIFYs is spared them
    /// until there is news.
    pub fn mailbox_counts(
        &mut self,
        instant: Instant,
        now: UnixMillis,
        random: u64,
        (device, occasion): (&MwiDevice, Occasion),
        counts: MessageCounts,
    ) {
        let subscribed = self.subscriptions.is_subscribed(device.device);
        // A new binding of a subscribed phone changes nothing it was told;
        // one of a phone that does not subscribe is told of messages, or
        // that none wait any more when it was last told some did.
        let nothing_to_say =
            counts == MessageCounts::default() && !self.subscriptions.was_lit(device.device);
        if occasion == Occasion::Registered && (subscribed || nothing_to_say) {
            return;
        }
        self.subscriptions.seed(random);
        let kinds = [Kind::Udp, Kind::Tcp, Kind::Tls, Kind::Ws, Kind::Wss];
        let sent_by: HashMap<Kind, String> =
            kinds.iter().map(|k| (*k, self.calls.sent_by(*k))).collect();
        let sent_by = move |k: Kind| sent_by.get(&k).cloned().unwrap_or_default();
        let domain = self.calls.domain().to_owned();
        let out = Outgoing {
            domain: &domain,
            sent_by: &sent_by,
        };
        let bindings = self.location.live(device.device, now);
        let tx = &mut self.calls.tx;
        self.subscriptions.notify(
            now,
            device,
            (counts, occasion == Occasion::MailboxChanged),
            &out,
            &bindings,
            |request, peer| match tx.send_request(instant, request, peer) {
                Ok(key) => Some(key),
                Err(e) => {
                    tracing::debug!(error = %e, "NOTIFY not sent");
                    None
                }
            },
        );
    }

    /// A device got a new binding: its lamp is set at once.
    pub(super) fn registered_for_mwi(&mut self, device: &DeviceCredentials) {
        self.out.push_back(Action::Mwi(MwiWork::Counts(
            MwiDevice::from(device),
            Occasion::Registered,
        )));
    }

    /// A SUBSCRIBE inside a subscription: refresh or unsubscribe; 481 when
    /// the subscription is unknown (expired, or never was). It is not
    /// challenged again: the dialog (Call-ID and the switch's random tag)
    /// was only given to the device that proved its credentials.
    fn resubscribe(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: &Request,
        to_tag: &str,
    ) -> Step {
        let call_id = request.call_id().unwrap_or_default();
        let Some(id) = self.subscriptions.find(call_id, to_tag) else {
            let resp = request.response(StatusCode::CALL_DOES_NOT_EXIST, Some(&tag(random)));
            return self.finish(now, key, source, resp);
        };
        let expires = mwi::granted(asked_expires(request).ok().flatten());
        self.subscriptions.refresh(now, id, expires);
        if let Some(device) = self.subscriptions.device(id).cloned() {
            self.out
                .push_back(Action::Mwi(MwiWork::Counts(device, Occasion::Subscribed)));
        }
        self.accept(now, key, source, request, to_tag, expires)
    }

    /// The 200 to a SUBSCRIBE: the granted Expires and the switch's
    /// Contact (RFC 6665 §4.2.1.1).
    fn accept(
        &mut self,
        now: UnixMillis,
        key: Option<Key>,
        source: Source,
        request: &Request,
        local_tag: &str,
        expires: u32,
    ) -> Step {
        let mut resp = request.response(StatusCode::OK, Some(local_tag));
        resp.headers.push(HeaderName::Expires, expires.to_string());
        let sent_by = self.calls.sent_by(source.kind);
        resp.headers
            .push(HeaderName::Contact, mwi::contact(&sent_by, source.kind));
        self.finish(now, key, source, resp)
    }

    fn subscribe_challenge(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: &Request,
        stale: bool,
    ) -> Step {
        let now_ms = u64::try_from(now.millis()).unwrap_or_default();
        let mut resp = request.response(StatusCode::UNAUTHORIZED, Some(&tag(random)));
        for c in self.digest.challenges(now_ms, random, stale) {
            resp.headers
                .push(HeaderName::WwwAuthenticate, c.to_string());
        }
        self.finish(now, key, source, resp)
    }

    fn refuse(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: &Request,
        problem: String,
    ) -> Step {
        self.counters.bad_requests += 1;
        let mut resp = request.response(StatusCode::BAD_REQUEST, Some(&tag(random)));
        resp.reason = format!("Bad Request ({problem})");
        self.finish(now, key, source, resp)
    }
}

/// The Expires of the SUBSCRIBE, if any.
fn asked_expires(request: &Request) -> Result<Option<u32>, String> {
    match request.headers.get(&HeaderName::Expires) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("Expires: {v:?} is not a number of seconds")),
    }
}

/// The dialog the SUBSCRIBE starts (RFC 6665 §4.2.1, RFC 3261 §12.1.1).
fn new_subscription(
    request: &Request,
    device: &DeviceCredentials,
    source: Source,
    local_tag: String,
) -> Result<NewSubscription, String> {
    let target = match request
        .headers
        .get(&HeaderName::Contact)
        .map(Contact::parse)
    {
        Some(Ok(Contact::Addr(a))) => a.uri.to_string(),
        Some(Ok(Contact::All)) | None => return Err("SUBSCRIBE without a Contact".into()),
        Some(Err(e)) => return Err(e.to_string()),
    };
    let header = |name: HeaderName| request.headers.get(&name).unwrap_or_default().to_owned();
    Ok(NewSubscription {
        device: MwiDevice::from(device),
        call_id: request.call_id().unwrap_or_default().to_owned(),
        local_tag,
        local_uri: header(HeaderName::To),
        remote: header(HeaderName::From),
        target,
        peer: sip::transaction::Peer {
            addr: source.peer,
            reliable: source.kind.is_reliable(),
            conn: source.conn.map(|c| c.raw()),
        },
        kind: source.kind,
    })
}

fn tag(random: u64) -> String {
    format!("{:012x}", random >> 16)
}
