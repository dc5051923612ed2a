//! The one namer of quantities.
//!
//! A quantity of the network (`w_{12}^{(2)}`, `δ_1^{(3)}`, `∂E/∂b_2^{(1)}`) is named in LaTeX
//! rows, in plain-text messages, on the diagram and in the exam's answer names. They all take
//! the same decisions — which letter (an output of the first layer is `x`, of the last `y`),
//! which subscripts in which order, whether the layer is written, what is wrapped around it —
//! and those decisions are made here, once, as data: a [`Name`]. The plain-text form, which
//! messages need before any LaTeX exists, is written here too; the LaTeX form is written by
//! `latex` from the same parts. This is the one place `math` makes text, and it makes only
//! names.

use smallvec::SmallVec;

use crate::math::expr::{Expr, Index, Kind, Moment, Setting, Symbol};

/// The letter a quantity is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Letter {
    /// A weight, `w`.
    W,
    /// A bias, `b`.
    B,
    /// A pre-activation, `a`.
    A,
    /// A hidden layer's output, `z`.
    Z,
    /// An input, `x` (the output of layer 0).
    X,
    /// An output of the last layer, `y`.
    Y,
    /// A hidden output after dropout, `\tilde z`.
    ZTilde,
    /// A dropout mask, `r`.
    R,
    /// The probability of keeping an output in dropout, `p`.
    P,
    /// A target, `t`.
    T,
    /// A unit's error, `δ`.
    Delta,
    /// The learning rate, `η`.
    Eta,
    /// The loss, `E`.
    E,
    /// The loss with weight decay, `Ẽ`.
    DecayedE,
    /// An optimizer's state of a weight (`v_{ij}^{(l)}`) or of a bias (`v_{b_i}^{(l)}`).
    State { moment: Moment, bias: bool },
    /// A scalar of an optimizer's rules (μ, β₁, ε, t, η_t).
    Setting(Setting),
}

impl Letter {
    /// The letter in plain text: `w`, `delta`, `eta`.
    pub fn plain(self) -> &'static str {
        match self {
            Letter::W => "w",
            Letter::B => "b",
            Letter::A => "a",
            Letter::Z => "z",
            Letter::X => "x",
            Letter::Y => "y",
            Letter::ZTilde => "z~",
            Letter::R => "r",
            Letter::P => "p",
            Letter::T => "t",
            Letter::Delta => "delta",
            Letter::Eta => "eta",
            Letter::E => "E",
            Letter::DecayedE => "E~",
            Letter::State { moment, .. } => match moment {
                Moment::V => "v",
                Moment::H => "h",
                Moment::M => "m",
                Moment::MHat => "mhat",
                Moment::VHat => "vhat",
            },
            Letter::Setting(setting) => setting.plain(),
        }
    }
}

/// What is written around the letter and its indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Around {
    /// The quantity itself.
    Bare,
    /// The activation's derivative at it, `h'(a_i^{(l)})`.
    Derivative,
    /// The loss's derivative with respect to it, `∂E/∂w_{ij}^{(l)}`.
    Gradient,
}

/// How a plain name writes two indices: `w_2050` (messages, `check`) or, once an index has two
/// digits, apart as the printed sheet has them, `w_20,50` (the exam's answer names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indices {
    Joined,
    ApartWhenWide,
    /// Always apart (`w_2,5`): one of the spellings `grade` reads.
    Apart,
}

/// A quantity's name as parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub letter: Letter,
    /// The unit indices, in order (`i`, `j` of `w_{ij}`).
    pub indices: SmallVec<[Index; 2]>,
    /// The sample, with several samples; written before the indices (`a_{n,i}`), in LaTeX only.
    pub sample: Option<Index>,
    /// The layer of a layered quantity, written `^{(l)}`.
    pub layer: Option<u32>,
    /// Whether the article leaves the layer out: `z` in a network of two layers has only one.
    /// Plain text writes it all the same.
    pub layer_implied: bool,
    pub around: Around,
}

