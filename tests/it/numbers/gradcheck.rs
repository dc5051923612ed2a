//! `check` on the real binary: it never fails a gradient that an exact reference confirms,
//! and `abs` derivatives that exist are found.
//!
//! The reference is forward-mode dual numbers over a forward pass written here as plain
//! loops: it shares nothing with the library (neither its differentiator nor its finite
//! differences), and its derivatives are exact up to the rounding of f64.

use serde_json::Value as Json;

use crate::support::{run_with, stdout, Rng};

/// A number with its derivative with respect to one parameter.
#[derive(Clone, Copy, Debug)]
struct Dual {
    v: f64,
    d: f64,
}

impl Dual {
    fn constant(v: f64) -> Dual {
        Dual { v, d: 0.0 }
    }
    fn add(self, o: Dual) -> Dual {
        Dual {
            v: self.v + o.v,
            d: self.d + o.d,
        }
    }
    fn sub(self, o: Dual) -> Dual {
        Dual {
            v: self.v - o.v,
            d: self.d - o.d,
        }
    }
    fn mul(self, o: Dual) -> Dual {
        Dual {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
        }
    }
    fn scale(self, c: f64) -> Dual {
        Dual {
            v: self.v * c,
            d: self.d * c,
        }
    }
    fn act(self, act: Act) -> Dual {
        match act {
            Act::Identity => self,
            // The derivatives in forms that keep their digits when saturated: s(1 − s) and
            // 1 − t² are 0 in f64 once s or t rounds to ±1 (at 37 and 19), though derive
            // prints their true values (1 − σ(50) = 1.9e-22).
            Act::Sigmoid => {
                let s = 1.0 / (1.0 + (-self.v).exp());
                let e = (-self.v.abs()).exp();
                Dual {
                    v: s,
                    d: self.d * e / ((1.0 + e) * (1.0 + e)),
                }
            }
            Act::Tanh => {
                let c = self.v.cosh();
                Dual {
                    v: self.v.tanh(),
                    d: self.d / (c * c),
                }
            }
            Act::Softplus => Dual {
                v: self.v.exp().ln_1p(),
                d: self.d / (1.0 + (-self.v).exp()),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Act {
    Identity,
    Sigmoid,
    Tanh,
    Softplus,
}

impl Act {
    fn name(self) -> &'static str {
        match self {
            Act::Identity => "identity",
            Act::Sigmoid => "sigmoid",
            Act::Tanh => "tanh",
            Act::Softplus => "softplus",
        }
    }
}

/// A network as text (each number as written) and as the reference computes with it.
struct Net {
    acts: Vec<Act>,
    w: Vec<Vec<Vec<String>>>,
    b: Vec<Option<Vec<String>>>,
    x: Vec<Vec<String>>,
    t: Vec<Vec<String>>,
    mean: bool,
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn rows(items: &[Vec<String>]) -> String {
    format!(
        "[{}]",
        items.iter().map(|r| list(r)).collect::<Vec<_>>().join(", ")
    )
}

fn num(s: &str) -> f64 {
    s.parse().expect("a number")
}

impl Net {
    fn text(&self) -> String {
        let mut out = format!(
            "input x = {}\ntarget t = {}\n",
            rows(&self.x),
            rows(&self.t)
        );
        for (l, act) in self.acts.iter().enumerate() {
            out.push_str(&format!("layer {} W = {}", act.name(), rows(&self.w[l])));
            if let Some(b) = &self.b[l] {
                out.push_str(&format!(" b = {}", list(b)));
            }
            out.push('\n');
        }
        out.push_str(if self.mean {
            "loss mean_squared\n"
        } else {
            "loss sum_squared\n"
        });
        out
    }

    /// ∂E/∂(the parameter `seed` picks), by one forward pass in dual numbers.
    fn derivative(&self, seed: &dyn Fn(usize, usize, Option<usize>) -> bool) -> f64 {
        let mut e = Dual::constant(0.0);
        for (x, t) in self.x.iter().zip(&self.t) {
            let mut z: Vec<Dual> = x.iter().map(|v| Dual::constant(num(v))).collect();
            for (l, act) in self.acts.iter().enumerate() {
                let param = |v: &str, which: Option<usize>, i: usize| Dual {
                    v: num(v),
                    d: if seed(l, i, which) { 1.0 } else { 0.0 },
                };
                z = (0..self.w[l].len())
                    .map(|i| {
                        let mut a = Dual::constant(0.0);
                        for j in 0..z.len() {
                            a = a.add(param(&self.w[l][i][j], Some(j), i).mul(z[j]));
                        }
                        if let Some(b) = &self.b[l] {
                            a = a.add(param(&b[i], None, i));
                        }
                        a.act(*act)
                    })
                    .collect();
            }
            let k = z.len() as f64;
            for (y, t) in z.iter().zip(t) {
                let r = y.sub(Dual::constant(num(t)));
                let square = r.mul(r);
                e = e.add(if self.mean {
                    square.scale(1.0 / k)
                } else {
                    square.scale(0.5)
                });
            }
        }
        if self.mean {
            e = e.scale(1.0 / self.x.len() as f64);
        }
        e.d
    }
}

/// The test's numbers, drawn from the shared SplitMix64.
trait Decimals {
    fn decimal(&mut self, places: usize) -> String;
}

impl Decimals for Rng {
    /// A decimal k·10^−places with |k| < 1000, as written in a file.
    fn decimal(&mut self, places: usize) -> String {
        let k = self.below(1999) as i64 - 999;
        format!("{:.*}", places, k as f64 / 10f64.powi(places as i32))
    }
}

/// Random small networks in four regimes: ordinary; targets up to 10⁶ beside small last
/// weights (a huge E, tiny gradients); tiny weights everywhere with targets of 100; inputs
/// up to 100.
fn random_net(seed: u64) -> Net {
    let mut rng = Rng(seed);
    let regime = seed % 4;
    let inputs = 1 + rng.below(3) as usize;
    let hidden = 1 + rng.below(2) as usize;
    let mut sizes = vec![inputs];
    for _ in 0..hidden {
        sizes.push(1 + rng.below(3) as usize);
    }
    sizes.push(1 + rng.below(2) as usize);
    let depth = sizes.len() - 1;
    let samples = 1 + rng.below(2) as usize;
    let hidden_acts = [Act::Identity, Act::Sigmoid, Act::Tanh, Act::Softplus];
    let mut acts = Vec::new();
    let (mut w, mut b) = (Vec::new(), Vec::new());
    for l in 0..depth {
        acts.push(if l + 1 == depth {
            [Act::Identity, Act::Sigmoid][rng.below(2) as usize]
        } else {
            hidden_acts[rng.below(4) as usize]
        });
        let places = match regime {
            1 if l + 1 == depth => 7,
            2 => 8,
            _ => 3,
        };
        w.push(
            (0..sizes[l + 1])
                .map(|_| (0..sizes[l]).map(|_| rng.decimal(places)).collect())
                .collect(),
        );
        b.push((rng.below(2) == 0).then(|| (0..sizes[l + 1]).map(|_| rng.decimal(3)).collect()));
    }
    let x = (0..samples)
        .map(|_| {
            (0..inputs)
                .map(|_| rng.decimal(if regime == 3 { 1 } else { 3 }))
                .collect()
        })
        .collect();
    let t = (0..samples)
        .map(|_| {
            (0..sizes[depth])
                .map(|_| match regime {
                    1 => format!("{}", (rng.below(1_000_000) as i64 - 500_000) * 2),
                    2 => "100".to_string(),
                    _ => rng.decimal(3),
                })
                .collect()
        })
        .collect();
    Net {
        acts,
        w,
        b,
        x,
        t,
        mean: rng.below(2) == 0,
    }
}

fn matrix(value: &Json) -> Vec<Vec<f64>> {
    value
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("a row")
                .iter()
                .map(|v| v.as_f64().expect("a number"))
                .collect()
        })
        .collect()
}

/// `derive`'s gradients agree with the dual-number reference to 10⁻⁹ of themselves: the
/// reference confirms them. Returns how many were compared and the smallest nonzero and the
/// largest |g|.
fn confirm(net: &Net, text: &str) -> (usize, f64, f64) {
    let json: Json = serde_json::from_str(&stdout(&run_with(
        &["derive", "-", "-f", "json"],
        text.as_bytes(),
    )))
    .expect("valid JSON");
    let layers = json["steps"][0]["layers"].as_array().expect("layers");
    let (mut count, mut smallest, mut largest) = (0, f64::INFINITY, 0.0f64);
    let mut agree = |printed: f64, reference: f64, what: String| {
        assert!(
            (printed - reference).abs() <= 1e-9 * reference.abs(),
            "{what}: derive gives {printed}, the reference {reference}\n{text}"
        );
        count += 1;
        if reference != 0.0 {
            smallest = smallest.min(reference.abs());
        }
        largest = largest.max(reference.abs());
    };
    for (l, layer) in layers.iter().enumerate() {
        for (i, row) in matrix(&layer["grad_W"]).iter().enumerate() {
            for (j, g) in row.iter().enumerate() {
                let reference = net.derivative(&|m, n, k| (m, n, k) == (l, i, Some(j)));
                agree(
                    *g,
                    reference,
                    format!("dE/dw_{}{}^({})", i + 1, j + 1, l + 1),
                );
            }
        }
        if let Some(bias) = layer["grad_b"].as_array() {
            for (i, g) in bias.iter().enumerate() {
                let reference = net.derivative(&|m, n, k| (m, n, k) == (l, i, None));
                agree(
                    g.as_f64().expect("a number"),
                    reference,
                    format!("dE/db_{}^({})", i + 1, l + 1),
                );
            }
        }
    }
    (count, smallest, largest)
}

#[test]
fn check_passes_every_network_whose_gradients_the_reference_confirms() {
    let (mut gradients, mut smallest, mut largest) = (0, f64::INFINITY, 0.0f64);
    for seed in 0..200 {
        let net = random_net(seed);
        let text = net.text();
        let (count, low, high) = confirm(&net, &text);
        gradients += count;
        smallest = smallest.min(low);
        largest = largest.max(high);
        let output = run_with(&["check", "-"], text.as_bytes());
        assert_eq!(
            output.status.code(),
            Some(0),
            "seed {seed}:\n{text}\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    println!("200 networks, {gradients} gradients confirmed, nonzero |g| from {smallest:e} to {largest:e}");
    // The sweep did reach tiny gradients and large ones.
    assert!(
        gradients > 2000 && smallest < 1e-6 && largest > 1e6,
        "{gradients} {smallest} {largest}"
    );
}

#[test]
fn the_issues_small_gradient_next_to_a_large_loss_passes() {
    let text = "input x = [1]\nlayer identity W = [[1]]\nlayer identity W = [[0.0001]]\ntarget t = [100]\nloss sum_squared\n";
    let out = stdout(&run_with(&["check", "-"], text.as_bytes()));
    let first = out
        .lines()
        .find(|l| l.contains("layer 1:"))
        .expect("layer 1");
    let largest: f64 = first.rsplit(' ').next().unwrap().parse().unwrap();
    // The plain central difference was 4.1e-6 off; the extrapolated one is not.
    assert!(largest < 1e-8, "{out}");
}

#[test]
fn the_tolerance_is_stated_in_the_help() {
    let help = stdout(&run_with(&["check", "--help"], b""));
    assert!(
        help.contains("|g - d| <= T·max(|g|, |d|, 0.001) + e"),
        "{help}"
    );
}

// ---------------------------------------------------------------------------------------------
// abs: derivatives that exist are found.

fn derive_latex(text: &str) -> String {
    stdout(&run_with(&["derive", "-"], text.as_bytes()))
}

const SOFTSIGN: &str = "activation softsign(a) = a/(1+abs(a))\n";

#[test]
fn softsign_has_the_derivative_a_teacher_writes_and_a_value_at_zero() {
    // a = 0.5·2 − 1 = 0 exactly: h'(0) = 1, and E depends on w through it.
    let text = format!("{SOFTSIGN}input x = [2]\nlayer softsign W = [[0.5]] b = [-1]\nlayer identity W = [[3]]\ntarget t = [1]\nloss sum_squared\n");
    let latex = derive_latex(&text);
    assert!(
        latex.contains(r"h'(a)&=&\frac{1}{(1+\left|a\right|)^2}"),
        "{latex}"
    );
    assert!(!latex.contains(r"\frac{a}{\left|a\right|}"), "{latex}");
    let json: Json = serde_json::from_str(&stdout(&run_with(
        &["derive", "-", "-f", "json"],
        text.as_bytes(),
    )))
    .unwrap();
    let first = &json["steps"][0]["layers"][0];
    // δ^(1) = h'(0)·3·(0 − 1) = −3, ∂E/∂w = −3·2.
    assert_eq!(first["delta"][0][0].as_f64(), Some(-3.0));
    assert_eq!(first["grad_W"][0][0].as_f64(), Some(-6.0));
    let check = run_with(&["check", "-"], text.as_bytes());
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_power_of_abs_has_its_derivative_at_the_kink() {
    // E = |y − t|³ at y = t: δ = 3|y − t|(y − t) = 0.
    let text =
        "input x = [1]\nlayer identity W = [[0.5]]\ntarget t = [0.5]\nloss (y, t) = abs(y-t)^3\n";
    let latex = derive_latex(text);
    assert!(
        latex.contains(
            r"\delta_1^{(1)}&=&3\left|y_1-t_1\right|(y_1-t_1) = 3\left|0.5-0.5\right|(0.5-0.5) = 0"
        ),
        "{latex}"
    );
    // 2.5|u|^1.5 → 2.5|u|^0.5 u, and 1.5|u|^0.5 u/|u| keeps its sign but is 0 there.
    for (power, delta) in [
        ("2.5", r"2.5\left|y_1-t_1\right|^{0.5}(y_1-t_1)"),
        (
            "1.5",
            r"1.5\left|y_1-t_1\right|^{0.5}\frac{y_1-t_1}{\left|y_1-t_1\right|}",
        ),
    ] {
        let text = text.replace("^3", &format!("^{power}"));
        let latex = derive_latex(&text);
        assert!(
            latex.contains(&format!(r"\delta_1^{{(1)}}&=&{delta}")),
            "{power}: {latex}"
        );
        assert!(
            latex.contains(
                r"\frac{\partial E}{\partial w_{11}^{(1)}}&=&\delta_1^{(1)}x_1 = 0\cdot1 = 0"
            ),
            "{power}: {latex}"
        );
    }
    // Away from the kink the sign is ±1 and check confirms the gradient.
    let away = text.replace("[0.5]\nloss", "[0.75]\nloss");
    let json: Json = serde_json::from_str(&stdout(&run_with(
        &["derive", "-", "-f", "json"],
        away.as_bytes(),
    )))
    .unwrap();
    assert_eq!(
        json["steps"][0]["layers"][0]["delta"][0][0].as_f64(),
        Some(-0.1875)
    );
    assert_eq!(
        run_with(&["check", "-"], away.as_bytes()).status.code(),
        Some(0)
    );
}

#[test]
fn abs_where_it_has_no_derivative_says_so() {
    let text = "activation f(a) = abs(a)\ninput x = [0]\nlayer f W = [[1]]\nlayer identity W = [[1]]\ntarget t = [1]\nloss sum_squared\n";
    let output = run_with(&["derive", "-"], text.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: h'(a_1^(1)) in step 1: abs is not differentiable at 0: "),
        "{stderr}"
    );
}
