//! Wide networks on the page: every row of every form, in both languages and environments,
//! compiled for real, with no box over the margin (`Overfull \hbox` over 1 pt) and no page
//! over its foot (`Overfull \vbox`); the same for an exam's questions and answers.
//!
//! One document per network and language holds several bodies (`-f latex` in other
//! environments and forms appended to the `-f document`), so that a TeX run covers them all.
//! With `BACKPROP_TEX_FULL=1` every network runs in both languages; otherwise a representative
//! few, and the test says so. Layers of 50–70 units (`TALL`) have matrices taller than a page: they must arrive in row blocks.

use crate::support::{
    compile_in, full_matrix, in_parallel, languages, run, run_with, stdout, subset, tex_available,
    tool_available,
};

/// A seeded stream of small decimals.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in [-1, 1] with `places` decimals.
    fn decimal(&mut self, places: u32) -> String {
        let scale = 10u64.pow(places);
        let n = self.next() % (2 * scale + 1);
        let v = n as f64 / scale as f64 - 1.0;
        format!("{v:.*}", places as usize)
    }

    fn row(&mut self, n: usize, places: u32) -> String {
        let items: Vec<String> = (0..n).map(|_| self.decimal(places)).collect();
        format!("[{}]", items.join(", "))
    }
}

/// A network to lay out: units per layer (input first), activations per layer, the loss.
struct Net {
    name: &'static str,
    sizes: &'static [usize],
    acts: &'static [&'static str],
    loss: &'static str,
    bias: bool,
    samples: usize,
    steps: u32,
    /// Decimals of the inputs (long ones test the sample sentence).
    places: u32,
}

impl Net {
    fn text(&self, seed: u64) -> String {
        let mut draw = Draw(seed);
        let mut text = format!("title \"{}\"\n", self.name);
        let rows = |draw: &mut Draw, n: usize, places: u32| -> String {
            let rows: Vec<String> = (0..self.samples).map(|_| draw.row(n, places)).collect();
            if rows.len() == 1 {
                rows[0].clone()
            } else {
                format!("[{}]", rows.join(",\n  "))
            }
        };
        text.push_str(&format!(
            "input x = {}\n",
            rows(&mut draw, self.sizes[0], self.places)
        ));
        let outputs = *self.sizes.last().unwrap();
        let targets: Vec<String> = (0..self.samples)
            .map(|n| match self.loss {
                "cross_entropy" => {
                    let hot = (n * 7 + 3) % outputs;
                    let t: Vec<&str> = (0..outputs)
                        .map(|k| if k == hot { "1" } else { "0" })
                        .collect();
                    format!("[{}]", t.join(", "))
                }
                "binary_cross_entropy" => {
                    let t: Vec<&str> = (0..outputs)
                        .map(|k| if (k + n) % 2 == 0 { "1" } else { "0" })
                        .collect();
                    format!("[{}]", t.join(", "))
                }
                _ => draw.row(outputs, 2),
            })
            .collect();
        let targets = if targets.len() == 1 {
            targets[0].clone()
        } else {
            format!("[{}]", targets.join(", "))
        };
        text.push_str(&format!("target t = {targets}\n"));
        for (l, pair) in self.sizes.windows(2).enumerate() {
            let act = self.acts[l.min(self.acts.len() - 1)];
            let weights: Vec<String> = (0..pair[1]).map(|_| draw.row(pair[0], 2)).collect();
            text.push_str(&format!(
                "layer {act}\n  W = [{}]\n",
                weights.join(",\n       ")
            ));
            if self.bias {
                text.push_str(&format!("  b = {}\n", draw.row(pair[1], 2)));
            }
        }
        text.push_str(&format!(
            "loss {}\nsgd lr = 0.1, steps = {}\n",
            self.loss, self.steps
        ));
        text
    }
}

