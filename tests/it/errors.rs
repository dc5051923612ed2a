//! Bad input: the catalogue of errors in tests/errors/, one file per entry, each message and
//! its location snapshotted (docs/errors.md is generated from the snapshots).

use crate::support::{root, run};

#[test]
fn every_error_is_located_and_exits_1() {
    insta::glob!("..", "errors/*.nn", |path| {
        let relative = path
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        // A first line `# args: …` gives the options the entry needs (`--carry rounded`).
        let text = std::fs::read(path).unwrap();
        let options = text
            .strip_prefix(b"# args: ")
            .and_then(|rest| rest.split(|&b| b == b'\n').next())
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .unwrap_or_default();
        let mut args = vec!["derive", &relative];
        args.extend(options.split_whitespace());
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1), "{relative}");
        assert!(output.stdout.is_empty(), "{relative} wrote output");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with("error: "), "{stderr}");
        let name = path.file_name().unwrap().to_str().unwrap();
        // Everything but faults in the numbers points into the file (undecodable bytes too,
        // shown as U+FFFD).
        if !name.starts_with("numeric") {
            assert!(stderr.contains(&format!("--> {relative}:")), "{stderr}");
            assert!(stderr.contains('^'), "{stderr}");
        }
        insta::assert_snapshot!(stderr);
    });
}
