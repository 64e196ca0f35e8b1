//! Configuration: built-in defaults, overridden by `switchboard.toml`, then
//! by `SWITCHBOARD_*` environment variables, then by command-line flags.
//! Every value is parsed here, once; a bad one stops start-up with a message
//! naming the key and where it came from.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use sip::auth::Algorithm;

/// Values given on the command line (all optional).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ConfigFlags {
    /// Configuration file [default: ./switchboard.toml when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder for the database, recordings and outgoing mail [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: SQLite file in the data folder]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Address of the web portals and API [default: 127.0.0.1:8080]
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub http_listen: Option<String>,
    /// Address of the SIP server, UDP and TCP [default: 0.0.0.0:5060]
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub sip_listen: Option<String>,
    /// Host or address put in SDP and Contact headers [default: the SIP address, or 127.0.0.1]
    #[arg(long, global = true, value_name = "HOST")]
    pub public_host: Option<String>,
    /// SIP digest realm [default: switchboard]
    #[arg(long, global = true, value_name = "REALM")]
    pub sip_realm: Option<String>,
    /// Address of SIP over TLS [default: off]
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub sip_tls_listen: Option<String>,
    /// Address of SIP over WebSocket, RFC 7118 [default: off]
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub sip_ws_listen: Option<String>,
    /// Address of SIP over secure WebSocket [default: off]
    #[arg(long, global = true, value_name = "ADDR:PORT")]
    pub sip_wss_listen: Option<String>,
    /// PEM certificate chain for TLS and WSS
    #[arg(long, global = true, value_name = "FILE")]
    pub sip_tls_cert: Option<String>,
    /// PEM private key for TLS and WSS
    #[arg(long, global = true, value_name = "FILE")]
    pub sip_tls_key: Option<String>,
    /// Digest algorithms offered, in order of preference: MD5, SHA-256 or both [default: MD5]
    #[arg(long, global = true, value_name = "LIST")]
    pub sip_digest_algorithms: Option<String>,
    /// Shortest registration accepted, in seconds; shorter ones get 423 [default: 60]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub sip_min_expires: Option<String>,
    /// UDP ports for call audio, FIRST-LAST [default: 10000-20000]
    #[arg(long, global = true, value_name = "FIRST-LAST")]
    pub rtp_ports: Option<String>,
    /// Address the media relay binds and writes in SDP [default: the SIP address, or public_host when that is 0.0.0.0]
    #[arg(long, global = true, value_name = "ADDR")]
    pub media_address: Option<String>,
    /// Media relay threads [default: one per core]
    #[arg(long, global = true, value_name = "N")]
    pub media_workers: Option<String>,
    /// SMTP relay for e-mail, smtp://HOST[:PORT] [default: off, messages go to DATA_DIR/outbox]
    #[arg(long, global = true, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Sender of the e-mails [default: Switchboard <noreply@localhost>]
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub mail_from: Option<String>,
    /// Base URL of the portals written in e-mailed links [default: http:// and http_listen]
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// First wait before registering again with a carrier after a failure, doubling up to 10 minutes [default: 30]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub trunk_retry_seconds: Option<String>,
    /// How often the switch reloads the trunks from the database [default: 30]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub trunk_reload_seconds: Option<String>,
    /// Folder of the recorded prompts (Debian asterisk-core-sounds-{fr,en}-wav) [default: /usr/share/asterisk/sounds]
    #[arg(long, global = true, value_name = "DIR")]
    pub sounds_dir: Option<String>,
    /// Longest voicemail message [default: 180]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub voicemail_max_seconds: Option<String>,
    /// Keep voicemail audio in this S3 bucket instead of DATA_DIR/files [default: off]
    #[arg(long, global = true, value_name = "BUCKET")]
    pub files_s3_bucket: Option<String>,
    /// S3-compatible service URL [default: AWS]
    #[arg(long, global = true, value_name = "URL")]
    pub files_s3_endpoint: Option<String>,
    /// S3 region [default: us-east-1]
    #[arg(long, global = true, value_name = "REGION")]
    pub files_s3_region: Option<String>,
    /// S3 access key id
    #[arg(long, global = true, value_name = "KEY")]
    pub files_s3_access_key: Option<String>,
    /// S3 secret access key
    #[arg(long, global = true, value_name = "SECRET")]
    pub files_s3_secret_key: Option<String>,
}

