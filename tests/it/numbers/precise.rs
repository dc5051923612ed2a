//! Issue 12, item 8 on the real binary: every printed digit of an approximate value is the
//! correctly rounded true value, where float64 got them wrong — a saturated tanh (1 − h² from
//! h = 1 − 2.5e-14), a δ sum that cancels, and δ far below 1e-16 behind saturated sigmoids
//! (float64 printed 0 for every one of them).
//!
//! The true values are mpmath's at 60 digits, from `scripts/precise-reference.py` (plain loops
//! over the same networks, written there and not through this crate); they are pasted below,
//! and `the_pasted_references_are_the_scripts` runs the script again where python3 and mpmath
//! are installed. Each printed number is read back from the LaTeX and compared, digit for
//! digit, with the reference rounded here (half to even, on the decimal string).

use crate::support::{root, run_with, skipped, stdout};

const TANH16: &str = "input x = [1]\ntarget t = [0]\nlayer tanh\n  W = [[16]]\nlayer identity\n  W = [[1]]\nloss sum_squared\n";
const CANCEL: &str = "input x = [1]\ntarget t = [0.6224593312018, 0.6224593312019]\nlayer sigmoid\n  W = [[0.5]]\nlayer identity\n  W = [[1], [1]]\nloss sum_squared\n";
const SATURATED: &str = "input x = [1]\ntarget t = [0]\nlayer sigmoid\n  W = [[74]]\nlayer sigmoid\n  W = [[40]]\nlayer sigmoid\n  W = [[60]]\nlayer identity\n  W = [[1]]\nloss sum_squared\n";

/// (network, layer, unit, δ) from `python3 scripts/precise-reference.py`.
const DELTAS: &[(&str, u32, u32, &str)] = &[
    (
        "tanh16",
        1,
        1,
        "5.065666219637413679505873887641495964774e-14",
    ),
    ("tanh16", 2, 1, "0.9999999999999746716689018119693159363014"),
    (
        "cancel",
        1,
        1,
        "2.145414172985510282970499096151544671359e-15",
    ),
    (
        "cancel",
        2,
        1,
        "5.456463890056574550847875327936530891016e-14",
    ),
    (
        "cancel",
        2,
        2,
        "-4.543536109943425449152124672063469108984e-14",
    ),
    (
        "saturated",
        1,
        1,
        "6.500868640034597422943831744030443820361e-73",
    ),
    (
        "saturated",
        2,
        1,
        "2.232045585612502127761998398901104652873e-42",
    ),
    (
        "saturated",
        3,
        1,
        "8.756510762696522570534318183211576593805e-27",
    ),
    (
        "saturated",
        4,
        1,
        "0.9999999999999999999999999912434892373035",
    ),
];

/// h'(a) = 1 − tanh(16)² = sech²(16), from the same script's `1 - tanh^2` table.
const SECH2_16: &str = "5.065666219637541984377117773795111661173e-14";

fn network(name: &str) -> &'static str {
    match name {
        "tanh16" => TANH16,
        "cancel" => CANCEL,
        _ => SATURATED,
    }
}

/// The significant digits and the exponent of the first: `-0.0123` → ("123", −2).
fn digits_of(text: &str, count: usize) -> (bool, String, i32) {
    let negative = text.starts_with('-');
    let text = text.trim_start_matches('-');
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let exponent: i32 = exponent.parse().unwrap();
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: Vec<u8> = format!("{int}{frac}").bytes().map(|b| b - b'0').collect();
    let lead = all.iter().take_while(|&&d| d == 0).count();
    let mut first = int.len() as i32 - 1 - lead as i32 + exponent;
    let significant = &all[lead..];
    let mut kept: Vec<u8> = significant.iter().take(count).copied().collect();
    kept.resize(count, 0);
    if significant.len() > count {
        let rest = &significant[count..];
        let beyond = rest[1..].iter().any(|&d| d != 0);
        let up = rest[0] > 5 || (rest[0] == 5 && (beyond || kept[count - 1] % 2 == 1));
        if up {
            let mut at = count;
            loop {
                if at == 0 {
                    kept.insert(0, 1);
                    kept.truncate(count);
                    first += 1;
                    break;
                }
                at -= 1;
                if kept[at] == 9 {
                    kept[at] = 0;
                } else {
                    kept[at] += 1;
                    break;
                }
            }
        }
    }
    let digits = kept.iter().map(|d| char::from(b'0' + d)).collect();
    (negative, digits, first)
}

/// A number as the LaTeX prints it (`0.8591`, `(-5.066\times10^{-14})`), as a decimal string.
fn read_printed(text: &str) -> String {
    let text = text
        .trim()
        .trim_end_matches("\\\\*")
        .trim_end_matches("\\\\")
        .trim();
    let text = text
        .trim_start_matches('&')
        .trim_start_matches('(')
        .trim_end_matches(')');
    match text.split_once("\\times10^{") {
        Some((mantissa, exponent)) => format!("{mantissa}e{}", exponent.trim_end_matches('}')),
        None => text.to_string(),
    }
}

