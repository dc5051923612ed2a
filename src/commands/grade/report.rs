//! What `grade` writes: the readable report (colour on a terminal only), JSON with one object
//! per answer, the class's CSV of marks, and the blank answer sheet.

use serde_json::json;

use super::formula::Plain;
use super::{Grader, Marked, Row, Verdict};
use crate::math::number::Value;
use crate::render::{Env, Fitter, Lang};

/// A verdict in the readable report's language (JSON and CSV keep [`Verdict::word`]).
fn verdict_word(verdict: Verdict, lang: Lang) -> &'static str {
    match (lang, verdict) {
        (Lang::En, v) => v.word(),
        (Lang::Ja, Verdict::Correct) => "正解",
        (Lang::Ja, Verdict::Follows) => "誤差の持ち越し",
        (Lang::Ja, Verdict::Wrong) => "誤り",
    }
}

/// The plain-text writer of `grader`'s formulas.
fn plain(grader: &Grader) -> Plain {
    let options = grader.derivation.options;
    Plain {
        depth: grader.derivation.network.depth(),
        digits: options.digits,
        rounding: options.rounding,
    }
}

/// The digits `value` is shown at in a row: the student's, at most a float's 17 (`0.1000…0` to
/// a thousand places is judged at its digits, not shown at them). A written 0 has no
/// significant digit: with places (`0.0000`) the value is shown at those places, without (`0`)
/// at the digits the derivation shows.
fn shown_digits(grader: &Grader, row: &Row, value: Value) -> u32 {
    let answer = &row.answer;
    if !answer.value.is_zero() {
        return answer.digits.clamp(1, 17);
    }
    if answer.unit >= 1.0 || !value.is_finite() || value.f == 0.0 {
        return grader.derivation.options.digits.clamp(1, 17);
    }
    let places = -answer.unit.log10().round();
    let magnitude = value.f.abs().log10().floor() + 1.0;
    (places + magnitude).clamp(1.0, 17.0) as u32
}

/// The value a row's answer was judged against (the carry rule's), at the digits the student
/// wrote (see [`shown_digits`]).
fn expected(grader: &Grader, row: &Row) -> String {
    let digits = shown_digits(grader, row, row.expected);
    Plain::number(row.expected, digits, grader.derivation.options.rounding)
}

/// What the student's own numbers give for a row's quantity, at their digits.
fn theirs(grader: &Grader, row: &Row) -> String {
    let rounding = grader.derivation.options.rounding;
    row.judged.theirs.map_or_else(
        || "(no value)".into(),
        |v| Plain::number(v, shown_digits(grader, row, v), rounding),
    )
}

/// The name of quantity `q`.
fn name<'a>(grader: &'a Grader, q: usize) -> &'a str {
    &grader.table[q].name
}

/// ANSI colour around `text` when `colour`.
fn paint(text: &str, verdict: Verdict, colour: bool) -> String {
    let code = match verdict {
        Verdict::Correct => "32",
        Verdict::Follows => "33",
        Verdict::Wrong => "31",
    };
    if colour {
        format!("\u{1b}[{code}m{text}\u{1b}[0m")
    } else {
        text.to_string()
    }
}

