//! The spool folder's files: a recording's description (`<wav>.meta`,
//! `key=value` lines with percent-encoded values) and reading a WAV that a
//! crash may have cut short.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use domain::{AccountId, UnixMillis, UserId};

use crate::mp3::INPUT_RATE;
use crate::service::Recorded;

/// The first line of a description, so that a stray file is not taken
/// for one.
const HEADER: &str = "# switchboard voicemail recording v1";

/// Where the description of the recording `wav` is kept.
pub(crate) fn meta_path(wav: &Path) -> PathBuf {
    let mut name = wav.as_os_str().to_owned();
    name.push(".meta");
    PathBuf::from(name)
}

/// The description of `recorded` as written to its `.meta` file.
pub(crate) fn meta_text(recorded: &Recorded) -> String {
    let mut text = format!(
        "{HEADER}\naccount={}\nuser={}\ncaller_number={}\nreceived_at={}\nwav={}\n",
        recorded.account.raw(),
        recorded.user.raw(),
        encode(&recorded.caller_number),
        recorded.received_at.millis(),
        encode(&recorded.wav.to_string_lossy()),
    );
    if let Some(name) = &recorded.caller_name {
        text.push_str(&format!("caller_name={}\n", encode(name)));
    }
    text
}

/// Reads a description back. The recording is `wav`, where it was found,
/// whatever path the description names (the spool folder may have moved).
pub(crate) fn parse_meta(text: &str, wav: &Path) -> Result<Recorded, String> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err("not a voicemail recording description".into());
    }
    let (mut account, mut user, mut number, mut name, mut at) = (None, None, None, None, None);
    for line in lines.filter(|l| !l.is_empty()) {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {line:?} is not key=value"))?;
        let int = || {
            value
                .parse::<i64>()
                .map_err(|_| format!("{key} must be a number, got {value:?}"))
        };
        match key {
            "account" => account = Some(AccountId::from_raw(int()?)),
            "user" => user = Some(UserId::from_raw(int()?)),
            "received_at" => at = Some(UnixMillis::from_millis(int()?)),
            "caller_number" => number = Some(decode(value)?),
            "caller_name" => name = Some(decode(value)?),
            // The recording's own path is where it was found; keys a later
            // version adds are not needed to make a message.
            _ => {}
        }
    }
    let missing = |key: &str| format!("{key} is missing");
    Ok(Recorded {
        account: account.ok_or_else(|| missing("account"))?,
        user: user.ok_or_else(|| missing("user"))?,
        caller_number: number.ok_or_else(|| missing("caller_number"))?,
        caller_name: name,
        received_at: at.ok_or_else(|| missing("received_at"))?,
        wav: wav.to_owned(),
    })
}

/// Percent-encodes every byte but letters, digits and `+-._~:@/`, so a
/// value never holds `=`, `%` or a line break.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"+-._~:@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in {value:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{value:?} is not UTF-8 once decoded"))
}

/// The samples of a spooled recording: 8 kHz mono 16-bit. A recording a
/// crash interrupted is read as far as its header says (the recorder
/// rewrites it every second) or as far as the file goes, if shorter.
pub(crate) fn read_wav(path: &Path) -> Result<Vec<i16>, String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    if spec.channels != 1
        || spec.sample_rate != INPUT_RATE
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        return Err(format!(
            "expected 8 kHz mono 16-bit, got {} Hz, {} channel(s), {} bits",
            spec.sample_rate, spec.channels, spec.bits_per_sample
        ));
    }
    let mut samples = Vec::with_capacity(reader.len() as usize);
    for sample in reader.samples::<i16>() {
        match sample {
            Ok(s) => samples.push(s),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, kept = samples.len(),
                    "recording cut short: keeping what was read");
                break;
            }
        }
    }
    Ok(samples)
}

/// A clean WAV of `samples` (8 kHz mono 16-bit), the copy kept in the
/// object store whatever state the spooled file's header was in.
pub(crate) fn wav_bytes(samples: &[i16]) -> Result<Vec<u8>, String> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: INPUT_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    let mut writer = hound::WavWriter::new(&mut out, spec).map_err(|e| e.to_string())?;
    let mut fast = writer.get_i16_writer(samples.len() as u32);
    for &s in samples {
        fast.write_sample(s);
    }
    fast.flush().map_err(|e| e.to_string())?;
    writer.finalize().map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(name: Option<&str>) -> Recorded {
        Recorded {
            account: AccountId::from_raw(7),
            user: UserId::from_raw(42),
            caller_number: "+33612345678".into(),
            caller_name: name.map(str::to_owned),
            received_at: UnixMillis::from_millis(1_796_595_000_123),
            wav: PathBuf::from("/spool/1796595000123-call 1.wav"),
        }
    }

    #[test]
    fn a_description_reads_back_whatever_the_caller_name_holds() {
        for name in [
            None,
            Some("Jean Dupont"),
            Some("a=b\nc=%41 100% \"é\" 😀\r\n# x"),
            Some(""),
        ] {
            let r = recorded(name);
            let text = meta_text(&r);
            assert_eq!(text.lines().count(), 6 + usize::from(name.is_some()));
            assert_eq!(parse_meta(&text, &r.wav).unwrap(), r, "{text}");
        }
    }

    #[test]
    fn the_recording_is_where_it_was_found() {
        let r = recorded(None);
        let moved = Path::new("/elsewhere/x.wav");
        assert_eq!(parse_meta(&meta_text(&r), moved).unwrap().wav, moved);
        assert_eq!(
            meta_path(Path::new("/spool/a.wav")),
            Path::new("/spool/a.wav.meta")
        );
    }

    #[test]
    fn broken_descriptions_are_refused_with_the_reason() {
        let wav = Path::new("/spool/a.wav");
        assert!(parse_meta("account=1\n", wav).is_err(), "no header");
        let text = meta_text(&recorded(None));
        let no_user: String = text
            .lines()
            .filter(|l| !l.starts_with("user="))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(parse_meta(&no_user, wav).unwrap_err(), "user is missing");
        let bad = text.replace("caller_number=+", "caller_number=%G1");
        assert!(parse_meta(&bad, wav).unwrap_err().contains("percent"));
    }

    #[test]
    fn a_wav_round_trips_and_a_truncated_one_keeps_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        let samples: Vec<i16> = (0..8_000).map(|i| (i % 200) as i16).collect();
        std::fs::write(&path, wav_bytes(&samples).unwrap()).unwrap();
        assert_eq!(read_wav(&path).unwrap(), samples);
        // Cut the file mid-data: the header still claims 8000 samples.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..44 + 3_000 * 2]).unwrap();
        assert_eq!(read_wav(&path).unwrap(), samples[..3_000]);
    }
}
