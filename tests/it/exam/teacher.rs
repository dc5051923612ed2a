//! `exam` as a teacher meets it: the bundle appears whole or not at all, a previous exam is
//! replaced only when asked, an impossible `vary` is named quickly, and `gen` writes only
//! networks that `derive` accepts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{root, run, stdout};

const EXAM: &str = "examples/exam.nn";

/// `exam FILE --variants N -o DIR EXTRA…`.
fn exam(file: &str, variants: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = exam_args(file, variants, dir).to_vec();
    args.extend_from_slice(extra);
    run(&args)
}

/// `exam FILE --variants N --seed 5 -o DIR`.
fn exam_args<'a>(file: &'a str, variants: &'a str, dir: &'a Path) -> [&'a str; 8] {
    let dir = dir.to_str().unwrap();
    [
        "exam",
        file,
        "--variants",
        variants,
        "--seed",
        "5",
        "-o",
        dir,
    ]
}

/// [`exam`] measured by the kernel: CPU time, not wall time, bounds a blow-up on a shared machine.
fn exam_measured(file: &str, variants: &str, dir: &Path) -> crate::measure::Measured {
    crate::measure::run_measured(&exam_args(file, variants, dir), Vec::new())
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file in `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

/// A file written into a fresh temporary directory.
fn file_in(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Templates whose question page fails for variant 05 only: a failure late in the exam.
fn failing_templates(dir: &Path) -> PathBuf {
    let templates = dir.join("templates");
    std::fs::create_dir(&templates).unwrap();
    let page = std::fs::read_to_string(root().join("templates/question.tex.tera")).unwrap();
    std::fs::write(
        templates.join("question.tex.tera"),
        format!("<% if variant == \"05\" %><< no_such_value >><% endif %>{page}"),
    )
    .unwrap();
    templates
}

#[test]
fn a_variant_that_fails_late_leaves_the_directory_as_it_was() {
    let parent = tempfile::tempdir().unwrap();
    let templates = failing_templates(parent.path());
    let templates = templates.to_str().unwrap();
    // Into a directory that does not exist yet: it still does not.
    let missing = parent.path().join("exam");
    let output = exam(EXAM, "30", &missing, &["--templates", templates]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with("error: variant 5: template"),
        "{message}"
    );
    assert!(!message.contains(".nn:"), "no place in the file: {message}");
    assert!(!missing.exists());
    // Over a previous bundle with --force: every byte of it is still there.
    let previous = parent.path().join("previous");
    stdout(&exam(EXAM, "12", &previous, &[]));
    let before = contents(&previous);
    let output = exam(
        EXAM,
        "30",
        &previous,
        &["--templates", templates, "--force"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(contents(&previous), before);
    // No temporary directory is left beside them.
    assert_eq!(names(parent.path()), ["previous", "templates"]);
}

#[test]
fn an_exam_over_a_previous_one_needs_force_and_then_replaces_all_of_it() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("exam");
    stdout(&exam(EXAM, "12", &dir, &[]));
    std::fs::write(dir.join("questions.tex"), "edited by hand").unwrap();
    // LaTeX's own files belong to the bundle too.
    std::fs::write(dir.join("questions.pdf"), "%PDF").unwrap();
    let output = exam(EXAM, "3", &dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains(dir.to_str().unwrap()) && message.contains("--force"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("questions.tex")).unwrap(),
        "edited by hand"
    );
    assert_eq!(names(&dir).len(), 4 + 2 * 12 + 1);

    let written = stdout(&exam(EXAM, "3", &dir, &["--force"]));
    assert_eq!(written, format!("wrote 10 files into {}\n", dir.display()));
    let mut expected = vec![
        "answers.tex",
        "canvas-qti.zip",
        "moodle.xml",
        "questions.tex",
    ];
    for n in 1..=3 {
        expected.push(Box::leak(format!("variant-{n:02}.json").into_boxed_str()));
        expected.push(Box::leak(format!("variant-{n:02}.nn").into_boxed_str()));
    }
    expected.sort();
    assert_eq!(names(&dir), expected);
    assert!(std::fs::read_to_string(dir.join("questions.tex"))
        .unwrap()
        .ends_with("\\end{document}\n"));
    assert_eq!(names(parent.path()), ["exam"]);
    // An empty directory is used as it is, keeping its permissions.
    let empty = parent.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o750)).unwrap();
        stdout(&exam(EXAM, "2", &empty, &[]));
        let mode = std::fs::metadata(&empty).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
    }
}

#[test]
fn force_never_removes_what_an_exam_did_not_write() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("course");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("questions.tex"), "old").unwrap();
    std::fs::write(dir.join("grades.csv"), "alice,10").unwrap();
    let output = exam(EXAM, "3", &dir, &["--force"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`grades.csv`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(names(&dir), ["grades.csv", "questions.tex"]);
    // A directory inside is not a bundle's either.
    std::fs::remove_file(dir.join("grades.csv")).unwrap();
    std::fs::create_dir(dir.join("variant-01.nn")).unwrap();
    let output = exam(EXAM, "3", &dir, &["--force"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("`variant-01.nn`"));
    // A file is not a directory.
    let file = file_in(parent.path(), "notes.txt", "mine");
    let output = exam(EXAM, "3", &file, &["--force"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("it exists and is not a directory"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    assert_eq!(names(parent.path()), ["course", "notes.txt"]);
}

#[test]
fn force_keeps_the_teachers_own_questions_files() {
    // The exam's own source saved as `questions.nn` beside the bundle, and an edited copy of
    // the sheet: both are the teacher's, not LaTeX's, and --force must not delete them.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("course");
    assert_eq!(exam(EXAM, "2", &dir, &[]).status.code(), Some(0));
    let source = dir.join("questions.nn");
    std::fs::copy(root().join(EXAM), &source).unwrap();
    for own in ["questions.nn", "questions.mine.tex", "answers.tex.bak"] {
        let path = dir.join(own);
        if own != "questions.nn" {
            std::fs::write(&path, "mine").unwrap();
        }
        let before = contents(&dir);
        let output = exam(source.to_str().unwrap(), "2", &dir, &["--force"]);
        assert_eq!(output.status.code(), Some(1), "{own}");
        assert!(
            stderr(&output).contains(&format!("`{own}`")),
            "{}",
            stderr(&output)
        );
        assert_eq!(contents(&dir), before, "{own}");
        if own != "questions.nn" {
            std::fs::remove_file(&path).unwrap();
        }
    }
    // LaTeX's own files beside the sheets are the bundle's.
    std::fs::remove_file(&source).unwrap();
    for made in [
        "questions.aux",
        "questions.synctex.gz",
        "answers.fdb_latexmk",
    ] {
        std::fs::write(dir.join(made), "made").unwrap();
    }
    let output = exam(EXAM, "2", &dir, &["--force"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!dir.join("questions.aux").exists());
}

#[test]
fn a_question_asked_many_times_is_asked_once() {
    // 100,000 `ask grad W1` lines took 4 GB; asked twice is asked once.
    let parent = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(EXAM)).unwrap();
    let many = file_in(
        parent.path(),
        "many.nn",
        &format!("{text}{}", "ask grad W1\nask E\n".repeat(20_000)),
    );
    let (once, twice) = (parent.path().join("once"), parent.path().join("many"));
    assert_eq!(exam(EXAM, "3", &once, &[]).status.code(), Some(0));
    let run = exam_measured(many.to_str().unwrap(), "3", &twice);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.cpu < Duration::from_secs(5), "{:?} of CPU", run.cpu);
    let strip = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        contents(dir)
            .into_iter()
            .filter(|(name, _)| !name.ends_with(".nn"))
            .collect()
    };
    assert_eq!(strip(&once), strip(&twice));
}

#[test]
fn an_impossible_draw_fails_at_once_and_names_its_vary() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.nn");
    stdout(&run(&[
        "gen",
        "--sizes",
        "100,100,10",
        "-o",
        big.to_str().unwrap(),
    ]));
    let mut text = std::fs::read_to_string(&big).unwrap();
    text.push_str("vary t in {0, 1}\nvary W in {10}\n");
    let lines = text.lines().count();
    let file = file_in(dir.path(), "w10.nn", &text);
    let out = dir.path().join("out");
    let run = exam_measured(file.to_str().unwrap(), "30", &out);
    assert_eq!(run.code, Some(1));
    assert!(run.cpu < Duration::from_secs(5), "{:?} of CPU", run.cpu);
    let message = run.stderr;
    assert!(
        message.starts_with("error: variant 1: no draw can be worked by hand"),
        "{message}"
    );
    assert!(message.contains("sigmoid input beyond ±4"), "{message}");
    assert!(
        message.contains("(what decides it is the same in every draw)"),
        "{message}"
    );
    assert!(
        message.contains("`vary W` makes it impossible"),
        "{message}"
    );
    assert!(
        message.contains(&format!("w10.nn:{lines}:1")),
        "points at the vary: {message}"
    );
    assert!(!out.exists());
    assert_eq!(names(dir.path()), ["big.nn", "w10.nn"]);
}

#[test]
fn unworkable_variants_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // Every draw saturates a softmax into log(0), or has a gradient that rounds to 0.
        (
            "softmax_log_zero",
            "input x = [1, 2]\ntarget t = [0, 1]\nlayer identity W = [[1, 0], [0, 1]]\n\
             layer softmax W = [[1, 2], [3, 4]]\nloss cross_entropy\nvary W2 in {-400, 400}\n",
        ),
        // The written W1 saturates; only the targets vary, and they cannot help.
        (
            "fixed_weights_saturate",
            "input x = [1, 2]\ntarget t = [0]\nlayer sigmoid W = [[5, 5]]\nloss sum_squared\n\
             vary t in [0, 1] step 0.5\n",
        ),
        // Softmax targets drawn from {0.3, 0.6} never add up to 1.
        (
            "softmax_targets_never_sum_to_one",
            "input x = [1]\ntarget t = [0.5, 0.5]\nlayer softmax W = [[1], [2]]\n\
             loss cross_entropy\nvary t in {0.3, 0.6}\nvary W in [-1, 1] step 0.5\n",
        ),
        // Two varies together make every gradient tiny.
        (
            "tiny_gradients",
            "input x = [1, 2]\ntarget t = [0, 1]\nlayer identity W = [[1, 0], [0, 1]]\n\
             layer identity W = [[1, 2], [3, 4]]\nloss sum_squared\n\
             vary W2 in {0.00001, 0.00002}\nvary x in [0.001, 0.002] step 0.001\n",
        ),
    ];
    for (name, text) in cases {
        let file = file_in(dir.path(), &format!("{name}.nn"), text);
        let output = exam(file.to_str().unwrap(), "3", &dir.path().join(name), &[]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let message = stderr(&output).replace(dir.path().to_str().unwrap(), "DIR");
        insta::assert_snapshot!(name, message);
        assert!(!dir.path().join(name).exists());
    }
}

#[test]
fn draws_that_leave_the_reals_or_round_away_are_drawn_again() {
    let dir = tempfile::tempdir().unwrap();
    // Some draws put a -400 into the softmax: log(0) in the loss; they are drawn again.
    let file = file_in(
        dir.path(),
        "sometimes.nn",
        "input x = [1, 2]\ntarget t = [0, 1]\nlayer tanh W = [[0.1, 0.2], [0.3, 0.1]]\n\
         layer softmax W = [[1, 2], [3, 4]]\nloss cross_entropy\nvary W2 in {-400, -1, 0.5, 1, 2}\n\
         vary t in {0, 1}\n",
    );
    for extra in [&[][..], &["--digits", "1", "--carry", "rounded"][..]] {
        let out = dir.path().join(format!("out{}", extra.len()));
        stdout(&exam(file.to_str().unwrap(), "20", &out, extra));
        for n in 1..=20 {
            let nn = out.join(format!("variant-{n:02}.nn"));
            let json = std::fs::read_to_string(out.join(format!("variant-{n:02}.json"))).unwrap();
            // The variant's own file derives to exactly the numbers in the bundle.
            let digits = if extra.is_empty() { "4" } else { "1" };
            let derive = [
                "derive",
                nn.to_str().unwrap(),
                "-f",
                "json",
                "--digits",
                digits,
            ];
            assert_eq!(stdout(&run(&derive)), json);
        }
    }
}

#[test]
fn a_custom_activation_with_two_samples_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(root().join("examples/custom.nn")).unwrap();
    text.push_str("\nvary W in [-1, 1] step 0.25\n");
    let file = file_in(dir.path(), "custom.nn", &text);
    let out = dir.path().join("out");
    stdout(&exam(file.to_str().unwrap(), "6", &out, &[]));
    for n in 1..=6 {
        let nn = out.join(format!("variant-{n:02}.nn"));
        let json = std::fs::read_to_string(out.join(format!("variant-{n:02}.json"))).unwrap();
        assert_eq!(
            stdout(&run(&["derive", nn.to_str().unwrap(), "-f", "json"])),
            json
        );
    }
}

#[test]
fn errors_point_at_the_vary_in_the_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(
        dir.path(),
        "bce.nn",
        "input x = [1, 2]\ntarget t = [1]\nlayer sigmoid W = [[0.1, 0.2]]\n\
         loss binary_cross_entropy\nvary t in [0, 2] step 1\n",
    );
    let output = exam(file.to_str().unwrap(), "3", &dir.path().join("out"), &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with(
            "error: `vary t` draws 2: binary_cross_entropy needs targets between 0 and 1, not 2\n"
        ),
        "{message}"
    );
    assert!(message.contains("bce.nn:5:15"), "under the 2: {message}");
}

#[test]
fn exam_uses_the_limits_on_its_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let ones = vec!["1"; 1001].join(", ");
    let weights = vec!["0.001"; 1001].join(", ");
    let file = file_in(
        dir.path(),
        "wide.nn",
        &format!(
            "input x = [{ones}]\ntarget t = [0]\nlayer identity W = [[{weights}]]\n\
             loss sum_squared\nvary x in {{1, 2}}\nask E\n"
        ),
    );
    let file = file.to_str().unwrap();
    let output = exam(file, "2", &dir.path().join("refused"), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--max-units"));
    let out = dir.path().join("out");
    stdout(&exam(file, "2", &out, &["--max-units", "2000"]));
    assert_eq!(names(&out).len(), 4 + 2 * 2);
}

/// A small deterministic generator for the combinations below.
struct Draws(u64);

impl Draws {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn every_network_gen_writes_derives_with_the_same_limits() {
    const ACTS: [&str; 7] = [
        "identity",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "softplus",
        "softmax",
    ];
    let limits = [
        "--max-layers",
        "3",
        "--max-units",
        "5",
        "--max-gradients",
        "60",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut draws = Draws(2024);
    let (mut written, mut refused) = (0, 0);
    for case in 0..60 {
        // Sizes up to one beyond each limit, so that refusals are exercised too.
        let sizes: Vec<String> = (0..2 + draws.below(3))
            .map(|_| (1 + draws.below(6)).to_string())
            .collect();
        let acts: Vec<&str> = (0..draws.below(sizes.len()))
            .map(|_| ACTS[draws.below(ACTS.len())])
            .collect();
        let path = dir.path().join(format!("{case}.nn"));
        let sizes = sizes.join(",");
        let acts_arg = acts.join(",");
        let seed = case.to_string();
        let mut args = vec!["gen", "--sizes", &sizes, "--seed", &seed];
        if !acts.is_empty() {
            args.extend(["--acts", &acts_arg]);
        }
        if draws.below(2) == 1 {
            args.push("--bias");
        }
        args.extend(limits);
        args.extend(["-o", path.to_str().unwrap()]);
        let output = run(&args);
        match output.status.code() {
            Some(0) => {
                written += 1;
                let mut derive = vec!["derive", path.to_str().unwrap(), "-f", "json"];
                derive.extend(limits);
                let derived = run(&derive);
                assert!(derived.status.success(), "{args:?}: {}", stderr(&derived));
            }
            Some(1) => {
                refused += 1;
                let message = stderr(&output);
                assert!(
                    ["--max-", "softmax can only be the output layer"]
                        .iter()
                        .any(|m| message.contains(m)),
                    "{args:?}: {message}"
                );
                assert!(!path.exists());
            }
            other => panic!("{args:?}: exit {other:?}: {}", stderr(&output)),
        }
    }
    assert!(
        written >= 20 && refused >= 5,
        "{written} written, {refused} refused"
    );
}
