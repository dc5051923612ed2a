//! Input text as people really type it: read within a size limit, decoded, normalised, and
//! the characters the language has no place for told apart from what they were meant to be.
//!
//! Files come from Windows Notepad (a byte-order mark, CRLF), old Mac editors (CR alone),
//! PDFs (`−` for `-`), Japanese input methods (full-width `，［＝０`) and word processors
//! (smart quotes, no-break spaces). The text is normalised once when it is read — the BOM
//! dropped, CRLF and lone CR made `\n` — so the grammar and all line and column arithmetic see
//! one kind of line end, and a file derives the same whatever its line ends. A character that
//! is still outside the language is a located error that says what it looks like
//! ([`Foreign`]), rather than a bare "found `，`" that looks like the right character.
//!
//! Reading stops at the limit (plus one byte, to know it was passed): `/dev/zero` or an
//! endless pipe are refused instead of filling memory.

use std::io::Read;

use crate::error::{Error, Source};

/// The default `--max-input-bytes`: 16 MiB, over thirty times the ~500 kB that `gen` writes for
/// a 784-100-10 network.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 16 << 20;

/// Reads a whole `.nn` text named `name` from `reader`: at most `limit` bytes, UTF-8, then
/// normalised (see [`normalise`]).
pub fn read(name: &str, reader: impl Read, limit: u64) -> Result<Source, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: name.to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: name.to_string(),
            limit,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        Error::NotUtf8 {
            path: name.to_string(),
            offset: e.utf8_error().valid_up_to(),
            utf16: bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]),
        }
    })?;
    Ok(Source::new(name, normalise(text)))
}

