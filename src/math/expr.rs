//! Formula trees.
//!
//! Every formula the tool prints is an [`Expr`]: the network's equations, the derivatives the
//! differentiator produces, the rows with numbers substituted. Text is made from an `Expr` in
//! exactly one place (`latex`), and an `Expr` prints as an s-expression (`(* (d h1 a1_1) x_1)`)
//! so that tests can state formulas compactly.

use std::fmt;

use smallvec::SmallVec;

use crate::math::number::{Decimal, Value};

/// A subscript: a letter standing for any unit (`i`, `j`, `k`), or a unit's number (from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Index {
    Var(char),
    Num(u32),
}

/// Which quantity a symbol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `w_{ij}^{(l)}`: weight to unit i of layer l from unit j of layer l−1.
    Weight,
    /// `b_i^{(l)}`.
    Bias,
    /// `a_i^{(l)}`: pre-activation.
    Pre,
    /// `z_i^{(l)}`: output of layer l; layer 0 is the input `x`, the last layer is `y`.
    Out,
    /// `\tilde z_i^{(l)}`: a hidden output after dropout, what the next layer reads.
    Dropped,
    /// `r_i^{(l)}`: the dropout mask of a sample (1 kept, 0 dropped).
    Mask,
    /// `p^{(l)}`: the probability of keeping an output (inverted dropout divides by it).
    Keep,
    /// `t_k`: target.
    Target,
    /// `δ_i^{(l)} = ∂E/∂a_i^{(l)}`.
    Delta,
    /// `h'(a_i^{(l)})`, the activation's derivative at a unit, as a named quantity.
    ActDeriv,
    /// `∂E/∂w_{ij}^{(l)}`.
    GradWeight,
    /// `∂E/∂b_i^{(l)}`.
    GradBias,
    /// `η`.
    Rate,
    /// `E`.
    Loss,
    /// `Ẽ = E + (λ/2) Σ w²`, the loss with weight decay, over the whole network (never per
    /// sample: the decay term belongs to the weights).
    DecayedLoss,
    /// An optimizer's state of weight `w_{ij}^{(l)}` (`v_{ij}^{(l)}`, `h`, `m`, `\hat m`, …).
    StateWeight(Moment),
    /// An optimizer's state of bias `b_i^{(l)}` (`v_{b_i}^{(l)}`, …).
    StateBias(Moment),
    /// A setting of the optimizer (μ, ρ, β₁, β₂, ε), the step t, or Adam's step size η_t.
    Setting(Setting),
}

/// The state an optimizer keeps beside each parameter (or, for the hats, defines in a step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Moment {
    /// Momentum's and Nesterov's velocity `v`, Adam's second moment `v`.
    V,
    /// AdaGrad's and RMSProp's sum of squared gradients `h`.
    H,
    /// Adam's first moment `m`.
    M,
    /// Adam's bias-corrected first moment `\hat m`.
    MHat,
    /// Adam's bias-corrected second moment `\hat v`.
    VHat,
}

/// A scalar of an optimizer's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Setting {
    /// μ, momentum's coefficient.
    Momentum,
    /// ρ, RMSProp's decay.
    Decay,
    /// β₁.
    Beta1,
    /// β₂.
    Beta2,
    /// ε.
    Eps,
    /// t, the step's number.
    Step,
    /// η_t, Adam's step size at step t (`form = zero`).
    StepRate,
    /// λ, the weight decay (`weight_decay λ`): not an optimizer's, but a scalar of the rules
    /// written and looked up as theirs are.
    WeightDecay,
}

impl Setting {
    /// Its name in plain text (messages, s-expressions): `mu`, `beta1`, `eta_t`.
    pub fn plain(self) -> &'static str {
        match self {
            Setting::Momentum => "mu",
            Setting::Decay => "rho",
            Setting::Beta1 => "beta1",
            Setting::Beta2 => "beta2",
            Setting::Eps => "eps",
            Setting::Step => "t",
            Setting::StepRate => "eta_t",
            Setting::WeightDecay => "lambda",
        }
    }
}

