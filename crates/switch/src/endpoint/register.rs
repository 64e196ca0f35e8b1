//! REGISTER (RFC 3261 §10.3): challenge, verify the device's digest, then
//! let `crate::registrar::decide` rule on the bindings.

use std::sync::Arc;

use domain::{DeviceId, UnixMillis};
use sip::auth::{Algorithm, Credentials, Verdict};
use sip::headers::parse_number;
use sip::{Contact, HeaderName, Request, Response, SipMessage, StatusCode};

use super::retransmit::Key;
use super::{Endpoint, Source, Step};
use crate::directory::DeviceCredentials;
use crate::registrar::{self, ContactSpec, Contacts, Decision, RegisterRequest};

/// A REGISTER with credentials, waiting for its device to be looked up.
#[derive(Debug)]
pub struct PendingRegister {
    pub request: Request,
    pub source: Source,
    pub credentials: Credentials,
    pub random: u64,
    key: Option<Key>,
}

impl PendingRegister {
    /// The SIP username to look up.
    pub fn username(&self) -> &str {
        &self.credentials.username
    }
}

impl Endpoint {
    pub(super) fn register(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: Request,
        cached: &impl Fn(&str) -> Option<Option<Arc<DeviceCredentials>>>,
    ) -> Step {
        let Some(value) = request.headers.get(&HeaderName::Authorization) else {
            return self.challenge(now, random, key, source, &request, false);
        };
        let credentials = match Credentials::parse(value) {
            Ok(c) => c,
            Err(e) => {
                return self.bad_request(
                    now,
                    key,
                    source,
                    &request,
                    format!("Authorization: {e}"),
                    random,
                );
            }
        };
        let pending = PendingRegister {
            request,
            source,
            credentials,
            random,
            key,
        };
        match cached(pending.username()) {
            Some(device) => self.resume_register(now, pending, device),
            None => Step::LookUp(Box::new(pending)),
        }
    }

    /// Finishes a REGISTER once its device is known (`None`: no such
    /// username).
    pub fn resume_register(
        &mut self,
        now: UnixMillis,
        p: PendingRegister,
        device: Option<Arc<DeviceCredentials>>,
    ) -> Step {
        let PendingRegister {
            request,
            source,
            credentials,
            random,
            key,
        } = p;
        // A suspended account's phones do not register (they may still
        // call an emergency number).
        let (verdict, device) = self.verify_device(&credentials, "REGISTER", device, now);
        match verdict {
            Verdict::Ok => {}
            Verdict::Stale => return self.challenge(now, random, key, source, &request, true),
            Verdict::Rejected(reason) => {
                // Unknown user and wrong password look the same on the
                // wire; the reason goes to the log only.
                self.counters.auth_failures += 1;
                tracing::info!(peer = %source.peer, username = %credentials.username, %reason, "registration refused");
                return self.answer(
                    now,
                    key,
                    source,
                    &request,
                    StatusCode::FORBIDDEN,
                    None,
                    random,
                );
            }
        }
        let device = device.expect("a verified digest has a device");
        let spec = match register_request(&request, device.device, &device, source) {
            Ok(s) => s,
            Err(problem) => {
                return self.bad_request(now, key, source, &request, problem, random);
            }
        };
        let current = self.location.bindings(device.device);
        match registrar::decide(&self.policy, now, current, &spec) {
            Decision::Ok { bindings } => {
                self.counters.registrations += 1;
                let mut resp = request.response(StatusCode::OK, Some(&tag(random)));
                for b in &bindings {
                    let left = registrar::remaining_secs(b, now);
                    resp.headers.push(
                        HeaderName::Contact,
                        format!("<{}>;expires={left}", b.contact),
                    );
                }
                let fresh = bindings
                    .iter()
                    .any(|b| current.iter().all(|c| c.contact != b.contact));
                let changes = self.location.replace(device.device, bindings);
                if fresh {
                    self.registered_for_mwi(&device);
                }
                match self.finish(now, key, source, resp) {
                    Step::Send(t) => Step::Register(t, changes),
                    other => other,
                }
            }
            Decision::IntervalTooBrief { min_expires } => {
                let mut resp = request.response(StatusCode::INTERVAL_TOO_BRIEF, Some(&tag(random)));
                resp.headers
                    .push(HeaderName::MinExpires, min_expires.to_string());
                self.finish(now, key, source, resp)
            }
            Decision::BadRequest(problem) => {
                self.bad_request(now, key, source, &request, problem.to_owned(), random)
            }
        }
    }

    /// Forgets a REGISTER whose look-up failed (storage down): the client
    /// retransmits and gets another chance, or times out.
    pub fn abandon_register(&mut self, p: &PendingRegister) {
        if let Some(k) = &p.key {
            self.cache_forget(k);
        }
    }

