//! A network's defining equations as one computational graph (issue 17, `derive --view
//! graph`): a product node w·x for every weight, a sum node a (its bias one more input) for
//! every unit, an activation node z (y in the output layer) for every unit, and the loss: a
//! loss node per output unit and their sum E, or softmax and cross-entropy as one
//! Softmax-with-Loss node, as ゼロから作るDeep Learning draws it.
//!
//! The graph is of the first sample at the first step (the file's weights); its backward
//! pass is the graph's own ([`super::work_with`]), so that the gradient arriving at a sum
//! node can be checked against the layer view's δ and the gradient to a weight against its
//! ∂E/∂w, rather than copied from them. Big networks are drawn as one path ([`drawn`]); the
//! rows still cover every node.

use crate::error::Span;
use crate::math::expr::{interned, Expr, Func, Index, Kind, Symbol};
use crate::math::functions::{BuiltinLoss, Shape};
use crate::math::number::Value;
use crate::model::Network;

use super::{slot, Graph, Local, Node, Op, Placing, Worked};

/// The most product nodes a picture shows whole; a bigger network is drawn as one path.
pub const MOST_DRAWN: usize = 30;
/// The most product nodes (weights) the view works: every node has its rows.
pub const MOST_PRODUCTS: usize = 2000;

/// Why a network has no graph view, and where in the file the cause is.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// Dropout on a hidden layer (a mask node per sample is not drawn).
    Dropout { layer: u32, span: Span },
    /// Weight decay adds a term over every weight to E.
    WeightDecay { span: Span },
    /// A softmax output with a loss other than cross-entropy (softmax is one node only
    /// together with its cross-entropy).
    Softmax { loss: String, span: Span },
    /// A loss that is not a sum over the output units.
    Loss { span: Span },
    /// More weights than the view works.
    TooLarge { products: usize, span: Span },
}

/// A network's graph, the values it is given, and what a picture of one path keeps.
pub struct Built {
    pub graph: Graph,
    /// The given values (x, w, b, t) by node name.
    pub given: Vec<(&'static str, Value)>,
    /// The nodes on the path x_1 → … → E (and the given values they read).
    pub path: Vec<usize>,
    /// How many product nodes (weights) the graph has.
    pub products: usize,
}

struct Builder {
    graph: Graph,
    given: Vec<(&'static str, Value)>,
    path: Vec<usize>,
}

impl Builder {
    fn push(&mut self, op: Op, inputs: Vec<usize>, name: Expr) -> usize {
        self.graph.nodes.push(Node {
            op,
            inputs,
            origin: 0,
            name: Some(name),
            definition: None,
        });
        self.graph.nodes.len() - 1
    }

