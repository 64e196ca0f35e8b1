//! The message texts, one function per message, both languages side by
//! side so a translation is never forgotten.

use domain::Language;

use crate::Email;

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
}
