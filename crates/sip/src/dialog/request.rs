//! Requests inside a dialog: building the ones this side sends (RFC 3261
//! §12.2.1.1) and checking the ones it receives (§12.2.2), with target
//! refreshes (§12.2.1.2, §12.2.2).

use super::{
    CSEQ_LIMIT, Dialog, DialogError, DialogId, DialogState, Role, contact_uri, is_target_refresh,
};
use crate::header::HeaderName;
use crate::headers::{CSeq, NameAddr};
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;
use crate::uri::Uri;

/// The Max-Forwards a UAC puts in requests (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: &str = "70";

impl Dialog {
    /// A new request inside the dialog, with the next local CSeq number
    /// (RFC 3261 §12.2.1.1).
    ///
    /// The Request-URI and Route follow the route set: with a loose router
    /// first (`;lr`), the Request-URI is the remote target and Route lists
    /// the route set; with a strict router first, the Request-URI is that
    /// router's URI and Route lists the rest of the route set, then the
    /// remote target. From carries the local tag, To the remote tag, and
    /// Max-Forwards is 70. Contact gives the local target on every method
    /// but BYE, where RFC 3261 §20 Table 2 marks it not applicable.
    ///
    /// The request has no Via: the caller adds it on top with the branch
    /// the transaction layer chose (RFC 3261 §8.1.1.7). A UAS sending its
    /// first request starts the local CSeq at 1 (§8.1.1.5 allows any value
    /// below 2^31). ACK and CANCEL are refused with
    /// [`DialogError::SequenceReused`].
    pub fn request(&mut self, method: Method) -> Result<Request, DialogError> {
        if matches!(method, Method::Ack | Method::Cancel) {
            return Err(DialogError::SequenceReused(method));
        }
        match self.state {
            DialogState::Terminated => return Err(DialogError::Terminated),
            // RFC 3261 §15: the callee must not send BYE on an early dialog.
            DialogState::Early if self.role == Role::Uas && method == Method::Bye => {
                return Err(DialogError::ByeOnEarlyDialog);
            }
            _ => {}
        }
        let seq = match self.local_seq {
            None => 1,
            Some(last) => last
                .checked_add(1)
                .filter(|s| *s < CSEQ_LIMIT)
                .ok_or(DialogError::CSeqExhausted)?,
        };
        self.local_seq = Some(seq);
        Ok(self.build(method, seq))
    }

    /// The ACK for a 2xx to the INVITE sent with CSeq number `invite_cseq`
    /// (RFC 3261 §13.2.2.4): built like any request in the dialog, but
    /// with the INVITE's CSeq number and without touching the local CSeq.
    /// The caller adds the Via with a new branch, and any body.
    pub fn ack_for(&self, invite_cseq: u32) -> Request {
        self.build(Method::Ack, invite_cseq)
    }

    /// Checks the CSeq of a request received inside the dialog and records
    /// it (RFC 3261 §12.2.2). A number lower than the last one received is
    /// out of order: the UAS answers 500. ACK and CANCEL carry the CSeq of
    /// the request they belong to and are neither checked nor recorded.
    /// A request from another dialog gives [`DialogError::Mismatch`].
    pub fn check_remote_cseq(&mut self, request: &Request) -> Result<(), DialogError> {
        self.id.expect(&DialogId::of_request_as_uas(request)?)?;
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let received = request.cseq()?.seq;
        match self.remote_seq {
            Some(last) if received < last => Err(DialogError::CSeqOutOfOrder { received, last }),
            _ => {
                self.remote_seq = Some(received);
                Ok(())
            }
        }
    }

