//! Compares what the running server answered with what the static table says of each route.
//!
//! - A protected route (`extractor`, `layer`) must answer an anonymous request with 401 or 403;
//!   anything else means the server does not enforce what the code shows.
//! - A route that is not protected (`public`, `allowlisted`, `none`) must not answer 401: the
//!   server enforces something the analysis does not see.
//! - With a token, a protected route must not answer 401 (403 is authorization, not
//!   authentication). When every protected route refuses the token, the token is wrong, not the
//!   code: that is one finding, not one per route.
//!
//! 429 and 503 say nothing about authentication (a rate limit or an outage answered first), and a
//! request without an answer says nothing at all: those routes are left unjudged.

use super::send::Answer;
use super::RouteInfo;

/// How a route's answer contradicts its class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Protected, yet an anonymous request was not refused.
    ProtectedNotEnforced,
    /// Not protected, yet an anonymous request answered 401.
    PublicRequiresAuth,
    /// Protected, and refused the token other protected routes accepted.
    TokenRefused,
}

/// A contradiction between the static table and the running server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// One route (index into the routes) and the status that contradicts its class.
    Route {
        kind: Kind,
        route: usize,
        status: u16,
    },
    /// Every protected route probed answered 401 to the token: the token is wrong, not the code.
    TokenRefusedEverywhere { refusals: usize },
}

impl Finding {
    /// The finding's code (part of the JSON contract).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Route {
                kind: Kind::ProtectedNotEnforced,
                ..
            } => "protected-not-enforced",
            Finding::Route {
                kind: Kind::PublicRequiresAuth,
                ..
            } => "public-requires-auth",
            Finding::Route {
                kind: Kind::TokenRefused,
                ..
            } => "token-refused",
            Finding::TokenRefusedEverywhere { .. } => "token-refused-everywhere",
        }
    }

    /// The route it is about, if it is about one.
    pub fn route(&self) -> Option<usize> {
        match self {
            Finding::Route { route, .. } => Some(*route),
            Finding::TokenRefusedEverywhere { .. } => None,
        }
    }
}

/// A route that was probed but cannot be judged, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unjudged {
    pub route: usize,
    /// Whether the request carried the token.
    pub with_token: bool,
    pub answer: Answer,
}

/// The answers a route got (`None`: that request was not sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    pub anonymous: Option<Answer>,
    pub token: Option<Answer>,
}

/// The verdict over all routes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    pub findings: Vec<Finding>,
    pub unjudged: Vec<Unjudged>,
}

/// Judges every route's answers (`answers[i]` belongs to `routes[i]`).
pub fn judge(routes: &[RouteInfo], answers: &[Answers]) -> Judgement {
    let mut judgement = Judgement::default();
    let mut token_accepted = 0;
    let mut token_refused = Vec::new();
    for (i, (route, got)) in routes.iter().zip(answers).enumerate() {
        let protected = route.class.is_protected();
        if let Some(answer) = &got.anonymous {
            match conclusive(answer) {
                Some(status) => {
                    let kind = if protected && !matches!(status, 401 | 403) {
                        Some(Kind::ProtectedNotEnforced)
                    } else if !protected && status == 401 {
                        Some(Kind::PublicRequiresAuth)
                    } else {
                        None
                    };
                    if let Some(kind) = kind {
                        judgement.findings.push(Finding::Route {
                            kind,
                            route: i,
                            status,
                        });
                    }
                }
                None => judgement.unjudged.push(Unjudged {
                    route: i,
                    with_token: false,
                    answer: answer.clone(),
                }),
            }
        }
        if let Some(answer) = got.token.as_ref().filter(|_| protected) {
            match conclusive(answer) {
                Some(401) => token_refused.push(i),
                Some(_) => token_accepted += 1,
                None => judgement.unjudged.push(Unjudged {
                    route: i,
                    with_token: true,
                    answer: answer.clone(),
                }),
            }
        }
    }
    if !token_refused.is_empty() && token_accepted == 0 {
        judgement.findings.push(Finding::TokenRefusedEverywhere {
            refusals: token_refused.len(),
        });
    } else {
        judgement
            .findings
            .extend(token_refused.into_iter().map(|i| Finding::Route {
                kind: Kind::TokenRefused,
                route: i,
                status: 401,
            }));
    }
    judgement.findings.sort_by_key(|f| (f.route(), f.code()));
    judgement
}

