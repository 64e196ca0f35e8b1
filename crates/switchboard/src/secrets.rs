//! Random secrets shown to people once: passwords, SIP passwords.

use rand::RngExt as _;

/// Letters and digits that cannot be confused when read aloud or copied
/// from a screen (no 0/O, 1/l/I).
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random password of `len` characters from an unambiguous alphabet
/// (5.8 bits each: 12 characters give about 70 bits).
pub fn random_password(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_the_length_asked_and_differ() {
        let a = random_password(12);
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(a, random_password(12));
    }
}