    /// Takes the remote target from a target refresh request received in
    /// the dialog (re-INVITE, UPDATE, SUBSCRIBE, NOTIFY), when it has a
    /// Contact (RFC 3261 §12.2.2). The route set does not change (§12.2).
    /// Call it once the request is accepted: RFC 6141 keeps the old target
    /// when the refresh fails. Returns whether the target changed.
    pub fn apply_target_refresh(&mut self, request: &Request) -> Result<bool, DialogError> {
        self.id.expect(&DialogId::of_request_as_uas(request)?)?;
        if !is_target_refresh(&request.method) {
            return Ok(false);
        }
        self.replace_target(contact_uri(request)?)
    }

    /// Takes the remote target from a 2xx to a target refresh request this
    /// side sent in the dialog, when it has a Contact (RFC 3261 §12.2.1.2).
    /// Other responses leave it alone. Returns whether the target changed.
    pub fn apply_target_refresh_response(
        &mut self,
        response: &Response,
    ) -> Result<bool, DialogError> {
        self.id.expect(&DialogId::of_response_as_uac(response)?)?;
        if !response.status.is_success() || !is_target_refresh(&response.cseq()?.method) {
            return Ok(false);
        }
        self.replace_target(contact_uri(response)?)
    }

    fn replace_target(&mut self, target: Option<Uri>) -> Result<bool, DialogError> {
        match target {
            Some(uri) if uri != self.remote_target => {
                self.remote_target = uri;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Builds a request with CSeq number `seq` (RFC 3261 §12.2.1.1).
    fn build(&self, method: Method, seq: u32) -> Request {
        let (uri, routes) = self.request_uri_and_routes();
        let mut request = Request::new(method.clone(), uri);
        let h = &mut request.headers;
        for route in routes {
            h.push(HeaderName::Route, route);
        }
        h.push(HeaderName::MaxForwards, MAX_FORWARDS);
        h.push(
            HeaderName::To,
            with_tag(&self.remote_uri, &self.id.remote_tag).to_string(),
        );
        h.push(
            HeaderName::From,
            with_tag(&self.local_uri, &self.id.local_tag).to_string(),
        );
        h.push(HeaderName::CallId, self.id.call_id.clone());
        let contact = method != Method::Bye;
        h.push(HeaderName::CSeq, CSeq { seq, method }.to_string());
        if contact {
            h.push(
                HeaderName::Contact,
                NameAddr::new(self.local_target.clone()).to_string(),
            );
        }
        request
    }

    /// The Request-URI and Route values under the loose and strict routing
    /// rules of RFC 3261 §12.2.1.1.
    fn request_uri_and_routes(&self) -> (Uri, Vec<String>) {
        let Some(first) = self.route_set.first() else {
            return (request_uri(&self.remote_target), Vec::new());
        };
        let loose = first.uri.as_sip().is_some_and(|u| u.param("lr").is_some());
        if loose {
            let routes = self.route_set.iter().map(ToString::to_string).collect();
            return (request_uri(&self.remote_target), routes);
        }
        // Strict routing: the first route becomes the Request-URI, the rest
        // follow in Route with all their parameters, and the remote target
        // goes last.
        let mut routes: Vec<String> = self.route_set[1..]
            .iter()
            .map(ToString::to_string)
            .collect();
        routes.push(NameAddr::new(self.remote_target.clone()).to_string());
        (request_uri(&first.uri), routes)
    }
}

/// A URI fit for a Request-URI: RFC 3261 §19.1.1 Table 1 forbids the
/// `method` parameter and headers there.
fn request_uri(uri: &Uri) -> Uri {
    match uri {
        Uri::Sip(u) => {
            let mut u = u.clone();
            u.params.retain(|(n, _)| !n.eq_ignore_ascii_case("method"));
            u.headers.clear();
            Uri::Sip(u)
        }
        other => other.clone(),
    }
}

/// The local or remote URI with the dialog's tag, left out when empty (a
/// peer following RFC 2543 sent none, RFC 3261 §12.2.1.1).
fn with_tag(addr: &NameAddr, tag: &str) -> NameAddr {
    let mut addr = addr.clone();
    if !tag.is_empty() {
        addr.params.set("tag", Some(tag.to_owned()));
    }
    addr
}
