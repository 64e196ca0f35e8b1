//! The requests and bodies of message waiting: the message summary (RFC
//! 3842 §5), and the NOTIFY inside a subscription or outside any dialog.

use std::fmt::Write as _;

use domain::{MessageCounts, SipUsername};
use sip::{HeaderName, Method, Request, Uri};

use super::{CONTENT_TYPE, EVENT, MAILBOX_USER, Subscription};
use crate::transport::Kind;

/// The `application/simple-message-summary` body (RFC 3842 §5.2): whether
/// messages wait, the account they wait in, and the voice messages as
/// new/old with no urgent ones counted.
pub fn summary(counts: MessageCounts, domain: &str) -> String {
    let waiting = if counts.new > 0 { "yes" } else { "no" };
    let mut body = String::with_capacity(96);
    let _ = write!(
        body,
        "Messages-Waiting: {waiting}\r\nMessage-Account: sip:{MAILBOX_USER}@{domain}\r\n\
         Voice-Message: {}/{} (0/0)\r\n",
        counts.new, counts.saved
    );
    body
}

/// The identifiers of a new request.
pub(super) struct Ids<'a> {
    pub branch: &'a str,
    pub call_id: &'a str,
    pub tag: &'a str,
}

/// A NOTIFY inside the subscription's dialog (RFC 6665 §4.2.2).
pub(super) fn in_dialog(
    sub: &Subscription,
    sent_by: &str,
    branch: &str,
    state: &str,
    body: &str,
) -> Option<Request> {
    let d = &sub.dialog;
    let mut r = Request::new(Method::Notify, Uri::parse(&d.target).ok()?);
    let h = &mut r.headers;
    h.push(HeaderName::Via, via(sent_by, d.kind, branch));
    h.push(HeaderName::MaxForwards, "70");
    h.push(
        HeaderName::From,
        format!("{};tag={}", d.local_uri, d.local_tag),
    );
    h.push(HeaderName::To, d.remote.clone());
    h.push(HeaderName::CallId, d.call_id.clone());
    h.push(HeaderName::CSeq, format!("{} NOTIFY", sub.cseq));
    h.push(HeaderName::Contact, contact(sent_by, d.kind));
    h.push(HeaderName::Event, EVENT);
    h.push(HeaderName::SubscriptionState, state);
    h.push(HeaderName::ContentType, CONTENT_TYPE);
    r.body = body.as_bytes().to_vec();
    Some(r)
}

/// A NOTIFY outside any dialog to one binding of a device that did not
/// subscribe: from the mailbox, to the device's address of record.
pub(super) fn unsolicited(
    contact_uri: &str,
    username: &SipUsername,
    domain: &str,
    sent_by: &str,
    kind: Kind,
    ids: &Ids<'_>,
    body: &str,
) -> Option<Request> {
    let mut r = Request::new(Method::Notify, Uri::parse(contact_uri).ok()?);
    let h = &mut r.headers;
    h.push(HeaderName::Via, via(sent_by, kind, ids.branch));
    h.push(HeaderName::MaxForwards, "70");
    h.push(
        HeaderName::From,
        format!("<sip:{MAILBOX_USER}@{domain}>;tag={}", ids.tag),
    );
    h.push(
        HeaderName::To,
        format!("<sip:{}@{domain}>", username.as_str()),
    );
    h.push(HeaderName::CallId, ids.call_id.to_owned());
    h.push(HeaderName::CSeq, "1 NOTIFY");
    h.push(HeaderName::Contact, contact(sent_by, kind));
    h.push(HeaderName::Event, EVENT);
    h.push(HeaderName::ContentType, CONTENT_TYPE);
    r.body = body.as_bytes().to_vec();
    Some(r)
}

fn via(sent_by: &str, kind: Kind, branch: &str) -> String {
    format!(
        "SIP/2.0/{} {sent_by};branch=z9hG4bK{branch};rport",
        kind.via_token()
    )
}

/// The switch's Contact on `kind`.
pub fn contact(sent_by: &str, kind: Kind) -> String {
    let param = match kind {
        Kind::Tcp => ";transport=tcp",
        Kind::Tls => ";transport=tls",
        Kind::Ws | Kind::Wss => ";transport=ws",
        Kind::Udp => "",
    };
    format!("<sip:switch@{sent_by}{param}>")
}

/// The transport a binding was registered over.
pub(super) fn kind_of(transport: &str) -> Option<Kind> {
    match transport {
        "udp" => Some(Kind::Udp),
        "tcp" => Some(Kind::Tcp),
        "tls" => Some(Kind::Tls),
        "ws" => Some(Kind::Ws),
        "wss" => Some(Kind::Wss),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_waiting_only_for_new_messages() {
        let none = summary(MessageCounts::default(), "pbx.example");
        assert_eq!(
            none,
            "Messages-Waiting: no\r\nMessage-Account: sip:*97@pbx.example\r\nVoice-Message: 0/0 (0/0)\r\n"
        );
        let saved = summary(MessageCounts { new: 0, saved: 4 }, "pbx.example");
        assert!(saved.starts_with("Messages-Waiting: no\r\n"));
        assert!(saved.ends_with("Voice-Message: 0/4 (0/0)\r\n"));
        let new = summary(MessageCounts { new: 3, saved: 4 }, "pbx.example");
        assert!(new.starts_with("Messages-Waiting: yes\r\n"));
        assert!(new.ends_with("Voice-Message: 3/4 (0/0)\r\n"));
    }
}
