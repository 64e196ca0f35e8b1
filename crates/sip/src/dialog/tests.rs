//! Dialog tests, built on the RFC 3261 §24.2 call flow between Alice and
//! Bob through proxies p1 (atlanta) and p2 (biloxi).

use super::*;
use crate::header::HeaderName;
use crate::headers::Via;
use crate::message::Message;
use crate::status::StatusCode;
use crate::uri::Host;

fn parse_request(lines: &[&str]) -> Request {
    match crate::parse(format!("{}\r\n\r\n", lines.join("\r\n")).as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}"),
    }
}

/// Alice's INVITE as Bob receives it, after p1 and p2 record-routed.
fn invite() -> Request {
    parse_request(&[
        "INVITE sip:bob@biloxi.com SIP/2.0",
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8",
        "Max-Forwards: 68",
        "Record-Route: <sip:p2.biloxi.com;lr>, <sip:p1.atlanta.com;lr>",
        "To: Bob <sip:bob@biloxi.com>",
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@pc33.atlanta.com>",
    ])
}

/// Bob's response to the INVITE with To tag `tag`, Contact `contact` and
/// the Record-Route values `rr`.
fn answer(status: u16, tag: &str, contact: Option<&str>, rr: &[&str]) -> Response {
    let status = StatusCode::new(status).unwrap();
    let mut r = invite().response(status, Some(tag));
    for v in rr {
        r.headers.push(HeaderName::RecordRoute, *v);
    }
    if let Some(c) = contact {
        r.headers.push(HeaderName::Contact, c);
    }
    r
}

const BOTH_LOOSE: [&str; 2] = ["<sip:p2.biloxi.com;lr>", "<sip:p1.atlanta.com;lr>"];

fn uac_dialog(rr: &[&str]) -> Dialog {
    let ok = answer(200, "a6c85cf", Some("<sip:bob@192.0.2.4>"), rr);
    Dialog::new_uac(&invite(), &ok).unwrap()
}

fn uas_dialog() -> Dialog {
    let ok = answer(200, "a6c85cf", Some("<sip:bob@192.0.2.4>"), &BOTH_LOOSE);
    Dialog::new_uas(&invite(), &ok).unwrap()
}

fn route_uris(d: &Dialog) -> Vec<String> {
    d.route_set().iter().map(|r| r.uri.to_string()).collect()
}

fn routes(r: &Request) -> Vec<&str> {
    r.headers.values(&HeaderName::Route).collect()
}

/// A request Alice sends to Bob inside the dialog, as Bob receives it.
fn from_alice(method: &str, cseq: u32, extra: &[&str]) -> Request {
    let start = format!("{method} sip:bob@192.0.2.4 SIP/2.0");
    let cseq = format!("CSeq: {cseq} {method}");
    let mut lines = vec![
        start.as_str(),
        "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds9",
        "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf",
        "From: Alice <sip:alice@atlanta.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710",
        cseq.as_str(),
    ];
    lines.extend_from_slice(extra);
    parse_request(&lines)
}

#[test]
fn a_uas_dialog_from_an_invite_and_a_180_is_early_with_the_record_route_as_route_set() {
    let ringing = answer(180, "a6c85cf", Some("<sip:bob@192.0.2.4>"), &BOTH_LOOSE);
    let mut d = Dialog::new_uas(&invite(), &ringing).unwrap();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.role(), Role::Uas);
    assert_eq!(
        route_uris(&d),
        ["sip:p2.biloxi.com;lr", "sip:p1.atlanta.com;lr"]
    );
    assert_eq!(d.remote_target().to_string(), "sip:alice@pc33.atlanta.com");
    assert_eq!(d.local_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(d.id().local_tag, "a6c85cf");
    assert_eq!(d.id().remote_tag, "1928301774");
    assert_eq!((d.local_seq(), d.remote_seq()), (None, Some(314159)));
    assert_eq!(d.local_uri().to_string(), "\"Bob\" <sip:bob@biloxi.com>");
    assert_eq!(d.remote_uri().tag(), None);
    assert!(!d.secure());
    // RFC 3261 §15: the callee cannot send BYE on an early dialog.
    let bye = d.request(Method::Bye);
    assert_eq!(bye.unwrap_err(), DialogError::ByeOnEarlyDialog);
    assert!(d.request(Method::Update).is_ok());
}

