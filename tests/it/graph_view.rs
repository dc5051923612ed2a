//! `derive FILE --view graph|both` (issue 17 part 1): the network as a computational graph.
//! The graph's backward values come from its own pass; here they are checked against the
//! layer view's δ and ∂E/∂w at full precision for every example, the documents compiled in
//! English and Japanese without overfull boxes (the article, a 10-10-10 network with biases),
//! the Markdown through KaTeX, the layer view unchanged by the option, and every network the
//! view cannot draw refused at its statement.

use serde_json::Value as Json;

use crate::support::{
    examples, full_matrix, in_parallel, overfull_boxes, run, stdout, subset, tool_available_for,
};

fn view(file: &str, extra: &[&str]) -> String {
    let mut args = vec!["derive", file, "--view", "graph"];
    args.extend_from_slice(extra);
    stdout(&run(&args))
}

fn view_json(file: &str) -> Json {
    serde_json::from_str(&view(file, &["-f", "json"])).expect("valid JSON")
}

/// `a_1^(2)` → (2, [1]); `w_12^(1)` → (1, [1, 2]); `w_10,3^(1)` → (1, [10, 3]).
fn indices(label: &str, letter: &str) -> Option<(usize, Vec<usize>)> {
    let rest = label.strip_prefix(letter)?.strip_prefix('_')?;
    let (sub, layer) = rest.split_once("^(")?;
    let layer = layer.strip_suffix(')')?.parse().ok()?;
    let sub: Vec<usize> = if sub.contains(',') {
        sub.split(',')
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?
    } else if letter == "w" {
        sub.chars()
            .map(|c| c.to_digit(10).map(|d| d as usize))
            .collect::<Option<_>>()?
    } else {
        vec![sub.parse().ok()?]
    };
    Some((layer, sub))
}

fn close(actual: f64, expected: f64, what: &str) {
    let scale = expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= 1e-12 * scale,
        "{what}: the graph's {actual} vs the layer view's {expected}"
    );
}

/// Every backward value at a sum node (the node's gradient and the edge out of it) against
/// δ, and every gradient to a weight or bias (the node's and its edge into the product or
/// sum) against ∂E/∂w: with one sample the layer view's grad_W, with several the first
/// sample's δ_i z_j, as the graph is of the first sample. Returns how many were compared.
fn agree(file: &str) -> usize {
    let graph_view = view_json(file);
    let layers = crate::support::json(file, &[]);
    let step = &layers["steps"][0]["layers"];
    let samples = layers["samples"].as_u64().unwrap();
    let graph = &graph_view["graph"];
    let nodes = graph["nodes"].as_array().unwrap();
    let edges = graph["edges"].as_array().unwrap();
    let mut compared = 0;
    for node in nodes {
        let label = node["label"].as_str().unwrap();
        let id = node["id"].as_u64().unwrap();
        let expected = if let Some((l, i)) = indices(label, "a") {
            step[l - 1]["delta"][0][i[0] - 1].as_f64().unwrap()
        } else if let Some((l, ij)) = indices(label, "w") {
            let (i, j) = (ij[0] - 1, ij[1] - 1);
            match samples {
                1 => step[l - 1]["grad_W"][i][j].as_f64().unwrap(),
                _ => {
                    let delta = step[l - 1]["delta"][0][i].as_f64().unwrap();
                    let z = match l {
                        1 => layers_input(file, j),
                        _ => step[l - 2]["z"][0][j].as_f64().unwrap(),
                    };
                    delta * z
                }
            }
        } else if let Some((l, i)) = indices(label, "b") {
            match samples {
                1 => step[l - 1]["grad_b"][i[0] - 1].as_f64().unwrap(),
                _ => step[l - 1]["delta"][0][i[0] - 1].as_f64().unwrap(),
            }
        } else {
            continue;
        };
        close(
            node["gradient"].as_f64().unwrap(),
            expected,
            &format!("{file} {label}"),
        );
        for edge in edges.iter().filter(|e| e["from"] == id) {
            let back = edge["backward"].as_f64().unwrap();
            close(back, expected, &format!("{file} edge from {label}"));
            compared += 1;
        }
        compared += 1;
    }
    compared
}