/// The configuration file's shape. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<String>,
    database_url: Option<String>,
    http_listen: Option<String>,
    sip_listen: Option<String>,
    public_host: Option<String>,
    sip_realm: Option<String>,
    sip_tls_listen: Option<String>,
    sip_ws_listen: Option<String>,
    sip_wss_listen: Option<String>,
    sip_tls_cert: Option<String>,
    sip_tls_key: Option<String>,
    sip_digest_algorithms: Option<String>,
    sip_min_expires: Option<String>,
    rtp_ports: Option<String>,
    media_address: Option<String>,
    media_workers: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    trunk_retry_seconds: Option<String>,
    trunk_reload_seconds: Option<String>,
    sounds_dir: Option<String>,
    voicemail_max_seconds: Option<String>,
    files_s3_bucket: Option<String>,
    files_s3_endpoint: Option<String>,
    files_s3_region: Option<String>,
    files_s3_access_key: Option<String>,
    files_s3_secret_key: Option<String>,
}

/// Where a value came from, for messages and `switchboard config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::File(p) => write!(f, "file {}", p.display()),
            Self::Env(v) => write!(f, "environment variable {v}"),
            Self::Flag(v) => write!(f, "flag --{v}"),
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub http_listen: SocketAddr,
    pub sip_listen: SocketAddr,
    pub public_host: String,
    pub sip_realm: String,
    /// Optional listeners: SIP over TLS, WebSocket, secure WebSocket.
    pub sip_tls_listen: Option<SocketAddr>,
    pub sip_ws_listen: Option<SocketAddr>,
    pub sip_wss_listen: Option<SocketAddr>,
    /// Certificate and key for TLS and WSS.
    pub sip_tls_cert: Option<PathBuf>,
    pub sip_tls_key: Option<PathBuf>,
    /// Digest algorithms offered to devices, in order of preference. MD5
    /// alone by default: many deployed clients read only the first
    /// challenge (SIPp, older PJSIP) or give up on a SHA-256 one they do
    /// not know (baresip 1.0), even when an MD5 one follows.
    pub sip_digest_algorithms: Vec<Algorithm>,
    /// Shortest registration accepted (RFC 3261 §10.3 step 7).
    pub sip_min_expires: u32,
    /// The media relay's port range (even ports for RTP, odd for RTCP).
    pub rtp_ports: (u16, u16),
    /// Where the media relay binds, and the address written in SDP.
    pub media_address: IpAddr,
    /// Relay threads.
    pub media_workers: usize,
    /// SMTP relay; `None` writes e-mails to `data_dir/outbox`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Base URL of the portals, without a trailing slash.
    pub public_url: String,
    /// First wait before registering again with a carrier after a
    /// failure (it doubles on each further failure, up to 10 minutes).
    pub trunk_retry: Duration,
    /// How often the SIP task reloads the trunks from the database.
    pub trunk_reload: Duration,
    /// The recorded prompts (a folder per language inside).
    pub sounds_dir: PathBuf,
    /// The longest voicemail message.
    pub voicemail_max: Duration,
    /// Voicemail audio in S3 instead of `data_dir/files`.
    pub files_s3: Option<voicemail::S3Config>,
    /// Where each value came from, by key, in display order.
    pub sources: Vec<(&'static str, Source)>,
}

