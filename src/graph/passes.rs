//! The forward and the backward pass over a graph: each node's value by the evaluator, each
//! edge's local derivative by the differentiator and its gradient as upstream × local, a
//! node's gradient the sum over the edges out of it.

use crate::math::diff::{derivative, Layers, NoLayers};
use crate::math::eval::{eval, Env, Fault};
use crate::math::expr::{Expr, Symbol};
use crate::math::functions::Activation;
use crate::math::number::Value;

use super::{slot, Back, Edge, Graph, Local, Op, Worked};

/// Why a graph cannot be worked, at a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// A variable without a value.
    NoValue { node: usize },
    /// A node's value (`backward` false) or a local derivative leaves the real numbers.
    Numeric {
        node: usize,
        fault: Fault,
        backward: bool,
    },
    /// The differentiator refused a node (it never does for the formula language's nodes).
    NoDerivative { node: usize, message: String },
}

/// The evaluator's environment: a local formula holds values only, and a network's
/// activations (`h(a)` of a layer's activation node).
struct ValuesOnly<'a>(&'a dyn Layers);

impl Env for ValuesOnly<'_> {
    fn symbol(&self, _: &Symbol) -> Option<Value> {
        None
    }
    fn activation(&self, layer: u32) -> Option<&Activation> {
        self.0.activation(layer)
    }
}

/// `formula` with each slot of node `n` replaced by its input's value.
fn at_values(graph: &Graph, n: usize, values: &[Value], formula: &Expr) -> Expr {
    graph.nodes[n]
        .inputs
        .iter()
        .enumerate()
        .fold(formula.clone(), |e, (k, &input)| {
            e.bind(slot(k), &Expr::Val(values[input]))
        })
}

/// Both passes, with the variables' values from `given`.
pub fn work(graph: Graph, given: &dyn Fn(&str) -> Option<Value>) -> Result<Worked, Failure> {
    work_with(graph, given, &NoLayers)
}

/// Both passes, a layer's activation node computed and differentiated as `layers` defines
/// it (the same definitions and stated derivatives the layer view uses).
pub fn work_with(
    graph: Graph,
    given: &dyn Fn(&str) -> Option<Value>,
    layers: &dyn Layers,
) -> Result<Worked, Failure> {
    let values = forward(&graph, given, layers)?;
    let mut gradients = vec![Value::int(0); graph.nodes.len()];
    gradients[graph.output()] = Value::int(1);
    let mut edges = Vec::new();
    let mut reached = vec![false; graph.nodes.len()];
    for n in (0..graph.nodes.len()).rev() {
        let node = &graph.nodes[n];
        if node.op.is_leaf() {
            continue;
        }
        let formula = graph.local_formula(n);
        for (k, &input) in node.inputs.iter().enumerate() {
            let back = match graph.nodes[input].op.is_fixed() {
                true => None,
                false => Some(back(
                    &graph,
                    &values,
                    &formula,
                    (n, k),
                    gradients[n],
                    layers,
                )?),
            };
            if let Some(back) = &back {
                // The first path back to a node gives its gradient; the others add to it.
                gradients[input] = if reached[input] {
                    gradients[input] + back.backward
                } else {
                    back.backward
                };
                reached[input] = true;
            }
            edges.push(Edge {
                from: input,
                to: n,
                slot: k,
                forward: values[input],
                back,
            });
        }
    }
    Ok(Worked {
        graph,
        values,
        gradients,
        edges,
    })
}

/// What flows back from node `n` (of local formula `formula` and gradient `upstream`) to
/// its input `k`.
fn back(
    graph: &Graph,
    values: &[Value],
    formula: &Expr,
    (n, k): (usize, usize),
    upstream: Value,
    layers: &dyn Layers,
) -> Result<Back, Failure> {
    let local = match graph.nodes[n].op {
        Op::SoftmaxWithLoss => {
            super::network::softmax_with_loss_local(graph.nodes[n].inputs.len() / 2, k)
        }
        _ => local_derivative(formula, k, n, layers)?,
    };
    let local_value = eval(
        &at_values(graph, n, values, &local.formula),
        &ValuesOnly(layers),
    )
    .map_err(|fault| Failure::Numeric {
        node: n,
        fault,
        backward: true,
    })?;
    Ok(Back {
        local,
        local_value,
        backward: upstream * local_value,
    })
}

/// Every node's value, inputs first.
fn forward(
    graph: &Graph,
    given: &dyn Fn(&str) -> Option<Value>,
    layers: &dyn Layers,
) -> Result<Vec<Value>, Failure> {
    let mut values: Vec<Value> = Vec::with_capacity(graph.nodes.len());
    for (n, node) in graph.nodes.iter().enumerate() {
        let value = match node.op {
            Op::Input(name) | Op::Data(name) => given(name).ok_or(Failure::NoValue { node: n })?,
            Op::Constant(d) => Value::decimal(d),
            _ => eval(
                &at_values(graph, n, &values, &graph.local_formula(n)),
                &ValuesOnly(layers),
            )
            .map_err(|fault| Failure::Numeric {
                node: n,
                fault,
                backward: false,
            })?,
        };
        values.push(value);
    }
    Ok(values)
}

/// ∂(node)/∂(input `k`), by the differentiator; a constant input's is 0 (its slot holds the
/// number itself).
fn local_derivative(
    formula: &Expr,
    k: usize,
    n: usize,
    layers: &dyn Layers,
) -> Result<Local, Failure> {
    let (formula, rules) =
        derivative(formula, &Expr::Var(slot(k)), layers).map_err(|f| Failure::NoDerivative {
            node: n,
            message: format!("{f:?}"),
        })?;
    Ok(Local { formula, rules })
}