/// x_j of the first sample (the layer view's JSON does not hold the input), as the file
/// gives it: the graph view's input node, a given value, not a computed one.
fn layers_input(file: &str, j: usize) -> f64 {
    let graph_view = view_json(file);
    let label = format!("x_{}", j + 1);
    graph_view["graph"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == label.as_str())
        .and_then(|n| n["value"].as_f64())
        .unwrap()
}

#[test]
fn every_backward_value_of_the_graph_is_the_layer_views_delta_or_gradient() {
    let mut files = 0;
    for file in examples() {
        let output = run(&["derive", &file, "--view", "graph", "-f", "json"]);
        if !output.status.success() {
            // A network the view refuses says so at its statement (tested below).
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("--view graph"), "{file}: {stderr}");
            continue;
        }
        let compared = agree(&file);
        assert!(compared > 10, "{file}: only {compared} values compared");
        files += 1;
    }
    // article, custom, deep, exam, softmax: all of them drawn.
    assert_eq!(files, examples().len());
}

#[test]
fn the_article_as_a_graph_has_its_product_sum_activation_and_loss_nodes() {
    let json = view_json("examples/article.nn");
    let nodes = json["graph"]["nodes"].as_array().unwrap();
    let count = |op: &str| nodes.iter().filter(|n| n["op"] == op).count();
    // 3·2 + 2·2 weights, a sum node per unit and the loss E = E_1 + E_2.
    assert_eq!(count("mul"), 10);
    assert_eq!(count("add"), 5);
    assert_eq!(count("loss"), 2);
    assert_eq!(count("data"), 5);
    // The layer view's JSON is all there, the graph beside it.
    assert!(json["steps"][0]["layers"][0]["delta"].is_array());
    let e = nodes.last().unwrap();
    assert_eq!(e["label"], "E");
    let layers = crate::support::json("examples/article.nn", &[]);
    assert_eq!(e["value"], layers["steps"][0]["loss"]);
}

#[test]
fn the_rows_name_each_node_as_the_textbook_does() {
    let en = view("examples/article.nn", &[]);
    for said in [
        "Multiplication node",
        "Addition node",
        "Sigmoid node",
        "Loss node",
        "the layer view\\textquotesingle{}s $\\delta$",
        "\\frac{\\partial E}{\\partial w_{11}^{(1)}} &=&\\frac{\\partial E}{\\partial w_{11}^{(1)}x_1}\\cdot x_1",
        "\\begin{eqnarray*}",
    ] {
        assert!(en.contains(said), "{said} missing");
    }
    let ja = view("examples/article.nn", &["--lang", "ja", "--env", "align"]);
    for said in [
        "乗算ノード",
        "加算ノード",
        "シグモイドノード",
        "損失ノード",
        "逆伝播",
        "\\begin{align*}",
    ] {
        assert!(ja.contains(said), "{said} missing");
    }
    let softmax = view("examples/softmax.nn", &[]);
    assert!(softmax.contains("Softmax-with-Loss node"));
    assert!(softmax.contains("first sample"), "several samples: said so");
}

#[test]
fn the_layer_view_is_the_default_and_both_holds_the_two() {
    let plain = crate::support::derive("examples/article.nn", &[]);
    assert_eq!(
        crate::support::derive("examples/article.nn", &["--view", "layers"]),
        plain
    );
    let both = crate::support::derive("examples/article.nn", &["--view", "both"]);
    assert!(both.starts_with(&plain), "the layer view first");
    assert!(both.contains("\\section*{The computational graph}"));
    let document = crate::support::derive(
        "examples/article.nn",
        &["--view", "both", "-f", "document", "--no-diagram"],
    );
    assert!(
        document.contains("\\usepackage{tikz}"),
        "tikz loaded for the graph"
    );
    assert_eq!(document.matches("\\end{document}").count(), 1);
}

