//! Issue 12's matrix form on the real binary: each printed matrix follows from the matrices and
//! vectors on its row, as the element rows follow from their numbers — `=` only where the
//! shown numbers give the value exactly, and with rounded values carried the same values as
//! the element rows, computed from what the row shows.

use crate::support::{run_with, stdout};

/// `derive -` of `text` with `args`, both forms, without the drawing.
fn latex(text: &str, args: &[&str]) -> String {
    let mut all = vec!["derive", "-", "--no-diagram", "--form", "both"];
    all.extend_from_slice(args);
    stdout(&run_with(&all, text.as_bytes()))
}

/// The first chain with numbers that starts with the line `start`: it and the `&` lines after
/// it (the general equations have none).
fn chain<'a>(out: &'a str, start: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = out.lines().collect();
    let at = (0..lines.len().saturating_sub(1))
        .find(|&k| lines[k].starts_with(start) && lines[k + 1].starts_with('&'))
        .unwrap_or_else(|| panic!("no chain {start} in\n{out}"));
    let mut rows = vec![lines[at]];
    rows.extend(lines[at + 1..].iter().take_while(|l| l.starts_with('&')));
    rows
}

/// `gen --sizes 1,4,1 --seed 7`: the first layer's gradients are written out as h'(a)(w δ) x.
const WRITTEN_OUT: &str = "input x = [-3.9]
target t = [-0.131]
layer sigmoid
  W = [[0.87], [0.02], [0.40], [0.23]]
  b = [0.16, 0.50, -0.11, -0.27]
layer softplus
  W = [[-0.83, -0.92, 0.98, -0.22]]
  b = [-0.18]
loss sum_squared
sgd lr = 0.25
";

const GRADIENT: &str = "\\frac{\\partial E}{\\partial W^{(1)}}&=&";

#[test]
fn carried_rounded_the_first_layers_matrix_gradient_is_what_the_element_rows_computed() {
    let out = latex(WRITTEN_OUT, &["--digits", "2", "--carry", "rounded"]);
    // δ^{(1)} as shown times x gives 0.02145 (0.021); the element rows carry h'·w·δ·x = 0.022.
    assert_eq!(
        chain(&out, GRADIENT),
        [
            "\\frac{\\partial E}{\\partial W^{(1)}}&=&\\boldsymbol{\\delta}^{(1)}(\\mathbf{x})^\\top\\\\*",
            "&=&\\left(h'(\\mathbf{a}^{(1)})\\odot(W^{(2)})^\\top\\boldsymbol{\\delta}^{(2)}\\right)(\\mathbf{x})^\\top\\\\",
            "&\\approx&\\left(\\begin{bmatrix}0.037\\\\0.24\\\\0.13\\\\0.18\\end{bmatrix}\\odot\\begin{bmatrix}-0.83\\\\-0.92\\\\0.98\\\\-0.22\\end{bmatrix}\\begin{bmatrix}0.18\\end{bmatrix}\\right)\\begin{bmatrix}-3.9\\end{bmatrix}\\\\",
            "&\\approx&\\begin{bmatrix}0.022\\\\0.16\\\\-0.089\\\\0.028\\end{bmatrix}",
        ]
    );
    assert!(
        out.contains("&\\approx&0.037\\cdot(-0.83)\\cdot0.18\\cdot(-3.9)\\\\\n&\\approx&0.022\\\\")
    );
    // The exact values are δ^{(1)} x whatever is shown: δ^{(1)} stays.
    let out = latex(WRITTEN_OUT, &["--digits", "2"]);
    assert_eq!(
        chain(&out, GRADIENT)[1],
        "&\\approx&\\begin{bmatrix}-0.0056\\\\-0.041\\\\0.024\\\\-0.0074\\end{bmatrix}\\begin{bmatrix}-3.9\\end{bmatrix}\\\\"
    );
}

#[test]
fn equals_before_a_matrix_only_where_its_shown_numbers_give_it() {
    // 0.78091·1 − 0.82 = −0.03909 exactly, but the row shows 0.7809: it gives −0.0391.
    let out = latex(
        "input x = [1]\ntarget t = [0, 0]\nlayer identity\n  W = [[0.78091], [-0.27]]\n  b = [-0.82, -0.40]\nloss sum_squared\n",
        &[],
    );
    assert_eq!(
        chain(&out, "\\mathbf{a}^{(1)}&=&")[1..],
        [
            "&\\approx&\\begin{bmatrix}0.7809\\\\-0.27\\end{bmatrix}\\begin{bmatrix}1\\end{bmatrix}+\\begin{bmatrix}-0.82\\\\-0.4\\end{bmatrix}\\\\",
            "&\\approx&\\begin{bmatrix}-0.03909\\\\-0.67\\end{bmatrix}\\\\",
        ]
    );
    // 0.1235·0 + 0.5·2 is 1 as shown, and 1 exactly: `=`, in both forms.
    let out = latex(
        "input x = [0, 2]\ntarget t = [1]\nlayer identity W = [[0.12345, 0.5]]\nloss sum_squared\n",
        &[],
    );
    assert_eq!(
        chain(&out, "\\mathbf{a}^{(1)}&=&")[1..],
        [
            "&\\approx&\\begin{bmatrix}0.1235&0.5\\end{bmatrix}\\begin{bmatrix}0\\\\2\\end{bmatrix}\\\\",
            "&=&\\begin{bmatrix}1\\end{bmatrix}\\\\",
        ]
    );
    assert_eq!(
        chain(&out, "a_1^{(1)}&=&")[1..],
        ["&\\approx&0.1235\\cdot0+0.5\\cdot2\\\\", "&=&1\\\\"]
    );
    // Numbers all shown exactly: `=` throughout (the article's first layer).
    let out = latex(
        "input x = [1, 2, 3]\ntarget t = [0, 1]\nlayer sigmoid W = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]\nlayer identity W = [[1, 2], [3, 4]]\nloss sum_squared\n",
        &[],
    );
    assert_eq!(
        chain(&out, "\\mathbf{a}^{(1)}&=&")[1..],
        [
            "&=&\\begin{bmatrix}0.1&0.1&0.1\\\\0.2&0.2&0.2\\end{bmatrix}\\begin{bmatrix}1\\\\2\\\\3\\end{bmatrix}\\\\",
            "&=&\\begin{bmatrix}0.6\\\\1.2\\end{bmatrix}\\\\",
        ]
    );
}
