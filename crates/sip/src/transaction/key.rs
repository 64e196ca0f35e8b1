//! Transaction identity (RFC 3261 §17.1.3 and §17.2.3).

use crate::headers::HeaderError;
use crate::message::{Request, Response, SipMessage};
use crate::method::Method;

/// Which side of a transaction this endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Client,
    Server,
}

/// Names one transaction. An ACK to a non-2xx response has the key of its
/// INVITE; a CANCEL has its own key (RFC 3261 §17.2.3, §9.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransactionKey {
    role: Role,
    method: Method,
    id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Id {
    /// RFC 3261 §17.1.3: a client matches on branch and CSeq method.
    Client { branch: String },
    /// RFC 3261 §17.2.3: a server matches on branch, sent-by and method.
    Server { branch: String, sent_by: String },
    /// RFC 3261 §17.2.3: a request from an RFC 2543 client, whose branch
    /// lacks the magic cookie, matches on these fields instead.
    Rfc2543(Box<Rfc2543Id>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Rfc2543Id {
    uri: String,
    to_tag: Option<String>,
    from_tag: Option<String>,
    call_id: String,
    cseq: u32,
    top_via: String,
}

impl TransactionKey {
    /// The key of the client transaction that sends `request`.
    pub fn client(request: &Request) -> Result<TransactionKey, HeaderError> {
        Self::client_key(request)
    }

    /// The key of the client transaction a response belongs to: its top
    /// Via branch and CSeq method (RFC 3261 §17.1.3).
    pub fn for_response(response: &Response) -> Result<TransactionKey, HeaderError> {
        Self::client_key(response)
    }

    /// The key of the server transaction a received request belongs to.
    /// An ACK gets the key of the INVITE it acknowledges; for an RFC 2543
    /// ACK the To tag must be checked separately (see
    /// [`TransactionKey::rfc2543_ack_candidates`]).
    pub fn server(request: &Request) -> Result<TransactionKey, HeaderError> {
        let via = request.top_via()?;
        let cseq = request.cseq()?;
        // RFC 3261 §17.2.3: the ACK matches the INVITE it acknowledges.
        let method = match request.method {
            Method::Ack => Method::Invite,
            ref m => m.clone(),
        };
        if via.has_rfc3261_branch() {
            let branch = via.branch().unwrap_or_default().to_owned();
            let sent_by = via.sent_by().to_ascii_lowercase();
            return Ok(TransactionKey {
                role: Role::Server,
                method,
                id: Id::Server { branch, sent_by },
            });
        }
        let call_id = request
            .call_id()
            .ok_or_else(|| HeaderError::new("Call-ID", "missing"))?;
        let id = Rfc2543Id {
            uri: request.uri.to_string(),
            to_tag: request.to()?.tag().map(str::to_owned),
            from_tag: request.from()?.tag().map(str::to_owned),
            call_id: call_id.to_owned(),
            cseq: cseq.seq,
            top_via: via.to_string(),
        };
        Ok(TransactionKey {
            role: Role::Server,
            method,
            id: Id::Rfc2543(Box::new(id)),
        })
    }

    /// For an RFC 2543 ACK, the keys its INVITE may have had: one without
    /// a To tag (an initial INVITE) and the ACK's own. The ACK matches if
    /// the transaction's response carried the ACK's To tag (RFC 3261
    /// §17.2.3). Empty for an RFC 3261 key.
    pub(crate) fn rfc2543_ack_candidates(&self) -> Vec<TransactionKey> {
        let Id::Rfc2543(id) = &self.id else {
            return Vec::new();
        };
        let mut untagged = self.clone();
        if let Id::Rfc2543(u) = &mut untagged.id {
            u.to_tag = None;
        }
        if id.to_tag.is_none() {
            vec![untagged]
        } else {
            vec![untagged, self.clone()]
        }
    }

    /// For a CANCEL's server key, the key of the INVITE it cancels (RFC
    /// 3261 §9.2); `None` for other methods.
    pub fn cancelled_invite(&self) -> Option<TransactionKey> {
        (self.method == Method::Cancel).then(|| TransactionKey {
            method: Method::Invite,
            ..self.clone()
        })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The transaction's method (INVITE for the ACK of a non-2xx).
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The branch, unless the key is an RFC 2543 one.
    pub fn branch(&self) -> Option<&str> {
        match &self.id {
            Id::Client { branch } | Id::Server { branch, .. } => Some(branch),
            Id::Rfc2543(_) => None,
        }
    }

    /// RFC 3261 §17.1.3: the top Via branch and the CSeq method.
    fn client_key(message: &impl SipMessage) -> Result<TransactionKey, HeaderError> {
        let via = message.top_via()?;
        let branch = via
            .branch()
            .ok_or_else(|| HeaderError::new("Via", "no branch"))?;
        Ok(TransactionKey {
            role: Role::Client,
            method: message.cseq()?.method,
            id: Id::Client {
                branch: branch.to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testing::request;

    #[test]
    fn cancel_has_its_own_key_but_names_the_invite_it_cancels() {
        let invite = request(Method::Invite, "z9hG4bKone");
        let cancel = request(Method::Cancel, "z9hG4bKone");
        let invite_key = TransactionKey::server(&invite).unwrap();
        let cancel_key = TransactionKey::server(&cancel).unwrap();
        assert_ne!(invite_key, cancel_key);
        assert_eq!(cancel_key.cancelled_invite(), Some(invite_key.clone()));
        assert_eq!(invite_key.cancelled_invite(), None);
    }

    #[test]
    fn ack_with_the_invite_branch_has_the_invite_key() {
        let invite = request(Method::Invite, "z9hG4bKone");
        let ack = request(Method::Ack, "z9hG4bKone");
        assert_eq!(
            TransactionKey::server(&ack).unwrap(),
            TransactionKey::server(&invite).unwrap()
        );
    }

    #[test]
    fn server_keys_differ_by_sent_by_and_client_keys_do_not() {
        let a = request(Method::Options, "z9hG4bKsame");
        let mut b = a.clone();
        b.headers.set(
            crate::HeaderName::Via,
            "SIP/2.0/UDP other.example.com;branch=z9hG4bKsame",
        );
        assert_ne!(
            TransactionKey::server(&a).unwrap(),
            TransactionKey::server(&b).unwrap()
        );
        assert_eq!(
            TransactionKey::client(&a).unwrap(),
            TransactionKey::client(&b).unwrap()
        );
    }

    #[test]
    fn branch_without_cookie_falls_back_to_rfc2543_fields() {
        let a = request(Method::Invite, "oldstyle");
        let key = TransactionKey::server(&a).unwrap();
        assert_eq!(key.branch(), None);
        let mut other_call = a.clone();
        other_call
            .headers
            .set(crate::HeaderName::CallId, "another-call");
        assert_ne!(TransactionKey::server(&other_call).unwrap(), key);
        let mut ack = a.clone();
        ack.method = Method::Ack;
        ack.headers
            .set(crate::HeaderName::To, "<sip:bob@b.example>;tag=resp");
        ack.headers.set(crate::HeaderName::CSeq, "1 ACK");
        let candidates = TransactionKey::server(&ack)
            .unwrap()
            .rfc2543_ack_candidates();
        assert_eq!(candidates[0], key);
    }
}