    /// A given value: an input of E (`Op::Input`) or a datum (`Op::Data`), named and looked
    /// up by its quantity.
    fn leaf(&mut self, quantity: Symbol, value: Value, data: bool) -> usize {
        let key = interned(&quantity.to_string());
        self.given.push((key, value));
        let op = if data { Op::Data(key) } else { Op::Input(key) };
        self.push(op, vec![], sym(quantity))
    }
}

fn sym(s: Symbol) -> Expr {
    Expr::Sym(s)
}

fn at(i: usize) -> Index {
    Index::Num(i as u32 + 1)
}

/// Why `network` cannot be drawn as a graph, if it cannot.
fn refusal(network: &Network) -> Option<Refusal> {
    let spans = &network.spans;
    let layer_span = |l: usize| spans.layers.get(l).copied().unwrap_or_default();
    if let Some(l) = network.layers.iter().position(|l| l.dropout.is_some()) {
        let span = spans.dropouts.get(l).copied().flatten();
        return Some(Refusal::Dropout {
            layer: l as u32 + 1,
            span: span.unwrap_or_else(|| layer_span(l)),
        });
    }
    if let (Some(_), Some(span)) = (network.weight_decay, spans.weight_decay) {
        return Some(Refusal::WeightDecay { span });
    }
    let products: usize = network
        .layers
        .iter()
        .map(|l| l.units().saturating_mul(l.inputs()))
        .fold(0, usize::saturating_add);
    if products > MOST_PRODUCTS {
        return Some(Refusal::TooLarge {
            products,
            span: layer_span(0),
        });
    }
    let softmax = network.output_activation().shape == Shape::Softmax;
    if softmax && network.loss.builtin != Some(BuiltinLoss::CrossEntropy) {
        return Some(Refusal::Softmax {
            loss: network.loss.name.clone(),
            span: spans.loss,
        });
    }
    None
}

/// The graph of `network`'s first sample at its first step.
pub fn from_network(network: &Network) -> Result<Built, Refusal> {
    if let Some(refusal) = refusal(network) {
        return Err(refusal);
    }
    let depth = network.depth();
    let mut b = Builder {
        graph: Graph {
            nodes: Vec::new(),
            formula: network.loss.instantiate(depth),
            placing: Placing::BesideReader,
            activations: network
                .layers
                .iter()
                .map(|l| l.activation.clone())
                .collect(),
        },
        given: Vec::new(),
        path: Vec::new(),
    };
    let x = network.x.first().cloned().unwrap_or_default();
    let mut previous: Vec<usize> = x
        .iter()
        .enumerate()
        .map(|(j, v)| b.leaf(Symbol::out(0, at(j)), Value::decimal(*v), true))
        .collect();
    b.path.extend(previous.first());
    let mut sums = Vec::new();
    for (l, layer) in network.layers.iter().enumerate() {
        (sums, previous) = b.layer(l as u32 + 1, layer, &previous);
    }
    let t = network.t.first().cloned().unwrap_or_default();
    let targets: Vec<usize> = t
        .iter()
        .enumerate()
        .map(|(k, v)| b.leaf(Symbol::target(at(k)), Value::decimal(*v), true))
        .collect();
    b.path.extend(targets.first());
    // A softmax layer has no activation nodes: Softmax-with-Loss reads its sums.
    let outputs = if previous.is_empty() {
        &sums
    } else {
        &previous
    };
    loss(network, &mut b, outputs, &targets)?;
    b.path.push(b.graph.output());
    let products = b.graph.nodes.iter().filter(|n| n.op == Op::Mul).count();
    Ok(Built {
        graph: b.graph,
        given: b.given,
        path: b.path,
        products,
    })
}

impl Builder {
    /// Layer `number`'s nodes, reading the nodes `previous`: a product per weight, a sum per
    /// unit, an activation per unit (none in a softmax layer); its sums and outputs.
    fn layer(
        &mut self,
        number: u32,
        layer: &crate::model::Layer,
        previous: &[usize],
    ) -> (Vec<usize>, Vec<usize>) {
        let softmax = layer.activation.shape == Shape::Softmax;
        let (mut sums, mut outputs) = (Vec::new(), Vec::new());
        for (i, row) in layer.weights.iter().enumerate() {
            let mut terms = Vec::with_capacity(row.len() + 1);
            for (j, w) in row.iter().enumerate() {
                let weight = Symbol::weight(number, at(i), at(j));
                let name = sym(weight.clone());
                let leaf = self.leaf(weight, Value::decimal(*w), false);
                let reads = self.graph.nodes[previous[j]].name.clone();
                let reads = reads.unwrap_or(Expr::int(0));
                let product = Expr::Mul(vec![name, reads]);
                let product = self.push(Op::Mul, vec![leaf, previous[j]], product);
                if i == 0 && j == 0 {
                    self.path.extend([leaf, product]);
                }
                terms.push(product);
            }
            if let Some(bias) = &layer.bias {
                let leaf = self.leaf(Symbol::bias(number, at(i)), Value::decimal(bias[i]), false);
                if i == 0 {
                    self.path.push(leaf);
                }
                terms.push(leaf);
            }
            let sum = self.push(Op::Add, terms, sym(Symbol::pre(number, at(i))));
            sums.push(sum);
            if i == 0 {
                self.path.push(sum);
            }
            if !softmax {
                let name = sym(Symbol::out(number, at(i)));
                let out = self.push(Op::Call(Func::Act(number)), vec![sum], name);
                if i == 0 {
                    self.path.push(out);
                }
                outputs.push(out);
            }
        }
        (sums, outputs)
    }
}

/// The loss nodes: Softmax-with-Loss over the output layer's sums, or a loss node per output
/// (`outputs`, the y nodes) and, with several, their sum E.
fn loss(
    network: &Network,
    b: &mut Builder,
    outputs: &[usize],
    targets: &[usize],
) -> Result<(), Refusal> {
    let e = sym(Symbol::new(Kind::Loss, 0, &[]));
    if network.output_activation().shape == Shape::Softmax {
        let inputs = outputs.iter().chain(targets).copied().collect();
        b.push(Op::SoftmaxWithLoss, inputs, e);
        return Ok(());
    }
    let part = per_output(network).ok_or(Refusal::Loss {
        span: network.spans.loss,
    })?;
    let many = outputs.len() > 1;
    let mut parts = Vec::with_capacity(outputs.len());
    for (k, (&y, &t)) in outputs.iter().zip(targets).enumerate() {
        let name = match many {
            true => sym(Symbol::new(Kind::Loss, 0, &[at(k)])),
            false => e.clone(),
        };
        let node = b.push(Op::Loss, vec![y, t], name);
        b.graph.nodes[node].definition = Some(part.clone());
        if k == 0 {
            b.path.push(node);
        }
        parts.push(node);
    }
    if many {
        b.push(Op::Add, parts, e);
    }
    Ok(())
}

/// One output's part of E_n, in the slots y_k (0) and t_k (1): the loss's `c · Σ_k body` as
/// `c · body`.
fn per_output(network: &Network) -> Option<Expr> {
    let depth = network.depth();
    let e = network.loss.instantiate(depth);
    let (coefficient, sum) = match &e {
        Expr::Sum { .. } => (None, &e),
        Expr::Neg(inner) if matches!(**inner, Expr::Sum { .. }) => (Some(Expr::int(-1)), &**inner),
        Expr::Mul(factors) => match factors.as_slice() {
            [c, s @ Expr::Sum { .. }] if !c.any(&|x| matches!(x, Expr::Sym(_))) => {
                (Some(c.clone()), s)
            }
            _ => return None,
        },
        _ => return None,
    };
    let Expr::Sum { var, body, .. } = sum else {
        return None;
    };
    let y = Symbol::out(depth, Index::Var(*var));
    let t = Symbol::target(Index::Var(*var));
    let body = in_slots(body, &y, &t);
    if body.any(&|x| matches!(x, Expr::Sym(_))) {
        return None;
    }
    Some(match coefficient {
        None => body,
        Some(Expr::Num(d)) if d == crate::math::number::Decimal::from_int(-1) => {
            Expr::Neg(Box::new(body))
        }
        Some(c) => Expr::Mul(vec![c, body]),
    })
}

/// `e` with y_k in slot 0 and t_k in slot 1. The recursion is bounded by the formula limits.
fn in_slots(e: &Expr, y: &Symbol, t: &Symbol) -> Expr {
    match e {
        Expr::Sym(s) if s == y => Expr::Var(slot(0)),
        Expr::Sym(s) if s == t => Expr::Var(slot(1)),
        _ => e.map_children(&mut |c| in_slots(c, y, t)),
    }
}

/// Softmax-with-Loss over `k` outputs, in the slots a_1 … a_k, t_1 … t_k:
/// `−Σ_k t_k log(exp(a_k) / Σ_m exp(a_m))`.
pub fn softmax_with_loss(k: usize) -> Expr {
    let terms = (0..k)
        .map(|i| {
            Expr::Mul(vec![
                Expr::Var(slot(k + i)),
                Expr::call(Func::Log, softmax(k, i)),
            ])
        })
        .collect();
    Expr::Neg(Box::new(Expr::Add(terms)))
}

/// `exp(a_i) / Σ_m exp(a_m)` in the slots of [`softmax_with_loss`].
fn softmax(k: usize, i: usize) -> Expr {
    let exp = |m: usize| Expr::call(Func::Exp, Expr::Var(slot(m)));
    Expr::Div(
        Box::new(exp(i)),
        Box::new(Expr::Add((0..k).map(exp).collect())),
    )
}

/// What Softmax-with-Loss over `k` outputs passes back to its input `slot`: y_i − t_i to
/// a_i (the targets of a sample sum to 1); nothing to a target.
pub fn softmax_with_loss_local(k: usize, input: usize) -> Local {
    let formula = match input < k {
        true => Expr::minus(softmax(k, input), Expr::Var(slot(k + input))),
        false => Expr::int(0),
    };
    Local {
        formula,
        rules: vec!["softmax with cross-entropy"],
    }
}

/// What a picture shows: the whole graph, or with more than [`MOST_DRAWN`] product nodes
/// the one path, and how many product nodes are left out.
pub struct Drawn {
    pub worked: Worked,
    pub elided: usize,
}

/// The picture of `worked` (of [`Built`] `path` and `products`).
pub fn drawn(worked: &Worked, path: &[usize], products: usize) -> Drawn {
    if products <= MOST_DRAWN {
        return Drawn {
            worked: worked.clone(),
            elided: 0,
        };
    }
    let mut kept: Vec<usize> = path.to_vec();
    kept.sort_unstable();
    kept.dedup();
    let new = |n: usize| kept.binary_search(&n).ok();
    let nodes = kept
        .iter()
        .map(|&n| {
            let mut node = worked.graph.nodes[n].clone();
            node.inputs = node.inputs.iter().filter_map(|&i| new(i)).collect();
            node
        })
        .collect();
    let edges = worked
        .edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (new(e.from)?, new(e.to)?);
            Some(super::Edge {
                from,
                to,
                ..e.clone()
            })
        })
        .collect();
    let shown = kept
        .iter()
        .filter(|&&n| worked.graph.nodes[n].op == Op::Mul)
        .count();
    Drawn {
        worked: Worked {
            graph: Graph {
                nodes,
                formula: worked.graph.formula.clone(),
                placing: worked.graph.placing,
                activations: worked.graph.activations.clone(),
            },
            values: kept.iter().map(|&n| worked.values[n]).collect(),
            gradients: kept.iter().map(|&n| worked.gradients[n]).collect(),
            edges,
        },
        elided: products - shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Limits;

    fn network(text: &str) -> Network {
        crate::check::network_from_text(text, &Limits::default()).unwrap()
    }

    #[test]
    fn a_one_unit_network_is_a_product_a_sum_an_activation_and_a_loss() {
        // y = w x + b, E = ½(y − t)²: at w = 2, x = 3, b = 1, t = 5, y = 7 and δ = y − t = 2.
        let net = network(
            "input x = [3]\nlayer identity\n  W = [[2]]\n  b = [1]\ntarget t = [5]\nloss sum_squared\n",
        );
        let built = from_network(&net).unwrap();
        let ops: Vec<String> = built.graph.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(
            ops,
            ["data", "input", "mul", "input", "add", "act1", "data", "loss"]
        );
        let given = built.given.clone();
        let lookup = |name: &str| given.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let worked = super::super::work_with(built.graph, &lookup, &net).unwrap();
        let exact = |n: usize| worked.gradients[n].exact();
        assert_eq!(worked.value().exact(), Value::int(2).exact());
        // δ at the sum node, ∂E/∂w = δ x at the weight, ∂E/∂b = δ at the bias.
        assert_eq!(exact(4), Value::int(2).exact());
        assert_eq!(exact(1), Value::int(6).exact());
        assert_eq!(exact(3), Value::int(2).exact());
        // No gradient flows back to the given x and t.
        assert!(worked
            .edges
            .iter()
            .filter(|e| e.from == 0 || e.from == 6)
            .all(|e| e.back.is_none()));
    }

    #[test]
    fn a_big_network_is_drawn_as_one_path() {
        let text = crate::commands::gen::generate(&[10, 10, 10], &[], true, 1, &Limits::default())
            .unwrap();
        let net = network(&text);
        let built = from_network(&net).unwrap();
        assert_eq!(built.products, 200);
        let given = built.given.clone();
        let lookup = |name: &str| given.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let (path, products) = (built.path.clone(), built.products);
        let worked = super::super::work_with(built.graph, &lookup, &net).unwrap();
        let picture = drawn(&worked, &path, products);
        assert_eq!(picture.elided, 198);
        // x_1, w, product, b, a, z per layer (2 × 5), t_1, E_1, E.
        assert_eq!(picture.worked.graph.nodes.len(), 14);
        assert!(picture
            .worked
            .edges
            .iter()
            .all(|e| e.from < 14 && e.to < 14));
    }
}
