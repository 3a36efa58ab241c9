//! The receipt text (SMPP 3.4 Appendix B, `id:… sub:… dlvrd:… submit date:… done date:…
//! stat:… err:… text:…`), read the tolerant way real SMSCs need (smpp-reference §7): keys in any
//! case and any order, found by key and not by position; missing fields are `None`, unknown
//! fields are skipped, and `text:` runs to the end.

/// The fields of one receipt text, borrowed from it. Nothing here is required; the caller
/// decides what is enough (an id and a state, which may also come from TLVs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReceiptText<'a> {
    /// `id:`, as written.
    pub id: Option<&'a str>,
    /// `sub:`, when it is a number.
    pub sub: Option<u32>,
    /// `dlvrd:`, when it is a number.
    pub dlvrd: Option<u32>,
    /// `submit date:` digits, when there are 10 (YYMMDDhhmm), 12 (…ss) or 14 (YYYY…ss).
    pub submit_date: Option<&'a str>,
    /// `done date:` digits, as for `submit_date`.
    pub done_date: Option<&'a str>,
    /// `stat:`, as written.
    pub stat: Option<&'a str>,
    /// `err:`, as written: three digits by the book, but letters and other lengths occur.
    pub err: Option<&'a str>,
    /// `text:`: everything after it, blanks after the colon removed.
    pub text: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

/// Keys by their first word; the dates need a second word, `date`.
const KEYS: &[(&[u8], Key)] = &[
    (b"id", Key::Id),
    (b"sub", Key::Sub),
    (b"dlvrd", Key::Dlvrd),
    (b"submit", Key::SubmitDate),
    (b"done", Key::DoneDate),
    (b"stat", Key::Stat),
    (b"err", Key::Err),
    (b"text", Key::Text),
];

/// Reads the fields of a receipt text. Never fails: a text with no recognisable field gives
/// all `None`.
pub fn parse_text(text: &str) -> ReceiptText<'_> {
    let bytes = text.as_bytes();
    let mut out = ReceiptText::default();
    // The key being read and where its value starts.
    let mut open: Option<(Key, usize)> = None;
    let mut at = 0;
    while at < bytes.len() {
        let Some((key, value_at)) = key_at(bytes, at) else {
            at += 1;
            continue;
        };
        if let Some((prev, from)) = open.take() {
            out.set(prev, text.get(from..at).unwrap_or_default());
        }
        if key == Key::Text {
            let rest = text.get(value_at..).unwrap_or_default();
            out.text = Some(rest.trim_start_matches([' ', '\t']));
            return out;
        }
        open = Some((key, value_at));
        at = value_at;
    }
    if let Some((prev, from)) = open {
        out.set(prev, text.get(from..).unwrap_or_default());
    }
    out
}

impl<'a> ReceiptText<'a> {
    /// Records a field's value (its first word in the text up to the next key) unless an
    /// earlier occurrence of the key already gave a usable one.
    fn set(&mut self, key: Key, span: &'a str) {
        let token = first_token(span);
        if token.is_empty() {
            return;
        }
        match key {
            Key::Id => fill(&mut self.id, Some(token)),
            Key::Sub => fill(&mut self.sub, number(token)),
            Key::Dlvrd => fill(&mut self.dlvrd, number(token)),
            Key::SubmitDate => fill(&mut self.submit_date, date(token)),
            Key::DoneDate => fill(&mut self.done_date, date(token)),
            Key::Stat => fill(&mut self.stat, Some(token)),
            Key::Err => fill(&mut self.err, Some(token)),
            // `parse_text` takes the rest of the text itself.
            Key::Text => {}
        }
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Whether `b` ends a word: fields are separated by blanks, and by `,` or `;` at some SMSCs.
fn is_separator(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b',' || b == b';'
}

/// The key starting at `at`, and where its value starts (after the colon), if a key starts a
/// word there. A key must be followed directly by `:`; the dates' two words may be joined by
/// blanks, `_`, `-` or nothing.
fn key_at(bytes: &[u8], at: usize) -> Option<(Key, usize)> {
    if at > 0 && !is_separator(bytes[at - 1]) {
        return None;
    }
    let rest = &bytes[at..];
    KEYS.iter().find_map(|&(word, key)| {
        let mut after = strip_prefix_ci(rest, word)?;
        if matches!(key, Key::SubmitDate | Key::DoneDate) {
            let joined = after
                .iter()
                .take_while(|&&b| matches!(b, b' ' | b'_' | b'-'));
            after = strip_prefix_ci(&after[joined.count()..], b"date")?;
        }
        let value = after.strip_prefix(b":")?;
        Some((key, bytes.len() - value.len()))
    })
}

fn strip_prefix_ci<'b>(bytes: &'b [u8], prefix: &[u8]) -> Option<&'b [u8]> {
    let head = bytes.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &bytes[prefix.len()..])
}

/// The value proper: the first word of the text up to the next key (extra words belong to an
/// unknown field).
fn first_token(span: &str) -> &str {
    let span = span.trim_start_matches(|c: char| c.is_ascii() && is_separator(c as u8));
    let end = span.bytes().position(is_separator).unwrap_or(span.len());
    span.get(..end).unwrap_or_default()
}

/// A count such as `001`; `None` for `ND` and the like.
fn number(token: &str) -> Option<u32> {
    if token.bytes().all(|b| b.is_ascii_digit()) {
        token.parse().ok()
    } else {
        None
    }
}

/// A date of 10, 12 or 14 digits, as written.
fn date(token: &str) -> Option<&str> {
    let digits = token.bytes().all(|b| b.is_ascii_digit());
    (digits && matches!(token.len(), 10 | 12 | 14)).then_some(token)
}
