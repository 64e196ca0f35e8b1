//! E-mail of Switchboard: the messages the portals send (welcome with a
//! temporary password, SPEC A16; password-recovery link, SPEC A1; a
//! password set by the admin, SPEC A15) in French and English, and a
//! [`Mailer`] that delivers them.
//!
//! Delivery goes through SMTP when `smtp_url` is configured; otherwise each
//! message is written as an RFC 5322 `.eml` file into an outbox directory,
//! so a fresh installation works without a mail server and an operator can
//! read what would have been sent.

mod templates;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use templates::{PasswordSet, account_ready, password_reset, password_set_by_admin, welcome};

/// A message ready to send: recipient, subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Why a message could not be built or delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The sender or recipient is not a valid mailbox.
    #[error("invalid e-mail address {0:?}")]
    Address(String),
    /// `smtp_url` could not be used (bad syntax or unsupported scheme).
    #[error("invalid smtp_url: {0}")]
    Url(String),
    /// The message could not be assembled.
    #[error("could not build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The SMTP server refused the message or could not be reached.
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The outbox file could not be written.
    #[error("could not write to the outbox {path}: {source}")]
    Outbox {
        path: PathBuf,
        source: std::io::Error,
    },
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Sends [`Email`]s from one sender address. Cheap to share behind an `Arc`.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Mailer {
    /// A mailer sending through the SMTP server at `smtp_url`
    /// (`smtp://host:port`, plain SMTP on a trusted network or a local
    /// relay), or writing to `outbox` when `smtp_url` is `None`.
    pub fn new(smtp_url: Option<&str>, from: &str, outbox: PathBuf) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_owned()))?;
        let transport = match smtp_url {
            Some(url) => {
                let (host, port) = parse_smtp_url(url)?;
                Transport::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                        .port(port)
                        .build(),
                )
            }
            None => Transport::Outbox(outbox),
        };
        Ok(Self { from, transport })
    }

    /// Where messages go, for logs: `smtp` or the outbox path.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Outbox(dir) => dir.display().to_string(),
        }
    }

    /// Delivers one message.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(dir) => {
                let millis = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                let name = format!(
                    "{millis}-{}-{}.eml",
                    std::process::id(),
                    SEQUENCE.fetch_add(1, Ordering::Relaxed)
                );
                let path = dir.join(name);
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, message.formatted()).await
                };
                write
                    .await
                    .map_err(|source| MailError::Outbox { path, source })?;
            }
        }
        tracing::info!(to = %email.to, subject = %email.subject, "e-mail sent");
        Ok(())
    }
}

/// Host and port of `smtp://host[:port]` (port 25 by default). Only plain
/// SMTP is supported: point it at a local relay (Postfix, a provider's
/// agent) that handles TLS and authentication onwards.
fn parse_smtp_url(url: &str) -> Result<(String, u16), MailError> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or_else(|| MailError::Url(format!("{url:?} must start with smtp://")))?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains(['/', '@', '?']) {
        return Err(MailError::Url(format!(
            "{url:?} must be smtp://host or smtp://host:port"
        )));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
            let port = port
                .parse()
                .map_err(|_| MailError::Url(format!("bad port in {url:?}")))?;
            Ok((host.trim_matches(['[', ']']).to_owned(), port))
        }
        _ => Ok((authority.to_owned(), 25)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Language;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    /// A minimal SMTP sink: accepts one message and returns its DATA.
    async fn smtp_sink(listener: TcpListener) -> (String, Vec<String>) {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut envelope = Vec::new();
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write.write_all(b"250 sink\r\n").await.unwrap();
            } else if upper.starts_with("MAIL") || upper.starts_with("RCPT") {
                envelope.push(line.clone());
                write.write_all(b"250 OK\r\n").await.unwrap();
            } else if upper.starts_with("DATA") {
                write.write_all(b"354 go on\r\n").await.unwrap();
                while let Some(l) = lines.next_line().await.unwrap() {
                    if l == "." {
                        break;
                    }
                    data.push_str(&l);
                    data.push('\n');
                }
                write.write_all(b"250 queued\r\n").await.unwrap();
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                write.write_all(b"250 OK\r\n").await.unwrap();
            }
        }
        (data, envelope)
    }

    #[tokio::test]
    async fn a_welcome_message_goes_through_smtp_with_headers_and_body() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = tokio::spawn(smtp_sink(listener));
        let mailer = Mailer::new(
            Some(&format!("smtp://127.0.0.1:{port}")),
            "Switchboard <noreply@switchboard.test>",
            PathBuf::from("/nonexistent"),
        )
        .unwrap();
        let email = welcome(
            Language::Fr,
            "alice@example.fr",
            "Alice",
            "Acme",
            "101",
            "Tmp-pass-1234",
            "https://pbx.example.fr/user",
        );
        mailer.send(&email).await.unwrap();
        let (data, envelope) = sink.await.unwrap();
        assert!(envelope[0].contains("<noreply@switchboard.test>"));
        assert!(envelope[1].contains("<alice@example.fr>"));
        assert!(data.contains("To: alice@example.fr"), "{data}");
        assert!(data.contains("From: Switchboard <noreply@switchboard.test>"));
        assert!(data.contains("Subject: "));
        assert!(data.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(data.contains("101"));
        assert!(data.contains("Tmp-pass-1234"));
        assert!(data.contains("https://pbx.example.fr/user"));
    }

    #[tokio::test]
    async fn without_smtp_messages_are_written_to_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let mailer = Mailer::new(None, "noreply@switchboard.test", outbox.clone()).unwrap();
        let email = password_reset(
            Language::En,
            "boss@example.fr",
            "https://pbx.example.fr/reset/abc",
        );
        mailer.send(&email).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
        assert_eq!(files.len(), 1);
        let path = files[0].as_ref().unwrap().path();
        assert_eq!(path.extension().unwrap(), "eml");
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("To: boss@example.fr"));
        assert!(text.contains("Subject: Reset your Switchboard password"));
        assert!(text.contains("https://pbx.example.fr/reset/abc"));
    }

    #[test]
    fn bad_addresses_and_urls_are_refused() {
        assert!(matches!(
            Mailer::new(None, "not an address", PathBuf::new()),
            Err(MailError::Address(_))
        ));
        assert!(matches!(
            Mailer::new(Some("ftp://x"), "a@b.fr", PathBuf::new()),
            Err(MailError::Url(_))
        ));
        assert!(matches!(
            Mailer::new(Some("smtp://relay:x"), "a@b.fr", PathBuf::new()),
            Err(MailError::Url(_))
        ));
        assert_eq!(
            parse_smtp_url("smtp://relay.example.fr").unwrap(),
            ("relay.example.fr".to_owned(), 25)
        );
        assert_eq!(
            parse_smtp_url("smtp://127.0.0.1:2525/").unwrap(),
            ("127.0.0.1".to_owned(), 2525)
        );
    }
}
