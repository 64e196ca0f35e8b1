//! Serves N relayed calls for the media test of the shared benchmark kit
//! (`run_media.py --map FILE`): starts `Media` on 127.0.0.1, allocates the
//! calls, expects leg A of call i at 127.0.0.1:(40000+2i) and leg B at
//! 127.0.0.1:(50000+2i) (latching onto them), writes the map file and
//! serves until killed.
//!
//! cargo run --release -p sb-switch --example relay_bench -- --calls N --map FILE [--workers 1]

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use switch::media::{Leg, LegParams, Media, MediaConfig};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn main() -> std::io::Result<()> {
    let mut calls = 1000u16;
    let mut map = None;
    let mut workers = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage(&arg));
        match arg.as_str() {
            "--calls" => calls = value.parse().unwrap_or_else(|_| usage(&arg)),
            "--map" => map = Some(value),
            "--workers" => workers = value.parse().unwrap_or_else(|_| usage(&arg)),
            _ => usage(&arg),
        }
    }
    let map = map.unwrap_or_else(|| usage("--map"));
    if calls > 4999 {
        usage("--calls");
    }
    raise_fd_limit();

    let (media, _events) = Media::start(MediaConfig {
        bind: LOCALHOST,
        advertise: LOCALHOST,
        port_min: 10000,
        port_max: 29999,
        workers,
        rtp_timeout: Duration::from_secs(3600),
    })?;
    let mut lines = String::new();
    for i in 0..calls {
        let s = media.allocate()?;
        let (a, b) = (40000 + 2 * i, 50000 + 2 * i);
        let leg = |port| LegParams {
            remote: Some(SocketAddr::new(LOCALHOST, port)),
            ..LegParams::default()
        };
        media.update(s.id, Leg::A, leg(a));
        media.update(s.id, Leg::B, leg(b));
        lines.push_str(&format!("{a} {b} {} {}\n", s.a_port, s.b_port));
    }
    std::fs::File::create(&map)?.write_all(lines.as_bytes())?;
    eprintln!(
        "relay_bench: pid {} serving {calls} calls, {workers} worker(s), map {map}",
        std::process::id()
    );
    loop {
        std::thread::sleep(Duration::from_secs(5));
        let s = media.stats();
        eprintln!(
            "relay_bench: sessions {} relayed {} dropped {}",
            s.sessions, s.relayed, s.dropped
        );
    }
}

fn usage(at: &str) -> ! {
    eprintln!(
        "relay_bench: bad or missing {at}\nusage: relay_bench --calls N (at most 4999) --map FILE [--workers 1]"
    );
    std::process::exit(2)
}

/// Four sockets per call: lift the soft descriptor limit to the hard one.
fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write a valid rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
