//! An independent float64 implementation of the networks backprop-tex derives, written as
//! plain loops from the textbook formulas — it shares no code with the library — together with
//! a generator of random valid networks and their `.nn` text.

#![allow(clippy::needless_range_loop)]

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Act {
    Identity,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Softplus,
    Softmax,
}

impl Act {
    pub fn name(self) -> &'static str {
        match self {
            Act::Identity => "identity",
            Act::Sigmoid => "sigmoid",
            Act::Tanh => "tanh",
            Act::Relu => "relu",
            Act::LeakyRelu => "leaky_relu",
            Act::Softplus => "softplus",
            Act::Softmax => "softmax",
        }
    }

    pub const HIDDEN: [Act; 6] = [
        Act::Identity,
        Act::Sigmoid,
        Act::Tanh,
        Act::Relu,
        Act::LeakyRelu,
        Act::Softplus,
    ];

    /// Whether the activation has a kink at 0 (its derivative jumps there).
    pub fn has_kink(self) -> bool {
        matches!(self, Act::Relu | Act::LeakyRelu)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LossKind {
    SumSquared,
    MeanSquared,
    CrossEntropy,
    BinaryCrossEntropy,
}

impl LossKind {
    pub fn name(self) -> &'static str {
        match self {
            LossKind::SumSquared => "sum_squared",
            LossKind::MeanSquared => "mean_squared",
            LossKind::CrossEntropy => "cross_entropy",
            LossKind::BinaryCrossEntropy => "binary_cross_entropy",
        }
    }
}

/// A network with its samples; weights and inputs are the decimals of its `.nn` text.
#[derive(Clone, Debug)]
pub struct Net {
    pub acts: Vec<Act>,
    pub w: Vec<Vec<Vec<f64>>>,
    pub b: Vec<Option<Vec<f64>>>,
    pub x: Vec<Vec<f64>>,
    pub t: Vec<Vec<f64>>,
    pub loss: LossKind,
    pub lr: f64,
    pub steps: usize,
}

/// Everything one step computes.
pub struct Pass {
    /// Per sample, per layer.
    pub a: Vec<Vec<Vec<f64>>>,
    pub z: Vec<Vec<Vec<f64>>>,
    pub delta: Vec<Vec<Vec<f64>>>,
    pub loss: f64,
    pub grad_w: Vec<Vec<Vec<f64>>>,
    pub grad_b: Vec<Vec<f64>>,
}

fn activate(act: Act, a: &[f64]) -> Vec<f64> {
    match act {
        Act::Softmax => {
            let exps: Vec<f64> = a.iter().map(|v| v.exp()).collect();
            let total: f64 = exps.iter().sum();
            exps.iter().map(|e| e / total).collect()
        }
        _ => a
            .iter()
            .map(|&v| match act {
                Act::Identity => v,
                Act::Sigmoid => sigmoid(v),
                Act::Tanh => v.tanh(),
                Act::Relu => v.max(0.0),
                Act::LeakyRelu => {
                    if v > 0.0 {
                        v
                    } else {
                        0.01 * v
                    }
                }
                Act::Softplus => v.max(0.0) + (-v.abs()).exp().ln_1p(),
                Act::Softmax => unreachable!(),
            })
            .collect(),
    }
}

/// h'(a) of an elementwise activation.
fn slope(act: Act, v: f64) -> f64 {
    match act {
        Act::Identity => 1.0,
        Act::Sigmoid => sigmoid(v) * (1.0 - sigmoid(v)),
        Act::Tanh => 1.0 - v.tanh().powi(2),
        Act::Relu => {
            if v > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Act::LeakyRelu => {
            if v > 0.0 {
                1.0
            } else {
                0.01
            }
        }
        Act::Softplus => sigmoid(v),
        Act::Softmax => unreachable!("softmax has a Jacobian"),
    }
}

fn sigmoid(v: f64) -> f64 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        v.exp() / (1.0 + v.exp())
    }
}