/// A 10-10-10 network with biases, from `gen`.
fn ten_ten_ten() -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".nn").tempfile().unwrap();
    let text = stdout(&run(&[
        "gen", "--sizes", "10,10,10", "--bias", "--seed", "3",
    ]));
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn a_big_network_is_drawn_as_one_path_and_its_rows_cover_every_node() {
    let file = ten_ten_ten();
    let path = file.path().to_string_lossy().into_owned();
    let latex = view(&path, &[]);
    assert!(
        latex.contains("The other 198 product nodes are drawn the same way"),
        "{latex:.2000}"
    );
    // A row for every weight's gradient and every bias's, though two are drawn.
    let rows = |of: &str| {
        latex
            .matches(&format!(
                "the layer view\\textquotesingle{{}}s gradient of the {of}"
            ))
            .count()
    };
    assert_eq!((rows("weight"), rows("bias")), (200, 20));
    let ja = view(&path, &["--lang", "ja"]);
    assert!(ja.contains("残りの198個の乗算ノード"));
    assert!(agree(&path) > 400);
}

#[test]
fn the_graph_documents_compile_in_english_and_japanese_without_overfull_boxes() {
    let big = ten_ten_ten();
    let big = big.path().to_string_lossy().into_owned();
    // The article and softmax.nn views and the article's `--view both`, in both languages,
    // and the 10-10-10's 59 pages (55 in Japanese) with the full matrix; a plain run compiles
    // the article's and the view both in English, softmax.nn's in Japanese.
    let mut all = Vec::new();
    for (engine, lang) in [("pdflatex", "en"), ("lualatex", "ja")] {
        let en = lang == "en";
        all.push((engine, lang, "examples/article.nn", "graph", en));
        all.push((engine, lang, "examples/softmax.nn", "graph", !en));
        all.push((engine, lang, "examples/article.nn", "both", en));
        all.push((engine, lang, big.as_str(), "graph", false));
    }
    let total = all.len();
    let mut documents = Vec::new();
    for (engine, lang, file, which, plain) in all {
        if (plain || full_matrix()) && tool_available_for(engine, "the graph documents' compile") {
            let args = ["--view", which, "-f", "document", "--lang", lang];
            let tex = crate::support::derive(file, &args);
            documents.push((engine, format!("{file} --view {which} in {lang}"), tex));
        }
    }
    if !full_matrix() {
        subset(&format!(
            "{} of {total} graph-view documents",
            documents.len()
        ));
    }
    let failures = in_parallel(documents, |(engine, what, tex)| {
        match overfull_boxes(engine, &tex) {
            0 => Vec::new(),
            n => vec![format!("{what}: {n} overfull boxes")],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_graph_markdown_renders_in_katex_and_zenn() {
    if !crate::markdown::renderers::renderers_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    // The article's sigmoid, softmax.nn's ReLU, tanh and Softmax-with-Loss: each node's words
    // with their inline math.
    let posts = ["examples/article.nn", "examples/softmax.nn"]
        .into_iter()
        .flat_map(|file| ["en", "ja"].map(|lang| (file, lang)));
    for (n, (file, lang)) in posts.enumerate() {
        let markdown = view(
            file,
            &["-f", "markdown", "--flavor", "zenn", "--lang", lang],
        );
        let math: Vec<Json> = crate::markdown::markdown_math(&markdown, "$$", "$$")
            .into_iter()
            .map(|(math, display)| serde_json::json!({"math": math, "display": display}))
            .collect();
        assert!(math.len() > 30, "{markdown}");
        let path = dir.path().join(format!("view-{n}.md"));
        std::fs::write(&path, &markdown).unwrap();
        files.push(serde_json::json!({"path": path, "math": math}));
    }
    let list = dir.path().join("files.json");
    std::fs::write(&list, serde_json::to_string(&files).unwrap()).unwrap();
    let said = crate::markdown::renderers::node("zenn.mjs", &list);
    assert!(said.contains(" 0 failed"), "{said}");
}

#[test]
fn a_graph_post_gets_its_svg_beside_it_and_both_gets_two() {
    let dir = tempfile::tempdir().unwrap();
    let post = dir.path().join("post.md");
    let post_arg = post.to_string_lossy().into_owned();
    crate::support::derive(
        "examples/article.nn",
        &["--view", "both", "-f", "markdown", "-o", &post_arg],
    );
    let markdown = std::fs::read_to_string(&post).unwrap();
    assert!(markdown.contains("](post-graph.svg)"), "{markdown}");
    assert!(markdown.contains("](post-network.svg)"), "{markdown}");
    let svg = std::fs::read_to_string(dir.path().join("post-graph.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("fill=\"#c62828\""), "backward values in red");
    assert!(dir.path().join("post-network.svg").exists());
}

/// The network files the view refuses: name, file text, what the message says.
fn refusals() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "dropout",
            "input x = [1, 2]\nlayer sigmoid\n  W = [[0.1, 0.2], [0.3, 0.4]]\n  dropout mask = [[1, 0]], keep = 0.5\nlayer identity\n  W = [[1, 2]]\ntarget t = [1]\nloss sum_squared\nsgd lr = 0.1\n",
            "cannot draw dropout (layer 1)",
        ),
        (
            "weight_decay",
            "input x = [1, 2]\nlayer identity\n  W = [[1, 2]]\ntarget t = [1]\nloss sum_squared\nweight_decay 0.01\nsgd lr = 0.1\n",
            "cannot draw weight_decay",
        ),
        (
            "softmax_without_cross_entropy",
            "input x = [1, 2]\nlayer softmax\n  W = [[1, 2], [3, 4]]\ntarget t = [0, 1]\nloss sum_squared\nsgd lr = 0.1\n",
            "only with cross_entropy",
        ),
    ]
}

#[test]
fn a_network_the_view_cannot_draw_is_refused_at_its_statement() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, says) in refusals() {
        let path = dir.path().join(format!("{name}.nn"));
        std::fs::write(&path, text).unwrap();
        let path = path.to_string_lossy().into_owned();
        let output = run(&["derive", &path, "--view", "graph"]);
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&path, &format!("{name}.nn"));
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("--> {name}.nn:")),
            "not located: {stderr}"
        );
        insta::assert_snapshot!(format!("view_refused_{name}"), stderr);
        // The layer view works them all.
        assert!(run(&["derive", &path]).status.success(), "{name}");
    }
    // More weights than the view works rows for: refused at the first layer.
    let big = dir.path().join("big.nn");
    let text = stdout(&run(&["gen", "--sizes", "50,41"]));
    std::fs::write(&big, text).unwrap();
    let big = big.to_string_lossy().into_owned();
    let output = run(&["derive", &big, "--view", "graph"]);
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&big, "too_many_weights.nn");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("at most 2000 weights") && stderr.contains("has 2050"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> too_many_weights.nn:"),
        "not located: {stderr}"
    );
    insta::assert_snapshot!("view_refused_too_many_weights", stderr);
}

