//! Clips turned into audio: recorded prompts from Debian's
//! `asterisk-core-sounds-{fr,en}-wav` (CC-BY-SA; 8 kHz WAV), read once
//! and kept, numbers said with the `digits/` prompts, tones made in code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::Language;
use media::prompt::{Playlist, Prompt};
use media::tone::Tone;

use super::Clip;

/// The prompts folder of a language inside the sounds folder.
pub fn language_folder(language: Language) -> &'static str {
    match language {
        Language::Fr => "fr_CA_f_June",
        Language::En => "en_US_f_Allison",
    }
}

/// Loaded prompts by language and name (`None`: not installed).
type Loaded = HashMap<(Language, String), Option<Arc<[i16]>>>;

/// The recorded prompts, loaded on first use.
#[derive(Debug)]
pub struct Sounds {
    root: PathBuf,
    loaded: Mutex<Loaded>,
}

impl Sounds {
    /// Prompts under `root` (`/usr/share/asterisk/sounds` by default).
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// A prompt's samples, `None` when it is not installed.
    pub fn prompt(&self, language: Language, name: &str) -> Option<Arc<[i16]>> {
        let key = (language, name.to_owned());
        if let Some(found) = self.loaded.lock().expect("not poisoned").get(&key) {
            return found.clone();
        }
        let path = self
            .root
            .join(language_folder(language))
            .join(format!("{name}.wav"));
        let found = match Prompt::open(&path) {
            Ok(p) => Some(p.samples().into()),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "prompt not available");
                None
            }
        };
        self.loaded
            .lock()
            .expect("not poisoned")
            .insert(key, found.clone());
        found
    }

    /// What `clips` sound like, and how long that lasts.
    pub fn render(&self, language: Language, clips: &[Clip]) -> (Playlist, Duration) {
        let mut list = Playlist::new();
        let mut samples = 0usize;
        let push = |list: &mut Playlist, samples: &mut usize, audio: Option<Arc<[i16]>>| {
            if let Some(a) = audio {
                *samples += a.len();
                list.push(Prompt::from_samples(a.to_vec()));
            }
        };
        for clip in clips {
            match clip {
                Clip::Prompt(name) => push(&mut list, &mut samples, self.prompt(language, name)),
                Clip::Number(n) => {
                    for name in number_prompts(*n) {
                        push(&mut list, &mut samples, self.prompt(language, &name));
                    }
                }
                Clip::Digits(text) => {
                    for c in text.chars() {
                        let name = match c {
                            '0'..='9' => format!("digits/{c}"),
                            '*' => "digits/star".into(),
                            '#' => "digits/pound".into(),
                            _ => continue,
                        };
                        push(&mut list, &mut samples, self.prompt(language, &name));
                    }
                }
                Clip::Beep => {
                    let beep = Tone::beep();
                    samples += 8 * 250;
                    list.push(beep);
                }
                Clip::Silence(d) => {
                    samples += (d.as_millis() as usize) * 8;
                    list.push(Tone::silence(*d));
                }
                Clip::Audio(a) => push(&mut list, &mut samples, Some(a.clone())),
            }
        }
        (list, Duration::from_millis(samples as u64 / 8))
    }
}

/// The `digits/` prompts that say `n`: the words Debian records for 0–20
/// and the tens, else one digit at a time.
pub fn number_prompts(n: u32) -> Vec<String> {
    match n {
        0..=20 => vec![format!("digits/{n}")],
        21..=99 if n.is_multiple_of(10) => vec![format!("digits/{n}")],
        21..=99 => vec![
            format!("digits/{}", n - n % 10),
            format!("digits/{}", n % 10),
        ],
        _ => n
            .to_string()
            .chars()
            .map(|c| format!("digits/{c}"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_said_with_the_recorded_words() {
        assert_eq!(number_prompts(7), ["digits/7"]);
        assert_eq!(number_prompts(20), ["digits/20"]);
        assert_eq!(number_prompts(40), ["digits/40"]);
        assert_eq!(number_prompts(42), ["digits/40", "digits/2"]);
        assert_eq!(number_prompts(105), ["digits/1", "digits/0", "digits/5"]);
    }

    #[test]
    fn tones_and_silence_are_made_in_code_and_counted() {
        let sounds = Sounds::new(Path::new("/nonexistent"));
        let (_, length) = sounds.render(
            Language::Fr,
            &[
                Clip::Silence(Duration::from_millis(300)),
                Clip::prompt("vm-intro"),
                Clip::Audio(vec![0i16; 800].into()),
            ],
        );
        assert_eq!(
            length,
            Duration::from_millis(400),
            "a missing prompt is skipped"
        );
    }
}