/// Whether every number of every step stays finite (training can diverge).
pub fn stays_finite(net: &Net) -> bool {
    let mut net = net.clone();
    for _ in 0..net.steps {
        let pass = backward(&net);
        let finite = |v: &Vec<Vec<Vec<f64>>>| v.iter().flatten().flatten().all(|x| x.is_finite());
        if !(pass.loss.is_finite()
            && finite(&pass.a)
            && finite(&pass.z)
            && finite(&pass.delta)
            && finite(&pass.grad_w))
        {
            return false;
        }
        net = sgd_step(&net, &pass);
    }
    net.w.iter().flatten().flatten().all(|x| x.is_finite())
}

fn sample_loss(loss: LossKind, y: &[f64], t: &[f64]) -> f64 {
    let k = y.len() as f64;
    let mut e = 0.0;
    for i in 0..y.len() {
        e += match loss {
            LossKind::SumSquared => 0.5 * (y[i] - t[i]).powi(2),
            LossKind::MeanSquared => (y[i] - t[i]).powi(2) / k,
            LossKind::CrossEntropy => -t[i] * y[i].ln(),
            LossKind::BinaryCrossEntropy => -(t[i] * y[i].ln() + (1.0 - t[i]) * (1.0 - y[i]).ln()),
        };
    }
    e
}

/// ∂E_n/∂y_k.
fn loss_slope(loss: LossKind, y: f64, t: f64, outputs: usize) -> f64 {
    match loss {
        LossKind::SumSquared => y - t,
        LossKind::MeanSquared => 2.0 * (y - t) / outputs as f64,
        LossKind::CrossEntropy => -t / y,
        LossKind::BinaryCrossEntropy => -t / y + (1.0 - t) / (1.0 - y),
    }
}

/// Numbers per sample, per layer, per unit.
pub type PerSample = Vec<Vec<Vec<f64>>>;

/// Per sample and layer: a, z; and the loss E.
pub fn forward(net: &Net) -> (PerSample, PerSample, f64) {
    forward_kept(net, &|_, _, _| 1.0)
}

/// What each output is multiplied by after its activation, by layer, sample and unit: 1, or
/// with dropout its mask entry (divided by the keep probability when inverted).
pub type Kept<'a> = &'a dyn Fn(usize, usize, usize) -> f64;

/// [`forward`] with every output `z` multiplied by `kept`.
pub fn forward_kept(net: &Net, kept: Kept) -> (PerSample, PerSample, f64) {
    let mut all_a = Vec::new();
    let mut all_z = Vec::new();
    let mut total = 0.0;
    for n in 0..net.x.len() {
        let mut input = net.x[n].clone();
        let (mut a_n, mut z_n) = (Vec::new(), Vec::new());
        for l in 0..net.w.len() {
            let mut a = vec![0.0; net.w[l].len()];
            for i in 0..net.w[l].len() {
                for j in 0..input.len() {
                    a[i] += net.w[l][i][j] * input[j];
                }
                if let Some(b) = &net.b[l] {
                    a[i] += b[i];
                }
            }
            let mut z = activate(net.acts[l], &a);
            for (i, z) in z.iter_mut().enumerate() {
                *z *= kept(l, n, i);
            }
            a_n.push(a);
            z_n.push(z.clone());
            input = z;
        }
        total += sample_loss(net.loss, &input, &net.t[n]);
        all_a.push(a_n);
        all_z.push(z_n);
    }
    if net.loss == LossKind::MeanSquared {
        total /= net.x.len() as f64;
    }
    (all_a, all_z, total)
}

pub fn backward(net: &Net) -> Pass {
    backward_kept(net, &|_, _, _| 1.0)
}

/// [`backward`] with every output multiplied by `kept` (`forward_kept`), and so every δ of a
/// hidden layer by the same factor.
pub fn backward_kept(net: &Net, kept: Kept) -> Pass {
    backward_planted(net, kept, None)
}

