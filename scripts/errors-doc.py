#!/usr/bin/env python3
# Regenerates docs/errors.md from the error snapshots in tests/snapshots/ (run from the repo root).
import glob, re
rows=[]
for snap in sorted(glob.glob('tests/snapshots/test__every_error_is_located_and_exits_1@*.snap')):
    name=re.search(r'@(.*)\.nn\.snap',snap).group(1)
    body=open(snap).read().split('---\n',2)[2]
    rows.append((name, body.splitlines()[0]))
groups = [
 ("Syntax", ("syntax_",)), ("Unknown names", ("unknown_",)), ("Custom functions", ("custom_",)),
 ("Shapes", ("shape_",)), ("Empty values", ("empty_",)), ("Losses that do not fit", ("mismatch_",)),
 ("Defined twice", ("duplicate_",)), ("Missing statements", ("missing_",)),
 ("Values", ("zero_", "fractional_", "number_")), ("Exams", ("exam_",)), ("Limits", ("limit_",)),
 ("Numbers that leave the reals", ("numeric_",)),
 ("Characters outside the language", ("unicode_",)),
 ("Line ends and byte-order marks", ("line_ends_",)), ("Encoding", ("not_utf8",)),
]
example=open('tests/snapshots/test__every_error_is_located_and_exits_1@shape_weights_against_previous_layer.nn.snap').read().split('---\n',2)[2].rstrip()
out=["# Errors", "",
"Every problem is an `error: …` line on standard error, then (for anything in the file) its",
"place as `--> file:line:col`, the line and a caret under the cause; the exit status is 1 and",
"nothing is written (an existing `-o` file is left as it was). Usage errors (unknown options,",
"missing arguments) are clap's, with exit status 2.", "",
"The catalogue below is the test suite's: each entry is a file in `tests/errors/`, and",
"`every_error_is_located_and_exits_1` in `tests/test.rs` checks its full message and location",
"against the snapshot in `tests/snapshots/`. (This page is generated from those snapshots.)",
"An example in full:", "", "```text", example, "```", "",
"The column after `-->` counts characters, as editors do (a byte-order mark is not one, a",
"tab is one). The caret is placed in display columns, so that it stands under its character",
"in a terminal: double-width characters such as `二` or `，` take two columns, tabs are",
"expanded to the next multiple of 4 in the echoed line and the caret line alike, control",
"characters are shown as their pictures (`␇`) and characters that show nothing (zero-width",
"spaces and joiners, direction controls) as `<U+200B>`. A line wider than 100 columns is",
"clipped to a window around the caret, marked with `…`; a message longer than 300 characters",
"(a name of a million letters) keeps its start and its end around a `…`.", "",
"A character that the language has no place for (anything outside ASCII, except in the title",
"and comments, and ASCII control characters) is named with its code point and, for the",
"common look-alikes, what to type instead: `−` (U+2212, from PDFs) and the other dashes are",
"not `-`; the full-width forms U+FF01–U+FF5E of an input method (`，［］＝０`–`９`) are their",
"ASCII characters; the ideographic space U+3000, no-break and other special spaces are not a",
"space; zero-width spaces and joiners are to be deleted; curly quotes are not `\"`; Greek",
"letters are spelled in ASCII (`η` → `eta`); `×` and `·` are `*`, `÷` is `/`.", ""]
used=set()
for title, prefixes in groups:
    items=[(n,m) for n,m in rows if n.startswith(prefixes) and n not in used]
    if not items: continue
    out += ["## "+title, "", "| file | message |", "|---|---|"]
    for n,m in items:
        used.add(n)
        out.append("| `%s.nn` | %s |" % (n, m.replace('|','\\|')))
    out.append("")
left=[n for n,m in rows if n not in used]
assert not left, left
out += ["## Numeric faults", "",
"A value that overflows, divides by zero, takes the logarithm of a number that is not",
"positive or is not a real number stops the derivation with the quantity and the step that",
"went wrong (`a_1^(10) in step 1: the number overflows`); no output ever contains NaN or",
"infinity. Sigmoid and softplus are computed in a form that cannot overflow, so only a",
"network whose numbers really leave the floats (or a formula such as `log(0)`) stops here.", "",
"## Output", "",
"Writing goes wrong in these ways; each is exit 1, and nothing is written (see",
"[guide.md](guide.md#where-the-output-goes) for what `-o` does with links, devices and modes):", "",
"| message | when |",
"|---|---|",
"| `error: cannot write standard output: No space left on device (os error 28)` | standard output is full (`> /dev/full`); the OS reason is kept |",
"| `error: cannot write standard output: Bad file descriptor (os error 9)` | standard output is closed (`>&-`); found before anything is written |",
"| `error: cannot write out.tex: No space left on device (os error 28)` | the disk of `-o out.tex` is full; the old `out.tex` is untouched |",
"| `error: cannot write out.tex: …; it has 2 hard links, so it was being rewritten in place and may now be half-written` | the final in-place copy of a hard-linked file failed |",
"| `error: cannot write out/: it is a directory; give a file name` | `-o` names a directory or ends in `/` |",
"| `error: refusing to write ./a.nn: it is the input file a.nn; nothing was written` | `-o` is the input, by any name (device and inode) |",
"| `error: cannot use templates from tmpl: No such file or directory (os error 2)` | `--templates` does not exist (or `…: it is not a directory`) |",
"| `error: my-templates already holds chain.tex.tera; nothing was written (--force replaces them)` | `templates export` into a directory that has some of the files |",
"| `error: cannot write my-templates/rows.tex.tera: it is not a regular file, so it is not replaced` | `templates export --force` where a template's name is a directory or link |",
"",
"## Limits", "",
"So that a file asking for hours of work is refused at once, `derive`, `check` and `exam` cap",
"the work:",
"",
"| flag | default | what |",
"|---|---|---|",
"| `--max-layers N` | 32 | layers with weights |",
"| `--max-units N` | 1000 | units in any layer, values in the input |",
"| `--max-samples N` | 100 | training samples |",
"| `--max-steps N` | 100 | SGD steps |",
"| `--max-gradients N` | 200000 | gradients derived in all: (weights + biases) × steps × samples |",
"| `--max-input-bytes N` | 16777216 (16 MiB) | bytes of the input file |",
"",
"The input limit is checked while reading: no more than N + 1 bytes are ever read, so",
"`/dev/zero`, a FIFO or an endless pipe on standard input is refused at the limit rather than",
"read until memory runs out. The default holds a 784-100-10 network (`gen` writes ~500 kB",
"for it) thirty times over.",
"",
"## Safe text", "",
"The title is the only free text in a file. It is escaped for LaTeX (`\\ { } $ & # % _ ^ ~ < > |`,",
"quotes and dashes become their literal glyphs), so that nothing in it can read a file, run a",
"command or end the document when the output is compiled; it is passed to the templates as",
"data, never as template code. `hostile_titles_are_printed_literally_and_run_nothing` compiles",
"titles such as `\\input{/etc/passwd}`, `\\immediate\\write18{…}`, `^^5cinput`, `\\catcode`,",
"`}}\\end{document}` and template delimiters with `pdflatex -no-shell-escape` and checks that",
"the PDF shows each title character for character.", ""]
open('docs/errors.md','w').write("\n".join(out))
