//! The drawing of the network, as a blog gets it (the SVG beside the post, `-f svg`) and as
//! the PDF gets it (TikZ): the same values in both, wide layers elided and said so, the pair
//! of files written all or nothing, the Markdown's headings nested.

use std::fs;
use std::path::Path;

use crate::support::{derive, root, run, stdout, ARTICLE};

/// The text of every `<text>` element of `svg` (tspans joined), which must parse as XML.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect()
        })
        .collect()
}

/// Every number the TikZ figure writes (unit values and weights), as the SVG writes it:
/// `-1.5\times10^{-7}` → `−1.5×10−7`.
fn tikz_values(latex: &str) -> Vec<String> {
    let figure = latex
        .split(r"\begin{tikzpicture}")
        .nth(1)
        .and_then(|rest| rest.split(r"\end{tikzpicture}").next())
        .expect("a TikZ figure");
    let mut values = Vec::new();
    for line in figure.lines() {
        let value = if line.starts_with(r"\node[unit]") {
            line.rsplit_once(r"\\$")
                .map(|(_, v)| v.trim_end_matches("$};"))
        } else if line.contains("node[weight") {
            line.split("] {$")
                .nth(1)
                .and_then(|rest| rest.split("$}").next())
        } else {
            None
        };
        if let Some(v) = value {
            let v = v.replace(r"\times10^{", "×10").replace('}', "");
            values.push(v.replace('-', "\u{2212}"));
        }
    }
    values
}

fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn as_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A file with a 12-wide input and hidden layer, made by `gen`.
fn wide_network(dir: &Path) -> String {
    let path = dir.join("wide.nn");
    let path = as_str(&path).to_string();
    let args = [
        "gen", "--sizes", "12,12,4", "--seed", "3", "--bias", "-o", &path,
    ];
    stdout(&run(&args));
    path
}

#[test]
fn the_svg_beside_the_post_shows_every_value_of_the_drawing() {
    let dir = out_dir();
    let wide = wide_network(dir.path());
    let tiny = dir.path().join("tiny.nn");
    fs::write(
        &tiny,
        "input x = [0.0000001, -2]\nlayer tanh W = [[-0.00000025, 3]]\ntarget t = [0]\n\
         loss sum_squared\nsgd lr = 0.1\n",
    )
    .unwrap();
    let files = [
        ARTICLE.to_string(),
        "examples/softmax.nn".into(),
        "examples/deep.nn".into(),
        "examples/custom.nn".into(),
        wide,
        as_str(&tiny).into(),
    ];
    for (k, file) in files.iter().enumerate() {
        for lang in ["en", "ja"] {
            let post = dir.path().join(format!("post{k}{lang}.md"));
            let args = ["-f", "markdown", "--lang", lang, "-o", as_str(&post)];
            assert_eq!(derive(file, &args), "");
            let markdown = fs::read_to_string(&post).unwrap();
            let name = format!("post{k}{lang}-network.svg");
            assert!(markdown.contains(&format!("]({name})")), "{markdown}");
            let svg = fs::read_to_string(dir.path().join(&name)).unwrap();
            let texts = svg_texts(&svg);
            let values = tikz_values(&derive(file, &["--lang", lang]));
            assert!(values.len() >= 4, "{file}: {values:?}");
            for value in &values {
                assert!(
                    texts.contains(value),
                    "{file} {lang}: {value} is not in the SVG's text {texts:?}"
                );
            }
            // `-f svg` writes the same drawing alone.
            assert_eq!(derive(file, &["-f", "svg", "--lang", lang]), svg);
        }
    }
}

