//! Rows that fit the page: the typeset width of the printer's LaTeX, estimated from its
//! pieces, and the breaks a hand-written derivation makes where a row would run off the page.
//!
//! TeX cannot break a row of `eqnarray*` or `align*` by itself, so a wide network's rows must
//! arrive broken: a long sum continues on `\quad{}+…` rows under its first term, a long
//! product after a `\cdot`, a long tuple after a comma, and a matrix wider than the line is
//! cut into column blocks, each labelled with its column indices (`j=1,\ldots,8`). A matrix
//! taller than [`TALLEST`] is cut into row blocks the same way (`i=1,\ldots,20`), each on a
//! row of its own, because TeX can break a page between the rows of `eqnarray*` but never
//! inside a `bmatrix`. A break inside a parenthesised group is taken only when the group is
//! itself wider than the line, as a hand-written derivation breaks at a top-level `+` or
//! `\cdot`. The widths
//! come from a table of Computer/Latin Modern math glyph widths at 11 pt (the documents'
//! size), a little generous, so that what is estimated to fit does fit; a row that fits is
//! left exactly as the printer wrote it.

use std::borrow::Cow;

use rayon::prelude::*;

/// The text width of the documents the tool writes (A4, 2 cm margins), in points, less a
/// margin for the estimate's error.
pub const LINE: f64 = 483.7 - 10.0;

/// The most a row of a block may be high, in points: half the text height of A4 with 2 cm
/// margins (731 pt), so that a row moved to the next page leaves at most half a page empty,
/// and a user's document with smaller margins still holds it.
pub const TALLEST: f64 = 360.0;

/// One em of the 11 pt fonts, in points.
const EM: f64 = 10.95;
/// The height of a row of a matrix at text size, `\baselineskip` of 11 pt, in points.
const ROW: f64 = 13.6;
/// The height a row block's label adds above it, in points.
const LABEL_HEIGHT: f64 = 8.0;
/// `2\arraycolsep` between a matrix's columns, in em.
const COLUMN_GAP: f64 = 10.0 / EM;
/// The indent of a continuation row, `\quad`, in em.
const INDENT: f64 = 1.0;
/// Groups nested deeper than this are estimated from their length (hostile formulas nest
/// thousands deep; the stack must stay small).
const DEEPEST: u32 = 48;

#[derive(Clone, Copy)]
struct Style {
    /// The font size against text size: 1, 8/10.95 (script), 6/10.95 (scriptscript).
    scale: f64,
    /// Display style (fractions keep text size) or not.
    display: bool,
    /// Inside a sub- or superscript: binary operators and relations get no space.
    script: bool,
    nesting: u32,
}

impl Style {
    const DISPLAY: Style = Style {
        scale: 1.0,
        display: true,
        script: false,
        nesting: 0,
    };

    fn deeper(self) -> Style {
        Style {
            nesting: self.nesting + 1,
            ..self
        }
    }

    /// The style of a fraction's parts.
    fn fraction(self) -> Style {
        if self.display {
            Style {
                display: false,
                ..self.deeper()
            }
        } else {
            self.smaller()
        }
    }

    /// The style of a sub- or superscript.
    fn smaller(self) -> Style {
        Style {
            scale: if self.scale > 0.9 { 8.0 / EM } else { 6.0 / EM },
            display: false,
            script: true,
            nesting: self.nesting + 1,
        }
    }

    /// The text style of a matrix's cells.
    fn cell(self) -> Style {
        Style {
            display: false,
            ..self.deeper()
        }
    }
}

/// A piece of LaTeX as the scanner sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Char(u8),
    /// `\name` (letters) or `\c` (one other character), without the backslash.
    Command(&'a str),
    /// The inside of `{…}`.
    Group(&'a str),
    /// `\begin{name}…\end{name}`: the name and the inside.
    Env(&'a str, &'a str),
}

/// The end of the balanced `{…}` opening at `open` (the index after its `}`).
fn group_end(s: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

/// The command name starting at `i` (after a backslash) and the index after it.
fn command_at(text: &str, i: usize) -> (&str, usize) {
    let s = text.as_bytes();
    let mut end = i;
    while end < s.len() && s[end].is_ascii_alphabetic() {
        end += 1;
    }
    if end == i {
        end = (i + 1).min(s.len());
        while end < s.len() && !text.is_char_boundary(end) {
            end += 1;
        }
    }
    (&text[i..end], end)
}

/// The token at `i` and the index after it. Inlined: it is called for every byte of every
/// row measured, and its common cases are a few instructions.
#[inline]
fn token(text: &str, i: usize) -> (Token<'_>, usize) {
    let s = text.as_bytes();
    match s[i] {
        b'{' => {
            let end = group_end(s, i);
            let inner_end = if end > i + 1 && s[end - 1] == b'}' {
                end - 1
            } else {
                end
            };
            (Token::Group(&text[i + 1..inner_end]), end)
        }
        b'\\' => {
            let (name, end) = command_at(text, i + 1);
            if name != "begin" || s.get(end) != Some(&b'{') {
                return (Token::Command(name), end);
            }
            environment_token(text, end)
        }
        c if c.is_ascii() => (Token::Char(c), i + 1),
        _ => {
            let mut end = i + 1;
            while end < s.len() && !text.is_char_boundary(end) {
                end += 1;
            }
            (Token::Char(b'?'), end)
        }
    }
}

/// The environment whose `\begin` ends at `end` (before `{name}`), to its `\end{name}`.
fn environment_token(text: &str, end: usize) -> (Token<'_>, usize) {
    let s = text.as_bytes();
    let name_end = group_end(s, end);
    let env_name = &text[end + 1..name_end.saturating_sub(1).max(end + 1)];
    // The matching \end{name}, counting nested \begin{name}.
    let open = format!("\\begin{{{env_name}}}");
    let close = format!("\\end{{{env_name}}}");
    // Each search starts where the last match of its kind ended, so that nesting
    // thousands deep stays linear.
    let mut depth = 1usize;
    let find = |what: &str, from: usize| text[from..].find(what).map(|k| k + from);
    let mut next_open = find(&open, name_end);
    let mut next_close = find(&close, name_end);
    loop {
        match (next_open, next_close) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                next_open = find(&open, o + open.len());
            }
            (_, Some(c)) => {
                depth -= 1;
                if depth == 0 {
                    return (Token::Env(env_name, &text[name_end..c]), c + close.len());
                }
                next_close = find(&close, c + close.len());
            }
            (_, None) => return (Token::Env(env_name, &text[name_end..]), text.len()),
        }
    }
}

/// The tokens of `text`, in order.
fn tokens(text: &str) -> impl Iterator<Item = (usize, Token<'_>, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= text.len() {
            return None;
        }
        let start = i;
        let (t, end) = token(text, i);
        i = end;
        Some((start, t, end))
    })
}

/// The width of an italic letter in em (cmmi).
fn letter(c: u8) -> f64 {
    match c {
        b'a' => 0.53,
        b'b' | b'c' => 0.44,
        b'd' | b'k' | b'p' => 0.53,
        b'e' | b'g' | b'q' | b'r' | b's' | b'z' | b'o' | b'v' => 0.49,
        b'f' => 0.55,
        b'h' | b'n' | b'u' | b'x' => 0.6,
        b'i' | b't' => 0.37,
        b'j' => 0.43,
        b'l' => 0.31,
        b'm' => 0.88,
        b'w' => 0.74,
        b'y' => 0.5,
        b'W' | b'M' => 1.05,
        c if c.is_ascii_uppercase() => 0.8,
        _ => 0.6,
    }
}

/// Spacing classes, as TeX sets them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Atom {
    /// A letter, number, closing bracket: what a binary operator may follow.
    Operand,
    /// Nothing yet, an opening bracket, an operator, a relation, punctuation.
    Open,
}

/// The estimated width of `text` at display style, in points (2% over what the table gives:
/// kerns and italic corrections it leaves out).
pub fn width(text: &str) -> f64 {
    shaped_width(text, Style::DISPLAY) * EM * 1.02
}

/// [`em_width`] of a short text, kept by its shape (the text with its digits made `0`) on
/// each thread: every digit is 0.5 em and an operand, and no command or environment name has
/// one, so texts that differ only in their digits have the same width, added in the same
/// order. The cells of the given 100×784 matrices and the terms of the pre-activation sums
/// have a few hundred shapes between them.
fn shaped_width(text: &str, style: Style) -> f64 {
    /// Longer texts are measured directly (they are few, and their shapes many).
    const SHORT: usize = 128;
    /// Shapes kept per thread; all are forgotten when there are more.
    const KEPT: usize = 4096;
    /// The style before the shape: its scale's bits, display and script, and its nesting.
    const STYLE: usize = 10;
    type Widths = rustc_hash::FxHashMap<Box<[u8]>, f64>;
    thread_local! {
        static WIDTHS: std::cell::RefCell<Widths> = std::cell::RefCell::default();
    }
    let bytes = text.as_bytes();
    if bytes.len() > SHORT || style.nesting > DEEPEST {
        return em_width(text, style);
    }
    let mut key = [0u8; STYLE + SHORT];
    key[..8].copy_from_slice(&style.scale.to_bits().to_le_bytes());
    key[8] = u8::from(style.display) | u8::from(style.script) << 1;
    key[9] = style.nesting as u8;
    for (to, &c) in key[STYLE..].iter_mut().zip(bytes) {
        *to = if c.is_ascii_digit() { b'0' } else { c };
    }
    let key = &key[..STYLE + bytes.len()];
    if let Some(w) = WIDTHS.with_borrow(|widths| widths.get(key).copied()) {
        return w;
    }
    // Measured with the map let go: a matrix in the text measures its cells through it.
    let w = em_width(text, style);
    WIDTHS.with_borrow_mut(|widths| {
        if widths.len() >= KEPT {
            widths.clear();
        }
        widths.insert(key.into(), w);
    });
    w
}

