//! The LaTeX: the article's rows and every number it shows, headings, the drawing, and the
//! documents compiled for real in both languages, environments and forms; the matrix form
//! (`as_printed`), readable rows (`readable`), nested headings (`headings`) and wide layers on
//! the page (`fit`).

mod as_printed;
mod fit;
mod headings;
mod optimizers;
mod readable;

use crate::support::{
    compiled, compiles, derive, examples, full_matrix, in_parallel, languages, pdf_text, run_with,
    stdout, subset, tex_available, tool_available, ARTICLE,
};

// ---------------------------------------------------------------------------------------------
// The LaTeX

/// Every number the article shows, as it shows it, except the two that it computed from
/// already-rounded values (1.410 and 0.8590), which come with `--carry rounded`.
const ARTICLE_NUMBERS_EXACT_CARRY: &[&str] = &[
    "0.6", "1.2", "0.6457", "0.7685", "2.183", "5.011", "4.011", "1.677", "2.590", "3.083",
    "0.2288", "3.252", "1.832", "2.741", "3.692", "-0.225",
];
const ARTICLE_NUMBERS_ROUNDED_CARRY: &[&str] = &["1.410", "0.8590"];
const SKIPPED_GRADIENTS: &[&str] = &["3.252", "6.505", "9.757", "3.631", "7.262", "10.89"];
const SKIPPED_UPDATES: &[&str] = &[
    "-0.2252", "-0.5505", "-0.8757", "-0.1631", "-0.5262", "-0.8892",
];

fn numbers_in(latex: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = latex.chars().collect();
    for (n, &c) in chars.iter().enumerate() {
        let starts_negative =
            c == '-' && current.is_empty() && chars.get(n + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) || starts_negative {
            current.push(c);
        } else if !current.is_empty() {
            numbers.push(std::mem::take(&mut current));
        }
    }
    numbers.push(current);
    numbers
}

#[test]
fn latex_holds_every_number_of_the_article_and_the_five_it_skipped() {
    let latex = derive(ARTICLE, &[]);
    let numbers = numbers_in(&latex);
    let has = |n: &str| numbers.iter().any(|m| m == n);
    for n in ARTICLE_NUMBERS_EXACT_CARRY
        .iter()
        .chain(SKIPPED_GRADIENTS)
        .chain(SKIPPED_UPDATES)
    {
        assert!(
            has(n) || (*n == "-0.225" && has("-0.2252")),
            "{n} missing from the LaTeX"
        );
    }
    let rounded = derive(ARTICLE, &["--carry", "rounded"]);
    let rounded_numbers = numbers_in(&rounded);
    for n in ARTICLE_NUMBERS_ROUNDED_CARRY {
        assert!(
            rounded_numbers.iter().any(|m| m == n),
            "{n} missing with --carry rounded"
        );
        assert!(
            !has(n),
            "{n} should only appear when rounded values are carried"
        );
    }
    let three_digits = numbers_in(&derive(ARTICLE, &["--digits", "3"]));
    assert!(three_digits.iter().any(|m| m == "-0.225"));
}

