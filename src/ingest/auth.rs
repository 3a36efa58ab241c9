//! Bearer tokens (API.md §1): the config holds only each token's SHA-256, its scopes, an
//! optional expiry and the client networks allowed to use it over TCP. The presented token is
//! hashed and compared with every configured hash in constant time, so neither the comparison
//! nor the position of a match leaks through timing. The token itself is never stored or logged.

use std::net::IpAddr;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::refusal::Refusal;
use crate::config::{Config, Scope, Token};

/// Who is calling, once the token checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The account the token belongs to.
    pub account: Arc<str>,
    /// What the token may do.
    pub scopes: Vec<Scope>,
}

#[derive(Debug)]
struct Grant {
    account: Arc<str>,
    token: Token,
}

/// Every configured token, ready to check requests against.
#[derive(Debug, Default)]
pub struct TokenBook {
    grants: Vec<Grant>,
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::Send => "send",
        Scope::Read => "read",
        Scope::Admin => "admin",
    }
}

impl TokenBook {
    /// The tokens of every account in `config`.
    pub fn from_config(config: &Config) -> TokenBook {
        let grants = config
            .accounts
            .iter()
            .flat_map(|a| {
                let account: Arc<str> = Arc::from(a.id.as_str());
                a.tokens.iter().map(move |t| Grant {
                    account: account.clone(),
                    token: t.clone(),
                })
            })
            .collect();
        TokenBook { grants }
    }

    /// Checks an `Authorization` header for `needed`. `client` is the peer address of a TCP
    /// connection, `None` on the Unix socket (whose file mode already limits who connects).
    pub fn authorize(
        &self,
        authorization: Option<&str>,
        client: Option<IpAddr>,
        now: jiff::Timestamp,
        needed: Scope,
    ) -> Result<Caller, Refusal> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Refusal::Unauthorized(
                "missing token: send Authorization: Bearer <token>",
            ))?;
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Look at every grant, whatever matches, so the time taken does not depend on where
        // (or whether) the token is found.
        let mut found: Option<&Grant> = None;
        for grant in &self.grants {
            if bool::from(grant.token.sha256.ct_eq(&hash)) {
                found = Some(grant);
            }
        }
        let grant = found.ok_or(Refusal::Unauthorized("unknown token"))?;
        if grant.token.expires_at.is_some_and(|at| now >= at) {
            return Err(Refusal::Unauthorized("expired token"));
        }
        if let Some(ip) = client
            && !grant.token.allow_ips.is_empty()
            && !grant.token.allow_ips.iter().any(|net| net.contains(&ip))
        {
            return Err(Refusal::IpNotAllowed);
        }
        if !grant.token.scopes.contains(&needed) {
            return Err(Refusal::Forbidden(scope_name(needed)));
        }
        Ok(Caller {
            account: grant.account.clone(),
            scopes: grant.token.scopes.clone(),
        })
    }
}
