//! How the output is laid out: its format, language, LaTeX environment, form and Markdown
//! flavour, chosen on the command line and read by every writer.

use serde::Serialize;

use crate::latex::Environment;

/// The output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// The derivation as a LaTeX body, to `\input` into a document.
    #[default]
    Latex,
    /// A complete LaTeX document (article class) that compiles with pdflatex.
    Document,
    /// Markdown for a blog (Qiita, Zenn, GitHub), with KaTeX-compatible math blocks.
    Markdown,
    /// The numbers at full precision.
    Json,
    /// The drawing of the network alone, as SVG (what `-f markdown -o POST.md` writes beside
    /// the post).
    Svg,
}

/// The language of the prose and headings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese, with the article's headings; documents compile with lualatex (luatexja).
    Ja,
}

/// The LaTeX environment of each block of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    /// `eqnarray*`, the article's.
    #[default]
    Eqnarray,
    /// amsmath's `align*`.
    Align,
}

impl Env {
    /// The printer's environment of a block of rows in LaTeX (Markdown's is `aligned`).
    pub fn environment(self) -> Environment {
        match self {
            Env::Eqnarray => Environment::Eqnarray,
            Env::Align => Environment::Align,
        }
    }
}

/// Element by element, in matrix form, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// Every row element by element, as the article writes them.
    #[default]
    Elements,
    /// Each layer's rows as vectors and matrices.
    Matrix,
    /// Element by element, then in matrix form.
    Both,
}

/// Where the Markdown goes: how its math blocks are fenced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Qiita: ```` ```math ```` blocks.
    #[default]
    Qiita,
    /// Zenn: `$$` blocks.
    Zenn,
    /// GitHub: `$$` blocks.
    Github,
}

impl Flavor {
    /// What opens and closes a display math block.
    pub fn math_fences(self) -> (&'static str, &'static str) {
        match self {
            Flavor::Qiita => ("```math", "```"),
            Flavor::Zenn | Flavor::Github => ("$$", "$$"),
        }
    }

    /// What opens and closes math in a sentence (every flavor's is `$…$`, as the layer
    /// view's template writes it).
    pub fn inline_math_fences(self) -> (&'static str, &'static str) {
        match self {
            Flavor::Qiita | Flavor::Zenn | Flavor::Github => ("$", "$"),
        }
    }
}

/// Which view of the training step `derive` writes (issue 17).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Layer by layer: forward pass, loss, δ, gradients, updates (the article's).
    #[default]
    Layers,
    /// The network as a computational graph, its backward pass node by node.
    Graph,
    /// The layer view, then the graph view, in one document.
    Both,
}

/// How the derivation is laid out (everything but the numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The language of the prose and headings.
    pub lang: Lang,
    /// The LaTeX environment of each block of rows.
    pub env: Env,
    /// Element by element, in matrix form, or both.
    pub form: Form,
    /// The Markdown dialect (its math delimiters).
    pub flavor: Flavor,
    /// Draw the network (TikZ) in LaTeX output.
    pub diagram: bool,
    /// The layer view, the graph view or both.
    pub view: View,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            lang: Lang::En,
            env: Env::Eqnarray,
            form: Form::Elements,
            flavor: Flavor::Qiita,
            diagram: true,
            view: View::Layers,
        }
    }
}
