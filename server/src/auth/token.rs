//! JSON Web Tokens: HS256 only, with `iss`, `aud`, `exp` and the token type checked.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Issuer and audience written into, and required from, every token.
pub const ISSUER: &str = "authcheck-server";
pub const AUDIENCE: &str = "authcheck-api";

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

/// The claims of both token types.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Unique id of this token (revocation, refresh rotation).
    pub jti: String,
    pub typ: TokenType,
    /// The user's token version: bumping it (password change) ends every session.
    pub ver: i64,
    /// The refresh family (refresh tokens only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

/// Signing and verification keys.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Keys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs claims with HS256.
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies signature (HS256 only), `exp`, `iss`, `aud` and the expected type.
    pub fn verify(&self, token: &str, expected: TokenType) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        (claims.typ == expected).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(typ: TokenType, exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "1".into(),
            iat: now,
            exp: now + exp_offset,
            jti: "j".into(),
            typ,
            ver: 0,
            fam: None,
        }
    }

    #[test]
    fn checks_type_expiry_and_signature() {
        let keys = Keys::new(b"0123456789abcdef0123456789abcdef");
        let access = keys.sign(&claims(TokenType::Access, 60)).unwrap();
        assert!(keys.verify(&access, TokenType::Access).is_some());
        assert!(keys.verify(&access, TokenType::Refresh).is_none());
        let expired = keys.sign(&claims(TokenType::Access, -600)).unwrap();
        assert!(keys.verify(&expired, TokenType::Access).is_none());
        let other = Keys::new(b"another secret another secret 12");
        assert!(other.verify(&access, TokenType::Access).is_none());
    }
}
