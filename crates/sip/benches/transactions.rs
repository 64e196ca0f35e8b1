//! The transaction layer under a registrar's load: 200,000 non-INVITE
//! server transactions in Completed, each waiting out Timer J (64*T1 =
//! 32 s over UDP, RFC 3261 §17.2.2), which is what 6,250 REGISTERs a
//! second leave behind.
//!
//! `register_respond_transmit` times one new REGISTER through the layer:
//! `handle_request`, the TU's `poll_event`, `respond` with a 200 and
//! `poll_transmit`. `handle_timeout_tick` times one 1 ms tick of the clock,
//! in which about six transactions reach Timer J and end while as many new
//! ones arrive. `poll_timeout` times asking for the next deadline.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sip::transaction::{Config, Event, Peer, Transactions};
use sip::{HeaderName, Method, Request, Response, StatusCode, Uri};

const LIVE: u64 = 200_000;
/// Timer J with the default T1 of 500 ms.
const TIMER_J: Duration = Duration::from_secs(32);
/// How often a REGISTER arrives so that LIVE of them span Timer J.
const SPACING: Duration = Duration::from_nanos(TIMER_J.as_nanos() as u64 / LIVE);
const TICK: Duration = Duration::from_millis(1);

fn register(n: u64) -> Request {
    let mut r = Request::new(
        Method::Register,
        Uri::parse("sip:switchboard.example").unwrap(),
    );
    let h = &mut r.headers;
    h.push(
        HeaderName::Via,
        format!("SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK{n:016x}"),
    );
    h.push(HeaderName::MaxForwards, "70");
    h.push(
        HeaderName::From,
        format!("<sip:{n}@switchboard.example>;tag={n:x}"),
    );
    h.push(HeaderName::To, format!("<sip:{n}@switchboard.example>"));
    h.push(HeaderName::CallId, format!("{n:x}@198.51.100.7"));
    h.push(HeaderName::CSeq, "2 REGISTER");
    h.push(
        HeaderName::Contact,
        format!("<sip:{n}@198.51.100.7:5060;transport=udp>"),
    );
    h.push(HeaderName::Expires, "3600");
    h.push(HeaderName::ContentLength, "0");
    r
}

/// The registrar's 200 (RFC 3261 §10.3 step 8): the bindings and a Date.
fn ok(register: &Request) -> Response {
    let mut ok = register.response(StatusCode::OK, Some("sb1"));
    if let Some(contact) = register.headers.get(&HeaderName::Contact) {
        ok.headers
            .push(HeaderName::Contact, format!("{contact};expires=3600"));
    }
    ok.headers
        .push(HeaderName::Date, "Sat, 13 Nov 2010 23:29:00 GMT");
    ok.headers.push(HeaderName::ContentLength, "0");
    ok
}

fn peer() -> Peer {
    Peer {
        addr: "198.51.100.7:5060".parse().unwrap(),
        reliable: false,
        conn: None,
    }
}

/// Runs one REGISTER through the layer the way a registrar does.
fn serve(tx: &mut Transactions, now: Instant, register: Request, ok: Response) {
    tx.handle_request(now, register, peer()).unwrap();
    let Some(Event::NewRequest { key, .. }) = tx.poll_event() else {
        panic!("the REGISTER started no transaction");
    };
    tx.respond(now, &key, ok).unwrap();
    black_box(tx.poll_transmit().unwrap());
}

/// A registrar in steady state: LIVE transactions in Completed, one per
/// SPACING, the oldest about to reach Timer J at the returned instant.
fn loaded(t0: Instant) -> (Transactions, Instant, u64) {
    let mut tx = Transactions::new(Config::default());
    let mut now = t0;
    for n in 0..LIVE {
        let r = register(n);
        let ok = ok(&r);
        serve(&mut tx, now, r, ok);
        now += SPACING;
    }
    assert_eq!(tx.len(), LIVE as usize);
    (tx, now, LIVE)
}

fn transactions(c: &mut Criterion) {
    let t0 = Instant::now();
    let (mut tx, mut now, mut next) = loaded(t0);
    let mut group = c.benchmark_group("transactions_200k_live");

    group.bench_function("register_respond_transmit", |b| {
        b.iter_custom(|iters| {
            // Requests are built, and the new transactions ended again, in
            // chunks outside the timed part, so the live set stays near
            // LIVE however many iterations criterion asks for.
            const CHUNK: u64 = 10_000;
            let mut spent = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK);
                let work: Vec<_> = (next..next + n)
                    .map(|i| {
                        let r = register(i);
                        let ok = ok(&r);
                        (r, ok)
                    })
                    .collect();
                let keys: Vec<_> = work
                    .iter()
                    .map(|(r, _)| sip::transaction::TransactionKey::server(r).unwrap())
                    .collect();
                next += n;
                let start = Instant::now();
                for (r, ok) in work {
                    serve(&mut tx, now, r, ok);
                }
                spent += start.elapsed();
                for key in &keys {
                    tx.terminate(key);
                }
                left -= n;
            }
            spent
        });
    });

    group.bench_function("handle_timeout_tick", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                // New REGISTERs keep arriving, untimed, at the rate that
                // keeps LIVE transactions alive.
                let until = now + TICK;
                while now < until {
                    let r = register(next);
                    let ok = ok(&r);
                    serve(&mut tx, now, r, ok);
                    next += 1;
                    now += SPACING;
                }
                let start = Instant::now();
                tx.handle_timeout(black_box(now));
                spent += start.elapsed();
            }
            spent
        });
    });

    group.bench_function("poll_timeout", |b| {
        b.iter(|| black_box(tx.poll_timeout()));
    });

    group.finish();
    assert!(tx.len().abs_diff(LIVE as usize) < LIVE as usize / 10);
}

criterion_group!(benches, transactions);
criterion_main!(benches);