    fn challenge(
        &mut self,
        now: UnixMillis,
        random: u64,
        key: Option<Key>,
        source: Source,
        request: &Request,
        stale: bool,
    ) -> Step {
        let now_ms = unix_ms(now);
        let mut resp = request.response(StatusCode::UNAUTHORIZED, Some(&tag(random)));
        for c in self.digest.challenges(now_ms, random, stale) {
            resp.headers
                .push(HeaderName::WwwAuthenticate, c.to_string());
        }
        self.finish(now, key, source, resp)
    }

    /// A 400 whose reason phrase names `problem`.
    fn bad_request(
        &mut self,
        now: UnixMillis,
        key: Option<Key>,
        source: Source,
        request: &Request,
        problem: String,
        random: u64,
    ) -> Step {
        self.counters.bad_requests += 1;
        let reason = format!("Bad Request ({problem})");
        self.answer(
            now,
            key,
            source,
            request,
            StatusCode::BAD_REQUEST,
            Some(reason),
            random,
        )
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one place builds every short answer"
    )]
    fn answer(
        &mut self,
        now: UnixMillis,
        key: Option<Key>,
        source: Source,
        request: &Request,
        status: StatusCode,
        reason: Option<String>,
        random: u64,
    ) -> Step {
        let mut resp: Response = request.response(status, Some(&tag(random)));
        if let Some(r) = reason {
            resp.reason = r;
        }
        self.finish(now, key, source, resp)
    }
}

/// The digest server counts time in unsigned milliseconds.
fn unix_ms(now: UnixMillis) -> u64 {
    u64::try_from(now.millis()).unwrap_or_default()
}

fn tag(random: u64) -> String {
    format!("{:012x}", random >> 16)
}

/// Reads what the registrar needs out of the REGISTER.
fn register_request(
    request: &Request,
    device: DeviceId,
    creds: &DeviceCredentials,
    source: Source,
) -> Result<RegisterRequest, String> {
    let mut list = Vec::new();
    let mut star = false;
    for value in request.headers.values(&HeaderName::Contact) {
        match Contact::parse(value).map_err(|e| e.to_string())? {
            Contact::All => star = true,
            Contact::Addr(a) => {
                // RFC 3261 §20.10: a malformed expires is ignored.
                let expires = a.params.value("expires").and_then(|v| v.parse().ok());
                let q_millis = match a.params.value("q") {
                    None => None,
                    Some(q) => Some(parse_q(q).ok_or_else(|| format!("invalid q-value {q:?}"))?),
                };
                list.push(ContactSpec {
                    uri: a.uri.to_string(),
                    expires,
                    q_millis,
                    instance: a.params.value("+sip.instance").map(str::to_owned),
                });
            }
        }
    }
    let contacts = match (star, list.is_empty()) {
        (true, true) => Contacts::All,
        (true, false) => return Err("Contact * cannot be combined with other contacts".into()),
        (false, true) => Contacts::Query,
        (false, false) => Contacts::List(list),
    };
    let expires = match request.headers.get(&HeaderName::Expires) {
        None => None,
        Some(v) => Some(parse_number("Expires", v, u32::MAX).map_err(|e| e.to_string())?),
    };
    let cseq = request.cseq().map_err(|e| e.to_string())?;
    Ok(RegisterRequest {
        device,
        account: creds.account,
        contacts,
        expires,
        call_id: request.call_id().unwrap_or_default().to_owned(),
        cseq: cseq.seq,
        source: source.peer.to_string(),
        transport: source.kind.as_str().to_owned(),
        user_agent: request
            .headers
            .get(&HeaderName::UserAgent)
            .map(str::to_owned),
    })
}

/// A q-value (RFC 3261 §20.10: "0" to "1" with up to three decimals) in
/// thousandths.
fn parse_q(q: &str) -> Option<u16> {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_val: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(frac_val),
        "1" if frac_val == 0 => Some(1000),
        _ => None,
    }
}

impl Endpoint {
    /// Checks a device's digest answer to a REGISTER or SUBSCRIBE. A
    /// suspended account's device counts as unknown; the device comes back
    /// (`None` when unknown or suspended) with the verdict.
    pub(super) fn verify_device(
        &mut self,
        credentials: &Credentials,
        method: &str,
        device: Option<Arc<DeviceCredentials>>,
        now: UnixMillis,
    ) -> (Verdict, Option<Arc<DeviceCredentials>>) {
        let device = device.filter(|d| !d.suspended);
        let ha1 = device.as_deref().map(|d| match credentials.algorithm {
            Algorithm::Md5 => d.ha1_md5.as_str(),
            Algorithm::Sha256 => d.ha1_sha256.as_str(),
        });
        let verdict = self.digest.verify(credentials, method, ha1, unix_ms(now));
        (verdict, device)
    }
}