/// Reads the environment through a function so tests need not mutate the
/// process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Config {
    /// Resolves the configuration from flags, the environment and the file.
    pub fn load(flags: &ConfigFlags, env: EnvLookup<'_>) -> anyhow::Result<Self> {
        let (file, file_path) = read_file(flags, env)?;
        let pick = |key: &'static str,
                    flag: &Option<String>,
                    file_value: &Option<String>|
         -> Option<(String, Source)> {
            let env_name = env_name(key);
            if let Some(v) = flag {
                Some((v.clone(), Source::Flag(flag_name(key))))
            } else if let Some(v) = env(env_name) {
                Some((v, Source::Env(env_name)))
            } else {
                file_value
                    .clone()
                    .map(|v| (v, Source::File(file_path.clone().unwrap_or_default())))
            }
        };
        let mut sources = Vec::new();
        let mut take =
            |key: &'static str, flag: &Option<String>, fv: &Option<String>, default: String| {
                let (v, s) = pick(key, flag, fv).unwrap_or((default, Source::Default));
                sources.push((key, s.clone()));
                (v, s)
            };

        let (data_dir, _) = take("data_dir", &flags.data_dir, &file.data_dir, "./data".into());
        let data_dir = PathBuf::from(data_dir);
        let default_db = format!("sqlite://{}", data_dir.join("switchboard.db").display());
        let (database_url, db_src) = take(
            "database_url",
            &flags.database_url,
            &file.database_url,
            default_db,
        );
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("invalid database_url (from {db_src}): must start with sqlite:// or postgres://");
        }
        let (http, http_src) = take(
            "http_listen",
            &flags.http_listen,
            &file.http_listen,
            "127.0.0.1:8080".into(),
        );
        let http_listen = parse_addr("http_listen", &http, &http_src)?;
        let (sip, sip_src) = take(
            "sip_listen",
            &flags.sip_listen,
            &file.sip_listen,
            "0.0.0.0:5060".into(),
        );
        let sip_listen = parse_addr("sip_listen", &sip, &sip_src)?;
        let default_host = if sip_listen.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST).to_string()
        } else {
            sip_listen.ip().to_string()
        };
        let (public_host, host_src) = take(
            "public_host",
            &flags.public_host,
            &file.public_host,
            default_host,
        );
        if public_host.is_empty()
            || public_host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@')
        {
            bail!(
                "invalid public_host (from {host_src}): {public_host:?} is not a host name or address"
            );
        }
        let (sip_realm, realm_src) = take(
            "sip_realm",
            &flags.sip_realm,
            &file.sip_realm,
            "switchboard".into(),
        );
        if sip_realm.is_empty() || sip_realm.contains(['"', '\\']) {
            bail!(
                "invalid sip_realm (from {realm_src}): must be non-empty without quotes or backslashes"
            );
        }
        let mut optional_addr = |key: &'static str, flag: &Option<String>, fv: &Option<String>| {
            let (v, src) = take(key, flag, fv, String::new());
            if v.is_empty() {
                Ok(None)
            } else {
                parse_addr(key, &v, &src).map(Some)
            }
        };
        let sip_tls_listen = optional_addr(
            "sip_tls_listen",
            &flags.sip_tls_listen,
            &file.sip_tls_listen,
        )?;
        let sip_ws_listen =
            optional_addr("sip_ws_listen", &flags.sip_ws_listen, &file.sip_ws_listen)?;
        let sip_wss_listen = optional_addr(
            "sip_wss_listen",
            &flags.sip_wss_listen,
            &file.sip_wss_listen,
        )?;
        let (cert, _) = take(
            "sip_tls_cert",
            &flags.sip_tls_cert,
            &file.sip_tls_cert,
            String::new(),
        );
        let (key, _) = take(
            "sip_tls_key",
            &flags.sip_tls_key,
            &file.sip_tls_key,
            String::new(),
        );
        let sip_tls_cert = (!cert.is_empty()).then(|| PathBuf::from(cert));
        let sip_tls_key = (!key.is_empty()).then(|| PathBuf::from(key));
        if (sip_tls_listen.is_some() || sip_wss_listen.is_some())
            && (sip_tls_cert.is_none() || sip_tls_key.is_none())
        {
            bail!("sip_tls_listen and sip_wss_listen need sip_tls_cert and sip_tls_key");
        }
        let (algs, algs_src) = take(
            "sip_digest_algorithms",
            &flags.sip_digest_algorithms,
            &file.sip_digest_algorithms,
            "MD5".into(),
        );
        let sip_digest_algorithms = algs
            .split(',')
            .map(|a| a.trim().parse::<Algorithm>())
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|v| !v.is_empty())
            .with_context(|| {
                format!("invalid sip_digest_algorithms (from {algs_src}): {algs:?} must list MD5 and/or SHA-256")
            })?;
        let (min, min_src) = take(
            "sip_min_expires",
            &flags.sip_min_expires,
            &file.sip_min_expires,
            "60".into(),
        );
        let sip_min_expires = min
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=3600).contains(m))
            .with_context(|| {
                format!(
                    "invalid sip_min_expires (from {min_src}): {min:?} must be 1 to 3600 seconds"
                )
            })?;
        let (ports, ports_src) = take(
            "rtp_ports",
            &flags.rtp_ports,
            &file.rtp_ports,
            "10000-20000".into(),
        );
        let rtp_ports = ports
            .split_once('-')
            .and_then(|(a, b)| Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?)))
            .filter(|(a, b)| *a >= 1024 && b > a && b - a >= 3)
            .with_context(|| {
                format!("invalid rtp_ports (from {ports_src}): {ports:?} must be FIRST-LAST, 1024 or above, at least 4 ports")
            })?;
        let default_media = if sip_listen.ip().is_unspecified() {
            public_host
                .parse::<IpAddr>()
                .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        } else {
            sip_listen.ip()
        };
        let (maddr, maddr_src) = take(
            "media_address",
            &flags.media_address,
            &file.media_address,
            default_media.to_string(),
        );
        let media_address = maddr.parse::<IpAddr>().ok().filter(|a| !a.is_unspecified()).with_context(|| {
            format!("invalid media_address (from {maddr_src}): {maddr:?} must be an IP address phones can reach, not 0.0.0.0")
        })?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (workers, workers_src) = take(
            "media_workers",
            &flags.media_workers,
            &file.media_workers,
            cores.to_string(),
        );
        let media_workers = workers
            .parse::<usize>()
            .ok()
            .filter(|w| (1..=256).contains(w))
            .with_context(|| {
                format!("invalid media_workers (from {workers_src}): {workers:?} must be 1 to 256")
            })?;
        let (smtp, smtp_src) = take("smtp_url", &flags.smtp_url, &file.smtp_url, String::new());
        let smtp_url = if smtp.is_empty() {
            None
        } else if smtp.starts_with("smtp://") {
            Some(smtp)
        } else {
            bail!("invalid smtp_url (from {smtp_src}): {smtp:?} must start with smtp://");
        };
        let (mail_from, _) = take(
            "mail_from",
            &flags.mail_from,
            &file.mail_from,
            "Switchboard <noreply@localhost>".into(),
        );
        let (public_url, url_src) = take(
            "public_url",
            &flags.public_url,
            &file.public_url,
            format!("http://{http_listen}"),
        );
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!(
                "invalid public_url (from {url_src}): {public_url:?} must start with http:// or https://"
            );
        }
        let public_url = public_url.trim_end_matches('/').to_owned();
        let mut seconds = |key: &'static str, flag: &Option<String>, fv: &Option<String>| {
            let (v, src) = take(key, flag, fv, "30".into());
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=86_400).contains(s))
                .map(Duration::from_secs)
                .with_context(|| {
                    format!("invalid {key} (from {src}): {v:?} must be 1 to 86400 seconds")
                })
        };
        let trunk_retry = seconds(
            "trunk_retry_seconds",
            &flags.trunk_retry_seconds,
            &file.trunk_retry_seconds,
        )?;
        let trunk_reload = seconds(
            "trunk_reload_seconds",
            &flags.trunk_reload_seconds,
            &file.trunk_reload_seconds,
        )?;
        let (sounds, _) = take(
            "sounds_dir",
            &flags.sounds_dir,
            &file.sounds_dir,
            "/usr/share/asterisk/sounds".into(),
        );
        let sounds_dir = PathBuf::from(sounds);
        let (vm_max, vm_max_src) = take(
            "voicemail_max_seconds",
            &flags.voicemail_max_seconds,
            &file.voicemail_max_seconds,
            "180".into(),
        );
        let voicemail_max = vm_max
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| (10..=3600).contains(s))
            .map(Duration::from_secs)
            .with_context(|| {
                format!("invalid voicemail_max_seconds (from {vm_max_src}): {vm_max:?} must be 10 to 3600 seconds")
            })?;
        let mut text =
            |key: &'static str, flag: &Option<String>, fv: &Option<String>, default: &str| {
                take(key, flag, fv, default.into()).0
            };
        let bucket = text(
            "files_s3_bucket",
            &flags.files_s3_bucket,
            &file.files_s3_bucket,
            "",
        );
        let endpoint = text(
            "files_s3_endpoint",
            &flags.files_s3_endpoint,
            &file.files_s3_endpoint,
            "",
        );
        let region = text(
            "files_s3_region",
            &flags.files_s3_region,
            &file.files_s3_region,
            "us-east-1",
        );
        let access_key = text(
            "files_s3_access_key",
            &flags.files_s3_access_key,
            &file.files_s3_access_key,
            "",
        );
        let secret_key = text(
            "files_s3_secret_key",
            &flags.files_s3_secret_key,
            &file.files_s3_secret_key,
            "",
        );
        let files_s3 = if bucket.is_empty() {
            None
        } else {
            if !(endpoint.is_empty()
                || endpoint.starts_with("http://")
                || endpoint.starts_with("https://"))
            {
                bail!(
                    "invalid files_s3_endpoint: {endpoint:?} must start with http:// or https://"
                );
            }
            Some(voicemail::S3Config {
                bucket,
                allow_http: endpoint.starts_with("http://"),
                endpoint: (!endpoint.is_empty()).then_some(endpoint),
                region,
                access_key,
                secret_key,
            })
        };
        Ok(Self {
            sounds_dir,
            voicemail_max,
            files_s3,
            trunk_retry,
            trunk_reload,
            smtp_url,
            mail_from,
            public_url,
            rtp_ports,
            media_address,
            media_workers,
            sip_min_expires,
            sip_digest_algorithms,
            sip_tls_listen,
            sip_ws_listen,
            sip_wss_listen,
            sip_tls_cert,
            sip_tls_key,
            data_dir,
            database_url,
            http_listen,
            sip_listen,
            public_host,
            sip_realm,
            sources,
        })
    }

    /// The configuration as `key = value  # source` lines, secrets masked.
    pub fn describe(&self) -> String {
        let opt = |a: Option<SocketAddr>| a.map(|a| a.to_string()).unwrap_or_default();
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        let s3 = |f: fn(&voicemail::S3Config) -> String| {
            self.files_s3.as_ref().map(f).unwrap_or_default()
        };
        let value = |key: &str| match key {
            "data_dir" => self.data_dir.display().to_string(),
            "database_url" => storage::redact_url(&self.database_url),
            "http_listen" => self.http_listen.to_string(),
            "sip_listen" => self.sip_listen.to_string(),
            "public_host" => self.public_host.clone(),
            "sip_realm" => self.sip_realm.clone(),
            "sip_tls_listen" => opt(self.sip_tls_listen),
            "sip_ws_listen" => opt(self.sip_ws_listen),
            "sip_wss_listen" => opt(self.sip_wss_listen),
            "sip_tls_cert" => path(&self.sip_tls_cert),
            "sip_tls_key" => path(&self.sip_tls_key),
            "sip_min_expires" => self.sip_min_expires.to_string(),
            "rtp_ports" => format!("{}-{}", self.rtp_ports.0, self.rtp_ports.1),
            "media_address" => self.media_address.to_string(),
            "media_workers" => self.media_workers.to_string(),
            "smtp_url" => self.smtp_url.clone().unwrap_or_default(),
            "mail_from" => self.mail_from.clone(),
            "public_url" => self.public_url.clone(),
            "trunk_retry_seconds" => self.trunk_retry.as_secs().to_string(),
            "trunk_reload_seconds" => self.trunk_reload.as_secs().to_string(),
            "sounds_dir" => self.sounds_dir.display().to_string(),
            "voicemail_max_seconds" => self.voicemail_max.as_secs().to_string(),
            "files_s3_bucket" => s3(|c| c.bucket.clone()),
            "files_s3_endpoint" => s3(|c| c.endpoint.clone().unwrap_or_default()),
            "files_s3_region" => s3(|c| c.region.clone()),
            "files_s3_access_key" => s3(|c| c.access_key.clone()),
            "files_s3_secret_key" => s3(|c| {
                if c.secret_key.is_empty() {
                    String::new()
                } else {
                    "********".into()
                }
            }),
            "sip_digest_algorithms" => self
                .sip_digest_algorithms
                .iter()
                .map(|a| a.token())
                .collect::<Vec<_>>()
                .join(","),
            _ => String::new(),
        };
        self.sources
            .iter()
            .map(|(k, s)| format!("{k} = {:?}  # {s}\n", value(k)))
            .collect()
    }
}

