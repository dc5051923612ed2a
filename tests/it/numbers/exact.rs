//! Issue 12's exact side on the real binary: each item's example, the row as it is printed.

use crate::support::{run_with, stdout};

/// `derive -` of `text` with `args`: the LaTeX, without the drawing.
fn latex(text: &str, args: &[&str]) -> String {
    let mut all = vec!["derive", "-", "--no-diagram"];
    all.extend_from_slice(args);
    stdout(&run_with(&all, text.as_bytes()))
}

/// The lines of `out` that start with `start`, and the ones after each up to the chain's end.
fn chain<'a>(out: &'a str, start: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no row {start} in\n{out}"));
    let mut rows = vec![lines[at]];
    for line in &lines[at + 1..] {
        if !line.starts_with("&") {
            break;
        }
        rows.push(line);
    }
    rows
}

const ROUNDED_INPUTS: &str = "input x = [1.23456]
target t = [0]
layer identity W = [[3]]
layer identity W = [[0.12345]]
loss sum_squared
sgd lr = 0.1
";

#[test]
fn given_numbers_with_more_digits_are_stated_whole_and_computed_with_approx() {
    let out = latex(ROUNDED_INPUTS, &[]);
    // Where the problem states them: every digit, exactly.
    assert!(out.contains(
        "W^{(2)}=\\begin{bmatrix}w_{11}^{(2)}\\end{bmatrix}=\\begin{bmatrix}0.12345\\end{bmatrix}"
    ));
    assert!(out.contains("$\\mathbf{x}=(x_1)=(1.23456)$"));
    // Where a row computes with them: rounded, so `\approx`.
    assert_eq!(
        chain(&out, "a_1^{(1)}&=&"),
        [
            "a_1^{(1)}&=&w_{11}^{(1)}x_1\\\\*",
            "&\\approx&3\\cdot1.235\\\\",
            "&\\approx&3.704\\\\"
        ]
    );
    assert!(out.contains("&\\approx&0.1235\\cdot3.704\\\\"), "{out}");
}

#[test]
fn rounded_carrying_computes_from_the_given_numbers_as_shown() {
    let out = latex(ROUNDED_INPUTS, &["--carry", "rounded"]);
    // 3·1.235 = 3.705 (the unrounded input gives 3.704).
    assert_eq!(
        chain(&out, "a_1^{(1)}&=&"),
        [
            "a_1^{(1)}&=&w_{11}^{(1)}x_1\\\\*",
            "&\\approx&3\\cdot1.235\\\\",
            "&\\approx&3.705\\\\"
        ]
    );
    // 0.1235·3.705 = 0.4575675: the carried decimals, exactly.
    assert!(
        out.contains("&\\approx&0.1235\\cdot3.705\\\\\n&\\approx&0.4576\\\\"),
        "{out}"
    );
    assert!(out.contains("$\\mathbf{x}=(x_1)=(1.23456)$"));
}

#[test]
fn an_exact_zero_over_a_rounded_number_is_exactly_zero() {
    // Cross-entropy with a sigmoid output and t = 0: −o'·t/y = 0, and the weight stays 0.5.
    let out = latex(
        "input x = [0.5]
target t = [0, 1]
layer sigmoid W = [[1]]
layer sigmoid W = [[0.5], [0.5]]
loss cross_entropy
sgd lr = 1
",
        &[],
    );
    let delta = chain(&out, "\\delta_1^{(2)}&=&");
    assert!(delta[0].ends_with(" = 0\\\\"), "{delta:?}");
    assert!(
        out.contains("\\frac{\\partial E}{\\partial w_{11}^{(2)}} = 0.5-1\\cdot0 = 0.5\\\\"),
        "{out}"
    );
    assert!(out.contains("\\frac{\\partial E}{\\partial w_{11}^{(2)}}&=&\\delta_1^{(2)}z_1 \\approx 0\\cdot0.6225 = 0\\\\"), "{out}");
}

