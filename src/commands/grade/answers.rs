//! The answer file: one `NAME = value` a line, `#` comments and blank lines, any order, any
//! subset, read with the span of every name and value so that a bad line is shown where it is.
//!
//! A student types on whatever keyboard they have: a value's U+2212 minus, full-width digits,
//! point and signs (a Japanese input method's `３．２５２`) are read as their ASCII forms, and
//! `≈` before a value is allowed. A comma in a value is refused, full-width or not: `3,252` is
//! a decimal comma to one reader and a thousands separator to another.

use crate::error::{AnswerFault, Beyond, Counted, Error, Source, Span};
use crate::math::number::{Decimal, Unreadable};

/// The most digits a value may have: more says nothing a hand calculation can mean, and
/// judging at a million digits would cost as much.
pub const MOST_DIGITS: usize = 1000;

/// A step or sample a name counts (`[step 2]`, `[n=3]`), as written, and where.
#[derive(Clone, Debug)]
pub struct Count {
    pub what: Counted,
    /// The number (saturated at `u64::MAX`: `[step 99999999999999999999]` names none either).
    pub number: u64,
    /// The bracket as written, and where.
    pub written: String,
    pub span: Span,
}

/// One answer as written.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The name as written (trimmed).
    pub written: String,
    /// The name in the table's form (see [`canonical`]); `None` when it cannot be read.
    pub key: Option<String>,
    /// The steps and samples the name counts.
    pub counts: Vec<Count>,
    /// The value as written (trimmed), in ASCII (look-alikes folded, see [`number_text`]),
    /// and as read.
    pub text: String,
    pub ascii: String,
    pub value: Decimal,
    /// Nothing after the `=`: a line of the blank sheet not filled in (not an answer).
    pub blank: bool,
    /// The significant digits written (trailing zeros count: `0.8590` claims four).
    pub digits: u32,
    /// A unit of the last digit written (`0.8590`: 0.0001).
    pub unit: f64,
    pub name_span: Span,
    /// The line (from 1).
    pub line: usize,
}

/// Reads every answer of `source`; names are checked against the table later.
pub fn read(source: &Source) -> Result<Vec<Answer>, Error> {
    let text = &source.text;
    let mut out = Vec::new();
    let mut start = 0;
    for (number, line) in text.split('\n').enumerate() {
        let at = start;
        start += line.len() + 1;
        let content = match line.find(['#', '＃']) {
            Some(cut) => &line[..cut],
            None => line,
        };
        if content.trim().is_empty() {
            continue;
        }
        out.push(read_line(content, at, number + 1)?);
    }
    Ok(out)
}

/// Where `source` holds an answer filled in: the name of its first line `NAME = value` that
/// reads as an answer (a blank sheet's `NAME =` is none), so that a sheet is not written over
/// it. Lines that read as no answer do not count.
pub fn first_filled(source: &Source) -> Option<Span> {
    let mut start = 0;
    for (number, line) in source.text.split('\n').enumerate() {
        let at = start;
        start += line.len() + 1;
        let content = match line.find(['#', '＃']) {
            Some(cut) => &line[..cut],
            None => line,
        };
        match read_line(content, at, number + 1) {
            Ok(answer) if !answer.blank => return Some(answer.name_span),
            _ => {}
        }
    }
    None
}

/// `span` of the part `part` of `whole`, which starts at byte `at` of the file.
fn span_of(whole: &str, part: &str, at: usize) -> Span {
    let offset = part.as_ptr() as usize - whole.as_ptr() as usize;
    Span::new(at + offset, at + offset + part.len().max(1))
}

/// The key of the name `name` (at `span`) and the steps and samples it counts.
fn read_name(name: &str, span: Span) -> Result<(Option<String>, Vec<Count>), Error> {
    let (key, counts) = match canonical(name) {
        Ok(Some((key, counts))) => (Some(key), counts),
        Ok(None) => (None, Vec::new()),
        Err((fault, bracket)) => {
            let start = span.start + bracket.start;
            return Err(Error::Answers {
                fault,
                span: Span::new(start, start + bracket.len().max(1)),
            });
        }
    };
    let counts = counts
        .into_iter()
        .map(|(what, number, bracket)| Count {
            what,
            number,
            written: name[bracket.clone()].to_string(),
            span: Span::new(span.start + bracket.start, span.start + bracket.end),
        })
        .collect();
    Ok((key, counts))
}

