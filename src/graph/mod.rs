//! Computational graphs (issue 17): a formula as a DAG of operation nodes, its forward values
//! and its backward gradients, node by node, as the textbooks teach backpropagation
//! (ゼロから作るDeep Learning ch. 5, CS231n): each node passes its local derivative times the
//! upstream gradient to each input, and a node read in several places sums what comes back.
//!
//! The graph is built from an [`Expr`], the formula language's tree, so that a network's
//! defining equations (also `Expr`s) can become one later: a variable is one node however
//! often it is read (the DAG's shared nodes), everything else a node of its own. Values come
//! from the evaluator and local derivatives from the differentiator's rule table, so a row can
//! name its rule and every number keeps its exactness. This stage makes data only; the rows'
//! and the picture's text is `latex::graph`'s and `render::graph`'s.

mod layout;
mod network;
mod passes;
mod words;

#[cfg(test)]
use layout::Place;
pub use layout::{bends, label_positions, layout, Placing};
pub use network::{drawn, from_network, Refusal, MOST_PRODUCTS};
pub use passes::{work, work_with, Failure};
pub use words::{
    activation_kind, elided, first_only, network_words, node_kind, rule_name, text, words, Math,
    Piece, Prose, Tongue,
};

use crate::math::expr::{Expr, Func};
use crate::math::number::{Decimal, Value};

/// What a node computes from its inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// A variable, given its value by `--at`.
    Input(&'static str),
    /// A number written in the formula.
    Constant(Decimal),
    /// A value the network is given, which E is not differentiated by (an input x, a target
    /// t): a slot in its reader's formula, with no gradient back.
    Data(&'static str),
    /// A loss node: its formula (in its inputs' slots, `y_k` then `t_k`) is the node's
    /// `definition`.
    Loss,
    /// Softmax and cross-entropy as one node (ゼロから作るDeep Learning's Softmax-with-Loss):
    /// its inputs are the output layer's a_1 … a_K, then t_1 … t_K; what it passes back to
    /// a_k is y_k − t_k.
    SoftmaxWithLoss,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Neg,
    /// An elementary function (exp, log, sigmoid, …).
    Call(Func),
}

impl Op {
    /// Its name in JSON and tests: `input`, `const`, `add`, `mul`, `exp`, …
    pub fn name(&self) -> String {
        match self {
            Op::Input(_) => "input".into(),
            Op::Constant(_) => "const".into(),
            Op::Data(_) => "data".into(),
            Op::Loss => "loss".into(),
            Op::SoftmaxWithLoss => "softmax_with_loss".into(),
            Op::Add => "add".into(),
            Op::Sub => "sub".into(),
            Op::Mul => "mul".into(),
            Op::Div => "div".into(),
            Op::Pow => "pow".into(),
            Op::Neg => "neg".into(),
            Op::Call(f) => f.name(),
        }
    }

    /// Whether the node is given its value rather than computed from inputs.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Input(_) | Op::Constant(_) | Op::Data(_))
    }

    /// Whether f is not differentiated by the node (a constant, a given datum).
    pub fn is_fixed(&self) -> bool {
        matches!(self, Op::Constant(_) | Op::Data(_))
    }
}

/// One node: its operation, its inputs (nodes made before it), and the pre-order number of
/// the formula node it was made from (its first occurrence, for a variable), by which
/// faults are located.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub op: Op,
    pub inputs: Vec<usize>,
    pub origin: usize,
    /// The name the rows give the node (`a_1^{(1)}`), where it has one of its own; the
    /// scalar graph's nodes have none (they are u₁, u₂, …).
    pub name: Option<Expr>,
    /// A [`Op::Loss`] node's formula, in its inputs' slots.
    pub definition: Option<Expr>,
}

/// The derivative of a node by one of its inputs, as the differentiator gives it: a formula
/// in the node's inputs ([`slot`] names them), and the rules that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub formula: Expr,
    pub rules: Vec<&'static str>,
}

/// An edge from an input node to the node that reads it, with the value that flows forward
/// and the gradient that flows back.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Which input of `to` it is (0 first).
    pub slot: usize,
    pub forward: Value,
    /// What flows back; `None` from a constant, which f is not differentiated by.
    pub back: Option<Back>,
}

