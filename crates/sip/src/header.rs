//! Header fields kept in arrival order with their values as received
//! (unfolded), and names recognised in long and compact form (RFC 3261
//! §7.3.3). Typed views live in `crate::headers`.

use std::fmt;

use crate::syntax::split_commas;

macro_rules! header_names {
    ($( $variant:ident => $long:literal $(, $compact:literal)? ;)*) => {
        /// A header field name. Names the switch knows are variants; any
        /// other is kept as written.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum HeaderName {
            $( $variant, )*
            /// An extension header, spelled as received.
            Other(String),
        }

        impl HeaderName {
            /// Recognises a name case-insensitively, compact forms included.
            pub fn parse(name: &str) -> HeaderName {
                $(
                    if name.eq_ignore_ascii_case($long) $(|| name.eq_ignore_ascii_case($compact))? {
                        return HeaderName::$variant;
                    }
                )*
                HeaderName::Other(name.to_owned())
            }

            /// The long form, or the extension name as received.
            pub fn as_str(&self) -> &str {
                match self {
                    $( HeaderName::$variant => $long, )*
                    HeaderName::Other(n) => n,
                }
            }
        }
    };
}

header_names! {
    Accept => "Accept";
    AcceptContact => "Accept-Contact", "a";
    AcceptEncoding => "Accept-Encoding";
    AcceptLanguage => "Accept-Language";
    AlertInfo => "Alert-Info";
    Allow => "Allow";
    AllowEvents => "Allow-Events", "u";
    AuthenticationInfo => "Authentication-Info";
    Authorization => "Authorization";
    CallId => "Call-ID", "i";
    CallInfo => "Call-Info";
    Contact => "Contact", "m";
    ContentDisposition => "Content-Disposition";
    ContentEncoding => "Content-Encoding", "e";
    ContentLanguage => "Content-Language";
    ContentLength => "Content-Length", "l";
    ContentType => "Content-Type", "c";
    CSeq => "CSeq";
    Date => "Date";
    ErrorInfo => "Error-Info";
    Event => "Event", "o";
    Expires => "Expires";
    From => "From", "f";
    InReplyTo => "In-Reply-To";
    MaxForwards => "Max-Forwards";
    MinExpires => "Min-Expires";
    MimeVersion => "MIME-Version";
    Organization => "Organization";
    Path => "Path";
    Priority => "Priority";
    ProxyAuthenticate => "Proxy-Authenticate";
    ProxyAuthorization => "Proxy-Authorization";
    ProxyRequire => "Proxy-Require";
    RAck => "RAck";
    RecordRoute => "Record-Route";
    ReferTo => "Refer-To", "r";
    ReferredBy => "Referred-By", "b";
    ReplyTo => "Reply-To";
    Require => "Require";
    RetryAfter => "Retry-After";
    Route => "Route";
    RSeq => "RSeq";
    Server => "Server";
    SessionExpires => "Session-Expires", "x";
    Subject => "Subject", "s";
    SubscriptionState => "Subscription-State";
    Supported => "Supported", "k";
    Timestamp => "Timestamp";
    To => "To", "t";
    Unsupported => "Unsupported";
    UserAgent => "User-Agent";
    Via => "Via", "v";
    Warning => "Warning";
    WwwAuthenticate => "WWW-Authenticate";
}