/// A named quantity of the network, such as `w_{12}^{(2)}` or `a_i^{(1)}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol {
    pub kind: Kind,
    /// The layer l (0 for the input; unused for t, η, E).
    pub layer: u32,
    /// At most two (w_{ij}); kept inline, since symbols are made and hashed by the thousand.
    pub indices: SmallVec<[Index; 2]>,
    /// The training sample n, for per-sample quantities when there are several samples
    /// (`a_{n,i}^{(l)}`, `E_n`); `None` with one sample, as in the article.
    pub sample: Option<Index>,
}

impl Symbol {
    pub fn new(kind: Kind, layer: u32, indices: &[Index]) -> Symbol {
        Symbol {
            kind,
            layer,
            indices: SmallVec::from_slice(indices),
            sample: None,
        }
    }

    /// Whether the quantity belongs to one sample (a, z, x, y, t, δ, h', E_n) rather than to
    /// the network (w, b, η, ∂E/∂w).
    pub fn per_sample(&self) -> bool {
        matches!(
            self.kind,
            Kind::Pre
                | Kind::Out
                | Kind::Dropped
                | Kind::Mask
                | Kind::Target
                | Kind::Delta
                | Kind::ActDeriv
                | Kind::Loss
        )
    }

    /// The same quantity for sample `sample`.
    pub fn at(mut self, sample: Option<Index>) -> Symbol {
        self.sample = sample;
        self
    }

    pub fn weight(layer: u32, i: Index, j: Index) -> Symbol {
        Symbol::new(Kind::Weight, layer, &[i, j])
    }

    pub fn bias(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Bias, layer, &[i])
    }

    pub fn pre(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Pre, layer, &[i])
    }

    pub fn out(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Out, layer, &[i])
    }

    pub fn dropped(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Dropped, layer, &[i])
    }

    pub fn mask(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Mask, layer, &[i])
    }

    pub fn keep(layer: u32) -> Symbol {
        Symbol::new(Kind::Keep, layer, &[])
    }

    pub fn target(k: Index) -> Symbol {
        Symbol::new(Kind::Target, 0, &[k])
    }

    pub fn delta(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::Delta, layer, &[i])
    }

    pub fn act_deriv(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::ActDeriv, layer, &[i])
    }

    pub fn grad_weight(layer: u32, i: Index, j: Index) -> Symbol {
        Symbol::new(Kind::GradWeight, layer, &[i, j])
    }

    pub fn grad_bias(layer: u32, i: Index) -> Symbol {
        Symbol::new(Kind::GradBias, layer, &[i])
    }

    pub fn rate() -> Symbol {
        Symbol::new(Kind::Rate, 0, &[])
    }

    pub fn loss() -> Symbol {
        Symbol::new(Kind::Loss, 0, &[])
    }

    /// `Ẽ`, the loss with weight decay.
    pub fn decayed_loss() -> Symbol {
        Symbol::new(Kind::DecayedLoss, 0, &[])
    }

    /// The optimizer's state `moment` of `parameter` (a weight or a bias, as `parameter` is;
    /// the generic `w` of the rules stays generic).
    pub fn state_of(moment: Moment, parameter: &Symbol) -> Symbol {
        let kind = match parameter.kind {
            Kind::Bias => Kind::StateBias(moment),
            _ => Kind::StateWeight(moment),
        };
        Symbol::new(kind, parameter.layer, &parameter.indices)
    }

    pub fn setting(setting: Setting) -> Symbol {
        Symbol::new(Kind::Setting(setting), 0, &[])
    }

    /// The same symbol with index variable `var` replaced by `by`.
    pub fn with_index(&self, var: char, by: Index) -> Symbol {
        let mut s = self.clone();
        for index in s.indices.iter_mut().chain(s.sample.as_mut()) {
            if *index == Index::Var(var) {
                *index = by;
            }
        }
        s
    }
}

/// A function that can be applied: a layer's activation, or a built-in elementary function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// The activation of layer l (printed h, o or h^{(l)}).
    Act(u32),
    /// The activation whose derivative is being stated (`h'(a) = h(a)(1 − h(a))`), before it
    /// is given a layer.
    Own,
    Exp,
    Log,
    Sqrt,
    Tanh,
    Sigmoid,
    Softplus,
    Sin,
    Cos,
    Abs,
}

