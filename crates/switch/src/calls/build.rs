//! The messages the call engine writes: the INVITE to each fork, CANCEL,
//! Via and Contact of the switch, SDP bodies, and the few headers it
//! reads (Session-Expires, Supported).

use media::sdp::{Codec, Format, SessionDescription};
use sip::{HeaderName, Method, Request, Response, SipMessage, Uri};

use super::route::{Dest, Fork};
use crate::dialplan::Party;
use crate::transport::Kind;

/// The INVITE to one fork: a new dialog on the B side (own Call-ID and
/// From tag shared by every fork), the caller shown by name and number.
#[expect(clippy::too_many_arguments, reason = "one INVITE, its parts named")]
pub fn fork_invite(
    a: &Request,
    fork: &Fork,
    sent_by: &str,
    branch: &str,
    domain: &str,
    caller: &Party,
    callee: &Party,
    call_id: &str,
    from_tag: &str,
    cseq: u32,
    sdp: Vec<u8>,
) -> Request {
    let uri = Uri::parse(&fork.contact).unwrap_or_else(|_| a.uri.clone());
    let mut r = Request::new(Method::Invite, uri);
    push_via(&mut r, sent_by, fork.kind, branch);
    let hops = a
        .headers
        .get(&HeaderName::MaxForwards)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(70)
        .saturating_sub(1);
    r.headers.push(HeaderName::MaxForwards, hops.to_string());
    match &fork.dest {
        Dest::Trunk { host, format, .. } => {
            // The carrier sees the caller's public number, asserted (RFC
            // 3325), and the number called as it wants it written.
            let shown = caller
                .public
                .as_ref()
                .map_or_else(|| caller.number.clone(), |n| format.format(n));
            r.headers.push(
                HeaderName::From,
                format!(
                    "{} <sip:{shown}@{host}>;tag={from_tag}",
                    quoted(&caller.name)
                ),
            );
            let to_user = match &Uri::parse(&fork.contact) {
                Ok(Uri::Sip(u)) => u.user_unescaped().unwrap_or_default(),
                _ => callee.number.clone(),
            };
            r.headers
                .push(HeaderName::To, format!("<sip:{to_user}@{host}>"));
            r.headers.push(
                HeaderName::Other("P-Asserted-Identity".into()),
                format!("<sip:{shown}@{host}>"),
            );
            if let Some(by) = &fork.diverted_by {
                r.headers.push(
                    HeaderName::Other("Diversion".into()),
                    format!("<sip:{}@{host}>;reason=unconditional", format.format(by)),
                );
            }
        }
        Dest::Device(_) => {
            r.headers.push(
                HeaderName::From,
                format!(
                    "{} <sip:{}@{domain}>;tag={from_tag}",
                    quoted(&caller.name),
                    caller.number
                ),
            );
            r.headers
                .push(HeaderName::To, format!("<sip:{}@{domain}>", callee.number));
            if let Some(by) = &fork.diverted_by {
                r.headers.push(
                    HeaderName::Other("Diversion".into()),
                    format!("<sip:{by}@{domain}>;reason=unconditional"),
                );
            }
        }
    }
    r.headers.push(HeaderName::CallId, call_id);
    r.headers.push(HeaderName::CSeq, format!("{cseq} INVITE"));
    r.headers.push(
        HeaderName::Contact,
        format!("<sip:switch@{sent_by}{}>", transport_param(fork.kind)),
    );
    r.headers.push(HeaderName::Allow, crate::endpoint::ALLOW);
    r.headers.push(HeaderName::ContentType, "application/sdp");
    r.body = sdp;
    r
}

/// The CANCEL of an INVITE (RFC 3261 §9.1): same Request-URI, Call-ID,
/// From, To, CSeq number and top Via.
pub fn cancel_for(invite: &Request) -> Request {
    let mut c = Request::new(Method::Cancel, invite.uri.clone());
    if let Some(via) = invite.headers.values(&HeaderName::Via).next() {
        c.headers.push(HeaderName::Via, via.to_owned());
    }
    c.headers.push(HeaderName::MaxForwards, "70");
    for name in [HeaderName::From, HeaderName::To, HeaderName::CallId] {
        if let Some(v) = invite.headers.get(&name) {
            c.headers.push(name, v.to_owned());
        }
    }
    let seq = invite.cseq().map(|c| c.seq).unwrap_or(1);
    c.headers.push(HeaderName::CSeq, format!("{seq} CANCEL"));
    for route in invite.headers.lines(&HeaderName::Route) {
        c.headers.push(HeaderName::Route, route.to_owned());
    }
    c
}

/// Puts the switch's Via on top.
pub fn push_via(r: &mut Request, sent_by: &str, kind: Kind, branch: &str) {
    r.headers.push_front(
        HeaderName::Via,
        format!(
            "SIP/2.0/{} {sent_by};branch={branch};rport",
            kind.via_token()
        ),
    );
}

/// The switch's Contact on a response.
pub fn contact(r: &mut Response, sent_by: &str, kind: Kind) {
    r.headers.push(
        HeaderName::Contact,
        format!("<sip:switch@{sent_by}{}>", transport_param(kind)),
    );
}

fn transport_param(kind: Kind) -> &'static str {
    match kind {
        Kind::Udp => "",
        Kind::Tcp => ";transport=tcp",
        Kind::Tls => ";transport=tls",
        Kind::Ws | Kind::Wss => ";transport=ws",
    }
}

pub fn sdp_body(r: &mut Response, sdp: &SessionDescription) {
    r.headers.set(HeaderName::ContentType, "application/sdp");
    r.body = sdp.to_string().into_bytes();
}

pub fn sdp_request(r: &mut Request, sdp: &SessionDescription) {
    r.headers.set(HeaderName::ContentType, "application/sdp");
    r.body = sdp.to_string().into_bytes();
}

/// The Session-Expires asked for, in seconds (RFC 4028 §4).
pub fn session_expires(r: &Request) -> Option<u32> {
    let v = r.headers.get(&HeaderName::SessionExpires)?;
    v.split(';').next()?.trim().parse().ok()
}

/// Whether Supported (or Require) names `tag`.
pub fn supports(r: &Request, tag: &str) -> bool {
    [HeaderName::Supported, HeaderName::Require]
        .iter()
        .any(|h| {
            r.headers
                .values(h)
                .any(|v| v.trim().eq_ignore_ascii_case(tag))
        })
}

/// The format the switch offers for a codec: static payload types for
/// G.711, 96 and up for the others.
pub fn format_of(codec: Codec) -> Option<Format> {
    let pt = match codec {
        Codec::Pcmu => 0,
        Codec::Pcma => 8,
        Codec::Opus => 111,
        Codec::TelephoneEvent => return None,
    };
    Some(Format {
        pt,
        codec,
        fmtp: (codec == Codec::Opus).then(|| "useinbandfec=1".to_owned()),
    })
}

fn quoted(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}