#[test]
fn latex_rows_are_the_articles_eqnarray_rows() {
    let written = derive(ARTICLE, &[]);
    // `\\*` (no page break) ends each general formula; as typeset it is the article's `\\`.
    assert!(written
        .contains("a_1^{(1)}&=&w_{11}^{(1)}x_1+w_{12}^{(1)}x_2+w_{13}^{(1)}x_3\\\\*\n&=&0.1"));
    assert!(written.contains("\\cdot x_3\\\\*\n&\\approx&0.1779"));
    let latex = written.replace("\\\\*", "\\\\").replace('\n', "");
    for row in [
        r"a_1^{(1)}&=&w_{11}^{(1)}x_1+w_{12}^{(1)}x_2+w_{13}^{(1)}x_3\\&=&0.1\cdot1+0.1\cdot2+0.1\cdot3\\&=&0.6",
        r"a_2^{(1)}&=&w_{21}^{(1)}x_1+w_{22}^{(1)}x_2+w_{23}^{(1)}x_3\\&=&0.2\cdot1+0.2\cdot2+0.2\cdot3\\&=&1.2",
        r"z_1&=&h(a_1^{(1)}) = \frac{1}{1+\exp(-0.6)} \approx 0.6457",
        r"y_1&=&o(a_1^{(2)}) = a_1^{(2)} \approx 2.183",
        r"\delta_1^{(2)}&=&y_1-t_1 \approx 2.183-0 \approx 2.183",
        r"\frac{\partial E}{\partial w_{11}^{(2)}}&=&\delta_1^{(2)}z_1 \approx 2.183\cdot0.6457 \approx 1.409",
        concat!(
            r"\frac{\partial E}{\partial w_{ij}^{(1)}}&=&\frac{\partial E}{\partial a_i^{(1)}}\cdot\frac{\partial a_i^{(1)}}{\partial w_{ij}^{(1)}}\\",
            r"&=&\left(\frac{\partial E}{\partial a_1^{(2)}}\cdot\frac{\partial a_1^{(2)}}{\partial a_i^{(1)}}+\frac{\partial E}{\partial a_2^{(2)}}\cdot\frac{\partial a_2^{(2)}}{\partial a_i^{(1)}}\right)\cdot x_j\\",
            r"&=&h'(a_i^{(1)})(w_{1i}^{(2)}\delta_1^{(2)}+w_{2i}^{(2)}\delta_2^{(2)})\cdot x_j",
        ),
        r"\frac{\partial E}{\partial w_{23}^{(1)}}&=&h'(a_2^{(1)})(w_{12}^{(2)}\delta_1^{(2)}+w_{22}^{(2)}\delta_2^{(2)})\cdot x_3\\&\approx&0.1779\cdot(2\cdot2.183+4\cdot4.011)\cdot3\\&\approx&10.89",
        r"h'(a_1^{(1)})&=&h(a_1^{(1)})(1-h(a_1^{(1)})) \approx 0.6457\cdot(1-0.6457) \approx 0.2288",
        r"w_{11}^{(1)}&\leftarrow&w_{11}^{(1)}-\eta\frac{\partial E}{\partial w_{11}^{(1)}} \approx 0.1-0.1\cdot3.252 \approx -0.2252",
    ] {
        assert!(latex.contains(row), "missing row:\n{row}");
    }
    // Exact values with `=`, rounded ones with `\approx`.
    assert!(latex.contains(r"&=&0.6") && latex.contains(r"&=&1.2"));
    assert!(!latex.contains(r"\approx 0.6\\") && !latex.contains(r"= 0.6457"));
}

#[test]
fn every_gradient_and_update_of_the_first_layer_is_written() {
    let latex = derive(ARTICLE, &[]);
    for i in 1..=2 {
        for j in 1..=3 {
            let grad = format!(r"\frac{{\partial E}}{{\partial w_{{{i}{j}}}^{{(1)}}}}&=&");
            let update = format!(r"w_{{{i}{j}}}^{{(1)}}&\leftarrow&");
            assert_eq!(latex.matches(&grad).count(), 1, "{grad}");
            assert_eq!(latex.matches(&update).count(), 1, "{update}");
        }
    }
}

