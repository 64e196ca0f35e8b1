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
