//! Creating dialogs (RFC 3261 §12.1) and moving them from early to
//! confirmed or terminated on later responses (§13.2.2.4, §12.3).

use super::{Dialog, DialogError, DialogId, DialogState, Role, call_id, contact_uri, required_tag};
use crate::header::HeaderName;
use crate::headers::NameAddr;
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::Uri;

impl Dialog {
    /// The dialog a UAS creates when it sends `response` to `request`
    /// (RFC 3261 §12.1.1).
    ///
    /// The request must be an INVITE, SUBSCRIBE or REFER without a To tag,
    /// and the response a 101-299 whose To carries the tag this side chose
    /// (see [`Request::response`]) and whose Contact gives the local target.
    /// A 1xx makes an early dialog and a 2xx a confirmed one. The route set
    /// is the request's Record-Route in order, the remote target its Contact
    /// URI, and the remote CSeq its CSeq; the local CSeq stays empty.
    pub fn new_uas(request: &Request, response: &Response) -> Result<Dialog, DialogError> {
        creating_method(&request.method)?;
        let state = creating_state(response.status)?;
        let to = request.to()?;
        if to.tag().is_some() {
            return Err(DialogError::AlreadyInDialog);
        }
        let from = request.from()?;
        let id = DialogId {
            call_id: call_id(request)?,
            local_tag: required_tag(&response.to()?, "To")?,
            // RFC 3261 §12.1.1: a From without a tag (RFC 2543) gives a null
            // remote tag.
            remote_tag: from.tag().unwrap_or_default().to_owned(),
        };
        if response.call_id() != Some(id.call_id.as_str()) {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        Ok(Dialog {
            id,
            state,
            role: Role::Uas,
            local_uri: without_tag(to),
            remote_uri: without_tag(from),
            local_target: contact_uri(response)?.ok_or(DialogError::MissingContact)?,
            remote_target: contact_uri(request)?.ok_or(DialogError::MissingContact)?,
            route_set: record_route(request)?,
            local_seq: None,
            remote_seq: Some(request.cseq()?.seq),
            secure: over_tls_with_sips(request),
        })
    }

    /// The dialog a UAC creates when `response`, carrying a To tag, arrives
    /// for the `request` it sent (RFC 3261 §12.1.2). Forked responses make
    /// one dialog per To tag: [`DialogSet`](super::DialogSet) keeps them.
    ///
    /// The route set is the response's Record-Route in reverse order, the
    /// remote target its Contact URI, the local target the request's
    /// Contact, and the local CSeq the request's. A 2xx without Contact is
    /// an error; a 1xx without one leaves the Request-URI as the remote
    /// target until a later response supplies it, so that PRACK or UPDATE
    /// still have somewhere to go.
    pub fn new_uac(request: &Request, response: &Response) -> Result<Dialog, DialogError> {
        creating_method(&request.method)?;
        let state = creating_state(response.status)?;
        let from = request.from()?;
        let id = DialogId {
            call_id: call_id(request)?,
            local_tag: required_tag(&from, "From")?,
            remote_tag: required_tag(&response.to()?, "To")?,
        };
        if response.call_id() != Some(id.call_id.as_str()) {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        if response.from()?.tag() != Some(id.local_tag.as_str()) {
            return Err(DialogError::Mismatch("local tag"));
        }
        let local_seq = request.cseq()?.seq;
        if response.cseq()?.seq != local_seq {
            return Err(DialogError::Mismatch("CSeq"));
        }
        let remote_target = match contact_uri(response)? {
            Some(uri) => uri,
            None if state == DialogState::Early => request.uri.clone(),
            None => return Err(DialogError::MissingContact),
        };
        let mut route_set = record_route(response)?;
        route_set.reverse();
        Ok(Dialog {
            id,
            state,
            role: Role::Uac,
            local_uri: without_tag(from),
            remote_uri: without_tag(request.to()?),
            local_target: contact_uri(request)?.ok_or(DialogError::MissingContact)?,
            remote_target,
            route_set,
            local_seq: Some(local_seq),
            remote_seq: None,
            secure: over_tls_with_sips(request),
        })
    }

    /// Applies a later response to the request that created the dialog:
    /// one this side received as UAC, or sent as UAS.
    ///
    /// A 2xx confirms an early dialog. At the UAC it also recomputes the
    /// route set and remote target from the 2xx (RFC 3261 §13.2.2.4); once
    /// confirmed, the route set never changes (§12.2). A 1xx at the UAC
    /// refreshes the remote target of an early dialog when it has a
    /// Contact. A final non-2xx terminates an early dialog (§12.3).
    /// Responses to a terminated dialog are ignored.
    pub fn on_response(&mut self, response: &Response) -> Result<(), DialogError> {
        let id = match self.role {
            Role::Uac => DialogId::of_response_as_uac(response)?,
            Role::Uas => DialogId::of_response_as_uas(response)?,
        };
        self.id.expect(&id)?;
        let status = response.status;
        match self.state {
            DialogState::Terminated | DialogState::Confirmed => {}
            DialogState::Early if status.is_success() => {
                if self.role == Role::Uac {
                    let target = contact_uri(response)?.ok_or(DialogError::MissingContact)?;
                    let mut route_set = record_route(response)?;
                    route_set.reverse();
                    self.remote_target = target;
                    self.route_set = route_set;
                }
                self.state = DialogState::Confirmed;
            }
            DialogState::Early if status.is_final() => self.state = DialogState::Terminated,
            DialogState::Early => {
                if self.role == Role::Uac
                    && let Some(target) = contact_uri(response)?
                {
                    self.remote_target = target;
                }
            }
        }
        Ok(())
    }
}

/// Accepts the methods that create dialogs: INVITE (RFC 3261 §12.1),
/// SUBSCRIBE (RFC 6665) and REFER (RFC 3515).
fn creating_method(method: &Method) -> Result<(), DialogError> {
    match method {
        Method::Invite | Method::Subscribe | Method::Refer => Ok(()),
        other => Err(DialogError::NotDialogCreating(other.clone())),
    }
}

/// The state a dialog-creating response gives: early for 101-199,
/// confirmed for 2xx (RFC 3261 §12.1). A 100 never creates a dialog.
fn creating_state(status: StatusCode) -> Result<DialogState, DialogError> {
    match status.as_u16() {
        101..=199 => Ok(DialogState::Early),
        200..=299 => Ok(DialogState::Confirmed),
        code => Err(DialogError::NotDialogResponse(code)),
    }
}

/// Every Record-Route value in order, parameters kept (RFC 3261 §12.1.1).
pub(super) fn record_route(message: &impl SipMessage) -> Result<Vec<NameAddr>, DialogError> {
    message
        .headers()
        .values(&HeaderName::RecordRoute)
        .map(|v| NameAddr::parse("Record-Route", v).map_err(DialogError::from))
        .collect()
}

/// The From or To without its tag: the local or remote URI of RFC 3261
/// §12.1.1, display name and other parameters kept.
fn without_tag(mut addr: NameAddr) -> NameAddr {
    addr.params.remove("tag");
    addr
}

/// Whether the request went over TLS with a SIPS Request-URI, which makes
/// the dialog secure (RFC 3261 §12.1.1, §12.1.2). The hop's transport is
/// read from the top Via, which names the transport the request was sent
/// over (§18.1.1); WSS counts as TLS (RFC 7118).
fn over_tls_with_sips(request: &Request) -> bool {
    let sips = matches!(&request.uri, Uri::Sip(u) if u.secure);
    sips && request
        .top_via()
        .is_ok_and(|v| matches!(v.transport.as_str(), "TLS" | "WSS"))
}
