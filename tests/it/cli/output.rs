//! Files people keep: what `-o`, standard output and `templates export` do to what is already
//! there (modes, links, devices, the input itself, full disks, closed descriptors).

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{derive, root, run, run_with, skipped, stdout, ARTICLE};

const BIN: &str = env!("CARGO_BIN_EXE_backprop-tex");

/// Runs `script` with `sh -c` in the crate root, `$BIN` being the program.
fn sh(script: &str) -> Output {
    Command::new("sh")
        .args(["-c", script])
        .env("BIN", BIN)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .expect("sh runs")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts exit 1 with a message on standard error that contains `part`.
fn fails_with(output: &Output, part: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert!(stderr(output).contains(part), "{}", stderr(output));
}

fn as_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn new_files_follow_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    for (umask, expected) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let tex = dir.path().join(format!("{umask}.tex"));
        let nn = dir.path().join(format!("{umask}.nn"));
        let output = sh(&format!(
            "umask {umask}; \"$BIN\" derive {ARTICLE} -o '{}' && \
             exec \"$BIN\" gen --sizes 2,2 -o '{}'",
            tex.display(),
            nn.display()
        ));
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(mode(&tex), expected, "umask {umask}");
        assert_eq!(mode(&nn), expected, "umask {umask}");
    }
}

#[test]
fn an_existing_file_keeps_its_mode_and_owner() {
    let dir = tempfile::tempdir().unwrap();
    let tex = dir.path().join("shared.tex");
    fs::write(&tex, "old").unwrap();
    fs::set_permissions(&tex, fs::Permissions::from_mode(0o664)).unwrap();
    // As root the file can belong to someone else, and must still after the run.
    let root_user = fs::metadata(dir.path()).unwrap().uid() == 0
        && std::os::unix::fs::chown(&tex, Some(1234), Some(2345)).is_ok();
    let output = sh(&format!(
        "umask 077; exec \"$BIN\" derive {ARTICLE} -o '{}'",
        tex.display()
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&tex).unwrap(), derive(ARTICLE, &[]));
    assert_eq!(mode(&tex), 0o664);
    if root_user {
        let meta = fs::metadata(&tex).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (1234, 2345));
    }
}

#[test]
fn a_user_who_cannot_keep_the_owner_still_writes_and_keeps_the_mode() {
    let dir = tempfile::tempdir().unwrap();
    let as_root = fs::metadata(dir.path()).unwrap().uid() == 0;
    // Another user must be able to run the program and read the example from where it is.
    let probe = sh(&format!(
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$BIN\" check {ARTICLE}"
    ));
    if !as_root || !probe.status.success() {
        skipped("needs root, setpriv, and a checkout another user can read");
        return;
    }
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let tex = dir.path().join("theirs.tex");
    fs::write(&tex, "old").unwrap();
    // Set-group-id is kept only with the group, so it goes; the rest stays.
    fs::set_permissions(&tex, fs::Permissions::from_mode(0o2664)).unwrap();
    let output = sh(&format!(
        "umask 077; exec setpriv --reuid=65534 --regid=65534 --clear-groups \
         \"$BIN\" derive {ARTICLE} -o '{}'",
        tex.display()
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&tex).unwrap(), derive(ARTICLE, &[]));
    assert_eq!(mode(&tex), 0o664);
    assert_eq!(fs::metadata(&tex).unwrap().uid(), 65534);
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    let target = sub.join("target.tex");
    fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.tex");
    std::os::unix::fs::symlink("sub/target.tex", &link).unwrap();
    stdout(&run(&["derive", ARTICLE, "-o", as_str(&link)]));
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_to_string(&target).unwrap(), derive(ARTICLE, &[]));
    // A dangling link gets its target made.
    let dangling = dir.path().join("dangling.tex");
    std::os::unix::fs::symlink("sub/new.tex", &dangling).unwrap();
    stdout(&run(&["gen", "--sizes", "2,2", "-o", as_str(&dangling)]));
    assert!(fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(sub.join("new.tex"))
        .unwrap()
        .contains("layer"));
    // Nothing is left beside either.
    let mut names: Vec<_> = fs::read_dir(&sub)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["new.tex", "target.tex"]);
}

