//! A tiny SMTP server on a thread: it says yes to everything and hands
//! each message's DATA over a channel as soon as it has it (so before the
//! client hears 250 and `Mailer::send` returns).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

pub struct SmtpSink {
    port: u16,
    mail: mpsc::Receiver<String>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("bound").port();
        let (tx, mail) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if !session(stream, &tx) {
                    return;
                }
            }
        });
        Self { port, mail }
    }

    /// The `smtp_url` of the sink.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message received, if one came.
    pub fn next(&self) -> Option<String> {
        self.mail.recv_timeout(Duration::from_secs(5)).ok()
    }

    /// A message already received, without waiting.
    pub fn already(&self) -> Option<String> {
        self.mail.try_recv().ok()
    }
}

/// Serves one connection; false once the test is gone.
fn session(stream: TcpStream, tx: &mpsc::Sender<String>) -> bool {
    let Ok(mut write) = stream.try_clone() else {
        return true;
    };
    let mut lines = BufReader::new(stream).lines();
    if write.write_all(b"220 sink ESMTP\r\n").is_err() {
        return true;
    }
    while let Some(Ok(line)) = lines.next() {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("DATA") {
            if write.write_all(b"354 go on\r\n").is_err() {
                break;
            }
            let mut data = String::new();
            for l in lines.by_ref().map_while(Result::ok) {
                if l == "." {
                    break;
                }
                // RFC 5321 §4.5.2: a leading dot was doubled.
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            if tx.send(data).is_err() {
                return false;
            }
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").ok();
            break;
        } else {
            b"250 OK\r\n"
        };
        if write.write_all(reply).is_err() {
            break;
        }
    }
    true
}
