//! E-mail of Switchboard: the messages the portals send (welcome with a
//! temporary password, SPEC A16; password-recovery link, SPEC A1; a
//! password set by the admin, SPEC A15) and the voicemail notification
//! with its MP3 attached (SPEC T7, U6) in French and English, and a
//! [`Mailer`] that delivers them.
//!
//! Delivery goes through SMTP when `smtp_url` is configured; otherwise each
//! message is written as an RFC 5322 `.eml` file into an outbox directory,
//! so a fresh installation works without a mail server and an operator can
//! read what would have been sent.

mod templates;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use templates::{
    PasswordSet, VoicemailNotice, account_ready, password_reset, password_set_by_admin,
    voicemail_notification, welcome,
};

/// A message ready to send: recipient, subject, plain-text body and any
/// attached files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Files sent along (`multipart/mixed`); none: a plain-text message.
    pub attachments: Vec<Attachment>,
}

/// A file attached to an [`Email`].
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient's mail program offers to save it as.
    pub filename: String,
    /// Its MIME type, e.g. `audio/mpeg`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes would flood logs; their count says enough.
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
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
    /// An attachment's MIME type is not a valid `type/subtype`.
    #[error("invalid attachment content type {0:?}")]
    ContentType(String),
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
        let message = self.message(email)?;
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
        tracing::info!(
            to = %email.to,
            subject = %email.subject,
            attachments = email.attachments.len(),
            "e-mail sent"
        );
        Ok(())
    }

    /// The RFC 5322 message of `email`: a single text part, or, with
    /// attachments, `multipart/mixed` with the text first and each file
    /// after it (lettre encodes binary files in base64).
    fn message(&self, email: &Email) -> Result<Message, MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str());
        if email.attachments.is_empty() {
            return Ok(builder
                .header(ContentType::TEXT_PLAIN)
                .body(email.body.clone())?);
        }
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(email.body.clone()));
        for file in &email.attachments {
            let content_type = ContentType::parse(&file.content_type)
                .map_err(|_| MailError::ContentType(file.content_type.clone()))?;
            parts = parts.singlepart(
                lettre::message::Attachment::new(file.filename.clone())
                    .body(file.bytes.clone(), content_type),
            );
        }
        Ok(builder.multipart(parts)?)
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

    fn voicemail(language: Language, mp3: Option<&[u8]>) -> Email {
        let paris = domain::TimeZone::parse("Europe/Paris").unwrap();
        voicemail_notification(
            language,
            "alice@example.fr",
            &VoicemailNotice {
                caller_number: "+33612345678",
                caller_name: Some("Jean Dupont"),
                received_at: domain::UnixMillis::from_millis(1_796_595_000_000),
                time_zone: &paris,
                duration_ms: 3_000,
                mp3,
            },
        )
    }

    /// The base64 body of the part whose headers contain `marker`.
    fn part_body(text: &str, marker: &str) -> Vec<u8> {
        use base64::Engine as _;
        let start = text.find(marker).expect("the part");
        let rest = &text[start..];
        let body_start = rest.find("\r\n\r\n").expect("part headers end") + 4;
        let body: String = rest[body_start..]
            .lines()
            .take_while(|l| !l.starts_with("--"))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .expect("base64")
    }

    #[test]
    fn an_attachment_makes_a_mixed_message_with_the_text_then_the_file() {
        let mailer = Mailer::new(None, "noreply@switchboard.test", PathBuf::new()).unwrap();
        let mp3: Vec<u8> = (0..=255u8).cycle().take(3_000).collect();
        for (language, subject) in [
            (Language::Fr, "Nouveau message vocal de Jean Dupont"),
            (Language::En, "New voicemail from Jean Dupont"),
        ] {
            let email = voicemail(language, Some(&mp3));
            let text = String::from_utf8(mailer.message(&email).unwrap().formatted()).unwrap();
            assert!(text.contains("Content-Type: multipart/mixed"), "{text}");
            assert!(text.contains(subject), "{text}");
            assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
            assert!(text.contains("Content-Type: audio/mpeg"));
            assert!(text.contains(
                "Content-Disposition: attachment; filename=\"message-20261206-2310.mp3\""
            ));
            assert!(text.contains("Content-Transfer-Encoding: base64"));
            assert!(
                text.find("text/plain").unwrap() < text.find("audio/mpeg").unwrap(),
                "the text comes first"
            );
            assert_eq!(part_body(&text, "Content-Type: audio/mpeg"), mp3);
        }
    }

    #[test]
    fn without_attachments_the_message_stays_a_single_text_part() {
        let mailer = Mailer::new(None, "noreply@switchboard.test", PathBuf::new()).unwrap();
        let text = String::from_utf8(
            mailer
                .message(&voicemail(Language::Fr, None))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(!text.contains("multipart"), "{text}");
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
    }

    #[tokio::test]
    async fn the_outbox_keeps_attachments() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(None, "noreply@switchboard.test", dir.path().into()).unwrap();
        mailer
            .send(&voicemail(Language::En, Some(b"\xFF\xF3mp3 bytes")))
            .await
            .unwrap();
        let path = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            part_body(&text, "Content-Type: audio/mpeg"),
            b"\xFF\xF3mp3 bytes"
        );
    }

    #[test]
    fn a_bad_attachment_type_is_refused() {
        let mailer = Mailer::new(None, "noreply@switchboard.test", PathBuf::new()).unwrap();
        let mut email = voicemail(Language::Fr, Some(b"x"));
        email.attachments[0].content_type = "not a type".into();
        assert!(matches!(
            mailer.message(&email),
            Err(MailError::ContentType(_))
        ));
    }
}
