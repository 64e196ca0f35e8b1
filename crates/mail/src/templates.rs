//! The message texts, one function per message, both languages side by
//! side so a translation is never forgotten.

use domain::{Language, TimeZone, UnixMillis};

use crate::{Attachment, Email};

/// The welcome message of a new user (SPEC A16): their extension, a
/// temporary password to change at the first sign-in, and where to sign in.
pub fn welcome(
    language: Language,
    to: &str,
    name: &str,
    company: &str,
    extension: &str,
    temporary_password: &str,
    sign_in_url: &str,
) -> Email {
    let (subject, body) = match language {
        Language::Fr => (
            format!("Bienvenue sur le téléphone de {company}"),
            format!(
                "Bonjour {name},\n\n\
                 Votre poste chez {company} est prêt.\n\n\
                 Numéro de poste : {extension}\n\
                 Mot de passe temporaire : {temporary_password}\n\n\
                 Connectez-vous à votre espace utilisateur : {sign_in_url}\n\
                 Vous devrez choisir un nouveau mot de passe à la première connexion.\n\n\
                 — Switchboard\n"
            ),
        ),
        Language::En => (
            format!("Welcome to the {company} phone system"),
            format!(
                "Hello {name},\n\n\
                 Your extension at {company} is ready.\n\n\
                 Extension: {extension}\n\
                 Temporary password: {temporary_password}\n\n\
                 Sign in to your user portal: {sign_in_url}\n\
                 You will choose a new password when you first sign in.\n\n\
                 — Switchboard\n"
            ),
        ),
    };
    Email {
        to: to.to_owned(),
        subject,
        body,
        attachments: Vec::new(),
    }
}

/// The password-recovery message (SPEC A1): a one-time link valid one hour.
pub fn password_reset(language: Language, to: &str, link: &str) -> Email {
    let (subject, body) = match language {
        Language::Fr => (
            "Réinitialisation de votre mot de passe Switchboard".to_owned(),
            format!(
                "Bonjour,\n\n\
                 Pour choisir un nouveau mot de passe, ouvrez ce lien :\n{link}\n\n\
                 Le lien est valable une heure et une seule fois. \
                 Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n\n\
                 — Switchboard\n"
            ),
        ),
        Language::En => (
            "Reset your Switchboard password".to_owned(),
            format!(
                "Hello,\n\n\
                 To choose a new password, open this link:\n{link}\n\n\
                 The link works once, for one hour. \
                 If you did not ask for it, ignore this message: your password stays the same.\n\n\
                 — Switchboard\n"
            ),
        ),
    };
    Email {
        to: to.to_owned(),
        subject,
        body,
        attachments: Vec::new(),
    }
}

/// What the message of a password set by the admin says (SPEC A15).
pub struct PasswordSet<'a> {
    pub name: &'a str,
    pub company: &'a str,
    pub extension: &'a str,
    /// The new password, generated or typed by the admin.
    pub password: &'a str,
    /// Whether the user must choose another one at the next sign-in.
    pub must_change: bool,
    pub sign_in_url: &'a str,
}

/// The message to a user whose password the admin reset (SPEC A15), sent
/// whether the password was generated or typed by the admin.
pub fn password_set_by_admin(language: Language, to: &str, set: &PasswordSet<'_>) -> Email {
    let PasswordSet {
        name,
        company,
        extension,
        password,
        must_change,
        sign_in_url,
    } = *set;
    let (subject, body) = match language {
        Language::Fr => (
            format!("Votre mot de passe {company} a été réinitialisé"),
            format!(
                "Bonjour {name},\n\n\
                 Votre administrateur a réinitialisé le mot de passe de votre espace utilisateur.\n\n\
                 Numéro de poste : {extension}\n\
                 Nouveau mot de passe : {password}\n\n\
                 Connectez-vous à votre espace utilisateur : {sign_in_url}\n{}\n\
                 — Switchboard\n",
                if must_change {
                    "Vous devrez choisir un nouveau mot de passe à la prochaine connexion.\n"
                } else {
                    ""
                }
            ),
        ),
        Language::En => (
            format!("Your {company} password was reset"),
            format!(
                "Hello {name},\n\n\
                 Your administrator reset the password of your user portal.\n\n\
                 Extension: {extension}\n\
                 New password: {password}\n\n\
                 Sign in to your user portal: {sign_in_url}\n{}\n\
                 — Switchboard\n",
                if must_change {
                    "You will choose a new password when you next sign in.\n"
                } else {
                    ""
                }
            ),
        ),
    };
    Email {
        to: to.to_owned(),
        subject,
        body,
        attachments: Vec::new(),
    }
}

