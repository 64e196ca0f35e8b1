//! Translations: every visible string comes from the Fluent files in
//! `crates/web/locales/{fr,en}/*.ftl`, compiled into the binary.
//!
//! French is the default; the visitor's choice is kept in the session (see
//! [`crate::session`]). Templates reach the strings through [`Tr`]:
//! `{{ p.t("signin-title") }}`.

use domain::Language;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "fr",
        // No Unicode isolation marks around arguments: they would end up
        // inside phone numbers and e-mail addresses.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

/// The strings of one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr(pub Language);

impl Tr {
    fn id(self) -> &'static LanguageIdentifier {
        match self.0 {
            Language::Fr => &FR,
            Language::En => &EN,
        }
    }

    /// The language code for `<html lang>`.
    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// The message `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The message `key` with one named argument.
    pub fn t1(self, key: &str, name: &'static str, value: &str) -> String {
        let args = std::collections::HashMap::from([(
            std::borrow::Cow::Borrowed(name),
            FluentValue::from(value.to_owned()),
        )]);
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// The message `key` with several named arguments.
    pub fn tn(self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args = args
            .iter()
            .map(|(name, value)| {
                (
                    std::borrow::Cow::Borrowed(*name),
                    FluentValue::from((*value).to_owned()),
                )
            })
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of one language exists in the other.
    #[test]
    fn french_and_english_have_the_same_keys() {
        fn keys(lang: &str) -> std::collections::BTreeSet<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(lang);
            let mut out = std::collections::BTreeSet::new();
            for file in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                for line in text.lines() {
                    if let Some((key, _)) = line.split_once(" =")
                        && !key.starts_with([' ', '#'])
                        && !key.is_empty()
                    {
                        out.insert(key.to_owned());
                    }
                }
            }
            out
        }
        assert_eq!(keys("fr"), keys("en"));
    }

    #[test]
    fn strings_are_looked_up_in_the_chosen_language() {
        assert_eq!(Tr(Language::Fr).t("signout"), "Se déconnecter");
        assert_eq!(Tr(Language::En).t("signout"), "Sign out");
        assert_eq!(
            Tr(Language::En).t1("dashboard-welcome", "company", "Acme"),
            "Welcome, Acme"
        );
    }
}
