//! Issue 12's readability items on the real binary: every row reads as a teacher writes it.
//!
//! Each test derives a small network that showed the item, asserts the row as it is printed
//! now, that the old form is gone, and where a numbers row changed, that its printed numbers
//! still give its printed value.

use crate::support::{derive, run_with, stdout};

/// `derive -` of `text`, with `extra` arguments.
fn derive_text(text: &str, extra: &[&str]) -> String {
    let mut args = vec!["derive", "-"];
    args.extend_from_slice(extra);
    stdout(&run_with(&args, text.as_bytes()))
}

/// The line of `latex` that starts with `start`.
fn line<'a>(latex: &'a str, start: &str) -> &'a str {
    latex
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start} in\n{latex}"))
}

fn assert_contains(latex: &str, text: &str) {
    assert!(latex.contains(text), "{text} is missing from\n{latex}");
}

fn assert_gone(latex: &str, text: &str) {
    assert!(!latex.contains(text), "{text} is still in\n{latex}");
}

/// The printed result agrees with what its row's printed numbers give (`value`, worked out
/// here), to the 4 significant digits those numbers carry.
fn assert_gives(printed: &str, value: f64) {
    let shown: f64 = printed.parse().expect("a plain number");
    assert!(
        (shown - value).abs() <= 1e-3 * value.abs(),
        "{printed} is not what the row's numbers give, {value}"
    );
}

const SQRT: &str = "activation f(x) = sqrt(1 + x^2)\ninput x = [0.5]\ntarget t = [0.2]\n\
                    layer f W = [[0.5]]\nlayer identity W = [[0.3]]\nloss sum_squared\n";

#[test]
fn common_numeric_factors_are_cancelled() {
    let latex = derive_text(SQRT, &[]);
    assert_contains(&latex, "h'(a)&=&\\frac{a}{\\sqrt{1+a^2}}\\\\");
    let row = line(&latex, "h'(a_1^{(1)})&=&");
    assert_eq!(
        row,
        "h'(a_1^{(1)})&=&\\frac{a_1^{(1)}}{\\sqrt{1+(a_1^{(1)})^2}} = \
         \\frac{0.25}{\\sqrt{1+0.25^2}} \\approx 0.2425"
    );
    assert_gives("0.2425", 0.25 / (1.0f64 + 0.25 * 0.25).sqrt());
    assert_gone(&latex, "\\frac{2a}{2\\sqrt");
    assert_gone(&latex, "\\frac{2\\cdot0.25}");
    // The same in a custom loss: (y − t)²/6 has the derivative (y − t)/3, not 2(y − t)/6.
    let loss = "input x = [0.5]\ntarget t = [0.2]\nlayer sigmoid W = [[0.5]]\n\
                loss (y, t) = (y - t)^2 / 6\n";
    let latex = derive_text(loss, &[]);
    assert_contains(&latex, "&=&o'(a_i^{(1)})\\frac{y_i-t_i}{3}\\\\");
    assert_gone(&latex, "(y_i-t_i)}{6}");
}

const LOG_COSH: &str = "activation logcosh(a) = log((exp(a) + exp(-a)) / 2)\ninput x = [0.5]\n\
                        target t = [0.2]\nlayer logcosh W = [[0.5]]\nlayer identity W = [[0.3]]\n\
                        loss (y, t) = log((exp(y - t) + exp(-(y - t))) / 2)\n";

