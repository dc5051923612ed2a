//! The common file read straight from its bytes, without pest: `title`, `input`, `target`,
//! `layer` (with `dropout`), `loss`, `sgd`, `optimizer`, `weight_decay` and `activation`,
//! which is every file `gen` writes and all of a big
//! network's 80,000 numbers. A formula is handed back to the parser (the `formula` callback),
//! which reads it with pest's `expr` rule alone.
//!
//! pest spends about a microsecond on each number (a dozen rule calls with their call-limit
//! and stack checks, two queued tokens, a `Pair` walked afterwards, a `String` in
//! `Decimal::read`); this reader spends a few nanoseconds a byte. It is a second reading of
//! the grammar, by hand, but it decides nothing: `grammar/network.pest` stays the language and
//! pest the only source of syntax errors.
//! This reader follows the grammar's rules step for step (implicit white space where pest
//! skips it, so that every span is pest's) and gives up, returning `None`, at anything it does
//! not read: `vary`, `ask`, an escape, number or formula the parser would refuse, any
//! syntax error. The parser then reads the whole text with pest, so a file read here is the
//! file pest would have built (tests hold the two equal) and every message is pest's.

use crate::error::{Error, Span};
use crate::math::number::Decimal;
use crate::syntax::ast::{
    Array, DropoutClause, File, Formula, LossSpec, Name, Number, Param, Setting, Statement, Value,
    Vector,
};

/// A formula read from byte `at` of the text: the formula, its text as written and where it
/// ends, or `None` for one the parser refuses.
pub type ReadFormula<'f> = &'f dyn Fn(usize) -> Option<(Formula, String, usize)>;

/// The file `text` is, if this reader reads all of it; `None` sends it to pest.
pub fn read(text: &str, formula: ReadFormula<'_>) -> Option<File> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        row: Vec::new(),
        formula,
    };
    let mut statements = Vec::new();
    loop {
        reader.skip();
        if reader.at == reader.bytes.len() {
            break;
        }
        statements.push(reader.statement()?);
    }
    let end = text.trim_end().len();
    Some(File {
        statements,
        end: Span::new(end, end),
    })
}

/// The statements this reader reads, by their keyword.
#[derive(Clone, Copy)]
enum Keyword {
    Title,
    Input,
    Target,
    Layer,
    Loss,
    Sgd,
    Optimizer,
    WeightDecay,
    Activation,
    /// `vary`, `ask` or `graph`: left to pest.
    Other,
}

impl Keyword {
    /// The statement keyword a whole word is (the grammar's `keyword`, with `word_end`).
    fn of(word: &str) -> Option<Keyword> {
        Some(match word {
            "title" => Keyword::Title,
            "input" => Keyword::Input,
            "target" => Keyword::Target,
            "layer" => Keyword::Layer,
            "loss" => Keyword::Loss,
            "sgd" => Keyword::Sgd,
            "optimizer" => Keyword::Optimizer,
            "weight_decay" => Keyword::WeightDecay,
            "activation" => Keyword::Activation,
            "vary" | "ask" | "graph" => Keyword::Other,
            _ => return None,
        })
    }
}

