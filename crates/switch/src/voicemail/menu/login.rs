//! Getting in: the PIN, with the lock-out storage keeps (three wrong PINs
//! in a row lock the mailbox for 15 minutes), then the summary of what is
//! waiting.

use domain::PinHash;

use super::{End, Session, clips, failed, prompts};
use crate::voicemail::Clip;

/// Empty entries (the caller keyed nothing) allowed in a row; they do not
/// count toward the lock-out.
const EMPTY_TRIES: u32 = 3;

impl Session<'_> {
    /// Lets the caller in once they key the PIN; any other way out is an
    /// `End`.
    pub(super) async fn log_in(&mut self) -> Result<(), End> {
        let scope = self.vm.store().account(self.cx.account);
        let user = scope
            .user(self.cx.user)
            .await
            .map_err(|e| failed("user not read", e))?;
        let Some(pin) = user.voicemail.pin else {
            // Nobody can get in before a PIN is set (portal, U6).
            self.say(clips(&[prompts::INCORRECT])).await?;
            return Err(End::Goodbye);
        };
        let mailbox = scope
            .mailbox(self.cx.user)
            .await
            .map_err(|e| failed("mailbox not read", e))?;
        if mailbox.locked((self.now)()) {
            self.say(clips(&[prompts::INCORRECT])).await?;
            return Err(End::Goodbye);
        }
        let mut empty = 0;
        loop {
            let digits = self.digits(clips(&[prompts::PASSWORD])).await?;
            if digits.is_empty() {
                empty += 1;
                if empty >= EMPTY_TRIES {
                    return Err(End::Goodbye);
                }
                continue;
            }
            empty = 0;
            if pin_matches(&pin, digits).await {
                scope
                    .pin_succeeded(self.cx.user)
                    .await
                    .map_err(|e| failed("PIN success not stored", e))?;
                return Ok(());
            }
            let mailbox = scope
                .pin_failed(self.cx.user, (self.now)())
                .await
                .map_err(|e| failed("PIN failure not stored", e))?;
            self.say(clips(&[prompts::INCORRECT])).await?;
            if mailbox.locked((self.now)()) {
                tracing::warn!(
                    account = self.cx.account.raw(),
                    user = self.cx.user.raw(),
                    "mailbox locked after wrong PINs"
                );
                return Err(End::Goodbye);
            }
        }
    }

    /// "You have 2 new messages and 1 old message" ("no messages" when
    /// the mailbox is empty).
    pub(super) async fn summary(&mut self) -> Result<(), End> {
        let counts = self.counts().await?;
        let mut said = vec![Clip::prompt(prompts::YOU_HAVE)];
        if counts.new == 0 && counts.saved == 0 {
            said.extend(clips(&[prompts::NO, prompts::MESSAGES]));
        } else {
            said.extend(count(counts.new, prompts::NEW));
            said.push(Clip::prompt(prompts::AND));
            said.extend(count(counts.saved, prompts::OLD));
        }
        self.say(said).await
    }
}

/// "3 new messages", "1 old message", "no new messages".
pub(super) fn count(n: u32, folder: &str) -> Vec<Clip> {
    let number = match n {
        0 => Clip::prompt(prompts::NO),
        n => Clip::Number(n),
    };
    let noun = if n == 1 {
        prompts::MESSAGE
    } else {
        prompts::MESSAGES
    };
    vec![number, Clip::prompt(folder), Clip::prompt(noun)]
}

/// Argon2 is slow on purpose: it runs off the async threads.
async fn pin_matches(pin: &PinHash, digits: String) -> bool {
    let pin = pin.clone();
    tokio::task::spawn_blocking(move || pin.matches(&digits))
        .await
        .unwrap_or(false)
}
