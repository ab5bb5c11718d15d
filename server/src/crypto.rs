//! Encryption of key values at rest: XChaCha20-Poly1305 with a random nonce per value, the key's
//! name bound as associated data (a ciphertext copied onto another key does not decrypt).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::http::error::Error;

/// The AEAD, keyed from configuration.
pub struct KeyCipher(XChaCha20Poly1305);

impl KeyCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        Self(XChaCha20Poly1305::new(key.into()))
    }

    /// Returns `(nonce, ciphertext)`, both base64.
    pub fn encrypt(&self, name: &str, value: &str) -> Result<(String, String), Error> {
        let nonce_bytes = crate::config::random_bytes::<24>();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .0
            .encrypt(
                nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| Error::Internal("encryption failed".into()))?;
        Ok((STANDARD.encode(nonce_bytes), STANDARD.encode(ciphertext)))
    }

    /// Decrypts what `encrypt` produced for the same name.
    pub fn decrypt(&self, name: &str, nonce: &str, ciphertext: &str) -> Result<String, Error> {
        let fail = || {
            Error::Internal(format!(
                "key {name} cannot be decrypted with the configured keys secret"
            ))
        };
        let nonce = STANDARD.decode(nonce).map_err(|_| fail())?;
        if nonce.len() != 24 {
            return Err(fail());
        }
        let ciphertext = STANDARD.decode(ciphertext).map_err(|_| fail())?;
        let plain = self
            .0
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let c = KeyCipher::new(&[7; 32]);
        let (n, ct) = c.encrypt("db_password", "hunter2").unwrap();
        assert!(!ct.contains("hunter2"));
        assert_eq!(c.decrypt("db_password", &n, &ct).unwrap(), "hunter2");
        assert!(c.decrypt("other", &n, &ct).is_err());
        assert!(KeyCipher::new(&[8; 32])
            .decrypt("db_password", &n, &ct)
            .is_err());
    }
}
