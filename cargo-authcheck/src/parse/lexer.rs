//! A light Rust lexer: comments (nested), strings, raw strings, byte and C strings, chars versus
//! lifetimes, identifiers, brackets and single punctuation bytes. It never allocates and never
//! recurses, so it can look at any input before a recursive parser does: the body masker
//! ([`super::mask`]) and the nesting budget ([`super::budget`]) are built on it.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tok {
    Ident(usize, usize),
    Lit,
    Open(u8),
    Close(u8),
    Punct(u8),
    End,
}

/// The lexer could not follow the text.
pub struct Bad;

pub struct Lexer<'a> {
    pub b: &'a [u8],
}

pub fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

pub fn is_ident_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn utf8_len(c: u8) -> usize {
    match c {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

impl Lexer<'_> {
    fn ident_end(&self, mut i: usize) -> usize {
        while self.b.get(i).is_some_and(|&c| is_ident_continue(c)) {
            i += 1;
        }
        i
    }

    /// After the opening quote of a (byte/C) string: the index after its closing quote.
    fn string_end(&self, mut i: usize) -> Result<usize, Bad> {
        loop {
            match self.b.get(i) {
                None => return Err(Bad),
                Some(b'\\') => i += 2,
                Some(b'"') => return Ok(i + 1),
                Some(_) => i += 1,
            }
        }
    }

    /// After the opening quote of a raw string with `hashes` `#`s.
    fn raw_string_end(&self, mut i: usize, hashes: usize) -> Result<usize, Bad> {
        loop {
            let q = i + memchr::memchr(b'"', &self.b[i.min(self.b.len())..]).ok_or(Bad)?;
            let closes = self.b[q + 1..].iter().take(hashes).filter(|&&c| c == b'#');
            if closes.count() == hashes {
                return Ok(q + 1 + hashes);
            }
            i = q + 1;
        }
    }

    /// After the opening quote of a char literal or a lifetime: `(end, is_literal)`.
    fn quote_end(&self, i: usize) -> Result<(usize, bool), Bad> {
        match self.b.get(i) {
            None => Err(Bad),
            Some(b'\\') => {
                let mut k = i + 2;
                loop {
                    match self.b.get(k) {
                        None | Some(b'\n') => return Err(Bad),
                        Some(b'\'') => return Ok((k + 1, true)),
                        Some(_) => k += 1,
                    }
                }
            }
            Some(&c) => {
                let w = utf8_len(c);
                if self.b.get(i + w) == Some(&b'\'') {
                    Ok((i + w + 1, true))
                } else {
                    Ok((i, false))
                }
            }
        }
    }

    /// The next token at or after `*i`, skipping whitespace and comments.
    pub fn next(&self, i: &mut usize) -> Result<Tok, Bad> {
        let b = self.b;
        loop {
            let Some(&c) = b.get(*i) else {
                return Ok(Tok::End);
            };
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => *i += 1,
                b'/' if b.get(*i + 1) == Some(&b'/') => {
                    *i = memchr::memchr(b'\n', &b[*i..]).map_or(b.len(), |n| *i + n);
                }
                b'/' if b.get(*i + 1) == Some(&b'*') => {
                    let mut depth = 0usize;
                    loop {
                        match (b.get(*i), b.get(*i + 1)) {
                            (Some(b'/'), Some(b'*')) => {
                                depth += 1;
                                *i += 2;
                            }
                            (Some(b'*'), Some(b'/')) => {
                                depth -= 1;
                                *i += 2;
                                if depth == 0 {
                                    break;
                                }
                            }
                            (Some(_), _) => *i += 1,
                            (None, _) => return Err(Bad),
                        }
                    }
                }
                b'"' => {
                    *i = self.string_end(*i + 1)?;
                    return Ok(Tok::Lit);
                }
                b'\'' => {
                    let (end, literal) = self.quote_end(*i + 1)?;
                    *i = end;
                    return Ok(if literal { Tok::Lit } else { Tok::Punct(b'\'') });
                }
                b'0'..=b'9' => {
                    *i = self.ident_end(*i);
                    return Ok(Tok::Lit);
                }
                c if is_ident_start(c) => {
                    let start = *i;
                    *i = self.ident_end(start);
                    let word = &b[start..*i];
                    if matches!(word, b"r" | b"br" | b"cr") {
                        let mut j = *i;
                        while b.get(j) == Some(&b'#') {
                            j += 1;
                        }
                        if b.get(j) == Some(&b'"') {
                            *i = self.raw_string_end(j + 1, j - *i)?;
                            return Ok(Tok::Lit);
                        }
                        if word == b"r"
                            && j == *i + 1
                            && b.get(j).is_some_and(|&c| is_ident_start(c))
                        {
                            *i = self.ident_end(j);
                            return Ok(Tok::Ident(start, *i));
                        }
                    }
                    if matches!(word, b"b" | b"c") && b.get(*i) == Some(&b'"') {
                        *i = self.string_end(*i + 1)?;
                        return Ok(Tok::Lit);
                    }
                    if word == b"b" && b.get(*i) == Some(&b'\'') {
                        *i = self.quote_end(*i + 1)?.0;
                        return Ok(Tok::Lit);
                    }
                    return Ok(Tok::Ident(start, *i));
                }
                b'(' | b'[' | b'{' => {
                    *i += 1;
                    return Ok(Tok::Open(c));
                }
                b')' | b']' | b'}' => {
                    *i += 1;
                    return Ok(Tok::Close(c));
                }
                _ => {
                    *i += 1;
                    return Ok(Tok::Punct(c));
                }
            }
        }
    }

    /// After the `{` of a fn body: the index after its `}`, and what the body shows.
    pub fn skip_body(&self, i: &mut usize) -> Result<BodyFacts, Bad> {
        let mut stack = vec![b'}'];
        let mut facts = BodyFacts::default();
        let mut after_fn = false;
        let mut after_dot = false;
        while let Some(&want) = stack.last() {
            let tok = self.next(i)?;
            if let Tok::Ident(s, e) = tok {
                let word = &self.b[s..e];
                facts.may_serve |= serves_word(word) || (after_dot && word == b"call");
                if stack.len() == 1 {
                    facts.declares_items |= after_fn || word == b"struct" || word == b"impl";
                    after_fn = word == b"fn";
                    after_dot = false;
                    continue;
                }
            }
            if stack.len() == 1 {
                after_fn = false;
            }
            after_dot = tok == Tok::Punct(b'.');
            match tok {
                Tok::Open(c) => stack.push(closer(c)),
                Tok::Close(c) if c == want => {
                    stack.pop();
                }
                Tok::Close(_) | Tok::End => return Err(Bad),
                _ => {}
            }
        }
        Ok(facts)
    }

    /// After an opening bracket: the index after its matching closer.
    pub fn skip_group(&self, i: &mut usize, open: u8) -> Result<(), Bad> {
        let mut stack = vec![closer(open)];
        while let Some(&want) = stack.last() {
            match self.next(i)? {
                Tok::Open(c) => stack.push(closer(c)),
                Tok::Close(c) if c == want => {
                    stack.pop();
                }
                Tok::Close(_) | Tok::End => return Err(Bad),
                _ => {}
            }
        }
        Ok(())
    }
}

/// What a fn body shows without being parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BodyFacts {
    /// It declares items of its own as statements (`fn`, `struct`, `impl`), which the index reads.
    pub declares_items: bool,
    /// It may hand a router to a server or drive it as a service (see
    /// `index::extract::serves_router`, which reads such bodies).
    pub may_serve: bool,
}

/// Identifiers of code that serves a router: `serve`, `serve_connection`, `into_make_service*`,
/// `oneshot`, `service_fn`, `TowerToHyperService`, `Shared` (`.call` is checked apart).
fn serves_word(word: &[u8]) -> bool {
    word.starts_with(b"serve")
        || word.starts_with(b"into_make_service")
        || matches!(
            word,
            b"oneshot" | b"service_fn" | b"TowerToHyperService" | b"Shared"
        )
}

pub fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        _ => b'}',
    }
}