const NETS: &[Net] = &[
    Net {
        name: "10-10-10",
        sizes: &[10, 10, 10],
        acts: &["sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 1,
        places: 2,
    },
    Net {
        name: "12-12-12, 2 samples, 2 steps",
        sizes: &[12, 12, 12],
        acts: &["sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 2,
        steps: 2,
        places: 2,
    },
    Net {
        name: "4-5-3",
        sizes: &[4, 5, 3],
        acts: &["sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 1,
        places: 2,
    },
    Net {
        name: "softmax 12-8-12-6",
        sizes: &[12, 8, 12, 6],
        acts: &["tanh", "relu", "softmax"],
        loss: "cross_entropy",
        bias: true,
        samples: 3,
        steps: 2,
        places: 2,
    },
    Net {
        name: "softmax 8-12-4",
        sizes: &[8, 12, 4],
        acts: &["tanh", "softmax"],
        loss: "cross_entropy",
        bias: false,
        samples: 2,
        steps: 1,
        places: 2,
    },
    Net {
        name: "deep 6-6-6-6-6",
        sizes: &[6, 6, 6, 6, 6],
        acts: &["sigmoid", "tanh", "sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 2,
        places: 2,
    },
    Net {
        name: "softmax 12-12",
        sizes: &[12, 12],
        acts: &["softmax"],
        loss: "cross_entropy",
        bias: true,
        samples: 2,
        steps: 1,
        places: 2,
    },
    Net {
        name: "relu 3-12-12-2",
        sizes: &[3, 12, 12, 2],
        acts: &["relu", "relu", "identity"],
        loss: "mean_squared",
        bias: true,
        samples: 3,
        steps: 1,
        places: 2,
    },
    Net {
        name: "sigmoid 12-12-1",
        sizes: &[12, 12, 1],
        acts: &["sigmoid", "sigmoid"],
        loss: "binary_cross_entropy",
        bias: true,
        samples: 2,
        steps: 1,
        places: 2,
    },
    Net {
        name: "softplus 5-12-5",
        sizes: &[5, 12, 5],
        acts: &["softplus", "leaky_relu"],
        loss: "sum_squared",
        bias: false,
        samples: 1,
        steps: 2,
        places: 2,
    },
    Net {
        name: "tanh 12-2-12",
        sizes: &[12, 2, 12],
        acts: &["tanh", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 1,
        places: 2,
    },
    Net {
        name: "long inputs 11-7-9",
        sizes: &[11, 7, 9],
        acts: &["sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 2,
        steps: 1,
        places: 6,
    },
    Net {
        name: "deep 12-12-12-12",
        sizes: &[12, 12, 12, 12],
        acts: &["tanh", "sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 1,
        places: 3,
    },
];

/// Networks with a layer of 50–70 units: W, b, z and δ taller than a page.
const TALL: &[Net] = &[
    Net {
        name: "2-60-2",
        sizes: &[2, 60, 2],
        acts: &["sigmoid", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 1,
        steps: 1,
        places: 2,
    },
    Net {
        name: "4-50-3, 2 samples, 2 steps",
        sizes: &[4, 50, 3],
        acts: &["tanh", "identity"],
        loss: "sum_squared",
        bias: true,
        samples: 2,
        steps: 2,
        places: 2,
    },
    Net {
        name: "softmax 3-70-4",
        sizes: &[3, 70, 4],
        acts: &["relu", "softmax"],
        loss: "cross_entropy",
        bias: true,
        samples: 1,
        steps: 1,
        places: 2,
    },
];

/// The most rows of any `bmatrix` in `tex`.
fn tallest_matrix(tex: &str) -> usize {
    tex.split("\\begin{bmatrix}")
        .skip(1)
        .map(|m| {
            m.split("\\end{bmatrix}")
                .next()
                .unwrap_or("")
                .matches("\\\\")
                .count()
                + 1
        })
        .max()
        .unwrap_or(0)
}

/// The boxes of a LaTeX log that reach past the margin by more than 1 pt, and every page
/// that overflows its foot.
fn overfull(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| {
            if line.starts_with("Overfull \\vbox") {
                return true;
            }
            let Some(rest) = line.strip_prefix("Overfull \\hbox (") else {
                return false;
            };
            let points: f64 = rest
                .split("pt")
                .next()
                .unwrap_or("")
                .parse()
                .unwrap_or(f64::MAX);
            points > 1.0
        })
        .map(str::to_string)
        .collect()
}

/// Compiles `tex` with `engine`; the overfull boxes of its log, or why it failed.
pub(super) fn overfull_boxes(engine: &str, tex: &str) -> Result<Vec<String>, String> {
    let dir = compile_in(engine, tex)?;
    let log = std::fs::read(dir.path().join("doc.log")).map_err(|e| e.to_string())?;
    Ok(overfull(&String::from_utf8_lossy(&log)))
}

/// One document of `net` in `lang`: `-f document` in eqnarray with the element-wise form,
/// then the bodies of the other environments and forms (and `--carry rounded`).
fn document(text: &str, lang: &str, full: bool) -> String {
    let derive = |extra: &[&str]| {
        let mut args = vec!["derive", "-", "--lang", lang];
        args.extend_from_slice(extra);
        stdout(&run_with(&args, text.as_bytes()))
    };
    let mut document = derive(&["-f", "document", "--env", "eqnarray", "--form", "elements"]);
    let mut bodies = vec![derive(&[
        "-f",
        "latex",
        "--env",
        "align",
        "--form",
        "both",
        "--no-diagram",
    ])];
    if full {
        bodies.push(derive(&[
            "-f",
            "latex",
            "--env",
            "eqnarray",
            "--form",
            "both",
            "--carry",
            "rounded",
            "--no-diagram",
        ]));
        bodies.push(derive(&[
            "-f",
            "latex",
            "--env",
            "align",
            "--form",
            "elements",
            "--no-diagram",
        ]));
    }
    let end = document.rfind("\\end{document}").expect("a document");
    let tail = document.split_off(end);
    for body in bodies {
        document.push_str("\\newpage\n");
        document.push_str(&body);
    }
    document.push_str(&tail);
    document
}

#[test]
fn wide_networks_fit_the_page_in_every_language_environment_and_form() {
    if !tex_available("pdflatex") || !tool_available("lualatex", &["--version"]) {
        return;
    }
    let full = full_matrix();
    let mut jobs = Vec::new();
    for (n, net) in NETS.iter().enumerate() {
        for lang in ["en", "ja"] {
            // Without the full matrix: softmax with three samples and two steps and the deepest
            // in English, one body each extra (the long inputs in Japanese with the full one).
            let representative = lang == "en" && [3, 12].contains(&n);
            if full || representative {
                jobs.push((net, n as u64 + 1, lang));
            }
        }
    }
    if !full {
        subset(&format!("{} of {} documents", jobs.len(), 2 * NETS.len()));
    }
    let failures = in_parallel(jobs, |(net, seed, lang)| {
        let text = net.text(seed);
        let tex = document(&text, lang, full);
        let engine = if lang == "ja" { "lualatex" } else { "pdflatex" };
        match overfull_boxes(engine, &tex) {
            Ok(boxes) if boxes.is_empty() => Vec::new(),
            Ok(boxes) => vec![format!(
                "{} ({lang}): {}\n{text}",
                net.name,
                boxes.join("\n")
            )],
            Err(log) => vec![format!(
                "{} ({lang}) does not compile:\n{log}\n{text}",
                net.name
            )],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn layers_of_60_units_arrive_in_row_blocks_that_fit_the_page() {
    if !tex_available("pdflatex") || !tool_available("lualatex", &["--version"]) {
        return;
    }
    let full = full_matrix();
    let mut jobs = Vec::new();
    for (n, net) in TALL.iter().enumerate() {
        for lang in ["en", "ja"] {
            // By default the 60-unit layer in English (one TeX run of a few seconds). The full
            // matrix: that layer in both languages, the others each in one (70-page documents;
            // the Japanese ones take lualatex a minute or more).
            let in_full = n == 0 || (n % 2 == 1) == (lang == "en");
            if full && in_full || n == 0 && lang == "en" {
                jobs.push((net, n as u64 + 40, lang));
            }
        }
    }
    if !full {
        subset(&format!("{} of {} documents", jobs.len(), TALL.len() + 1));
    }
    let failures = in_parallel(jobs, |(net, seed, lang)| {
        let text = net.text(seed);
        let tex = document(&text, lang, full);
        // 26 rows of numbers are 354 pt, half a page: nothing taller is printed whole.
        let rows = tallest_matrix(&tex);
        if rows > 26 || !tex.contains("\\overset{i=1,\\ldots,") {
            return vec![format!("{} ({lang}): a matrix of {rows} rows", net.name)];
        }
        let engine = if lang == "ja" { "lualatex" } else { "pdflatex" };
        match overfull_boxes(engine, &tex) {
            Ok(boxes) if boxes.is_empty() => Vec::new(),
            Ok(boxes) => vec![format!(
                "{} ({lang}): {}\n{text}",
                net.name,
                boxes.join("\n")
            )],
            Err(log) => vec![format!("{} ({lang}) does not compile:\n{log}", net.name)],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn tallest_matrices_are_counted_by_their_rows() {
    let tex =
        "a\\begin{bmatrix}1\\\\2\\end{bmatrix}\\\\ \\begin{bmatrix}1&2\\\\3&4\\\\5&6\\end{bmatrix}";
    assert_eq!(tallest_matrix(tex), 3);
    assert_eq!(tallest_matrix("x"), 0);
}

#[test]
fn an_exams_questions_and_answers_fit_the_page() {
    if !tex_available("pdflatex") {
        return;
    }
    let variants = if full_matrix() {
        "30"
    } else {
        subset("the sheets of 10 variants, of 30");
        "10"
    };
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("exam");
    stdout(&run(&[
        "exam",
        "examples/exam.nn",
        "--variants",
        variants,
        "--seed",
        "13",
        "-o",
        bundle.to_str().unwrap(),
    ]));
    let failures = in_parallel(vec!["questions.tex", "answers.tex"], |name| {
        let tex = std::fs::read_to_string(bundle.join(name)).unwrap();
        match overfull_boxes("pdflatex", &tex) {
            Ok(boxes) if boxes.is_empty() => Vec::new(),
            Ok(boxes) => vec![format!("{name}: {}", boxes.join("\n"))],
            Err(log) => vec![format!("{name} does not compile:\n{log}")],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn overfull_boxes_are_read_from_the_log() {
    let log = "Overfull \\hbox (0.5pt too wide) in paragraph\nOverfull \\hbox (12.25pt too wide) detected at line 3\nUnderfull \\hbox (badness 10000)\nOverfull \\vbox (3.0pt too high) has occurred\n";
    assert_eq!(
        overfull(log),
        [
            "Overfull \\hbox (12.25pt too wide) detected at line 3",
            "Overfull \\vbox (3.0pt too high) has occurred"
        ]
    );
}

/// The article's network with `weight_decay 0.01` (issue 18), as a document in English and
/// Japanese with every body: no overfull box.
#[test]
fn the_article_with_weight_decay_fits_the_page() {
    if !tex_available("pdflatex") || !tool_available("lualatex", &["--version"]) {
        return;
    }
    let text = std::fs::read_to_string(crate::support::root().join("examples/article.nn"))
        .unwrap()
        .replace("sgd lr = 0.1 ", "sgd lr = 0.1\nweight_decay 0.01 ");
    assert!(text.contains("weight_decay 0.01"), "{text}");
    let failures = in_parallel(languages(), |(lang, engine)| {
        match overfull_boxes(engine, &document(&text, lang, true)).unwrap() {
            boxes if boxes.is_empty() => Vec::new(),
            boxes => vec![format!("{lang}: {}", boxes.join("\n"))],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