fn read_line(content: &str, at: usize, line: usize) -> Result<Answer, Error> {
    let fault = |fault, part: &str| Error::Answers {
        fault,
        span: span_of(content, part, at),
    };
    // The `=` of the answer, not one in `[n=2]`.
    let mut depth = 0i32;
    let found = content.char_indices().find(|&(_, c)| {
        match c {
            '[' | '［' => depth += 1,
            ']' | '］' => depth -= 1,
            _ => {}
        }
        depth <= 0 && matches!(c, '=' | '＝')
    });
    let Some((eq, _)) = found else {
        // `z_1 [step 1 = 0.6457`: the `=` is there, inside a bracket never closed.
        let open = content
            .rfind(['[', '［'])
            .filter(|_| content.contains(['=', '＝']));
        return Err(match open {
            Some(open) => fault(AnswerFault::Unclosed, &content[open..]),
            None => fault(AnswerFault::NoEquals, content.trim()),
        });
    };
    let eq_len = content[eq..].chars().next().map_or(1, char::len_utf8);
    let (name, value) = (content[..eq].trim(), content[eq + eq_len..].trim());
    if name.is_empty() {
        return Err(fault(AnswerFault::NoName, &content[eq..eq + eq_len]));
    }
    let name_span = span_of(content, name, at);
    let (key, counts) = read_name(name, name_span)?;
    if value.is_empty() {
        return Ok(Answer {
            written: name.to_string(),
            key,
            counts,
            text: String::new(),
            ascii: String::new(),
            value: Decimal::ZERO,
            blank: true,
            digits: 1,
            unit: 1.0,
            name_span,
            line,
        });
    }
    let (text, digits) = number_text(value).map_err(|f| match f {
        // At the comma itself.
        AnswerFault::Comma(c) => {
            let at = value.find(c).unwrap_or(0);
            fault(f, &value[at..at + c.len_utf8()])
        }
        f => fault(f, value),
    })?;
    let unit = last_unit(&text);
    let number = Decimal::read(&text).map_err(|why| {
        let f = match why {
            Unreadable::Malformed => AnswerFault::NotANumber(value.to_string()),
            Unreadable::TooLarge => AnswerFault::OutOfRange(value.to_string(), Beyond::TooLarge),
            Unreadable::TooPrecise => {
                AnswerFault::OutOfRange(value.to_string(), Beyond::TooPrecise)
            }
        };
        fault(f, value)
    })?;
    Ok(Answer {
        written: name.to_string(),
        key,
        counts,
        text: value.to_string(),
        ascii: text,
        value: number,
        blank: false,
        digits,
        unit,
        name_span,
        line,
    })
}

