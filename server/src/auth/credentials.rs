//! Machine credentials: personal access tokens (`acpat_...`) and service API keys (`acsk_...`).
//!
//! Format: `<prefix><public id>_<secret><checksum>` where the public id (12 characters) finds the
//! row, the secret (32 characters) is stored only as its SHA-256 digest and compared in constant
//! time, and the checksum (6 characters, CRC-32 of everything before it) lets secret scanners
//! recognise real tokens and lets the server reject typos without a database lookup. All parts are
//! base62.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// Prefix of personal access tokens.
pub const PAT_PREFIX: &str = "acpat_";
/// Prefix of service API keys.
pub const API_KEY_PREFIX: &str = "acsk_";

const ID_LEN: usize = 12;
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A freshly minted credential: the full text (shown once) and what is stored.
pub struct Minted {
    pub token: String,
    pub public_id: String,
    pub secret_hash: String,
}

/// The parts of a well-formed credential.
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub public_id: &'a str,
    pub secret: &'a str,
}

fn random_base62(len: usize) -> String {
    use rand::Rng as _;
    let mut rng = rand::rngs::OsRng;
    (0..len)
        .map(|_| char::from(BASE62[rng.gen_range(0..BASE62.len())]))
        .collect()
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SHA-256 of a secret, hex.
pub fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `secret` hashes to `stored_hash`, compared in constant time (the only comparison of
/// credential secrets in the server).
pub fn verify_secret(secret: &str, stored_hash: &str) -> bool {
    let presented = hash_secret(secret);
    presented.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// Mints a credential with a prefix.
pub fn mint(prefix: &str) -> Minted {
    let public_id = random_base62(ID_LEN);
    let secret = random_base62(SECRET_LEN);
    let body = format!("{prefix}{public_id}_{secret}");
    let token = format!("{body}{}", checksum(&body));
    Minted {
        token,
        public_id,
        secret_hash: hash_secret(&secret),
    }
}

/// Splits a credential with the expected prefix; `None` when malformed or the checksum is wrong.
pub fn parse<'a>(prefix: &str, token: &'a str) -> Option<Parsed<'a>> {
    let rest = token.strip_prefix(prefix)?;
    if rest.len() != ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN || !rest.is_ascii() {
        return None;
    }
    let (body_rest, sum) = rest.split_at(ID_LEN + 1 + SECRET_LEN);
    let body = &token[..prefix.len() + body_rest.len()];
    if checksum(body) != sum {
        return None;
    }
    let (public_id, secret) = body_rest.split_at(ID_LEN);
    let secret = secret.strip_prefix('_')?;
    let all_base62 = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    (all_base62(public_id) && all_base62(secret)).then_some(Parsed { public_id, secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mint_parse_verify() {
        let m = mint(PAT_PREFIX);
        assert!(m.token.starts_with("acpat_"));
        let p = parse(PAT_PREFIX, &m.token).unwrap();
        assert_eq!(p.public_id, m.public_id);
        assert!(verify_secret(p.secret, &m.secret_hash));
        assert!(!verify_secret("x", &m.secret_hash));
        assert!(parse(API_KEY_PREFIX, &m.token).is_none());
        // One changed character anywhere breaks the checksum.
        let mut bad = m.token.clone().into_bytes();
        let i = bad.len() - 10;
        bad[i] = if bad[i] == b'a' { b'b' } else { b'a' };
        assert!(parse(PAT_PREFIX, std::str::from_utf8(&bad).unwrap()).is_none());
        assert!(parse(PAT_PREFIX, "acpat_short").is_none());
    }

    #[test]
    fn the_stored_hash_is_not_a_credential() {
        let m = mint(API_KEY_PREFIX);
        let p = parse(API_KEY_PREFIX, &m.token).unwrap();
        // Presenting the stored digest as the secret fails.
        assert!(!verify_secret(&m.secret_hash, &m.secret_hash));
        assert!(verify_secret(p.secret, &m.secret_hash));
    }
}