#[test]
fn a_hard_link_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.tex");
    let b = dir.path().join("b.tex");
    fs::write(
        &a,
        "a much longer old content than what gen writes ".repeat(100),
    )
    .unwrap();
    fs::hard_link(&a, &b).unwrap();
    let generated = stdout(&run(&["gen", "--sizes", "2,2"]));
    stdout(&run(&["gen", "--sizes", "2,2", "-o", as_str(&a)]));
    for path in [&a, &b] {
        assert_eq!(fs::read_to_string(path).unwrap(), generated);
        assert_eq!(fs::metadata(path).unwrap().nlink(), 2);
    }
    // Bad input leaves both names as they were.
    let output = run_with(&["derive", "-", "-o", as_str(&b)], b"input x = [");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&a).unwrap(), generated);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn devices_and_fifos_are_written_through() {
    stdout(&run(&["derive", ARTICLE, "-o", "/dev/null"]));
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // A link only the kernel can follow, to a pipe or to a regular file.
    let piped = stdout(&run(&["derive", ARTICLE, "-o", "/dev/stdout"]));
    assert_eq!(piped, derive(ARTICLE, &[]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redirected.tex");
    fs::write(&file, "x".repeat(100_000)).unwrap();
    let output = sh(&format!(
        "exec \"$BIN\" derive {ARTICLE} -o /dev/stdout 1<>'{}'",
        file.display()
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&file).unwrap(), piped);

    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        skipped("the FIFO: no mkfifo");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    stdout(&run(&["derive", ARTICLE, "-o", as_str(&fifo)]));
    assert_eq!(reader.join().unwrap(), derive(ARTICLE, &[]));
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_directory_is_not_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("{}/missing/", dir.path().display());
    for out in [
        as_str(dir.path()),
        &format!("{}/", dir.path().display()),
        &missing,
    ] {
        let output = run(&["derive", ARTICLE, "-o", out]);
        fails_with(&output, &format!("cannot write {out}: it is a directory"));
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_input_is_never_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let nn = dir.path().join("a.nn");
    let text = fs::read_to_string(root().join(ARTICLE)).unwrap();
    fs::write(&nn, &text).unwrap();
    std::os::unix::fs::symlink("a.nn", dir.path().join("link.nn")).unwrap();
    fs::hard_link(&nn, dir.path().join("hard.nn")).unwrap();
    let spellings = [
        nn.display().to_string(),
        format!("{}/./a.nn", dir.path().display()),
        format!("{}/link.nn", dir.path().display()),
        format!("{}/hard.nn", dir.path().display()),
    ];
    for out in &spellings {
        let output = run(&["derive", as_str(&nn), "-o", out]);
        fails_with(
            &output,
            &format!("error: refusing to write {out}: it is the input file"),
        );
        assert!(output.stdout.is_empty());
    }
    assert_eq!(fs::read_to_string(&nn).unwrap(), text);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 3);
    // Standard input or output that is the input file, as `cat` refuses it: the source is
    // never replaced (`<`) nor appended to (`>>`).
    for (script, part) in [
        (
            "\"$BIN\" derive - -o a.nn < a.nn",
            "refusing to write a.nn: it is the input file (standard input)",
        ),
        (
            "\"$BIN\" derive a.nn >> a.nn",
            "refusing to write standard output: it is the input file a.nn",
        ),
        (
            "\"$BIN\" derive - < a.nn >> a.nn",
            "refusing to write standard output: it is the input file (standard input)",
        ),
        (
            "\"$BIN\" check link.nn >> hard.nn",
            "refusing to write standard output: it is the input file link.nn",
        ),
    ] {
        let output = Command::new("sh")
            .args(["-c", script])
            .env("BIN", BIN)
            .current_dir(dir.path())
            .output()
            .unwrap();
        fails_with(&output, part);
        assert_eq!(fs::read_to_string(&nn).unwrap(), text, "{script}");
    }
    // A standard input that is another file, or a pipe, does not collide: the file was read
    // whole before it is replaced.
    let output = run_with(&["derive", "-", "-o", as_str(&nn)], text.as_bytes());
    stdout(&output);
    assert_eq!(fs::read_to_string(&nn).unwrap(), derive(ARTICLE, &[]));
    let output = sh(&format!(
        "\"$BIN\" derive - -o {} < {ARTICLE} && \"$BIN\" derive {} > {}/other.tex",
        as_str(&nn),
        ARTICLE,
        dir.path().display()
    ));
    stdout(&output);
    assert_eq!(fs::read_to_string(&nn).unwrap(), derive(ARTICLE, &[]));
}

#[test]
fn a_full_standard_output_is_exit_1_with_the_reason() {
    let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux
    };
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    let exam = dir.path().join("exam");
    for args in [
        &["check", ARTICLE][..],
        &["derive", ARTICLE, "-o", "-"],
        &["gen", "--sizes", "3,2"],
        &["templates", "export", as_str(&templates)],
        &[
            "exam",
            "examples/exam.nn",
            "--variants",
            "1",
            "-o",
            as_str(&exam),
        ],
        &["--help"],
    ] {
        let output = Command::new(BIN)
            .args(args)
            .current_dir(root())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        fails_with(
            &output,
            "error: cannot write standard output: No space left on device",
        );
    }
}

#[test]
fn a_closed_standard_output_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    for command in [
        format!("derive {ARTICLE}"),
        format!("check {ARTICLE}"),
        "gen --sizes 2,2".into(),
        format!("templates export '{}'", templates.display()),
        "--version".into(),
    ] {
        let output = sh(&format!("exec \"$BIN\" {command} >&-"));
        fails_with(
            &output,
            "error: cannot write standard output: Bad file descriptor",
        );
    }
    // Found before anything was written.
    assert!(!templates.exists());
    // With -o, standard output is not needed.
    let tex = dir.path().join("a.tex");
    let output = sh(&format!(
        "exec \"$BIN\" derive {ARTICLE} -o '{}' >&-",
        tex.display()
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(tex.exists());
    // A path to the closed descriptor is no way round it (the runtime put /dev/null there).
    let link = dir.path().join("out");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    for path in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", as_str(&link)] {
        for command in [
            format!("derive {ARTICLE} -o {path}"),
            format!("gen --sizes 2,2 -o {path}"),
        ] {
            let output = sh(&format!("exec \"$BIN\" {command} >&-"));
            fails_with(
                &output,
                &format!("error: cannot write {path}: Bad file descriptor"),
            );
        }
    }
    let output = sh(&format!(
        "exec \"$BIN\" derive {ARTICLE} -o /dev/stderr 2>&-"
    ));
    assert_eq!(output.status.code(), Some(1));
    // Open, they are written through as before.
    let output = sh(&format!(
        "exec \"$BIN\" derive {ARTICLE} -o {}",
        as_str(&link)
    ));
    assert_eq!(stdout(&output), derive(ARTICLE, &[]));
}

#[test]
fn dash_is_standard_output() {
    // Run in an empty directory: no file named `-` appears there.
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["derive", as_str(&root().join(ARTICLE)), "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(stdout(&output), derive(ARTICLE, &[]));
    let output = Command::new(BIN)
        .args(["gen", "--sizes", "2,2", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(stdout(&output), stdout(&run(&["gen", "--sizes", "2,2"])));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_templates_directory_that_is_not_one_is_an_error() {
    let file = root().join(ARTICLE);
    for dir in ["/no/such/dir", as_str(&file)] {
        for format in ["latex", "json"] {
            let output = run(&["derive", ARTICLE, "-f", format, "--templates", dir]);
            fails_with(
                &output,
                &format!("error: cannot use templates from {dir}: "),
            );
            assert!(output.stdout.is_empty());
        }
    }
    let out = tempfile::tempdir().unwrap();
    let exam = out.path().join("exam");
    let output = run(&[
        "exam",
        "examples/exam.nn",
        "--variants",
        "1",
        "-o",
        as_str(&exam),
        "--templates",
        "/no/such/dir",
    ]);
    fails_with(&output, "error: cannot use templates from /no/such/dir: ");
}

#[test]
fn templates_export_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    fs::create_dir(&templates).unwrap();
    fs::write(templates.join("rows.tex.tera"), "mine").unwrap();
    let output = run(&["templates", "export", as_str(&templates)]);
    fails_with(
        &output,
        &format!(
            "error: {} already holds rows.tex.tera; nothing was written (--force replaces them)",
            templates.display()
        ),
    );
    assert_eq!(fs::read_dir(&templates).unwrap().count(), 1);
    assert_eq!(
        fs::read_to_string(templates.join("rows.tex.tera")).unwrap(),
        "mine"
    );

    let written = stdout(&run(&[
        "templates",
        "export",
        as_str(&templates),
        "--force",
    ]));
    assert_eq!(written.lines().count(), 8, "{written}");
    assert_eq!(fs::read_dir(&templates).unwrap().count(), 8);
    let with_exported = derive(ARTICLE, &["--templates", as_str(&templates)]);
    assert_eq!(with_exported, derive(ARTICLE, &[]));

    // A new directory (and its parents) follows the umask, files and directories alike.
    let nested = dir.path().join("a/b");
    let output = sh(&format!(
        "umask 027; exec \"$BIN\" templates export '{}'",
        nested.display()
    ));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(mode(&nested), 0o750);
    assert_eq!(mode(&nested.join("chain.tex.tera")), 0o640);
    assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
}

/// A small tmpfs, where mounting one is allowed (as root); unmounted when dropped.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount(kilobytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kilobytes}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status();
        mounted.is_ok_and(|s| s.success()).then_some(SmallDisk(dir))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_leaves_nothing_half_written() {
    let Some(disk) = SmallDisk::mount(16) else {
        skipped("cannot mount a tmpfs here (the unit tests of src/output.rs cover it)");
        return;
    };
    let templates = disk.path().join("templates");
    let output = run(&["templates", "export", as_str(&templates)]);
    fails_with(&output, "No space left on device");
    assert_eq!(fs::read_dir(disk.path()).unwrap().count(), 0);

    let kept = disk.path().join("kept.tex");
    let linked = disk.path().join("linked.tex");
    fs::write(&kept, "precious").unwrap();
    fs::hard_link(&kept, &linked).unwrap();
    for out in [&kept, &linked, &disk.path().join("new.tex")] {
        let output = run(&["derive", "examples/deep.nn", "-o", as_str(out)]);
        fails_with(&output, "No space left on device");
        assert!(!stderr(&output).contains("at path"), "{}", stderr(&output));
    }
    assert_eq!(fs::read_to_string(&kept).unwrap(), "precious");
    assert_eq!(fs::read_dir(disk.path()).unwrap().count(), 2);
}