#[test]
fn the_articles_graph_view_is_pinned_in_every_format() {
    let file = "examples/article.nn";
    insta::assert_snapshot!("view-article-latex-en", view(file, &[]));
    insta::assert_snapshot!("view-article-latex-ja", view(file, &["--lang", "ja"]));
    insta::assert_snapshot!(
        "view-article-markdown-zenn",
        view(file, &["-f", "markdown", "--flavor", "zenn"])
    );
    insta::assert_snapshot!("view-article-json", view(file, &["-f", "json"]));
    insta::assert_snapshot!("view-article-svg", view(file, &["-f", "svg"]));
}

#[test]
fn options_the_graph_view_has_nothing_to_do_with_are_refused_as_usage_errors() {
    let file = "examples/article.nn";
    let cases: [(&[&str], &str); 6] = [
        (
            &["--view", "graph", "--carry", "rounded"],
            "--carry rounded",
        ),
        (&["--view", "both", "--carry", "rounded"], "--carry rounded"),
        (
            &["--view", "graph", "--templates", "templates"],
            "--templates",
        ),
        (&["--view", "graph", "--form", "matrix"], "--form"),
        (&["--view", "graph", "--no-diagram"], "--no-diagram"),
        (&["--view", "both", "-f", "svg"], "-f svg"),
    ];
    for (extra, option) in cases {
        let mut args = vec!["derive", file];
        args.extend_from_slice(extra);
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{extra:?} wrote output");
        assert!(stderr.contains(option), "{extra:?}: {stderr}");
    }
    // The layer view keeps every one of them.
    for extra in [
        &["--carry", "rounded"][..],
        &["--form", "matrix"],
        &["--no-diagram"],
    ] {
        let mut args = vec!["derive", file];
        args.extend_from_slice(extra);
        stdout(&run(&args));
    }
}