/// The status when it tells something about authentication.
fn conclusive(answer: &Answer) -> Option<u16> {
    match answer {
        Answer::Status(429 | 503) | Answer::Failed(_) | Answer::NotSent => None,
        Answer::Status(status) => Some(*status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthClass;

    fn route(class: AuthClass) -> RouteInfo {
        RouteInfo {
            method: "GET".into(),
            path: "/x".into(),
            fallback: false,
            class,
            evidence: None,
            protection: None,
            handler: "h".into(),
            file: "src/lib.rs".into(),
            line: 1,
        }
    }

    fn anonymous(status: u16) -> Answers {
        Answers {
            anonymous: Some(Answer::Status(status)),
            token: None,
        }
    }

    fn kinds(j: &Judgement) -> Vec<(&'static str, Option<usize>)> {
        j.findings.iter().map(|f| (f.code(), f.route())).collect()
    }

    #[test]
    fn anonymous_answers_against_the_class() {
        use AuthClass as C;
        let cases = [
            (C::Extractor, 401, None),
            (C::Layer, 403, None),
            (C::Extractor, 200, Some("protected-not-enforced")),
            (C::Layer, 404, Some("protected-not-enforced")),
            (C::Extractor, 302, Some("protected-not-enforced")),
            (C::Extractor, 500, Some("protected-not-enforced")),
            (C::Public, 200, None),
            (C::Public, 403, None),
            (C::Allowlisted, 404, None),
            (C::Public, 401, Some("public-requires-auth")),
            (C::Allowlisted, 401, Some("public-requires-auth")),
            (C::None, 401, Some("public-requires-auth")),
            (C::None, 200, None),
        ];
        for (class, status, expected) in cases {
            let j = judge(&[route(class)], &[anonymous(status)]);
            let found: Vec<_> = j.findings.iter().map(Finding::code).collect();
            assert_eq!(
                found,
                expected.into_iter().collect::<Vec<_>>(),
                "{class:?} {status}"
            );
            assert!(j.unjudged.is_empty());
        }
    }

    #[test]
    fn rate_limits_outages_and_silence_are_unjudged() {
        let routes = vec![route(AuthClass::Extractor); 4];
        let answers = [
            anonymous(429),
            anonymous(503),
            Answers {
                anonymous: Some(Answer::Failed("connection reset".into())),
                token: None,
            },
            Answers {
                anonymous: Some(Answer::NotSent),
                token: None,
            },
        ];
        let j = judge(&routes, &answers);
        assert!(j.findings.is_empty());
        assert_eq!(j.unjudged.len(), 4);
    }

    fn with_token(token: u16) -> Answers {
        Answers {
            anonymous: Some(Answer::Status(401)),
            token: Some(Answer::Status(token)),
        }
    }

    #[test]
    fn a_token_refused_everywhere_is_one_finding() {
        let routes = vec![route(AuthClass::Extractor); 3];
        let j = judge(
            &routes,
            &[with_token(401), with_token(401), with_token(401)],
        );
        assert_eq!(kinds(&j), [("token-refused-everywhere", None)]);
        assert_eq!(
            j.findings[0],
            Finding::TokenRefusedEverywhere { refusals: 3 }
        );
    }

    #[test]
    fn a_token_refused_somewhere_is_a_finding_per_route() {
        let routes = vec![route(AuthClass::Extractor); 3];
        let j = judge(
            &routes,
            &[with_token(200), with_token(401), with_token(403)],
        );
        assert_eq!(kinds(&j), [("token-refused", Some(1))]);
        let j = judge(
            &routes,
            &[with_token(200), with_token(404), with_token(403)],
        );
        assert!(j.findings.is_empty(), "403 and 404 accept the caller");
    }

    #[test]
    fn tokens_on_unprotected_routes_are_not_judged() {
        let j = judge(&[route(AuthClass::Public)], &[with_token(401)]);
        assert_eq!(kinds(&j), [("public-requires-auth", Some(0))]);
    }
}
