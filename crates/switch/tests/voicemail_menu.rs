//! The mailbox menu by phone over a real store (SQLite), object store
//! (a folder) and voicemail service, with a scripted caller: what the
//! caller heard, in order, and what the mailbox holds afterwards.
//! Recording and the PIN change are in `voicemail_menu/options.rs`.

use std::path::Path;

use domain::{MessageStatus, UnixMillis};
use switch::voicemail::menu::{self, prompts};

#[path = "voicemail_menu/office.rs"]
mod office;
#[path = "voicemail_menu/options.rs"]
mod options;
#[path = "voicemail_menu/scripted.rs"]
mod scripted;

use office::{NOW, PIN, office, right_pin};
use scripted::{ScriptedLine, Step, contains_run, keys, said, wav_bytes};

#[tokio::test]
async fn a_wrong_pin_is_refused_then_the_right_one_lets_the_caller_in() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([keys("1111#"), right_pin(), keys("#")].concat());
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / vm-incorrect \
             vm-password / \
             vm-youhave vm-no vm-messages \
             vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    let mailbox = o.mailbox().await;
    assert_eq!(mailbox.pin_failures, 0, "the right PIN resets the count");
    assert!(!mailbox.locked(UnixMillis::from_millis(NOW)));
}

#[tokio::test]
async fn a_pin_ends_after_five_seconds_without_a_key() {
    let o = office(true).await;
    let mut line =
        ScriptedLine::new([vec![Step::Listen], keys(PIN), vec![Step::Silent], keys("#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(&line.heard(), "vm-password vm-youhave"));
}

#[tokio::test]
async fn three_wrong_pins_lock_the_mailbox_and_hang_up() {
    let o = office(true).await;
    let mut line = ScriptedLine::new([keys("1#2#3#"), right_pin()].concat());
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / vm-incorrect \
             vm-password / vm-incorrect \
             vm-password / vm-incorrect \
             vm-goodbye hang-up"
        )
    );
    assert!(
        o.mailbox()
            .await
            .locked(UnixMillis::from_millis(NOW + 60_000))
    );
}

#[tokio::test]
async fn a_locked_mailbox_refuses_even_the_right_pin() {
    let o = office(true).await;
    let scope = o.vm.store().account(o.cx.account);
    for _ in 0..3 {
        scope
            .pin_failed(o.cx.user, UnixMillis::from_millis(NOW - 1000))
            .await
            .unwrap();
    }
    let mut line = ScriptedLine::new([right_pin(), keys("#")].concat());
    o.run(&mut line).await;
    assert_eq!(line.heard(), said("vm-incorrect vm-goodbye hang-up"));
    assert_eq!(line.steps.len(), PIN.len() + 2, "no PIN was read");
    assert!(o.mailbox().await.locked(UnixMillis::from_millis(NOW)));
}

#[tokio::test]
async fn a_mailbox_without_a_pin_cannot_be_reached() {
    let o = office(false).await;
    let mut line = ScriptedLine::new(right_pin());
    o.run(&mut line).await;
    assert_eq!(line.heard(), said("vm-incorrect vm-goodbye hang-up"));
}

#[tokio::test]
async fn a_new_message_heard_to_the_end_becomes_saved_and_the_lamps_hear_of_it() {
    let mut o = office(true).await;
    let (message, samples) = o.message("+33612345678", 60_000, 2).await;
    let mut line =
        ScriptedLine::new([right_pin(), keys("1"), vec![Step::Listen], keys("*#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert_eq!(
        heard,
        said(
            "vm-password / \
             vm-youhave 1 vm-INBOX vm-message vm-and vm-no vm-Old vm-messages \
             vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
             vm-first vm-message audio:16000 \
             vm-advopts vm-repeat vm-delete vm-savemessage vm-starmain / \
             vm-onefor vm-Old vm-messages vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    assert_eq!(
        line.audio_played(),
        vec![samples],
        "the stored audio, as recorded"
    );
    assert_eq!(o.status(&message).await, Some(MessageStatus::Saved));
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn new_messages_come_first_newest_first_then_saved_ones() {
    let mut o = office(true).await;
    let (old_new, _) = o.message("+33600000001", 300_000, 1).await;
    let (saved, _) = o.message("+33600000002", 100_000, 3).await;
    let (new, _) = o.message("+33600000003", 200_000, 2).await;
    o.vm.set_status(o.cx.account, o.cx.user, saved.id, MessageStatus::Saved)
        .await
        .unwrap();
    o.announced();
    let listen = vec![Step::Listen, Step::Key('6')];
    let steps = [
        right_pin(),
        keys("1"),
        listen.clone(),
        listen.clone(),
        listen,
        keys("#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(
        &heard,
        "vm-youhave 2 vm-INBOX vm-messages vm-and 1 vm-Old vm-message"
    ));
    // The newer new message (2 s), the older (1 s), then the saved one (3 s).
    assert!(
        contains_run(&heard, "vm-first vm-message audio:16000"),
        "{heard:?}"
    );
    assert!(contains_run(&heard, "vm-message 2 audio:8000"));
    assert!(contains_run(&heard, "vm-last vm-message audio:24000"));
    assert!(contains_run(&heard, "vm-nomore vm-onefor vm-Old"));
    for m in [&old_new, &new, &saved] {
        assert_eq!(o.status(m).await, Some(MessageStatus::Saved));
    }
    assert_eq!(o.announced(), 2, "only the two new messages changed");
}

#[tokio::test]
async fn deleting_a_message_removes_its_row_and_audio_and_plays_the_next() {
    let mut o = office(true).await;
    let (first, _) = o.message("+33600000001", 1_000, 1).await;
    let (second, second_audio) = o.message("+33600000002", 2_000, 3).await;
    // 7 stops the first message; * stops the second before its end.
    let mut line = ScriptedLine::new([right_pin(), keys("17*#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "vm-first vm-message audio:8000 / vm-deleted \
             vm-first vm-message audio:24000 / \
             vm-onefor vm-INBOX"
        ),
        "{heard:?}"
    );
    assert_eq!(o.status(&first).await, None, "the row is gone");
    for key in [&first.wav_key, &first.mp3_key] {
        assert!(o.vm.blobs().get(key).await.is_err(), "{key} is gone");
    }
    assert_eq!(
        o.status(&second).await,
        Some(MessageStatus::New),
        "a message cut short stays new"
    );
    assert_eq!(
        o.vm.blobs().get(&second.wav_key).await.unwrap().len(),
        wav_bytes(&second_audio).len()
    );
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn saving_a_message_keeps_it_as_saved() {
    let mut o = office(true).await;
    let (message, _) = o.message("+33600000001", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("19#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "audio:8000 / vm-message vm-saved vm-nomore vm-onefor vm-Old"
    ));
    assert_eq!(o.status(&message).await, Some(MessageStatus::Saved));
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn the_menu_after_a_message_says_the_keys_and_repeat_plays_it_again() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    o.message("+33600000002", 2_000, 1).await;
    let steps = [
        right_pin(),
        keys("1"),
        vec![Step::Listen, Step::Listen],
        keys("5*#"),
    ];
    let mut line = ScriptedLine::new(steps.concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-first vm-message audio:8000 \
         vm-advopts vm-repeat vm-next vm-delete vm-savemessage vm-starmain \
         vm-first vm-message audio:8000 /"
    ));
}

#[tokio::test]
async fn calling_back_connects_the_caller_to_the_sender_without_hanging_up() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    // 3 during the message: advanced options; 3: who sent it; 2: call.
    let mut line = ScriptedLine::new([right_pin(), keys("1332")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(
        contains_run(
            &heard,
            "audio:8000 / \
             vm-tocallback vm-tohearenv vm-starmain / \
             vm-from-phonenumber digits:33612345678 \
             vm-tocallback vm-tohearenv vm-starmain / \
             call:+33612345678"
        ),
        "{heard:?}"
    );
    assert_eq!(
        heard.last().unwrap(),
        "call:+33612345678",
        "the line is the call's now"
    );
}

#[tokio::test]
async fn the_main_menu_advanced_options_are_about_the_message_heard_last() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    // Listen, back to the main menu, advanced options, call.
    let mut line = ScriptedLine::new([right_pin(), keys("1*32")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
         vm-tocallback vm-tohearenv vm-starmain / call:+33612345678"
    ));
}

#[tokio::test]
async fn previous_goes_back_a_message() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    o.message("+33600000002", 2_000, 2).await;
    let mut line = ScriptedLine::new([right_pin(), keys("164*#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-first vm-message audio:8000 / \
         vm-last vm-message audio:16000 / \
         vm-first vm-message audio:8000 /"
    ));
}

#[tokio::test]
async fn a_call_back_that_fails_says_so_and_the_menu_goes_on() {
    let o = office(true).await;
    o.message("+33612345678", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("132*#")].concat());
    line.call_connects = false;
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "call:+33612345678 cannot-complete-as-dialed vm-tocallback"
    ));
    assert_eq!(line.heard().last().unwrap(), "hang-up");
}

#[tokio::test]
async fn an_anonymous_message_offers_no_call_back() {
    let o = office(true).await;
    o.message("anonymous", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("1323**#")].concat());
    o.run(&mut line).await;
    let heard = line.heard();
    assert!(contains_run(
        &heard,
        "audio:8000 / vm-tohearenv vm-starmain / vm-sorry"
    ));
    assert!(contains_run(
        &heard,
        "vm-starmain / vm-unknown-caller vm-tohearenv"
    ));
    assert!(!heard.iter().any(|h| h.starts_with("CALL")));
}

#[tokio::test]
async fn keys_typed_ahead_skip_the_prompts() {
    let mut o = office(true).await;
    let (message, _) = o.message("+33600000001", 1_000, 1).await;
    // Everything keyed before the first prompt: PIN, listen, delete, exit.
    let mut line = ScriptedLine::new(keys(&format!("{PIN}#17#")));
    o.run(&mut line).await;
    assert_eq!(
        line.heard(),
        said(
            "vm-password / \
             vm-youhave 1 vm-INBOX vm-message vm-and vm-no vm-Old vm-messages \
             vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit / \
             vm-first vm-message audio:8000 / \
             vm-deleted vm-nomore \
             vm-opts vm-helpexit / \
             vm-goodbye hang-up"
        )
    );
    assert_eq!(o.status(&message).await, None);
    assert_eq!(o.announced(), 1);
}

#[tokio::test]
async fn the_main_menu_is_said_three_times_then_goodbye() {
    let o = office(true).await;
    let silent = vec![Step::Listen, Step::Silent];
    let mut line = ScriptedLine::new(
        [
            right_pin(),
            silent.clone(),
            silent.clone(),
            silent,
            keys("1"),
        ]
        .concat(),
    );
    o.run(&mut line).await;
    let heard = line.heard();
    let menus = heard.iter().filter(|h| *h == "vm-opts").count();
    assert_eq!(menus, 3);
    assert_eq!(heard[heard.len() - 2..], said("vm-goodbye hang-up"));
}

#[tokio::test]
async fn folders_list_the_old_messages_only() {
    let o = office(true).await;
    o.message("+33600000001", 1_000, 1).await;
    let mut line = ScriptedLine::new([right_pin(), keys("21"), keys("#")].concat());
    o.run(&mut line).await;
    assert!(contains_run(
        &line.heard(),
        "vm-changeto \
         vm-press digits/0 vm-for vm-INBOX vm-messages \
         vm-press digits/1 vm-for vm-Old vm-messages \
         vm-tocancel / \
         vm-Old vm-messages \
         vm-youhave vm-no vm-Old vm-messages \
         vm-onefor vm-INBOX"
    ));
}

/// The switch runs the menu on a spawned task.
#[tokio::test]
async fn the_menu_runs_on_any_thread() {
    fn sendable<T: Send>(_: &T) {}
    let o = office(false).await;
    let mut line = ScriptedLine::new(Vec::new());
    let now = || UnixMillis::from_millis(NOW);
    let run = menu::run(&mut line, &o.vm, &o.cx, &now);
    sendable(&run);
    run.await;
}

/// Every prompt the menu names exists in both languages (checked when the
/// Debian packages are installed; `SWITCHBOARD_SOUNDS` may point
/// elsewhere).
#[test]
fn every_prompt_exists_in_french_and_english() {
    let root =
        std::env::var("SWITCHBOARD_SOUNDS").unwrap_or_else(|_| "/usr/share/asterisk/sounds".into());
    let root = Path::new(&root);
    if !root.join("en_US_f_Allison").is_dir() {
        eprintln!("{} has no prompts: not checked", root.display());
        return;
    }
    for language in ["fr_CA_f_June", "en_US_f_Allison"] {
        for name in prompts::ALL {
            let file = root.join(language).join(format!("{name}.wav"));
            assert!(file.is_file(), "{} is missing", file.display());
        }
    }
}
