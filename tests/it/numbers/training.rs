//! Training beyond plain SGD, as plain loops from the formulas of issue 18 (momentum in three
//! forms, Nesterov, AdaGrad, RMSProp, Adam in two forms, L2 weight decay, dropout with a given
//! mask). Independent of the library and of `reference`'s SGD step; it uses `reference`'s
//! forward and backward pass with dropout's factors. Checked against torch.optim's values in `tests/data/`.

#![allow(clippy::needless_range_loop)]

use super::reference::{backward_kept, forward, Net};

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

impl Training {
    /// What an output of layer `l`, sample `n`, unit `i` is multiplied by in training.
    fn kept(&self, l: usize, n: usize, i: usize) -> f64 {
        self.dropout[l].as_ref().map_or(1.0, |d| d.factor(n, i))
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
        let pass = backward_kept(&net, &|l, n, i| training.kept(l, n, i));
        let (mut grad_w, grad_b, loss) = (pass.grad_w, pass.grad_b, pass.loss);
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
    let (_, _, after) = forward(&net);
    (steps, after)
}