impl Name {
    /// The name of `s` in a network of `depth` layers, whose outputs are `y`; without the
    /// depth, an output of any layer but the input is `z`.
    pub fn of(s: &Symbol, depth: Option<u32>) -> Name {
        let (letter, layered, around) = match s.kind {
            // The generic weight of the update rule, `w`, has no layer.
            Kind::Weight if s.indices.is_empty() => (Letter::W, false, Around::Bare),
            Kind::Weight => (Letter::W, true, Around::Bare),
            Kind::Bias => (Letter::B, true, Around::Bare),
            Kind::Pre => (Letter::A, true, Around::Bare),
            Kind::Out if s.layer == 0 => (Letter::X, false, Around::Bare),
            Kind::Out if Some(s.layer) == depth => (Letter::Y, false, Around::Bare),
            Kind::Out => (Letter::Z, true, Around::Bare),
            Kind::Dropped => (Letter::ZTilde, true, Around::Bare),
            Kind::Mask => (Letter::R, true, Around::Bare),
            Kind::Keep => (Letter::P, true, Around::Bare),
            Kind::Target => (Letter::T, false, Around::Bare),
            Kind::Delta => (Letter::Delta, true, Around::Bare),
            Kind::ActDeriv => (Letter::A, true, Around::Derivative),
            Kind::GradWeight => (Letter::W, true, Around::Gradient),
            Kind::GradBias => (Letter::B, true, Around::Gradient),
            Kind::Rate => (Letter::Eta, false, Around::Bare),
            Kind::Loss => (Letter::E, false, Around::Bare),
            Kind::DecayedLoss => (Letter::DecayedE, false, Around::Bare),
            Kind::StateWeight(moment) | Kind::StateBias(moment) => (
                Letter::State {
                    moment,
                    bias: matches!(s.kind, Kind::StateBias(_)),
                },
                !s.indices.is_empty(),
                Around::Bare,
            ),
            Kind::Setting(setting) => (Letter::Setting(setting), false, Around::Bare),
        };
        Name {
            letter,
            indices: s.indices.clone(),
            sample: s.sample,
            layer: layered.then_some(s.layer),
            layer_implied: matches!(letter, Letter::Z | Letter::ZTilde | Letter::R | Letter::P)
                && depth == Some(2),
            around,
        }
    }

    /// The layer as the article writes it: not where it is implied.
    pub fn shown_layer(&self) -> Option<u32> {
        self.layer.filter(|_| !self.layer_implied)
    }

    /// Whether an index has two digits, so that printed indices are set apart by commas.
    pub fn wide(&self) -> bool {
        wide(&self.indices)
    }

    /// The plain-text name: `z_1^(2)`, `delta_2^(1)`, `h'(a_1^(1))`, `dE/dw_11^(2)`.
    pub fn plain(&self, indices: Indices) -> String {
        let mut out = String::new();
        self.write_plain(indices, &mut out);
        out
    }

    fn write_plain(&self, indices: Indices, out: &mut String) {
        out.push_str(match self.around {
            Around::Bare => "",
            Around::Derivative => "h'(",
            Around::Gradient => "dE/d",
        });
        out.push_str(self.letter.plain());
        // Only a loss part (the graph view's `E_1`) gives the loss indices.
        if !self.indices.is_empty() {
            out.push('_');
            if matches!(self.letter, Letter::State { bias: true, .. }) {
                out.push('b');
            }
            let apart =
                indices == Indices::Apart || (indices == Indices::ApartWhenWide && self.wide());
            for (k, index) in self.indices.iter().enumerate() {
                if k > 0 && apart {
                    out.push(',');
                }
                out.push_str(&index.to_string());
            }
        }
        if let Some(layer) = self.layer {
            out.push_str(&format!("^({layer})"));
        }
        if self.around == Around::Derivative {
            out.push(')');
        }
    }
}

