//! The matrix form's notation: bold vectors (`\mathbf{a}^{(l)}`, `\boldsymbol{\delta}^{(l)}`),
//! weight matrices, `bmatrix`es, `\odot` and `^\top`, and the few displays around them (the
//! given `W = …`, the Summary's updates). Render decides what is shown; only these functions
//! know how it is written, so that no LaTeX is made outside `latex/`. Exam's pages use them
//! too.

use rayon::prelude::*;

/// `bmatrix`es with more cells than this are printed row by row in parallel.
const PARALLEL_CELLS: usize = 512;

/// A `rows` × `columns` bmatrix whose cell (i, j) (from 0) `cell` writes; the rows of a big one
/// are printed in parallel.
pub fn bmatrix(
    rows: usize,
    columns: usize,
    cell: impl Fn(usize, usize, &mut String) + Sync,
) -> String {
    let row_text = |i: usize| {
        let mut text = String::new();
        for j in 0..columns {
            if j > 0 {
                text.push('&');
            }
            cell(i, j, &mut text);
        }
        text
    };
    let body: Vec<String> = if rows * columns > PARALLEL_CELLS {
        (0..rows).into_par_iter().map(row_text).collect()
    } else {
        (0..rows).map(row_text).collect()
    };
    format!("\\begin{{bmatrix}}{}\\end{{bmatrix}}", body.join("\\\\"))
}

/// The outputs of layer `layer` (0: the input) of a network `depth` layers deep as a vector:
/// `\mathbf{x}`, `\mathbf{y}`, `\mathbf{z}` with one hidden layer, else `\mathbf{z}^{(l)}`.
pub fn output_vector(layer: u32, depth: u32) -> String {
    match layer {
        0 => "\\mathbf{x}".into(),
        l if l == depth => "\\mathbf{y}".into(),
        _ if depth == 2 => "\\mathbf{z}".into(),
        l => format!("\\mathbf{{z}}^{{({l})}}"),
    }
}

/// The targets as a vector, `\mathbf{t}`.
pub fn target_vector() -> String {
    "\\mathbf{t}".into()
}

/// Layer `l`'s pre-activations as a vector, `\mathbf{a}^{(l)}`.
pub fn pre_vector(l: impl std::fmt::Display) -> String {
    format!("\\mathbf{{a}}^{{({l})}}")
}

/// Layer `l`'s bias as a vector, `\mathbf{b}^{(l)}`.
pub fn bias_vector(l: impl std::fmt::Display) -> String {
    format!("\\mathbf{{b}}^{{({l})}}")
}

/// Layer `l`'s δ as a vector, `\boldsymbol{\delta}^{(l)}`.
pub fn delta_vector(l: impl std::fmt::Display) -> String {
    format!("\\boldsymbol{{\\delta}}^{{({l})}}")
}

/// Layer `l`'s weight matrix, `W^{(l)}`.
pub fn weight_matrix(l: impl std::fmt::Display) -> String {
    parameter('W', l)
}

/// Layer `l`'s bias as the given display names it, `b^{(l)}`.
pub fn bias_name(l: impl std::fmt::Display) -> String {
    parameter('b', l)
}

/// `W^{(l)}` or `b^{(l)}`.
pub fn parameter(letter: char, l: impl std::fmt::Display) -> String {
    format!("{letter}^{{({l})}}")
}

/// `name` of sample `n` (`\mathbf{x}_{2}`), or `name` itself without one.
pub fn of_sample(name: String, sample: Option<u32>) -> String {
    match sample {
        Some(n) => format!("{name}_{{{n}}}"),
        None => name,
    }
}

/// `name` of any sample, `\mathbf{x}_{n}`.
pub fn of_each_sample(name: String) -> String {
    format!("{name}_{{n}}")
}

/// `\sum_{n}` before `body`.
pub fn sum_over_samples(body: &str) -> String {
    format!("\\sum_{{n}}{body}")
}

/// `\frac{1}{N}` before the sum of a mean over `samples` samples.
pub fn mean_scale(samples: usize) -> String {
    format!("\\frac{{1}}{{{samples}}}")
}

