//! Voicemail audio in S3: the object store speaks to a real S3 server on
//! loopback (moto's, installed by `make test-deps`), path-style over
//! plain HTTP, as an on-site S3-compatible service would be configured.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use voicemail::{BlobError, Blobs, S3Config};

struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server runs (make test-deps installs it)");
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "moto listens");
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto { child, port }
}

/// Creates a bucket with a plain HTTP PUT (moto does not check signatures).
fn create_bucket(port: u16, bucket: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn audio_goes_to_an_s3_bucket_with_ranges_and_deletes() {
    let server = moto();
    create_bucket(server.port, "voicemail");
    let blobs = Blobs::s3(&S3Config {
        bucket: "voicemail".into(),
        endpoint: Some(format!("http://127.0.0.1:{}", server.port)),
        region: "us-east-1".into(),
        access_key: "switchboard".into(),
        secret_key: "secret".into(),
        allow_http: true,
    })
    .unwrap();
    let key = "voicemail/1/2/1800000000000-a.mp3";
    blobs
        .put(key, Bytes::from_static(b"ID3 not really an mp3"))
        .await
        .unwrap();
    assert_eq!(blobs.size(key).await.unwrap(), 21);
    assert_eq!(
        blobs.get(key).await.unwrap(),
        Bytes::from_static(b"ID3 not really an mp3")
    );
    assert_eq!(
        blobs.get_range(key, 4..7).await.unwrap(),
        Bytes::from_static(b"not")
    );
    blobs.delete(key).await.unwrap();
    assert!(matches!(blobs.get(key).await, Err(BlobError::NotFound(_))));
}
