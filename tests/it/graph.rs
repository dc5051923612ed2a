//! `graph "FORMULA" --at …` (issue 17): the computational graph's numbers against the
//! CS231n example, against central finite differences and against an autodiff written here
//! (a tiny expression type of its own, not the code under test); the LaTeX compiled in
//! English and Japanese without overfull boxes; the Markdown rendered by Zenn and KaTeX; and
//! every hostile input refused with a located message and exit 1.

use serde_json::Value as Json;

use crate::support::{overfull_boxes, run, stdout, tex_available, Rng};

fn graph(formula: &str, at: &str, extra: &[&str]) -> String {
    let mut args = vec!["graph", formula, "--at", at];
    args.extend_from_slice(extra);
    stdout(&run(&args))
}

fn graph_json(formula: &str, at: &str) -> Json {
    serde_json::from_str(&graph(formula, at, &["-f", "json"])).expect("valid JSON")
}

#[test]
fn the_cs231n_example_gives_f_and_every_partial() {
    let json = graph_json("(x+y)*z", "x=-2,y=5,z=-4");
    assert_eq!(json["value"], -12.0);
    assert_eq!(json["partials"]["x"], -4.0);
    assert_eq!(json["partials"]["y"], -4.0);
    assert_eq!(json["partials"]["z"], 3.0);
    let nodes = json["graph"]["nodes"].as_array().unwrap();
    let ops: Vec<&str> = nodes.iter().map(|n| n["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["input", "input", "add", "input", "mul"]);
    // The edge from the sum into the product carries 3 forward and −4 back.
    let edges = json["graph"]["edges"].as_array().unwrap();
    let sum_to_product = edges
        .iter()
        .find(|e| e["from"] == 2 && e["to"] == 4)
        .unwrap();
    assert_eq!(sum_to_product["forward"], 3.0);
    assert_eq!(sum_to_product["backward"], -4.0);
}

#[test]
fn the_rows_go_from_the_formula_to_the_numbers_to_the_value() {
    let latex = graph("(x+y)*z", "x=-2,y=5,z=-4", &[]);
    assert!(latex.contains("u_{1} &=&x+y = -2+5 = 3"), "{latex}");
    assert!(latex.contains("f &=&u_{1}z = 3\\cdot(-4) = -12"), "{latex}");
    assert!(
        latex.contains("\\frac{\\partial f}{\\partial x} &=&\\frac{\\partial f}{\\partial u_{1}}\\cdot1 = (-4)\\cdot1 = -4"),
        "{latex}"
    );
    assert!(latex.contains("Multiplication node"), "{latex}");
    // A rounded value is written with ≈, never =.
    let rounded = graph("sigmoid(x)", "x=1", &[]);
    assert!(rounded.contains("\\approx 0.7311"), "{rounded}");
    assert!(!rounded.contains("= 0.7311"), "{rounded}");
}

#[test]
fn the_rows_are_set_in_the_environment_env_asks_for_as_derives_are() {
    let eqnarray = graph("(x+y)*z", "x=-2,y=5,z=-4", &["-f", "document"]);
    assert!(eqnarray.contains("\\begin{eqnarray*}"), "{eqnarray}");
    assert!(eqnarray.contains("u_{1} &=&x+y = -2+5 = 3"), "{eqnarray}");
    assert!(!eqnarray.contains("align"), "{eqnarray}");
    let align = graph(
        "(x+y)*z",
        "x=-2,y=5,z=-4",
        &["-f", "document", "--env", "align"],
    );
    assert!(align.contains("\\begin{align*}"), "{align}");
    assert!(align.contains("u_{1} &= x+y = -2+5 = 3"), "{align}");
    assert!(!align.contains("eqnarray"), "{align}");
    // The body honours it too; Markdown's rows are always `aligned`, for KaTeX.
    let body = graph("x*x", "x=3", &["--env", "align"]);
    assert!(
        body.contains("\\begin{align*}") && !body.contains("eqnarray"),
        "{body}"
    );
    let markdown = graph("x*x", "x=3", &["-f", "markdown", "--env", "eqnarray"]);
    assert!(markdown.contains("\\begin{aligned}") && !markdown.contains("eqnarray"));
    // A row too wide for the line is broken, a relation a line, in either environment.
    let wide = "sigmoid(w1*x1+w2*x2+b)*tanh(x1*x2)/(1+exp(-x1))";
    let at = "w1=0.5,w2=-1.5,x1=2,x2=0.25,b=0.1";
    let broken = graph(wide, at, &[]);
    assert!(broken.contains("\\\\\n&\\approx&"), "{broken}");
    let broken = graph(wide, at, &["--env", "align"]);
    assert!(broken.contains("\\\\\n&\\approx "), "{broken}");
}

#[test]
fn the_nodes_between_are_never_named_as_a_variable_is() {
    // u1 and u_1 both read u-one: the nodes between are u_2, u_3, … then.
    let latex = graph("u1*v+u_1", "u1=2,v=3,u_1=4", &[]);
    assert!(latex.contains("u_{2} &=&u1v = 2\\cdot3 = 6"), "{latex}");
    assert!(!latex.contains("u_{1} &"), "{latex}");
    let json = graph_json("u1*v+u_1", "u1=2,v=3,u_1=4");
    assert_eq!(json["value"], 10.0);
    assert_eq!(json["partials"]["u1"], 3.0);
    assert_eq!(json["partials"]["u_1"], 1.0);
    // f is the output's name in every row: a variable f is refused where it is.
    let message = refused("u1*f+u_1", "u1=1,f=2,u_1=3");
    assert!(message.contains("`f` cannot be a variable"), "{message}");
    assert!(message.contains("<formula>:1:4"), "{message}");
}

#[test]
fn graph_help_lists_the_formats_graph_takes_in_its_own_words() {
    let help = stdout(&run(&["graph", "--help"]));
    for format in ["latex", "document", "markdown", "json", "svg"] {
        assert!(
            help.contains(&format!("- {format}:")),
            "{format} missing:\n{help}"
        );
    }
    let formats = &help[help.find("--format").unwrap()..help.find("--output").unwrap()];
    assert!(
        !formats.contains("network") && !formats.contains("derivation"),
        "{formats}"
    );
    assert!(formats.contains("picture"), "{formats}");
}

#[test]
fn a_constant_is_drawn_beside_the_node_that_reads_it() {
    // (x+y)*2: x and y in column 0, the sum in column 1, the 2 in column 1 beside it, the
    // product in column 2; its edge into the product is straight.
    let tex = graph("(x+y)*2", "x=1,y=2", &[]);
    let column = |name: &str| {
        let line = tex
            .lines()
            .find(|l| l.starts_with(&format!("\\node[node] ({name})")))
            .unwrap_or_else(|| panic!("no {name}:\n{tex}"));
        let at = &line[line.find(" at (").unwrap() + 5..];
        at[..at.find(',').unwrap()].parse::<f64>().unwrap()
    };
    assert_eq!(column("n0"), 0.0);
    assert!(column("n3") > 0.0 && column("n3") == column("n2"), "{tex}");
    assert!(column("n4") > column("n3"));
    assert!(tex.contains("\\draw[->] (n3) -- "), "{tex}");
}

#[test]
fn paths_that_meet_are_summed() {
    // x is read twice: ∂(x·x + x)/∂x = 2x + 1.
    let json = graph_json("x*x+x", "x=3");
    assert_eq!(json["value"], 12.0);
    assert_eq!(json["partials"]["x"], 7.0);
    let latex = graph("x*x+x", "x=3", &[]);
    assert!(latex.contains("paths meet"), "{latex}");
}

#[test]
fn japanese_names_the_nodes_as_the_textbook_does() {
    let ja = graph("(x+y)*z", "x=-2,y=5,z=-4", &["--lang", "ja"]);
    for word in ["乗算ノード", "加算ノード", "逆伝播", "順伝播"] {
        assert!(ja.contains(word), "{word} missing:\n{ja}");
    }
}

/// The independent reference: a formula of its own, evaluated and differentiated by plain
/// recursion (reverse mode by the chain rule, written out per operation).
#[derive(Clone, Debug)]
enum F {
    Var(usize),
    Num(f64),
    Add(Box<F>, Box<F>),
    Sub(Box<F>, Box<F>),
    Mul(Box<F>, Box<F>),
    Div(Box<F>, Box<F>),
    Square(Box<F>),
    Exp(Box<F>),
    Tanh(Box<F>),
    Sigmoid(Box<F>),
    Sin(Box<F>),
    Log1p2(Box<F>),
}

const NAMES: [&str; 3] = ["x", "y", "z"];

impl F {
    fn text(&self) -> String {
        match self {
            F::Var(n) => NAMES[*n].to_string(),
            F::Num(c) => format!("{c}"),
            F::Add(a, b) => format!("({}+{})", a.text(), b.text()),
            F::Sub(a, b) => format!("({}-{})", a.text(), b.text()),
            F::Mul(a, b) => format!("({}*{})", a.text(), b.text()),
            F::Div(a, b) => format!("({}/{})", a.text(), b.text()),
            F::Square(a) => format!("({})^2", a.text()),
            F::Exp(a) => format!("exp({})", a.text()),
            F::Tanh(a) => format!("tanh({})", a.text()),
            F::Sigmoid(a) => format!("sigmoid({})", a.text()),
            F::Sin(a) => format!("sin({})", a.text()),
            F::Log1p2(a) => format!("log(1+({})^2)", a.text()),
        }
    }

    fn uses(&self, variable: usize) -> bool {
        match self {
            F::Var(n) => *n == variable,
            F::Num(_) => false,
            F::Add(a, b) | F::Sub(a, b) | F::Mul(a, b) | F::Div(a, b) => {
                a.uses(variable) || b.uses(variable)
            }
            F::Square(a) | F::Exp(a) | F::Tanh(a) | F::Sigmoid(a) | F::Sin(a) | F::Log1p2(a) => {
                a.uses(variable)
            }
        }
    }

    fn value(&self, at: &[f64]) -> f64 {
        match self {
            F::Var(n) => at[*n],
            F::Num(c) => *c,
            F::Add(a, b) => a.value(at) + b.value(at),
            F::Sub(a, b) => a.value(at) - b.value(at),
            F::Mul(a, b) => a.value(at) * b.value(at),
            F::Div(a, b) => a.value(at) / b.value(at),
            F::Square(a) => a.value(at).powi(2),
            F::Exp(a) => a.value(at).exp(),
            F::Tanh(a) => a.value(at).tanh(),
            F::Sigmoid(a) => 1.0 / (1.0 + (-a.value(at)).exp()),
            F::Sin(a) => a.value(at).sin(),
            F::Log1p2(a) => (1.0 + a.value(at).powi(2)).ln(),
        }
    }

    /// Adds `upstream · ∂self/∂variable` into `grad`, for every variable.
    fn backward(&self, at: &[f64], upstream: f64, grad: &mut [f64]) {
        match self {
            F::Var(n) => grad[*n] += upstream,
            F::Num(_) => {}
            F::Add(a, b) => {
                a.backward(at, upstream, grad);
                b.backward(at, upstream, grad);
            }
            F::Sub(a, b) => {
                a.backward(at, upstream, grad);
                b.backward(at, -upstream, grad);
            }
            F::Mul(a, b) => {
                a.backward(at, upstream * b.value(at), grad);
                b.backward(at, upstream * a.value(at), grad);
            }
            F::Div(a, b) => {
                let (u, v) = (a.value(at), b.value(at));
                a.backward(at, upstream / v, grad);
                b.backward(at, -upstream * u / (v * v), grad);
            }
            F::Square(a) => a.backward(at, upstream * 2.0 * a.value(at), grad),
            F::Exp(a) => a.backward(at, upstream * a.value(at).exp(), grad),
            F::Tanh(a) => a.backward(at, upstream * (1.0 - a.value(at).tanh().powi(2)), grad),
            F::Sigmoid(a) => {
                let s = 1.0 / (1.0 + (-a.value(at)).exp());
                a.backward(at, upstream * s * (1.0 - s), grad);
            }
            F::Sin(a) => a.backward(at, upstream * a.value(at).cos(), grad),
            F::Log1p2(a) => {
                let u = a.value(at);
                a.backward(at, upstream * 2.0 * u / (1.0 + u * u), grad);
            }
        }
    }
}

/// The formulas' values, drawn from the shared SplitMix64 (the same 40 formulas each run).
trait Values {
    fn value(&mut self) -> f64;
}

impl Values for Rng {
    /// A number of one decimal in [−2, 2], never 0.
    fn value(&mut self) -> f64 {
        let tenths = self.below(40) as i64 - 20;
        (if tenths == 0 { 7 } else { tenths }) as f64 / 10.0
    }
}

fn random_formula(rng: &mut Rng, depth: u32) -> F {
    if depth == 0 || rng.below(4) == 0 {
        return match rng.below(5) {
            0 => F::Num((rng.below(9) + 1) as f64 / 2.0),
            n => F::Var((n as usize - 1) % 3),
        };
    }
    let choice = rng.below(12);
    let mut sub = || Box::new(random_formula(rng, depth - 1));
    match choice {
        0 | 1 => F::Add(sub(), sub()),
        2 => F::Sub(sub(), sub()),
        3 | 4 => F::Mul(sub(), sub()),
        // A divisor that is never near 0: 1 + u².
        5 => F::Div(
            sub(),
            Box::new(F::Add(Box::new(F::Num(1.0)), Box::new(F::Square(sub())))),
        ),
        6 => F::Square(sub()),
        7 => F::Tanh(sub()),
        8 => F::Sigmoid(sub()),
        9 => F::Sin(sub()),
        10 => F::Exp(sub()),
        _ => F::Log1p2(sub()),
    }
}

#[test]
fn random_formulas_agree_with_finite_differences_and_an_independent_autodiff() {
    let mut rng = Rng(17);
    let mut checked = 0;
    for _ in 0..40 {
        let f = random_formula(&mut rng, 4);
        let text = f.text();
        let at = [rng.value(), rng.value(), rng.value()];
        let used: Vec<usize> = (0..3).filter(|&n| f.uses(n)).collect();
        if used.is_empty() {
            continue;
        }
        let given: Vec<String> = used
            .iter()
            .map(|&n| format!("{}={}", NAMES[n], at[n]))
            .collect();
        let json = graph_json(&text, &given.join(","));
        let value = json["value"].as_f64().unwrap();
        assert!(
            (value - f.value(&at)).abs() <= 1e-12 * f.value(&at).abs().max(1.0),
            "{text}"
        );
        let mut reference = [0.0; 3];
        f.backward(&at, 1.0, &mut reference);
        for &n in &used {
            let tool = json["partials"][NAMES[n]].as_f64().unwrap();
            let h = 1e-5;
            let (mut up, mut down) = (at, at);
            up[n] += h;
            down[n] -= h;
            let central = (f.value(&up) - f.value(&down)) / (2.0 * h);
            let scale = tool.abs().max(1.0);
            assert!(
                (tool - reference[n]).abs() <= 1e-10 * scale,
                "{text} ∂/∂{}: {tool} vs autodiff {}",
                NAMES[n],
                reference[n]
            );
            assert!(
                (tool - central).abs() <= 1e-6 * scale,
                "{text} ∂/∂{}: {tool} vs central {central}",
                NAMES[n]
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} formulas checked");
}

#[test]
fn the_documents_compile_in_english_and_japanese_without_overfull_boxes() {
    let cases = [
        ("(x+y)*z", "x=-2,y=5,z=-4"),
        ("sigmoid(w*x+b)", "w=2,x=-1,b=-3"),
        ("x*x+x", "x=3"),
        (
            "sigmoid(w1*x1+w2*x2+b)*tanh(x1*x2)/(1+exp(-x1))",
            "w1=0.5,w2=-1.5,x1=2,x2=0.25,b=0.1",
        ),
    ];
    for (engine, lang) in [("pdflatex", "en"), ("lualatex", "ja")] {
        if !tex_available(engine) {
            continue;
        }
        for (n, (formula, at)) in cases.into_iter().enumerate() {
            // Every case in eqnarray, the house style; the first two in align as well.
            for env in ["eqnarray", "align"]
                .into_iter()
                .take(if n < 2 { 2 } else { 1 })
            {
                let tex = graph(
                    formula,
                    at,
                    &["-f", "document", "--lang", lang, "--env", env],
                );
                assert_eq!(
                    overfull_boxes(engine, &tex),
                    0,
                    "{formula} in {lang}, {env}"
                );
            }
        }
    }
}

#[test]
fn the_markdown_renders_in_zenn_and_katex() {
    if !crate::markdown::renderers::renderers_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (n, lang) in ["en", "ja"].iter().enumerate() {
        let markdown = graph(
            "sigmoid(w*x+b)",
            "w=2,x=-1,b=-3",
            &["-f", "markdown", "--flavor", "zenn", "--lang", lang],
        );
        let math: Vec<Json> = crate::markdown::markdown_math(&markdown, "$$", "$$")
            .into_iter()
            .map(|(math, display)| serde_json::json!({"math": math, "display": display}))
            .collect();
        assert!(math.len() > 5, "{markdown}");
        let path = dir.path().join(format!("graph-{n}.md"));
        std::fs::write(&path, &markdown).unwrap();
        files.push(serde_json::json!({"path": path, "math": math}));
    }
    let list = dir.path().join("files.json");
    std::fs::write(&list, serde_json::to_string(&files).unwrap()).unwrap();
    let said = crate::markdown::renderers::node("zenn.mjs", &list);
    assert!(said.contains(" 0 failed"), "{said}");
}

#[test]
fn a_markdown_post_gets_its_svg_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let post = dir.path().join("post.md");
    let post_arg = post.to_string_lossy().into_owned();
    graph(
        "(x+y)*z",
        "x=-2,y=5,z=-4",
        &["-f", "markdown", "-o", &post_arg],
    );
    let markdown = std::fs::read_to_string(&post).unwrap();
    assert!(markdown.contains("](post-graph.svg)"), "{markdown}");
    let svg = std::fs::read_to_string(dir.path().join("post-graph.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    // Forward −12 above the output's edge, backward 1 below it in red.
    assert!(
        svg.contains(">\u{2212}12</text>") && svg.contains("fill=\"#c62828\""),
        "{svg}"
    );
}

/// The message, the location and the exit status of a refused `graph`.
fn refused(formula: &str, at: &str) -> String {
    let output = run(&["graph", formula, "--at", at]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{formula} --at {at}: {stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

/// Each refusal's name (its snapshot, and its entry in docs/errors.md), formula, `--at` and
/// what its message says.
fn refusals() -> Vec<(&'static str, String, &'static str, &'static str)> {
    vec![
        ("no_value", "x*y".into(), "x=1", "`y` has no value"),
        (
            "not_in_formula",
            "x".into(),
            "x=1,w=2",
            "`w` is not a variable of the formula",
        ),
        ("two_values", "x".into(), "x=1,x=2", "two values"),
        (
            "not_an_assignment",
            "x".into(),
            "x",
            "expected `name=number`",
        ),
        ("pdf_minus_in_at", "x".into(), "x=\u{2212}2", "not a number"),
        ("number_too_large", "x".into(), "x=1e99", "too large"),
        (
            "division_by_zero",
            "x/(y-y)".into(),
            "x=1,y=2",
            "division by zero",
        ),
        (
            "log_of_negative",
            "log(x)".into(),
            "x=-1",
            "log of a number that is not positive",
        ),
        (
            "local_derivative",
            "sqrt(x)".into(),
            "x=0",
            "the local derivative of sqrt(x)",
        ),
        (
            "unknown_function",
            "foo(x)".into(),
            "x=1",
            "unknown function",
        ),
        ("pdf_minus", "x\u{2212}y".into(), "x=1,y=2", "U+2212"),
        (
            "full_width_comma",
            "x\u{ff0c}y".into(),
            "x=1,y=2",
            "full-width",
        ),
        ("empty", "".into(), "", "expected"),
        ("unfinished", "x+".into(), "x=1", "expected"),
        (
            "nesting_10000_deep",
            format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000)),
            "x=1",
            "nest",
        ),
        ("too_many_terms", vec!["x"; 400].join("+"), "x=1", "terms"),
        ("too_deep", format!("{}x", "-".repeat(100)), "x=1", "deep"),
        (
            "output_name",
            "u1*f+u_1".into(),
            "u1=1,f=2,u_1=3",
            "cannot be a variable",
        ),
    ]
}

#[test]
fn hostile_formulas_and_values_are_refused_where_they_are() {
    for (name, formula, at, says) in refusals() {
        let message = refused(&formula, at);
        assert!(message.contains(says), "{formula:.40} --at {at}: {message}");
        assert!(message.contains("--> <"), "not located: {message}");
        insta::assert_snapshot!(format!("refused_{name}"), message);
    }
    // A byte-order mark before the formula is read past, as in a file.
    let json = graph_json("\u{feff}x*2", "x=3");
    assert_eq!(json["partials"]["x"], 2.0);
}

/// A `.nn` file holding `text`, in a directory of its own.
fn graph_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.nn");
    std::fs::write(&path, text).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn a_graph_files_formula_limits_the_nesting_of_its_brackets_not_their_number() {
    // 22 groups side by side, 66 brackets in all, nest three deep: read (the scan once counted
    // every opening bracket as one level more).
    let side_by_side = vec!["(((x)))"; 22].join("+");
    let (_dir, path) = graph_file(&format!("graph \"{side_by_side}\" at x = 1\n"));
    let json: Json = serde_json::from_str(&stdout(&run(&["derive", &path, "-f", "json"]))).unwrap();
    assert_eq!(json["value"], 22.0);
    assert_eq!(json["partials"]["x"], 22.0);
    // 65 deep is over the limit, located at the 65th bracket.
    let deep = format!("{}x{}", "(".repeat(65), ")".repeat(65));
    let (_dir, path) = graph_file(&format!("graph \"{deep}\" at x = 1\n"));
    let output = run(&["derive", &path]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("too deeply nested") && message.contains(":1:72"),
        "{message}"
    );
}

#[test]
fn derive_on_a_graph_file_writes_what_graph_writes_in_every_format() {
    let (_dir, path) = graph_file(
        "# CS231n's example\ngraph \"sigmoid(w*x+b)*(x+y)\"\n  at w = 2, x = -1, b = -3, y = 0.5 # values\n",
    );
    let at = "w=2,x=-1,b=-3,y=0.5";
    for options in [
        &["-f", "latex"][..],
        &["-f", "document", "--lang", "ja", "--env", "align"],
        &["-f", "markdown", "--flavor", "zenn", "--digits", "6"],
        &["-f", "json"],
        &["-f", "svg", "--rounding", "half-even"],
    ] {
        let mut args = vec!["derive", path.as_str()];
        args.extend_from_slice(options);
        let derived = stdout(&run(&args));
        assert_eq!(
            derived,
            graph("sigmoid(w*x+b)*(x+y)", at, options),
            "{options:?}"
        );
    }
    let json: Json = serde_json::from_str(&stdout(&run(&["derive", &path, "-f", "json"]))).unwrap();
    // ∂/∂y of s·(x+y) is s = sigmoid(−5).
    let s = 1.0 / (1.0 + 5f64.exp());
    assert!(
        (json["partials"]["y"].as_f64().unwrap() - s).abs() < 1e-15,
        "{json}"
    );
}

#[test]
fn a_graph_file_is_refused_by_the_commands_that_work_networks() {
    let (_dir, path) = graph_file("graph \"x*y\" at x = 1, y = 2\n");
    for command in ["check", "grade"] {
        let output = match command {
            "grade" => run(&[command, path.as_str(), "--sheet"]),
            _ => run(&[command, path.as_str()]),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains("a `graph` statement is worked by `derive FILE`"),
            "{stderr}"
        );
        assert!(stderr.contains("graph.nn:1:1"), "{stderr}");
    }
}
