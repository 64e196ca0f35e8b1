//! Parsing request fields into domain values, with a 422 that names the
//! field and says what is expected, in both languages.

use domain::{E164, EmailAddress, ExtensionNumber, MacAddress, Password, Pin, RingSeconds};

use super::error::ApiError;

pub fn extension(field: &'static str, text: &str) -> Result<ExtensionNumber, ApiError> {
    ExtensionNumber::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            format!("le poste doit comporter 2 à 6 chiffres, reçu « {text} »"),
            e.to_string(),
        )
    })
}

/// A number for a new extension: not an emergency number.
pub fn new_extension(field: &'static str, text: &str) -> Result<ExtensionNumber, ApiError> {
    match ExtensionNumber::parse_new(text) {
        Ok(n) => Ok(n),
        Err(domain::NewExtensionError::Emergency(n)) => Err(ApiError::invalid(
            field,
            format!("le {n} est un numéro d'urgence : choisissez un autre poste"),
            format!("{n} is an emergency number: choose another extension"),
        )),
        Err(_) => extension(field, text),
    }
}

pub fn e164(field: &'static str, text: &str) -> Result<E164, ApiError> {
    E164::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            format!(
                "numéro de téléphone invalide : « {text} » (format international, par exemple +33 1 23 45 67 89)"
            ),
            e.to_string(),
        )
    })
}

pub fn email(field: &'static str, text: &str) -> Result<EmailAddress, ApiError> {
    EmailAddress::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            format!("adresse e-mail invalide : « {text} »"),
            e.to_string(),
        )
    })
}

pub fn password(field: &'static str, text: &str) -> Result<Password, ApiError> {
    Password::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            "le mot de passe doit comporter 8 à 128 caractères",
            e.to_string(),
        )
    })
}

pub fn pin(field: &'static str, text: &str) -> Result<Pin, ApiError> {
    Pin::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            "le code PIN doit comporter 4 à 8 chiffres",
            e.to_string(),
        )
    })
}

pub fn ring_seconds(field: &'static str, seconds: i64) -> Result<RingSeconds, ApiError> {
    RingSeconds::new(seconds).map_err(|e| {
        ApiError::invalid(
            field,
            format!("la durée de sonnerie doit être de 5 à 120 secondes, reçu {seconds}"),
            e.to_string(),
        )
    })
}

pub fn mac(field: &'static str, text: &str) -> Result<MacAddress, ApiError> {
    MacAddress::parse(text).map_err(|e| {
        ApiError::invalid(
            field,
            format!(
                "adresse MAC invalide : « {text} » (six octets, par exemple 00:1A:2B:3C:4D:5E)"
            ),
            e.to_string(),
        )
    })
}

/// A display text (name, model, label): 1 to 100 characters once trimmed.
pub fn name(field: &'static str, text: &str) -> Result<String, ApiError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 {
        return Err(ApiError::invalid(
            field,
            format!("« {field} » doit comporter 1 à 100 caractères"),
            format!("{field} must have 1 to 100 characters"),
        ));
    }
    Ok(t.to_owned())
}