/// ∂E/∂`of`: `\frac{\partial E}{\partial W^{(2)}}`.
pub fn gradient(of: &str) -> String {
    format!("\\frac{{\\partial E}}{{\\partial {of}}}")
}

/// `∂Ẽ/∂W`, the gradient with weight decay.
pub fn decayed_gradient(of: &str) -> String {
    format!("\\frac{{\\partial \\tilde{{E}}}}{{\\partial {of}}}")
}

/// Weight decay's coefficient before a matrix, `\lambda `.
pub const LAMBDA: &str = "\\lambda ";

/// `gradient + λ weights`: weight decay's term added (`λ` a symbol or a number).
pub fn plus_decay(gradient: &str, lambda: &str, weights: &str) -> String {
    format!("{gradient}+{lambda}{weights}")
}

/// `f(x)`, a function named by [`crate::latex::Printer::function_name`] applied to a vector.
pub fn apply(function: &str, argument: &str) -> String {
    format!("{function}({argument})")
}

/// δ backpropagated: `h'(\mathbf{a}^{(l)})\odot(W^{(l+1)})^\top\boldsymbol{\delta}^{(l+1)}`,
/// from the slope already written (`h'(\mathbf{a})`, or with dropout
/// `h'(\mathbf{a})\odot\frac{\mathbf{r}}{p}`).
pub fn backpropagated_from(slope: &str, next: usize, next_delta: &str) -> String {
    format!("{slope}\\odot({})^\\top{next_delta}", weight_matrix(next))
}

/// The outputs of hidden layer `layer` after dropout: `\tilde{\mathbf{z}}`, or
/// `\tilde{\mathbf{z}}^{(l)}` in a deeper network.
pub fn dropped_vector(layer: u32, depth: u32) -> String {
    match depth {
        2 => "\\tilde{\\mathbf{z}}".into(),
        _ => format!("\\tilde{{\\mathbf{{z}}}}^{{({layer})}}"),
    }
}

/// The dropout mask of hidden layer `layer` as a vector, `\mathbf{r}` (`\mathbf{r}^{(l)}`).
pub fn mask_vector(layer: u32, depth: u32) -> String {
    match depth {
        2 => "\\mathbf{r}".into(),
        _ => format!("\\mathbf{{r}}^{{({layer})}}"),
    }
}

/// The probability of keeping an output, `p` (`p^{(l)}`).
pub fn keep_name(layer: u32, depth: u32) -> String {
    match depth {
        2 => "p".into(),
        _ => format!("p^{{({layer})}}"),
    }
}

/// A layer's dropout as an exam states it: `\mathbf{r}=…` per sample (`\mathbf{r}_1=…` with
/// several), then `p=…` with inverted dropout, and the form, `\tilde{\mathbf{z}}=…`.
pub fn dropout_given(masks: &[String], keep: Option<&str>, form: &str) -> String {
    let mut parts: Vec<String> = match masks {
        [one] => vec![format!("\\mathbf{{r}}={one}")],
        many => (1..)
            .zip(many)
            .map(|(n, m)| format!("\\mathbf{{r}}_{{{n}}}={m}"))
            .collect(),
    };
    if let Some(p) = keep {
        parts.push(format!("p={p}"));
    }
    parts.push(form.to_string());
    parts.join(",\\qquad ")
}

/// `x\odot\mathbf{r}` or `x\odot\frac{\mathbf{r}}{p}`: dropout's factor after `x`.
pub fn masked(x: &str, mask: &str, keep: Option<&str>) -> String {
    match keep {
        Some(p) => format!("{x}\\odot\\frac{{{mask}}}{{{p}}}"),
        None => format!("{x}\\odot{mask}"),
    }
}

/// The same with numbers: the slopes' column ⊙ the transposed weights times the next δ.
pub fn backpropagated_numbers(slopes: &str, transposed: &str, next_delta: &str) -> String {
    format!("{slopes}\\odot{transposed}{next_delta}")
}

/// `\left(x\right)`.
pub fn grouped(x: &str) -> String {
    format!("\\left({x}\\right)")
}