/// The message to the administrator of an account the platform operator
/// has just created (issue 6): the sign-in name (the main number) and a
/// one-time link, valid seven days, to choose the admin password.
pub fn account_ready(
    language: Language,
    to: &str,
    company: &str,
    main_number: &str,
    setup_link: &str,
    sign_in_url: &str,
) -> Email {
    let (subject, body) = match language {
        Language::Fr => (
            format!("Le standard téléphonique de {company} est prêt"),
            format!(
                "Bonjour,\n\n\
                 Le compte Switchboard de {company} est ouvert.\n\n\
                 Numéro principal (votre identifiant) : {main_number}\n\n\
                 Choisissez votre mot de passe d'administrateur en ouvrant ce lien :\n{setup_link}\n\
                 Le lien est valable 7 jours et une seule fois.\n\n\
                 Vous vous connecterez ensuite ici : {sign_in_url}\n\n\
                 — Switchboard\n"
            ),
        ),
        Language::En => (
            format!("The {company} phone system is ready"),
            format!(
                "Hello,\n\n\
                 The Switchboard account of {company} is open.\n\n\
                 Main number (your sign-in name): {main_number}\n\n\
                 Choose your administrator password by opening this link:\n{setup_link}\n\
                 The link works once, for 7 days.\n\n\
                 Then sign in here: {sign_in_url}\n\n\
                 — Switchboard\n"
            ),
        ),
    };
    Email {
        to: to.to_owned(),
        subject,
        body,
        attachments: Vec::new(),
    }
}

/// What a voicemail notification says (SPEC T7, U6).
pub struct VoicemailNotice<'a> {
    /// The caller's number as the switch saw it: E.164, an extension, or
    /// `anonymous`.
    pub caller_number: &'a str,
    /// The caller's display name, when one was given.
    pub caller_name: Option<&'a str>,
    pub received_at: UnixMillis,
    /// The account's time zone: the date and time are shown in it.
    pub time_zone: &'a TimeZone,
    pub duration_ms: u32,
    /// The message as MP3, attached when the user chose so.
    pub mp3: Option<&'a [u8]>,
}

