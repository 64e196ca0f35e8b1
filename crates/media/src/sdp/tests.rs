use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use proptest::prelude::*;

use super::*;

const BARESIP: &str = "v=0\r\n\
o=- 1189424416 1862785530 IN IP4 192.168.0.2\r\n\
s=-\r\n\
c=IN IP4 192.168.0.2\r\n\
t=0 0\r\n\
a=tool:baresip 3.10.1\r\n\
m=audio 10350 RTP/AVP 9 0 8 101\r\n\
b=AS:64\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n\
a=rtcp-mux\r\n\
a=ssrc:2897061826 cname:sip:alice@example.com\r\n";

// The body of /work/shared/bench/sipp/uac_call.xml once sipp fills it in:
// LF line ends and no direction attribute.
const SIPP: &str = "v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0 8
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=ptime:20
";

const LINPHONE: &str = "v=0\r\n\
o=bob 3251 1739 IN IP4 192.168.1.20\r\n\
s=Talk\r\n\
c=IN IP4 192.168.1.20\r\n\
t=0 0\r\n\
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n\
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 useinbandfec=1\r\n\
a=rtpmap:97 speex/16000\r\n\
a=fmtp:97 vbr=on\r\n\
a=rtpmap:98 speex/8000\r\n\
a=fmtp:98 vbr=on\r\n\
a=fmtp:18 annexb=yes\r\n\
a=rtpmap:101 telephone-event/48000\r\n\
a=rtpmap:99 telephone-event/16000\r\n\
a=rtpmap:100 telephone-event/8000\r\n\
a=rtcp-fb:* trr-int 1000\r\n\
a=rtcp-fb:* ccm tmmbr\r\n\
m=video 9078 RTP/AVP 96\r\n\
a=rtpmap:96 VP8/90000\r\n\
a=rtcp-fb:* ccm fir\r\n";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn switch_offer(direction: Direction) -> SessionDescription {
    SessionDescription::offer(
        ip("10.0.0.1"),
        40000,
        7,
        1,
        &[Format::pcma(), Format::pcmu()],
        true,
        direction,
    )
}

#[test]
fn baresip_offer_parses_with_its_codecs_and_dtmf() {
    let sdp = SessionDescription::parse(BARESIP).unwrap();
    assert_eq!(sdp.origin.session_id, 1189424416);
    assert_eq!(sdp.attributes, vec!["tool:baresip 3.10.1".to_owned()]);
    let audio = sdp.audio().unwrap();
    assert_eq!(audio.formats, vec![9, 0, 8, 101]);
    // G.722 is unknown to the switch and skipped.
    let codecs: Vec<Codec> = audio.formats().iter().map(|f| f.codec).collect();
    assert_eq!(
        codecs,
        vec![Codec::Pcmu, Codec::Pcma, Codec::TelephoneEvent]
    );
    assert_eq!(audio.telephone_event(), Some(101));
    assert_eq!(audio.ptime(), Some(20));
    assert_eq!(audio.direction, Direction::SendRecv);
    assert!(audio.attributes.contains(&"rtcp-mux".to_owned()));
    assert!(!audio.attributes.iter().any(|a| a == "sendrecv"));
    assert_eq!(
        sdp.audio_endpoint(),
        Some("192.168.0.2:10350".parse().unwrap())
    );
}

#[test]
fn sipp_offer_with_lf_line_ends_parses() {
    let sdp = SessionDescription::parse(SIPP).unwrap();
    let audio = sdp.audio().unwrap();
    assert_eq!(audio.formats(), vec![Format::pcmu(), Format::pcma()]);
    assert_eq!(audio.telephone_event(), None);
    assert_eq!(
        sdp.audio_endpoint(),
        Some("127.0.0.1:6000".parse().unwrap())
    );
}

#[test]
fn linphone_offer_keeps_opus_fmtp_and_finds_the_8k_telephone_event() {
    let sdp = SessionDescription::parse(LINPHONE).unwrap();
    assert_eq!(sdp.media.len(), 2);
    let audio = sdp.audio().unwrap();
    let formats = audio.formats();
    assert_eq!(
        formats[0],
        Format {
            pt: 96,
            codec: Codec::Opus,
            fmtp: Some("useinbandfec=1".to_owned())
        }
    );
    // telephone-event/48000 and /16000 are not the 8 kHz codec.
    assert_eq!(audio.telephone_event(), Some(100));
    let codecs: Vec<Codec> = formats.iter().map(|f| f.codec).collect();
    assert_eq!(
        codecs,
        vec![Codec::Opus, Codec::Pcmu, Codec::Pcma, Codec::TelephoneEvent]
    );
}