/// δ times the input transposed: `\boldsymbol{\delta}^{(l)}(\mathbf{z})^\top`.
pub fn outer_product(delta: &str, input: &str) -> String {
    format!("{delta}({input})^\\top")
}

/// A parameter less η times its gradient: `W^{(l)}-\eta\frac{\partial E}{\partial W^{(l)}}`.
pub fn descent(parameter: &str, gradient: &str) -> String {
    format!("{parameter}-\\eta{gradient}")
}

/// An optimizer's state of a layer's weights (`V^{(l)}`, `\hat{M}^{(l)}`) or of its biases
/// (`\mathbf{v}_b^{(l)}`), in the matrix form and the summary.
pub fn state_matrix(moment: crate::math::expr::Moment, bias: bool, l: u32) -> String {
    use crate::math::expr::Moment;
    let letter = match (moment, bias) {
        (Moment::V, false) => "V",
        (Moment::H, false) => "H",
        (Moment::M, false) => "M",
        (Moment::MHat, false) => "\\hat{M}",
        (Moment::VHat, false) => "\\hat{V}",
        (Moment::V, true) => "\\mathbf{v}_b",
        (Moment::H, true) => "\\mathbf{h}_b",
        (Moment::M, true) => "\\mathbf{m}_b",
        (Moment::MHat, true) => "\\hat{\\mathbf{m}}_b",
        (Moment::VHat, true) => "\\hat{\\mathbf{v}}_b",
    };
    format!("{letter}^{{({l})}}")
}

/// An optimizer's update of `parameter` in matrix form, its right-hand side after `←`
/// (`W^{(l)}+V^{(l)}`, `W^{(l)}-\eta\hat{M}^{(l)}\oslash(\sqrt{\hat{V}^{(l)}}+\varepsilon)`),
/// from the parameter's gradient and its states' names (`state(moment)`); `None` for plain
/// SGD, whose update is [`descent`].
pub fn optimizer_update(
    optimizer: &crate::model::Optimizer,
    parameter: &str,
    gradient: &str,
    state: &dyn Fn(crate::math::expr::Moment) -> String,
) -> Option<String> {
    use crate::math::expr::Moment;
    use crate::model::{AdamForm, MomentumForm, Optimizer};
    let adaptive = |rate: &str, numerator: &str, square: Moment| {
        format!(
            "{parameter}-{rate}{numerator}\\oslash\\left(\\sqrt{{{}}}+\\varepsilon\\right)",
            state(square)
        )
    };
    Some(match optimizer {
        Optimizer::Sgd => return None,
        Optimizer::Momentum {
            form: MomentumForm::Zero,
            ..
        } => format!("{parameter}+{}", state(Moment::V)),
        Optimizer::Momentum { .. } => format!("{parameter}-\\eta {}", state(Moment::V)),
        Optimizer::Nesterov { .. } => format!(
            "{parameter}-\\eta\\left({gradient}+\\mu {}\\right)",
            state(Moment::V)
        ),
        Optimizer::AdaGrad { .. } | Optimizer::RmsProp { .. } => {
            adaptive("\\eta", gradient, Moment::H)
        }
        Optimizer::Adam {
            form: AdamForm::Paper,
            ..
        } => adaptive("\\eta", &state(Moment::MHat), Moment::VHat),
        Optimizer::Adam { .. } => adaptive("\\eta_t", &state(Moment::M), Moment::V),
    })
}