fn env_name(key: &str) -> &'static str {
    match key {
        "data_dir" => "SWITCHBOARD_DATA_DIR",
        "database_url" => "SWITCHBOARD_DATABASE_URL",
        "http_listen" => "SWITCHBOARD_HTTP_LISTEN",
        "sip_listen" => "SWITCHBOARD_SIP_LISTEN",
        "public_host" => "SWITCHBOARD_PUBLIC_HOST",
        "sip_realm" => "SWITCHBOARD_SIP_REALM",
        "sip_tls_listen" => "SWITCHBOARD_SIP_TLS_LISTEN",
        "sip_ws_listen" => "SWITCHBOARD_SIP_WS_LISTEN",
        "sip_wss_listen" => "SWITCHBOARD_SIP_WSS_LISTEN",
        "sip_tls_cert" => "SWITCHBOARD_SIP_TLS_CERT",
        "sip_tls_key" => "SWITCHBOARD_SIP_TLS_KEY",
        "sip_digest_algorithms" => "SWITCHBOARD_SIP_DIGEST_ALGORITHMS",
        "sip_min_expires" => "SWITCHBOARD_SIP_MIN_EXPIRES",
        "rtp_ports" => "SWITCHBOARD_RTP_PORTS",
        "media_address" => "SWITCHBOARD_MEDIA_ADDRESS",
        "media_workers" => "SWITCHBOARD_MEDIA_WORKERS",
        "smtp_url" => "SWITCHBOARD_SMTP_URL",
        "mail_from" => "SWITCHBOARD_MAIL_FROM",
        "public_url" => "SWITCHBOARD_PUBLIC_URL",
        "trunk_retry_seconds" => "SWITCHBOARD_TRUNK_RETRY_SECONDS",
        "trunk_reload_seconds" => "SWITCHBOARD_TRUNK_RELOAD_SECONDS",
        "sounds_dir" => "SWITCHBOARD_SOUNDS_DIR",
        "voicemail_max_seconds" => "SWITCHBOARD_VOICEMAIL_MAX_SECONDS",
        "files_s3_bucket" => "SWITCHBOARD_FILES_S3_BUCKET",
        "files_s3_endpoint" => "SWITCHBOARD_FILES_S3_ENDPOINT",
        "files_s3_region" => "SWITCHBOARD_FILES_S3_REGION",
        "files_s3_access_key" => "SWITCHBOARD_FILES_S3_ACCESS_KEY",
        "files_s3_secret_key" => "SWITCHBOARD_FILES_S3_SECRET_KEY",
        _ => "SWITCHBOARD_UNKNOWN",
    }
}

