//! Endpoint tests: matching, absorption and errors through
//! [`Transactions`].

use std::time::Instant;

use super::testing::{ms, peer, request};
use super::*;
use crate::header::HeaderName;
use crate::message::Message;
use crate::method::Method;
use crate::status::StatusCode;

fn endpoint() -> Transactions {
    Transactions::new(Config::default())
}

fn new_request_key(tx: &mut Transactions) -> TransactionKey {
    match tx.poll_event() {
        Some(Event::NewRequest { key, .. }) => key,
        other => panic!("expected a new request, got {other:?}"),
    }
}

fn sent(tx: &mut Transactions) -> Vec<Message> {
    std::iter::from_fn(|| tx.poll_transmit())
        .map(|t| crate::parse(&t.bytes).unwrap())
        .collect()
}

fn status_of(m: &Message) -> u16 {
    match m {
        Message::Response(r) => r.status.as_u16(),
        Message::Request(r) => panic!("sent a {} request", r.method),
    }
}

#[test]
fn request_retransmission_to_a_server_non_invite_gets_the_last_response_again() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let bye = request(Method::Bye, "z9hG4bKbye");
    tx.handle_request(t0, bye.clone(), peer(false)).unwrap();
    let key = new_request_key(&mut tx);
    tx.respond(t0, &key, bye.response(StatusCode::OK, Some("b")))
        .unwrap();
    tx.handle_request(t0 + ms(500), bye.clone(), peer(false))
        .unwrap();
    let out = sent(&mut tx);
    assert_eq!(out.iter().map(status_of).collect::<Vec<_>>(), [200, 200]);
    assert_eq!(tx.poll_event(), None, "the copy is not a new request");
    tx.handle_timeout(t0 + ms(32_000));
    assert!(tx.is_empty(), "Timer J removed the transaction");
}

#[test]
fn cancel_is_matched_separately_from_the_invite_it_cancels() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let invite = request(Method::Invite, "z9hG4bKinv");
    let cancel = request(Method::Cancel, "z9hG4bKinv");
    tx.handle_request(t0, invite.clone(), peer(false)).unwrap();
    tx.handle_request(t0, cancel.clone(), peer(false)).unwrap();
    let invite_key = new_request_key(&mut tx);
    let cancel_key = new_request_key(&mut tx);
    assert_ne!(invite_key, cancel_key);
    assert_eq!(cancel_key.cancelled_invite(), Some(invite_key.clone()));
    tx.respond(t0, &cancel_key, cancel.response(StatusCode::OK, Some("b")))
        .unwrap();
    tx.respond(
        t0,
        &invite_key,
        invite.response(StatusCode::REQUEST_TERMINATED, Some("b")),
    )
    .unwrap();
    assert_eq!(tx.state(&invite_key), Some(State::Completed));
    assert_eq!(tx.state(&cancel_key), Some(State::Completed));
}

#[test]
fn rfc2543_ack_without_cookie_matches_the_invite_by_the_response_to_tag() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let invite = request(Method::Invite, "1234oldstyle");
    tx.handle_request(t0, invite.clone(), peer(false)).unwrap();
    let key = new_request_key(&mut tx);
    assert_eq!(key.branch(), None);
    tx.handle_request(t0 + ms(10), invite.clone(), peer(false))
        .unwrap();
    assert_eq!(tx.poll_event(), None, "RFC 2543 retransmission matched");
    tx.respond(t0, &key, invite.response(StatusCode::BUSY_HERE, Some("t1")))
        .unwrap();

    let mut ack = invite.clone();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "1 ACK");
    ack.headers
        .set(HeaderName::To, "<sip:bob@b.example>;tag=other");
    tx.handle_request(t0 + ms(20), ack.clone(), peer(false))
        .unwrap();
    assert!(matches!(tx.poll_event(), Some(Event::Ack { .. })));
    assert_eq!(tx.state(&key), Some(State::Completed), "wrong To tag");

    ack.headers
        .set(HeaderName::To, "<sip:bob@b.example>;tag=t1");
    tx.handle_request(t0 + ms(30), ack, peer(false)).unwrap();
    assert_eq!(tx.state(&key), Some(State::Confirmed));
    assert_eq!(tx.poll_event(), None);
}