/// Bounds of [`width`], from one pass over the bytes, many times cheaper.
///
/// The upper bound: each
/// character and command counts the most it adds anywhere (with the spaces of display style),
/// at the size of the script it is in; a sub- or superscript adds its space and its argument,
/// a fraction its wider part. A row whose bound fits need not be measured. The lower bound:
/// the characters outside any group and argument, which the estimate adds as they are, less
/// what each `\!` may take back; a row whose lower bound does not fit need not be measured
/// either. `None` where the
/// estimate is not a sum of its parts (environments, `\mathbf`, upright text), the nesting is
/// deep or a group is left open: only [`width`] can tell.
///
/// It follows the estimate's tokens: what a command or script sign takes for its arguments
/// (`\frac^{x}` takes the `^` itself, and `{x}` is then an ordinary group).
pub fn width_bounds(text: &str) -> Option<Bounds> {
    let s = text.as_bytes();
    let mut scan = BoundScan {
        frames: smallvec::SmallVec::new(),
        total: 0.0,
        low: 0.0,
        scale: 1.0,
        pending: 0,
        script_next: false,
        numerator_next: false,
        denominator_next: None,
    };
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        let script = std::mem::take(&mut scan.script_next);
        let numerator = std::mem::take(&mut scan.numerator_next);
        let denominator = scan.denominator_next.take();
        let mut argument = scan.pending > 0;
        // The arguments this token takes, and whether a fraction's come next.
        let mut takes = (0u8, false);
        match c {
            b'{' => {
                // The group is one token, ended by its brace.
                scan.open(script, numerator, denominator)?;
                continue;
            }
            b'}' if !scan.frames.is_empty() => argument = scan.close()?,
            b'^' | b'_' if argument => scan.total += 0.6 * scan.scale,
            b'^' | b'_' => {
                scan.total += (ITALIC + SCRIPT_SPACE) * scan.scale;
                takes.0 = 1;
                scan.script_next = true;
            }
            b'\\' => {
                let start = i - 1;
                let (name, end) = command_at(text, i);
                i = end;
                takes = scan.command(name, &text[start..end])?;
            }
            // The rest of a character that the lead byte counted.
            0x80..=0xbf => continue,
            0xc0.. => scan.total += 0.6 * scan.scale,
            c => {
                scan.total += char_width(c, Atom::Operand, 0.444, 0.556).0 * scan.scale;
                if scan.frames.is_empty() && !argument {
                    scan.low += char_width(c, Atom::Open, 0.0, 0.0).0;
                }
            }
        }
        if argument {
            scan.pending -= 1;
            scan.script_next = false;
        } else {
            (scan.pending, scan.numerator_next) = takes;
        }
    }
    // An unclosed group loses its last byte to the estimate's scanner (`{\\}` is a lone `\\`).
    scan.frames.is_empty().then_some(Bounds {
        low: scan.low * EM * 1.02,
        high: scan.total * EM * 1.02,
    })
}

/// The deepest groups the bound follows; [`em_width`] switches to its length estimate
/// past [`DEEPEST`] levels, which a bound of zero per brace would not cover.
const DEEPEST_BOUND: usize = 40;

/// The largest size of a script against its base.
const SCRIPT: f64 = 8.0 / EM;

/// [`width_bounds`]'s state as it reads the bytes.
struct BoundScan {
    /// The groups open around the byte read.
    frames: smallvec::SmallVec<[BoundFrame; 8]>,
    /// The upper bound so far, in em.
    total: f64,
    /// The lower bound so far, in em.
    low: f64,
    /// The size of the script being read, against the base.
    scale: f64,
    /// Tokens still to be taken as arguments by the command or script sign before them: an
    /// argument takes none of its own.
    pending: u8,
    /// What the next token is, should it be a group.
    script_next: bool,
    numerator_next: bool,
    denominator_next: Option<f64>,
}

/// A group being read, and what to restore when it closes.
#[derive(Clone, Copy)]
struct BoundFrame {
    /// The enclosing group's size and the arguments it still waits for.
    scale: f64,
    pending: u8,
    /// The total where the group started.
    start: f64,
    /// A fraction's numerator; a denominator holds the numerator's width.
    numerator: bool,
    denominator: Option<f64>,
}

impl BoundScan {
    /// A `{`: a script's argument is smaller. `None` past [`DEEPEST_BOUND`].
    fn open(&mut self, script: bool, numerator: bool, denominator: Option<f64>) -> Option<()> {
        if self.frames.len() >= DEEPEST_BOUND {
            return None;
        }
        self.frames.push(BoundFrame {
            scale: self.scale,
            pending: self.pending,
            start: self.total,
            numerator,
            denominator,
        });
        if script {
            self.scale *= SCRIPT;
        }
        self.pending = 0;
        Some(())
    }

    /// A `}` closing a group: a fraction counts its wider part. Whether the group was an
    /// argument of the token before it.
    fn close(&mut self) -> Option<bool> {
        let frame = self.frames.pop()?;
        (self.scale, self.pending) = (frame.scale, frame.pending);
        if let Some(n) = frame.denominator {
            self.total = frame.start + (self.total - frame.start - n).max(0.0);
        }
        if frame.numerator {
            self.denominator_next = Some(self.total - frame.start);
        }
        Some(self.pending > 0)
    }

    /// A command `name` (written `whole`): the arguments it takes, and whether they are a
    /// fraction's. `None` where the estimate is not a sum of its parts.
    fn command(&mut self, name: &str, whole: &str) -> Option<(u8, bool)> {
        if name == "!" {
            self.low -= 0.167;
        }
        if name == "frac" {
            // Its rule and space are not scaled down in a script.
            self.total += 0.22;
            return Some((2, true));
        }
        self.total += command_bound(name, whole)? * self.scale;
        let takes = match name {
            "overset" | "underset" => 2,
            "sqrt" | "left" | "right" => 1,
            _ => 0,
        };
        Some((takes, false))
    }
}

/// [`width_bounds`] of a short row, from the bounds of the last row of the same shape this
/// thread asked about: a layer's 78,400 gradient rows differ only in their digits, and every
/// digit counts the same in both bounds, so rows that differ only in which digits they have
/// have the same bounds. The cost is a copy of the row with its digits made `0` and a lookup.
pub fn row_bounds(text: &str) -> Option<Bounds> {
    /// Rows longer than this are bounded directly (they are few, and their shapes many).
    const SHORT: usize = 256;
    /// Shapes kept per thread; all are forgotten when there are more.
    const KEPT: usize = 4096;
    type Shapes = rustc_hash::FxHashMap<Box<[u8]>, Option<Bounds>>;
    thread_local! {
        static SHAPES: std::cell::RefCell<Shapes> = std::cell::RefCell::default();
    }
    let bytes = text.as_bytes();
    if bytes.len() > SHORT {
        return width_bounds(text);
    }
    let mut shape = [0u8; SHORT];
    for (to, &c) in shape.iter_mut().zip(bytes) {
        *to = if c.is_ascii_digit() { b'0' } else { c };
    }
    let shape = &shape[..bytes.len()];
    SHAPES.with_borrow_mut(|shapes| {
        if let Some(&bounds) = shapes.get(shape) {
            return bounds;
        }
        let bounds = width_bounds(text);
        if shapes.len() >= KEPT {
            shapes.clear();
        }
        shapes.insert(shape.into(), bounds);
        bounds
    })
}

/// What [`width_bounds`] knows of a width, in points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub low: f64,
    pub high: f64,
}

impl std::iter::Sum for Bounds {
    fn sum<I: Iterator<Item = Bounds>>(iter: I) -> Bounds {
        iter.fold(
            Bounds {
                low: 0.0,
                high: 0.0,
            },
            |a, b| Bounds {
                low: a.low + b.low,
                high: a.high + b.high,
            },
        )
    }
}

impl Bounds {
    /// A margin for the rounding of the measured sum, which adds in another order.
    const MARGIN: f64 = 1e-6;

    /// Whether the width is surely within `room`.
    pub fn within(self, room: f64) -> bool {
        self.high + Bounds::MARGIN <= room
    }

    /// Whether the width surely exceeds `room`.
    pub fn beyond(self, room: f64) -> bool {
        self.low - Bounds::MARGIN > room
    }
}

/// The most the command `name` (written `lone`, `\name`) adds to [`em_width`] besides its
/// arguments; `None` for those that scale or replace their argument.
fn command_bound(name: &str, lone: &str) -> Option<f64> {
    Some(match name {
        "mathbf" | "boldsymbol" | "operatorname" | "mathrm" | "text" | "textrm" | "begin" => {
            return None
        }
        // The commonest, as `em_width` has them (a test holds them equal).
        "cdot" => 0.278 + 0.444,
        "times" => 0.778 + 0.444,
        "approx" => 0.778 + 0.556,
        "left" | "right" => 0.5,
        "partial" => 0.57,
        "delta" => 0.47,
        "eta" => 0.8,
        "leftarrow" => 1.0 + 0.556,
        "quad" => 1.0,
        "ldots" => 1.17,
        "overset" | "underset" => 0.0,
        _ => em_width(lone, Style::DISPLAY).max(0.0),
    })
}

/// `\scriptspace` after a sub- or superscript, and the italic correction before a
/// superscript, in em.
const SCRIPT_SPACE: f64 = 0.5 / EM;
const ITALIC: f64 = 0.03;

