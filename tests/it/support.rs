//! What every topic shares: running the real executable, reading its output, the examples,
//! and the external tools (pdflatex, lualatex, pdftotext, node) that some tests need.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value as Json;

pub(crate) const ARTICLE: &str = "examples/article.nn";

/// SplitMix64, seeded: the same numbers on every machine, for tests that draw their cases.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `backprop-tex ARGS` started in the crate root, its standard input as given and its
/// outputs piped.
fn spawn(args: &[&str], stdin: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
        .args(args)
        .current_dir(root())
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

/// Runs `backprop-tex ARGS` with `stdin`, in the crate root.
pub(crate) fn run_with(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn(args, Stdio::piped());
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("stdin accepts the input");
    child.wait_with_output().expect("the binary finishes")
}

/// Runs `backprop-tex ARGS` as `run` does, but kills it and fails the test when it has not
/// finished within `limit`: a deadlock (a worker of the pool waiting on work only the pool
/// can do) fails here instead of never ending.
pub(crate) fn run_within(args: &[&str], limit: std::time::Duration) -> Output {
    let mut child = spawn(args, Stdio::null());
    // The pipes are read beside the wait, so that a full pipe cannot pass for a hang.
    fn read_all(
        mut pipe: impl std::io::Read + Send + 'static,
    ) -> std::thread::JoinHandle<std::io::Result<Vec<u8>>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    }
    let out = read_all(child.stdout.take().expect("stdout is piped"));
    let err = read_all(child.stderr.take().expect("stderr is piped"));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the binary can be waited for") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "`backprop-tex {}` did not finish in {limit:?}: it hangs",
                args.join(" ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap().expect("stdout is read"),
        stderr: err.join().unwrap().expect("stderr is read"),
    }
}

pub(crate) fn run(args: &[&str]) -> Output {
    run_with(args, b"")
}

pub(crate) fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

pub(crate) fn derive(file: &str, extra: &[&str]) -> String {
    let mut args = vec!["derive", file];
    args.extend_from_slice(extra);
    stdout(&run(&args))
}

pub(crate) fn json(file: &str, extra: &[&str]) -> Json {
    let mut args = vec!["-f", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&derive(file, &args)).expect("valid JSON")
}

pub(crate) fn floats(value: &Json) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

pub(crate) fn matrix(value: &Json) -> Vec<Vec<f64>> {
    value.as_array().expect("rows").iter().map(floats).collect()
}

pub(crate) fn assert_close(actual: f64, expected: f64, relative: f64, what: &str) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= relative * scale,
        "{what}: {actual} vs {expected} (relative {:e} > {relative:e})",
        (actual - expected).abs() / scale
    );
}

/// [`assert_close`], or within `absolute` where the value is the small difference of larger
/// ones (an update that nearly cancels its parameter): there float64 loops keep only the
/// absolute precision of the operands, while the derivation works in double-double.
pub(crate) fn assert_near(actual: f64, expected: f64, relative: f64, absolute: f64, what: &str) {
    if (actual - expected).abs() > absolute {
        assert_close(actual, expected, relative, what);
    }
}

pub(crate) fn examples() -> Vec<String> {
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| format!("examples/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".nn"))
        .collect();
    examples.sort();
    examples
}

/// Compiles `tex` (as `doc.tex`) with `engine` in a fresh directory, which holds `doc.pdf`
/// afterwards; the first lines of the error from the log on failure.
pub(crate) fn compile_in(engine: &str, tex: &str) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("doc.tex"), tex).map_err(|e| e.to_string())?;
    let output = Command::new(engine)
        .args([
            "-halt-on-error",
            "-interaction=nonstopmode",
            "-no-shell-escape",
            "doc.tex",
        ])
        .current_dir(dir.path())
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        return Ok(dir);
    }
    let log = String::from_utf8_lossy(&output.stdout);
    let error = log
        .lines()
        .skip_while(|l| !l.starts_with('!'))
        .take(8)
        .collect::<Vec<_>>()
        .join("\n");
    Err(error)
}

/// The overfull boxes `engine` reports compiling `tex` (a line run off the page, a row too tall).
pub(crate) fn overfull_boxes(engine: &str, tex: &str) -> usize {
    let dir = compile_in(engine, tex).unwrap_or_else(|log| panic!("{engine} failed:\n{log}"));
    let log = std::fs::read_to_string(dir.path().join("doc.log")).unwrap();
    log.matches("Overfull").count()
}