#[test]
fn ack_for_a_2xx_with_a_new_branch_goes_to_the_tu() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let invite = request(Method::Invite, "z9hG4bKinv");
    tx.handle_request(t0, invite.clone(), peer(false)).unwrap();
    let key = new_request_key(&mut tx);
    tx.respond(t0, &key, invite.response(StatusCode::OK, Some("b")))
        .unwrap();
    let ack = request(Method::Ack, "z9hG4bKack");
    tx.handle_request(t0 + ms(40), ack.clone(), peer(false))
        .unwrap();
    assert_eq!(
        tx.poll_event(),
        Some(Event::Ack {
            request: ack,
            from: peer(false)
        })
    );
    assert_eq!(tx.state(&key), Some(State::Accepted));
}

#[test]
fn timer_b_through_the_endpoint_reports_a_timeout_and_forgets_the_transaction() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let key = tx
        .send_request(t0, request(Method::Invite, "z9hG4bKb"), peer(false))
        .unwrap();
    let mut sends = 0;
    for _ in 0..100 {
        sends += sent(&mut tx).len();
        let Some(at) = tx.poll_timeout() else { break };
        tx.handle_timeout(at);
    }
    assert_eq!(sends, 7, "the INVITE and six Timer A retransmissions");
    assert_eq!(tx.poll_event(), Some(Event::Timeout { key }));
    assert!(tx.is_empty());
}

#[test]
fn responses_match_on_branch_and_cseq_method_and_strays_go_to_the_tu() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let options = request(Method::Options, "z9hG4bKopt");
    let key = tx.send_request(t0, options.clone(), peer(false)).unwrap();
    let mut other_method = options.response(StatusCode::OK, Some("b"));
    other_method.headers.set(HeaderName::CSeq, "1 INFO");
    tx.handle_response(t0, other_method).unwrap();
    assert!(matches!(tx.poll_event(), Some(Event::StrayResponse { .. })));
    tx.handle_response(t0, options.response(StatusCode::OK, Some("b")))
        .unwrap();
    assert!(matches!(tx.poll_event(), Some(Event::Response { key: k, .. }) if k == key));
}

#[test]
fn the_tu_cannot_start_an_ack_transaction_or_reuse_a_branch_or_skip_the_cookie() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let ack = request(Method::Ack, "z9hG4bKa");
    assert_eq!(
        tx.send_request(t0, ack, peer(false)),
        Err(TransactionError::AckIsNotATransaction)
    );
    let old = request(Method::Options, "nocookie");
    assert_eq!(
        tx.send_request(t0, old, peer(false)),
        Err(TransactionError::NoRfc3261Branch)
    );
    let options = request(Method::Options, "z9hG4bKdup");
    tx.send_request(t0, options.clone(), peer(false)).unwrap();
    assert!(matches!(
        tx.send_request(t0, options, peer(false)),
        Err(TransactionError::Duplicate(_))
    ));
}

#[test]
fn malformed_requests_are_refused_without_a_transaction() {
    let mut tx = endpoint();
    let mut bad = request(Method::Options, "z9hG4bKbad");
    bad.headers.remove(&HeaderName::Via);
    assert!(matches!(
        tx.handle_request(Instant::now(), bad, peer(false)),
        Err(TransactionError::Header(_))
    ));
    assert!(tx.is_empty());
}

#[test]
fn a_full_endpoint_answers_503_statelessly() {
    let t0 = Instant::now();
    let mut tx = Transactions::new(Config {
        max_transactions: 1,
        ..Config::default()
    });
    tx.handle_request(t0, request(Method::Options, "z9hG4bK1"), peer(false))
        .unwrap();
    tx.handle_request(t0, request(Method::Options, "z9hG4bK2"), peer(false))
        .unwrap();
    assert_eq!(tx.len(), 1);
    let out = sent(&mut tx);
    assert_eq!(out.iter().map(status_of).collect::<Vec<_>>(), [503]);
}

#[test]
fn transport_error_ends_the_transaction_and_tells_the_tu() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let key = tx
        .send_request(t0, request(Method::Options, "z9hG4bKte"), peer(true))
        .unwrap();
    let transmit = tx.poll_transmit().unwrap();
    assert_eq!(transmit.key.as_ref(), Some(&key));
    tx.handle_transport_error(&key);
    assert_eq!(tx.poll_event(), Some(Event::TransportError { key }));
    assert!(tx.is_empty());
}

#[test]
fn responding_to_an_unknown_or_client_transaction_is_an_error() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let options = request(Method::Options, "z9hG4bKc");
    let key = tx.send_request(t0, options.clone(), peer(false)).unwrap();
    let ok = options.response(StatusCode::OK, None);
    assert_eq!(
        tx.respond(t0, &key, ok.clone()),
        Err(TransactionError::NotServer(key.clone()))
    );
    let server_key = TransactionKey::server(&options).unwrap();
    assert_eq!(
        tx.respond(t0, &server_key, ok),
        Err(TransactionError::Unknown(server_key))
    );
}