#[test]
fn the_json_labels_are_the_plain_names_and_a_given_value_has_no_gradient() {
    let graph = &view_json("examples/article.nn")["graph"];
    let nodes = graph["nodes"].as_array().unwrap();
    let labels: Vec<&str> = nodes.iter().filter_map(|n| n["label"].as_str()).collect();
    for name in [
        "w_11^(1) x_1",
        "w_12^(2) z_2^(1)",
        "a_1^(1)",
        "E_1",
        "E_2",
        "E",
    ] {
        assert!(
            labels.contains(&name),
            "no node labelled {name}: {labels:?}"
        );
    }
    for label in &labels {
        assert!(
            !label.contains(['(', '{']) || label.contains("^("),
            "not a plain name: {label}"
        );
        assert!(!label.starts_with('('), "an S-expression: {label}");
    }
    for node in nodes {
        let data = node["op"] == "data";
        assert_eq!(node["gradient"].is_null(), data, "{node}");
    }
}

#[test]
fn the_svg_and_the_tikz_picture_label_the_nodes_alike() {
    let svg = view("examples/article.nn", &["-f", "svg"]);
    let tikz = view("examples/article.nn", &["-f", "latex"]);
    let node = |label: &str| format!("{{${label}$}};");
    // The identity output's nodes are o in both, the hidden sigmoid's h.
    assert_eq!(tikz.matches(&node("o")).count(), 2, "{tikz}");
    assert_eq!(
        svg.matches("dominant-baseline=\"central\">o</text>")
            .count(),
        2
    );
    assert_eq!(
        svg.matches("dominant-baseline=\"central\">h</text>")
            .count(),
        2
    );
    // The loss parts are E_1 and E_2 in both, in italic as math sets a letter.
    for k in ["1", "2"] {
        assert!(tikz.contains(&node(&format!("E_{k}"))), "{tikz}");
        let part = format!(
            "font-style=\"italic\"><tspan font-style=\"italic\">E</tspan><tspan dy=\"4\" \
             font-size=\"9\">{k}</tspan></text>"
        );
        assert!(svg.contains(&part), "no E_{k} node in the SVG");
    }
}

#[test]
fn a_one_sample_file_of_several_steps_is_said_in_plain_words_and_a_bias_row_says_bias() {
    let article = std::fs::read_to_string("examples/article.nn")
        .unwrap()
        .replace("sgd lr = 0.1 ", "sgd lr = 0.1, steps = 2 ");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), article).unwrap();
    let latex = view(file.path().to_str().unwrap(), &["-f", "latex"]);
    assert!(
        latex.contains("The file has 1 sample and 2 steps"),
        "{latex}"
    );
    assert!(!latex.contains("(s)"), "{latex}");
    assert!(!latex.contains("sums them over the samples"), "{latex}");
    let several = view("examples/softmax.nn", &["-f", "latex"]);
    assert!(several.contains("samples and 2 steps"), "{several}");
    assert!(several.contains("sums them over the samples"));
    assert!(several.contains("s gradient of the bias"));
    let ja = view("examples/softmax.nn", &["-f", "latex", "--lang", "ja"]);
    assert!(ja.contains("層ごとの計算のバイアスの勾配"));
}

#[test]
fn the_graph_view_shows_the_files_title_once() {
    let title = "Backpropagation by hand: a 3-2-2 network";
    let latex = view("examples/article.nn", &[]);
    assert!(latex.contains(&format!("\\section*{{{title}}}")), "{latex}");
    let markdown = view("examples/article.nn", &["-f", "markdown"]);
    assert!(markdown.starts_with(&format!("# {title}\n")), "{markdown}");
    // After the layer view, which has it already, not again.
    for format in ["document", "markdown"] {
        let both = crate::support::derive("examples/article.nn", &["--view", "both", "-f", format]);
        assert_eq!(both.matches(title).count(), 1, "{format}: {both}");
    }
}