/// The text without a leading byte-order mark, with CRLF and lone CR as `\n`.
///
/// Nothing in the language may contain a CR (a title does not span lines), so a CR is always
/// a line end. Text without either is returned as it is, without copying.
pub fn normalise(text: String) -> String {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if !body.contains('\r') {
        return if body.len() == text.len() {
            text
        } else {
            body.to_string()
        };
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find('\r') {
        out.push_str(&rest[..at]);
        out.push('\n');
        rest = &rest[at + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// What a character outside the language most likely is, for the message that rejects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Foreign {
    /// U+2212 MINUS SIGN, which PDFs put for `-`.
    Minus,
    /// A hyphen or dash other than `-` (U+2010–U+2015, U+FE63).
    Dash,
    /// A full-width form of an ASCII character (U+FF01–U+FF5E), and that character.
    FullWidth(char),
    /// U+3000, the full-width space of Japanese and Chinese input methods.
    IdeographicSpace,
    /// U+00A0 or U+202F, a space that does not break.
    NoBreakSpace,
    /// Any other space character (U+2000–U+200A, U+205F, …).
    Space,
    /// A character that shows nothing: zero-width spaces and joiners, a byte-order mark in
    /// the middle, a soft hyphen, direction controls.
    Invisible(Invisible),
    /// A curly quote; strings take straight double quotes.
    SmartQuote,
    /// A Greek letter, and the ASCII name it is spelled as, when it has one.
    Greek(Option<&'static str>),
    /// A multiplication or division sign, and the operator meant.
    Operator(char),
    /// A letter or digit outside ASCII (`é`, `二`): names are ASCII.
    Letter,
    /// A control character other than tab and line ends.
    Control,
    /// Anything else outside ASCII (a symbol, an emoji).
    Symbol,
}

/// Which invisible character, for its name in the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invisible {
    ZeroWidthSpace,
    ZeroWidthNonJoiner,
    ZeroWidthJoiner,
    WordJoiner,
    ByteOrderMark,
    SoftHyphen,
    /// A bidirectional control (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069).
    Direction,
    /// Any other formatting character that shows nothing.
    Format,
}

impl Foreign {
    /// What `c` is, or `None` when the language itself may hold it somewhere (printable ASCII,
    /// tab, line ends). Every character a grammar rule can fail on is one or the other.
    pub fn of(c: char) -> Option<Foreign> {
        if c.is_ascii() {
            return match c {
                '\t' | '\n' | '\r' => None,
                _ if c.is_ascii_control() => Some(Foreign::Control),
                _ => None,
            };
        }
        if let Some(invisible) = invisible(c) {
            return Some(Foreign::Invisible(invisible));
        }
        Some(match c {
            '\u{2212}' => Foreign::Minus,
            '\u{2010}'..='\u{2015}' | '\u{FE63}' => Foreign::Dash,
            '\u{FF01}'..='\u{FF5E}' => {
                Foreign::FullWidth(char::from_u32(c as u32 - 0xFEE0).unwrap_or('?'))
            }
            '\u{3000}' => Foreign::IdeographicSpace,
            '\u{00A0}' | '\u{202F}' => Foreign::NoBreakSpace,
            '\u{2018}'..='\u{201F}' | '\u{00AB}' | '\u{00BB}' | '\u{2039}' | '\u{203A}' => {
                Foreign::SmartQuote
            }
            '\u{00D7}' | '\u{00B7}' | '\u{2219}' | '\u{22C5}' | '\u{2217}' | '\u{2715}' => {
                Foreign::Operator('*')
            }
            '\u{00F7}' | '\u{2215}' | '\u{2044}' => Foreign::Operator('/'),
            '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Foreign::Greek(greek_name(c)),
            _ if c.is_whitespace() => Foreign::Space,
            _ if c.is_control() => Foreign::Control,
            _ if c.is_alphanumeric() => Foreign::Letter,
            _ => Foreign::Symbol,
        })
    }
}

/// Which invisible character `c` is, if it is one: the formatting characters (category Cf)
/// that a text might carry unseen.
pub fn invisible(c: char) -> Option<Invisible> {
    Some(match c {
        '\u{200B}' => Invisible::ZeroWidthSpace,
        '\u{200C}' => Invisible::ZeroWidthNonJoiner,
        '\u{200D}' => Invisible::ZeroWidthJoiner,
        '\u{2060}' => Invisible::WordJoiner,
        '\u{FEFF}' => Invisible::ByteOrderMark,
        '\u{00AD}' => Invisible::SoftHyphen,
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Invisible::Direction,
        '\u{180E}'
        | '\u{2061}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => Invisible::Format,
        _ => return None,
    })
}

/// The usual ASCII spelling of a Greek letter, as in LaTeX (`η` → `eta`).
fn greek_name(c: char) -> Option<&'static str> {
    const LOWER: [&str; 25] = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "sigma", "tau", "upsilon",
        "phi", "chi", "psi", "omega",
    ];
    const UPPER: [&str; 25] = [
        "Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa",
        "Lambda", "Mu", "Nu", "Xi", "Omicron", "Pi", "Rho", "", "Sigma", "Tau", "Upsilon", "Phi",
        "Chi", "Psi", "Omega",
    ];
    let name = match c {
        'α'..='ω' => LOWER[c as usize - 'α' as usize],
        'Α'..='Ω' => UPPER[c as usize - 'Α' as usize],
        'ϕ' => "phi",
        'ϵ' => "epsilon",
        'ϑ' => "theta",
        _ => "",
    };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], limit: u64) -> Result<Source, Error> {
        read("a.nn", bytes, limit)
    }

    #[test]
    fn bom_and_every_line_end_become_plain_text() {
        for text in [
            "\u{FEFF}a\nb\n",
            "a\r\nb\r\n",
            "a\rb\r",
            "\u{FEFF}a\r\nb\r",
            "a\nb\n",
        ] {
            assert_eq!(normalise(text.into()), "a\nb\n", "{text:?}");
        }
        assert_eq!(normalise("a\r\r\nb".into()), "a\n\nb");
        assert_eq!(normalise("\u{FEFF}".into()), "");
        // A BOM is dropped only at the start; elsewhere it is a character to report.
        assert_eq!(normalise("a\u{FEFF}".into()), "a\u{FEFF}");
    }

    #[test]
    fn reading_stops_at_the_limit() {
        assert_eq!(read_all(b"abcd", 4).unwrap().text, "abcd");
        match read_all(b"abcde", 4) {
            Err(Error::TooLarge { limit: 4, .. }) => {}
            other => panic!("{other:?}"),
        }
        // An endless reader is read only up to the limit and one byte more.
        let endless = std::io::repeat(b'a');
        match read("zero", endless, 1000) {
            Err(Error::TooLarge { limit: 1000, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(read_all(b"", u64::MAX).unwrap().text.is_empty());
    }

    #[test]
    fn bad_bytes_are_counted_in_the_file_before_the_bom_goes() {
        match read_all(b"\xEF\xBB\xBFab\xFF", 100) {
            Err(Error::NotUtf8 {
                offset: 5,
                utf16: false,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        match read_all(b"\xFF\xFEt\0i\0", 100) {
            Err(Error::NotUtf8 {
                offset: 0,
                utf16: true,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn look_alikes_are_told_apart() {
        for (c, kind) in [
            ('−', Foreign::Minus),
            ('–', Foreign::Dash),
            ('，', Foreign::FullWidth(',')),
            ('［', Foreign::FullWidth('[')),
            ('＝', Foreign::FullWidth('=')),
            ('０', Foreign::FullWidth('0')),
            ('９', Foreign::FullWidth('9')),
            ('\u{3000}', Foreign::IdeographicSpace),
            ('\u{A0}', Foreign::NoBreakSpace),
            ('\u{2009}', Foreign::Space),
            ('\u{200B}', Foreign::Invisible(Invisible::ZeroWidthSpace)),
            ('\u{200D}', Foreign::Invisible(Invisible::ZeroWidthJoiner)),
            ('\u{202E}', Foreign::Invisible(Invisible::Direction)),
            ('“', Foreign::SmartQuote),
            ('’', Foreign::SmartQuote),
            ('η', Foreign::Greek(Some("eta"))),
            ('Σ', Foreign::Greek(Some("Sigma"))),
            ('ς', Foreign::Greek(Some("sigma"))),
            ('×', Foreign::Operator('*')),
            ('·', Foreign::Operator('*')),
            ('÷', Foreign::Operator('/')),
            ('é', Foreign::Letter),
            ('二', Foreign::Letter),
            ('\u{7}', Foreign::Control),
            ('\u{85}', Foreign::Space),
            ('€', Foreign::Symbol),
        ] {
            assert_eq!(Foreign::of(c), Some(kind), "{c:?}");
        }
        for c in ['a', '-', ',', ' ', '\t', '\n', '\r', '~'] {
            assert_eq!(Foreign::of(c), None, "{c:?}");
        }
    }
}