/// The width of `text` in `style`, in em of the text size.
fn em_width(text: &str, style: Style) -> f64 {
    if style.nesting > DEEPEST {
        return text.len() as f64 * 0.55 * style.scale;
    }
    let mut total = 0.0;
    let mut last = Atom::Open;
    // The sub- and superscript widths of the current base, which stack.
    let mut scripts = (0.0f64, 0.0f64);
    let mut it = tokens(text).peekable();
    let binary_space = if style.script { 0.0 } else { 0.444 };
    let relation_space = if style.script { 0.0 } else { 0.556 };
    while let Some((_, t, _)) = it.next() {
        let (w, atom) = match t {
            Token::Char(c @ (b'^' | b'_')) => {
                let arg = it
                    .next()
                    .map_or(0.0, |(_, a, _)| single(a, style.smaller()));
                if c == b'^' {
                    scripts.1 = scripts.1.max(arg + ITALIC + SCRIPT_SPACE);
                } else {
                    scripts.0 = scripts.0.max(arg + SCRIPT_SPACE);
                }
                continue;
            }
            Token::Char(c) => {
                total += scripts.0.max(scripts.1);
                scripts = (0.0, 0.0);
                char_width(c, last, binary_space, relation_space)
            }
            Token::Group(inner) => {
                total += scripts.0.max(scripts.1);
                scripts = (0.0, 0.0);
                (em_width(inner, style.deeper()), Atom::Operand)
            }
            Token::Env(name, inner) => {
                total += scripts.0.max(scripts.1);
                scripts = (0.0, 0.0);
                (environment(name, inner, style), Atom::Operand)
            }
            Token::Command(name) => {
                total += scripts.0.max(scripts.1);
                scripts = (0.0, 0.0);
                command(name, &mut it, style, last)
            }
        };
        total += w;
        last = atom;
    }
    total += scripts.0.max(scripts.1);
    total * style.scale
}

/// The width of the command `name` in `style` after `last`, with the arguments it takes
/// from `it`, and what it leaves.
fn command<'a>(
    name: &str,
    it: &mut std::iter::Peekable<impl Iterator<Item = (usize, Token<'a>, usize)>>,
    style: Style,
    last: Atom,
) -> (f64, Atom) {
    let binary_space = if style.script { 0.0 } else { 0.444 };
    let relation_space = if style.script { 0.0 } else { 0.556 };
    match name {
        "frac" => {
            let num = argument(it, style.fraction());
            let den = argument(it, style.fraction());
            (num.max(den) + 0.22 / style.scale, Atom::Operand)
        }
        "overset" | "underset" => {
            let over = argument(it, style.smaller());
            let base = argument(it, style.deeper());
            (over.max(base), Atom::Operand)
        }
        "sqrt" => (argument(it, style.deeper()) + 0.85, Atom::Operand),
        "mathbf" | "boldsymbol" => (argument(it, style.deeper()) * 1.12, Atom::Operand),
        "operatorname" | "mathrm" | "text" | "textrm" => {
            let inner = match it.next() {
                Some((_, Token::Group(g), _)) => g,
                _ => "",
            };
            (inner.len() as f64 * 0.52 + 0.17, Atom::Operand)
        }
        "left" | "right" => {
            let delimiter = it.next().map(|(_, d, _)| d);
            let w = match delimiter {
                Some(Token::Char(b'.')) => 0.11,
                _ => 0.5,
            };
            (
                w,
                if name == "left" {
                    Atom::Open
                } else {
                    Atom::Operand
                },
            )
        }
        "sum" | "prod" => {
            let big: f64 = if style.display { 1.444 } else { 1.056 };
            if style.display && matches!(it.peek(), Some((_, Token::Char(b'_'), _))) {
                it.next();
                let limit = argument(it, style.smaller());
                (big.max(limit) + 0.17, Atom::Open)
            } else {
                (big + 0.17, Atom::Open)
            }
        }
        _ => command_width(name, last, binary_space, relation_space),
    }
}

/// The width of a command that takes no argument, after `last`, and what it leaves: a rule
/// table of Computer Modern's glyphs and TeX's spaces.
fn command_width(name: &str, last: Atom, binary_space: f64, relation_space: f64) -> (f64, Atom) {
    match name {
        "cdot" => (0.278 + binary_space, Atom::Open),
        "odot" | "times" | "pm" | "mp" | "ast" => (0.778 + binary_space, Atom::Open),
        "approx" | "le" | "ge" | "leq" | "geq" | "neq" | "equiv" | "sim" => {
            (0.778 + relation_space, Atom::Open)
        }
        "leftarrow" | "rightarrow" | "to" | "gets" | "mapsto" => (1.0 + relation_space, Atom::Open),
        "quad" => (1.0, Atom::Open),
        "qquad" => (2.0, Atom::Open),
        "," => (0.167, last),
        ";" => (0.278, last),
        ":" | ">" => (0.222, last),
        " " | "~" => (0.333, last),
        "!" => (-0.167, last),
        "\\" | "displaystyle" | "textstyle" | "scriptstyle" | "nolimits" | "limits" | "hline"
        | "relax" => (0.0, last),
        "{" | "}" => (0.5, Atom::Open),
        "|" => (0.5, Atom::Operand),
        "ldots" | "cdots" | "dots" => (1.17, Atom::Operand),
        "prime" => (0.3, Atom::Operand),
        "top" => (0.78, Atom::Operand),
        "partial" => (0.57, Atom::Operand),
        "infty" => (1.0, Atom::Operand),
        "delta" | "epsilon" | "iota" | "kappa" | "nu" | "rho" => (0.47, Atom::Operand),
        "exp" | "log" | "sin" | "cos" | "tan" | "tanh" | "sinh" | "cosh" | "ln" | "max" | "min" => {
            (name.len() as f64 * 0.52 + 0.17, Atom::Operand)
        }
        _ if name.len() == 1 => (0.6, Atom::Operand),
        _ => (0.8, Atom::Operand),
    }
}

/// The width of the next token, an argument, in `style`.
fn argument<'a>(it: &mut impl Iterator<Item = (usize, Token<'a>, usize)>, style: Style) -> f64 {
    it.next().map_or(0.0, |(_, a, _)| single(a, style))
}

/// The width of one argument (a group or a single token) in `style`, in em of the text size.
fn single(t: Token, style: Style) -> f64 {
    match t {
        Token::Group(inner) => em_width(inner, style),
        Token::Char(c) => char_width(c, Atom::Operand, 0.0, 0.0).0 * style.scale,
        Token::Command(name) => em_width(&format!("\\{name}"), style),
        Token::Env(name, inner) => environment(name, inner, style) * style.scale,
    }
}

/// The width of a character after `last`, and what it leaves.
#[inline]
fn char_width(c: u8, last: Atom, binary: f64, relation: f64) -> (f64, Atom) {
    match c {
        b'0'..=b'9' => (0.5, Atom::Operand),
        b'.' => (0.278, Atom::Operand),
        b',' | b';' => (0.278 + relation * 0.3, Atom::Open),
        b'+' | b'-' if last == Atom::Operand => (0.778 + binary, Atom::Open),
        b'+' | b'-' => (0.778, Atom::Open),
        b'=' | b'<' | b'>' => (0.778 + relation, Atom::Open),
        b':' => (0.278 + relation, Atom::Open),
        b'(' | b'[' => (0.389, Atom::Open),
        b')' | b']' => (0.389, Atom::Operand),
        b'|' | b'!' => (0.278, Atom::Operand),
        b'\'' => (0.3, Atom::Operand),
        b'/' => (0.5, Atom::Open),
        b'*' => (0.5, Atom::Open),
        b' ' | b'&' | b'\n' | b'\r' | b'\t' => (0.0, last),
        b'~' => (0.333, last),
        c if c.is_ascii_alphabetic() => (letter(c), Atom::Operand),
        _ => (0.6, Atom::Operand),
    }
}

/// The cells of a matrix's inside: rows split at `\\`, cells at `&` (outside groups).
fn cells(inner: &str) -> Vec<Vec<&str>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell_start = 0;
    let mut split = |start: usize, end: usize, row_end: bool| {
        row.push(&inner[cell_start..start]);
        if row_end {
            rows.push(std::mem::take(&mut row));
        }
        cell_start = end;
    };
    if inner.contains("\\begin") {
        for (start, t, end) in tokens(inner) {
            match t {
                Token::Char(b'&') => split(start, end, false),
                Token::Command("\\") => split(start, end, true),
                _ => {}
            }
        }
    } else {
        separators(inner, split);
    }
    let last = &inner[cell_start..];
    if !last.trim().is_empty() || !row.is_empty() {
        row.push(last);
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}

/// The cell separators of a matrix's inside without environments, `split(start, end,
/// row_end)` for each `&` and `\\` outside groups: [`tokens`]' reading in one pass over the
/// bytes (a group reaches its closing brace, or the end when left open; a backslash escapes
/// the byte after it; a stray `}` is a character). The given 100×784 weights are a megabyte.
fn separators(inner: &str, mut split: impl FnMut(usize, usize, bool)) {
    let s = inner.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => {
                if depth == 0 && s.get(i + 1) == Some(&b'\\') {
                    split(i, i + 2, true);
                }
                i += 1;
            }
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'&' if depth == 0 => split(i, i + 1, false),
            _ => {}
        }
        i += 1;
    }
}

/// Each column's width in em (cells at text style). A big matrix's rows are measured in
/// parallel: the given 100×784 weights are measured while nothing else runs.
fn column_widths(rows: &[Vec<&str>], style: Style) -> Vec<f64> {
    let widest = |mut widths: Vec<f64>, row: &Vec<&str>| {
        for (j, cell) in row.iter().enumerate() {
            let w = shaped_width(cell, style.cell());
            if j == widths.len() {
                widths.push(w);
            } else {
                widths[j] = widths[j].max(w);
            }
        }
        widths
    };
    if cell_count(rows) < PARALLEL_CELLS {
        return rows.iter().fold(Vec::new(), widest);
    }
    // The widest of each column is the same whichever rows are taken first.
    rows.par_iter()
        .fold(Vec::new, widest)
        .reduce(Vec::new, |a, b| {
            let (mut long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (w, s) in long.iter_mut().zip(short) {
                *w = w.max(s);
            }
            long
        })
}

/// Matrices of at least this many cells are measured in parallel.
const PARALLEL_CELLS: usize = 4096;

fn cell_count(rows: &[Vec<&str>]) -> usize {
    rows.iter().map(Vec::len).sum()
}

/// A matrix's inside at least this long (in bytes) is measured once for each style and the
/// measure kept: a row holding the given 100×784 weights is checked against the line, then
/// against the page's height, then cut into blocks, and the display that holds it was checked
/// before, each pass walking all 78,400 cells again.
const MEMO_FROM: usize = 8 * 1024;
/// How many measures of big matrices are kept (the latest).
const MEMO_SIZE: usize = 16;

/// What is measured of a matrix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// Each column's width ([`column_widths`]).
    Columns,
    /// Each row's height ([`row_height`]).
    Rows,
}