#[test]
fn every_example_compiles_with_pdflatex_and_the_article_shows_every_gradient() {
    if !tex_available("pdflatex") {
        return;
    }
    let examples = examples();
    assert!(
        examples.iter().any(|e| e == "examples/softmax.nn"),
        "the 2-3-3-2 softmax example"
    );
    let failures = in_parallel(examples, |example| {
        let text = match &*compiled("pdflatex", &derive(&example, &["-f", "document"])) {
            Ok(text) => text.clone(),
            Err(log) => return vec![format!("{example}:\n{log}")],
        };
        let mut missing = Vec::new();
        if example == ARTICLE {
            for n in SKIPPED_GRADIENTS.iter().chain(SKIPPED_UPDATES) {
                // pdftotext writes the minus sign as U+2212.
                let shown = n.replace('-', "\u{2212}");
                if !text.contains(&shown) {
                    missing.push(format!("{n} missing from the PDF"));
                }
            }
            if !text.contains("Backpropagation by hand: a 3-2-2 network") {
                missing.push("the title missing from the PDF".to_string());
            }
        }
        missing
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn whole_numbers_stay_exact_and_fractions_read_right() {
    let latex = stdout(&run_with(
        &["derive", "-"],
        b"input x = [20000]\nlayer identity W = [[2]]\ntarget t = [0]\nloss sum_squared\n",
    ));
    assert!(
        latex.contains(r"&=&2\cdot20000\\") && latex.contains(r"&=&40000"),
        "{latex}"
    );
    let mean = stdout(&run_with(
        &["derive", "-"],
        b"input x = [1]\nlayer identity W = [[0.5], [1], [2]]\ntarget t = [0, 0, 0]\nloss mean_squared\n",
    ));
    assert!(mean.contains(r"\frac{2}{3}(y_i-t_i)"), "{mean}");
    assert!(!mean.contains(r"2\frac"), "{mean}");
}

#[test]
fn a_first_layer_bias_in_the_articles_layout_shows_its_delta() {
    let latex = stdout(&run_with(
        &["derive", "-"],
        b"input x = [1, 2]\nlayer sigmoid W = [[0.1, 0.2], [0.3, 0.4]] b = [0.5, -0.5]\nlayer identity W = [[1, 2]]\ntarget t = [1]\nloss sum_squared\n",
    ));
    let bias_row = latex
        .lines()
        .find(|l| l.starts_with(r"\frac{\partial E}{\partial b_1^{(1)}}&=&"))
        .expect("a bias row");
    assert!(
        bias_row.contains("h'(a_1^{(1)})w_{11}^{(2)}\\delta_1^{(2)}"),
        "{bias_row}"
    );
    assert!(
        !latex.contains(r"\delta_1^{(1)}"),
        "δ^(1) is never shown in this layout"
    );
}

#[test]
fn underscored_activations_and_wide_layers_compile() {
    if !tex_available("pdflatex") {
        return;
    }
    let inputs = ["0.5"; 11].join(", ");
    let weights = ["0.1"; 11].join(", ");
    let file = format!(
        "title \"leaky_relu, 11 inputs\"\ninput x = [{inputs}]\nlayer leaky_relu W = [[{weights}], [{weights}]]\nlayer identity W = [[1, -1]]\ntarget t = [0]\nloss sum_squared\n"
    );
    let text = pdf_text(&stdout(&run_with(
        &["derive", "-", "-f", "document"],
        file.as_bytes(),
    )));
    assert!(text.contains("leaky ReLU function"), "{text}");
}

/// A document of each example in each language, environment and form: all 60 with
/// `BACKPROP_TEX_FULL=1`; otherwise every example's English default (the documents of
/// `every_example_compiles_with_pdflatex_…`, compiled once for both) and one other
/// combination each, so that every language, environment and form is compiled.
#[test]
fn every_example_compiles_in_both_languages_environments_and_forms() {
    if !tex_available("pdflatex") || !tool_available("lualatex", &["--version"]) {
        return;
    }
    const OTHER: [(&str, &str, &str); 5] = [
        ("ja", "eqnarray", "elements"),
        ("en", "align", "matrix"),
        ("ja", "align", "both"),
        ("en", "eqnarray", "both"),
        ("en", "align", "elements"),
    ];
    let full = full_matrix();
    let mut jobs = Vec::new();
    let mut all = 0;
    for (n, example) in examples().into_iter().enumerate() {
        for lang in ["en", "ja"] {
            for env in ["eqnarray", "align"] {
                for form in ["elements", "matrix", "both"] {
                    all += 1;
                    let default = (lang, env, form) == ("en", "eqnarray", "elements");
                    if full || default || OTHER[n % OTHER.len()] == (lang, env, form) {
                        jobs.push((example.clone(), lang, env, form));
                    }
                }
            }
        }
    }
    if !full {
        subset(&format!("{} of {all} documents", jobs.len()));
    }
    let failures = in_parallel(jobs, |(example, lang, env, form)| {
        let engine = if lang == "ja" { "lualatex" } else { "pdflatex" };
        let args = [
            "-f", "document", "--lang", lang, "--env", env, "--form", form,
        ];
        match compiles(engine, &derive(&example, &args)) {
            Ok(()) => Vec::new(),
            Err(log) => vec![format!("{example} {lang} {env} {form} ({engine}):\n{log}")],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn japanese_headings_follow_the_article() {
    let latex = derive(ARTICLE, &["--lang", "ja"]);
    for heading in [
        "ニューラルネットワークの構造",
        "数式表現",
        "順伝播",
        "逆伝播",
        "確率的勾配降下法による学習",
    ] {
        assert!(
            latex.contains(&format!("\\subsection*{{{heading}}}")),
            "{heading}"
        );
    }
    let markdown = derive(
        ARTICLE,
        &["-f", "markdown", "--lang", "ja", "--flavor", "zenn"],
    );
    assert!(
        markdown.contains("## 順伝播") && markdown.contains("\n$$\n\\begin{aligned}"),
        "{markdown}"
    );
    let document = derive(ARTICLE, &["-f", "document", "--lang", "ja"]);
    assert!(document.contains("{ltjsarticle}"));
}

#[test]
fn the_diagram_and_its_absence() {
    let with = derive(ARTICLE, &["-f", "document"]);
    assert!(
        with.contains(r"\begin{tikzpicture}") && with.contains(r"{$z_{1}$\\$0.6457$}"),
        "{with}"
    );
    assert!(with.contains(r"node[weight,pos=0.2] {$0.1$}"));
    let without = derive(ARTICLE, &["-f", "document", "--no-diagram"]);
    assert!(!without.contains("tikz"));
}

/// The article's network with `weight_decay 0.01` (issue 18): Ẽ after E with each layer's
/// Σ w² as one value, every weight's row ∂Ẽ/∂w = ∂E/∂w + λw then its numbers, the biases' (none
/// here) untouched, and every update row with ∂Ẽ/∂w. Reviewed row by row (the numbers of the
/// Ẽ and ∂Ẽ/∂w rows checked by an independent float computation).
#[test]
fn the_article_with_weight_decay_states_the_decayed_loss_and_gradients() {
    let text = std::fs::read_to_string(crate::support::root().join(ARTICLE))
        .unwrap()
        .replace("sgd lr = 0.1 ", "sgd lr = 0.1\nweight_decay 0.01 ");
    assert!(text.contains("weight_decay 0.01"), "{text}");
    let latex =
        crate::support::stdout(&crate::support::run_with(&["derive", "-"], text.as_bytes()));
    insta::assert_snapshot!(latex);
}

/// The article's network with a dropout mask on its hidden layer (unit 2 dropped, p = 0.5):
/// its text is examples/article.nn with one line more.
pub(crate) fn article_with_dropout() -> String {
    let article = std::fs::read_to_string(ARTICLE).unwrap();
    let text = article.replacen(
        "\nlayer identity",
        "  dropout mask = [1, 0], keep = 0.5\n\nlayer identity",
        1,
    );
    assert_ne!(text, article);
    text
}

#[test]
fn the_article_with_dropout_derives_z_tilde_and_its_factor_in_delta() {
    let text = article_with_dropout();
    let latex = stdout(&run_with(&["derive", "-"], text.as_bytes()));
    // Reviewed row by row: z̃_1 = 1·0.6457/0.5 ≈ 1.291, z̃_2 = 0 exactly, δ^{(1)} gets r_i/p,
    // the dropped unit's gradients are exact zeros.
    insta::assert_snapshot!("article-dropout", latex);
    for row in [
        "\\tilde{z}_i&=&\\frac{r_iz_i}{p}",
        "\\tilde{z}_2&=&\\frac{r_2z_2}{p} \\approx \\frac{0\\cdot0.7685}{0.5} = 0",
        "h'(a_i^{(1)})\\frac{r_i}{p}(w_{1i}^{(2)}\\delta_1^{(2)}+w_{2i}^{(2)}\\delta_2^{(2)})\\cdot x_j",
    ] {
        assert!(latex.contains(row), "{row}");
    }
    for (lang, engine) in languages() {
        if !tex_available(engine) {
            continue;
        }
        let args = ["derive", "-", "-f", "document", "--lang", lang];
        let document = stdout(&run_with(&args, text.as_bytes()));
        if let Err(log) = compiles(engine, &document) {
            panic!("{lang} ({engine}):\n{log}");
        }
    }
}
