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
"infinity. Sigmoid, softplus and softmax are computed in forms that cannot overflow (softmax",
"subtracts the largest pre-activation first, so `(1000, -1000)` gives y = (1, 0)), so only a",
"network whose numbers really leave the floats (or a formula such as `log(0)`) stops here.",
"A computed number that is not 0 but too small for a float (`sigmoid(-1000)`, or `1 - y` for a",
"saturated sigmoid) is named as such: `log of a number too close to 0 for a float (it rounded",
"to 0)`. A product is 0 from its first factor that is exactly 0, so `t_k log y_k` is 0 for a",
"target of 0 even where y_k rounded to 0 (cross-entropy's convention, and the true value).", "",
"`check` probes the loss at `w ± h`. Near the edge of a domain (`sqrt(y - t)` just above",
"y = t) it halves h until both probes are inside (up to 30 times, then 10 more so that the edge",
"is far); if they never are, it says so: `the finite-difference probe left the domain of sqrt",
"at dE/dw_11^(1) in step 1`.", "",
"## Limits", "",
"So that a file asking for hours of work is refused at once, `derive` and `check` cap the work:",
"",
"| flag | default | what |",
"|---|---|---|",
"| `--max-layers N` | 32 | layers with weights |",
"| `--max-units N` | 1000 | units in any layer, values in the input |",
"| `--max-samples N` | 100 | training samples |",
"| `--max-steps N` | 100 | SGD steps |",
"| `--max-gradients N` | 200000 | gradients derived in all: (weights + biases) × steps × samples |",
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
