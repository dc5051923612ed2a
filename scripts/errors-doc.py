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
 ("Numbers that leave the reals", ("numeric_",)), ("Encoding", ("not_utf8",)),
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
"An example in full:", "", "```text", example, "```", ""]
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
"snapshotted by `tests/exam/mod.rs` (`tests/exam/snapshots/`); see docs/exam.md.", "",
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
