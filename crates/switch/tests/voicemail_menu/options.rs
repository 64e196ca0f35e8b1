//! Mailbox options by phone: the greeting, the name, the PIN.

use std::time::Duration;

use bytes::Bytes;
use switch::voicemail::RecordEnd;
use switch::voicemail::menu;

use crate::office::{NOW, PIN, office, right_pin};
use crate::scripted::{Event, ScriptedLine, Step, contains_run, keys, voice, wav_bytes};

#[tokio::test]
async fn a_recorded_greeting_replaces_the_old_one_after_review() {
    let o = office(true).await;
    let scope = o.vm.store().account(o.cx.account);
    let old_key = format!(
        "voicemail/{}/{}/greeting-1.wav",
        o.cx.account.raw(),
        o.cx.user.raw()
    );
    o.vm.blobs()
        .put(
            &old_key,
            Bytes::from(wav_bytes(&voice(Duration::from_secs(1)))),
        )
        .await
        .unwrap();
    scope.set_greeting(o.cx.user, Some(&old_key)).await.unwrap();
    let steps = [
        right_pin(),
        keys("01"),
        vec![Step::Speak(Duration::from_secs(2), RecordEnd::Digit('#'))],
        keys("2"),
        vec![Step::Listen],
        keys("1*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "vm-options / vm-rec-unv beep record vm-review / audio:16000 vm-review / vm-msgsaved vm-options /"
        ),
        "{heard:?}"
    );
    let key = o.mailbox().await.greeting_key.expect("a greeting is set");
    assert_eq!(
        key,
        format!(
            "voicemail/{}/{}/greeting-{NOW}.wav",
            o.cx.account.raw(),
            o.cx.user.raw()
        )
    );
    let stored = menu::load_audio(o.vm.blobs(), &key)
        .await
        .expect("readable");
    assert_eq!(stored, voice(Duration::from_secs(2)));
    assert!(
        o.vm.blobs().get(&old_key).await.is_err(),
        "the old greeting is deleted"
    );
    let recorded_into: Vec<_> = line
        .log
        .iter()
        .filter_map(|e| match e {
            Event::Record(path) => Some(path.parent().unwrap().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(
        recorded_into,
        vec![o.cx.spool.clone()],
        "recorded in the spool"
    );
    let spooled = std::fs::read_dir(&o.cx.spool).unwrap().count();
    assert_eq!(spooled, 0, "the spool file is removed");
}

#[tokio::test]
async fn a_name_recorded_again_keeps_only_the_second_take() {
    let o = office(true).await;
    let take = |s| Step::Speak(Duration::from_secs(s), RecordEnd::Silence);
    let steps = [
        right_pin(),
        keys("03"),
        vec![take(4)],
        keys("3"),
        vec![take(6)],
        keys("1*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-rec-name beep record vm-review / vm-rec-name beep record vm-review / vm-msgsaved"
    ));
    let mailbox = o.mailbox().await;
    assert_eq!(mailbox.greeting_key, None);
    let key = mailbox.name_key.expect("a name is set");
    let stored = menu::load_audio(o.vm.blobs(), &key).await.unwrap();
    assert_eq!(
        stored.len(),
        28_000,
        "the second take, less the 2.5 s of the silence that ended it"
    );
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn a_recording_of_nothing_but_silence_is_too_short() {
    let o = office(true).await;
    let silence = Step::Speak(Duration::from_secs(3), RecordEnd::Silence);
    let mut line = ScriptedLine::new([right_pin(), keys("01"), vec![silence], keys("*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-rec-unv beep record vm-tooshort vm-options /"
    ));
    assert_eq!(o.mailbox().await.greeting_key, None);
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn hanging_up_while_recording_keeps_the_old_greeting() {
    let o = office(true).await;
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            keys("02"),
            vec![Step::Speak(Duration::from_secs(5), RecordEnd::HungUp)],
        ]
        .concat(),
    );
    o.run(&mut line).await;
    assert!(contains_run(&line.heard(), "vm-rec-busy beep record"));
    assert_eq!(
        line.heard().last().unwrap(),
        "record",
        "nobody to say goodbye to"
    );
    assert_eq!(o.mailbox().await.greeting_key, None);
    assert_eq!(std::fs::read_dir(&o.cx.spool).unwrap().count(), 0);
}

#[tokio::test]
async fn a_new_pin_keyed_twice_replaces_the_old_one() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([right_pin(), keys("05"), keys("13579#13579#*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-newpassword / vm-reenterpassword / vm-passchanged vm-options"
    ));
    let user =
        o.vm.store()
            .account(o.cx.account)
            .user(o.cx.user)
            .await
            .unwrap();
    let pin = user.voicemail.pin.unwrap();
    assert!(pin.matches("13579") && !pin.matches(PIN));
}

#[tokio::test]
async fn a_new_pin_keyed_differently_twice_changes_nothing() {
    let o = office(true).await;
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            keys("05"),
            keys("13579#13570#5"),
            keys("12#*#"),
        ]
        .concat(),
    );
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(&heard, "vm-mismatch vm-options"));
    assert!(
        contains_run(&heard, "vm-newpassword / vm-invalid-password"),
        "too short a PIN"
    );
    let user =
        o.vm.store()
            .account(o.cx.account)
            .user(o.cx.user)
            .await
            .unwrap();
    assert!(user.voicemail.pin.unwrap().matches(PIN));
}