/// The notification of a new voicemail: who called, when (local time),
/// for how long, and the MP3 attached as `message-YYYYMMDD-HHMM.mp3`.
pub fn voicemail_notification(language: Language, to: &str, notice: &VoicemailNotice<'_>) -> Email {
    let when = local_time(notice.received_at, notice.time_zone);
    let number = caller_display(language, notice.caller_number);
    let name = notice
        .caller_name
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|n| !n.trim().is_empty());
    let from = match &name {
        Some(name) => format!("{} ({number})", name.trim()),
        None => number.clone(),
    };
    let seconds = notice.duration_ms.div_ceil(1000).max(1);
    let duration = if seconds >= 60 {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
    };
    let date = long_date(language, when);
    let time = format!("{:02}:{:02}", when.hour(), when.minute());
    let (subject, body) = match language {
        Language::Fr => (
            format!("Nouveau message vocal de {from}"),
            format!(
                "Bonjour,\n\n\
                 Vous avez reçu un nouveau message vocal.\n\n\
                 De : {from}\n\
                 Reçu le : {date} à {time}\n\
                 Durée : {duration}\n\n{}\
                 — Switchboard\n",
                if notice.mp3.is_some() {
                    "Le message est joint à ce courriel (MP3).\n\n"
                } else {
                    "Écoutez-le depuis votre téléphone (*97) ou votre espace utilisateur.\n\n"
                }
            ),
        ),
        Language::En => (
            format!("New voicemail from {from}"),
            format!(
                "Hello,\n\n\
                 You have a new voicemail.\n\n\
                 From: {from}\n\
                 Received: {date} at {time}\n\
                 Duration: {duration}\n\n{}\
                 — Switchboard\n",
                if notice.mp3.is_some() {
                    "The message is attached to this e-mail (MP3).\n\n"
                } else {
                    "Listen to it from your phone (*97) or your user portal.\n\n"
                }
            ),
        ),
    };
    let attachments = notice
        .mp3
        .map(|bytes| Attachment {
            filename: format!(
                "message-{:04}{:02}{:02}-{:02}{:02}.mp3",
                when.year(),
                when.month(),
                when.day(),
                when.hour(),
                when.minute()
            ),
            content_type: "audio/mpeg".to_owned(),
            bytes: bytes.to_vec(),
        })
        .into_iter()
        .collect();
    Email {
        to: to.to_owned(),
        subject,
        body,
        attachments,
    }
}