#[test]
fn a_uac_dialog_takes_the_record_route_in_reverse_order() {
    let d = uac_dialog(&BOTH_LOOSE);
    assert_eq!(d.role(), Role::Uac);
    assert_eq!(
        route_uris(&d),
        ["sip:p1.atlanta.com;lr", "sip:p2.biloxi.com;lr"]
    );
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(d.id().local_tag, "1928301774");
    assert_eq!(d.id().remote_tag, "a6c85cf");
    assert_eq!((d.local_seq(), d.remote_seq()), (Some(314159), None));
}

#[test]
fn a_2xx_confirms_an_early_dialog_and_sets_its_final_route_set_and_target() {
    let ringing = answer(180, "a6c85cf", None, &[]);
    let mut d = Dialog::new_uac(&invite(), &ringing).unwrap();
    assert_eq!(d.state(), DialogState::Early);
    // A 1xx without Contact leaves the Request-URI as the remote target.
    assert_eq!(d.remote_target().to_string(), "sip:bob@biloxi.com");
    let ok = answer(200, "a6c85cf", Some("<sip:bob@192.0.2.4>"), &BOTH_LOOSE);
    d.on_response(&ok).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(route_uris(&d)[0], "sip:p1.atlanta.com;lr");
    // Once confirmed, a retransmitted 2xx changes nothing (RFC 3261 §12.2).
    d.on_response(&answer(200, "a6c85cf", Some("<sip:x@h>"), &[]))
        .unwrap();
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.4");
    assert_eq!(d.route_set().len(), 2);

    let mut uas = Dialog::new_uas(
        &invite(),
        &answer(183, "t", Some("<sip:bob@192.0.2.4>"), &[]),
    )
    .unwrap();
    uas.on_response(&answer(200, "t", Some("<sip:bob@192.0.2.4>"), &[]))
        .unwrap();
    assert_eq!(uas.state(), DialogState::Confirmed);
}

#[test]
fn forked_180s_create_two_early_dialogs_and_a_2xx_picks_one() {
    let mut set = DialogSet::new(invite()).unwrap();
    let trying = invite().response(StatusCode::TRYING, None);
    assert!(set.on_response(&trying).unwrap().is_none());
    set.on_response(&answer(180, "fork-a", Some("<sip:bob@192.0.2.4>"), &[]))
        .unwrap();
    set.on_response(&answer(180, "fork-b", Some("<sip:bob@192.0.2.5>"), &[]))
        .unwrap();
    assert_eq!(set.len(), 2);
    assert!(set.dialogs().all(|d| d.state() == DialogState::Early));

    let ok = answer(200, "fork-b", Some("<sip:bob@192.0.2.5>"), &[]);
    let picked = set.on_response(&ok).unwrap().unwrap();
    assert_eq!(picked.id().remote_tag, "fork-b");
    assert_eq!(picked.state(), DialogState::Confirmed);
    assert_eq!(set.get("fork-a").unwrap().state(), DialogState::Early);
    assert_eq!(set.confirmed().count(), 1);
}

#[test]
fn a_2xx_on_a_new_to_tag_creates_its_own_confirmed_dialog() {
    let mut set = DialogSet::new(invite()).unwrap();
    set.on_response(&answer(180, "fork-a", Some("<sip:bob@192.0.2.4>"), &[]))
        .unwrap();
    let ok = answer(200, "fork-c", Some("<sip:bob@192.0.2.6>"), &BOTH_LOOSE);
    let d = set.on_response(&ok).unwrap().unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.remote_target().to_string(), "sip:bob@192.0.2.6");
    assert_eq!(set.len(), 2);
    let no_tag = invite().response(StatusCode::OK, None);
    assert_eq!(
        set.on_response(&no_tag).unwrap_err(),
        DialogError::MissingTag { header: "To" }
    );
}

#[test]
fn a_failure_response_terminates_every_early_dialog_of_the_set() {
    let mut set = DialogSet::new(invite()).unwrap();
    set.on_response(&answer(180, "fork-a", Some("<sip:bob@192.0.2.4>"), &[]))
        .unwrap();
    set.on_response(&answer(180, "fork-b", Some("<sip:bob@192.0.2.5>"), &[]))
        .unwrap();
    let busy = answer(486, "fork-b", None, &[]);
    assert!(set.on_response(&busy).unwrap().is_none());
    assert!(set.dialogs().all(|d| d.state() == DialogState::Terminated));
    let mut other = answer(180, "fork-a", None, &[]);
    other.headers.set(HeaderName::CallId, "elsewhere");
    assert_eq!(
        set.on_response(&other).unwrap_err(),
        DialogError::Mismatch("Call-ID")
    );
}