#[test]
fn nested_fractions_are_collapsed() {
    let latex = derive_text(LOG_COSH, &[]);
    assert_contains(
        &latex,
        "h'(a)&=&\\frac{\\exp(a)-\\exp(-a)}{\\exp(a)+\\exp(-a)}\\\\",
    );
    assert_contains(
        &latex,
        "\\delta_1^{(2)}&=&\\frac{\\exp(y_1-t_1)-\\exp(-(y_1-t_1))}{\\exp(y_1-t_1)+\\exp(-(y_1-t_1))}",
    );
    // The statements keep the formula as written, one fraction inside the log.
    assert_contains(
        &latex,
        "E&=&\\sum_{k}\\log\\left(\\frac{\\exp(y_k-t_k)+\\exp(-(y_k-t_k))}{2}\\right)",
    );
    assert_gone(&latex, "\\frac{\\frac");
    assert_gone(&latex, "{2}}{\\frac");
    // The numbers row, and its value: (e^0.25 − e^−0.25)/(e^0.25 + e^−0.25) = tanh(0.25).
    assert_contains(
        &latex,
        "&=&\\frac{\\exp(0.25)-\\exp(-0.25)}{\\exp(0.25)+\\exp(-0.25)}\\\\\n&\\approx&0.2449\n",
    );
    assert_gives("0.2449", 0.25f64.tanh());
}

/// mean_squared over `outputs` identity outputs, one sample.
fn mean_squared(outputs: usize, activation: &str) -> String {
    let weights = vec!["[0.5, -0.25]"; outputs].join(", ");
    let targets = (0..outputs)
        .map(|k| format!("{}", k as f64 * 0.5 - 0.5))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "input x = [1, 0.5]\ntarget t = [{targets}]\nlayer {activation} W = [{weights}]\n\
         loss mean_squared\n"
    )
}

#[test]
fn mean_squared_has_one_coefficient_form() {
    // 2/K in lowest terms: a whole number glued to its parenthesis, or a fraction.
    for (outputs, delta) in [
        (1, "\\delta_1^{(1)}&=&2(y_1-t_1)"),
        (2, "\\delta_1^{(1)}&=&y_1-t_1"),
        (3, "\\delta_1^{(1)}&=&\\frac{2}{3}(y_1-t_1)"),
        (4, "\\delta_1^{(1)}&=&\\frac{1}{2}(y_1-t_1)"),
        (5, "\\delta_1^{(1)}&=&\\frac{2}{5}(y_1-t_1)"),
        (6, "\\delta_1^{(1)}&=&\\frac{1}{3}(y_1-t_1)"),
    ] {
        let latex = derive_text(&mean_squared(outputs, "identity"), &[]);
        assert_contains(&latex, delta);
        for old in [
            "2\\cdot(",
            "0.4\\cdot(",
            "0.5\\cdot(y",
            "\\frac{2}{6}",
            "\\frac{2}{4}",
        ] {
            assert_gone(&latex, old);
        }
    }
    // Beside the activation's derivative the coefficient still comes first.
    for (outputs, coefficient) in [(1, "2"), (3, "\\frac{2}{3}"), (5, "\\frac{2}{5}")] {
        let latex = derive_text(&mean_squared(outputs, "sigmoid"), &[]);
        assert_contains(
            &latex,
            &format!("&=&{coefficient}o'(a_i^{{(1)}})(y_i-t_i)\\\\"),
        );
        assert_gone(&latex, "0.4o'");
        assert_gone(&latex, "o'(a_i^{(1)})\\frac{2}{3}");
    }
    // Three outputs and two samples, as the issue found it.
    let two_samples = "input x = [[0.5, 1], [1, 0.2]]\ntarget t = [[0, 1, 0.5], [1, 0, 0.5]]\n\
                       layer sigmoid W = [[0.5, 0.1], [0.2, 0.3], [0.1, 0.1]]\n\
                       loss mean_squared\nsgd lr = 0.1\n";
    let latex = derive_text(two_samples, &[]);
    let row = line(&latex, "\\delta_{1,1}^{(1)}&=&");
    assert_eq!(
        row,
        "\\delta_{1,1}^{(1)}&=&\\frac{2}{3}o'(a_{1,1}^{(1)})(y_{1,1}-t_{1,1}) \\approx \
         \\frac{2}{3}\\cdot0.2425\\cdot(0.5866-0) \\approx 0.09484\\\\"
    );
    assert_gives("0.09484", 2.0 / 3.0 * 0.2425 * 0.5866);
}