#[test]
fn wide_layers_are_elided_and_said_so() {
    let dir = out_dir();
    let wide = wide_network(dir.path());
    let latex = derive(&wide, &[]);
    assert!(
        latex.contains(r"\node at (0.0,-2.0) {$\vdots$};"),
        "{latex}"
    );
    assert!(latex.contains(r"{$x_{12}$\\$0.09$}"), "{latex}");
    assert!(!latex.contains("x_{4}$\\\\"), "x4 is left out");
    assert!(
        latex.contains(concat!(
            r"Left out at $\vdots$: $x_{4}$–$x_{11}$ (of the 12 inputs), ",
            r"$z_{4}$–$z_{11}$ (of the 12 units of layer 1)."
        )),
        "{latex}"
    );
    let ja = derive(&wide, &["--lang", "ja"]);
    assert!(
        ja.contains(r"$\vdots$は$x_{4}$〜$x_{11}$(入力12個のうち)"),
        "{ja}"
    );
    let svg = svg_texts(&derive(&wide, &["-f", "svg"]));
    assert!(
        svg.contains(&"⋮ stands for x4–x11 (of the 12 inputs)".to_string()),
        "{svg:?}"
    );
    assert_eq!(svg.iter().filter(|t| *t == "⋮").count(), 2);

    // Deep networks keep their first and last layers; the drawing keeps its width.
    let deep = dir.path().join("deep.nn");
    let args = [
        "gen",
        "--sizes",
        "2,3,3,3,3,3,3,3,2",
        "--seed",
        "1",
        "-o",
        as_str(&deep),
    ];
    stdout(&run(&args));
    let latex = derive(as_str(&deep), &[]);
    assert!(latex.contains(r"$\cdots$"), "{latex}");
    assert!(
        latex.contains(r"Left out at $\cdots$: layers 3–6."),
        "{latex}"
    );
    let widest = latex
        .lines()
        .filter_map(|l| l.strip_prefix(r"\node[unit] ("))
        .filter_map(|l| {
            l.split(") at (")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .fold(0.0, f64::max);
    assert!(widest <= 12.8, "{widest}");
}

#[test]
fn the_post_and_its_drawing_are_written_all_or_nothing() {
    let dir = out_dir();
    let post = dir.path().join("post.md");
    let svg = dir.path().join("post-network.svg");
    // A template that fails: neither file appears.
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    fs::write(templates.join("markdown.md.tera"), "<< no_such_value >>").unwrap();
    let args = [
        "derive",
        ARTICLE,
        "-f",
        "markdown",
        "-o",
        as_str(&post),
        "--templates",
        as_str(&templates),
    ];
    let failed = run(&args);
    assert_eq!(failed.status.code(), Some(1));
    assert!(!post.exists() && !svg.exists());
    // Existing files stay as they were, modes and all, when the post fails…
    fs::write(&post, "old post").unwrap();
    fs::write(&svg, "old drawing").unwrap();
    assert_eq!(run(&args).status.code(), Some(1));
    assert_eq!(fs::read_to_string(&post).unwrap(), "old post");
    assert_eq!(fs::read_to_string(&svg).unwrap(), "old drawing");
    // …and are replaced together when it succeeds, leaving no temporary file.
    assert_eq!(
        derive(ARTICLE, &["-f", "markdown", "-o", as_str(&post)]),
        ""
    );
    assert!(fs::read_to_string(&svg).unwrap().starts_with("<?xml"));
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["post-network.svg", "post.md", "templates"]);
    // A directory where the drawing goes: refused before the post is touched.
    fs::remove_file(&svg).unwrap();
    fs::create_dir(&svg).unwrap();
    fs::write(&post, "old post").unwrap();
    let refused = run(&["derive", ARTICLE, "-f", "markdown", "-o", as_str(&post)]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("post-network.svg"));
    assert_eq!(fs::read_to_string(&post).unwrap(), "old post");
    // The input is never the drawing either.
    let input = dir.path().join("net-network.svg");
    fs::copy(root().join(ARTICLE), &input).unwrap();
    let out = dir.path().join("net.md");
    let same = run(&[
        "derive",
        as_str(&input),
        "-f",
        "markdown",
        "-o",
        as_str(&out),
    ]);
    assert_eq!(same.status.code(), Some(1));
    assert!(!out.exists());
    assert!(fs::read_to_string(&input)
        .unwrap()
        .contains("layer sigmoid"));
}

#[test]
fn a_post_without_a_file_of_its_own_says_how_to_make_its_drawing() {
    for output in [None, Some("-"), Some("/dev/null")] {
        let mut args = vec!["derive", ARTICLE, "-f", "markdown"];
        args.extend(output.iter().flat_map(|o| ["-o", *o]));
        let markdown = stdout(&run(&args));
        if output.is_none() || output == Some("-") {
            assert!(
                markdown.contains("<!-- The drawing of the network: make it with backprop-tex"),
                "{markdown}"
            );
            assert!(!markdown.contains("]("), "{markdown}");
        }
    }
    assert!(!Path::new("/dev/null-network.svg").exists());
    let none = derive(ARTICLE, &["-f", "markdown", "--no-diagram"]);
    assert!(!none.contains("<!--") && !none.contains("]("), "{none}");
    let conflict = run(&["derive", ARTICLE, "-f", "svg", "--no-diagram"]);
    assert_eq!(conflict.status.code(), Some(2));
}

/// The Markdown's headings: levels never skip, and no heading is followed at once by another
/// of its own level or higher (an empty section, as `## Step 1` above `## Forward pass` was).
fn assert_nested(markdown: &str) {
    let mut previous: Option<usize> = None;
    let mut content = true;
    for line in markdown.lines() {
        let level = line.chars().take_while(|&c| c == '#').count();
        if level > 0 && line[level..].starts_with(' ') {
            if let Some(p) = previous {
                assert!(level <= p + 1, "{line} skips a level");
                assert!(content || level > p, "an empty section before {line}");
            }
            previous = Some(level);
            content = false;
        } else if !line.trim().is_empty() {
            content = true;
        }
    }
}

#[test]
fn markdown_headings_nest() {
    for file in [ARTICLE, "examples/softmax.nn", "examples/deep.nn"] {
        for lang in ["en", "ja"] {
            let markdown = derive(file, &["-f", "markdown", "--lang", lang]);
            assert_nested(&markdown);
        }
    }
    let softmax = derive("examples/softmax.nn", &["-f", "markdown", "--lang", "ja"]);
    assert!(
        softmax.contains("\n## ステップ1\n\n### 順伝播\n\n#### サンプル1\n"),
        "{softmax}"
    );
    assert!(
        softmax.contains("\n### 逆伝播\n")
            && softmax.contains("\n### 確率的勾配降下法による学習\n")
    );
    let article = derive(ARTICLE, &["-f", "markdown", "--lang", "ja"]);
    for heading in ["## 順伝播", "## 逆伝播", "## 確率的勾配降下法による学習"] {
        assert!(article.contains(&format!("\n{heading}\n")), "{heading}");
    }
}

#[test]
fn the_prose_reads_as_the_article_writes_it() {
    let ja = derive(ARTICLE, &["-f", "markdown", "--lang", "ja"]);
    for sentence in [
        r"隠れ層の活性化関数$h$はシグモイド関数$h(a)=\frac{1}{1+\exp(-a)}$を用います.",
        "出力層の活性化関数$o$は恒等関数$o(a)=a$を用います.",
        "誤差関数には二乗和誤差を使います.",
        "まずは$W^{(2)}$を更新します.",
        "次に$W^{(1)}$を更新します.",
        "次に$W^{(1)}$の勾配を求めます.",
    ] {
        assert!(ja.contains(sentence), "{sentence}\n{ja}");
    }
    assert!(
        !ja.contains("sigmoidです") && !ja.contains("誤差関数は\n"),
        "{ja}"
    );
    let en = derive(ARTICLE, &["-f", "markdown"]);
    for sentence in [
        r"The hidden layer uses the sigmoid function, $h(a)=\frac{1}{1+\exp(-a)}$.",
        "The output layer uses the identity function, $o(a)=a$.",
        "The loss is the sum of squared errors:",
        "First $W^{(2)}$ is updated:",
        "Then $W^{(1)}$ is updated:",
    ] {
        assert!(en.contains(sentence), "{sentence}\n{en}");
    }
    let custom = derive("examples/custom.nn", &["-f", "markdown", "--lang", "ja"]);
    assert!(custom.contains("は自作の関数"), "{custom}");
    let softmax = derive("examples/softmax.nn", &["--lang", "ja"]);
    assert!(softmax.contains("ソフトマックス関数$y_k="), "{softmax}");
    assert!(softmax.contains("誤差関数には交差エントロピー誤差を使います."));
}