/// What flows back along an edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Back {
    pub local: Local,
    /// ∂n/∂(input) at the forward values.
    pub local_value: Value,
    /// The upstream gradient of `to` times the local derivative: ∂f/∂(from) along this edge.
    pub backward: Value,
}

/// A formula's graph: nodes in an order where inputs come first (the last node is f).
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// The formula it was made from (a network's graph: its loss E_n).
    pub formula: Expr,
    /// Where its given values are drawn.
    pub placing: Placing,
    /// A network's activation per layer (for the words of its activation nodes, and the
    /// rows' `h'(a)` evaluated as printed); empty for a formula's graph.
    pub activations: Vec<std::sync::Arc<crate::math::functions::Activation>>,
}

/// A graph worked out: each node's value and gradient ∂f/∂node, and every edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Worked {
    pub graph: Graph,
    pub values: Vec<Value>,
    pub gradients: Vec<Value>,
    /// In the order the backward pass makes them: from the output back.
    pub edges: Vec<Edge>,
}

impl Worked {
    /// f.
    pub fn value(&self) -> Value {
        self.values[self.graph.output()]
    }

    /// Each variable with its value and ∂f/∂variable, in the order the formula first uses
    /// them.
    pub fn partials(&self) -> Vec<(&'static str, Value, Value)> {
        self.graph
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(n, node)| match node.op {
                Op::Input(name) => Some((name, self.values[n], self.gradients[n])),
                _ => None,
            })
            .collect()
    }

    /// The edges out of node `n` (the paths its gradient comes back along).
    pub fn edges_from(&self, n: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.from == n)
    }
}

/// The name of input `slot` of a node in its local formula: a bound variable, as an
/// activation's `a` is, replaced by the input's name or value where the formula is shown.
pub fn slot(n: usize) -> &'static str {
    const SLOTS: [&str; 2] = ["\u{1}0", "\u{1}1"];
    match SLOTS.get(n) {
        Some(name) => name,
        None => crate::math::expr::interned(&format!("\u{1}{n}")),
    }
}

/// How a name reads once set: `u_1`, `u_{1}` and `u1` are all u-one to a reader, so the
/// names of the nodes between the inputs and f must differ from every variable's in this.
pub fn read_as(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '{' | '}'))
        .collect()
}

/// The name of the output node in every row, picture and message: a variable cannot have it.
pub const OUTPUT: &str = "f";

impl Graph {
    /// The graph of `expr`. The recursion is bounded by the parser's depth limit.
    pub fn from_expr(expr: &Expr) -> Graph {
        let mut graph = Graph {
            nodes: Vec::new(),
            formula: expr.clone(),
            placing: Placing::Inputs,
            activations: Vec::new(),
        };
        let mut next = 0;
        graph.add(expr, &mut next);
        graph
    }

    /// The node of f.
    pub fn output(&self) -> usize {
        self.nodes.len() - 1
    }

    /// Adds `e`'s nodes (inputs first) and returns its own; `next` is `e`'s pre-order number.
    fn add(&mut self, e: &Expr, next: &mut usize) -> usize {
        let origin = *next;
        *next += 1;
        let (op, inputs): (Op, Vec<&Expr>) = match e {
            Expr::Var(name) => {
                if let Some(known) = self.nodes.iter().position(|n| n.op == Op::Input(name)) {
                    return known;
                }
                (Op::Input(name), vec![])
            }
            Expr::Num(d) => (Op::Constant(*d), vec![]),
            // a − b, written as a + (−b): one node, as it is written (−b's number is skipped).
            Expr::Add(terms) if matches!(terms.as_slice(), [_, Expr::Neg(_)]) => {
                let Expr::Neg(b) = &terms[1] else {
                    unreachable!()
                };
                let a = self.add(&terms[0], next);
                *next += 1;
                let b = self.add(b, next);
                return self.push(Op::Sub, vec![a, b], origin);
            }
            Expr::Add(terms) => (Op::Add, terms.iter().collect()),
            Expr::Mul(factors) => (Op::Mul, factors.iter().collect()),
            Expr::Div(a, b) => (Op::Div, vec![a, b]),
            Expr::Pow(a, b) => (Op::Pow, vec![a, b]),
            Expr::Neg(x) => (Op::Neg, vec![x]),
            Expr::Call(f, x) => (Op::Call(*f), vec![x]),
            // The formula language makes nothing else; a value stands as a constant would.
            other => (Op::Constant(Decimal::from_int(0)), {
                debug_assert!(false, "no graph node for {other}");
                vec![]
            }),
        };
        let inputs = inputs.into_iter().map(|i| self.add(i, next)).collect();
        self.push(op, inputs, origin)
    }