/// Whether one of `indices` has two digits.
pub fn wide(indices: &[Index]) -> bool {
    indices
        .iter()
        .any(|i| matches!(i, Index::Num(n) if *n >= 10))
}

/// A short plain-text name of a formula, for messages: a quantity's [`Name::plain`],
/// `d{num}/d{den}` for a partial derivative, `h'(…)` for an activation's derivative, and any
/// other formula as its s-expression. `depth` as in [`Name::of`].
pub fn plain(e: &Expr, depth: Option<u32>, indices: Indices) -> String {
    match e {
        Expr::Sym(s) => Name::of(s, depth).plain(indices),
        Expr::Partial(num, den) => format!(
            "d{}/d{}",
            plain(num, depth, indices),
            plain(den, depth, indices)
        ),
        Expr::Deriv(_, x) => format!("h'({})", plain(x, depth, indices)),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::expr::Index::{Num, Var};

    fn named(s: Symbol, depth: Option<u32>) -> String {
        plain(&Expr::Sym(s), depth, Indices::Joined)
    }

    #[test]
    fn quantities_have_their_letters_and_layers() {
        assert_eq!(named(Symbol::weight(2, Num(1), Num(2)), None), "w_12^(2)");
        assert_eq!(named(Symbol::bias(1, Num(3)), None), "b_3^(1)");
        assert_eq!(named(Symbol::pre(1, Var('i')), None), "a_i^(1)");
        assert_eq!(named(Symbol::out(0, Num(2)), Some(3)), "x_2");
        assert_eq!(named(Symbol::out(3, Num(1)), Some(3)), "y_1");
        assert_eq!(named(Symbol::out(3, Num(1)), None), "z_1^(3)");
        assert_eq!(named(Symbol::out(1, Num(1)), Some(2)), "z_1^(1)");
        assert_eq!(named(Symbol::target(Num(1)), None), "t_1");
        assert_eq!(named(Symbol::delta(2, Num(1)), None), "delta_1^(2)");
        assert_eq!(named(Symbol::act_deriv(1, Num(2)), None), "h'(a_2^(1))");
        assert_eq!(
            named(Symbol::grad_weight(1, Num(2), Num(3)), None),
            "dE/dw_23^(1)"
        );
        assert_eq!(named(Symbol::grad_bias(2, Num(1)), None), "dE/db_1^(2)");
        assert_eq!(named(Symbol::rate(), None), "eta");
        assert_eq!(named(Symbol::loss(), None), "E");
    }

    #[test]
    fn the_sample_is_kept_as_a_part_but_not_written_in_plain_text() {
        let s = Symbol::pre(1, Num(2)).at(Some(Num(3)));
        let name = Name::of(&s, Some(2));
        assert_eq!(name.sample, Some(Num(3)));
        assert_eq!(name.plain(Indices::Joined), "a_2^(1)");
    }

    #[test]
    fn wide_indices_are_set_apart_only_when_asked() {
        let w = Expr::partial(
            Expr::Sym(Symbol::loss()),
            Expr::Sym(Symbol::weight(1, Num(20), Num(5))),
        );
        assert_eq!(plain(&w, Some(2), Indices::Joined), "dE/dw_205^(1)");
        assert_eq!(plain(&w, Some(2), Indices::ApartWhenWide), "dE/dw_20,5^(1)");
        let narrow = Expr::Sym(Symbol::weight(1, Num(2), Num(5)));
        assert_eq!(plain(&narrow, None, Indices::ApartWhenWide), "w_25^(1)");
    }

    #[test]
    fn the_layer_of_z_is_implied_in_two_layers_only() {
        assert!(Name::of(&Symbol::out(1, Num(1)), Some(2)).layer_implied);
        assert!(!Name::of(&Symbol::out(1, Num(1)), Some(3)).layer_implied);
        assert!(!Name::of(&Symbol::pre(1, Num(1)), Some(2)).layer_implied);
    }
}
