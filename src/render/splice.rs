//! Streaming: the rendered template passes through to the output, each block's rows written
//! where the template put its marker, and the writer's own error kept.

use std::io::Write;

use super::blocks::Views;
use super::context::context;
use super::layout::Layout;
use super::output_error;
use super::pending::{self, Pending, EDGE, LONGEST};
use super::templates::{template_error, Engine, Template};
use crate::derivation::Derivation;
use crate::error::Error;

/// Renders `template` for `derivation` into `out`, adding `extra` values to the context
/// (the exam's `variant` and `questions`).
pub fn render_with(
    engine: &Engine,
    derivation: &Derivation,
    layout: &Layout,
    template: Template,
    extra: serde_json::Map<String, serde_json::Value>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let name = template.name();
    let markdown = template.markdown();
    let views = Views::new(derivation, layout, markdown, engine);
    let view = context(&views, markdown, layout);
    let mut context = tera::Context::from_serialize(&view).map_err(|e| template_error(name, &e))?;
    drop(view);
    for (key, value) in extra {
        context.insert(key, &value);
    }
    let pending = std::mem::take(&mut *views.pending.lock().unwrap_or_else(|p| p.into_inner()));
    // A user's chain template is tried on one chain before anything is written, so that a
    // broken one (an unknown variable, a typo) fails with no output at all.
    if !engine.builtin_chain {
        views.write_chain(&derivation.loss[0], None, 0.0, &mut String::new());
        if let Some(error) = views.take_template_error() {
            return Err(error);
        }
    }
    let mut recorded = Recorded { out, error: None };
    let mut splicer = Splicer {
        out: &mut recorded,
        views: &views,
        pending: &pending,
        held: Vec::new(),
    };
    let rendered = match engine.tera.render_to(name, &context, &mut splicer) {
        Ok(()) => splicer.finish().map_err(output_error),
        Err(e) => Err(match e.kind() {
            tera::ErrorKind::Io(kind) => output_error(std::io::Error::new(*kind, e.to_string())),
            _ => template_error(name, &e),
        }),
    };
    drop(pending);
    if let Some(error) = views.take_template_error() {
        return Err(error);
    }
    // The writer's own error says what went wrong (`No space left on device`); Tera passes on
    // only its kind.
    match recorded.error {
        Some(e) => Err(output_error(e)),
        None => rendered,
    }
}

/// A writer that keeps the first error of the one it wraps, message and all.
struct Recorded<'o> {
    out: &'o mut dyn Write,
    error: Option<std::io::Error>,
}

impl Recorded<'_> {
    fn record<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.map_err(|e| {
            let copy = std::io::Error::new(e.kind(), e.to_string());
            self.error.get_or_insert(e);
            copy
        })
    }
}

impl Write for Recorded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.out.write(buf);
        self.record(result)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let result = self.out.write_all(buf);
        self.record(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.out.flush();
        self.record(result)
    }
}

/// Passes the rendered template through to `out`, writing each block's rows where the
/// template put its marker (`\u{1}block N\u{1}`). Templates never see the rows, and the rows
/// are made only when they are written.
pub(super) struct Splicer<'o, 'v, 'a> {
    out: &'o mut dyn Write,
    views: &'v Views<'a>,
    pending: &'v [Pending<'a>],
    /// Bytes that may be the start of a marker, held until it is clear whether they are.
    held: Vec<u8>,
}

impl Splicer<'_, '_, '_> {
    /// Writes out what is held and the rest of the output.
    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.held)?;
        self.held.clear();
        self.out.flush()
    }
}

impl Write for Splicer<'_, '_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            if self.held.is_empty() {
                // Plain text up to the next possible marker passes straight through.
                match rest.iter().position(|&b| b == EDGE) {
                    None => {
                        self.out.write_all(rest)?;
                        break;
                    }
                    Some(at) => {
                        self.out.write_all(&rest[..at])?;
                        self.held.push(EDGE);
                        rest = &rest[at + 1..];
                    }
                }
                continue;
            }
            // Inside a possible marker: take bytes up to and including its closing edge.
            let end = rest.iter().position(|&b| b == EDGE);
            let take = end.map_or(rest.len(), |at| at + 1);
            self.held.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if end.is_some() {
                if let Some(pending) = pending::block(&self.held, self.pending) {
                    self.views.write_block(pending, self.out)?;
                    self.held.clear();
                } else {
                    // Not a marker; its closing edge may open the next one.
                    let text_end = self.held.len() - 1;
                    self.out.write_all(&self.held[..text_end])?;
                    self.held.clear();
                    self.held.push(EDGE);
                }
            } else if self.held.len() > LONGEST {
                self.out.write_all(&self.held)?;
                self.held.clear();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::templates::engine;

    /// Feeds `text` to a splicer in the pieces `cuts` makes; what comes out.
    fn spliced<'a>(
        views: &Views<'a>,
        pending: &[Pending<'a>],
        text: &str,
        cuts: &[usize],
    ) -> String {
        let mut out = Vec::new();
        let mut splicer = Splicer {
            out: &mut out,
            views,
            pending,
            held: Vec::new(),
        };
        let mut from = 0;
        for &cut in cuts.iter().chain([&text.len()]) {
            splicer.write_all(&text.as_bytes()[from..cut]).unwrap();
            from = cut;
        }
        splicer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markers_become_their_rows_however_the_text_is_cut() {
        let text = include_str!("../../examples/article.nn");
        let network = crate::check::check(&crate::syntax::parser::parse(text).unwrap()).unwrap();
        let derivation = crate::derivation::derive(&network, Default::default()).unwrap();
        let engine = engine(None).unwrap();
        let views = Views::new(&derivation, &Layout::default(), false, &engine);
        let block = views.chains(&derivation.loss);
        assert_eq!(block.rows, "\u{1}block 0\u{1}");
        let pending = std::mem::take(&mut *views.pending.lock().unwrap());
        let mut rows = Vec::new();
        views.write_block(&pending[0], &mut rows).unwrap();
        let rows = String::from_utf8(rows).unwrap();
        assert!(rows.starts_with("E&=&\\frac{1}{2}"), "{rows}");

        // Not markers: an unknown block, a lone edge, text between edges, a long run.
        let others = "\u{1}block 7\u{1} \u{1}x\u{1}\u{1}block\u{1} \u{1}";
        let long = format!("\u{1}{}", "y".repeat(40));
        // A stray edge right before a marker does not hide it.
        let input = format!(
            "a {} b {others} c {long} d \u{1}{} e \u{1}junk{} f",
            block.rows, block.rows, block.rows
        );
        let expected = format!("a {rows} b {others} c {long} d \u{1}{rows} e \u{1}junk{rows} f");
        assert_eq!(spliced(&views, &pending, &input, &[]), expected);
        let every_byte: Vec<usize> = (1..input.len()).collect();
        assert_eq!(spliced(&views, &pending, &input, &every_byte), expected);
        for cut in 1..input.len() {
            assert_eq!(
                spliced(&views, &pending, &input, &[cut]),
                expected,
                "cut at {cut}"
            );
        }
    }
}