/// The readable report of one answer file.
pub fn text(grader: &Grader, marked: &Marked, colour: bool, lang: Lang) -> String {
    let plain = plain(grader);
    let mut out = format!("{}: {}\n", marked.file, summary(marked, lang));
    let width = marked
        .rows
        .iter()
        .map(|r| name(grader, r.judged.quantity).chars().count())
        .max()
        .unwrap_or(0);
    for row in &marked.rows {
        let judged = &row.judged;
        let q = judged.quantity;
        let verdict = paint(verdict_word(judged.verdict, lang), judged.verdict, colour);
        let label = format!("{:width$} = {}", name(grader, q), row.answer.text);
        let ja = lang == Lang::Ja;
        match judged.verdict {
            Verdict::Correct => out.push_str(&format!("  {label}  {verdict}\n")),
            Verdict::Follows => {
                let from: Vec<&str> = judged.from.iter().map(|&f| name(grader, f)).collect();
                let (from, theirs) = (from.join(", "), theirs(grader, row));
                out.push_str(&if ja {
                    format!(
                        "  {label}  {verdict}：あなたの {from} から（あなたの数値では {theirs}）\n"
                    )
                } else {
                    format!("  {label}  {verdict} from your {from} (your numbers give {theirs})\n")
                });
            }
            Verdict::Wrong => {
                let expected = expected(grader, row);
                out.push_str(&if ja {
                    format!("  {label}  {verdict}：正しくは {expected}\n")
                } else {
                    format!("  {label}  {verdict}: should be {expected}\n")
                });
                let formula = grader.table[q].formula();
                out.push_str(&format!(
                    "  {:width$}   {}: {} = {} = {}\n",
                    "",
                    if ja {
                        "あなたの数値では"
                    } else {
                        "with your numbers"
                    },
                    plain.write(formula),
                    plain.write(&judged.substituted),
                    theirs(grader, row)
                ));
            }
        }
    }
    if let Some(line) = first_wrong(grader, marked, lang) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `12 answers: 10 correct, 1 follows, 1 wrong`.
fn summary(marked: &Marked, lang: Lang) -> String {
    let n = marked.rows.len();
    let (correct, follows, wrong) = (
        marked.count(Verdict::Correct),
        marked.count(Verdict::Follows),
        marked.count(Verdict::Wrong),
    );
    match lang {
        Lang::En => format!(
            "{n} answer{}: {correct} correct, {follows} follows, {wrong} wrong",
            if n == 1 { "" } else { "s" },
        ),
        Lang::Ja => {
            format!("解答 {n} 個：正解 {correct}、誤差の持ち越し {follows}、誤り {wrong}")
        }
    }
}

/// `first wrong step: your delta_2^(2) = 4.101 should be 4.011; the 6 answers after it follow
/// from it`.
fn first_wrong(grader: &Grader, marked: &Marked, lang: Lang) -> Option<String> {
    let (first, after) = marked.first_wrong()?;
    let row = &marked.rows[first];
    let (name, text) = (name(grader, row.judged.quantity), &row.answer.text);
    let expected = expected(grader, row);
    Some(match lang {
        Lang::En => {
            let follow = match after {
                0 => "no answer after it follows from it".to_string(),
                1 => "the 1 answer after it follows from it".to_string(),
                n => format!("the {n} answers after it follow from it"),
            };
            format!("first wrong step: your {name} = {text} should be {expected}; {follow}")
        }
        Lang::Ja => {
            let follow = match after {
                0 => "その後の解答でこれから計算されたものはありません".to_string(),
                n => format!("その後の解答のうち {n} 個はこれから正しく計算されています"),
            };
            format!("最初の誤り：あなたの {name} = {text} は正しくは {expected}。{follow}")
        }
    })
}

/// The JSON of one answer file: every answer (name, given, expected, verdict, from), the
/// counts, and the first wrong step.
pub fn json(grader: &Grader, marked: &Marked) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = marked
        .rows
        .iter()
        .map(|row| {
            let q = row.judged.quantity;
            let value = row.expected;
            json!({
                "name": name(grader, q),
                "line": row.answer.line,
                "given": row.answer.text,
                "digits": row.answer.digits,
                "expected": expected(grader, row),
                "expected_value": value.f,
                "verdict": row.judged.verdict.word(),
                "theirs": row.judged.theirs.map(|_| theirs(grader, row)),
                "from": row.judged.from.iter().map(|&f| name(grader, f)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let first = marked.first_wrong().map(|(first, after)| {
        json!({
            "name": name(grader, marked.rows[first].judged.quantity),
            "follow_from_it": after,
        })
    });
    json!({
        "file": marked.file,
        "answers": rows,
        "correct": marked.count(Verdict::Correct),
        "follows": marked.count(Verdict::Follows),
        "wrong": marked.count(Verdict::Wrong),
        "first_wrong": first,
    })
}

/// A class's marks: one row per answer file, one column per quantity any file answers (in
/// the derivation's order), 1 for correct or follows (error carried forward earns its mark),
/// 0 for wrong, empty when not answered, and the total.
pub fn csv(grader: &Grader, class: &[Marked]) -> String {
    let mut answered = vec![false; grader.table.len()];
    for marked in class {
        for row in &marked.rows {
            answered[row.judged.quantity] = true;
        }
    }
    let columns: Vec<usize> = (0..grader.table.len()).filter(|&q| answered[q]).collect();
    let mut out = String::from("file");
    for &q in &columns {
        out.push(',');
        out.push_str(&field(name(grader, q)));
    }
    out.push_str(",total\n");
    for marked in class {
        out.push_str(&field(&marked.file));
        let mut total = 0;
        for &q in &columns {
            out.push(',');
            if let Some(row) = marked.rows.iter().find(|r| r.judged.quantity == q) {
                let mark = usize::from(row.judged.verdict != Verdict::Wrong);
                total += mark;
                out.push_str(&mark.to_string());
            }
        }
        out.push_str(&format!(",{total}\n"));
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line end.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The blank answer file: every name in the order of the derivation, to fill in; where the
/// file has `ask` statements, only the names they ask.
pub fn sheet(grader: &Grader, file: &str, lang: Lang) -> String {
    let network = grader.derivation.network;
    let asks = &network.exam.asks;
    let asked = |q: &super::table::Quantity| {
        asks.is_empty()
            || asks
                .iter()
                .any(|a| super::table::asks(a, q, network.depth()))
    };
    let several = grader.derivation.steps.len() > 1;
    let mut out = match lang {
        Lang::En => format!(
            "# Answers for {file}: write each value after its `=` (any subset, any order),\n\
             # then run `backprop-tex grade {file} THIS-FILE`.\n"
        ),
        Lang::Ja => format!(
            "# {file} の解答：各値を `=` の後に書き（一部だけでも、順不同でも可）、\n\
             # `backprop-tex grade {file} このファイル` を実行してください。\n"
        ),
    };
    if !asks.is_empty() {
        out.push_str(match lang {
            Lang::En => "# Only what the file's `ask` statements ask is listed; any name of the \
                         derivation may be answered.\n",
            Lang::Ja => "# ファイルの `ask` が問う量だけを並べています。導出のどの量を答えても構いません。\n",
        });
    }
    let mut step = usize::MAX;
    for quantity in grader.table.iter().filter(|q| asked(q)) {
        if several && quantity.step != step {
            step = quantity.step;
            out.push_str(&match lang {
                Lang::En => format!("\n# step {}\n", step + 1),
                Lang::Ja => format!("\n# ステップ {}\n", step + 1),
            });
        }
        let name = if several && quantity.step == 0 {
            format!("{} [step 1]", quantity.name)
        } else {
            quantity.name.clone()
        };
        out.push_str(&format!("{name} =\n"));
    }
    out
}

/// The marked worked solutions of a class, one section per answer file, as LaTeX: each
/// answer's rows as `derive` fits them to the page in `env`.
pub fn latex(grader: &Grader, class: &[Marked], lang: Lang, env: Env) -> String {
    use crate::latex::grade::{document, section, Language, Mark, Marked as Shown};
    use crate::latex::Printer;
    let language = match lang {
        Lang::En => Language::En,
        Lang::Ja => Language::Ja,
    };
    let options = grader.derivation.options;
    let printer = Printer::new(grader.derivation.network.depth(), options.digits)
        .with_rounding(options.rounding);
    let fitter = Fitter::new(&grader.derivation, env);
    let sections: Vec<String> = class
        .iter()
        .map(|marked| {
            let rows: Vec<Shown> = marked
                .rows
                .iter()
                .map(|row| {
                    let quantity = &grader.table[row.judged.quantity];
                    let mark = match row.judged.verdict {
                        Verdict::Correct => Mark::Correct,
                        Verdict::Follows => Mark::Follows {
                            from: row
                                .judged
                                .from
                                .iter()
                                .map(|&f| {
                                    let from = &grader.table[f];
                                    crate::latex::grade::name(
                                        &printer,
                                        &from.chain,
                                        from.after,
                                        language,
                                    )
                                })
                                .collect(),
                            gives: row.judged.theirs,
                            digits: row
                                .judged
                                .theirs
                                .map_or(1, |v| shown_digits(grader, row, v)),
                        },
                        Verdict::Wrong => Mark::Wrong {
                            right: row.expected,
                            digits: shown_digits(grader, row, row.expected),
                        },
                    };
                    Shown {
                        chain: &quantity.chain,
                        rows: fitter.rows(&quantity.chain),
                        after: quantity.after,
                        given: &row.answer.ascii,
                        mark,
                    }
                })
                .collect();
            section(
                &printer,
                (language, env.environment()),
                &marked.file,
                &summary(marked, lang),
                &rows,
            )
        })
        .collect();
    let title = grader
        .derivation
        .network
        .title
        .clone()
        .unwrap_or_else(|| "Backpropagation".into());
    let title = match lang {
        Lang::En => format!("{title}: marked"),
        Lang::Ja => format!("{title}：採点"),
    };
    document(language, &title, &sections)
}