#[test]
fn static_payload_types_are_known_without_rtpmap() {
    let sdp = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\nm=audio 5004 RTP/AVP 8 0 18\n",
    )
    .unwrap();
    assert_eq!(
        sdp.audio().unwrap().formats(),
        vec![Format::pcma(), Format::pcmu()]
    );
}

#[test]
fn media_level_connection_wins_over_session_level() {
    let sdp = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n\
         m=audio 5004 RTP/AVP 0\nc=IN IP6 2001:db8::5\n",
    )
    .unwrap();
    assert_eq!(
        sdp.audio_endpoint(),
        Some("[2001:db8::5]:5004".parse().unwrap())
    );
}

#[test]
fn session_level_direction_applies_to_media_without_their_own() {
    let sdp = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\na=sendonly\n\
         m=audio 5004 RTP/AVP 0\nm=audio 5006 RTP/AVP 0\na=inactive\n",
    )
    .unwrap();
    assert_eq!(sdp.media[0].direction, Direction::SendOnly);
    assert_eq!(sdp.media[1].direction, Direction::Inactive);
    assert!(sdp.attributes.is_empty());
}

#[test]
fn disabled_audio_stream_is_skipped() {
    let sdp = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n\
         m=audio 0 RTP/AVP 0\nm=audio 7000 RTP/AVP 8\n",
    )
    .unwrap();
    assert_eq!(sdp.audio().unwrap().port, 7000);
}

#[test]
fn malformed_mandatory_lines_are_refused() {
    let cases = [
        ("o=- 1 1 IN IP4 1.1.1.1\ns=-\n", SdpError::MissingVersion),
        ("v=1\no=- 1 1 IN IP4 1.1.1.1\n", SdpError::MissingVersion),
        (
            "v=0\no=- x 1 IN IP4 1.1.1.1\n",
            SdpError::BadOrigin {
                line: 2,
                text: "- x 1 IN IP4 1.1.1.1".into(),
            },
        ),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nc=IN IP4 pbx.example\n",
            SdpError::BadConnection {
                line: 3,
                text: "IN IP4 pbx.example".into(),
            },
        ),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nc=IN IP6 1.1.1.1\n",
            SdpError::BadConnection {
                line: 3,
                text: "IN IP6 1.1.1.1".into(),
            },
        ),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nm=audio 99999 RTP/AVP 0\n",
            SdpError::BadMedia {
                line: 3,
                text: "audio 99999 RTP/AVP 0".into(),
            },
        ),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nm=audio 5000 RTP/AVP PCMU\n",
            SdpError::BadMedia {
                line: 3,
                text: "audio 5000 RTP/AVP PCMU".into(),
            },
        ),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nm=audio 5000 RTP/AVP\n",
            SdpError::BadMedia {
                line: 3,
                text: "audio 5000 RTP/AVP".into(),
            },
        ),
        ("v=0\nm=audio 5000 RTP/AVP 0\n", SdpError::MissingOrigin),
        (
            "v=0\no=- 1 1 IN IP4 1.1.1.1\nthis is not sdp\n",
            SdpError::MalformedLine {
                line: 3,
                text: "this is not sdp".into(),
            },
        ),
        ("", SdpError::MissingVersion),
    ];
    for (text, expected) in cases {
        assert_eq!(SessionDescription::parse(text), Err(expected), "{text:?}");
    }
}

#[test]
fn unknown_lines_and_non_rtp_streams_are_tolerated() {
    let sdp = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 pbx.example.com\ns=-\ni=info\nu=http://x\nb=CT:128\nx=whatever\n\
         c=IN IP4 10.1.1.1\nt=0 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n\
         m=audio 5004 RTP/AVP 0\n",
    )
    .unwrap();
    assert_eq!(sdp.origin.address, "pbx.example.com");
    assert_eq!(
        sdp.media[0].other_formats,
        vec!["webrtc-datachannel".to_owned()]
    );
    assert_eq!(sdp.audio().unwrap().port, 5004);
}