/// A REGISTER from its own client, so every one starts a transaction.
fn register(n: usize) -> Request {
    let mut r = request(Method::Register, &format!("z9hG4bKreg{n}"));
    r.headers
        .set(HeaderName::CallId, format!("reg-{n}@a.example"));
    r
}

#[test]
fn deadlines_fire_in_order_with_many_transactions() {
    const N: usize = 10_000;
    let t0 = Instant::now();
    let mut tx = endpoint();
    // One REGISTER a millisecond, answered at once, so Timer J (64*T1,
    // RFC 3261 §17.2.2) ends transaction n at n ms + 32 s.
    for n in 0..N {
        let at = t0 + ms(n as u64);
        tx.handle_timeout(at);
        let reg = register(n);
        tx.handle_request(at, reg.clone(), peer(false)).unwrap();
        let key = new_request_key(&mut tx);
        tx.respond(at, &key, reg.response(StatusCode::OK, Some("r")))
            .unwrap();
        if n % 7 == 0 {
            // A retransmission gets the 200 again and moves no deadline.
            tx.handle_request(at, reg, peer(false)).unwrap();
        }
    }
    assert_eq!(tx.len(), N);
    assert!(
        tx.heap_len() <= N,
        "no stale entries without moved deadlines"
    );
    sent(&mut tx);

    let mut ended = 0;
    while let Some(at) = tx.poll_timeout() {
        assert_eq!(at, t0 + ms(32_000 + ended as u64), "in arrival order");
        tx.handle_timeout(at - ms(1) / 2);
        assert_eq!(tx.len(), N - ended, "nothing ends before its Timer J");
        tx.handle_timeout(at);
        ended += 1;
        assert_eq!(tx.len(), N - ended, "exactly one ends at its Timer J");
        assert!(tx.heap_len() <= 4 * tx.len() + 64);
    }
    assert_eq!(ended, N);
    assert!(tx.is_empty());
    assert_eq!(tx.heap_len(), 0);
    assert_eq!(tx.poll_event(), None, "Timer J ends quietly");
    assert!(tx.poll_transmit().is_none());
}

#[test]
fn stale_heap_entries_do_not_fire_early() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let invite = request(Method::Invite, "z9hG4bKstale");
    tx.handle_request(t0, invite.clone(), peer(false)).unwrap();
    let key = new_request_key(&mut tx);
    // RFC 3261 §17.2.1: the automatic 100 Trying is due at 200 ms.
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(200)));
    // A 486 at 100 ms cancels it and starts Timer G at T1, so the
    // deadline moves from 200 ms to 600 ms.
    tx.respond(
        t0 + ms(100),
        &key,
        invite.response(StatusCode::BUSY_HERE, Some("b")),
    )
    .unwrap();
    assert_eq!(
        sent(&mut tx).iter().map(status_of).collect::<Vec<_>>(),
        [486]
    );
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(600)), "not the old 200 ms");
    tx.handle_timeout(t0 + ms(200));
    tx.handle_timeout(t0 + ms(599));
    assert!(
        sent(&mut tx).is_empty(),
        "no 100 Trying and no early resend"
    );
    assert_eq!(tx.state(&key), Some(State::Completed));
    tx.handle_timeout(t0 + ms(600));
    assert_eq!(
        sent(&mut tx).iter().map(status_of).collect::<Vec<_>>(),
        [486]
    );
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(1600)), "Timer G doubled");
}

#[test]
fn the_deadline_heap_is_rebuilt_when_ended_transactions_leave_it_stale() {
    let t0 = Instant::now();
    let mut tx = endpoint();
    let keys: Vec<_> = (0..1_000)
        .map(|n| {
            let branch = format!("z9hG4bKte{n}");
            tx.send_request(t0, request(Method::Options, &branch), peer(false))
                .unwrap()
        })
        .collect();
    let survivor = tx
        .send_request(t0, request(Method::Options, "z9hG4bKlast"), peer(false))
        .unwrap();
    for key in &keys {
        tx.handle_transport_error(key);
        assert!(tx.heap_len() <= 4 * tx.len() + 64);
    }
    assert_eq!(tx.len(), 1);
    // RFC 3261 §17.1.2.2: Timer E still retransmits the survivor at T1.
    assert_eq!(tx.poll_timeout(), Some(t0 + ms(500)));
    sent(&mut tx);
    tx.handle_timeout(t0 + ms(500));
    let resent = std::iter::from_fn(|| tx.poll_transmit()).collect::<Vec<_>>();
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].key.as_ref(), Some(&survivor));
}
