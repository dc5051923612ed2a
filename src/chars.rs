//! What a character outside the `.nn` language most likely is: a minus sign from a PDF, a
//! full-width comma from a Japanese input method, an invisible joiner.
//!
//! Both the reader (`syntax`), which rejects such a character, and `error`, which shows it in
//! a message and under its caret, need to tell these apart; the classification lives here,
//! before both, so that neither depends on the other.

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