fn flag_name(key: &str) -> &'static str {
    match key {
        "data_dir" => "data-dir",
        "database_url" => "database-url",
        "http_listen" => "http-listen",
        "sip_listen" => "sip-listen",
        "public_host" => "public-host",
        "sip_realm" => "sip-realm",
        "sip_tls_listen" => "sip-tls-listen",
        "sip_ws_listen" => "sip-ws-listen",
        "sip_wss_listen" => "sip-wss-listen",
        "sip_tls_cert" => "sip-tls-cert",
        "sip_tls_key" => "sip-tls-key",
        "sip_digest_algorithms" => "sip-digest-algorithms",
        "sip_min_expires" => "sip-min-expires",
        "rtp_ports" => "rtp-ports",
        "media_address" => "media-address",
        "media_workers" => "media-workers",
        "smtp_url" => "smtp-url",
        "mail_from" => "mail-from",
        "public_url" => "public-url",
        "trunk_retry_seconds" => "trunk-retry-seconds",
        "trunk_reload_seconds" => "trunk-reload-seconds",
        "sounds_dir" => "sounds-dir",
        "voicemail_max_seconds" => "voicemail-max-seconds",
        "files_s3_bucket" => "files-s3-bucket",
        "files_s3_endpoint" => "files-s3-endpoint",
        "files_s3_region" => "files-s3-region",
        "files_s3_access_key" => "files-s3-access-key",
        "files_s3_secret_key" => "files-s3-secret-key",
        _ => "unknown",
    }
}