/// A carried state's rule in matrix form, its right-hand side (`\mu V^{(l)}-\eta\frac{…}{…}`,
/// `\frac{M^{(l)}}{1-\beta_1^t}`), from the parameter's gradient and the states' names; the
/// element-wise square is `\odot` with itself. `None` where `moment` is not the optimizer's.
pub fn state_rule(
    optimizer: &crate::model::Optimizer,
    moment: crate::math::expr::Moment,
    gradient: &str,
    state: &dyn Fn(crate::math::expr::Moment) -> String,
) -> Option<String> {
    use crate::math::expr::Moment;
    use crate::model::{MomentumForm, Optimizer};
    let square = format!("{gradient}\\odot{gradient}");
    let own = state(moment);
    Some(match (optimizer, moment) {
        (
            Optimizer::Momentum {
                form: MomentumForm::Zero,
                ..
            },
            Moment::V,
        ) => format!("\\mu {own}-\\eta{gradient}"),
        (
            Optimizer::Momentum {
                form: MomentumForm::Ema,
                ..
            },
            Moment::V,
        ) => format!("\\mu {own}+(1-\\mu){gradient}"),
        (Optimizer::Momentum { .. } | Optimizer::Nesterov { .. }, Moment::V) => {
            format!("\\mu {own}+{gradient}")
        }
        (Optimizer::AdaGrad { .. }, Moment::H) => format!("{own}+{square}"),
        (Optimizer::RmsProp { .. }, Moment::H) => format!("\\rho {own}+(1-\\rho){square}"),
        (Optimizer::Adam { .. }, Moment::M) => format!("\\beta_1{own}+(1-\\beta_1){gradient}"),
        (Optimizer::Adam { .. }, Moment::V) => format!("\\beta_2{own}+(1-\\beta_2){square}"),
        (Optimizer::Adam { .. }, Moment::MHat) => {
            format!("\\frac{{{}}}{{1-\\beta_1^t}}", state(Moment::M))
        }
        (Optimizer::Adam { .. }, Moment::VHat) => {
            format!("\\frac{{{}}}{{1-\\beta_2^t}}", state(Moment::V))
        }
        _ => return None,
    })
}

/// `lhs` followed by each relation and right-hand side: `W=…=…`.
pub fn equation(lhs: &str, rows: &[(&str, &str)]) -> String {
    let mut text = lhs.to_string();
    for (rel, rhs) in rows {
        text.push_str(rel);
        text.push_str(rhs);
    }
    text
}

/// Two displays on one line, a `\qquad` apart: `W=…,\qquad b=…`.
pub fn side_by_side(first: &str, second: &str) -> String {
    format!("{first},\\qquad {second}")
}

/// Two formulas in a sentence, a space apart: `\mathbf{x}=…,\ \mathbf{t}=…`.
pub fn in_a_row(first: &str, second: &str) -> String {
    format!("{first},\\ {second}")
}

/// A parameter's update in a display: `W^{(l)}\leftarrow …`.
pub fn update(parameter: &str, rhs: &str) -> String {
    format!("{parameter}\\leftarrow {rhs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notation_is_the_articles() {
        let cell = |i: usize, j: usize, out: &mut String| out.push_str(&format!("{i}{j}"));
        assert_eq!(
            bmatrix(2, 2, cell),
            "\\begin{bmatrix}00&01\\\\10&11\\end{bmatrix}"
        );
        // Big ones are printed in parallel, in the same order.
        let big = bmatrix(40, 20, cell);
        assert!(big.starts_with("\\begin{bmatrix}00&01&"), "{big}");
        assert!(big.ends_with("&3919\\end{bmatrix}"), "{big}");
        assert_eq!(big.matches("\\\\").count(), 39);
        assert_eq!(output_vector(0, 3), "\\mathbf{x}");
        assert_eq!(output_vector(1, 2), "\\mathbf{z}");
        assert_eq!(output_vector(2, 3), "\\mathbf{z}^{(2)}");
        assert_eq!(output_vector(3, 3), "\\mathbf{y}");
        assert_eq!(
            backpropagated_from(&apply("h'", &pre_vector(1)), 2, &delta_vector(2)),
            "h'(\\mathbf{a}^{(1)})\\odot(W^{(2)})^\\top\\boldsymbol{\\delta}^{(2)}"
        );
        assert_eq!(
            update(&weight_matrix(1), &descent(&weight_matrix(1), "g")),
            "W^{(1)}\\leftarrow W^{(1)}-\\etag"
        );
        assert_eq!(of_sample(target_vector(), Some(2)), "\\mathbf{t}_{2}");
        assert_eq!(
            equation("W", &[("=", "A"), ("\\approx", "B")]),
            "W=A\\approxB"
        );
    }
}