/// A value in ASCII (look-alikes folded, a leading `≈` dropped) and its significant digits.
fn number_text(value: &str) -> Result<(String, u32), AnswerFault> {
    let value = value
        .strip_prefix(['≈', '~'])
        .map_or(value, str::trim_start);
    let mut text = String::with_capacity(value.len());
    for c in value.chars() {
        let c = match c {
            '\u{2212}' | '\u{FF0D}' | '\u{2013}' => '-',
            ',' | '，' | '、' | '\u{FE50}' | '\u{FE51}' => return Err(AnswerFault::Comma(c)),
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        text.push(c);
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let written = mantissa.bytes().filter(u8::is_ascii_digit).count();
    if written > MOST_DIGITS {
        return Err(AnswerFault::TooManyDigits {
            digits: written,
            most: MOST_DIGITS,
        });
    }
    let significant: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trimmed = significant.trim_start_matches('0');
    let digits = trimmed.len().max(1) as u32;
    Ok((text, digits))
}

/// A unit of the last digit of an ASCII number: `0.8590` → 0.0001, `1.41e-3` → 0.00001.
fn last_unit(text: &str) -> f64 {
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
    let exponent: i32 = exponent.parse().unwrap_or(0);
    10f64.powi(exponent.saturating_sub(decimals))
}

/// Bytes of a name as written.
type Bytes = std::ops::Range<usize>;

/// A step or sample a name counts: what, its number, and where its bracket is.
type Counting = (Counted, u64, Bytes);

/// A name read: its key and what it counts; `None` when it is none the table could know.
type Read = Option<(String, Vec<Counting>)>;

/// A name in the one form the table knows: whitespace dropped, `δ` `∂` `η` and full-width
/// characters spelled in ASCII, then ` after`, ` [n=N]`, ` [step N]` in that order, whatever
/// order they were written in; with the steps and samples it counts. `None` when a bracket is
/// not one of those; an error (and the bracket's bytes) when it counts from 0, or below.
pub fn canonical(name: &str) -> Result<Read, (AnswerFault, Bytes)> {
    // Folded one character for one, so that the k-th character is the name's k-th.
    let folded: Vec<char> = name
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '′' | '’' | 'ʹ' | '´' => '\'',
            c => c,
        })
        .collect();
    let bytes: Vec<usize> = name
        .char_indices()
        .map(|(at, _)| at)
        .chain([name.len()])
        .collect();
    let (mut sample, mut step) = (None, None);
    let mut counts = Vec::new();
    let mut base = String::new();
    let mut k = 0;
    while k < folded.len() {
        if folded[k] != '[' {
            base.push(folded[k]);
            k += 1;
            continue;
        }
        let Some(close) = folded[k..].iter().position(|&c| c == ']').map(|c| c + k) else {
            return Ok(None);
        };
        let inside: String = folded[k + 1..close]
            .iter()
            .filter(|c| !c.is_whitespace())
            .collect();
        let (what, number) = if let Some(n) = inside.strip_prefix("n=") {
            (Counted::Sample, n)
        } else if let Some(s) = inside.strip_prefix("step") {
            (Counted::Step, s.strip_prefix('=').unwrap_or(s))
        } else {
            return Ok(None);
        };
        let at = bytes[k]..bytes[close + 1];
        let number = match count(number) {
            Some(n) if n > 0 && !number.starts_with('-') => n,
            Some(_) => {
                let written = name[at.clone()].to_string();
                return Err((AnswerFault::FromOne { what, written }, at));
            }
            None => return Ok(None),
        };
        let slot = match what {
            Counted::Sample => &mut sample,
            Counted::Step => &mut step,
        };
        *slot = Some(u32::try_from(number).unwrap_or(u32::MAX));
        counts.push((what, number, at));
        k = close + 1;
    }
    let base = notation(&base)
        .replace('δ', "delta")
        .replace('∂', "d")
        .replace('η', "eta");
    let base = base.trim();
    let (base, after) = match base.strip_suffix("after") {
        Some(b) if b.ends_with(char::is_whitespace) || b.ends_with(')') => (b, true),
        _ => (base, false),
    };
    let base: String = base.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(Some((key(&base, after, sample, step.unwrap_or(1)), counts)))
}

/// A name's notation in the table's: LaTeX's braces, `$`, `\delta`, `\partial`, `\eta` and
/// `\frac{A}{B}`, Unicode sub- and superscripts (`δ₁⁽¹⁾` is `δ_1^(1)`), the math italic `𝛿`
/// and `𝜕` of an equation editor, and a layer without its parentheses (`^1`, `^{1}`).
fn notation(name: &str) -> String {
    let text = crate::latex::grade::read_commands(name);
    let mut out = String::with_capacity(text.len());
    let mut script = None;
    for c in text.chars() {
        let (mark, plain) = match scripted(c) {
            Some((mark, plain)) => (Some(mark), plain),
            None => (None, c),
        };
        if mark != script {
            // `w_₁₁`, `w₁,₁`: the mark is written already.
            if let Some(mark) = mark.filter(|&m| !(m == '_' && out.ends_with(['_', ',']))) {
                out.push(mark);
            }
            script = mark;
        }
        match plain {
            '{' | '}' | '$' => {}
            '𝛿' => out.push('δ'),
            '𝜕' => out.push('∂'),
            c => out.push(c),
        }
    }
    parenthesised_layers(&out)
}