/// A kept measure: the matrix's inside, what of it, in which style (the key), and the values.
struct Measured {
    inner: Box<str>,
    measure: Measure,
    style: (u64, bool, bool, u32),
    values: Vec<f64>,
}

/// The latest measures of big matrices, shared by the threads that print blocks.
static MEMO: std::sync::Mutex<Vec<Measured>> = std::sync::Mutex::new(Vec::new());

/// `compute`'s values for the matrix `inner`, kept for the next call when `inner` is big. The
/// key holds the whole text, so that a kept measure is only ever of the same matrix.
fn measured(
    inner: &str,
    measure: Measure,
    style: Style,
    compute: impl FnOnce() -> Vec<f64>,
) -> Vec<f64> {
    if inner.len() < MEMO_FROM {
        return compute();
    }
    let key = (
        style.scale.to_bits(),
        style.display,
        style.script,
        style.nesting,
    );
    let hit = |m: &Measured| m.measure == measure && m.style == key && *m.inner == *inner;
    {
        let memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = memo.iter().find(|m| hit(m)) {
            return m.values.clone();
        }
    }
    let values = compute();
    let mut memo = MEMO.lock().unwrap_or_else(|p| p.into_inner());
    if !memo.iter().any(hit) {
        if memo.len() >= MEMO_SIZE {
            memo.remove(0);
        }
        memo.push(Measured {
            inner: inner.into(),
            measure,
            style: key,
            values: values.clone(),
        });
    }
    values
}

/// Each column's width in em of the matrix `inner` in `style` (cells at text style).
fn matrix_columns(inner: &str, style: Style) -> Vec<f64> {
    measured(inner, Measure::Columns, style, || {
        column_widths(&cells(inner), style)
    })
}

/// Each row's height in points of the matrix `inner` in `style`.
fn matrix_rows(inner: &str, style: Style) -> Vec<f64> {
    measured(inner, Measure::Rows, style, || {
        let rows = cells(inner);
        if cell_count(&rows) < PARALLEL_CELLS {
            return rows.iter().map(|row| row_height(row, style)).collect();
        }
        rows.par_iter().map(|row| row_height(row, style)).collect()
    })
}

/// The width of `\begin{name}inner\end{name}` in em of `style`'s size.
fn environment(name: &str, inner: &str, style: Style) -> f64 {
    if style.nesting > DEEPEST {
        return inner.len() as f64 * 0.55;
    }
    let widths = matrix_columns(inner, style);
    let sum: f64 = widths.iter().sum::<f64>() / style.scale.max(0.1);
    match name {
        "cases" => sum + 0.9 + 1.0,
        "bmatrix" | "pmatrix" | "vmatrix" | "Bmatrix" => {
            sum + COLUMN_GAP * widths.len().saturating_sub(1) as f64 + 2.0 * 0.67
        }
        _ => sum + COLUMN_GAP * widths.len().saturating_sub(1) as f64,
    }
}

/// Whether `text` holds something taller than `tallest` points: a matrix of many rows. A row
/// is at least [`ROW`] high and, with fractions in its cells, about twice that, so text with
/// few `\\` is not tall and is not measured.
pub fn tall(text: &str, tallest: f64) -> bool {
    // Row separators (pairs of backslashes, not overlapping, as `str::matches` counts them),
    // counted only until there are enough: most rows have none.
    let enough = |separators: usize| separators as f64 * 2.0 * ROW >= tallest;
    if tallest == f64::INFINITY {
        return false;
    }
    let s = text.as_bytes();
    let (mut separators, mut i) = (0, 0);
    while !enough(separators) {
        let Some(k) = s[i..].iter().position(|&c| c == b'\\') else {
            return false;
        };
        i += k + 1;
        if s.get(i) == Some(&b'\\') {
            separators += 1;
            i += 1;
        }
    }
    height(text, Style::DISPLAY) > tallest
}

/// The estimated height of `text`, in points, when it may be taller than `tallest` (else a
/// line's): the rows of a block are measured only where they hold tall matrices.
pub fn height_of(text: &str, tallest: f64) -> f64 {
    if tall(text, tallest / 4.0) {
        height(text, Style::DISPLAY)
    } else {
        ROW
    }
}

/// The estimated height (with depth) of the tallest thing in `text`, in points: a matrix is
/// the sum of its rows, a fraction its numerator over its denominator, anything else a line.
fn height(text: &str, style: Style) -> f64 {
    let line = ROW * style.scale;
    if style.nesting > DEEPEST {
        return line;
    }
    let mut most = line;
    let mut it = tokens(text);
    while let Some((_, t, _)) = it.next() {
        let h = match t {
            Token::Group(inner) => height(inner, style.deeper()),
            Token::Env(_, inner) => matrix_rows(inner, style).iter().sum(),
            Token::Command("frac") => {
                let num = it
                    .next()
                    .map_or(0.0, |(_, a, _)| single_height(a, style.fraction()));
                let den = it
                    .next()
                    .map_or(0.0, |(_, a, _)| single_height(a, style.fraction()));
                num + den
            }
            Token::Command("overset" | "underset") => {
                let over = it
                    .next()
                    .map_or(0.0, |(_, a, _)| single_height(a, style.smaller()));
                let base = it
                    .next()
                    .map_or(0.0, |(_, a, _)| single_height(a, style.deeper()));
                over + base
            }
            _ => continue,
        };
        most = most.max(h);
    }
    most
}

/// The height of one argument (a group or a single token) in `style`, in points.
fn single_height(t: Token, style: Style) -> f64 {
    match t {
        Token::Group(inner) => height(inner, style),
        Token::Env(_, inner) => matrix_rows(inner, style).iter().sum(),
        Token::Char(_) | Token::Command(_) => ROW * style.scale,
    }
}

/// The height of a matrix's row: its tallest cell, at least a line. A cell with nothing
/// that stacks (most: `w_{1,10}^{(1)}`, `-0.42`) is a line and is not scanned for tokens.
fn row_height(row: &[&str], style: Style) -> f64 {
    row.iter()
        .filter(|cell| !flat(cell))
        .map(|cell| height(cell, style.cell()))
        .fold(ROW * style.scale, f64::max)
}

/// Whether `text` has nothing [`height`] stacks (no `\frac`, `\overset`, `\underset` or
/// environment), so that it is one line high at any size: groups and scripts keep the
/// size of the line they are in.
fn flat(text: &str) -> bool {
    let s = text.as_bytes();
    let mut i = 0;
    while let Some(k) = s[i..].iter().position(|&c| c == b'\\') {
        let after = &s[i + k + 1..];
        if [&b"frac"[..], b"overset", b"underset", b"begin"]
            .iter()
            .any(|name| after.starts_with(name))
        {
            return false;
        }
        i += k + 1;
    }
    true
}

/// Where a row may be broken, best first: a sum (or a column block) before a product. The
/// row blocks of a tall matrix are always broken between.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Break {
    /// Before a binary `+` or `-`.
    Sum,
    /// After a comma, between column blocks of a matrix.
    Comma,
    /// Before `\cdot` or `\odot`, between two matrices.
    Product,
    /// Between two row blocks of a matrix: each starts a line of its own.
    Rows,
}

/// A stretch of a row from one break to the next.
struct Piece {
    start: usize,
    /// How the row may be broken before the piece (none for the first).
    at: Option<Break>,
    /// The `\left` delimiters open where the piece starts.
    open: u32,
    /// The brackets (`(`, `[`, `\left`) open where the piece starts.
    depth: u32,
    /// The width of the innermost bracketed group the break before the piece is in, in em
    /// (0 at the top level).
    group: f64,
    /// The piece's width in em.
    width: f64,
}

/// A place where a row may be broken, as [`pieces`] finds it.
struct Cut {
    at: usize,
    kind: Break,
    open: u32,
    depth: u32,
    /// The innermost bracketed group open there (an index into the groups).
    group: Option<usize>,
}

/// The rows of a row block's label, `i=1,\ldots,20` of `i=1,\ldots,20;\,j=1,\ldots,8`.
fn label_rows(label: &str) -> Option<&str> {
    label
        .strip_prefix("i=")
        .map(|rows| rows.split(';').next().unwrap_or(rows))
}

/// Cuts `body` into pieces at every place where it may be broken.
fn pieces(body: &str) -> Vec<Piece> {
    let Scan { cuts, groups, .. } = cuts(body);
    let mut result = Vec::with_capacity(cuts.len() + 1);
    let mut within = Vec::with_capacity(cuts.len() + 1);
    let mut from = Cut {
        at: 0,
        kind: Break::Sum,
        open: 0,
        depth: 0,
        group: None,
    };
    let mut first = true;
    let mut piece = |from: &Cut, first: bool| {
        result.push(Piece {
            start: from.at,
            at: (!first).then_some(from.kind),
            open: from.open,
            depth: from.depth,
            group: 0.0,
            width: 0.0,
        });
        within.push(from.group);
    };
    for next in cuts {
        if next.at <= from.at {
            continue;
        }
        piece(&from, first);
        from = next;
        first = false;
    }
    piece(&from, first);
    measure_pieces(body, &mut result);
    group_widths(&mut result, &within, &groups);
    result
}

