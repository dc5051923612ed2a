//! Formulas that cannot hurt, and numbers named honestly, on the real binary.
//!
//! The families of hostile formulas (deep brackets, long chains of operators, towers, nested
//! functions, long products) at and just past the limits: each must end with exit 0 or a
//! located exit-1 error, never a crash, and quickly. The wall-clock bound is generous on
//! purpose (measured figures are in docs/errors.md, not here).

use std::time::Duration;

use crate::measure::run_measured;
use crate::support::{json, run_with};

/// A file whose custom activation is `formula`; `used` says whether a layer uses it.
fn with_activation(formula: &str, used: bool) -> String {
    let act = if used { "f" } else { "sigmoid" };
    format!(
        "activation f(a) = {formula}\ninput x = [0.5]\nlayer {act} W = [[0.5]]\n\
         target t = [0.2]\nloss sum_squared\nsgd lr = 0.1\n"
    )
}

fn with_loss(formula: &str) -> String {
    format!(
        "input x = [0.5]\nlayer sigmoid W = [[0.5]]\ntarget t = [0.2]\nloss (y, t) = {formula}\n"
    )
}

fn nested(open: &str, n: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(n), ")".repeat(n))
}

fn chain(item: &str, op: &str, n: usize) -> String {
    vec![item; n].join(op)
}

/// Runs `derive` (and `check`) on `text` from standard input; the exit code and stderr.
fn derive_stdin(command: &str, text: &str) -> (Option<i32>, String) {
    let run = run_measured(&[command, "-"], text.as_bytes().to_vec());
    assert!(
        !run.hung && run.cpu < Duration::from_secs(5),
        "{command} took {:?} of CPU ({:?} wall) on:\n{}",
        run.cpu,
        run.wall,
        &text[..text.len().min(300)]
    );
    (run.code, run.stderr)
}

/// `(text, expected)`: exit 0, or exit 1 with a located message starting with `expected`.
fn families() -> Vec<(String, Option<&'static str>)> {
    const NESTING: &str = "too deeply nested: more than 64 levels of parentheses";
    const TERMS: &str = "the formula is too long: more than 256 terms";
    const DEPTH: &str = "the formula is too deeply nested: more than 64 levels of operations";
    const ACT_DERIVATIVE: &str = "the derivative of activation f is too large to write out";
    const LOSS_DERIVATIVE: &str = "the derivative of the loss is too large to write out";
    let act = |formula: String| with_activation(&formula, true);
    let unused = |formula: String| with_activation(&formula, false);
    vec![
        // Brackets: at the limit, beyond it, and far beyond (pest's own recursion).
        (act(nested("(", 64, "a")), None),
        (act(nested("(", 65, "a")), Some(NESTING)),
        (act(nested("(", 8000, "a")), Some(NESTING)),
        (unused(nested("exp(", 10_000, "a")), Some(NESTING)),
        (with_loss(&nested("[", 100, "y")), Some(NESTING)),
        // Prefix minus: the Pratt parser's recursion.
        (act(format!("{}a", "-".repeat(63))), None),
        (act(format!("{}a", "-".repeat(64))), Some(DEPTH)),
        (act(format!("{}a", "-".repeat(10_000))), Some(TERMS)),
        // Long sums and products make trees as deep as they are long.
        (act(chain("a", "+", 64)), None),
        (act(chain("a", "+", 65)), Some(DEPTH)),
        (act(chain("a", "+", 10_000)), Some(TERMS)),
        (act(chain("a", "*", 43)), None),
        (act(chain("a", "*", 44)), Some(ACT_DERIVATIVE)),
        (act(chain("a", "*", 3000)), Some(TERMS)),
        (act(chain("sin(a)", "*", 34)), None),
        // Towers of powers: the derivative grows with the square of the height.
        (act(chain("a", "^", 29)), None),
        (act(chain("a", "^", 30)), Some(ACT_DERIVATIVE)),
        (unused(chain("a", "^", 300)), Some(TERMS)),
        (with_loss(&chain("y", "^", 29)), None),
        (with_loss(&chain("y", "^", 30)), Some(LOSS_DERIVATIVE)),
        // Nested functions: the chain rule writes every level again.
        (act(nested("sin(", 60, "a")), None),
        (act(nested("sin(", 61, "a")), Some(ACT_DERIVATIVE)),
        (unused(nested("sin(", 1000, "a")), Some(NESTING)),
        (act(nested("sigmoid(", 40, "a")), None),
        (with_loss(&nested("sin(", 60, "y")), None),
        (with_loss(&nested("sin(", 61, "y")), Some(LOSS_DERIVATIVE)),
        (with_loss(&nested("y/(", 29, "y")), None),
        (with_loss(&nested("y/(", 30, "y")), Some(LOSS_DERIVATIVE)),
    ]
}

