//! Hostile input, as people and programs really produce it, in hundreds: text from a Japanese
//! IME, a PDF or Windows Notepad, formulas nested or chained far past any hand calculation,
//! files far larger than a network, numbers at the edges of the floats, and the article with
//! such characters dropped in at random.
//!
//! Each input goes to the real executable, which must answer with its output (exit 0) or with
//! a message (exit 1): never a panic (101), an abort or a signal (stack overflow), a hang or a
//! blow-up. Each run is measured by the kernel (`wait4`): under 2 s of CPU time and 512 MB of
//! peak memory (CPU, not wall time: a loaded machine stretches the one, not the other). Errors
//! must be located messages, and never echo a huge line back.

use std::time::Duration;

use crate::measure::{run_measured, Measured};

const CPU_LIMIT: Duration = Duration::from_secs(2);
const MEMORY_LIMIT_KB: i64 = 512 * 1024;

const ARTICLE: &str = include_str!("../../../examples/article.nn");

/// Characters that people paste into a `.nn` file without meaning to: look-alikes of the
/// language's own, invisible ones, other scripts, and control characters.
const CHARACTERS: &[&str] = &[
    "\u{FEFF}",                   // byte order mark (Notepad), here in the middle
    "\u{2212}",                   // minus sign, copied from a PDF
    "\u{2013}",                   // en dash
    "\u{2014}",                   // em dash
    "\u{FF0C}",                   // full-width comma
    "\u{FF3B}",                   // full-width [
    "\u{FF3D}",                   // full-width ]
    "\u{FF10}",                   // full-width 0
    "\u{FF1D}",                   // full-width =
    "\u{3000}",                   // ideographic space
    "\u{00A0}",                   // no-break space
    "\u{200B}",                   // zero-width space
    "\u{200D}",                   // zero-width joiner
    "\u{202E}",                   // right-to-left override
    "\u{2028}",                   // line separator
    "\u{0085}",                   // next line
    "η",                          // Greek, as in the notation
    "二乗誤差",                   // a loss written in Japanese
    "é",                          // precomposed accent
    "e\u{0301}",                  // combining accent
    "😀",                         // outside the basic plane
    "\u{1F468}\u{200D}\u{1F469}", // a joined emoji sequence
    "“",                          // smart quotes
    "”",
    "×",        // multiplication sign
    "·",        // middle dot
    "\t",       // a tab
    "\u{0000}", // NUL
    "\u{007F}", // DEL
    "\u{FFFD}", // the replacement character
    "\r",       // a lone carriage return
    "\\",       // a stray backslash
];

/// Byte offsets into the article at which characters are dropped: in the title string, in a
/// vector, before a statement, in a name, in a comment, at the start and at the end.
fn places() -> Vec<usize> {
    let at = |needle: &str| ARTICLE.find(needle).expect("the article holds it");
    vec![
        0,
        at("Backpropagation"),
        at("[1, 2, 3]") + 1,
        at(", 2, 3]"),
        at("layer sigmoid"),
        at("sigmoid") + 3,
        at("# one sample"),
        at("sum_squared"),
        at("0.1, 0.1") + 1,
        ARTICLE.len(),
    ]
}

/// A formula family at a size: `activation f(a) = …`, unused by any layer or used by one.
fn activation(body: &str, used: bool) -> String {
    let article = if used {
        ARTICLE.replace("layer sigmoid", "layer f")
    } else {
        ARTICLE.to_string()
    };
    format!("activation f(a) = {body}\n{article}")
}

fn repeated(first: &str, joiner: &str, last: &str, count: usize) -> String {
    let mut text = String::new();
    for n in 0..count {
        if n > 0 {
            text.push_str(joiner);
        }
        text.push_str(first);
    }
    text.push_str(last);
    text
}

fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// Formulas nested and chained from hand-sized to far beyond any limit.
fn formulas() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for depth in [10, 50, 63, 64, 65, 100, 1_000, 8_000, 100_000] {
        out.push((format!("parentheses {depth}"), nested("(", "a", ")", depth)));
    }
    for count in [10, 100, 1_000, 10_000] {
        out.push((
            format!("unary minus {count}"),
            format!("{}a", "-".repeat(count)),
        ));
    }
    for count in [10, 100, 255, 256, 257, 1_000, 10_000] {
        out.push((format!("sum {count}"), repeated("a", " + ", "", count)));
        out.push((format!("product {count}"), repeated("a", "*", "", count)));
        out.push((format!("quotient {count}"), repeated("a", "/", "", count)));
    }
    for count in [2, 5, 10, 20, 50, 300] {
        out.push((
            format!("power tower {count}"),
            repeated("a", "^", "", count),
        ));
    }
    for depth in [5, 10, 20, 50, 1_000, 10_000] {
        for function in ["exp", "sin", "sqrt", "log", "abs", "tanh"] {
            out.push((
                format!("{function} nested {depth}"),
                nested(&format!("{function}("), "a", ")", depth),
            ));
        }
    }
    out.push(("products of sums".into(), repeated("(a + 1)", "*", "", 200)));
    out.push((
        "a call with many arguments".into(),
        format!("exp({})", repeated("a", ", ", "", 5_000)),
    ));
    out
}

/// Numbers and statements at the edges of what the language takes.
const EDGES: &[&str] = &[
    "input x = [1e38]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [1e37]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [0e99999999999999999999]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [1e-99999999999999999999]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1, steps = 4294967296\n",
    "input x = [1]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1, steps = 99999999999999999999999\n",
    "input x = [1000, -1000]\ntarget t = [1, 0]\nlayer softmax W = [[1, 0], [0, 1]]\nloss cross_entropy\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [1]\nactivation f(a) = log(sigmoid(a))\nlayer f W = [[-1000]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [1]\nlayer sigmoid W = [[-1000]]\nloss binary_cross_entropy\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [0.5]\nlayer identity W = [[0.5]]\nloss (y, t) = sqrt(y - t)\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [0.4]\nlayer identity W = [[0.5]]\nloss (y, t) = sqrt(y - t)\nsgd lr = 0.1\n",
    "input x = [0]\ntarget t = [1]\nactivation f(a) = a^(-1)\nlayer f W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "title \"\\input{/etc/passwd}\"\ninput x = [1]\ntarget t = [1]\nlayer identity W = [[1]]\nloss sum_squared\nsgd lr = 0.1\n",
    "title \"unterminated\ninput x = [1]\n",
    "input x = [1]\ntarget t = [1]\nlayer identity W = [[1e-300]]\nlayer identity W = [[1e-300]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [1]\ntarget t = [1]\nlayer identity W = [[9e37]]\nlayer identity W = [[9e37]]\nloss sum_squared\nsgd lr = 0.1\n",
    "input x = [-0]\ntarget t = [-0]\nlayer relu W = [[-0]]\nloss sum_squared\nsgd lr = 1e-30\n",
    "",
    "\u{FEFF}",
    "#",
    "\r\r\r",
];

/// The article with hostile characters dropped in at random places (seeded: the same inputs
/// on every run).
fn mutated(count: usize) -> Vec<Vec<u8>> {
    let mut state: u64 = 0x005e_ed0f_ba5e;
    let mut next = move || {
        // SplitMix64, written out so that this test depends on nothing of the library's.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as usize
    };
    let boundaries: Vec<usize> = (0..=ARTICLE.len())
        .filter(|&b| ARTICLE.is_char_boundary(b))
        .collect();
    (0..count)
        .map(|_| {
            let mut text = ARTICLE.to_string();
            for _ in 0..1 + next() % 3 {
                let at = boundaries[next() % boundaries.len()].min(text.len());
                let at = (0..=at)
                    .rev()
                    .find(|&b| text.is_char_boundary(b))
                    .unwrap_or(0);
                text.insert_str(at, CHARACTERS[next() % CHARACTERS.len()]);
            }
            text.into_bytes()
        })
        .collect()
}

