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