/// Whether the full matrices run: `BACKPROP_TEX_FULL=1` (`.ci/run` sets it, with `CI`). Without
/// it the tests that compile many documents or check many networks run a representative
/// subset, and say so.
pub(crate) fn full_matrix() -> bool {
    std::env::var_os("BACKPROP_TEX_FULL").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The running test's name: libtest names each test's thread after it.
fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|name| *name != "main")
        .unwrap_or("a test")
        .to_string()
}

/// Writes `kind: <test>: message` where the user sees it: libtest captures `eprintln!`, not
/// the standard error itself.
fn note(kind: &str, message: &str) {
    let line = format!("{kind}: {}: {message}\n", test_name());
    // A standard error that cannot be written loses only the note.
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Says that (part of) the running test is skipped, and why.
pub(crate) fn skipped(reason: &str) {
    note("skipped", reason);
}

/// Says that the running test ran a subset of its matrix, which one, and how to run it all.
pub(crate) fn subset(what: &str) {
    note("subset", &format!("{what} (BACKPROP_TEX_FULL=1 runs all)"));
}

/// Whether `program ARGS` runs; in CI its absence fails the test, elsewhere the test says that
/// it skips.
pub(crate) fn tool_available(program: &str, args: &[&str]) -> bool {
    tool_for(program, args, None)
}

/// Whether `program --version` runs, where only `part` of the test needs it.
pub(crate) fn tool_available_for(program: &str, part: &str) -> bool {
    tool_for(program, &["--version"], Some(part))
}

fn tool_for(program: &str, args: &[&str], part: Option<&str>) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is required in CI, but it is not available (see .ci/run)"
        );
        match part {
            Some(part) => skipped(&format!("{part}: no {program}")),
            None => skipped(&format!("no {program}")),
        }
    }
    found
}

/// Whether `program --version` runs (pdflatex, lualatex); see [`tool_available`].
pub(crate) fn tex_available(program: &str) -> bool {
    tool_available(program, &["--version"])
}

/// The text of the PDF that `engine` makes of `tex` (pdftotext), or the error from its log.
/// Each distinct document is compiled once in a test run, whichever tests ask for it.
pub(crate) fn compiled(engine: &str, tex: &str) -> Arc<Result<String, String>> {
    type Cache = Mutex<HashMap<(String, String), Arc<OnceLock<Arc<Result<String, String>>>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let slot = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((engine.to_string(), tex.to_string()))
        .or_default()
        .clone();
    // Another test compiling the same document waits for it here, outside the cache's lock.
    slot.get_or_init(|| Arc::new(compile_to_text(engine, tex)))
        .clone()
}

fn compile_to_text(engine: &str, tex: &str) -> Result<String, String> {
    let dir = compile_in(engine, tex)?;
    let text = Command::new("pdftotext")
        .args(["doc.pdf", "-"])
        .current_dir(dir.path())
        .output()
        .map_err(|e| format!("pdftotext: {e}"))?;
    if !text.status.success() {
        return Err(format!(
            "pdftotext failed: {}",
            String::from_utf8_lossy(&text.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&text.stdout).into_owned())
}

/// Compiles `tex` with pdflatex and returns the PDF's text.
pub(crate) fn pdf_text(tex: &str) -> String {
    match &*compiled("pdflatex", tex) {
        Ok(text) => text.clone(),
        Err(log) => panic!("pdflatex failed:\n{log}"),
    }
}

/// Whether `tex` compiles with `engine`; the log on failure.
pub(crate) fn compiles(engine: &str, tex: &str) -> Result<(), String> {
    compiled(engine, tex)
        .as_ref()
        .as_ref()
        .map(drop)
        .map_err(String::clone)
}

/// Runs `jobs` on as many threads as there are cores; the failures.
pub(crate) fn in_parallel<T: Send>(
    jobs: Vec<T>,
    work: impl Fn(T) -> Vec<String> + Sync,
) -> Vec<String> {
    let jobs = std::sync::Mutex::new(jobs);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
            .map(|_| {
                scope.spawn(|| {
                    let mut failures = Vec::new();
                    loop {
                        let job = jobs.lock().unwrap().pop();
                        match job {
                            Some(job) => failures.extend(work(job)),
                            None => return failures,
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}