impl Func {
    /// The elementary functions a formula in a `.nn` file may call, by name.
    pub const ELEMENTARY: &'static [(&'static str, Func)] = &[
        ("exp", Func::Exp),
        ("log", Func::Log),
        ("sqrt", Func::Sqrt),
        ("tanh", Func::Tanh),
        ("sigmoid", Func::Sigmoid),
        ("softplus", Func::Softplus),
        ("sin", Func::Sin),
        ("cos", Func::Cos),
        ("abs", Func::Abs),
    ];

    pub fn name(&self) -> String {
        match self {
            Func::Act(layer) => format!("act{layer}"),
            Func::Own => "own".into(),
            other => Func::ELEMENTARY
                .iter()
                .find(|(_, f)| f == other)
                .map_or_else(|| "?".to_string(), |(name, _)| (*name).to_string()),
        }
    }

    /// The elementary function called `name`.
    pub fn elementary(name: &str) -> Option<Func> {
        Func::ELEMENTARY
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }
}

/// `name` as the `&'static str` an [`Expr::Var`] holds: each distinct name is kept once for
/// the life of the process (a formula has at most `MAX_FORMULA_TERMS` names, and the graph's
/// own names are numbered nodes), so that variables of a user's formula (`graph "(x+y)*z"`)
/// are variables as a function's parameter is.
pub fn interned(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// A formula.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A constant written in a formula, such as the ½ of the loss.
    Num(Decimal),
    /// A number substituted for a quantity in a "numbers" row.
    Val(Value),
    /// A quantity of the network.
    Sym(Symbol),
    /// The bound variable of a function definition (`a` in `h(a) = …`).
    Var(&'static str),
    Add(Vec<Expr>),
    Mul(Vec<Expr>),
    Neg(Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    /// The derivative of a function, applied: `h'(a)`.
    Deriv(Func, Box<Expr>),
    /// `Σ_{var=1}^{count} body`.
    Sum {
        var: char,
        count: u32,
        body: Box<Expr>,
    },
    /// Kronecker delta: 1 when the indices are equal, else 0.
    Kron(Index, Index),
    /// `∂num/∂den`, written as a fraction of partials (a step of the chain rule).
    Partial(Box<Expr>, Box<Expr>),
    /// `positive` where `arg > 0`, `otherwise` where `arg ≤ 0` (relu and its relatives).
    Cases {
        arg: Box<Expr>,
        positive: Box<Expr>,
        otherwise: Box<Expr>,
    },
}

impl Expr {
    pub fn int(n: i64) -> Expr {
        Expr::Num(Decimal::from_int(n))
    }

    pub fn sym(s: Symbol) -> Expr {
        Expr::Sym(s)
    }

    pub fn half() -> Expr {
        Expr::Div(Box::new(Expr::int(1)), Box::new(Expr::int(2)))
    }

    pub fn minus(a: Expr, b: Expr) -> Expr {
        Expr::Add(vec![a, Expr::Neg(Box::new(b))])
    }

    pub fn pow(base: Expr, exponent: Expr) -> Expr {
        Expr::Pow(Box::new(base), Box::new(exponent))
    }

    pub fn call(f: Func, arg: Expr) -> Expr {
        Expr::Call(f, Box::new(arg))
    }

    pub fn deriv(f: Func, arg: Expr) -> Expr {
        Expr::Deriv(f, Box::new(arg))
    }

    pub fn sum(var: char, count: u32, body: Expr) -> Expr {
        Expr::Sum {
            var,
            count,
            body: Box::new(body),
        }
    }

    pub fn partial(num: Expr, den: Expr) -> Expr {
        Expr::Partial(Box::new(num), Box::new(den))
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Expr::Num(d) if d.is_zero())
    }

    pub fn is_one(&self) -> bool {
        matches!(self, Expr::Num(d) if d.is_one())
    }

    /// Applies `f` to every direct child.
    /// Calls `f` on each direct child, in order, without copying anything.
    pub fn for_each_child<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        match self {
            Expr::Num(_) | Expr::Val(_) | Expr::Sym(_) | Expr::Var(_) | Expr::Kron(..) => {}
            Expr::Add(items) | Expr::Mul(items) => items.iter().for_each(f),
            Expr::Neg(x) | Expr::Call(_, x) | Expr::Deriv(_, x) => f(x),
            Expr::Div(a, b) | Expr::Pow(a, b) | Expr::Partial(a, b) => {
                f(a);
                f(b);
            }
            Expr::Sum { body, .. } => f(body),
            Expr::Cases {
                arg,
                positive,
                otherwise,
            } => {
                f(arg);
                f(positive);
                f(otherwise);
            }
        }
    }

    pub fn map_children(&self, f: &mut impl FnMut(&Expr) -> Expr) -> Expr {
        match self {
            Expr::Num(_) | Expr::Val(_) | Expr::Sym(_) | Expr::Var(_) | Expr::Kron(..) => {
                self.clone()
            }
            Expr::Add(terms) => Expr::Add(terms.iter().map(&mut *f).collect()),
            Expr::Mul(factors) => Expr::Mul(factors.iter().map(&mut *f).collect()),
            Expr::Neg(x) => Expr::Neg(Box::new(f(x))),
            Expr::Div(a, b) => Expr::Div(Box::new(f(a)), Box::new(f(b))),
            Expr::Pow(a, b) => Expr::Pow(Box::new(f(a)), Box::new(f(b))),
            Expr::Call(func, x) => Expr::Call(*func, Box::new(f(x))),
            Expr::Deriv(func, x) => Expr::Deriv(*func, Box::new(f(x))),
            Expr::Sum { var, count, body } => Expr::sum(*var, *count, f(body)),
            Expr::Partial(a, b) => Expr::partial(f(a), f(b)),
            Expr::Cases {
                arg,
                positive,
                otherwise,
            } => Expr::Cases {
                arg: Box::new(f(arg)),
                positive: Box::new(f(positive)),
                otherwise: Box::new(f(otherwise)),
            },
        }
    }

    /// Puts every per-sample symbol in sample `sample`.
    pub fn with_sample(&self, sample: Option<Index>) -> Expr {
        match self {
            Expr::Sym(s) if s.per_sample() => Expr::Sym(s.clone().at(sample)),
            _ => self.map_children(&mut |child| child.with_sample(sample)),
        }
    }

    /// Replaces every call of [`Func::Own`] by a call of `f`.
    pub fn own_as(&self, f: Func) -> Expr {
        match self {
            Expr::Call(Func::Own, x) => Expr::Call(f, Box::new(x.own_as(f))),
            Expr::Deriv(Func::Own, x) => Expr::Deriv(f, Box::new(x.own_as(f))),
            _ => self.map_children(&mut |child| child.own_as(f)),
        }
    }

    /// Replaces the bound variable `name` by `by`.
    pub fn bind(&self, name: &str, by: &Expr) -> Expr {
        match self {
            Expr::Var(v) if *v == name => by.clone(),
            _ => self.map_children(&mut |child| child.bind(name, by)),
        }
    }

    /// Replaces index variable `var` by `by` everywhere it is free.
    pub fn with_index(&self, var: char, by: Index) -> Expr {
        let swap = |index: Index| if index == Index::Var(var) { by } else { index };
        match self {
            Expr::Sym(s) => Expr::Sym(s.with_index(var, by)),
            Expr::Kron(a, b) => Expr::Kron(swap(*a), swap(*b)),
            Expr::Sum { var: bound, .. } if *bound == var => self.clone(),
            _ => self.map_children(&mut |child| child.with_index(var, by)),
        }
    }

    /// Writes every `Σ` with a known count out as its terms: `Σ_k w_{ki}δ_k` → `w_{1i}δ_1 + w_{2i}δ_2`.
    pub fn expand_sums(&self) -> Expr {
        match self {
            Expr::Sum { var, count, body } => {
                let body = body.expand_sums();
                let terms: Vec<Expr> = (1..=*count)
                    .map(|n| body.with_index(*var, Index::Num(n)))
                    .collect();
                match terms.len() {
                    0 => Expr::int(0),
                    1 => terms.into_iter().next().unwrap_or_else(|| Expr::int(0)),
                    _ => Expr::Add(terms),
                }
            }
            Expr::Add(terms) => Expr::Add(splice_sums(terms, Expr::expand_sums)),
            _ => self.map_children(&mut |child| child.expand_sums()),
        }
    }

    /// Like [`Expr::expand_sums`], but only for the sums `write_out(var, count)` chooses
    /// (general formulas write out short sums and keep `Σ_n` over samples).
    pub fn expand_sums_where(&self, write_out: &impl Fn(char, u32) -> bool) -> Expr {
        match self {
            Expr::Sum { var, count, body } if write_out(*var, *count) => {
                let body = body.expand_sums_where(write_out);
                Expr::sum(*var, *count, body).expand_sums()
            }
            Expr::Add(terms) => Expr::Add(splice_sums(terms, |t| t.expand_sums_where(write_out))),
            _ => self.map_children(&mut |child| child.expand_sums_where(write_out)),
        }
    }

    /// Replaces each subexpression for which `lookup` has a value by that value.
    pub fn substitute(&self, lookup: &mut impl FnMut(&Expr) -> Option<Value>) -> Expr {
        if let Some(value) = lookup(self) {
            return Expr::Val(value);
        }
        self.map_children(&mut |child| child.substitute(lookup))
    }

    /// Whether index variable `var` occurs anywhere in the formula.
    pub fn uses_index(&self, var: char) -> bool {
        let v = Index::Var(var);
        self.any(&|e| match e {
            Expr::Sym(s) => s.indices.contains(&v) || s.sample == Some(v),
            Expr::Kron(a, b) => *a == v || *b == v,
            Expr::Sum { var: bound, .. } => *bound == var,
            _ => false,
        })
    }

    /// The number of nodes, counted without recursion, or `None` once it exceeds `limit`.
    pub fn size_within(&self, limit: usize) -> Option<usize> {
        let mut stack = vec![self];
        let mut count = 0usize;
        while let Some(e) = stack.pop() {
            count += 1;
            if count > limit {
                return None;
            }
            e.for_each_child(&mut |child| stack.push(child));
        }
        Some(count)
    }

    /// Whether any part of the formula satisfies `pred`.
    pub fn any(&self, pred: &impl Fn(&Expr) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        let mut found = false;
        self.for_each_child(&mut |child| found = found || child.any(pred));
        found
    }
}