#[test]
fn two_thirds_of_a_decimal_is_exact() {
    let out = latex(
        "input x = [1]
target t = [0, 0, 0]
layer identity W = [[-0.78], [0.5], [1]]
loss mean_squared
sgd lr = 0.1
",
        &[],
    );
    // 2/3 · (−0.78) = −0.52 exactly; 2/3 · 0.5 = 1/3 is not a finite decimal.
    let delta = chain(&out, "\\delta_1^{(1)}&=&");
    assert!(delta[0].ends_with(" = -0.52\\\\"), "{delta:?}");
    assert!(!delta[0].contains("\\approx"), "{delta:?}");
    let delta = chain(&out, "\\delta_2^{(1)}&=&");
    assert!(delta[0].ends_with(" \\approx 0.3333\\\\"), "{delta:?}");
    assert!(
        out.contains(" = -0.78-0.1\\cdot(-0.52) = -0.728\\\\"),
        "{out}"
    );
}

#[test]
fn the_summary_decides_each_matrix_on_its_own() {
    // x = 0: ∂E/∂W = δ·0 = 0 exactly, while ∂E/∂b = δ is rounded.
    let out = latex(
        "input x = [0]
target t = [0]
layer sigmoid W = [[1]] b = [0.5]
loss sum_squared
sgd lr = 0.1
",
        &[],
    );
    let summary = &out[out.find("Summary").expect("a summary")..];
    assert!(
        summary.contains("\\frac{\\partial E}{\\partial W^{(1)}}=\\begin{bmatrix}0\\end{bmatrix}"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "\\eta\\frac{\\partial E}{\\partial W^{(1)}}=\\begin{bmatrix}1\\end{bmatrix}"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("\\frac{\\partial E}{\\partial b^{(1)}}\\approx\\begin{bmatrix}"),
        "{summary}"
    );
    assert!(
        summary.contains("\\eta\\frac{\\partial E}{\\partial b^{(1)}}\\approx\\begin{bmatrix}"),
        "{summary}"
    );
}

/// A network whose first pre-activation is `x` itself, exactly.
fn identity_of(x: &str) -> String {
    format!("input x = [{x}]\ntarget t = [0]\nlayer identity W = [[1]]\nloss sum_squared\n")
}

#[test]
fn exact_ties_round_half_up_unless_asked_half_even() {
    for (x, up, even) in [
        ("1.2345", "1.235", "1.234"),
        ("0.78125", "0.7813", "0.7812"),
        ("-1.2345", "-1.235", "-1.234"),
        ("1.2355", "1.236", "1.236"),
    ] {
        for (args, expected) in [(&[][..], up), (&["--rounding", "half-even"][..], even)] {
            let out = latex(&identity_of(x), args);
            let row = chain(&out, "a_1^{(1)}&=&");
            assert_eq!(
                row.last().unwrap(),
                &format!("&\\approx&{expected}\\\\"),
                "{x} {args:?}"
            );
        }
    }
    // The JSON says which rounding was used, beside the carry.
    let out = stdout(&run_with(
        &[
            "derive",
            "-",
            "-f",
            "json",
            "--rounding",
            "half-even",
            "--carry",
            "rounded",
        ],
        identity_of("1.2345").as_bytes(),
    ));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rounding"], "half-even");
    assert_eq!(json["carry"], "rounded");
    // Rounded and carried by the same rule: 1.2345 is carried as 1.234.
    assert_eq!(json["steps"][0]["layers"][0]["a"][0][0], 1.234);
}

#[test]
fn carried_ties_round_by_their_exact_decimal() {
    // w = 0.24687 is carried as 0.2469, and 0.2469·0.5 = 0.12345 exactly: half-up, 0.1235.
    let text =
        "input x = [0.5]\ntarget t = [0]\nlayer identity W = [[0.24687]]\nloss sum_squared\n";
    let out = latex(text, &["--carry", "rounded"]);
    assert_eq!(
        chain(&out, "a_1^{(1)}&=&")[1..],
        ["&\\approx&0.2469\\cdot0.5\\\\", "&\\approx&0.1235\\\\"]
    );
    let out = latex(text, &["--carry", "rounded", "--rounding", "half-even"]);
    assert_eq!(chain(&out, "a_1^{(1)}&=&")[2], "&\\approx&0.1234\\\\");
}

#[test]
fn carried_decimals_that_cancel_give_zero_not_float_residue() {
    // z ≈ 0.1000 and 0.2000 as carried; 0.1 + 0.2 − 0.3 is 5.551e-17 in floats.
    let out = latex(
        "input x = [1]
target t = [0]
layer sigmoid W = [[-2.1972], [-1.3863]]
layer identity W = [[1, 1]] b = [-0.3]
loss sum_squared
",
        &["--carry", "rounded"],
    );
    assert_eq!(
        chain(&out, "a_1^{(2)}&=&")[1..],
        [
            "&\\approx&1\\cdot0.1000+1\\cdot0.2000+(-0.3)\\\\",
            "&\\approx&0\\\\"
        ]
    );
    assert!(!out.contains("10^{-17}"), "{out}");
}

const SATURATED_BCE: &str = "input x = [1]
target t = [0]
layer identity W = [[1]]
layer sigmoid W = [[5.7]]
loss binary_cross_entropy
";

#[test]
fn a_shown_number_never_makes_its_row_undefined() {
    // y = 0.99666 is 1.0 at two digits, and log(1 − 1.0) has no value: that y gets a digit
    // more, in every row that shows it; with rounded values carried, it is carried so.
    for carry in ["exact", "rounded"] {
        let out = latex(SATURATED_BCE, &["--digits", "2", "--carry", carry]);
        assert_eq!(
            chain(&out, "E&=&-(t_1")[1],
            "&\\approx&-(0\\cdot\\log(0.997)+(1-0)\\cdot\\log(1-0.997))\\\\"
        );
        for row in [
            "y_1&=&o(a_1^{(2)}) = \\frac{1}{1+\\exp(-5.7)} \\approx 0.997\n",
            "So $\\mathbf{y}\\approx(0.997)$",
            "\\delta_1^{(2)}&=&y_1-t_1 \\approx 0.997-0 \\approx 1.0\n",
        ] {
            assert!(out.contains(row), "{carry}: {row} in\n{out}");
        }
        assert!(!out.contains("1.0)"), "{carry}: {out}");
    }
    // A shown input of a function is widened in that row too: a = 1.4999 is 1.5 at two digits.
    let out = latex(LOG_NEAR_ZERO, &["--digits", "2"]);
    assert!(
        out.contains("z_1&=&h(a_1^{(1)}) = \\log(1.5-1.4999) \\approx -9.2\\\\\n"),
        "{out}"
    );
}

/// W = 1.4999 is 1.5 at two digits: carried so, log(1.5 − a) has no value.
const LOG_NEAR_ZERO: &str = "activation f(a) = log(1.5 - a)
input x = [1]
target t = [0]
layer f W = [[1.4999]]
layer identity W = [[1]]
loss sum_squared
";

#[test]
fn rounded_carrying_that_leaves_the_reals_says_the_rounding_did_it() {
    let output = run_with(
        &["derive", "-", "--digits", "2", "--carry", "rounded"],
        LOG_NEAR_ZERO.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "error: z_1^(1) in step 1: log of a number that is not positive, only because the \
             values are carried rounded to 2 significant digits (--carry rounded): the exact \
             values have one; carry more digits (--digits 5 is enough) or use --carry exact\n \
             --> <stdin>:4:1\n"
        ),
        "{stderr}"
    );
    // Five digits are enough indeed, and a fault of the exact values stays theirs (σ(800)
    // is 1 to far beyond double-double; σ(40) no longer is: 1 − σ(40) ≈ 4.2e-18).
    latex(LOG_NEAR_ZERO, &["--digits", "5", "--carry", "rounded"]);
    let output = run_with(
        &["derive", "-", "--carry", "rounded"],
        b"input x = [1]\ntarget t = [0]\nlayer sigmoid W = [[800]]\nloss binary_cross_entropy\n",
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("only because"), "{stderr}");
}
