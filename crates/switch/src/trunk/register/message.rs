//! The REGISTER a trunk sends, and what the carrier granted.

use sip::auth::answer;
use sip::{Contact, HeaderName, Method, Request, Response, Uri};

use super::Registration;
use crate::transport::Kind;

impl Registration {
    /// The REGISTER: `sip:HOST` for the carrier's registrar, the trunk's
    /// user at the carrier's host as To and From, the switch as Contact.
    pub(super) fn request(
        &mut self,
        sent_by: &str,
        branch: &str,
        cnonce: &str,
    ) -> Result<Request, sip::UriError> {
        let t = &self.trunk;
        let creds = t
            .credentials
            .as_ref()
            .expect("only trunks with credentials register");
        let host = if t.host.contains(':') && !t.host.starts_with('[') {
            format!("[{}]", t.host)
        } else {
            t.host.clone()
        };
        let param = match t.kind {
            Kind::Tcp => ";transport=tcp",
            Kind::Tls => ";transport=tls",
            _ => "",
        };
        let uri_text = format!("sip:{host}{param}");
        let mut r = Request::new(Method::Register, Uri::parse(&uri_text)?);
        let h = &mut r.headers;
        h.push(
            HeaderName::Via,
            format!(
                "SIP/2.0/{} {sent_by};branch={branch};rport",
                t.kind.via_token()
            ),
        );
        h.push(HeaderName::MaxForwards, "70");
        let aor = format!("<sip:{}@{host}>", creds.username);
        h.push(HeaderName::From, format!("{aor};tag={}", self.from_tag));
        h.push(HeaderName::To, aor);
        h.push(HeaderName::CallId, self.call_id.clone());
        h.push(HeaderName::CSeq, format!("{} REGISTER", self.cseq));
        h.push(
            HeaderName::Contact,
            format!("<sip:{}@{sent_by}{param}>", creds.username),
        );
        h.push(HeaderName::Expires, self.expires.to_string());
        h.push(HeaderName::Allow, crate::endpoint::ALLOW);
        if let Some((challenge, proxy)) = &self.challenge {
            self.nc += 1;
            let credentials = answer(
                challenge,
                &creds.username,
                &creds.password,
                "REGISTER",
                &uri_text,
                cnonce,
                self.nc,
            );
            let name = if *proxy {
                HeaderName::ProxyAuthorization
            } else {
                HeaderName::Authorization
            };
            h.push(name, credentials.to_string());
        }
        Ok(r)
    }
}

/// The time the carrier granted (RFC 3261 §10.2.4): the `expires` of the
/// first Contact that has one, else the Expires header, else what was
/// asked.
pub(super) fn granted_expires(response: &Response, asked: u32) -> u32 {
    response
        .headers
        .values(&HeaderName::Contact)
        .filter_map(|v| Contact::parse(v).ok())
        .find_map(|c| c.expires())
        .or_else(|| {
            response
                .headers
                .get(&HeaderName::Expires)
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(asked)
}