#[test]
fn no_decimal_is_glued_to_a_symbol() {
    let leaky = "input x = [0.5]\ntarget t = [0.2]\nlayer leaky_relu W = [[-0.5]]\n\
                 loss sum_squared\n";
    let latex = derive_text(leaky, &[]);
    assert_contains(
        &latex,
        "o(a)&=&\\begin{cases}a&(a>0)\\\\0.01\\cdot a&(a\\le0)\\end{cases}",
    );
    assert_gone(&latex, "0.01a");
    // Whole numbers stay glued, as in 2a: the sigmoid's mean_squared over one output.
    let latex = derive_text(&mean_squared(1, "sigmoid"), &[]);
    assert_contains(&latex, "2o'(a_i^{(1)})");
    // Nowhere in the examples does a decimal run into a letter or a function.
    for example in ["article", "custom", "deep", "exam", "softmax"] {
        let latex = derive(&format!("examples/{example}.nn"), &["--form", "both"]);
        let bytes = latex.as_bytes();
        for (at, _) in latex.match_indices('.') {
            let digits_before = at > 0 && bytes[at - 1].is_ascii_digit();
            let end = latex[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(latex.len(), |n| at + 1 + n);
            if !digits_before || end == at + 1 {
                continue;
            }
            let after = &latex[end..];
            let glued = after.starts_with(|c: char| c.is_ascii_alphabetic())
                || ["\\exp", "\\log", "\\sigma", "\\frac", "\\sqrt", "\\tanh"]
                    .iter()
                    .any(|f| after.starts_with(f));
            assert!(
                !glued,
                "{example}: a decimal is glued at {}",
                &latex[at.saturating_sub(10)..(end + 10).min(latex.len())]
            );
        }
    }
}

#[test]
fn number_rows_have_no_double_negatives() {
    let latex = derive("examples/deep.nn", &[]);
    let row = line(&latex, "z_2^{(1)}&=&");
    assert_eq!(
        row,
        "z_2^{(1)}&=&h^{(1)}(a_2^{(1)}) = \\frac{1}{1+\\exp(0.25)} \\approx 0.4378\\\\"
    );
    assert_gives("0.4378", 1.0 / (1.0 + 0.25f64.exp()));
    assert_contains(&latex, "\\frac{1}{1+\\exp(0.95)} \\approx 0.2789");
    let custom = derive("examples/custom.nn", &[]);
    assert_contains(&custom, "\\frac{-1}{1+\\exp(1)} \\approx -0.2689");
    assert_contains(
        &custom,
        "&=&\\frac{1+\\exp(1)+(-1)\\cdot\\exp(1)}{(1+\\exp(1))^2}\\\\",
    );
    // A negative target subtracted is added: y − t with t = −0.39.
    let negative_target = "input x = [1]\ntarget t = [-0.39]\nlayer identity W = [[-0.2671]]\n\
                           loss mean_squared\n";
    let latex = derive_text(negative_target, &[]);
    assert_contains(
        &latex,
        "\\delta_1^{(1)}&=&2(y_1-t_1) = 2(-0.2671+0.39) = 0.2458",
    );
    for text in [
        latex,
        custom,
        derive("examples/deep.nn", &["--carry", "rounded"]),
    ] {
        assert_gone(&text, "-(-");
    }
}

#[test]
fn a_negated_zero_is_written_zero() {
    // A sigmoid at a = 0 exactly: exp(−a) is exp(0), never exp(−0).
    let network = "input x = [0, 0]\ntarget t = [0]\nlayer sigmoid W = [[0.5, -0.2]]\n\
                   layer identity W = [[1]]\nloss sum_squared\n";
    let latex = derive_text(network, &[]);
    assert_eq!(
        line(&latex, "z_1&=&"),
        "z_1&=&h(a_1^{(1)}) = \\frac{1}{1+\\exp(0)} = 0.5\\\\"
    );
    assert_gone(&latex, "(-0)");
}

#[test]
fn zero_over_a_number_is_not_written_out() {
    // Cross-entropy with sigmoid outputs and t_1 = 0: −o'(a)·t/y with t = 0.
    let network = "input x = [1, 0.5]\ntarget t = [0, 1]\n\
                   layer sigmoid W = [[0.5, -0.2], [0.3, 0.8]]\n\
                   layer sigmoid W = [[0.5, -1], [0.3, 0.8]]\nloss cross_entropy\nsgd lr = 0.5\n";
    let latex = derive_text(network, &[]);
    let row = line(&latex, "\\delta_1^{(2)}&=&");
    assert!(
        row.starts_with("\\delta_1^{(2)}&=&-o'(a_1^{(2)})\\frac{t_1}{y_1} ")
            && row.contains("-0.2417\\cdot0 ")
            && row.ends_with(" 0\\\\"),
        "{row}"
    );
    assert_gone(&latex, "\\frac{0}{");
    // A nonzero target still shows its fraction.
    assert_contains(&latex, "-0.2206\\cdot\\frac{1}{0.6713}");
}

#[test]
fn a_lone_positive_result_has_no_parentheses() {
    let latex = derive("examples/softmax.nn", &[]);
    assert_contains(
        &latex,
        "\\delta_{1,3}^{(2)}+\\delta_{2,3}^{(2)} \\approx -0.05135+0.05144 \\approx 9.606\\times10^{-5}",
    );
    for relation in ["\\approx (", "&\\approx&(", "= (", "&=&("] {
        for text in latex.lines().filter(|l| l.contains(relation)) {
            let after = &text[text.find(relation).unwrap_or(0) + relation.len()..];
            assert!(!after.starts_with(|c: char| c.is_ascii_digit()), "{text}");
        }
    }
    // Inside an operation it is still grouped; the exact result 1e−7 − 0.1·(−2e−7) stands bare.
    let small = "input x = [1]\ntarget t = [0.0000003]\nlayer identity W = [[0.0000001]]\n\
                 loss sum_squared\nsgd lr = 0.1\n";
    let latex = derive_text(small, &[]);
    assert_contains(
        &latex,
        "&=&(1\\times10^{-7})-0.1\\cdot(-2\\times10^{-7})\\\\\n&=&1.2\\times10^{-7}\n",
    );
    assert_gone(&latex, "(1.2\\times10^{-7})");
}

#[test]
fn custom_loss_statements_have_no_redundant_parentheses() {
    let loss = |formula: &str| {
        derive_text(
            &format!(
                "input x = [0.5]\ntarget t = [0.2]\nlayer sigmoid W = [[0.5]]\nloss (y, t) = {formula}\n"
            ),
            &[],
        )
    };
    let latex = loss("-t*log(y) - (1-t)*log(1-y)");
    assert_contains(
        &latex,
        "E&=&\\sum_{k}(-t_k\\log(y_k)-(1-t_k)\\cdot\\log(1-y_k))",
    );
    assert_contains(&latex, "E&=&-t_1\\log(y_1)-(1-t_1)\\cdot\\log(1-y_1)\\\\");
    assert_contains(
        &latex,
        "&\\approx&-0.2\\cdot\\log(0.5622)-(1-0.2)\\cdot\\log(1-0.5622)\\\\",
    );
    assert_gone(&latex, "(-t_k)");
    assert_gone(&latex, "(-0.2)");
    let latex = loss("(y - t)^2 + (y - t)");
    assert_contains(&latex, "E&=&\\sum_{k}((y_k-t_k)^2+y_k-t_k)");
    assert_contains(&latex, "&\\approx&(0.5622-0.2)^2+0.5622-0.2\\\\");
    assert_gone(&latex, "+(y_k-t_k))");
    // Parentheses that carry meaning stay.
    let latex = loss("(y - t)^2 - (y - t)");
    assert_contains(&latex, "E&=&\\sum_{k}((y_k-t_k)^2-(y_k-t_k))");
}
