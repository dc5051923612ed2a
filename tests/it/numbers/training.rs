//! Training beyond plain SGD, as plain loops from the formulas of issue 18 (momentum in three
//! forms, Nesterov, AdaGrad, RMSProp, Adam in two forms, L2 weight decay, dropout with a given
//! mask). Independent of the library and of `reference`'s SGD step; it uses only `reference`'s
//! activations and losses. Checked against torch.optim's values in `tests/data/`.

#![allow(clippy::needless_range_loop)]

use super::reference::{activate, loss_slope, sample_loss, slope, Act, LossKind, Net, PerSample};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MomentumForm {
    /// v ← μv − η∇E, w ← w + v.
    Zero,
    /// v ← μv + ∇E, w ← w − ηv.
    Pytorch,
    /// v ← μv + (1−μ)∇E, w ← w − ηv.
    Ema,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AdamForm {
    /// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), w ← w − η m̂/(√v̂ + ε).
    Paper,
    /// ηₜ = η√(1−β₂ᵗ)/(1−β₁ᵗ), w ← w − ηₜ m/(√v + ε).
    Zero,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    Sgd,
    Momentum {
        mu: f64,
        form: MomentumForm,
    },
    Nesterov {
        mu: f64,
    },
    AdaGrad {
        eps: f64,
    },
    RmsProp {
        decay: f64,
        eps: f64,
    },
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
        form: AdamForm,
    },
}

/// A hidden layer's dropout: a 0/1 row per sample, the keep probability, and whether the kept
/// outputs are divided by it (inverted dropout) or not.
#[derive(Clone, Debug)]
pub struct Dropout {
    pub mask: Vec<Vec<f64>>,
    pub keep: f64,
    pub inverted: bool,
}

impl Dropout {
    fn factor(&self, n: usize, i: usize) -> f64 {
        let kept = self.mask[n][i];
        if self.inverted {
            kept / self.keep
        } else {
            kept
        }
    }
}

/// How a network is trained: `net.lr` and `net.steps` with this optimizer, decay and dropout.
#[derive(Clone, Debug)]
pub struct Training {
    pub optimizer: Optimizer,
    pub weight_decay: Option<f64>,
    /// Per layer (the output layer's is always `None`).
    pub dropout: Vec<Option<Dropout>>,
}

/// An optimizer's state of one parameter matrix (weights) or vector (biases), flattened.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// v of momentum and Nesterov, h of AdaGrad and RMSProp, m of Adam.
    pub first: Vec<f64>,
    /// v of Adam.
    pub second: Vec<f64>,
}

/// What one step computed and left.
#[derive(Clone, Debug)]
pub struct StepResult {
    /// The data loss E of the step (with dropout), and E~ = E + (λ/2) Σ w² before the update.
    pub loss: f64,
    pub loss_decayed: f64,
    /// Per layer, after the step.
    pub w_after: Vec<Vec<Vec<f64>>>,
    pub b_after: Vec<Option<Vec<f64>>>,
    pub w_state: Vec<State>,
    pub b_state: Vec<State>,
}

