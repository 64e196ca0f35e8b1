//! Dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE,
//! SUBSCRIBE or REFER sets up, and the state needed to send and check
//! requests inside it.
//!
//! Nothing here does I/O, reads a clock or draws random numbers. Tags and
//! Call-IDs arrive inside the messages the caller builds, and requests come
//! out without a Via: the transaction layer owns the branch, so the caller
//! puts the Via on top with [`Headers::push_front`](crate::Headers::push_front)
//! before sending (RFC 3261 §8.1.1.7).
//!
//! A UAS builds its dialog with [`Dialog::new_uas`] from the request and the
//! response it sends. A UAC feeds every response to its INVITE into a
//! [`DialogSet`], which keeps one dialog per To tag because a forking proxy
//! can create several (RFC 3261 §12.1.2, §13.2.2.4).

mod create;
mod request;
mod set;

pub use set::DialogSet;

use crate::headers::{HeaderError, NameAddr};
use crate::message::{Response, SipMessage};
use crate::method::Method;
use crate::{Request, Uri};

/// The largest CSeq number plus one: sequence numbers stay below 2^31
/// (RFC 3261 §8.1.1.5).
const CSEQ_LIMIT: u32 = 1 << 31;

/// What identifies a dialog at one end (RFC 3261 §12): the Call-ID and
/// the two tags, seen from this side.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId {
    pub call_id: String,
    /// The tag this side chose.
    pub local_tag: String,
    /// The peer's tag; empty when an RFC 2543 peer sent none (RFC 3261
    /// §12.1.1).
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog a received request belongs to, this side being its UAS:
    /// the local tag is the To tag and the remote tag the From tag (RFC
    /// 3261 §12.2.2). A request whose To has no tag is outside any dialog
    /// and gives [`DialogError::MissingTag`]; a From without a tag gives an
    /// empty remote tag, as RFC 2543 peers send (RFC 3261 §12.1.1).
    pub fn of_request_as_uas(request: &Request) -> Result<DialogId, DialogError> {
        let to = request.to()?;
        let from = request.from()?;
        Ok(DialogId {
            call_id: call_id(request)?,
            local_tag: required_tag(&to, "To")?,
            remote_tag: from.tag().unwrap_or_default().to_owned(),
        })
    }

    /// The dialog a received response belongs to, this side being its UAC:
    /// the local tag is the From tag and the remote tag the To tag (RFC
    /// 3261 §12.1.2). Both tags are required.
    pub fn of_response_as_uac(response: &Response) -> Result<DialogId, DialogError> {
        Ok(DialogId {
            call_id: call_id(response)?,
            local_tag: required_tag(&response.from()?, "From")?,
            remote_tag: required_tag(&response.to()?, "To")?,
        })
    }

    /// The dialog of a response this side sends as UAS: the local tag is
    /// the To tag and the remote tag the From tag.
    fn of_response_as_uas(response: &Response) -> Result<DialogId, DialogError> {
        Ok(DialogId {
            call_id: call_id(response)?,
            local_tag: required_tag(&response.to()?, "To")?,
            remote_tag: response.from()?.tag().unwrap_or_default().to_owned(),
        })
    }

    /// Checks that `other` names the same dialog, naming the first part
    /// that differs.
    fn expect(&self, other: &DialogId) -> Result<(), DialogError> {
        if self.call_id != other.call_id {
            Err(DialogError::Mismatch("Call-ID"))
        } else if self.local_tag != other.local_tag {
            Err(DialogError::Mismatch("local tag"))
        } else if self.remote_tag != other.remote_tag {
            Err(DialogError::Mismatch("remote tag"))
        } else {
            Ok(())
        }
    }
}