fn parse_addr(key: &str, value: &str, source: &Source) -> anyhow::Result<SocketAddr> {
    value.parse().with_context(|| {
        format!(
            "invalid {key} (from {source}): {value:?} is not an address:port such as 127.0.0.1:8080"
        )
    })
}

fn read_file(
    flags: &ConfigFlags,
    env: EnvLookup<'_>,
) -> anyhow::Result<(FileConfig, Option<PathBuf>)> {
    let explicit = flags
        .config
        .clone()
        .or_else(|| env("SWITCHBOARD_CONFIG").map(PathBuf::from));
    let path = match explicit {
        Some(p) => p,
        None if Path::new("switchboard.toml").exists() => PathBuf::from("switchboard.toml"),
        None => return Ok((FileConfig::default(), None)),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))?;
    let file: FileConfig = toml::from_str(&text)
        .with_context(|| format!("invalid configuration file {}", path.display()))?;
    Ok((file, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_serve_on_loopback_with_sqlite_in_data() {
        let c = Config::load(&ConfigFlags::default(), &no_env).unwrap();
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.sip_listen.to_string(), "0.0.0.0:5060");
        assert_eq!(c.database_url, "sqlite://./data/switchboard.db");
        assert_eq!(c.public_host, "127.0.0.1");
    }

    #[test]
    fn flags_beat_environment_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sb.toml");
        std::fs::write(&file, "http_listen = \"127.0.0.1:9000\"\nsip_listen = \"127.0.0.1:5070\"\nsip_realm = \"file\"\n").unwrap();
        let env = |k: &str| (k == "SWITCHBOARD_SIP_LISTEN").then(|| "127.0.0.1:5080".to_owned());
        let flags = ConfigFlags {
            config: Some(file.clone()),
            sip_realm: Some("flag".into()),
            ..Default::default()
        };
        let c = Config::load(&flags, &env).unwrap();
        assert_eq!(c.http_listen.port(), 9000);
        assert_eq!(c.sip_listen.port(), 5080);
        assert_eq!(c.sip_realm, "flag");
        assert_eq!(c.public_host, "127.0.0.1");
        let text = c.describe();
        assert!(
            text.contains(
                "sip_listen = \"127.0.0.1:5080\"  # environment variable SWITCHBOARD_SIP_LISTEN"
            ),
            "{text}"
        );
        assert!(text.contains("# flag --sip-realm"), "{text}");
    }

    #[test]
    fn bad_values_name_the_key_and_its_source() {
        let env = |k: &str| (k == "SWITCHBOARD_HTTP_LISTEN").then(|| "localhost".to_owned());
        let err = Config::load(&ConfigFlags::default(), &env).unwrap_err();
        assert!(
            format!("{err:#}").contains(
                "invalid http_listen (from environment variable SWITCHBOARD_HTTP_LISTEN)"
            ),
            "{err:#}"
        );
        let flags = ConfigFlags {
            database_url: Some("mysql://x".into()),
            ..Default::default()
        };
        let err = Config::load(&flags, &no_env).unwrap_err();
        assert!(
            err.to_string()
                .contains("database_url (from flag --database-url)"),
            "{err}"
        );
    }

    #[test]
    fn mail_and_public_url_default_to_the_outbox_and_the_http_address() {
        let no_env = |_: &str| None;
        let c = Config::load(&ConfigFlags::default(), &no_env).unwrap();
        assert_eq!(c.smtp_url, None);
        assert_eq!(c.mail_from, "Switchboard <noreply@localhost>");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        let env = |k: &str| (k == "SWITCHBOARD_SMTP_URL").then(|| "smtp://relay:2525".to_owned());
        let flags = ConfigFlags {
            public_url: Some("https://pbx.example.fr/".into()),
            ..Default::default()
        };
        let c = Config::load(&flags, &env).unwrap();
        assert_eq!(c.smtp_url.as_deref(), Some("smtp://relay:2525"));
        assert_eq!(c.public_url, "https://pbx.example.fr");
        assert!(c.describe().contains("# flag --public-url"));
        let flags = ConfigFlags {
            smtp_url: Some("smtps://relay".into()),
            ..Default::default()
        };
        let err = Config::load(&flags, &no_env).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid smtp_url (from flag --smtp-url)"),
            "{err}"
        );
    }

    #[test]
    fn trunk_timings_default_to_30_s_and_are_checked() {
        let c = Config::load(&ConfigFlags::default(), &no_env).unwrap();
        assert_eq!(c.trunk_retry, Duration::from_secs(30));
        assert_eq!(c.trunk_reload, Duration::from_secs(30));
        let env = |k: &str| (k == "SWITCHBOARD_TRUNK_RELOAD_SECONDS").then(|| "5".to_owned());
        let flags = ConfigFlags {
            trunk_retry_seconds: Some("1".into()),
            ..Default::default()
        };
        let c = Config::load(&flags, &env).unwrap();
        assert_eq!(c.trunk_retry, Duration::from_secs(1));
        assert_eq!(c.trunk_reload, Duration::from_secs(5));
        assert!(
            c.describe()
                .contains("trunk_retry_seconds = \"1\"  # flag --trunk-retry-seconds")
        );
        let flags = ConfigFlags {
            trunk_retry_seconds: Some("0".into()),
            ..Default::default()
        };
        let err = Config::load(&flags, &no_env).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid trunk_retry_seconds (from flag --trunk-retry-seconds)"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sb.toml");
        std::fs::write(&file, "http_lisen = \"127.0.0.1:9000\"\n").unwrap();
        let flags = ConfigFlags {
            config: Some(file),
            ..Default::default()
        };
        let err = Config::load(&flags, &no_env).unwrap_err();
        assert!(format!("{err:#}").contains("http_lisen"), "{err:#}");
    }

    #[test]
    fn database_password_is_masked_in_the_description() {
        let flags = ConfigFlags {
            database_url: Some("postgres://sb:hunter2@127.0.0.1/sb".into()),
            ..Default::default()
        };
        let c = Config::load(&flags, &no_env).unwrap();
        assert!(!c.describe().contains("hunter2"));
        assert!(c.describe().contains("postgres://sb:****@127.0.0.1/sb"));
    }

    #[test]
    fn voicemail_settings_default_to_local_files_and_three_minutes() {
        let c = Config::load(&ConfigFlags::default(), &no_env).unwrap();
        assert_eq!(c.voicemail_max, Duration::from_secs(180));
        assert_eq!(c.sounds_dir, PathBuf::from("/usr/share/asterisk/sounds"));
        assert!(c.files_s3.is_none());
        let env = |k: &str| match k {
            "SWITCHBOARD_FILES_S3_BUCKET" => Some("voicemail".to_owned()),
            "SWITCHBOARD_FILES_S3_ENDPOINT" => Some("http://127.0.0.1:9000".to_owned()),
            "SWITCHBOARD_FILES_S3_SECRET_KEY" => Some("hush".to_owned()),
            "SWITCHBOARD_VOICEMAIL_MAX_SECONDS" => Some("60".to_owned()),
            _ => None,
        };
        let c = Config::load(&ConfigFlags::default(), &env).unwrap();
        let s3 = c.files_s3.as_ref().expect("S3 configured");
        assert_eq!(s3.bucket, "voicemail");
        assert!(s3.allow_http, "a plain http endpoint is allowed as named");
        assert_eq!(c.voicemail_max, Duration::from_secs(60));
        let text = c.describe();
        assert!(
            text.contains("files_s3_secret_key = \"********\""),
            "{text}"
        );
        assert!(!text.contains("hush") && !format!("{c:?}").contains("hush"));
        let flags = ConfigFlags {
            voicemail_max_seconds: Some("5".into()),
            ..Default::default()
        };
        let err = Config::load(&flags, &no_env).unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("invalid voicemail_max_seconds (from flag --voicemail-max-seconds)"),
            "{err:#}"
        );
    }
}