/// The outputs of every layer per sample (dropout applied when `dropout`), and E.
fn forward(net: &Net, training: &Training, dropout: bool) -> (PerSample, PerSample, f64) {
    let (mut all_a, mut all_z, mut total) = (Vec::new(), Vec::new(), 0.0);
    for n in 0..net.x.len() {
        let mut input = net.x[n].clone();
        let (mut a_n, mut z_n) = (Vec::new(), Vec::new());
        for l in 0..net.w.len() {
            let mut a = vec![0.0; net.w[l].len()];
            for i in 0..a.len() {
                for j in 0..input.len() {
                    a[i] += net.w[l][i][j] * input[j];
                }
                if let Some(b) = &net.b[l] {
                    a[i] += b[i];
                }
            }
            let mut z = activate(net.acts[l], &a);
            if let (true, Some(drop)) = (dropout, &training.dropout[l]) {
                for i in 0..z.len() {
                    z[i] *= drop.factor(n, i);
                }
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

/// ∂E/∂W and ∂E/∂b of the data loss with dropout, per layer.
struct Gradients {
    w: Vec<Vec<Vec<f64>>>,
    b: Vec<Vec<f64>>,
    /// E, the data loss with dropout.
    loss: f64,
}

fn gradients(net: &Net, training: &Training) -> Gradients {
    let (a, z, loss) = forward(net, training, true);
    let depth = net.w.len();
    let mut grad_w: Vec<Vec<Vec<f64>>> = net
        .w
        .iter()
        .map(|m| m.iter().map(|r| vec![0.0; r.len()]).collect())
        .collect();
    let mut grad_b: Vec<Vec<f64>> = net.w.iter().map(|m| vec![0.0; m.len()]).collect();
    let scale = if net.loss == LossKind::MeanSquared {
        1.0 / net.x.len() as f64
    } else {
        1.0
    };
    for n in 0..net.x.len() {
        let last = depth - 1;
        let y = &z[n][last];
        let k_out = y.len();
        let de_dy: Vec<f64> = (0..k_out)
            .map(|k| loss_slope(net.loss, y[k], net.t[n][k], k_out))
            .collect();
        let mut delta = vec![Vec::new(); depth];
        delta[last] = (0..k_out)
            .map(|i| match net.acts[last] {
                Act::Softmax => (0..k_out)
                    .map(|k| y[k] * (if k == i { 1.0 } else { 0.0 } - y[i]) * de_dy[k])
                    .sum(),
                act => slope(act, a[n][last][i]) * de_dy[i],
            })
            .collect();
        for l in (0..last).rev() {
            delta[l] = (0..net.w[l].len())
                .map(|i| {
                    let mut sum = 0.0;
                    for k in 0..net.w[l + 1].len() {
                        sum += net.w[l + 1][k][i] * delta[l + 1][k];
                    }
                    let kept = training.dropout[l].as_ref().map_or(1.0, |d| d.factor(n, i));
                    slope(net.acts[l], a[n][l][i]) * kept * sum
                })
                .collect();
        }
        for l in 0..depth {
            let input = if l == 0 { &net.x[n] } else { &z[n][l - 1] };
            for i in 0..net.w[l].len() {
                for j in 0..input.len() {
                    grad_w[l][i][j] += scale * delta[l][i] * input[j];
                }
                grad_b[l][i] += scale * delta[l][i];
            }
        }
    }
    Gradients {
        w: grad_w,
        b: grad_b,
        loss,
    }
}

/// One parameter's update at step `t` (from 1), with its state.
fn update(optimizer: Optimizer, lr: f64, t: i32, w: &mut f64, g: f64, s1: &mut f64, s2: &mut f64) {
    match optimizer {
        Optimizer::Sgd => *w -= lr * g,
        Optimizer::Momentum { mu, form } => match form {
            MomentumForm::Zero => {
                *s1 = mu * *s1 - lr * g;
                *w += *s1;
            }
            MomentumForm::Pytorch => {
                *s1 = mu * *s1 + g;
                *w -= lr * *s1;
            }
            MomentumForm::Ema => {
                *s1 = mu * *s1 + (1.0 - mu) * g;
                *w -= lr * *s1;
            }
        },
        Optimizer::Nesterov { mu } => {
            *s1 = mu * *s1 + g;
            *w -= lr * (g + mu * *s1);
        }
        Optimizer::AdaGrad { eps } => {
            *s1 += g * g;
            *w -= lr * g / (s1.sqrt() + eps);
        }
        Optimizer::RmsProp { decay, eps } => {
            *s1 = decay * *s1 + (1.0 - decay) * g * g;
            *w -= lr * g / (s1.sqrt() + eps);
        }
        Optimizer::Adam {
            beta1,
            beta2,
            eps,
            form,
        } => {
            *s1 = beta1 * *s1 + (1.0 - beta1) * g;
            *s2 = beta2 * *s2 + (1.0 - beta2) * g * g;
            let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
            match form {
                AdamForm::Paper => *w -= lr * (*s1 / c1) / ((*s2 / c2).sqrt() + eps),
                AdamForm::Zero => *w -= lr * c2.sqrt() / c1 * *s1 / (s2.sqrt() + eps),
            }
        }
    }
}

/// `net.steps` steps of `training`: each step's loss, parameters and state after it; and the
/// data loss after the last step, without dropout.
pub fn train(net: &Net, training: &Training) -> (Vec<StepResult>, f64) {
    let mut net = net.clone();
    let depth = net.w.len();
    let zeros = |n: usize| State {
        first: vec![0.0; n],
        second: vec![0.0; n],
    };
    let mut w_state: Vec<State> = (0..depth)
        .map(|l| zeros(net.w[l].len() * net.w[l][0].len()))
        .collect();
    let mut b_state: Vec<State> = (0..depth).map(|l| zeros(net.w[l].len())).collect();
    let mut steps = Vec::new();
    for t in 1..=net.steps as i32 {
        let Gradients {
            w: mut grad_w,
            b: grad_b,
            loss,
        } = gradients(&net, training);
        let lambda = training.weight_decay.unwrap_or(0.0);
        let mut squares = 0.0;
        for l in 0..depth {
            for i in 0..net.w[l].len() {
                for j in 0..net.w[l][i].len() {
                    squares += net.w[l][i][j] * net.w[l][i][j];
                    grad_w[l][i][j] += lambda * net.w[l][i][j];
                }
            }
        }
        for l in 0..depth {
            let cols = net.w[l][0].len();
            for i in 0..net.w[l].len() {
                for j in 0..cols {
                    let s = &mut w_state[l];
                    let (s1, s2) = (&mut s.first[i * cols + j], &mut s.second[i * cols + j]);
                    let w = &mut net.w[l][i][j];
                    update(training.optimizer, net.lr, t, w, grad_w[l][i][j], s1, s2);
                }
                if let Some(b) = &mut net.b[l] {
                    let s = &mut b_state[l];
                    let (s1, s2) = (&mut s.first[i], &mut s.second[i]);
                    update(
                        training.optimizer,
                        net.lr,
                        t,
                        &mut b[i],
                        grad_b[l][i],
                        s1,
                        s2,
                    );
                }
            }
        }
        steps.push(StepResult {
            loss,
            loss_decayed: loss + lambda / 2.0 * squares,
            w_after: net.w.clone(),
            b_after: net.b.clone(),
            w_state: w_state.clone(),
            b_state: b_state.clone(),
        });
    }
    let plain = Training {
        dropout: vec![None; depth],
        ..training.clone()
    };
    let (_, _, after) = forward(&net, &plain, false);
    (steps, after)
}