/// A ReLU unit at a < 0 and a sigmoid output with cross-entropy at t = 0: the rows where
/// exact zeros meet rounded numbers.
const RELU_AT_NEGATIVE: &str = "input  x = [1, 2]
target t = [0, 1]
layer relu
  W = [[0.5, -1],
       [0.3, 0.2]]
layer sigmoid
  W = [[1, 2],
       [3, 4]]
loss cross_entropy
";

fn view_of(text: &str, extra: &[&str]) -> String {
    let file = tempfile::Builder::new().suffix(".nn").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    view(file.path().to_str().unwrap(), extra)
}

/// The backward row of `lhs` (`\frac{\partial E}{\partial a_1^{(1)}}`), as one line.
fn row_of<'a>(latex: &'a str, lhs: &str) -> &'a str {
    latex
        .lines()
        .find(|line| line.starts_with(&format!("{lhs} &")))
        .unwrap_or_else(|| panic!("no row of {lhs} in {latex}"))
}

#[test]
fn an_exact_zero_is_equal_in_the_graph_view_as_in_the_layer_view() {
    for extra in [&[][..], &["-f", "markdown"][..]] {
        let out = view_of(RELU_AT_NEGATIVE, extra);
        // ReLU'(-1.5) is exactly 0, so the gradient is exactly 0 however rounded 0.1720 is.
        let relu = row_of(&out, "\\frac{\\partial E}{\\partial a_1^{(1)}}");
        assert!(relu.ends_with("h'(-1.5) = 0"), "{relu}");
        // A sigmoid's derivative at 2.8 is not exact: still ≈.
        let sigmoid = row_of(&out, "\\frac{\\partial E}{\\partial a_2^{(2)}}");
        assert!(sigmoid.ends_with("o'(2.8) \\approx -0.05732"), "{sigmoid}");
    }
}

/// Whether `line` shows the number −0: a unary `-0` (not `2.183-0`) not followed by a digit,
/// a point or `\cdot\log` (`-0\cdot\log(y_1)` is −t₁ log y₁ at t₁ = 0, as the layer view
/// writes it).
fn minus_zero(line: &str) -> bool {
    line.match_indices("-0").any(|(at, _)| {
        let unary = !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == ')' || c == '}');
        let rest = &line[at + 2..];
        unary
            && !rest.starts_with(|c: char| c.is_ascii_digit() || c == '.')
            && !rest.starts_with("\\cdot\\log")
    })
}

#[test]
fn no_number_of_the_graph_view_is_minus_zero() {
    let article = view("examples/article.nn", &[]);
    assert!(article.contains("(2.183-0)") && !article.lines().any(minus_zero));
    for format in ["latex", "markdown"] {
        let out = view_of(RELU_AT_NEGATIVE, &["-f", format]);
        // -t_1/y_1 at t_1 = 0 is 0, exactly: `1\cdot0 = 0`, not `1\cdot(-0)`.
        let row = row_of(&out, "\\frac{\\partial E}{\\partial y_1}");
        assert!(row.ends_with("= 1\\cdot0 = 0"), "{row}");
        let found: Vec<&str> = out.lines().filter(|l| minus_zero(l)).collect();
        assert!(found.is_empty(), "{format}: {found:#?}");
    }
}

/// Every number under `value`, with where it is.
fn numbers_in<'a>(value: &'a Json, at: String, out: &mut Vec<(String, &'a Json)>) {
    match value {
        Json::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                numbers_in(item, format!("{at}[{n}]"), out);
            }
        }
        Json::Object(map) => {
            for (key, item) in map {
                numbers_in(item, format!("{at}.{key}"), out);
            }
        }
        Json::Number(_) => out.push((at, value)),
        _ => {}
    }
}