/// The value printed at the end of the numbers row (or chain) that starts with `lhs`.
fn printed_value(latex: &str, lhs: &str) -> String {
    find_value(latex, lhs).unwrap_or_else(|| panic!("no numbers row {lhs} in\n{latex}"))
}

fn find_value(latex: &str, lhs: &str) -> Option<String> {
    let row = format!("{lhs}&=&");
    for (start, _) in latex.match_indices(&row) {
        // A chain goes on in lines that begin with `&≈&` or `&=&`, and a long row in
        // continuation lines that begin with `&&`.
        let chain: Vec<&str> = latex[start..]
            .lines()
            .enumerate()
            .take_while(|(n, line)| {
                *n == 0
                    || line.starts_with("&\\approx&")
                    || line.starts_with("&=&")
                    || line.starts_with("&&")
            })
            .map(|(_, line)| line)
            .collect();
        let last = chain[chain.len() - 1];
        if let Some((_, value)) = last.rsplit_once("\\approx") {
            return Some(read_printed(value));
        }
    }
    None
}

fn derive(text: &str, digits: usize) -> String {
    let digits = digits.to_string();
    stdout(&run_with(
        &["derive", "-", "--digits", &digits],
        text.as_bytes(),
    ))
}

#[track_caller]
fn assert_rounds_to(printed: &str, reference: &str, count: usize, what: &str) {
    assert_eq!(
        digits_of(printed, count),
        digits_of(reference, count),
        "{what} at --digits {count}: printed {printed}, true {reference}"
    );
}

#[test]
fn every_delta_is_the_correctly_rounded_true_value() {
    let mut checked = 0;
    for digits in [2, 4, 6, 10, 15] {
        for name in ["tanh16", "cancel", "saturated"] {
            let latex = derive(network(name), digits);
            for &(_, layer, unit, reference) in DELTAS.iter().filter(|d| d.0 == name) {
                let lhs = format!("\\delta_{unit}^{{({layer})}}");
                // With one hidden layer the article's layout writes δ^(1) inside the gradient
                // rows: with x = 1, ∂E/∂w_i1^(1) is δ_i^(1).
                let gradient = format!("\\frac{{\\partial E}}{{\\partial w_{{{unit}1}}^{{(1)}}}}");
                let printed =
                    find_value(&latex, &lhs).unwrap_or_else(|| printed_value(&latex, &gradient));
                assert_rounds_to(&printed, reference, digits, &format!("{name}: {lhs}"));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * DELTAS.len());
}

#[test]
fn a_saturated_tanh_derivative_has_its_digits() {
    // float64 printed 5.063e-14: h = tanh(16) kept 3 digits of 1 − h.
    let latex = derive(TANH16, 4);
    let printed = printed_value(&latex, "h'(a_1^{(1)})");
    assert_eq!(printed, "5.066e-14");
    for digits in [6, 10, 15] {
        let printed = printed_value(&derive(TANH16, digits), "h'(a_1^{(1)})");
        assert_rounds_to(&printed, SECH2_16, digits, "h'(a_1^(1))");
    }
}

#[test]
fn deltas_behind_saturated_sigmoids_are_not_zero() {
    // float64 printed δ^(1), δ^(2) and their gradients as 0: 1 − σ(74) = 7.3e-33.
    let latex = derive(SATURATED, 4);
    assert_eq!(printed_value(&latex, "\\delta_1^{(1)}"), "6.501e-73");
    assert_eq!(printed_value(&latex, "\\delta_1^{(2)}"), "2.232e-42");
    let gradient = printed_value(&latex, "\\frac{\\partial E}{\\partial w_{11}^{(1)}}");
    assert_eq!(gradient, "6.501e-73");
    // And binary cross-entropy at σ(40) has a loss: 1 − y = 4.2e-18 is not 0 (E = 40.00).
    let bce =
        "input x = [1]\nlayer sigmoid W = [[40]]\ntarget t = [0]\nloss binary_cross_entropy\n";
    let latex = derive(bce, 4);
    assert_eq!(printed_value(&latex, "E"), "40.00");
}

#[test]
fn the_pasted_references_are_the_scripts() {
    let script = root().join("scripts/precise-reference.py");
    let Ok(output) = std::process::Command::new("python3").arg(&script).output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is required in CI"
        );
        skipped("no python3");
        return;
    };
    if !output.status.success() {
        let reason = String::from_utf8_lossy(&output.stderr);
        let reason = reason.lines().last().unwrap_or("");
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with mpmath is required in CI: {reason}"
        );
        skipped(&format!("the script needs mpmath ({reason})"));
        return;
    }
    let text = String::from_utf8(output.stdout).unwrap();
    for &(name, layer, unit, value) in DELTAS {
        let line = format!("(\"{name}\", {layer}, {unit}, \"{value}\"),");
        assert!(
            text.contains(&line),
            "{line} not in the script's output:\n{text}"
        );
    }
    assert!(text.contains(&format!("(16.0, \"{SECH2_16}\"),")), "{text}");
}