/// [`backward_kept`] with δ of the first output unit of the first sample `planted`, when
/// given, and every δ and gradient computed from it (a student's mistake carried through).
pub fn backward_planted(net: &Net, kept: Kept, planted: Option<f64>) -> Pass {
    let (a, z, loss) = forward_kept(net, kept);
    let depth = net.w.len();
    let samples = net.x.len();
    let mut delta = vec![vec![Vec::new(); depth]; samples];
    let mut grad_w: Vec<Vec<Vec<f64>>> = net
        .w
        .iter()
        .map(|m| m.iter().map(|r| vec![0.0; r.len()]).collect())
        .collect();
    let mut grad_b: Vec<Vec<f64>> = net.w.iter().map(|m| vec![0.0; m.len()]).collect();
    let scale = if net.loss == LossKind::MeanSquared {
        1.0 / samples as f64
    } else {
        1.0
    };
    for n in 0..samples {
        let last = depth - 1;
        let y = &z[n][last];
        let outputs = y.len();
        let de_dy: Vec<f64> = (0..outputs)
            .map(|k| loss_slope(net.loss, y[k], net.t[n][k], outputs))
            .collect();
        delta[n][last] = (0..outputs)
            .map(|i| match net.acts[last] {
                Act::Softmax => (0..outputs)
                    .map(|k| y[k] * (if k == i { 1.0 } else { 0.0 } - y[i]) * de_dy[k])
                    .sum(),
                act => slope(act, a[n][last][i]) * de_dy[i],
            })
            .collect();
        if let (0, Some(p)) = (n, planted) {
            delta[n][last][0] = p;
        }
        for l in (0..last).rev() {
            delta[n][l] = (0..net.w[l].len())
                .map(|i| {
                    let mut sum = 0.0;
                    for k in 0..net.w[l + 1].len() {
                        sum += net.w[l + 1][k][i] * delta[n][l + 1][k];
                    }
                    slope(net.acts[l], a[n][l][i]) * kept(l, n, i) * sum
                })
                .collect();
        }
        for l in 0..depth {
            let input = if l == 0 { &net.x[n] } else { &z[n][l - 1] };
            for i in 0..net.w[l].len() {
                for j in 0..input.len() {
                    grad_w[l][i][j] += scale * delta[n][l][i] * input[j];
                }
                grad_b[l][i] += scale * delta[n][l][i];
            }
        }
    }
    Pass {
        a,
        z,
        delta,
        loss,
        grad_w,
        grad_b,
    }
}

pub fn sgd_step(net: &Net, pass: &Pass) -> Net {
    let mut next = net.clone();
    for l in 0..net.w.len() {
        for i in 0..net.w[l].len() {
            for j in 0..net.w[l][i].len() {
                next.w[l][i][j] -= net.lr * pass.grad_w[l][i][j];
            }
            if let Some(b) = &mut next.b[l] {
                b[i] -= net.lr * pass.grad_b[l][i];
            }
        }
    }
    next
}

/// Whether some pre-activation of a kinked activation is within `margin` of its kink.
pub fn near_kink(net: &Net, margin: f64) -> bool {
    let (a, _, _) = forward(net);
    a.iter().any(|sample| {
        sample
            .iter()
            .zip(&net.acts)
            .any(|(layer, act)| act.has_kink() && layer.iter().any(|v| v.abs() < margin))
    })
}

/// Whether an output that the loss takes the logarithm of (binary cross-entropy's y and 1 − y,
/// cross-entropy's y) is within `margin` of 0 or 1. There 1 − y in floats keeps only a few
/// digits, E's rounding is far above ε·|E|, and no finite difference checks a gradient.
pub fn near_saturation(net: &Net, margin: f64) -> bool {
    if !matches!(
        net.loss,
        LossKind::BinaryCrossEntropy | LossKind::CrossEntropy
    ) {
        return false;
    }
    let (_, z, _) = forward(net);
    z.iter().any(|sample| {
        sample
            .last()
            .is_some_and(|y| y.iter().any(|&y| y.min(1.0 - y) < margin))
    })
}

