#!/usr/bin/env python3
# Regenerates docs/errors.md from the error snapshots in tests/it/snapshots/ (run from the repo root).
import glob, re
rows=[]
for snap in sorted(glob.glob('tests/it/snapshots/it__errors__every_error_is_located_and_exits_1@*.snap')):
    name=re.search(r'@(.*)\.nn\.snap',snap).group(1)
    body=open(snap).read().split('---\n',2)[2]
    rows.append((name, body.splitlines()[0]))
groups = [
 ("Syntax", ("syntax_",)), ("Unknown names", ("unknown_",)), ("Custom functions", ("custom_",)),
 ("Shapes", ("shape_",)), ("Empty values", ("empty_",)), ("Losses that do not fit", ("mismatch_",)),
 ("Defined twice", ("duplicate_",)), ("Missing statements", ("missing_",)),
 ("Values", ("zero_", "fractional_", "number_")),
 ("Optimizers (`optimizer NAME …`, see language.md)", ("optimizer_",)),
 ("Weight decay and dropout", ("weight_decay_", "dropout_")),
 ("Exams", ("exam_",)),
 ("Graph files (`graph \"FORMULA\" at x = 1`, see graph.md)", ("graph_",)), ("Limits", ("limit_",)),
 ("Numbers that leave the reals", ("numeric_",)),
 ("Rounded values carried (`--carry rounded`, options on the file's first line)", ("rounding_",)),
 ("Characters outside the language", ("unicode_",)),
 ("Line ends and byte-order marks", ("line_ends_",)), ("Encoding", ("not_utf8",)),
]
example=open('tests/it/snapshots/it__errors__every_error_is_located_and_exits_1@shape_weights_against_previous_layer.nn.snap').read().split('---\n',2)[2].rstrip()
out=["# Errors", "",
"Every problem is an `error: …` line on standard error, then (for anything in the file) its",
"place as `--> file:line:col`, the line and a caret under the cause; the exit status is 1 and",
"nothing is written (an existing `-o` file is left as it was). Usage errors (unknown options,",
"missing arguments) are clap's, with exit status 2.", "",
"The catalogue below is the test suite's: each entry is a file in `tests/errors/`, and",
"`every_error_is_located_and_exits_1` in `tests/it/errors.rs` checks its full message and location",
"against the snapshot in `tests/it/snapshots/`. (This page is generated from those snapshots.)",
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
graph=[]
for snap in sorted(glob.glob('tests/it/snapshots/it__graph__refused_*.snap')):
    name=re.search(r'refused_(.*)\.snap',snap).group(1)
    body=open(snap).read().split('---\n',2)[2]
    graph.append((name, body.splitlines()[0]))
if graph:
    out += ["## Computational graphs (`graph \"FORMULA\" --at …`, see graph.md)", "",
    "A fault in the formula points into it (`--> <formula>:1:3`), one in the values into `--at`",
    "(`--> <--at>:1:5`). The cases are `refusals()` in `tests/it/graph.rs`:", "",
    "| case | message |", "|---|---|"]
    for n,m in graph:
        out.append("| %s | %s |" % (n.replace('_',' '), m.replace('|','\\|')))
    out.append("")
view=[]
for snap in sorted(glob.glob('tests/it/snapshots/it__graph_view__view_refused_*.snap')):
    name=re.search(r'view_refused_(.*)\.snap',snap).group(1)
    body=open(snap).read().split('---\n',2)[2]
    view.append((name, body.splitlines()[0]))
if view:
    out += ["## Networks the graph view cannot draw (`derive --view graph`, see graph.md)", "",
    "Located at the statement that makes it so. The cases are `refusals()` in",
    "`tests/it/graph_view.rs`:", "",
    "| case | message |", "|---|---|"]
    for n,m in view:
        out.append("| %s | %s |" % (n.replace('_',' '), m.replace('|','\\|')))
    out.append("")
out += ["## Numeric faults", "",
"A value that overflows, divides by zero, takes the logarithm of a number that is not",
"positive or is not a real number stops the derivation with the quantity and the step that",
"went wrong (`a_1^(10) in step 1: the number overflows`); no output ever contains NaN or",
"infinity. Sigmoid, softplus and softmax are computed in forms that cannot overflow (softmax",
"subtracts the largest pre-activation first, so `(1000, -1000)` gives y = (1, 0)), so only a",
"network whose numbers really leave the floats (or a formula such as `log(0)`) stops here.",
"A computed number that is not 0 but too small for a float (`sigmoid(-1000)`, or `1 - y` for a",
"saturated sigmoid) is named as such: `log of a number too close to 0 for a float (it rounded",
"to 0)`. A product is 0 from its first factor that is exactly 0, so `t_k log y_k` is 0 for a",
"target of 0 even where y_k rounded to 0 (cross-entropy's convention, and the true value).",
"The derivative of `abs(u)` is written `u/|u|`, the sign of u, where the simplifier cannot",
"remove it (`|u|^n·u/|u|` becomes `|u|^(n-1)u` for n ≥ 1, and `u·u/|u|` becomes `|u|`, so",
"softsign's derivative is `1/(1+|a|)^2`). At u = 0 it has no value, but it is bounded: beside",
"a factor that is 0 there the product is its limit, 0 (`1.5|u|^0.5·u/|u|` at u = 0); alone it",
"stops with `abs is not differentiable at 0`.", "",
"`check` probes the loss at `w ± h`. Near the edge of a domain (`sqrt(y - t)` just above",
"y = t) it halves h until both probes are inside (up to 30 times, then 10 more so that the edge",
"is far); if they never are, it says so: `the finite-difference probe left the domain of sqrt",
"at dE/dw_11^(1) in step 1`.", "",
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
"## Answer files (`grade`)", "",
"`grade` checks the `.nn` file as `derive` does, then reads each answer file (docs/grade.md);",
"a line it cannot read is an error at that line of the answer file. The entries are the files of",
"`tests/grade-errors/`, graded against `examples/article.nn`:", "",
"| file | message |", "|---|---|"] + [
"| `%s` | %s |" % (re.search(r'@(.*)\.snap', snap).group(1),
  open(snap).read().split('---\n',2)[2].splitlines()[0].replace('|','\\|'))
 for snap in sorted(glob.glob('tests/it/snapshots/it__grade__every_answer_file_error_is_located_and_exits_1@*.snap'))
] + ["",
"Against a network of 11 inputs and 11 hidden units (`gen --sizes 11,11,1`), where a name's",
"indices can be read two ways (`tests/it/grade.rs`):", "",
"| case | message |", "|---|---|"] + [
"| %s | %s |" % (re.search(r'refused_(.*)\.snap', snap).group(1).replace('_',' '),
  open(snap).read().split('---\n',2)[2].splitlines()[0].replace('|','\\|'))
 for snap in sorted(glob.glob('tests/it/snapshots/it__grade__refused_*.snap'))
] + ["",
"## Exam errors", "",
"`exam` checks the file as `derive` does (the `exam_` entries above), then every draw. A draw",
"that cannot be worked by hand or whose numbers leave the reals is drawn again; when none works,",
"the error names the variant, the fault and the `vary` statements it depends on, at the first",
"of them (the others as notes), for example:", "",
"```text",
"error: variant 1: no draw can be worked by hand (all 64 possible draws tried): the asked dE/dw_11^(2) = 1.200e-10 rounds to 0 at 4 significant digits; `vary W2`, `vary x` make it impossible: give them other values",
" --> tiny_gradients.nn:6:1",
"  |",
"6 | vary W2 in {0.00001, 0.00002}",
"  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
"note: also drawn at tiny_gradients.nn:7:1",
"```", "",
"An error without a place in the file (a template's) starts `error: variant N:`. An output",
"directory that is a file, or not empty without `--force`, or (even with `--force`) holding",
"anything an exam does not write, is refused before anything is derived. These messages are",
"snapshotted by `tests/it/exam/teacher.rs` (`tests/it/exam/snapshots/`); see docs/exam.md.", "",
"## Limits", "",
"So that a file asking for hours of work is refused at once, `derive`, `check`, `exam` (for the",
"network and every variant) and `gen` (before generating anything) cap the work:",
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
"Parsing costs a few hundred bytes of memory per token, so before it starts, one scan of the",
"text (the same that counts brackets) refuses a file with more tokens than any network within",
"the limits needs: 2 × (`--max-gradients` + 2 × `--max-units` × `--max-samples`) + 100,000,",
"900,000 by default (a token is a number, a name, or one symbol; a string or a comment counts",
"as one). A 7.5 MB vector of `1`s took 3.4 s and 550 MB before; it is now refused in",
"0.1 s, located at the first token beyond the limit:", "",
"```text",
"error: the file holds more than 900000 tokens (numbers, names and symbols), more than any network within the limits needs; raise --max-gradients, --max-units or --max-samples for a bigger network",
"```",
"",
"Formulas (custom activations and losses, whether a layer uses them or not) have fixed limits,",
"checked before anything recursive runs on them, so that no text can overflow the stack or",
"keep the differentiator busy for minutes:",
"",
"| limit | what | checked |",
"|---|---|---|",
"| 64 | levels of `( [ {` nested, together, anywhere in the file (not in strings or comments) | by a linear scan of the text, before the parser |",
"| 256 | terms of one formula: numbers, names, operators and function calls | on the tokens, before the formula is built |",
"| 64 | levels of operations in one formula (`a+a+…+a` of 64 terms is 64 deep, `-(-a)` 3) | on the built formula |",
"| 2000 | terms of a derivative, counted at every node as the differentiator builds it; simplifying it may visit at most 100 times that many nodes | while differentiating |",
"| 10 per gradient (2,000,000 by default; raised with `--max-gradients`) | terms of custom formulas written out with numbers: a custom activation and its derivative once per unit, sample and step, a custom loss and its derivative once per output unit, sample and step | after the other limits |",
"",
"Each is an exit-1 error at the place (the first bracket, term or operation beyond the limit;",
"the formula for a derivative). What the limits accept finishes fast: the largest accepted",
"of each family — 64 brackets, 63 minus signs, 64-term sums, 43-factor products, towers",
"`a^a^…^a` of 29, `sin(` nested 60 deep, `sigmoid(` 40, `y/(y/(…))` 29 deep in a loss —",
"derives in at most 0.16 s and 16 MB (release build), and passes `check`. The last limit keeps",
"a wide network of such formulas in proportion: `sin(` nested 60 deep (1,952 terms with its",
"derivative) in 100 units for 8 samples, 1.56 million terms, derives in 0.82 s and 217 MB;",
"built-in activations have about ten terms each and are not counted.",
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