/// Why a message cannot create, update or be sent in a dialog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    /// A From, To, Call-ID, CSeq, Contact or Record-Route value does not
    /// parse; a server answers 400 (RFC 3261 §8.2).
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The message has no Call-ID (RFC 3261 §8.1.1.4 makes it mandatory).
    #[error("no Call-ID header")]
    MissingCallId,
    /// The named header (From or To) has no tag where a dialog needs one:
    /// a response creating a dialog carries a To tag (RFC 3261 §12.1), and
    /// a request inside a dialog carries one too (§12.2.1.1).
    #[error("the {header} header has no tag")]
    MissingTag { header: &'static str },
    /// A dialog-creating request or 2xx has no Contact, which RFC 3261
    /// §12.1.1 and §12.1.2 require for the remote target.
    #[error("no Contact header to take the remote target from")]
    MissingContact,
    /// The Contact is `*` or holds several values, where a dialog needs
    /// exactly one URI (RFC 3261 §8.1.1.8).
    #[error("the Contact header must hold exactly one URI")]
    InvalidContact,
    /// The request's method does not create dialogs: RFC 3261 §12.1 names
    /// INVITE, and RFC 6665 and RFC 3515 add SUBSCRIBE and REFER.
    #[error("{0} does not create a dialog")]
    NotDialogCreating(Method),
    /// Only 101 to 299 responses with a To tag create a dialog (RFC 3261
    /// §12.1); this status does not.
    #[error("a {0} response does not create a dialog")]
    NotDialogResponse(u16),
    /// The request already carries a To tag, so it is sent inside an
    /// existing dialog rather than creating one (RFC 3261 §12.2).
    #[error("the request already belongs to a dialog")]
    AlreadyInDialog,
    /// The message belongs to another dialog or transaction: the named
    /// part (Call-ID, a tag, CSeq) differs.
    #[error("the message does not match the dialog: its {0} differs")]
    Mismatch(&'static str),
    /// A request's CSeq is lower than the last one received in the dialog;
    /// the UAS answers 500 (RFC 3261 §12.2.2).
    #[error("CSeq {received} is lower than the last one received, {last}")]
    CSeqOutOfOrder { received: u32, last: u32 },
    /// The local CSeq would reach 2^31 (RFC 3261 §8.1.1.5): the dialog
    /// cannot send any more requests.
    #[error("the local CSeq is exhausted")]
    CSeqExhausted,
    /// ACK and CANCEL reuse the CSeq number of the INVITE they belong to
    /// (RFC 3261 §9.1, §13.2.2.4): build an ACK for a 2xx with
    /// [`Dialog::ack_for`]; a CANCEL copies the request it cancels and is
    /// the transaction layer's to build.
    #[error("{0} reuses the CSeq of the INVITE; it is not built by Dialog::request")]
    SequenceReused(Method),
    /// The callee must not send BYE on an early dialog (RFC 3261 §15).
    #[error("the callee cannot send BYE on an early dialog")]
    ByeOnEarlyDialog,
    /// The dialog is over and sends no more requests (RFC 3261 §12.3).
    #[error("the dialog is terminated")]
    Terminated,
}

/// Where a dialog stands (RFC 3261 §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogState {
    /// Created by a provisional response (RFC 3261 §12.1).
    Early,
    /// Created or confirmed by a 2xx (RFC 3261 §12.1, §13.2.2.4).
    Confirmed,
    /// Ended by a BYE, or an early dialog whose INVITE failed (§12.3).
    Terminated,
}

/// Which side of the dialog-creating transaction this end was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// This side sent the request that created the dialog.
    Uac,
    /// This side answered it.
    Uas,
}

/// The state of one dialog as RFC 3261 §12 lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    id: DialogId,
    state: DialogState,
    role: Role,
    local_uri: NameAddr,
    remote_uri: NameAddr,
    local_target: Uri,
    remote_target: Uri,
    route_set: Vec<NameAddr>,
    local_seq: Option<u32>,
    remote_seq: Option<u32>,
    secure: bool,
}

impl Dialog {
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    pub fn state(&self) -> DialogState {
        self.state
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// This side's address of record: From or To without the tag.
    pub fn local_uri(&self) -> &NameAddr {
        &self.local_uri
    }

    /// The peer's address of record: From or To without the tag.
    pub fn remote_uri(&self) -> &NameAddr {
        &self.remote_uri
    }

    /// This side's Contact URI, sent in the Contact of requests.
    pub fn local_target(&self) -> &Uri {
        &self.local_target
    }

    /// The peer's Contact URI, where requests in the dialog go.
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The proxies requests traverse, first hop first, with their
    /// parameters (RFC 3261 §12.1.1, §12.1.2).
    pub fn route_set(&self) -> &[NameAddr] {
        &self.route_set
    }

    /// The CSeq number of the last request this side sent; `None` until a
    /// UAS sends its first one (RFC 3261 §12.1.1).
    pub fn local_seq(&self) -> Option<u32> {
        self.local_seq
    }

    /// The CSeq number of the last request received; `None` until the UAC
    /// receives its first one (RFC 3261 §12.1.2).
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// Whether the dialog was created over TLS with a SIPS Request-URI
    /// (RFC 3261 §12.1.1).
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Ends the dialog, once a BYE was sent or received or the usage is
    /// over (RFC 3261 §15).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }
}

/// The Call-ID of a message, which every message has (RFC 3261 §8.1.1.4).
fn call_id(message: &impl SipMessage) -> Result<String, DialogError> {
    message
        .call_id()
        .map(str::to_owned)
        .ok_or(DialogError::MissingCallId)
}

/// The tag of a From or To that must have one.
fn required_tag(addr: &NameAddr, header: &'static str) -> Result<String, DialogError> {
    addr.tag()
        .map(str::to_owned)
        .ok_or(DialogError::MissingTag { header })
}

/// Whether a request updates the remote target: INVITE (RFC 3261 §12.2),
/// UPDATE (RFC 3311 §5.1), and SUBSCRIBE and NOTIFY (RFC 6665).
fn is_target_refresh(method: &Method) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify
    )
}

/// The URI of the one Contact value, `None` when there is no Contact.
fn contact_uri(message: &impl SipMessage) -> Result<Option<Uri>, DialogError> {
    let mut values = message.headers().values(&crate::HeaderName::Contact);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() || first.trim_matches([' ', '\t']) == "*" {
        return Err(DialogError::InvalidContact);
    }
    Ok(Some(NameAddr::parse("Contact", first)?.uri))
}

#[cfg(test)]
mod tests;