/// The network as a `.nn` file.
pub fn to_nn(net: &Net) -> String {
    let vector = |v: &[f64]| {
        format!(
            "[{}]",
            v.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let matrix = |m: &[Vec<f64>]| {
        format!(
            "[{}]",
            m.iter().map(|r| vector(r)).collect::<Vec<_>>().join(", ")
        )
    };
    let mut text = format!(
        "input x = {}\ntarget t = {}\n",
        matrix(&net.x),
        matrix(&net.t)
    );
    for l in 0..net.w.len() {
        text.push_str(&format!(
            "layer {} W = {}",
            net.acts[l].name(),
            matrix(&net.w[l])
        ));
        if let Some(b) = &net.b[l] {
            text.push_str(&format!(" b = {}", vector(b)));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "loss {}\nsgd lr = {}, steps = {}\n",
        net.loss.name(),
        net.lr,
        net.steps
    ));
    text
}

/// A small deterministic generator (xorshift), so that a proptest seed is a whole network.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A whole number in `low..=high`.
    pub fn int(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }

    /// A decimal `n/100` in [-1, 1], as its exact f64.
    pub fn weight(&mut self) -> f64 {
        self.int(-100, 100) as f64 / 100.0
    }
}

/// A random valid network: 2–4 layers of 1–5 units, any hidden activation, an output
/// activation and loss that fit together, biases or not, 1–3 samples, 1–3 steps.
pub fn random_net(seed: u64) -> Net {
    let mut rng = Rng::new(seed);
    let depth = rng.int(2, 4) as usize;
    let inputs = rng.int(1, 5) as usize;
    let (output, loss) = rng.pick(&[
        (Act::Identity, LossKind::SumSquared),
        (Act::Identity, LossKind::MeanSquared),
        (Act::Tanh, LossKind::SumSquared),
        (Act::Relu, LossKind::MeanSquared),
        (Act::Softplus, LossKind::SumSquared),
        (Act::Sigmoid, LossKind::SumSquared),
        (Act::Sigmoid, LossKind::CrossEntropy),
        (Act::Sigmoid, LossKind::BinaryCrossEntropy),
        (Act::Softmax, LossKind::CrossEntropy),
        (Act::Softmax, LossKind::SumSquared),
        (Act::LeakyRelu, LossKind::SumSquared),
    ]);
    let mut widths = vec![inputs];
    let mut acts = Vec::new();
    for l in 0..depth {
        let last = l + 1 == depth;
        let min_units = if last && output == Act::Softmax { 2 } else { 1 };
        widths.push(rng.int(min_units, 5) as usize);
        acts.push(if last { output } else { rng.pick(&Act::HIDDEN) });
    }
    let with_bias = rng.int(0, 1) == 1;
    let w = (0..depth)
        .map(|l| {
            (0..widths[l + 1])
                .map(|_| (0..widths[l]).map(|_| rng.weight()).collect())
                .collect()
        })
        .collect();
    let b = (0..depth)
        .map(|l| with_bias.then(|| (0..widths[l + 1]).map(|_| rng.weight()).collect()))
        .collect();
    let samples = rng.int(1, 3) as usize;
    let outputs = widths[depth];
    let x = (0..samples)
        .map(|_| (0..inputs).map(|_| rng.int(-4, 4) as f64 / 2.0).collect())
        .collect();
    let t = (0..samples)
        .map(|_| match (output, loss) {
            (Act::Softmax, LossKind::CrossEntropy) => {
                let hot = rng.int(0, outputs as i64 - 1) as usize;
                (0..outputs)
                    .map(|k| if k == hot { 1.0 } else { 0.0 })
                    .collect()
            }
            (_, LossKind::CrossEntropy | LossKind::BinaryCrossEntropy) => {
                (0..outputs).map(|_| rng.int(0, 4) as f64 / 4.0).collect()
            }
            _ => (0..outputs).map(|_| rng.int(-4, 4) as f64 / 2.0).collect(),
        })
        .collect();
    Net {
        acts,
        w,
        b,
        x,
        t,
        loss,
        lr: 0.1,
        steps: rng.int(1, 3) as usize,
    }
}
