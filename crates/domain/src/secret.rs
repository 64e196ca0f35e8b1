//! Secrets: portal passwords, voicemail PINs and their stored hashes.
//!
//! Invariant: no secret ever prints. `Debug` is redacted and there is no
//! `Display`; the plain text is reachable only through `expose()`.

use std::cell::RefCell;
use std::fmt;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// A portal password as typed by a person. At least 8 characters, at most
/// 128 (argon2 cost grows with length; nobody types more).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than 8 characters.
    #[error("password must have at least 8 characters")]
    TooShort,
    /// More than 128 characters.
    #[error("password must have at most 128 characters")]
    TooLong,
}

impl Password {
    /// Accepts a password of 8 to 128 characters.
    pub fn parse(text: &str) -> Result<Self, PasswordError> {
        match text.chars().count() {
            0..8 => Err(PasswordError::TooShort),
            8..=128 => Ok(Self(text.to_owned())),
            _ => Err(PasswordError::TooLong),
        }
    }

    /// The plain text, for hashing or for the one message that tells the
    /// person their new password.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`),
/// with the OWASP-recommended parameters of `password-auth`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// A stored hash that is not a PHC string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored password hash is not a PHC string")]
pub struct HashFormatError;

impl PasswordHash {
    /// Hashes a password with a fresh salt. Costs tens of milliseconds on
    /// purpose: bulk callers spread it over threads.
    pub fn of(password: &Password) -> Self {
        Self(argon2id_phc(password.expose()))
    }

    /// Wraps a hash read from storage.
    pub fn from_phc(phc: &str) -> Result<Self, HashFormatError> {
        if phc.starts_with("$argon2") && phc.matches('$').count() >= 4 {
            Ok(Self(phc.to_owned()))
        } else {
            Err(HashFormatError)
        }
    }

    /// True if `candidate` is the password this hash was made from.
    pub fn matches(&self, candidate: &str) -> bool {
        password_auth::verify_password(candidate, &self.0).is_ok()
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

thread_local! {
    /// Argon2's 19 MiB working memory, kept per thread: allocating it for
    /// every hash costs a fifth of the time in page faults.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2id with the OWASP parameters of `password-auth` (m=19456 KiB, t=2,
/// p=1) and a fresh 16-byte salt, as a PHC string `password-auth` verifies.
fn argon2id_phc(secret: &str) -> String {
    let params = Params::DEFAULT;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_buf)
        .expect("a generated salt decodes");
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    MEMORY
        .with_borrow_mut(|memory| {
            memory.resize(params.block_count(), Block::default());
            argon.hash_password_into_with_memory(
                secret.as_bytes(),
                salt_bytes,
                &mut out,
                memory.as_mut_slice(),
            )
        })
        .expect("default argon2 parameters accept any password and salt");
    let phc = argon2::password_hash::PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("default parameters print"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    };
    phc.to_string()
}

/// A voicemail PIN: 4 to 8 digits (SPEC U6).
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

/// Why a PIN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PIN must be 4 to 8 digits")]
pub struct PinError;

impl Pin {
    /// Accepts 4 to 8 ASCII digits.
    pub fn parse(text: &str) -> Result<Self, PinError> {
        let t = text.trim();
        if (4..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(PinError)
        }
    }

    /// The digits, for hashing or for comparing keyed-in DTMF.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// The stored argon2id hash of a PIN.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash(PasswordHash);

impl PinHash {
    /// Hashes a PIN with a fresh salt.
    pub fn of(pin: &Pin) -> Self {
        Self(PasswordHash(argon2id_phc(pin.expose())))
    }

    /// Wraps a hash read from storage.
    pub fn from_phc(phc: &str) -> Result<Self, HashFormatError> {
        PasswordHash::from_phc(phc).map(Self)
    }

    /// True if the digits keyed in are the PIN.
    pub fn matches(&self, digits: &str) -> bool {
        self.0.matches(digits)
    }

    /// The PHC string, for storage.
    pub fn as_phc(&self) -> &str {
        self.0.as_phc()
    }
}

impl fmt::Debug for PinHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let p = Password::parse("correct horse").unwrap();
        let pin = Pin::parse("4321").unwrap();
        let text = format!(
            "{p:?} {pin:?} {:?} {:?}",
            PasswordHash::of(&p),
            PinHash::of(&pin)
        );
        assert!(!text.contains("horse") && !text.contains("4321") && !text.contains("argon"));
    }

    #[test]
    fn hashes_use_the_owasp_argon2id_parameters_and_fresh_salts() {
        let p = Password::parse("same-password").unwrap();
        let (a, b) = (PasswordHash::of(&p), PasswordHash::of(&p));
        assert!(
            a.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            a.as_phc()
        );
        assert_ne!(a, b);
        // The hash is the one password-auth itself would accept.
        assert!(password_auth::verify_password("same-password", b.as_phc()).is_ok());
    }

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let hash = PasswordHash::of(&Password::parse("s3cret-pass").unwrap());
        assert!(hash.as_phc().starts_with("$argon2id$"));
        assert!(hash.matches("s3cret-pass"));
        assert!(!hash.matches("s3cret-pasS"));
        let again = PasswordHash::from_phc(hash.as_phc()).unwrap();
        assert!(again.matches("s3cret-pass"));
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        assert!(Pin::parse("1234").is_ok());
        assert!(Pin::parse("12345678").is_ok());
        for bad in ["123", "123456789", "12a4", "", "１２３４"] {
            assert_eq!(Pin::parse(bad), Err(PinError), "{bad}");
        }
    }

    #[test]
    fn short_and_long_passwords_are_refused() {
        assert_eq!(Password::parse("short"), Err(PasswordError::TooShort));
        assert_eq!(
            Password::parse(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn garbage_is_not_a_stored_hash() {
        assert_eq!(PasswordHash::from_phc("plain"), Err(HashFormatError));
    }
}