#[test]
fn hostile_formulas_end_quickly_with_exit_0_or_a_located_error() {
    for (text, expected) in families() {
        let shown = &text[..text.len().min(120)];
        let (code, stderr) = derive_stdin("derive", &text);
        match expected {
            None => assert_eq!(code, Some(0), "{shown}\n{stderr}"),
            Some(message) => {
                assert_eq!(code, Some(1), "{shown}\n{stderr}");
                assert!(
                    stderr.starts_with(&format!("error: {message}")),
                    "{shown}\n{stderr}"
                );
                assert!(stderr.contains("--> <stdin>:"), "{stderr}");
            }
        }
    }
}

#[test]
fn formulas_at_the_limits_pass_the_finite_difference_check() {
    for (text, expected) in families() {
        if expected.is_none() {
            // The derivatives at the limits are right, too.
            let (code, stderr) = derive_stdin("check", &text);
            assert_eq!(code, Some(0), "{}\n{stderr}", &text[..text.len().min(120)]);
        }
    }
}

fn numbers(text: &str) -> (Option<i32>, String) {
    derive_stdin("derive", text)
}

fn network(input: &str, tail: &str) -> String {
    format!("input x = [{input}]\nlayer identity W = [[1]]\n{tail}")
}

const SQUARED: &str = "target t = [0]\nloss sum_squared\n";

#[test]
fn softmax_of_far_apart_values_is_computed_stably() {
    let text = "input x = [1]\nlayer softmax W = [[1000], [-1000]]\ntarget t = [1, 0]\n\
                loss cross_entropy\nsgd lr = 0.1\n";
    let path = std::env::temp_dir().join(format!("formulas-softmax-{}.nn", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let out = json(path.to_str().unwrap(), &[]);
    std::fs::remove_file(&path).unwrap();
    let layer = &out["steps"][0]["layers"][0];
    assert_eq!(layer["z"][0], serde_json::json!([1.0, 0.0]), "{layer}");
    assert_eq!(out["steps"][0]["loss"], serde_json::json!(0.0));
    assert_eq!(derive_stdin("check", text).0, Some(0));
}

#[test]
fn numeric_edge_cases_get_the_right_message() {
    let cases = [
        (
            network(
                "1",
                "target t = [0]\nloss (y, t) = log(sigmoid(-1000 * y))\n",
            ),
            "error: E in step 1: log of a number too close to 0 for a float (it rounded to 0)",
        ),
        (
            "input x = [1]\nlayer sigmoid W = [[800]]\ntarget t = [0]\nloss binary_cross_entropy\n"
                .to_string(),
            "error: E in step 1: log of a number too close to 0 for a float (it rounded to 0)",
        ),
        (
            network("0", "target t = [0]\nloss (y, t) = y^(-1)\n"),
            "error: E in step 1: division by zero (0 to a negative power)",
        ),
        (
            network("1e38", SQUARED),
            "error: the number 1e38 is too large (numbers must be below 1e38)",
        ),
        (
            network("1", &format!("{SQUARED}sgd lr = 0.1, steps = 4294967296\n")),
            "error: 4294967296 steps are asked for; the limit is 100 (raise it with --max-steps)",
        ),
    ];
    for (text, expected) in cases {
        let (code, stderr) = numbers(&text);
        assert_eq!(code, Some(1), "{text}");
        assert!(stderr.starts_with(expected), "{text}\n{stderr}");
    }
    // Zero with a huge exponent is zero; 38 nines are below 1e38.
    let nines = "9".repeat(38);
    for input in ["0e99999999999999999999", nines.as_str()] {
        let (code, stderr) = numbers(&network(input, SQUARED));
        assert_eq!(code, Some(0), "{input}: {stderr}");
    }
}

#[test]
fn large_exact_numbers_print_compactly() {
    let text = network("1e37", SQUARED);
    for digits in ["4", "2"] {
        let output = run_with(&["derive", "-", "--digits", digits], text.as_bytes());
        let latex = String::from_utf8(output.stdout).unwrap();
        assert!(latex.contains("1\\times10^{37}"), "{latex}");
        assert!(!latex.contains("1.000000"), "{latex}");
    }
    let output = run_with(
        &["derive", "-", "--digits", "2"],
        network("1.234e37", SQUARED).as_bytes(),
    );
    let latex = String::from_utf8(output.stdout).unwrap();
    assert!(latex.contains("1.2\\times10^{37}"), "{latex}");
}

#[test]
fn check_near_a_domain_edge_shrinks_its_step_or_says_so() {
    let near = "input x = [1]\nlayer identity W = [[0.2000001]]\ntarget t = [0.2]\n\
                loss (y, t) = sqrt(y - t)\n";
    let (code, stderr) = derive_stdin("check", near);
    assert_eq!(code, Some(0), "{stderr}");
    let at = "input x = [1]\nlayer identity W = [[0.2]]\ntarget t = [0.2]\n\
              loss (y, t) = (y - t)^1.5\n";
    assert_eq!(derive_stdin("derive", at).0, Some(0));
    let (code, stderr) = derive_stdin("check", at);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with(
            "error: the finite-difference probe left the domain of a fractional power at dE/dw_11^(1) in step 1"
        ),
        "{stderr}"
    );
}
