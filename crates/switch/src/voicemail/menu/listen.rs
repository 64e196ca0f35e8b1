//! Listening: the messages of a folder one by one, what can be done with
//! each, and the advanced options (call the sender back, hear who sent
//! it).

use domain::{MessageStatus, VoicemailMessage};

use super::login::count;
use super::{End, Session, clips, failed, load_audio, prompts};
use crate::voicemail::{Clip, Heard};

/// Which messages to go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Folder {
    /// New messages, then saved ones.
    All,
    New,
    Saved,
}

impl Session<'_> {
    /// The folder menu: "change to which folder? press 0 for new
    /// messages, press 1 for old messages, or pound to cancel".
    pub(super) async fn change_folder(&mut self) -> Result<(), End> {
        let menu = clips(&[
            prompts::CHANGE_TO,
            prompts::PRESS,
            prompts::DIGIT_0,
            prompts::FOR,
            prompts::NEW,
            prompts::MESSAGES,
            prompts::PRESS,
            prompts::DIGIT_1,
            prompts::FOR,
            prompts::OLD,
            prompts::MESSAGES,
            prompts::POUND_CANCELS,
        ]);
        loop {
            let (folder, name) = match self.choose(menu.clone()).await? {
                '0' => (Folder::New, prompts::NEW),
                '1' => (Folder::Saved, prompts::OLD),
                '#' => return Ok(()),
                _ => {
                    self.sorry().await?;
                    continue;
                }
            };
            self.say(clips(&[name, prompts::MESSAGES])).await?;
            return self.listen(folder).await;
        }
    }

    /// Plays the folder's messages, newest first (the portal's order); the
    /// caller leaves with `*` or after the last one.
    pub(super) async fn listen(&mut self, folder: Folder) -> Result<(), End> {
        let all = self
            .vm
            .store()
            .account(self.cx.account)
            .voicemails(self.cx.user)
            .await
            .map_err(|e| failed("messages not read", e))?;
        let (new, saved): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|m| m.status == MessageStatus::New);
        let mut list = match folder {
            Folder::All => new.into_iter().chain(saved).collect(),
            Folder::New => new,
            Folder::Saved => saved,
        };
        if list.is_empty() {
            let mut said = vec![Clip::prompt(prompts::YOU_HAVE)];
            match folder {
                Folder::All => said.extend(clips(&[prompts::NO, prompts::MESSAGES])),
                Folder::New => said.extend(count(0, prompts::NEW)),
                Folder::Saved => said.extend(count(0, prompts::OLD)),
            }
            return self.say(said).await;
        }
        let mut i = 0;
        let mut play = true;
        loop {
            let key = if play {
                self.play_message(&mut list, i).await?
            } else {
                None
            };
            self.current = Some(list[i].clone());
            let key = match key {
                Some(key) => key,
                None => self.choose(message_menu(&list, i)).await?,
            };
            play = true;
            match key {
                '4' if i > 0 => i -= 1,
                '5' => {}
                '6' => {
                    if i + 1 == list.len() {
                        return self.say(clips(&[prompts::NO_MORE])).await;
                    }
                    i += 1;
                }
                '9' => {
                    self.mark_saved(&mut list[i]).await?;
                    self.say(clips(&[prompts::MESSAGE, prompts::SAVED])).await?;
                    if i + 1 == list.len() {
                        return self.say(clips(&[prompts::NO_MORE])).await;
                    }
                    i += 1;
                }
                '7' => {
                    // The next message takes the deleted one's place.
                    let message = list.remove(i);
                    self.current = None;
                    self.vm
                        .delete(self.cx.account, self.cx.user, message.id)
                        .await
                        .map_err(|e| failed("message not deleted", e))?;
                    self.say(clips(&[prompts::DELETED])).await?;
                    if i == list.len() {
                        return self.say(clips(&[prompts::NO_MORE])).await;
                    }
                }
                '3' => {
                    let message = list[i].clone();
                    self.advanced(Some(&message)).await?;
                    play = false;
                }
                '*' => return Ok(()),
                '#' => return Err(End::Goodbye),
                _ => {
                    self.sorry().await?;
                    play = false;
                }
            }
        }
    }

    /// "Message 2" (or "first message", "last message"), then the audio;
    /// a key stops it and is returned. Heard to the end, a new message
    /// becomes saved.
    async fn play_message(
        &mut self,
        list: &mut [VoicemailMessage],
        i: usize,
    ) -> Result<Option<char>, End> {
        let mut said = if i == 0 {
            clips(&[prompts::FIRST, prompts::MESSAGE])
        } else if i + 1 == list.len() {
            clips(&[prompts::LAST, prompts::MESSAGE])
        } else {
            vec![Clip::prompt(prompts::MESSAGE), Clip::Number(i as u32 + 1)]
        };
        let audio = load_audio(self.vm.blobs(), &list[i].wav_key).await;
        match &audio {
            Some(samples) => said.push(Clip::Audio(samples.clone())),
            None => tracing::warn!(key = list[i].wav_key, "message audio not readable"),
        }
        match self.line.play(said, true).await {
            Heard::Digit(d) => Ok(Some(d)),
            Heard::HungUp => Err(End::HungUp),
            Heard::Done => {
                // A message whose audio is lost was not heard: it stays new.
                if audio.is_some() {
                    self.mark_saved(&mut list[i]).await?;
                }
                Ok(None)
            }
        }
    }

    /// A new message becomes saved (the lamps hear of it).
    async fn mark_saved(&mut self, message: &mut VoicemailMessage) -> Result<(), End> {
        if message.status == MessageStatus::New {
            self.vm
                .set_status(
                    self.cx.account,
                    self.cx.user,
                    message.id,
                    MessageStatus::Saved,
                )
                .await
                .map_err(|e| failed("message not marked saved", e))?;
            message.status = MessageStatus::Saved;
        }
        Ok(())
    }

    /// Advanced options about `message` (none from the main menu before
    /// any message was heard): `2` call the sender, `3` who sent it, `*`
    /// back.
    pub(super) async fn advanced(&mut self, message: Option<&VoicemailMessage>) -> Result<(), End> {
        let number = message.and_then(|m| callable(&m.caller_number));
        let mut menu = Vec::new();
        if number.is_some() {
            menu.push(Clip::prompt(prompts::CALL_BACK));
        }
        if message.is_some() {
            menu.push(Clip::prompt(prompts::ENVELOPE));
        }
        menu.push(Clip::prompt(prompts::STAR_MAIN));
        loop {
            match (self.choose(menu.clone()).await?, number) {
                ('2', Some(number)) => {
                    if self.line.call(number).await {
                        return Err(End::Connected);
                    }
                    self.say(clips(&[prompts::CANNOT_CALL])).await?;
                }
                ('3', _) if message.is_some() => {
                    let said = match number {
                        Some(n) => vec![
                            Clip::prompt(prompts::FROM_NUMBER),
                            Clip::Digits(n.trim_start_matches('+').to_owned()),
                        ],
                        None => clips(&[prompts::UNKNOWN_CALLER]),
                    };
                    self.say(said).await?;
                }
                ('*', _) => return Ok(()),
                ('#', _) => return Err(End::Goodbye),
                _ => self.sorry().await?,
            }
        }
    }
}

/// The caller's number when it is one that can be called back (digits,
/// with a leading `+` for a public number).
fn callable(number: &str) -> Option<&str> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(number)
}

/// What can be done after message `i` of `list`.
fn message_menu(list: &[VoicemailMessage], i: usize) -> Vec<Clip> {
    let mut menu = Vec::new();
    if i > 0 {
        menu.push(Clip::prompt(prompts::PREVIOUS));
    }
    menu.extend(clips(&[prompts::ADVANCED, prompts::REPEAT]));
    if i + 1 < list.len() {
        menu.push(Clip::prompt(prompts::NEXT));
    }
    menu.extend(clips(&[prompts::DELETE, prompts::SAVE, prompts::STAR_MAIN]));
    menu
}
