//! The documentation's examples run as written: every `nn` block derives, every command line
//! of a `sh` block runs. (The files of examples/ are derived by `pinned`.)

use std::path::PathBuf;
use std::process::Command;

use crate::support::{compiles, full_matrix, in_parallel, root, run_with, subset};

/// README.md and the pages of docs/.
fn markdown_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files.push(root().join("README.md"));
    files
}

/// The `nn` code blocks of a Markdown file.
fn nn_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```nn") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn docs_examples_all_derive() {
    let mut count = 0;
    for file in markdown_files() {
        for block in nn_blocks(&std::fs::read_to_string(&file).unwrap()) {
            for format in ["latex", "json"] {
                let output = run_with(&["derive", "-", "-f", format], block.as_bytes());
                let stderr = String::from_utf8_lossy(&output.stderr);
                assert!(
                    output.status.success(),
                    "{}:\n{block}\n{stderr}",
                    file.display()
                );
            }
            count += 1;
        }
    }
    assert!(
        count >= 4,
        "only {count} examples found in docs/ and README.md"
    );
}

/// The `sh` code blocks' command lines that run the tool, with the doc's first `nn` block.
fn commands_in(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        match line.trim_end() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            text if in_sh && text.starts_with("backprop-tex ") => commands.push(text.to_string()),
            _ => {}
        }
    }
    commands
}

/// Every `backprop-tex …` command of a `sh` block in README.md and docs/ runs as written, in a
/// directory holding the examples (and, as the file a page's command names, that page's first
/// `nn` block), and a `pdflatex`/`lualatex` after `&&` compiles what it wrote.
#[test]
fn every_command_in_the_docs_runs_as_written() {
    let mut commands = Vec::new();
    for file in markdown_files() {
        let page = std::fs::read_to_string(&file).unwrap();
        for line in commands_in(&page) {
            let block = nn_blocks(&page).into_iter().next();
            commands.push((file.clone(), line, block));
        }
    }
    assert!(
        commands.len() >= 6,
        "only {} commands found in docs/ and README.md",
        commands.len()
    );
    if !full_matrix() {
        subset("every command, compiled where it says pdflatex; lualatex too with the full matrix");
    }
    // As many commands at a time as there are cores, each in a directory of its own.
    let failures = in_parallel(commands, |(file, line, block)| {
        match run_as_written(&line, block.as_deref()) {
            Ok(()) => Vec::new(),
            Err(failure) => vec![format!("{}: {line}\n{failure}", file.display())],
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs a docs page's command `line` in a directory holding the examples (and the page's
/// first `.nn` block under any `.nn` name the line gives that is not one), then compiles
/// what a `&& pdflatex file.tex` after it names.
fn run_as_written(line: &str, block: Option<&str>) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let examples = dir.path().join("examples");
    std::fs::create_dir(&examples).unwrap();
    for example in crate::support::examples() {
        std::fs::copy(root().join(&example), dir.path().join(&example)).unwrap();
    }
    let mut parts = line.split(" && ");
    let words = shell_words(parts.next().unwrap());
    let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
    for arg in &args {
        let named = dir.path().join(arg);
        if arg.ends_with(".nn") && !named.exists() {
            std::fs::write(named, block.expect("an nn block")).unwrap();
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_backprop-tex"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    for then in parts {
        let mut words = then.split_whitespace();
        let (engine, tex) = (words.next().unwrap(), words.next().unwrap());
        // A Japanese document takes lualatex seconds: a plain run leaves it to the full one.
        let plain = engine == "pdflatex";
        if (plain || full_matrix())
            && crate::support::tool_available_for(engine, "compiling what a command wrote")
        {
            let tex = std::fs::read_to_string(dir.path().join(tex)).unwrap();
            compiles(engine, &tex)?;
        }
    }
    Ok(())
}

/// A command line's words as a shell splits them: at spaces, but for those inside double
/// quotes (`graph "(x+y)*z"`), which are left out.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, any) = (!quoted, true),
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// The `.rs` files under `dir`, as paths relative to `src/`.
fn sources(dir: &std::path::Path, src: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, src, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(src).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn the_code_map_names_every_file_of_src_in_its_room() {
    let map = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let map = &map[map.find("## Code map").expect("a code map section")..];
    let map = &map[..map.find("\n## ").unwrap_or(map.len())];
    // Each room's part: from its `**`room/`**` heading to the next heading.
    let part = |heading: &str| -> &str {
        let start = map
            .find(heading)
            .unwrap_or_else(|| panic!("the code map has no heading {heading}"));
        let rest = &map[start + heading.len()..];
        &rest[..rest.find("\n**").unwrap_or(rest.len())]
    };
    let src = root().join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    files.sort();
    let mut missing = Vec::new();
    for file in &files {
        let (heading, name) = match file.split_once('/') {
            Some((room, rest)) => (format!("**`{room}/`**"), rest.rsplit('/').next().unwrap()),
            None => ("**Top level**".to_string(), file.as_str()),
        };
        if !part(&heading).contains(&format!("`{name}`")) {
            missing.push(file.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "docs/architecture.md's code map does not name: {missing:?}"
    );
    assert!(files.len() > 40, "only {} files found", files.len());
}