/// What a layer statement holds after its activation.
enum LayerItem {
    Param(Param),
    Dropout(DropoutClause),
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// One vector's numbers as they are read, kept for the next vector.
    row: Vec<Number>,
    formula: ReadFormula<'a>,
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Steps over `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// The grammar's implicit `(WHITESPACE | COMMENT)*`.
    fn skip(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.at += 1,
                b'#' => {
                    let rest = &self.bytes[self.at..];
                    self.at += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                }
                _ => break,
            }
        }
    }

    /// The run of ASCII letters, digits and `_` at the reader (not stepped over).
    fn word(&self) -> &'a str {
        let rest = &self.bytes[self.at..];
        let len = rest
            .iter()
            .position(|&b| !is_word_byte(b))
            .unwrap_or(rest.len());
        &self.text[self.at..self.at + len]
    }

    fn statement(&mut self) -> Option<Statement> {
        let start = self.at;
        let word = self.word();
        let keyword = Keyword::of(word)?;
        self.at += word.len();
        self.skip();
        let statement = match keyword {
            Keyword::Title => {
                let text = self.string()?;
                Statement::Title {
                    text,
                    span: Span::new(start, self.at),
                }
            }
            Keyword::Input => {
                let (name, value) = self.assignment()?;
                let span = Span::new(start, self.at);
                Statement::Input { name, value, span }
            }
            Keyword::Target => {
                let (name, value) = self.assignment()?;
                let span = Span::new(start, self.at);
                Statement::Target { name, value, span }
            }
            Keyword::Layer => self.layer(start)?,
            Keyword::Loss => {
                let spec = self.loss()?;
                Statement::Loss {
                    spec,
                    span: Span::new(start, self.at),
                }
            }
            Keyword::Sgd => {
                let settings = self.settings(Reader::setting)?;
                let span = Span::new(start, self.at);
                Statement::Sgd { settings, span }
            }
            Keyword::Optimizer => self.optimizer(start)?,
            Keyword::WeightDecay => {
                let value = self.number()?;
                let span = Span::new(start, self.at);
                Statement::WeightDecay { value, span }
            }
            Keyword::Activation => {
                let name = self.name()?;
                self.skip();
                self.expect(b'(')?;
                self.skip();
                let (param, (body, text)) = self.parameter_and_formula()?;
                let span = Span::new(start, self.at);
                Statement::Activation {
                    name,
                    param,
                    body,
                    text,
                    span,
                }
            }
            Keyword::Other => return None,
        };
        Some(statement)
    }

    /// `custom_loss | name`.
    fn loss(&mut self) -> Option<LossSpec> {
        if self.peek() != Some(b'(') {
            return Some(LossSpec::Named(self.name()?));
        }
        self.at += 1;
        self.skip();
        let y = self.name()?;
        self.skip();
        self.expect(b',')?;
        self.skip();
        let (t, (body, text)) = self.parameter_and_formula()?;
        Some(LossSpec::Custom { y, t, body, text })
    }

    /// `name ~ ")" ~ "=" ~ expr`, after an activation's `(` or a loss's `,`: the name, the
    /// formula and its text.
    fn parameter_and_formula(&mut self) -> Option<(Name, (Formula, String))> {
        let name = self.name()?;
        self.skip();
        self.expect(b')')?;
        self.skip();
        self.expect(b'=')?;
        self.skip();
        let (body, text, end) = (self.formula)(self.at)?;
        self.at = end;
        Some((name, (body, text)))
    }

    /// `name = array`, as in `input` and `target`.
    fn assignment(&mut self) -> Option<(Name, Array)> {
        let name = self.name()?;
        self.skip();
        self.expect(b'=')?;
        self.skip();
        Some((name, self.array()?))
    }

    /// `name ~ param*`: the white space after the name belongs to a layer without parameters,
    /// as in pest.
    fn layer(&mut self, start: usize) -> Option<Statement> {
        let activation = self.name()?;
        self.skip();
        let mut end = self.at;
        let (mut params, mut dropouts) = (Vec::new(), Vec::new());
        let mut item = self.layer_item()?;
        while let Some(read) = item {
            match read {
                LayerItem::Param(param) => params.push(param),
                LayerItem::Dropout(dropout) => dropouts.push(dropout),
            }
            end = self.at;
            let back = self.at;
            self.skip();
            item = self.layer_item()?;
            if item.is_none() {
                self.at = back;
            }
        }
        Some(Statement::Layer {
            activation,
            params,
            dropouts,
            span: Span::new(start, end),
        })
    }

    /// `W = …` or `dropout …`: `Some(None)` where neither starts (a statement keyword or no
    /// name), `None` for one that starts and is not read. `dropout = […]` is a parameter
    /// (pest tries `param` first), for `check` to refuse.
    fn layer_item(&mut self) -> Option<Option<LayerItem>> {
        let start = self.at;
        let word = self.word();
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic()) || Keyword::of(word).is_some() {
            return Some(None);
        }
        if word == "dropout" {
            self.at += word.len();
            self.skip();
            if self.peek() != Some(b'=') {
                let settings = self.settings(Reader::option)?;
                let span = Span::new(start, self.at);
                return Some(Some(LayerItem::Dropout(DropoutClause { settings, span })));
            }
            self.at = start;
        }
        let (name, value) = self.assignment()?;
        Some(Some(LayerItem::Param(Param {
            name,
            value,
            span: Span::new(start, self.at),
        })))
    }

    /// `optimizer (name ~ !"=")? (option ~ ("," ~ option)*)?`: without a setting, the white
    /// space after the name belongs to the statement, as in pest.
    fn optimizer(&mut self, start: usize) -> Option<Statement> {
        let before = self.at;
        let mut name = self.name();
        self.skip();
        if name.is_some() && self.peek() == Some(b'=') {
            // The first setting's name: the optimizer has none.
            name = None;
            self.at = before;
        }
        let after_name = self.at;
        let settings = match self.settings(Reader::option) {
            Some(settings) => settings,
            // An optional group that does not match leaves nothing read.
            None => {
                self.at = after_name;
                Vec::new()
            }
        };
        Some(Statement::Optimizer {
            name,
            settings,
            span: Span::new(start, self.at),
        })
    }

    /// `one ~ ("," ~ one)*`, the reader at the end: the white space after a single item
    /// belongs to the statement, as in pest.
    fn settings(&mut self, one: fn(&mut Self) -> Option<Setting>) -> Option<Vec<Setting>> {
        let mut settings = vec![one(self)?];
        self.skip();
        let mut end = self.at;
        if self.eat(b',') {
            self.skip();
            settings.push(one(self)?);
            end = self.at;
            loop {
                let back = self.at;
                self.skip();
                if !self.eat(b',') {
                    self.at = back;
                    break;
                }
                self.skip();
                settings.push(one(self)?);
                end = self.at;
            }
        }
        self.at = end;
        Some(settings)
    }

    /// `name = number`, in `sgd`.
    fn setting(&mut self) -> Option<Setting> {
        let start = self.at;
        let name = self.name()?;
        self.skip();
        self.expect(b'=')?;
        self.skip();
        let value = Value::Number(self.number()?);
        Some(Setting {
            name,
            value,
            span: Span::new(start, self.at),
        })
    }

    /// `name = (array | number | name)`, in `optimizer` and `dropout`.
    fn option(&mut self) -> Option<Setting> {
        let start = self.at;
        let name = self.name()?;
        self.skip();
        self.expect(b'=')?;
        self.skip();
        let value = match self.peek()? {
            b'[' => Value::Array(self.array()?),
            b if b.is_ascii_alphabetic() => Value::Name(self.name()?),
            _ => Value::Number(self.number()?),
        };
        Some(Setting {
            name,
            value,
            span: Span::new(start, self.at),
        })
    }

    /// `ASCII_ALPHA ~ (ASCII_ALPHANUMERIC | "_")*`.
    fn name(&mut self) -> Option<Name> {
        if !self.peek()?.is_ascii_alphabetic() {
            return None;
        }
        let start = self.at;
        let text = self.word();
        self.at += text.len();
        Some(Name {
            text: text.to_string(),
            span: Span::new(start, self.at),
        })
    }

    /// A title's string, unescaped; `None` for an escape the parser refuses.
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\n' => return None,
                // The byte after a backslash is never the string's end (a character's
                // continuation bytes are not ASCII, so they need no care).
                b'\\' => {
                    if matches!(self.bytes.get(self.at + 1), None | Some(b'\n')) {
                        return None;
                    }
                    self.at += 2;
                }
                _ => self.at += 1,
            }
        }
        let inner = &self.text[start..self.at];
        self.at += 1;
        unescaped(inner, start).ok()
    }

    /// `matrix | vector`.
    fn array(&mut self) -> Option<Array> {
        let start = self.at;
        self.expect(b'[')?;
        self.skip();
        if self.peek() != Some(b'[') {
            self.at = start;
            return Some(Array::Vector(self.vector()?));
        }
        let mut rows = vec![self.vector()?];
        loop {
            self.skip();
            if self.eat(b',') {
                self.skip();
                if self.peek() == Some(b'[') {
                    rows.push(self.vector()?);
                    continue;
                }
            }
            self.expect(b']')?;
            break;
        }
        Some(Array::Matrix {
            rows,
            span: Span::new(start, self.at),
        })
    }

    /// `"[" ~ (number ~ ("," ~ number)* ~ ","?)? ~ "]"`, its numbers allocated once.
    fn vector(&mut self) -> Option<Vector> {
        let start = self.at;
        self.expect(b'[')?;
        self.skip();
        self.row.clear();
        if self.peek() != Some(b']') {
            loop {
                let number = self.number()?;
                self.row.push(number);
                self.skip();
                if !self.eat(b',') {
                    break;
                }
                self.skip();
                if self.peek() == Some(b']') {
                    break;
                }
            }
        }
        self.expect(b']')?;
        Some(Vector {
            items: self.row.as_slice().to_vec(),
            span: Span::new(start, self.at),
        })
    }

    /// `"-"? ~ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ (^"e" ~ ("+" | "-")? ~ ASCII_DIGIT+)?`.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        let negative = self.eat(b'-');
        let digits = self.digits();
        if digits.is_empty() {
            return None;
        }
        let (mut mantissa, mut count) = digits.iter().fold((0u64, 0usize), accumulate);
        let mut scale = 0;
        if self.peek() == Some(b'.') && self.bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit)
        {
            self.at += 1;
            let fraction = self.digits();
            scale = fraction.len();
            (mantissa, count) = fraction.iter().fold((mantissa, count), accumulate);
        }
        let exponent = self.exponent();
        let span = Span::new(start, self.at);
        // Up to 18 digits and no exponent, the digits are the mantissa and the decimals the
        // scale: `Decimal::read`'s value without its string.
        let value = if count <= 18 && !exponent {
            let signed = if negative {
                -(mantissa as i128)
            } else {
                mantissa as i128
            };
            Decimal::new(signed, scale as u32)?
        } else {
            Decimal::read(&self.text[span.start..span.end]).ok()?
        };
        Some(Number { value, span })
    }

    /// The run of ASCII digits at the reader, stepped over.
    fn digits(&mut self) -> &'a [u8] {
        let rest = &self.bytes[self.at..];
        let len = rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        self.at += len;
        &rest[..len]
    }

    /// Steps over an exponent (`e-3`, `E+2`, `e5`) if one follows, and says whether one did.
    fn exponent(&mut self) -> bool {
        if !matches!(self.peek(), Some(b'e' | b'E')) {
            return false;
        }
        let mut end = self.at + 1;
        if matches!(self.bytes.get(end), Some(b'+' | b'-')) {
            end += 1;
        }
        if !self.bytes.get(end).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        self.at = end;
        self.digits();
        true
    }
}

/// One more decimal digit of a mantissa, and how many digits it has (wrapping beyond 19
/// digits, where the count sends the literal to `Decimal::read`).
fn accumulate((mantissa, count): (u64, usize), digit: &u8) -> (u64, usize) {
    (
        mantissa
            .wrapping_mul(10)
            .wrapping_add(u64::from(digit - b'0')),
        count + 1,
    )
}

/// Undoes a string's two escapes, `\"` and `\\`, for both readers: the text starts at byte
/// `offset` of the file, and any other backslash is an error at the backslash.
pub(super) fn unescaped(text: &str, offset: usize) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, escaped @ ('"' | '\\'))) => out.push(escaped),
            // The grammar lets no string end in a lone backslash.
            escaped => {
                let end = escaped.map_or(at + 1, |(e, c)| e + c.len_utf8());
                return Err(Error::Escape {
                    escape: escaped.map(|(_, c)| c),
                    span: Span::new(offset + at, offset + end),
                });
            }
        }
    }
    Ok(out)
}