#[test]
fn loose_routing_puts_the_route_set_in_route_and_the_remote_target_in_the_request_uri() {
    let mut d = uac_dialog(&BOTH_LOOSE);
    let bye = d.request(Method::Bye).unwrap();
    assert_eq!(bye.uri.to_string(), "sip:bob@192.0.2.4");
    assert_eq!(
        routes(&bye),
        ["<sip:p1.atlanta.com;lr>", "<sip:p2.biloxi.com;lr>"]
    );
    assert_eq!(bye.to().unwrap().tag(), Some("a6c85cf"));
    assert_eq!(bye.from().unwrap().tag(), Some("1928301774"));
    assert_eq!(bye.call_id(), Some("a84b4c76e66710"));
    assert_eq!(bye.headers.get(&HeaderName::MaxForwards), Some("70"));
    assert_eq!(bye.headers.get(&HeaderName::Contact), None);
    assert!(bye.headers.get(&HeaderName::Via).is_none());
    let info = d.request(Method::Info).unwrap();
    assert_eq!(
        info.headers.get(&HeaderName::Contact),
        Some("<sip:alice@pc33.atlanta.com>")
    );
}

#[test]
fn strict_routing_puts_the_first_route_in_the_request_uri_and_the_remote_target_last_in_route() {
    let rr = [
        "<sip:p2.biloxi.com;lr>",
        "<sip:p1.atlanta.com;method=INVITE;maddr=192.0.2.1>;x=y",
    ];
    let mut d = uac_dialog(&rr);
    let info = d.request(Method::Info).unwrap();
    assert_eq!(info.uri.to_string(), "sip:p1.atlanta.com;maddr=192.0.2.1");
    assert_eq!(
        routes(&info),
        ["<sip:p2.biloxi.com;lr>", "<sip:bob@192.0.2.4>"]
    );
}

#[test]
fn the_local_cseq_increments_and_an_ack_reuses_the_invite_cseq() {
    let mut d = uac_dialog(&[]);
    let reinvite = d.request(Method::Invite).unwrap();
    assert_eq!(reinvite.cseq().unwrap().seq, 314160);
    assert_eq!(d.request(Method::Info).unwrap().cseq().unwrap().seq, 314161);
    let ack = d.ack_for(314160);
    assert_eq!(ack.cseq().unwrap().to_string(), "314160 ACK");
    assert_eq!(ack.uri, reinvite.uri);
    assert_eq!(d.local_seq(), Some(314161));
    assert_eq!(
        d.request(Method::Ack).unwrap_err(),
        DialogError::SequenceReused(Method::Ack)
    );
    assert_eq!(
        d.request(Method::Cancel).unwrap_err(),
        DialogError::SequenceReused(Method::Cancel)
    );
    // A UAS's first request starts its empty local sequence.
    assert_eq!(
        uas_dialog()
            .request(Method::Bye)
            .unwrap()
            .cseq()
            .unwrap()
            .seq,
        1
    );
    d.terminate();
    assert_eq!(d.request(Method::Bye).unwrap_err(), DialogError::Terminated);
}

#[test]
fn an_out_of_order_remote_cseq_is_rejected() {
    let mut d = uas_dialog();
    d.check_remote_cseq(&from_alice("INFO", 314161, &[]))
        .unwrap();
    assert_eq!(d.remote_seq(), Some(314161));
    assert_eq!(
        d.check_remote_cseq(&from_alice("INFO", 314160, &[])),
        Err(DialogError::CSeqOutOfOrder {
            received: 314160,
            last: 314161
        })
    );
    assert!(d.check_remote_cseq(&from_alice("ACK", 314159, &[])).is_ok());
    assert_eq!(d.remote_seq(), Some(314161));
    let mut stranger = from_alice("INFO", 314170, &[]);
    stranger
        .headers
        .set(HeaderName::To, "<sip:bob@biloxi.com>;tag=other");
    assert_eq!(
        d.check_remote_cseq(&stranger),
        Err(DialogError::Mismatch("local tag"))
    );
}