/// Every input of every family, named for the report.
fn hostile_inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = Vec::new();
    for (n, character) in CHARACTERS.iter().enumerate() {
        for at in places() {
            let mut text = ARTICLE.to_string();
            text.insert_str(at, character);
            inputs.push((
                format!("character {n} ({character:?}) at byte {at}"),
                text.into_bytes(),
            ));
        }
    }
    for (name, ends) in [("CRLF", "\r\n"), ("CR", "\r"), ("LS", "\u{2028}")] {
        let text = ARTICLE.replace('\n', ends);
        inputs.push((format!("{name} line ends"), text.clone().into_bytes()));
        inputs.push((
            format!("BOM and {name} line ends"),
            format!("\u{FEFF}{text}").into_bytes(),
        ));
    }
    inputs.push(("BOM".into(), format!("\u{FEFF}{ARTICLE}").into_bytes()));
    inputs.push((
        "two BOMs".into(),
        format!("\u{FEFF}\u{FEFF}{ARTICLE}").into_bytes(),
    ));
    inputs.push((
        "UTF-16 BOM".into(),
        [&[0xFF, 0xFE][..], ARTICLE.as_bytes()].concat(),
    ));
    inputs.push((
        "invalid UTF-8".into(),
        [ARTICLE.as_bytes(), &[0xC3, 0x28, 0xA0]].concat(),
    ));
    inputs.push((
        "Latin-1 é".into(),
        [&b"title \"na\xEFve\"\n"[..], ARTICLE.as_bytes()].concat(),
    ));
    for (name, body) in formulas() {
        for used in [false, true] {
            let text = activation(&body, used);
            inputs.push((
                format!("activation: {name} (used: {used})"),
                text.into_bytes(),
            ));
        }
        let loss = ARTICLE.replace(
            "loss sum_squared",
            &format!("loss (y, t) = {}", body.replace('a', "(y - t)")),
        );
        inputs.push((format!("loss: {name}"), loss.into_bytes()));
    }
    for depth in [10, 100, 10_000] {
        let text = ARTICLE.replace("[1, 2, 3]", &nested("[", "1", "]", depth));
        inputs.push((format!("brackets {depth}"), text.into_bytes()));
    }
    let long_line = format!("input x = [{}]\n", repeated("1", ", ", "", 700_000));
    inputs.push(("a 2 MB line".into(), long_line.into_bytes()));
    let long_comment = format!("# {}\n{ARTICLE}", "x".repeat(2_000_000));
    inputs.push(("a 2 MB comment".into(), long_comment.into_bytes()));
    let long_error = format!("input x = [1, 2{}, 3]\n", " 2".repeat(1_000_000));
    inputs.push(("an error on a 2 MB line".into(), long_error.into_bytes()));
    inputs.push((
        "a 40 MB file".into(),
        format!("{ARTICLE}{}", " ".repeat(40 << 20)).into_bytes(),
    ));
    inputs.push(("40 MB of zeros".into(), vec![0; 40 << 20]));
    inputs.push((
        "many statements".into(),
        repeated("title \"t\"", "\n", "\n", 100_000).into_bytes(),
    ));
    // 72 kB of `vary` ranges of 100,000 values each once took 6 GB and over a minute.
    inputs.push((
        "many vary ranges".into(),
        format!(
            "{ARTICLE}{}",
            repeated("vary t in [0, 0.99999] step 0.00001", "\n", "\n", 2000)
        )
        .into_bytes(),
    ));
    // 3,000 activations at the formula limits, used by no layer, took over a minute.
    let deep = format!("{}a{}", "sin(".repeat(60), ")".repeat(60));
    inputs.push((
        "many activations".into(),
        format!(
            "{ARTICLE}{}",
            (0..3000)
                .map(|n| format!("activation f{n}(a) = {deep}\n"))
                .collect::<String>()
        )
        .into_bytes(),
    ));
    for (n, edge) in EDGES.iter().enumerate() {
        inputs.push((
            format!("edge {n}: {:?}", edge.lines().next().unwrap_or("")),
            edge.as_bytes().to_vec(),
        ));
    }
    for (n, text) in mutated(60).into_iter().enumerate() {
        inputs.push((format!("mutated article {n}"), text));
    }
    inputs
}

