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
            format!("<{}{param}>", contact_uri(self, sent_by)),
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

/// The switch's Contact URI for the trunk, without parameters.
pub(super) fn contact_uri(r: &Registration, sent_by: &str) -> String {
    let user = r
        .trunk
        .credentials
        .as_ref()
        .map_or("", |c| c.username.as_str());
    format!("sip:{user}@{sent_by}")
}

/// The time the carrier granted (RFC 3261 §10.2.4): the `expires` of our
/// Contact (`sip:USER@SENT_BY`, whatever its parameters) among the
/// bindings listed, else the Expires header, else what was asked.
pub(super) fn granted_expires(response: &Response, ours: &str, asked: u32) -> u32 {
    let is_ours = |uri: &str| {
        uri.get(..ours.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(ours))
            && matches!(uri.as_bytes().get(ours.len()), None | Some(b';'))
    };
    response
        .headers
        .values(&HeaderName::Contact)
        .filter_map(|v| match Contact::parse(v) {
            Ok(Contact::Addr(a)) => Some(a),
            _ => None,
        })
        .find(|a| is_ours(&a.uri.to_string()))
        .and_then(|a| a.params.value("expires").and_then(|v| v.parse().ok()))
        .or_else(|| {
            response
                .headers
                .get(&HeaderName::Expires)
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(asked)
}