#[test]
fn a_target_refresh_updates_the_remote_target_but_not_the_route_set() {
    let mut d = uas_dialog();
    let reinvite = from_alice(
        "INVITE",
        314160,
        &[
            "Contact: <sip:alice@192.0.2.99>",
            "Record-Route: <sip:elsewhere.example;lr>",
        ],
    );
    assert_eq!(d.apply_target_refresh(&reinvite), Ok(true));
    assert_eq!(d.remote_target().to_string(), "sip:alice@192.0.2.99");
    assert_eq!(route_uris(&d)[0], "sip:p2.biloxi.com;lr");
    let info = from_alice("INFO", 314161, &["Contact: <sip:alice@192.0.2.7>"]);
    assert_eq!(d.apply_target_refresh(&info), Ok(false));

    let mut uac = uac_dialog(&[]);
    let update = uac.request(Method::Update).unwrap();
    let mut ok = update.response(StatusCode::OK, None);
    ok.headers
        .push(HeaderName::Contact, "<sip:bob@198.51.100.3>");
    assert_eq!(uac.apply_target_refresh_response(&ok), Ok(true));
    assert_eq!(uac.remote_target().to_string(), "sip:bob@198.51.100.3");
}

#[test]
fn requests_built_in_a_dialog_print_and_parse_back() {
    let strict = ["<sip:p2.biloxi.com;lr>", "<sip:p1.atlanta.com>;x=y"];
    let mut built = Vec::new();
    for rr in [&BOTH_LOOSE[..], &strict[..], &[][..]] {
        let mut d = uac_dialog(rr);
        built.push(d.request(Method::Invite).unwrap());
        built.push(d.ack_for(314160));
        built.push(d.request(Method::Bye).unwrap());
    }
    built.push(uas_dialog().request(Method::Notify).unwrap());
    for mut request in built {
        let via = Via::new(
            "UDP",
            Host::Name("pc33.atlanta.com".into()),
            None,
            "z9hG4bK1",
        );
        request.headers.push_front(HeaderName::Via, via.to_string());
        let Ok(Message::Request(mut parsed)) = crate::parse(&request.to_bytes()) else {
            panic!("does not parse: {request:?}");
        };
        parsed.headers.remove(&HeaderName::ContentLength);
        assert_eq!(parsed, request);
    }
}

#[test]
fn messages_that_cannot_make_a_dialog_are_refused_with_the_reason() {
    let no_contact = answer(200, "t", None, &[]);
    assert_eq!(
        Dialog::new_uac(&invite(), &no_contact).unwrap_err(),
        DialogError::MissingContact
    );
    let trying = invite().response(StatusCode::TRYING, Some("t"));
    assert_eq!(
        Dialog::new_uas(&invite(), &trying).unwrap_err(),
        DialogError::NotDialogResponse(100)
    );
    let mut options = invite();
    options.method = Method::Options;
    assert!(matches!(
        Dialog::new_uas(&options, &answer(200, "t", Some("<sip:b@h>"), &[])),
        Err(DialogError::NotDialogCreating(Method::Options))
    ));
    let star = answer(200, "t", Some("*"), &[]);
    assert_eq!(
        Dialog::new_uac(&invite(), &star).unwrap_err(),
        DialogError::InvalidContact
    );
    assert_eq!(
        DialogId::of_request_as_uas(&invite()).unwrap_err(),
        DialogError::MissingTag { header: "To" }
    );
    let mut broken = answer(200, "t", Some("<sip:b@h>"), &[]);
    broken.headers.push(HeaderName::RecordRoute, "<not a uri");
    assert!(matches!(
        Dialog::new_uac(&invite(), &broken),
        Err(DialogError::Header(_))
    ));
}

#[test]
fn dialog_ids_match_from_both_ends_and_the_secure_flag_needs_tls_and_sips() {
    let ok = answer(200, "a6c85cf", Some("<sip:bob@192.0.2.4>"), &[]);
    let uac = DialogId::of_response_as_uac(&ok).unwrap();
    assert_eq!(&uac, uac_dialog(&[]).id());
    let uas = DialogId::of_request_as_uas(&from_alice("BYE", 314160, &[])).unwrap();
    assert_eq!(&uas, uas_dialog().id());
    assert_eq!(
        (uas.local_tag, uas.remote_tag),
        (uac.remote_tag, uac.local_tag)
    );

    let mut secure = invite();
    secure.uri = Uri::parse("sips:bob@biloxi.com").unwrap();
    secure.headers.set(
        HeaderName::Via,
        "SIP/2.0/TLS pc33.atlanta.com;branch=z9hG4bKnashds8",
    );
    assert!(Dialog::new_uas(&secure, &ok).unwrap().secure());
}