/// A Unicode subscript (`_`) or superscript (`^`) character, and the ASCII one it raises or
/// lowers.
fn scripted(c: char) -> Option<(char, char)> {
    const SIGNS: [char; 5] = ['+', '-', '=', '(', ')'];
    let digit = |d: u32| char::from_digit(d, 10).unwrap_or(c);
    Some(match c {
        '₀'..='₉' => ('_', digit(c as u32 - '₀' as u32)),
        '₊'..='₎' => ('_', SIGNS[(c as u32 - '₊' as u32) as usize]),
        '⁰' => ('^', '0'),
        '¹' => ('^', '1'),
        '²' => ('^', '2'),
        '³' => ('^', '3'),
        '⁴'..='⁹' => ('^', digit(c as u32 - '⁰' as u32)),
        '⁺'..='⁾' => ('^', SIGNS[(c as u32 - '⁺' as u32) as usize]),
        _ => return None,
    })
}

/// `^` before digits, as `^(…)`: `w_11^1` is `w_11^(1)`.
fn parenthesised_layers(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    let mut rest = name;
    while let Some(at) = rest.find('^') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('(');
            out.push_str(&rest[..digits]);
            out.push(')');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// A key (see [`canonical`]) without what a student may leave out or set otherwise: `_`,
/// `^`, and a layer put before the indices (`w^(1)_12`) put after them. `dE/dw11(1)` is
/// loosely `dE/dw_11^(1)`; a loose form names a quantity only where it is no other
/// quantity's (`w111(1)`: `w_1,11^(1)` or `w_11,1^(1)`; `w1,11(1)` is the one).
pub fn loose(key: &str) -> String {
    let plain: Vec<char> = key
        .chars()
        .filter(|&c| !matches!(c, '_' | '^') && !c.is_whitespace())
        .collect();
    let digits_from = |k: usize| {
        plain[k.min(plain.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut out = String::with_capacity(plain.len());
    let mut k = 0;
    while k < plain.len() {
        // `(1)12`: a layer, then indices (each run of digits counted once).
        let layer = if plain[k] == '(' {
            digits_from(k + 1)
        } else {
            0
        };
        if layer > 0 && plain.get(k + 1 + layer) == Some(&')') {
            let indices = digits_from(k + 2 + layer);
            if indices > 0 {
                let end = k + 2 + layer;
                out.extend(&plain[end..end + indices]);
                out.extend(&plain[k..end]);
                k = end + indices;
                continue;
            }
        }
        out.push(plain[k]);
        k += 1;
    }
    out
}

/// A count's digits as a number, saturated (`None`: not digits; `-1` is not a count).
fn count(digits: &str) -> Option<u64> {
    let digits = digits.strip_prefix('-').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// The table's form of a quantity's name: its plain name, ` after` for a parameter after the
/// update, ` [n=N]` with several samples, ` [step N]` from the second step on.
pub fn key(base: &str, after: bool, sample: Option<u32>, step: u32) -> String {
    let mut out = base.to_string();
    if after {
        out.push_str(" after");
    }
    if let Some(n) = sample {
        out.push_str(&format!(" [n={n}]"));
    }
    if step > 1 {
        out.push_str(&format!(" [step {step}]"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key `canonical` reads `name` as, if any.
    fn key_of(name: &str) -> Option<String> {
        canonical(name).ok().flatten().map(|(key, _)| key)
    }

    #[test]
    fn names_are_read_in_one_form_whatever_the_spacing_and_order() {
        assert_eq!(key_of("dE/dw_12^(1)").unwrap(), "dE/dw_12^(1)");
        assert_eq!(key_of(" ∂E/∂w_12^(1) ").unwrap(), "dE/dw_12^(1)");
        assert_eq!(
            key_of("a_1^(1) [step 2] [n = 3]").unwrap(),
            "a_1^(1) [n=3] [step 2]"
        );
        assert_eq!(key_of("w_11^(1) after [step 1]").unwrap(), "w_11^(1) after");
        assert_eq!(key_of("δ_2^(2)").unwrap(), "delta_2^(2)");
        assert_eq!(key_of("ｚ＿１").unwrap(), "z_1");
        assert_eq!(key_of("a_1 [m=2]"), None);
    }

    #[test]
    fn names_in_latex_unicode_and_full_width_notation_are_the_tables() {
        for (written, key) in [
            ("w_{11}^{(1)}", "w_11^(1)"),
            ("$w_{11}^{(1)}$ after", "w_11^(1) after"),
            ("\\delta_1^{(1)}", "delta_1^(1)"),
            ("δ₁⁽¹⁾", "delta_1^(1)"),
            ("δ₁¹", "delta_1^(1)"),
            ("𝛿_2^(2)", "delta_2^(2)"),
            ("ｗ＿１１＾（１）　ａｆｔｅｒ", "w_11^(1) after"),
            ("∂E/∂w₁₁⁽¹⁾", "dE/dw_11^(1)"),
            (
                "\\frac{\\partial E}{\\partial w_{11}^{(1)}}",
                "dE/dw_11^(1)",
            ),
            ("h′(a₁⁽¹⁾)", "h'(a_1^(1))"),
            ("delta_1^1 [n=2]", "delta_1^(1) [n=2]"),
            ("w_20,5^{12}", "w_20,5^(12)"),
        ] {
            assert_eq!(key_of(written).as_deref(), Some(key), "{written}");
        }
    }

    #[test]
    fn a_loose_form_drops_the_marks_and_puts_the_layer_last() {
        for (written, loosely) in [
            ("dE/dw_11^(1)", "dE/dw11(1)"),
            ("w^(1)_12 after", "w12(1)after"),
            ("w_1,11^(1)", "w1,11(1)"),
            ("w_111^(1)", "w111(1)"),
            ("h'(a_1^(1)) [n=2]", "h'(a1(1))[n=2]"),
            ("z_1", "z1"),
        ] {
            assert_eq!(loose(written), loosely, "{written}");
        }
        assert_eq!(loose("dE/dw11(1)"), loose("dE/dw_11^(1)"));
    }

    #[test]
    fn steps_and_samples_count_from_1_and_are_found_where_written() {
        let bracket = |name: &str| match canonical(name) {
            Err((AnswerFault::FromOne { what, written }, at)) => Some((what, written, at)),
            _ => None,
        };
        assert_eq!(
            bracket("E [step 0]"),
            Some((Counted::Step, "[step 0]".into(), 2..10))
        );
        assert_eq!(
            bracket("δ_1^(2) ［n=-1］"),
            Some((Counted::Sample, "［n=-1］".into(), 9..19))
        );
        let (_, counts) = canonical("E [step 99999999999999999999999]")
            .unwrap()
            .unwrap();
        assert_eq!(counts[0].1, u64::MAX);
        assert_eq!(bracket("E [step 2]"), None);
    }

    #[test]
    fn values_fold_look_alikes_and_count_the_digits_written() {
        assert_eq!(number_text("−0.225").unwrap(), ("-0.225".into(), 3));
        assert_eq!(number_text("0.8590").unwrap(), ("0.8590".into(), 4));
        assert_eq!(number_text("1.41e-3").unwrap(), ("1.41e-3".into(), 3));
        assert_eq!(number_text("３．２５２").unwrap(), ("3.252".into(), 4));
        assert_eq!(number_text("≈ 2.183").unwrap(), ("2.183".into(), 4));
        assert_eq!(number_text("0").unwrap(), ("0".into(), 1));
        assert_eq!(number_text("3，252"), Err(AnswerFault::Comma('，')));
        assert_eq!(last_unit("0.8590"), 1e-4);
        assert_eq!(last_unit("1.41e-3"), 1e-5);
        assert_eq!(last_unit("12"), 1.0);
    }
}