    fn push(&mut self, op: Op, inputs: Vec<usize>, origin: usize) -> usize {
        self.nodes.push(Node {
            op,
            inputs,
            origin,
            name: None,
            definition: None,
        });
        self.nodes.len() - 1
    }

    /// The node's formula in its inputs' slots, constants written in: `□0·□1`, `□0^2`.
    pub fn local_formula(&self, n: usize) -> Expr {
        let node = &self.nodes[n];
        let input = |k: usize| match self.nodes[node.inputs[k]].op {
            Op::Constant(d) => Expr::Num(d),
            _ => Expr::Var(slot(k)),
        };
        match node.op {
            Op::Input(name) | Op::Data(name) => Expr::Var(name),
            Op::Constant(d) => Expr::Num(d),
            Op::Loss => node.definition.clone().unwrap_or(Expr::int(0)),
            Op::SoftmaxWithLoss => network::softmax_with_loss(node.inputs.len() / 2),
            Op::Add => Expr::Add((0..node.inputs.len()).map(input).collect()),
            Op::Sub => Expr::minus(input(0), input(1)),
            Op::Mul => Expr::Mul((0..node.inputs.len()).map(input).collect()),
            Op::Div => Expr::Div(Box::new(input(0)), Box::new(input(1))),
            Op::Pow => Expr::pow(input(0), input(1)),
            Op::Neg => Expr::Neg(Box::new(input(0))),
            Op::Call(f) => Expr::call(f, input(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Expr {
        Expr::Var("x")
    }

    #[test]
    fn a_variable_read_twice_is_one_node_with_two_edges() {
        // x·x + x: one x, a product, a sum.
        let e = Expr::Add(vec![Expr::Mul(vec![x(), x()]), x()]);
        let graph = Graph::from_expr(&e);
        let ops: Vec<String> = graph.nodes.iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["input", "mul", "add"]);
        assert_eq!(graph.nodes[1].inputs, [0, 0]);
        let worked = work(graph, &|_| Some(Value::int(3))).unwrap();
        assert_eq!(worked.value().exact(), Value::int(12).exact());
        assert_eq!(worked.gradients[0].exact(), Value::int(7).exact());
        assert_eq!(worked.edges_from(0).count(), 3);
    }

    #[test]
    fn origins_are_the_formulas_pre_order_and_a_difference_is_one_node() {
        // (x − 2)·y: pre-order Mul 0, Add 1, x 2, Neg 3, 2 4, y 5.
        let e = Expr::Mul(vec![Expr::minus(x(), Expr::int(2)), Expr::Var("y")]);
        let graph = Graph::from_expr(&e);
        let seen: Vec<(String, usize)> = graph
            .nodes
            .iter()
            .map(|n| (n.op.name(), n.origin))
            .collect();
        let expected = [
            ("input", 2),
            ("const", 4),
            ("sub", 1),
            ("input", 5),
            ("mul", 0),
        ];
        let expected: Vec<(String, usize)> =
            expected.iter().map(|(o, n)| (o.to_string(), *n)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn local_derivatives_name_their_rule_and_constants_get_none() {
        let e = Expr::pow(x(), Expr::int(2));
        let worked = work(Graph::from_expr(&e), &|_| Some(Value::int(-3))).unwrap();
        let into: Vec<&Edge> = worked.edges.iter().collect();
        let base = into.iter().find(|e| e.from == 0).unwrap();
        let back = base.back.as_ref().unwrap();
        assert_eq!(back.local.rules.first(), Some(&"power rule"));
        assert_eq!(back.backward.exact(), Value::int(-6).exact());
        assert!(into.iter().find(|e| e.from == 1).unwrap().back.is_none());
    }

    #[test]
    fn edges_between_the_same_nodes_spread_and_skipping_edges_bend() {
        let places = [
            Place {
                column: 0,
                row: 0.0,
            },
            Place {
                column: 1,
                row: 0.0,
            },
            Place {
                column: 2,
                row: 0.0,
            },
        ];
        let edges = [(0, 1), (0, 1), (1, 2), (0, 2)];
        assert_eq!(bends(&edges, &places), [-1, 1, 0, -2]);
    }
}