/// Expands each term, writing a term that was a `Σ` out as terms of the enclosing sum
/// (`Σ_j w_j x_j + b` → `w_1x_1 + w_2x_2 + b`, not `(w_1x_1 + w_2x_2) + b`).
fn splice_sums(terms: &[Expr], expand: impl Fn(&Expr) -> Expr) -> Vec<Expr> {
    let mut out = Vec::with_capacity(terms.len());
    for term in terms {
        match (term, expand(term)) {
            (Expr::Sum { .. }, Expr::Add(inner)) => out.extend(inner),
            (_, expanded) => out.push(expanded),
        }
    }
    out
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Index::Var(c) => write!(f, "{c}"),
            Index::Num(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Symbol {
    /// Compact ASCII names for s-expressions: `w2_11`, `a1_i`, `z0_j`, `t_k`, `E`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stem = match self.kind {
            Kind::Weight => "w",
            Kind::Bias => "b",
            Kind::Pre => "a",
            Kind::Out => "z",
            Kind::Dropped => "zt",
            Kind::Mask => "r",
            Kind::Keep => "p",
            Kind::Target => "t",
            Kind::Delta => "delta",
            Kind::ActDeriv => "dact",
            Kind::GradWeight => "dE/dw",
            Kind::GradBias => "dE/db",
            Kind::Rate => return write!(f, "eta"),
            Kind::StateWeight(m) | Kind::StateBias(m) => match m {
                Moment::V => "v",
                Moment::H => "h",
                Moment::M => "m",
                Moment::MHat => "mhat",
                Moment::VHat => "vhat",
            },
            Kind::Setting(setting) => return write!(f, "{}", setting.plain()),
            Kind::DecayedLoss => return write!(f, "E~"),
            Kind::Loss if self.indices.is_empty() => {
                return match self.sample {
                    Some(n) => write!(f, "E[{n}]"),
                    None => write!(f, "E"),
                }
            }
            // A loss part, E_k (the graph view's).
            Kind::Loss => "E",
        };
        write!(f, "{stem}")?;
        if !matches!(self.kind, Kind::Target | Kind::Loss) {
            write!(f, "{}", self.layer)?;
        }
        if let Some(sample) = self.sample {
            write!(f, "[{sample}]")?;
        }
        if !self.indices.is_empty() {
            write!(f, "_")?;
            for (n, index) in self.indices.iter().enumerate() {
                let sep = if n > 0
                    && self
                        .indices
                        .iter()
                        .any(|i| matches!(i, Index::Num(v) if *v >= 10))
                {
                    ","
                } else {
                    ""
                };
                write!(f, "{sep}{index}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    /// The s-expression form used by tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, head: &str, items: &[&Expr]) -> fmt::Result {
            write!(f, "({head}")?;
            for item in items {
                write!(f, " {item}")?;
            }
            write!(f, ")")
        }
        match self {
            Expr::Num(d) => write!(f, "{d}"),
            Expr::Val(v) => match v.exact() {
                Some(r) => write!(f, "{r}"),
                None => write!(f, "~{}", v.f),
            },
            Expr::Sym(s) => write!(f, "{s}"),
            Expr::Var(name) => write!(f, "{name}"),
            Expr::Add(terms) => list(f, "+", &terms.iter().collect::<Vec<_>>()),
            Expr::Mul(factors) => list(f, "*", &factors.iter().collect::<Vec<_>>()),
            Expr::Neg(x) => list(f, "-", &[x]),
            Expr::Div(a, b) => list(f, "/", &[a, b]),
            Expr::Pow(a, b) => list(f, "^", &[a, b]),
            Expr::Call(func, x) => list(f, &func.name(), &[x]),
            Expr::Deriv(func, x) => list(f, &format!("d {}", func.name()), &[x]),
            Expr::Sum { var, count, body } => list(f, &format!("sum {var} {count}"), &[body]),
            Expr::Kron(a, b) => write!(f, "(kron {a} {b})"),
            Expr::Partial(a, b) => list(f, "partial", &[a, b]),
            Expr::Cases {
                arg,
                positive,
                otherwise,
            } => list(f, "cases", &[arg, positive, otherwise]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Index::{Num, Var};

    #[test]
    fn prints_as_s_expression() {
        let e = Expr::Mul(vec![
            Expr::deriv(Func::Act(1), Expr::sym(Symbol::pre(1, Var('i')))),
            Expr::sym(Symbol::out(0, Var('j'))),
        ]);
        assert_eq!(e.to_string(), "(* (d act1 a1_i) z0_j)");
    }

    #[test]
    fn expands_sums_into_terms() {
        let body = Expr::Mul(vec![
            Expr::sym(Symbol::weight(2, Var('k'), Var('i'))),
            Expr::sym(Symbol::delta(2, Var('k'))),
        ]);
        let e = Expr::sum('k', 2, body).expand_sums();
        assert_eq!(e.to_string(), "(+ (* w2_1i delta2_1) (* w2_2i delta2_2))");
    }

    #[test]
    fn writes_out_only_the_chosen_sums() {
        let inner = Expr::sum(
            'k',
            2,
            Expr::sym(Symbol::delta(2, Var('k')).at(Some(Var('n')))),
        );
        let e = Expr::Add(vec![
            Expr::sum('n', 3, inner),
            Expr::sum('j', 2, Expr::sym(Symbol::out(0, Var('j')))),
        ]);
        let written = e.expand_sums_where(&|var, count| var != 'n' && count <= 4);
        assert_eq!(
            written.to_string(),
            "(+ (sum n 3 (+ delta2[n]_1 delta2[n]_2)) z0_1 z0_2)"
        );
    }

    #[test]
    fn index_substitution_respects_bound_variables() {
        let e = Expr::Add(vec![
            Expr::sym(Symbol::out(1, Var('k'))),
            Expr::sum('k', 3, Expr::sym(Symbol::out(1, Var('k')))),
        ]);
        assert_eq!(
            e.with_index('k', Num(2)).to_string(),
            "(+ z1_2 (sum k 3 z1_k))"
        );
    }

    #[test]
    fn wide_indices_are_separated() {
        assert_eq!(Symbol::weight(1, Num(10), Num(2)).to_string(), "w1_10,2");
    }
}