/// What a run must be: a clean answer, quick and small; a located message when it fails.
fn judge(what: &str, command: &str, run: &Measured) -> Result<(), String> {
    let mut faults = Vec::new();
    match (run.code, run.signal) {
        (Some(0 | 1), _) => {}
        (Some(code), _) => faults.push(format!("exit {code}")),
        (None, signal) => faults.push(format!("killed by signal {signal:?}")),
    }
    if run.hung {
        faults.push(format!(
            "still running after {:.0} s",
            run.wall.as_secs_f64()
        ));
    }
    if run.cpu > CPU_LIMIT {
        faults.push(format!("took {:.2} s of CPU", run.cpu.as_secs_f64()));
    }
    if run.max_rss_kb > MEMORY_LIMIT_KB {
        faults.push(format!("used {} MB", run.max_rss_kb / 1024));
    }
    if run.code == Some(1) {
        if !run.stderr.starts_with("error: ") {
            faults.push("the message does not start with `error: `".into());
        }
        if run.stderr.len() > 4_000 {
            faults.push(format!("a message of {} bytes", run.stderr.len()));
        }
    }
    if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
        faults.push("a panic message".into());
    }
    if faults.is_empty() {
        Ok(())
    } else {
        let head: String = run.stderr.chars().take(300).collect();
        Err(format!(
            "{command} on {what}: {}\n    {head}",
            faults.join(", ")
        ))
    }
}

#[test]
fn hostile_inputs_get_an_answer_or_a_message_quickly_and_in_little_memory() {
    let inputs = hostile_inputs();
    assert!(inputs.len() >= 200, "only {} inputs", inputs.len());
    // (slowest CPU, largest RSS, runs that exited 0 and 1), over inputs run as many at a
    // time as there are cores (the CPU time and memory are each run's own).
    let seen = std::sync::Mutex::new((Duration::ZERO, 0, [0usize; 2]));
    let jobs: Vec<_> = inputs.iter().enumerate().collect();
    let failures = crate::support::in_parallel(jobs, |(n, (what, bytes))| {
        // Every input is derived; every fourth is also checked and rendered as JSON.
        let mut commands: Vec<&[&str]> = vec![&["derive", "-"]];
        if n % 4 == 0 {
            commands.push(&["check", "-"]);
            commands.push(&["derive", "-", "-f", "json"]);
        }
        let mut failures = Vec::new();
        for args in commands {
            let run = run_measured(args, bytes.clone());
            {
                let mut seen = seen.lock().unwrap();
                seen.0 = seen.0.max(run.cpu);
                seen.1 = seen.1.max(run.max_rss_kb);
                if let Some(code @ (0 | 1)) = run.code {
                    seen.2[code as usize] += 1;
                }
            }
            if let Err(failure) = judge(what, &args.join(" "), &run) {
                eprintln!("{failure}");
                failures.push(failure);
            }
        }
        failures
    });
    let (slowest, largest, exits) = seen.into_inner().unwrap();
    eprintln!(
        "{} hostile inputs: {} runs exited 0, {} exited 1; slowest {:.3} s of CPU, largest {} MB",
        inputs.len(),
        exits[0],
        exits[1],
        slowest.as_secs_f64(),
        largest / 1024
    );
    assert!(
        failures.is_empty(),
        "{} of the runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