#[test]
fn the_graphs_json_has_no_minus_zero_where_a_sigmoid_underflows() {
    // σ(-800) is 0 in floats: the gradients through it underflow, with a sign.
    let text = "input x = [1, -1]\ntarget t = [0, 1]\nlayer sigmoid\n  W = [[-800, 1], [800, 2]]\n\
                layer identity\n  W = [[-1, 2], [3, -4]]\nloss sum_squared\n";
    let json: Json = serde_json::from_str(&view_of(text, &["-f", "json"])).unwrap();
    let mut numbers = Vec::new();
    numbers_in(&json["graph"], "graph".into(), &mut numbers);
    assert!(numbers.len() > 40, "{json}");
    let zeros: Vec<&String> = numbers
        .iter()
        .filter(|(_, n)| n.as_f64() == Some(0.0))
        .map(|(at, _)| at)
        .collect();
    assert!(!zeros.is_empty(), "the underflow gives zeros");
    let minus: Vec<&String> = numbers
        .iter()
        .filter(|(_, n)| n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()))
        .map(|(at, _)| at)
        .collect();
    assert!(minus.is_empty(), "-0 at {minus:?}");
}

#[test]
fn the_loss_nodes_row_says_the_losss_derivative_not_a_rule() {
    for (lang, note) in [
        (
            "en",
            "\\noindent Loss node: the upstream gradient times the loss\\textquotesingle{}s derivative",
        ),
        ("ja", "\\noindent 損失ノード: 上流の勾配に損失関数の微分を掛ける"),
    ] {
        // Half of a square (product rule) and a file's own loss (power rule).
        for file in ["examples/article.nn", "examples/custom.nn"] {
            let latex = view(file, &["--lang", lang]);
            let notes: Vec<&str> = latex.lines().filter(|l| l.contains("ノード: 上流の勾配に損失") || l.contains("Loss node:")).collect();
            assert!(!notes.is_empty(), "{file} {lang}: no loss node");
            assert!(notes.iter().all(|n| *n == note), "{file} {lang}: {notes:#?}");
        }
    }
}

/// A line of prose without its math (`$…$`).
fn words_of(line: &str) -> String {
    line.split('$').step_by(2).collect()
}

#[test]
fn the_prose_of_the_graph_view_writes_its_math_as_math() {
    let sigmoid = "$\\sigma'(a)=\\sigma(a)(1-\\sigma(a))$";
    for lang in ["en", "ja"] {
        for format in ["latex", "markdown"] {
            let relu = view_of(RELU_AT_NEGATIVE, &["-f", format, "--lang", lang]);
            let softmax = view("examples/softmax.nn", &["-f", format, "--lang", lang]);
            let custom = view("examples/custom.nn", &["-f", format, "--lang", lang]);
            let both = format!("{relu}{softmax}{custom}");
            for math in [
                sigmoid,
                "$a>0$",
                "$\\partial E/\\partial w$",
                "$\\delta$",
                "$y_k-t_k$",
                "$a_k$",
                "$1-\\tanh(a)^2$",
                "$h'(a)$",
                "$E$",
            ] {
                assert!(both.contains(math), "{lang} {format}: no {math}");
            }
            for plain in [
                "sigma",
                "delta",
                "dE/dw",
                "y_k - t_k",
                "tanh(a)^2 ",
                "a > 0",
                "derivative h'",
            ] {
                let prose = both.lines().filter(|l| !l.contains('&')).map(words_of);
                let found: Vec<String> = prose.filter(|l| l.contains(plain)).collect();
                assert!(found.is_empty(), "{lang} {format}: {plain} in {found:#?}");
            }
        }
    }
}

#[test]
fn an_english_graph_document_of_a_japanese_title_compiles_with_lualatex() {
    let article = std::fs::read_to_string("examples/article.nn")
        .unwrap()
        .replace(
            "Backpropagation by hand: a 3-2-2 network",
            "ＲｅＬＵ：手計算 & 100%",
        );
    let tex = view_of(&article, &["-f", "document"]);
    assert!(tex.contains("\\usepackage{luatexja}"), "{tex:.600}");
    assert!(tex.contains("compile with lualatex"));
    if crate::support::tool_available_for("lualatex", "the Japanese title's document") {
        assert_eq!(overfull_boxes("lualatex", &tex), 0);
    }
    // Without one, as before: pdflatex.
    assert!(view("examples/article.nn", &["-f", "document"]).contains("\\usepackage[T1]{fontenc}"));
}