impl HeaderName {
    /// Whether several values of this header may share one line, separated
    /// by commas (RFC 3261 §7.3.1). Authentication headers and those whose
    /// values hold free text or dates may not be split.
    pub fn is_list(&self) -> bool {
        use HeaderName::*;
        matches!(
            self,
            Accept
                | AcceptContact
                | AcceptEncoding
                | AcceptLanguage
                | AlertInfo
                | Allow
                | AllowEvents
                | CallInfo
                | Contact
                | ContentEncoding
                | ContentLanguage
                | ErrorInfo
                | InReplyTo
                | Path
                | ProxyRequire
                | RecordRoute
                | Require
                | Route
                | Supported
                | Unsupported
                | Via
                | Warning
        )
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header line: its name and its value (unfolded, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: HeaderName,
    pub value: String,
}

/// Every header of a message, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// Appends a header line.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a header line before all others (a proxy's Via, say).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// The value of the first line named `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// Every line named `name`, as written.
    pub fn lines<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// Every value named `name`: list headers are split at top-level
    /// commas, across all their lines.
    pub fn values<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        let list = name.is_list();
        self.lines(name).flat_map(move |line| {
            let mut single = Some(line);
            let mut parts = list.then(|| split_commas(line));
            std::iter::from_fn(move || match &mut parts {
                Some(p) => p.next(),
                None => single.take(),
            })
        })
    }

    /// How many lines are named `name`.
    pub fn count(&self, name: &HeaderName) -> usize {
        self.0.iter().filter(|h| &h.name == name).count()
    }

    /// Removes every line named `name`.
    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| &h.name != name);
    }

    /// Replaces the lines named `name` with one line holding `value`, at
    /// the place of the first one (or at the end).
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name == name) {
            Some(i) => {
                self.0[i].value = value;
                let mut seen = false;
                self.0.retain(|h| {
                    if h.name != name {
                        return true;
                    }
                    let keep = !seen;
                    seen = true;
                    keep
                });
            }
            None => self.push(name, value),
        }
    }

    /// Removes the first value of the first line named `name` (the top Via
    /// when a response goes upstream, RFC 3261 §18.1.2).
    pub fn pop_first_value(&mut self, name: &HeaderName) {
        let Some(i) = self.0.iter().position(|h| &h.name == name) else {
            return;
        };
        let line = &self.0[i].value;
        let mut parts = split_commas(line);
        parts.next();
        let rest: Vec<&str> = parts.collect();
        if rest.is_empty() {
            self.0.remove(i);
        } else {
            self.0[i].value = rest.join(", ");
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_odd_case_names_are_recognised() {
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("cAlL-iD"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("l"), HeaderName::ContentLength);
        assert_eq!(
            HeaderName::parse("NewFangledHeader"),
            HeaderName::Other("NewFangledHeader".into())
        );
    }

    #[test]
    fn list_values_are_split_across_lines_but_auth_values_are_not() {
        let mut h = Headers::new();
        h.push(
            HeaderName::Via,
            "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b",
        );
        h.push(HeaderName::Via, "SIP/2.0/TCP c");
        h.push(
            HeaderName::Authorization,
            "Digest username=\"a\", realm=\"b\"",
        );
        assert_eq!(h.values(&HeaderName::Via).count(), 3);
        assert_eq!(h.values(&HeaderName::Authorization).count(), 1);
    }

    #[test]
    fn popping_the_top_via_keeps_the_rest_in_order() {
        let mut h = Headers::new();
        h.push(HeaderName::Via, "SIP/2.0/UDP a, SIP/2.0/UDP b");
        h.push(HeaderName::Via, "SIP/2.0/UDP c");
        h.pop_first_value(&HeaderName::Via);
        assert_eq!(
            h.values(&HeaderName::Via).collect::<Vec<_>>(),
            vec!["SIP/2.0/UDP b", "SIP/2.0/UDP c"]
        );
        h.pop_first_value(&HeaderName::Via);
        assert_eq!(
            h.lines(&HeaderName::Via).collect::<Vec<_>>(),
            vec!["SIP/2.0/UDP c"]
        );
    }

    #[test]
    fn set_replaces_all_lines_in_place() {
        let mut h = Headers::new();
        h.push(HeaderName::Expires, "10");
        h.push(HeaderName::To, "<sip:a@b>");
        h.push(HeaderName::Expires, "20");
        h.set(HeaderName::Expires, "30");
        let names: Vec<_> = h.iter().map(|x| x.name.as_str().to_owned()).collect();
        assert_eq!(names, vec!["Expires", "To"]);
        assert_eq!(h.get(&HeaderName::Expires), Some("30"));
    }
}
