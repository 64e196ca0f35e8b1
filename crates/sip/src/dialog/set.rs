//! The dialogs one INVITE creates at the UAC: a forking proxy can return
//! provisional and 2xx responses from several UASs, each with its own To
//! tag and so its own dialog (RFC 3261 §12.1.2, §13.2.2.4).

use std::collections::BTreeMap;

use super::{Dialog, DialogError, DialogId, DialogState, call_id};
use crate::message::{Request, Response, SipMessage};

/// Every dialog created by the responses to one dialog-creating request,
/// keyed by the To tag of the response that created it.
#[derive(Debug, Clone)]
pub struct DialogSet {
    request: Request,
    call_id: String,
    local_tag: String,
    seq: u32,
    dialogs: BTreeMap<String, Dialog>,
}

impl DialogSet {
    /// A set for `request`, the INVITE (or SUBSCRIBE, REFER) this side sent
    /// outside any dialog. It needs a Call-ID, a From tag and a CSeq to
    /// match responses to it (RFC 3261 §8.1.1).
    pub fn new(request: Request) -> Result<DialogSet, DialogError> {
        let call_id = call_id(&request)?;
        let local_tag = super::required_tag(&request.from()?, "From")?;
        let seq = request.cseq()?.seq;
        Ok(DialogSet {
            request,
            call_id,
            local_tag,
            seq,
            dialogs: BTreeMap::new(),
        })
    }

    /// The request the dialogs came from.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Applies a response to the request and returns the dialog it created
    /// or updated.
    ///
    /// A 101-199 with a To tag creates an early dialog for a new tag, or
    /// refreshes the one it has (RFC 3261 §12.1.2). A 2xx confirms the
    /// early dialog with its To tag, or creates a confirmed one: each 2xx
    /// from a different fork is a dialog of its own that the caller ACKs
    /// and may end with BYE (§13.2.2.4). A final non-2xx terminates every
    /// early dialog (§12.3) and returns `None`, as does a 1xx without a To
    /// tag, which creates nothing. A response to another request gives
    /// [`DialogError::Mismatch`]; a 2xx without a To tag gives
    /// [`DialogError::MissingTag`].
    pub fn on_response(&mut self, response: &Response) -> Result<Option<&Dialog>, DialogError> {
        if response.call_id() != Some(self.call_id.as_str()) {
            return Err(DialogError::Mismatch("Call-ID"));
        }
        if response.from()?.tag() != Some(self.local_tag.as_str()) {
            return Err(DialogError::Mismatch("local tag"));
        }
        if response.cseq()?.seq != self.seq {
            return Err(DialogError::Mismatch("CSeq"));
        }
        let status = response.status;
        if status.is_final() && !status.is_success() {
            for dialog in self.dialogs.values_mut() {
                if dialog.state() == DialogState::Early {
                    dialog.terminate();
                }
            }
            return Ok(None);
        }
        if status.as_u16() == 100 || (!status.is_success() && response.to()?.tag().is_none()) {
            return Ok(None);
        }
        let DialogId { remote_tag, .. } = DialogId::of_response_as_uac(response)?;
        if let Some(dialog) = self.dialogs.get_mut(&remote_tag) {
            dialog.on_response(response)?;
        } else {
            let dialog = Dialog::new_uac(&self.request, response)?;
            self.dialogs.insert(remote_tag.clone(), dialog);
        }
        Ok(self.dialogs.get(&remote_tag))
    }

    /// The dialog created by the response with To tag `to_tag`.
    pub fn get(&self, to_tag: &str) -> Option<&Dialog> {
        self.dialogs.get(to_tag)
    }

    /// The dialog with To tag `to_tag`, to send requests in.
    pub fn get_mut(&mut self, to_tag: &str) -> Option<&mut Dialog> {
        self.dialogs.get_mut(to_tag)
    }

    /// Takes the dialog with To tag `to_tag` out of the set, once the call
    /// settles on it.
    pub fn remove(&mut self, to_tag: &str) -> Option<Dialog> {
        self.dialogs.remove(to_tag)
    }

    /// Every dialog, in To tag order.
    pub fn dialogs(&self) -> impl Iterator<Item = &Dialog> {
        self.dialogs.values()
    }

    /// The dialogs a 2xx confirmed (more than one when several forks
    /// answered, RFC 3261 §13.2.2.4).
    pub fn confirmed(&self) -> impl Iterator<Item = &Dialog> {
        self.dialogs
            .values()
            .filter(|d| d.state() == DialogState::Confirmed)
    }

    pub fn len(&self) -> usize {
        self.dialogs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dialogs.is_empty()
    }
}