/// Sets each piece's `group`: the width of the bracketed group its break is in (`within`, an
/// index into `groups`), the pieces it spans, from the one it opens in to the one it closes in.
fn group_widths(pieces: &mut [Piece], within: &[Option<usize>], groups: &[(usize, usize)]) {
    let mut sums = Vec::with_capacity(pieces.len() + 1);
    sums.push(0.0);
    for piece in pieces.iter() {
        sums.push(sums[sums.len() - 1] + piece.width);
    }
    let piece_at = |offset: usize| {
        pieces
            .partition_point(|p| p.start <= offset)
            .saturating_sub(1)
    };
    let widths: Vec<f64> = within
        .iter()
        .map(|g| {
            g.map_or(0.0, |g| {
                let (a, b) = groups[g];
                sums[piece_at(b.saturating_sub(1)) + 1] - sums[piece_at(a)]
            })
        })
        .collect();
    for (piece, w) in pieces.iter_mut().zip(widths) {
        piece.group = w;
    }
}

/// What [`cuts`] has found of a row so far.
struct Scan<'a> {
    cuts: Vec<Cut>,
    /// Bracketed groups (start, end).
    groups: Vec<(usize, usize)>,
    /// The groups open, innermost last.
    stack: Vec<usize>,
    /// The `\left` delimiters open.
    open: u32,
    last: Atom,
    previous_matrix: bool,
    /// The rows of the row block just before, when it was one.
    previous_rows: Option<&'a str>,
    previous_start: usize,
}

impl<'a> Scan<'a> {
    fn new() -> Scan<'a> {
        Scan {
            cuts: Vec::new(),
            groups: Vec::new(),
            stack: Vec::new(),
            open: 0,
            last: Atom::Open,
            previous_matrix: false,
            previous_rows: None,
            previous_start: usize::MAX,
        }
    }

    /// A comma of `body` ending at `end`: a break before what follows it, past its spaces.
    fn comma(&mut self, body: &str, end: usize) {
        let mut after = end;
        while body.as_bytes().get(after) == Some(&b' ') {
            after += 1;
        }
        if after < body.len() {
            self.cut(after, Break::Comma);
        }
        self.last = Atom::Open;
    }

    fn cut(&mut self, at: usize, kind: Break) {
        self.cuts.push(Cut {
            at,
            kind,
            open: self.open,
            depth: self.stack.len() as u32,
            group: self.stack.last().copied(),
        });
    }

    /// A bracket `c` from `start` to `end` of a row `len` bytes long.
    fn bracket(&mut self, c: u8, start: usize, end: usize, len: usize) {
        match c {
            b'(' | b'[' => {
                self.stack.push(self.groups.len());
                self.groups.push((start, len));
            }
            b')' | b']' => {
                if let Some(g) = self.stack.pop() {
                    self.groups[g].1 = end;
                }
            }
            _ => {}
        }
    }

    /// A matrix block labelled `label` at `start`: it starts a line when it begins the next
    /// band of rows, else may be broken before when it follows a matrix. Its rows, if a band.
    fn block(&mut self, start: usize, label: &'a str) -> Option<&'a str> {
        let rows = label_rows(label);
        let kind = match (self.previous_rows, rows) {
            // The next band of rows, or the first of a tall matrix, starts a line.
            (Some(before), Some(now)) if before != now => Some(Break::Rows),
            (None, Some(_)) => Some(Break::Rows),
            _ if self.previous_matrix => Some(Break::Comma),
            _ => None,
        };
        match kind {
            _ if start == 0 => {}
            // A `+` or `\cdot` just before goes with the band, at the line's start.
            Some(Break::Rows)
                if !self.previous_matrix
                    && self
                        .cuts
                        .last()
                        .is_some_and(|c| c.at == self.previous_start) =>
            {
                if let Some(c) = self.cuts.last_mut() {
                    c.kind = Break::Rows;
                }
            }
            Some(kind) => self.cut(start, kind),
            None => {}
        }
        rows
    }
}

/// Every place where `body` may be broken, and its bracketed groups.
fn cuts(body: &str) -> Scan<'_> {
    let mut scan = Scan::new();
    let mut it = tokens(body).peekable();
    while let Some((start, t, end)) = it.next() {
        let mut matrix = false;
        let mut rows = None;
        match t {
            Token::Char(b'+' | b'-') if scan.last == Atom::Operand && start > 0 => {
                scan.cut(start, Break::Sum);
                scan.last = Atom::Open;
            }
            Token::Char(b',') => scan.comma(body, end),
            Token::Char(b'^' | b'_') => {
                it.next();
                scan.last = Atom::Operand;
            }
            Token::Char(c) => {
                scan.bracket(c, start, end, body.len());
                scan.last = char_width(c, scan.last, 0.0, 0.0).1;
            }
            Token::Command("cdot" | "odot") if start > 0 => {
                scan.cut(start, Break::Product);
                scan.last = Atom::Open;
            }
            Token::Command("overset") => {
                let label = match it.next() {
                    Some((_, Token::Group(label), _)) => label,
                    _ => "",
                };
                it.next();
                rows = scan.block(start, label);
                matrix = true;
                scan.last = Atom::Operand;
            }
            Token::Command("left") => {
                it.next();
                scan.open += 1;
                scan.bracket(b'(', start, end, body.len());
                scan.last = Atom::Open;
            }
            Token::Command("right") => {
                it.next();
                scan.open = scan.open.saturating_sub(1);
                // `\left(…\right)` then a matrix is a product of two matrices too.
                matrix = true;
                let next = it.peek().map_or(body.len(), |&(next, _, _)| next);
                scan.bracket(b')', start, next, body.len());
                scan.last = Atom::Operand;
            }
            Token::Command(
                "approx" | "leftarrow" | "le" | "ge" | "times" | "quad" | "qquad" | "sum",
            ) => scan.last = Atom::Open,
            Token::Command(name)
                if name.len() == 1 && !name.as_bytes()[0].is_ascii_alphabetic() => {}
            Token::Command(_) | Token::Group(_) => scan.last = Atom::Operand,
            Token::Env(name, _) => {
                if name.ends_with("matrix") && scan.previous_matrix {
                    scan.cut(start, Break::Product);
                }
                matrix = name.ends_with("matrix");
                scan.last = Atom::Operand;
            }
        }
        scan.previous_matrix = matrix;
        scan.previous_rows = rows;
        scan.previous_start = start;
    }
    scan
}

/// Sets each piece's width; a long row's many pieces (a sum of 784 terms, the column blocks
/// of a matrix) are measured in parallel.
fn measure_pieces(body: &str, pieces: &mut [Piece]) {
    /// Rows of fewer pieces are measured in turn.
    const PARALLEL: usize = 64;
    let ends: Vec<usize> = pieces
        .iter()
        .skip(1)
        .map(|p| p.start)
        .chain([body.len()])
        .collect();
    let measure = |(piece, &end): (&mut Piece, &usize)| {
        piece.width = piece_width(&body[piece.start..end], piece.at);
    };
    if pieces.len() < PARALLEL {
        pieces.iter_mut().zip(&ends).for_each(measure);
    } else {
        pieces.par_iter_mut().zip(&ends).for_each(measure);
    }
}

/// A piece's width in em; one that starts with a binary `+` or `-` has its space before it.
fn piece_width(text: &str, at: Option<Break>) -> f64 {
    let binary = if at == Some(Break::Sum) { 0.444 } else { 0.0 };
    shaped_width(text, Style::DISPLAY) + binary
}

/// Columns (first, last) grouped greedily into blocks at most `room` points wide, each at
/// least as wide as its label, `label` em.
fn column_blocks(widths: &[f64], room: f64, label: f64) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut first = 0;
    while first < widths.len() {
        let mut last = first;
        let mut w = 2.0 * 0.67 + widths[first];
        while last + 1 < widths.len() && (w + COLUMN_GAP + widths[last + 1]).max(label) * EM <= room
        {
            last += 1;
            w += COLUMN_GAP + widths[last];
        }
        blocks.push((first, last));
        first = last + 1;
    }
    blocks
}

/// As few column blocks as fit `room`, made as even as they can be (10 columns as 5 and 5,
/// not 7 and 3).
fn balanced_blocks(widths: &[f64], room: f64, label: f64) -> Vec<(usize, usize)> {
    let blocks = column_blocks(widths, room, label);
    let (mut low, mut high) = (0.0, room);
    for _ in 0..24 {
        let mid = (low + high) / 2.0;
        if column_blocks(widths, mid, label).len() <= blocks.len() {
            high = mid;
        } else {
            low = mid;
        }
    }
    column_blocks(widths, high, label)
}

/// Rows (first, last) of heights `heights` (pt) grouped greedily into bands at most `room`
/// points high.
fn row_bands(heights: &[f64], room: f64) -> Vec<(usize, usize)> {
    let mut bands = Vec::new();
    let mut first = 0;
    while first < heights.len() {
        let mut last = first;
        let mut h = heights[first];
        while last + 1 < heights.len() && h + heights[last + 1] <= room {
            last += 1;
            h += heights[last];
        }
        bands.push((first, last));
        first = last + 1;
    }
    bands
}

/// As few bands of rows as fit `room`, as even as they can be (60 rows as 20, 20 and 20).
fn balanced_bands(heights: &[f64], room: f64) -> Vec<(usize, usize)> {
    let bands = row_bands(heights, room);
    let (mut low, mut high) = (0.0, room);
    for _ in 0..24 {
        let mid = (low + high) / 2.0;
        if row_bands(heights, mid).len() <= bands.len() {
            high = mid;
        } else {
            low = mid;
        }
    }
    row_bands(heights, high)
}

/// `i=3`, `i=3,4`, `i=3,\ldots,9` for indices 3 to 9 (from 1).
fn index_range(name: char, first: usize, last: usize) -> String {
    match last - first {
        0 => format!("{name}={first}"),
        1 => format!("{name}={first},{last}"),
        _ => format!("{name}={first},\\ldots,{last}"),
    }
}

