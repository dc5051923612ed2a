//! The Tera templates: the built-ins compiled into the binary, a user's directory overriding
//! them file by file, and `templates export` writing them out to start from.

use std::path::Path;

use crate::error::{DirFault, Error};

/// The built-in templates: name and text.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "body.tex.tera",
        include_str!("../../templates/body.tex.tera"),
    ),
    (
        "chain.tex.tera",
        include_str!("../../templates/chain.tex.tera"),
    ),
    (
        "rows.tex.tera",
        include_str!("../../templates/rows.tex.tera"),
    ),
    (
        "diagram.tex.tera",
        include_str!("../../templates/diagram.tex.tera"),
    ),
    (
        "markdown.md.tera",
        include_str!("../../templates/markdown.md.tera"),
    ),
    (
        "document.tex.tera",
        include_str!("../../templates/document.tex.tera"),
    ),
    (
        "preamble.tex.tera",
        include_str!("../../templates/preamble.tex.tera"),
    ),
    (
        "question.tex.tera",
        include_str!("../../templates/question.tex.tera"),
    ),
];

// ---------------------------------------------------------------------------------------------
// Templates

/// A template a rendering starts from (the others are included by these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// The LaTeX body (`-f latex`), an exam's answers.
    Body,
    /// The whole LaTeX document (`-f document`).
    Document,
    /// The Markdown post (`-f markdown`).
    Markdown,
    /// An exam's question page.
    Question,
    /// An exam's preamble.
    Preamble,
}

impl Template {
    /// Its file name, among [`TEMPLATES`] and in a user's template directory.
    pub fn name(self) -> &'static str {
        match self {
            Template::Body => "body.tex.tera",
            Template::Document => "document.tex.tera",
            Template::Markdown => "markdown.md.tera",
            Template::Question => "question.tex.tera",
            Template::Preamble => "preamble.tex.tera",
        }
    }

    /// Whether it writes Markdown (math in `aligned` blocks, text escaped for Markdown), not
    /// LaTeX.
    pub fn markdown(self) -> bool {
        self == Template::Markdown
    }
}

/// The templates of a run: a Tera instance with LaTeX-safe delimiters (`{{`, `{%`, `{#` all
/// occur in LaTeX), no HTML escaping, and every built-in template, each replaced by the user's
/// file of the same name in `dir` when there is one.
pub struct Engine {
    pub(super) tera: tera::Tera,
    /// `chain.tex.tera` is the built-in one, so chains are laid out by [`Views::lay_out`].
    pub(super) builtin_chain: bool,
}

pub fn engine(dir: Option<&Path>) -> Result<Engine, Error> {
    let mut tera = tera::Tera::new();
    tera.set_delimiters(tera::Delimiters {
        block_start: "<%".into(),
        block_end: "%>".into(),
        variable_start: "<<".into(),
        variable_end: ">>".into(),
        comment_start: "<#".into(),
        comment_end: "#>".into(),
    })
    .map_err(|e| template_error("delimiters", &e))?;
    tera.autoescape_on(Vec::<&str>::new());
    if let Some(dir) = dir {
        templates_dir(dir)?;
    }
    let mut sources = Vec::with_capacity(TEMPLATES.len());
    let mut builtin_chain = true;
    for (name, builtin) in TEMPLATES {
        let user = dir.map(|d| d.join(name));
        let text = match user.as_ref().map(std::fs::read_to_string) {
            Some(Ok(text)) => {
                builtin_chain &= *name != "chain.tex.tera";
                text
            }
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::Read {
                    path: user.unwrap_or_default().display().to_string(),
                    source: e,
                })
            }
            _ => (*builtin).to_string(),
        };
        sources.push((*name, text));
    }
    tera.add_raw_templates(sources)
        .map_err(|e| template_error("templates", &e))?;
    Ok(Engine {
        tera,
        builtin_chain,
    })
}

/// Checks that `dir` (from `--templates`) is a directory that can be read: a typo must not
/// quietly give the built-in templates.
pub fn templates_dir(dir: &Path) -> Result<(), Error> {
    let fault = match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => std::fs::read_dir(dir).err().map(DirFault::Unreadable),
        Ok(_) => Some(DirFault::NotADirectory),
        Err(e) => Some(DirFault::Unreadable(e)),
    };
    match fault {
        None => Ok(()),
        Some(fault) => Err(Error::TemplatesDir {
            path: dir.display().to_string(),
            fault,
        }),
    }
}

pub(super) fn template_error(name: &str, error: &tera::Error) -> Error {
    use std::error::Error as _;
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Template {
        name: name.to_string(),
        message,
    }
}

/// Writes the built-in templates into `dir` (created if needed), all or nothing: templates
/// already there are refused before anything is written, or with `force` replaced.
pub fn export_templates(dir: &Path, force: bool) -> Result<Vec<std::path::PathBuf>, Error> {
    let files: Vec<(&str, &[u8])> = TEMPLATES
        .iter()
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    crate::output::write_files_atomically(dir, &files, force)
}