/// `at` on the wall clock of `zone` (UTC when jiff does not know it).
fn local_time(at: UnixMillis, zone: &TimeZone) -> jiff::civil::DateTime {
    let tz = jiff::tz::TimeZone::get(zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(at.millis())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(tz)
        .datetime()
}

/// "dimanche 6 décembre 2026" / "Sunday, December 6, 2026".
fn long_date(language: Language, when: jiff::civil::DateTime) -> String {
    const JOURS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    const MOIS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let weekday = usize::try_from(when.weekday().to_monday_zero_offset()).unwrap_or(0);
    let month = usize::try_from(when.month() - 1).unwrap_or(0);
    match language {
        Language::Fr => format!(
            "{} {} {} {}",
            JOURS[weekday],
            when.day(),
            MOIS[month],
            when.year()
        ),
        Language::En => format!(
            "{}, {} {}, {}",
            DAYS[weekday],
            MONTHS[month],
            when.day(),
            when.year()
        ),
    }
}

/// A caller's number as people read it: `+33 6 12 34 56 78` for a French
/// number, other E.164 numbers as they are, an extension as such, and a
/// withheld number in words.
fn caller_display(language: Language, number: &str) -> String {
    let digits = number.strip_prefix('+');
    match digits {
        Some(d)
            if d.len() == 11 && d.starts_with("33") && d.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!(
                "+33 {} {} {} {} {}",
                &d[2..3],
                &d[3..5],
                &d[5..7],
                &d[7..9],
                &d[9..11]
            )
        }
        Some(_) => number.to_owned(),
        None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
            match language {
                Language::Fr => format!("poste {number}"),
                Language::En => format!("extension {number}"),
            }
        }
        None => match language {
            Language::Fr => "numéro masqué".to_owned(),
            Language::En => "withheld number".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(must_change: bool) -> PasswordSet<'static> {
        PasswordSet {
            name: "Alice",
            company: "Acme",
            extension: "101",
            password: "Tmp-pass-1234",
            must_change,
            sign_in_url: "https://pbx.example.fr/user",
        }
    }

    #[test]
    fn a_password_set_by_the_admin_is_sent_with_the_extension_and_where_to_sign_in() {
        let fr = password_set_by_admin(Language::Fr, "alice@example.fr", &set(true));
        assert_eq!(fr.to, "alice@example.fr");
        assert!(fr.subject.contains("réinitialisé"));
        assert!(fr.body.contains("Numéro de poste : 101"));
        assert!(fr.body.contains("Nouveau mot de passe : Tmp-pass-1234"));
        assert!(fr.body.contains("https://pbx.example.fr/user"));
        assert!(fr.body.contains("prochaine connexion"));
        let en = password_set_by_admin(Language::En, "alice@example.fr", &set(true));
        assert!(en.body.contains("New password: Tmp-pass-1234"));
        assert!(en.body.contains("next sign in"));
    }

    #[test]
    fn a_kept_password_does_not_ask_for_a_change() {
        let fr = password_set_by_admin(Language::Fr, "alice@example.fr", &set(false));
        assert!(!fr.body.contains("prochaine connexion"));
        let en = password_set_by_admin(Language::En, "alice@example.fr", &set(false));
        assert!(!en.body.contains("next sign in"));
    }

    #[test]
    fn the_account_ready_message_carries_the_sign_in_name_and_the_link_in_both_languages() {
        for (language, words) in [(Language::Fr, "7 jours"), (Language::En, "7 days")] {
            let m = account_ready(
                language,
                "boss@acme.example",
                "Acme",
                "01 99 00 02 00",
                "https://pbx.example.fr/reset/abc",
                "https://pbx.example.fr/",
            );
            assert_eq!(m.to, "boss@acme.example");
            assert!(m.subject.contains("Acme"));
            assert!(m.body.contains("01 99 00 02 00"));
            assert!(m.body.contains("https://pbx.example.fr/reset/abc"));
            assert!(m.body.contains(words), "{}", m.body);
        }
    }

    fn notice(mp3: Option<&[u8]>) -> VoicemailNotice<'_> {
        VoicemailNotice {
            caller_number: "+33612345678",
            caller_name: Some("Jean\r\nBcc: x@y.z Dupont"),
            // 2026-12-06T22:10:00Z, 23:10 in Paris.
            received_at: UnixMillis::from_millis(1_796_595_000_000),
            time_zone: &PARIS,
            duration_ms: 65_200,
            mp3,
        }
    }

    static PARIS: std::sync::LazyLock<TimeZone> =
        std::sync::LazyLock::new(|| TimeZone::parse("Europe/Paris").unwrap());

    #[test]
    fn a_voicemail_notification_names_the_caller_the_local_time_and_the_length() {
        let fr = voicemail_notification(Language::Fr, "alice@example.fr", &notice(None));
        assert_eq!(
            fr.subject,
            "Nouveau message vocal de JeanBcc: x@y.z Dupont (+33 6 12 34 56 78)"
        );
        assert!(
            fr.body
                .contains("Reçu le : dimanche 6 décembre 2026 à 23:10"),
            "{}",
            fr.body
        );
        assert!(fr.body.contains("Durée : 1 min 06 s"));
        assert!(fr.attachments.is_empty());
        let en = voicemail_notification(Language::En, "alice@example.fr", &notice(None));
        assert!(en.subject.starts_with("New voicemail from "));
        assert!(
            en.body
                .contains("Received: Sunday, December 6, 2026 at 23:10"),
            "{}",
            en.body
        );
        assert!(en.body.contains("Duration: 1 min 06 s"));
    }

    #[test]
    fn the_mp3_is_attached_under_a_dated_name() {
        let m = voicemail_notification(Language::En, "a@b.fr", &notice(Some(b"ID3mp3")));
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].filename, "message-20261206-2310.mp3");
        assert_eq!(m.attachments[0].content_type, "audio/mpeg");
        assert_eq!(m.attachments[0].bytes, b"ID3mp3");
        assert!(m.body.contains("attached"));
    }

    #[test]
    fn extensions_and_withheld_numbers_read_as_words() {
        assert_eq!(caller_display(Language::Fr, "102"), "poste 102");
        assert_eq!(caller_display(Language::En, "anonymous"), "withheld number");
        assert_eq!(caller_display(Language::Fr, "+4930123456"), "+4930123456");
    }
}