/// Replaces every matrix of `body` wider than `room` (pt) or taller than `tallest` (pt) by
/// blocks that fit, each labelled with its columns, its rows or both:
/// `\overset{j=1,\ldots,8}{\begin{bmatrix}…\end{bmatrix}}`, `\overset{i=1,\ldots,20}{…}`,
/// `\overset{i=1,\ldots,20;\,j=1,\ldots,8}{…}`. The blocks of a band of rows come side by side,
/// then the next band's, which [`pieces`] starts on a line of its own.
fn split_matrices(body: &str, room: f64, tallest: f64) -> Cow<'_, str> {
    // A long sum has no matrix: not scanned for one.
    if !body.contains("bmatrix") {
        return Cow::Borrowed(body);
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    for (start, t, end) in tokens(body) {
        let Token::Env("bmatrix", inner) = t else {
            continue;
        };
        let rows = cells(inner);
        let widths = matrix_columns(inner, Style::DISPLAY);
        let whole: f64 = widths.iter().sum::<f64>()
            + COLUMN_GAP * widths.len().saturating_sub(1) as f64
            + 2.0 * 0.67;
        let wide = whole * EM > room && widths.len() >= 2;
        // Rows are at most about two lines high: fewer cannot reach `tallest`.
        let heights: Vec<f64> = if rows.len() >= 2 && rows.len() as f64 * 2.0 * ROW >= tallest {
            matrix_rows(inner, Style::DISPLAY)
        } else {
            Vec::new()
        };
        let tall = heights.iter().sum::<f64>() > tallest;
        if !wide && !tall {
            continue;
        }
        let text = out.get_or_insert_with(|| String::with_capacity(body.len() + 256));
        text.push_str(&body[copied..start]);
        copied = end;
        // The label's width in script size: `j=100,\ldots,120`, with the rows before it.
        let label = if tall { 20.0 } else { 9.0 } * 0.5 * 8.0 / EM;
        let blocks = if wide {
            balanced_blocks(&widths, room, label)
        } else {
            vec![(0, widths.len().saturating_sub(1))]
        };
        let bands = if tall {
            balanced_bands(&heights, tallest - LABEL_HEIGHT)
        } else {
            vec![(0, rows.len().saturating_sub(1))]
        };
        for &(top, bottom) in &bands {
            for &(first, last) in &blocks {
                let label = match (tall, wide) {
                    (true, true) => format!(
                        "{};\\,{}",
                        index_range('i', top + 1, bottom + 1),
                        index_range('j', first + 1, last + 1)
                    ),
                    (true, false) => index_range('i', top + 1, bottom + 1),
                    _ => index_range('j', first + 1, last + 1),
                };
                text.push_str("\\overset{");
                text.push_str(&label);
                text.push_str("}{\\begin{bmatrix}");
                for (i, row) in rows.iter().enumerate().take(bottom + 1).skip(top) {
                    if i > top {
                        text.push_str("\\\\");
                    }
                    for (j, cell) in row.iter().enumerate().take(last + 1).skip(first) {
                        if j > first {
                            text.push('&');
                        }
                        text.push_str(cell);
                    }
                }
                text.push_str("\\end{bmatrix}}");
            }
        }
    }
    match out {
        None => Cow::Borrowed(body),
        Some(mut text) => {
            text.push_str(&body[copied..]);
            Cow::Owned(text)
        }
    }
}

/// Writes every fraction of `body` wider than `room` (pt) on one level, `num/(den)`, so that
/// its sums can be broken: a softmax over twelve units has a denominator of twelve terms.
fn split_wide_fractions(body: &str, room: f64) -> Cow<'_, str> {
    if !body.contains("\\frac") {
        return Cow::Borrowed(body);
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut it = tokens(body).peekable();
    let sum = |text: &str| pieces(text).iter().any(|p| p.at == Some(Break::Sum));
    while let Some((start, t, _)) = it.next() {
        if t != Token::Command("frac") {
            continue;
        }
        let Some((_, Token::Group(num), _)) = it.next() else {
            continue;
        };
        let Some((_, Token::Group(den), end)) = it.next() else {
            continue;
        };
        if width(&body[start..end]) <= room {
            continue;
        }
        let text = out.get_or_insert_with(|| String::with_capacity(body.len() + 16));
        text.push_str(&body[copied..start]);
        copied = end;
        for (part, n) in [(num, 0), (den, 1)] {
            if n == 1 {
                text.push('/');
            }
            if sum(part) || n == 1 && part.contains('/') {
                text.push('(');
                text.push_str(part);
                text.push(')');
            } else {
                text.push_str(part);
            }
        }
    }
    match out {
        None => Cow::Borrowed(body),
        Some(mut text) => {
            text.push_str(&body[copied..]);
            Cow::Owned(text)
        }
    }
}

/// Breaks `body` into lines that fit: the first `first` points wide, the others `rest`
/// (after their indent), none taller than `tallest` points (`f64::INFINITY` where there is no
/// page foot). `None` when it fits as it is. Continuation lines start with `\quad`, and with
/// `{}` before an operator so that it keeps its spacing; a `\left` delimiter left open at a
/// break is closed with `\right.` and reopened with `\left.`.
#[cfg(test)]
pub fn break_row(body: &str, first: f64, rest: f64, tallest: f64) -> Option<Vec<String>> {
    let narrow = match width_bounds(body) {
        Some(b) if b.within(first) => true,
        Some(b) if b.beyond(first) => false,
        _ => width(body) <= first,
    };
    if narrow && !tall(body, tallest) {
        return None;
    }
    break_wide_row(body, first, rest, tallest)
}

/// [`break_row`] for a row its caller has measured (or bounded) wider than `first`, or found
/// taller than `tallest`: a 100×784 matrix is not measured again to learn what its caller knows.
pub fn break_wide_row(body: &str, first: f64, rest: f64, tallest: f64) -> Option<Vec<String>> {
    let body = split_matrices(body, rest.min(first), tallest);
    let body = match split_wide_fractions(&body, rest.min(first)) {
        Cow::Owned(text) => Cow::Owned(text),
        Cow::Borrowed(_) => body,
    };
    let pieces = pieces(&body);
    if pieces.len() < 2 {
        return None;
    }
    // As few lines as the greedy fill makes, as even as they can be: the most the line can
    // shrink and still need no more of them. Whether a group is wider than the line is
    // judged against the line itself.
    let line = rest.min(first) / EM;
    let mut lines = fill(&pieces, first, rest, line, usize::MAX)?;
    let count = lines.len();
    let (mut low, mut high) = (0.0, rest.min(first));
    for _ in 0..24 {
        let mid = (low + high) / 2.0;
        if let Some(fewer) = fill(&pieces, first - mid, rest - mid, line, count) {
            (low, lines) = (mid, fewer);
        } else {
            high = mid;
        }
    }
    let text_end = |k: usize| pieces.get(k).map_or(body.len(), |p| p.start);
    let texts = lines
        .iter()
        .enumerate()
        .map(|(n, &(a, b))| {
            let mut line = String::new();
            let piece = &pieces[a];
            if n > 0 {
                line.push_str("\\quad");
                for _ in 0..piece.open {
                    line.push_str("\\left.");
                }
                let text = &body[piece.start..];
                let operator = text.starts_with(['+', '-']) || text.starts_with("\\cdot");
                if matches!(piece.at, Some(Break::Sum | Break::Product))
                    || piece.at == Some(Break::Rows) && operator
                {
                    line.push_str("{}");
                } else if piece.open == 0 && text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    line.push(' ');
                }
            }
            line.push_str(&body[piece.start..text_end(b)]);
            let still_open = pieces.get(b).map_or(0, |p| p.open);
            for _ in 0..still_open {
                line.push_str("\\right.");
            }
            line
        })
        .collect();
    Some(texts)
}

/// The lines (first piece, end) of a greedy fill, the first line `first` points wide and the
/// others `rest`. A row block of a matrix starts a line. Otherwise a line breaks where it is
/// least nested in brackets, at a sum or comma rather than a product, and the last such place
/// that leaves it at least half full (else where it is full); never inside a bracketed group
/// narrower than `line` em, unless there is no other place. `None` when it takes more than
/// `most` lines (the fill stops there).
fn fill(
    pieces: &[Piece],
    first: f64,
    rest: f64,
    line: f64,
    most: usize,
) -> Option<Vec<(usize, usize)>> {
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < pieces.len() {
        if lines.len() == most {
            return None;
        }
        let room = if lines.is_empty() { first } else { rest } / EM;
        // One pass: as far as the line has room, and at each piece (the first that does not
        // fit included) whether a break before it is allowed and how good, by the width so far.
        let mut w = pieces[start].width;
        let mut end = start + 1;
        let mut best: Option<((u32, bool), usize)> = None;
        let mut last_allowed = None;
        while let Some(piece) = pieces.get(end) {
            if piece.depth == 0 || piece.group > line {
                last_allowed = Some(end);
                let rank = (piece.depth, piece.at >= Some(Break::Product));
                if w >= room * 0.5 && best.is_none_or(|(b, _)| rank <= b) {
                    best = Some((rank, end));
                }
            }
            let fits = w + piece.width <= room;
            if piece.at == Some(Break::Rows) || !fits {
                break;
            }
            w += piece.width;
            end += 1;
        }
        if end == pieces.len() || pieces[end].at == Some(Break::Rows) {
            lines.push((start, end));
            start = end;
            continue;
        }
        let cut = best.map(|(_, k)| k).or(last_allowed).unwrap_or(end);
        lines.push((start, cut));
        start = cut;
    }
    Some(lines)
}