#[test]
fn offer_prints_in_rfc_order_with_crlf() {
    let text = switch_offer(Direction::SendRecv).to_string();
    assert_eq!(
        text,
        "v=0\r\no=- 7 1 IN IP4 10.0.0.1\r\ns=Switchboard\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    );
}

#[test]
fn offer_moves_telephone_event_off_a_taken_payload_type() {
    let offer = SessionDescription::offer(
        ip("10.0.0.1"),
        4000,
        1,
        1,
        &[Format {
            pt: 101,
            codec: Codec::Opus,
            fmtp: None,
        }],
        true,
        Direction::SendRecv,
    );
    assert_eq!(offer.audio().unwrap().telephone_event(), Some(96));
}

#[test]
fn parsed_sdp_round_trips_through_print() {
    for text in [BARESIP, SIPP, LINPHONE] {
        let sdp = SessionDescription::parse(text).unwrap();
        assert_eq!(SessionDescription::parse(&sdp.to_string()).unwrap(), sdp);
    }
}

#[test]
fn answer_picks_the_offerers_first_common_codec_and_dtmf() {
    let offer = SessionDescription::parse(LINPHONE).unwrap();
    let ours = [Codec::Pcma, Codec::Pcmu, Codec::TelephoneEvent];
    let (answer, agreement) = SessionDescription::answer(
        &offer,
        ip("10.0.0.1"),
        30000,
        9,
        1,
        &ours,
        Direction::SendRecv,
    )
    .unwrap();
    // Linphone prefers PCMU over PCMA, so PCMU it is, on 8 kHz events PT 100.
    assert_eq!(agreement.format, Format::pcmu());
    assert_eq!(agreement.telephone_event, Some(100));
    assert_eq!(
        agreement.remote,
        "192.168.1.20:7078".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(agreement.direction, Direction::SendRecv);
    assert_eq!(agreement.ptime, 20);
    // One answer line per offered line; the video is rejected.
    assert_eq!(answer.media.len(), 2);
    assert_eq!(answer.media[0].formats, vec![0, 100]);
    assert_eq!(answer.media[1].port, 0);
    assert_eq!(
        answer.audio_endpoint(),
        Some("10.0.0.1:30000".parse().unwrap())
    );
}

#[test]
fn answer_keeps_opus_payload_type_and_fmtp() {
    let offer = SessionDescription::parse(LINPHONE).unwrap();
    let (answer, agreement) = SessionDescription::answer(
        &offer,
        ip("10.0.0.1"),
        30000,
        9,
        1,
        &[Codec::Opus, Codec::Pcmu],
        Direction::SendRecv,
    )
    .unwrap();
    assert_eq!(agreement.format.pt, 96);
    assert_eq!(agreement.telephone_event, None);
    let answered = SessionDescription::parse(&answer.to_string()).unwrap();
    assert_eq!(answered.audio().unwrap().formats(), vec![agreement.format]);
}

#[test]
fn answer_without_common_codec_is_refused() {
    let offer = SessionDescription::parse(SIPP).unwrap();
    let result = SessionDescription::answer(
        &offer,
        ip("10.0.0.1"),
        1,
        1,
        1,
        &[Codec::Opus],
        Direction::SendRecv,
    );
    assert_eq!(result.unwrap_err(), SdpError::NoCommonCodec);
}

#[test]
fn srtp_offer_is_refused_rather_than_answered_in_plain_rtp() {
    let offer = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n\
         m=audio 5004 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\n",
    )
    .unwrap();
    let result = SessionDescription::answer(
        &offer,
        ip("10.0.0.1"),
        1,
        1,
        1,
        &[Codec::Pcmu],
        Direction::SendRecv,
    );
    assert_eq!(
        result.unwrap_err(),
        SdpError::UnsupportedTransport("RTP/SAVP".into())
    );
}

#[test]
fn answer_direction_follows_rfc3264() {
    use Direction::*;
    let table = [
        (SendRecv, SendRecv, SendRecv),
        (SendRecv, SendOnly, SendOnly),
        (SendRecv, RecvOnly, RecvOnly),
        (SendRecv, Inactive, Inactive),
        (SendOnly, SendRecv, RecvOnly),
        (RecvOnly, SendRecv, SendOnly),
        (Inactive, SendRecv, Inactive),
        // A party that only wants to send cannot take a sendonly offer.
        (SendOnly, SendOnly, Inactive),
    ];
    for (offered, want, expected) in table {
        let offer = switch_offer(offered);
        let (answer, agreement) =
            SessionDescription::answer(&offer, ip("10.0.0.2"), 5, 1, 1, &[Codec::Pcmu], want)
                .unwrap();
        assert_eq!(
            answer.audio().unwrap().direction,
            expected,
            "{offered} / {want}"
        );
        assert_eq!(agreement.direction, expected);
    }
}

#[test]
fn an_old_style_hold_at_0_0_0_0_is_answered_recvonly() {
    let offer = SessionDescription::parse(
        "v=0\no=- 1 2 IN IP4 10.1.1.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 5004 RTP/AVP 0\n",
    )
    .unwrap();
    let (answer, agreement) = SessionDescription::answer(
        &offer,
        ip("10.0.0.1"),
        7,
        1,
        1,
        &[Codec::Pcmu],
        Direction::SendRecv,
    )
    .unwrap();
    assert_eq!(agreement.direction, Direction::RecvOnly);
    assert_eq!(answer.audio().unwrap().direction, Direction::RecvOnly);
    assert!(!agreement.direction.sends());
}

#[test]
fn agreement_from_answer_reads_the_peers_choice() {
    let offer = switch_offer(Direction::SendRecv);
    let answer = SessionDescription::parse(
        "v=0\r\no=- 5 5 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
         m=audio 9000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:30\r\na=recvonly\r\n",
    )
    .unwrap();
    let agreement = agreement_from_answer(&offer, &answer).unwrap();
    assert_eq!(
        agreement,
        Agreement {
            remote: "192.0.2.9:9000".parse().unwrap(),
            format: Format::pcmu(),
            telephone_event: Some(101),
            direction: Direction::SendOnly,
            ptime: 30,
        }
    );
}

#[test]
fn agreement_from_answer_refuses_a_codec_we_did_not_offer_or_rejected_audio() {
    let offer = switch_offer(Direction::SendRecv);
    let unasked = SessionDescription::parse(
        "v=0\no=- 5 5 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 9000 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n",
    )
    .unwrap();
    assert_eq!(
        agreement_from_answer(&offer, &unasked),
        Err(SdpError::NoCommonCodec)
    );
    let rejected = SessionDescription::parse(
        "v=0\no=- 5 5 IN IP4 192.0.2.9\ns=-\nc=IN IP4 192.0.2.9\nt=0 0\nm=audio 0 RTP/AVP 0\n",
    )
    .unwrap();
    assert_eq!(
        agreement_from_answer(&offer, &rejected),
        Err(SdpError::NoAudio)
    );
}

#[test]
fn hold_is_detected_by_direction_or_null_address() {
    let held = |extra: &str| {
        let sdp = SessionDescription::parse(&format!(
            "v=0\no=- 1 2 IN IP4 10.1.1.1\ns=-\nc=IN IP4 {extra}\nt=0 0\nm=audio 5004 RTP/AVP 0\n"
        ))
        .unwrap();
        sdp.is_hold()
    };
    assert!(held("0.0.0.0"));
    assert!(!held("10.1.1.1"));
    let mut offer = switch_offer(Direction::SendOnly);
    assert!(is_hold(&offer.media[0]));
    offer.media[0].direction = Direction::RecvOnly;
    assert!(!is_hold(&offer.media[0]));
    offer.media[0].connection = Some(HOLD_ADDRESS);
    assert!(is_hold(&offer.media[0]));
}

#[test]
fn direction_helpers_agree() {
    use Direction::*;
    for d in [SendRecv, SendOnly, RecvOnly, Inactive] {
        assert_eq!(d.reverse().reverse(), d);
        assert_eq!(d.reverse().sends(), d.receives());
        assert_eq!(Direction::from_attribute(d.as_str()), Some(d));
    }
}

fn arb_format() -> impl Strategy<Value = Format> {
    prop_oneof![
        Just(Format::pcmu()),
        Just(Format::pcma()),
        (96u8..=127, proptest::option::of("[a-z]{1,8}=[0-9]{1,3}")).prop_map(|(pt, fmtp)| Format {
            pt,
            codec: Codec::Opus,
            fmtp
        }),
    ]
}

fn arb_direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive),
    ]
}

fn arb_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        any::<[u16; 8]>().prop_map(|s| IpAddr::V6(Ipv6Addr::from(s))),
    ]
}

proptest! {
    #[test]
    fn printing_then_parsing_an_offer_is_identity(
        addr in arb_ip(),
        port in 1u16..,
        id in any::<u64>(),
        version in any::<u64>(),
        formats in proptest::collection::vec(arb_format(), 1..4),
        dtmf in any::<bool>(),
        direction in arb_direction(),
    ) {
        let offer = SessionDescription::offer(addr, port, id, version, &formats, dtmf, direction);
        let parsed = SessionDescription::parse(&offer.to_string()).unwrap();
        prop_assert_eq!(&parsed, &offer);
        prop_assert_eq!(parsed.audio_endpoint(), Some(SocketAddr::new(addr, port)));
    }

    #[test]
    fn parser_never_panics(text in "[vosctma=0-9 ./:A-Za-z\r\n-]{0,200}") {
        let _ = SessionDescription::parse(&text);
    }
}
