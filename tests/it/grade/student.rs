//! A student's answer sheet, built by the independent plain-loop reference of
//! `numbers::reference` with a planted error: one δ that is wrong and every later number computed from it, as a student who
//! carries their mistake would, or one slip in a single gradient that nothing else uses.

use crate::numbers::reference::{self, Net};

/// The error planted in a sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plant {
    None,
    /// δ of the first output unit of the first sample in step 1 is this, and every later
    /// number follows from it.
    OutputDelta(f64),
    /// dE/dw_11^(1) in step 1 is this; nothing is computed from it.
    Slip(f64),
}

/// One answer: the name as the sheet writes it, and the value.
#[derive(Clone, Debug)]
pub struct Line {
    pub name: String,
    pub value: f64,
}

/// `v` to four significant digits, as a student writes it: a tie half up, away from zero
/// (the decimals of a `.nn` file make exact ties, which a float lands either side of; moving
/// it by 10⁻¹² of itself puts it past the tie and leaves every other value's digits alone).
/// A float's residue of an exact 0 (δ·0 sums to 7e-18) is written 0, as the student has it.
pub fn written(v: f64) -> String {
    if v.abs() < 1e-12 {
        return "0.000e0".into();
    }
    let nudged = v * (1.0 + 1e-12);
    format!("{nudged:.3e}")
}

/// The value a sheet holds for `v`: its four digits.
pub fn round4(v: f64) -> f64 {
    written(v).parse().unwrap()
}

/// Every answer of every step of `net`, with `plant`; and the name of the planted answer.
pub fn sheet(net: &Net, plant: Plant) -> (Vec<Line>, Option<String>) {
    let depth = net.w.len();
    let samples = net.x.len();
    let mut lines = Vec::new();
    let mut planted_name = None;
    let mut net = net.clone();
    for step in 1..=net.steps {
        let at = |n: usize| {
            let mut s = String::new();
            if samples > 1 {
                s.push_str(&format!(" [n={}]", n + 1));
            }
            if step > 1 {
                s.push_str(&format!(" [step {step}]"));
            }
            s
        };
        let of_step = if step > 1 {
            format!(" [step {step}]")
        } else {
            String::new()
        };
        let mut push = |name: String, value: f64| lines.push(Line { name, value });
        let (a, z, loss) = reference::forward(&net);
        let backward = |planted| reference::backward_planted(&net, &|_, _, _| 1.0, planted);
        for n in 0..samples {
            for l in 0..depth {
                for i in 0..net.w[l].len() {
                    push(format!("a_{}^({})", i + 1, l + 1) + &at(n), a[n][l][i]);
                    let out = if l + 1 == depth {
                        format!("y_{}", i + 1)
                    } else {
                        format!("z_{}^({})", i + 1, l + 1)
                    };
                    push(out + &at(n), z[n][l][i]);
                }
            }
        }
        push(format!("E{of_step}"), loss);
        let planted = match plant {
            Plant::OutputDelta(v) if step == 1 => {
                planted_name = Some(format!("delta_1^({depth})") + &at(0));
                Some(v)
            }
            _ => None,
        };
        let mut pass = backward(planted);
        if let (Plant::Slip(v), 1) = (plant, step) {
            planted_name = Some("dE/dw_11^(1)".to_string());
            pass.grad_w[0][0][0] = v;
        }
        for n in 0..samples {
            for l in 0..depth {
                for i in 0..net.w[l].len() {
                    push(
                        format!("delta_{}^({})", i + 1, l + 1) + &at(n),
                        pass.delta[n][l][i],
                    );
                }
            }
        }
        for l in 0..depth {
            for i in 0..net.w[l].len() {
                for j in 0..net.w[l][i].len() {
                    let g = pass.grad_w[l][i][j];
                    push(format!("dE/dw_{}{}^({}){of_step}", i + 1, j + 1, l + 1), g);
                }
                if net.b[l].is_some() {
                    let g = pass.grad_b[l][i];
                    push(format!("dE/db_{}^({}){of_step}", i + 1, l + 1), g);
                }
            }
        }
        if let Plant::Slip(_) = plant {
            // A slip is the student's alone: the update is computed from the right gradient.
            pass.grad_w[0][0][0] = backward(None).grad_w[0][0][0];
        }
        let mut next = net.clone();
        for l in 0..depth {
            for i in 0..net.w[l].len() {
                for j in 0..net.w[l][i].len() {
                    next.w[l][i][j] -= net.lr * pass.grad_w[l][i][j];
                    push(
                        format!("w_{}{}^({}) after{of_step}", i + 1, j + 1, l + 1),
                        next.w[l][i][j],
                    );
                }
                if let Some(b) = &mut next.b[l] {
                    b[i] -= net.lr * pass.grad_b[l][i];
                    push(format!("b_{}^({}) after{of_step}", i + 1, l + 1), b[i]);
                }
            }
        }
        net = next;
    }
    (lines, planted_name)
}