/// The width of a continuation line's indent, in points.
pub const INDENT_WIDTH: f64 = INDENT * EM;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_glyphs() {
        // The table's own figures, before the 2% margin.
        let width = |text: &str| em_width(text, Style::DISPLAY) * EM;
        // One digit is half an em; scripts are smaller and stack.
        assert!((width("0") - 0.5 * EM).abs() < 0.01);
        let a = width("a_1^{(1)}");
        assert!(a > width("a") && a < width("a") + width("(1)"), "{a}");
        // A fraction is as wide as its wider part.
        assert!((width("\\frac{1}{123}") - width("123") - 0.22 * EM).abs() < 0.01);
        // Binary operators get their spaces, a leading minus does not.
        assert!(width("1+2") > width("1") + width("2") + 0.778 * EM);
        assert!((width("-2") - (0.778 + 0.5) * EM).abs() < 0.01);
        // A matrix: its columns, the gaps between them and the brackets.
        let m = width("\\begin{bmatrix}1&22\\\\333&4\\end{bmatrix}");
        assert!(
            (m - (3.0 * 0.5 + 2.0 * 0.5 + COLUMN_GAP + 1.34) * EM).abs() < 0.01,
            "{m}"
        );
    }

    #[test]
    fn deep_nesting_is_estimated_without_recursing() {
        let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
        assert!(width(&deep) > 0.0);
        let n = 20_000;
        let cases = format!(
            "{}x{}",
            "\\begin{cases}".repeat(n),
            "\\end{cases}".repeat(n)
        );
        // This thread's CPU time, not wall time: a loaded machine stretches only the latter.
        let cpu = || {
            let mut t = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `t` is valid for writing; the clock id is a constant the kernel knows.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
            t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
        };
        let started = cpu();
        assert!(
            width(&cases) > 0.0
                && break_row(&cases, 100.0, 100.0, TALLEST).is_none_or(|l| !l.is_empty())
        );
        let took = cpu() - started;
        assert!(took < 2.0, "{took} s of CPU");
    }

    #[test]
    fn the_bound_holds_the_commonest_commands_as_measured() {
        for name in [
            "cdot",
            "times",
            "approx",
            "left",
            "right",
            "partial",
            "delta",
            "eta",
            "leftarrow",
            "quad",
            "ldots",
            "overset",
            "underset",
        ] {
            let lone = format!("\\{name}");
            assert_eq!(
                command_bound(name, &lone),
                Some(em_width(&lone, Style::DISPLAY)),
                "{name}"
            );
        }
        // A gradient row: the bound is loose, but well inside the line.
        let row = "\\delta_{63}^{(1)}x_{388} \\approx (2.343\\times10^{-9})\\cdot(-0.29)";
        let bounds = width_bounds(row).unwrap();
        assert!(
            bounds.low <= width(row) && width(row) <= bounds.high,
            "{bounds:?}"
        );
        assert!(bounds.within(0.7 * LINE), "{bounds:?}");
        // A long sum: surely beyond the line, without measuring it.
        let sum = vec!["0.75\\cdot0.22"; 60].join("+");
        assert!(width_bounds(&sum).unwrap().beyond(LINE));
        for text in [
            "\\begin{bmatrix}1\\end{bmatrix}",
            "\\mathbf{W}",
            "\\text{ }",
        ] {
            assert!(width_bounds(text).is_none(), "{text}");
        }
        let deep = format!("{}x{}", "{".repeat(60), "}".repeat(60));
        assert!(width_bounds(&deep).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]

        /// Whatever the pieces, wherever they stand: the width is within its bounds.
        #[test]
        fn the_width_is_within_its_bounds(
            parts in proptest::collection::vec(0usize..PARTS.len(), 0..60),
        ) {
            let text: String = parts.iter().map(|&k| PARTS[k]).collect();
            // And the same pieces with their braces balanced, as rows have them.
            let mut balanced = String::new();
            let mut depth = 0usize;
            for &k in &parts {
                let part = PARTS[k];
                let opens = part.matches('{').count() - part.matches("\\{").count();
                let closes = part.matches('}').count() - part.matches("\\}").count();
                if closes > depth + opens.min(usize::from(part.starts_with('}'))) {
                    continue;
                }
                depth = depth + opens - closes;
                balanced.push_str(part);
            }
            balanced.push_str(&"}".repeat(depth));
            for text in [text, balanced] {
                if let Some(bounds) = width_bounds(&text) {
                    let exact = width(&text);
                    proptest::prop_assert!(
                        bounds.low - 1e-9 <= exact && exact <= bounds.high + 1e-9,
                        "{text}: {exact} beside {bounds:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_short_matrix_is_measured_through_the_kept_widths_of_its_cells() {
        // Its cells are kept widths too, measured while the matrix's own is not yet known.
        let text = "2\\cdot\\begin{bmatrix}0.5&-1\\\\\\frac{1}{3}&7\\end{bmatrix}";
        for _ in 0..2 {
            assert_eq!(width(text), em_width(text, Style::DISPLAY) * EM * 1.02);
        }
        assert_eq!(width(text), width(&text.replace('7', "4")));
    }

    /// `text` with its digits replaced by `digits` in turn: the same shape.
    fn with_digits(text: &str, digits: &[u8]) -> String {
        let mut next = digits.iter().cycle();
        text.chars()
            .map(|c| match (c.is_ascii_digit(), next.next()) {
                (true, Some(&d)) => char::from(b'0' + d),
                _ => c,
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// A row's bounds are those of the row of its shape seen before: rows that differ
        /// only in their digits (indices, numbers) are bounded alike, kept or not.
        #[test]
        fn rows_of_one_shape_have_one_bound(
            parts in proptest::collection::vec(0usize..PARTS.len(), 0..40),
            digits in proptest::collection::vec(0u8..10, 40),
        ) {
            let text: String = parts.iter().map(|&k| PARTS[k]).collect();
            let other = with_digits(&text, &digits);
            proptest::prop_assert_eq!(row_bounds(&text), width_bounds(&text));
            proptest::prop_assert_eq!(row_bounds(&other), width_bounds(&other));
            proptest::prop_assert_eq!(width_bounds(&other), width_bounds(&text));
        }

        /// A short text's width is that of the text of its shape measured before, to the
        /// bit, in every style a cell, a script or a fraction's part is measured in.
        #[test]
        fn texts_of_one_shape_have_one_width(
            parts in proptest::collection::vec(0usize..PARTS.len(), 0..40),
            digits in proptest::collection::vec(0u8..10, 40),
        ) {
            let text: String = parts.iter().map(|&k| PARTS[k]).collect();
            let other = with_digits(&text, &digits);
            let d = Style::DISPLAY;
            for style in [d, d.cell(), d.smaller(), d.smaller().smaller(), d.fraction()] {
                for text in [&text, &other] {
                    let (kept, measured) = (shaped_width(text, style), em_width(text, style));
                    proptest::prop_assert_eq!(kept.to_bits(), measured.to_bits(), "{}", text);
                }
            }
        }

        /// Without environments, a matrix's cells are found in one pass over its bytes, as
        /// the scanner's tokens find them.
        #[test]
        fn cells_are_split_as_the_tokens_split_them(
            parts in proptest::collection::vec(0usize..CELL_PARTS.len(), 0..60),
        ) {
            let inner: String = parts.iter().map(|&k| CELL_PARTS[k]).collect();
            let mut by_tokens = Vec::new();
            for (start, t, end) in tokens(&inner) {
                match t {
                    Token::Char(b'&') => by_tokens.push((start, end, false)),
                    Token::Command("\\") => by_tokens.push((start, end, true)),
                    _ => {}
                }
            }
            let mut by_bytes = Vec::new();
            separators(&inner, |start, end, row| by_bytes.push((start, end, row)));
            proptest::prop_assert_eq!(by_bytes, by_tokens, "{}", inner);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// A cell found flat is as high as a line, as [`height`] measures it.
        #[test]
        fn flat_cells_are_a_line_high(
            parts in proptest::collection::vec(0usize..PARTS.len(), 0..30),
        ) {
            let text: String = parts.iter().map(|&k| PARTS[k]).collect();
            let style = Style::DISPLAY.cell();
            if flat(&text) {
                proptest::prop_assert_eq!(height(&text, style), ROW * style.scale, "{}", text);
            }
        }
    }

    /// What a matrix's inside may hold, hostile or not.
    const CELL_PARTS: &[&str] = &[
        "&", "\\\\", "\\", "{", "}", "\\{", "\\}", "\\&", "x", "1", "é", "\\é", "\\cdot", " ",
    ];

    /// What rows are made of, and what hostile ones add.
    const PARTS: &[&str] = &[
        "0",
        "7",
        ".",
        "a",
        "x",
        "w",
        "W",
        "m",
        "é",
        "_",
        "^",
        "{",
        "}",
        "{",
        "}",
        "(",
        ")",
        "[",
        "+",
        "-",
        "=",
        ",",
        ";",
        ":",
        "/",
        "'",
        "|",
        "!",
        "~",
        " ",
        "&",
        "?",
        "\\",
        "\\cdot",
        "\\times",
        "\\approx",
        "\\frac",
        "\\left(",
        "\\left.",
        "\\right)",
        "\\left",
        "\\partial",
        "\\delta",
        "\\eta",
        "\\sum",
        "\\sum_",
        "\\prod",
        "\\sqrt",
        "\\overset",
        "\\underset",
        "\\quad",
        "\\qquad",
        "\\,",
        "\\!",
        "\\;",
        "\\{",
        "\\}",
        "\\|",
        "\\ ",
        "\\\\",
        "\\exp",
        "\\ln",
        "\\to",
        "\\le",
        "\\ldots",
        "\\prime",
        "\\top",
        "\\odot",
        "\\leftarrow",
        "\\xyz",
        "\\é",
        "\\mathbf",
        "\\operatorname",
        "\\begin{bmatrix}",
        "\\end{bmatrix}",
        "\\begin{cases}",
        "\\end",
        "_{",
        "^{",
        "^{(1)}",
        "\\frac{",
        "}{",
        "{1,10}",
        "\\sum_{",
        "\\frac{1}{1+",
        "\\overset{",
    ];

    #[test]
    fn rows_that_fit_are_left_alone() {
        assert_eq!(
            break_row("0.1\\cdot1+0.1\\cdot2+0.1\\cdot3", LINE, LINE, TALLEST),
            None
        );
    }

    #[test]
    fn long_sums_continue_after_a_plus() {
        let body = (1..=40)
            .map(|j| format!("w_{{1,{j}}}^{{(1)}}x_{{{j}}}"))
            .collect::<Vec<_>>()
            .join("+");
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines[1].starts_with("\\quad{}+w_"), "{}", lines[1]);
        assert_eq!(lines.concat().replace("\\quad{}", ""), body);
        for line in &lines {
            assert!(width(line) <= 300.0 + INDENT_WIDTH, "{line}");
        }
    }

    #[test]
    fn a_row_known_to_be_wide_breaks_as_a_measured_one() {
        let sum = (1..=40)
            .map(|j| format!("w_{{{j}}}x_{{{j}}}"))
            .collect::<Vec<_>>()
            .join("+");
        let row = vec!["-0.125"; 30].join("&");
        let matrix = format!("\\begin{{bmatrix}}{row}\\\\{row}\\end{{bmatrix}}");
        let fraction = format!("\\frac{{{sum}}}{{2}}");
        for body in [&sum, &matrix, &fraction] {
            let lines = break_wide_row(body, 300.0, 300.0, f64::INFINITY);
            assert!(lines.as_ref().is_some_and(|l| l.len() >= 2), "{body}");
            assert_eq!(
                lines,
                break_row(body, 300.0, 300.0, f64::INFINITY),
                "{body}"
            );
        }
        // The splitters leave a row without a matrix or a fraction as it is.
        assert!(matches!(
            split_matrices(&sum, 300.0, f64::INFINITY),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            split_wide_fractions(&matrix, 300.0),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            split_wide_fractions(&fraction, 300.0),
            Cow::Owned(_)
        ));
    }

    #[test]
    fn open_left_delimiters_are_closed_at_a_break() {
        let sum = vec!["\\frac{1}{2}x_1"; 30].join("+");
        let body = format!("2\\left({sum}\\right)\\cdot3");
        let lines = break_row(&body, 250.0, 250.0, TALLEST).unwrap();
        assert!(lines[0].ends_with("\\right."), "{}", lines[0]);
        assert!(lines[1].starts_with("\\quad\\left.{}+"), "{}", lines[1]);
        for line in &lines {
            assert_eq!(
                line.matches("\\left").count(),
                line.matches("\\right").count()
            );
        }
    }

    #[test]
    fn wide_matrices_become_labelled_column_blocks() {
        let row = (1..=30)
            .map(|j| format!("-0.{j:03}"))
            .collect::<Vec<_>>()
            .join("&");
        let body = format!("\\begin{{bmatrix}}{row}\\\\{row}\\end{{bmatrix}}");
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(
            lines[0].starts_with("\\overset{j=1,\\ldots,"),
            "{}",
            lines[0]
        );
        let all = lines.concat();
        assert!(all.contains("-0.030\\end{bmatrix}}"), "{all}");
        for j in 1..=30 {
            assert_eq!(all.matches(&format!("-0.{j:03}")).count(), 2);
        }
        for line in &lines {
            assert!(width(line) <= 300.0 + INDENT_WIDTH, "{line}");
        }
    }

    #[test]
    fn wide_fractions_are_written_on_one_level_and_broken() {
        let den = (1..=12)
            .map(|j| format!("\\exp(a_{{{j}}}^{{(1)}})"))
            .collect::<Vec<_>>()
            .join("+");
        let body = format!("\\frac{{\\exp(a_{{1}}^{{(1)}})}}{{{den}}}");
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        assert!(
            lines[0].starts_with("\\exp(a_{1}^{(1)})/(\\exp(a_{1}^{(1)})+"),
            "{}",
            lines[0]
        );
        assert!(lines.last().unwrap().ends_with("\\exp(a_{12}^{(1)}))"));
    }

    #[test]
    fn tuples_break_after_a_comma() {
        let body = format!("({})", vec!["-0.123456"; 30].join(", "));
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        assert!(lines[0].ends_with(", "), "{}", lines[0]);
        assert!(lines[1].starts_with("\\quad-0.123456"), "{}", lines[1]);
    }

    #[test]
    fn tall_matrices_become_labelled_row_blocks_each_on_a_line() {
        let column = (1..=60)
            .map(|i| format!("0.{i:03}"))
            .collect::<Vec<_>>()
            .join("\\\\");
        let body = format!("\\begin{{bmatrix}}{column}\\end{{bmatrix}}+x");
        assert!(tall(&body, TALLEST) && width(&body) < 300.0);
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("\\overset{i=1,\\ldots,20}{\\begin{bmatrix}0.001\\\\"));
        assert!(
            lines[1].starts_with("\\quad\\overset{i=21,\\ldots,40}{"),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with("0.060\\end{bmatrix}}+x"), "{}", lines[2]);
        for line in &lines {
            assert!(height(line, Style::DISPLAY) <= TALLEST, "{line}");
        }
        // Without a page foot (Markdown) the matrix stays whole.
        assert_eq!(break_row(&body, 300.0, 300.0, f64::INFINITY), None);
        // A matrix a page holds is left alone.
        let short = "\\begin{bmatrix}1\\\\2\\\\3\\end{bmatrix}";
        assert!(!tall(short, TALLEST));
    }

    #[test]
    fn separators_are_counted_as_str_matches_counts_them() {
        // Runs of 3 and 5 backslashes hold 1 and 2 separators and a stray backslash each.
        for rows in [
            r"1\\2\\\3\\4",
            r"1\\\\\2\\3",
            r"1\\2\\3\\4\\5\\6",
            r"\\\\\\\\",
        ] {
            let text = format!(r"\begin{{bmatrix}}{rows}\end{{bmatrix}}");
            let count = text.matches(r"\\").count();
            assert!(height(&text, Style::DISPLAY) > 2.0 * ROW, "{text}");
            // Enough separators at exactly `count`, not at one more.
            for (needed, tall_enough) in [(count, true), (count + 1, false)] {
                let tallest = needed as f64 * 2.0 * ROW;
                let expected = tall_enough && height(&text, Style::DISPLAY) > tallest;
                assert_eq!(tall(&text, tallest), expected, "{text} at {tallest}");
            }
        }
        assert!(!tall(&[r"1"; 40].join(r"\\"), f64::INFINITY));
    }

    #[test]
    fn a_big_matrix_is_measured_once_and_as_before() {
        // 40×60 cells, symbols and numbers: past MEMO_FROM bytes.
        let inner = (1..=40)
            .map(|i| {
                (1..=60)
                    .map(|j| match j % 3 {
                        0 => format!("w_{{{i},{j}}}^{{(1)}}"),
                        1 => format!("-0.{i}{j}"),
                        _ => format!(r"\frac{{{i}}}{{{j}}}"),
                    })
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .collect::<Vec<_>>()
            .join(r"\\");
        assert!(inner.len() >= MEMO_FROM);
        let rows = cells(&inner);
        for style in [
            Style::DISPLAY,
            Style::DISPLAY.deeper(),
            Style::DISPLAY.smaller(),
        ] {
            let widths = column_widths(&rows, style);
            let heights: Vec<f64> = rows.iter().map(|row| row_height(row, style)).collect();
            assert_eq!(widths.len(), 60);
            assert_eq!(heights.len(), 40);
            // Measured, then kept: the same numbers both times.
            for _ in 0..2 {
                assert_eq!(matrix_columns(&inner, style), widths);
                assert_eq!(matrix_rows(&inner, style), heights);
            }
        }
        // Another matrix of the same length is not taken for it: its first column is wider.
        let other = inner.replacen("-0.11", "WWWWW", 1);
        assert_eq!(other.len(), inner.len());
        let measured = matrix_columns(&other, Style::DISPLAY);
        assert_eq!(measured, column_widths(&cells(&other), Style::DISPLAY));
        assert!(measured[0] > matrix_columns(&inner, Style::DISPLAY)[0]);
    }

    #[test]
    fn tall_and_wide_matrices_are_cut_both_ways() {
        let row = (1..=30)
            .map(|j| format!("-0.{j:03}"))
            .collect::<Vec<_>>()
            .join("&");
        let body = format!(
            "A=\\begin{{bmatrix}}{}\\end{{bmatrix}}",
            vec![row; 50].join("\\\\")
        );
        let lines = break_row(&body, 300.0, 300.0, TALLEST).unwrap();
        let all = lines.concat();
        assert!(all.contains("\\overset{i=1,\\ldots,"), "{all}");
        assert!(all.contains(";\\,j=1,\\ldots,"), "{all}");
        // Every cell once, every line within the page's width and height.
        assert_eq!(all.matches("-0.030").count(), 50);
        for line in &lines {
            assert!(width(line) <= 300.0 + INDENT_WIDTH, "{line}");
            assert!(height(line, Style::DISPLAY) <= TALLEST, "{line}");
        }
        // A new band of rows always starts a line.
        for line in &lines {
            let bands: std::collections::BTreeSet<&str> = line
                .split("\\overset{i=")
                .skip(1)
                .map(|s| s.split(';').next().unwrap())
                .collect();
            assert!(bands.len() <= 1, "{line}");
        }
    }

    #[test]
    fn short_groups_are_not_broken_inside() {
        // Squares of short sums: the breaks fall between them, not inside one.
        let body = (1..=12)
            .map(|k| format!("(0.{k:04}-0.{k}{k})^2"))
            .collect::<Vec<_>>()
            .join("+");
        let body = format!("\\frac{{1}}{{2}}({body})");
        let lines = break_row(&body, 250.0, 250.0, TALLEST).unwrap();
        for line in &lines[1..] {
            assert!(line.starts_with("\\quad{}+("), "{line}");
        }
        // A group wider than the line is broken inside.
        let long = format!(
            "3\\cdot({})\\cdot2",
            vec!["0.1234\\cdot5.678"; 30].join("+")
        );
        let lines = break_row(&long, 250.0, 250.0, TALLEST).unwrap();
        assert!(
            lines.len() > 2 && lines[1].starts_with("\\quad{}+"),
            "{lines:?}"
        );
        // A top-level product is taken before a sum inside a short group.
        let product = format!("{}\\cdot(0.3110-0.1)", vec!["x_1"; 40].concat());
        let lines = break_row(&product, 200.0, 200.0, TALLEST).unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("\\quad{}\\cdot(0.3110-0.1)")),
            "{lines:?}"
        );
    }
}
