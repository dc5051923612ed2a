//! Text → syntax tree, with the pest grammar in `grammar/network.pest`.
//!
//! pest's own error messages name grammar rules (`kw_layer`, `EOI`); a person should read
//! words instead, so every rule is renamed here, and the message is located by our own error
//! type like every other problem.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::{Array, File, Name, Number, Param, Setting, Statement, Vector};
use crate::error::{Error, Span};
use crate::number::Decimal;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/network.pest"]
    pub struct NetworkParser;
}

use grammar::{NetworkParser, Rule};

/// Parses a whole `.nn` text.
pub fn parse(text: &str) -> Result<File, Error> {
    let mut pairs = NetworkParser::parse(Rule::file, text).map_err(syntax_error)?;
    let file = pairs.next().expect("the file rule always yields one pair");
    let mut statements = Vec::new();
    for pair in file.into_inner() {
        if pair.as_rule() == Rule::EOI {
            break;
        }
        statements.push(statement(pair)?);
    }
    Ok(File {
        statements,
        end: Span::new(text.len(), text.len()),
    })
}

fn span(pair: &Pair<'_, Rule>) -> Span {
    Span::from_pest(pair.as_span())
}

/// The children of a pair, without the keyword tokens.
fn children<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_title
            | Rule::kw_input
            | Rule::kw_target
            | Rule::kw_layer
            | Rule::kw_loss
            | Rule::kw_sgd
    )
}

fn statement(pair: Pair<'_, Rule>) -> Result<Statement, Error> {
    let whole = span(&pair);
    let rule = pair.as_rule();
    let mut inner = children(pair);
    let mut next = || inner.next().expect("the grammar guarantees this child");
    Ok(match rule {
        Rule::title => Statement::Title {
            text: unescape(next().into_inner().as_str()),
            span: whole,
        },
        Rule::input | Rule::target => {
            let name = name(next());
            let value = array(next())?;
            if rule == Rule::input {
                Statement::Input {
                    name,
                    value,
                    span: whole,
                }
            } else {
                Statement::Target {
                    name,
                    value,
                    span: whole,
                }
            }
        }
        Rule::layer => {
            let activation = name(next());
            let params = inner
                .map(|p| {
                    let whole = span(&p);
                    let mut parts = p.into_inner();
                    let name = name(parts.next().expect("param name"));
                    let value = array(parts.next().expect("param value"))?;
                    Ok(Param {
                        name,
                        value,
                        span: whole,
                    })
                })
                .collect::<Result<_, Error>>()?;
            Statement::Layer {
                activation,
                params,
                span: whole,
            }
        }
        Rule::loss => Statement::Loss {
            name: name(next()),
            span: whole,
        },
        Rule::sgd => Statement::Sgd {
            settings: inner
                .map(|p| {
                    let whole = span(&p);
                    let mut parts = p.into_inner();
                    let name = name(parts.next().expect("setting name"));
                    let value = number(parts.next().expect("setting value"))?;
                    Ok(Setting {
                        name,
                        value,
                        span: whole,
                    })
                })
                .collect::<Result<_, Error>>()?,
            span: whole,
        },
        _ => unreachable!("the grammar has no other statements"),
    })
}

fn name(pair: Pair<'_, Rule>) -> Name {
    Name {
        text: pair.as_str().to_string(),
        span: span(&pair),
    }
}

fn number(pair: Pair<'_, Rule>) -> Result<Number, Error> {
    let span = span(&pair);
    let value = Decimal::parse(pair.as_str()).ok_or_else(|| Error::Value {
        message: format!("the number {} is too large or too precise", pair.as_str()),
        span,
    })?;
    Ok(Number { value, span })
}

fn vector(pair: Pair<'_, Rule>) -> Result<Vector, Error> {
    let span = span(&pair);
    let items = pair.into_inner().map(number).collect::<Result<_, _>>()?;
    Ok(Vector { items, span })
}

fn array(pair: Pair<'_, Rule>) -> Result<Array, Error> {
    match pair.as_rule() {
        Rule::vector => Ok(Array::Vector(vector(pair)?)),
        _ => {
            let span = span(&pair);
            let rows = pair.into_inner().map(vector).collect::<Result<_, _>>()?;
            Ok(Array::Matrix { rows, span })
        }
    }
}

/// Undoes the two escapes a string may contain, `\"` and `\\`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What a grammar rule is called in a message.
fn describe(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the file",
        Rule::file
        | Rule::title
        | Rule::input
        | Rule::target
        | Rule::layer
        | Rule::loss
        | Rule::sgd => "a statement",
        Rule::kw_title
        | Rule::kw_input
        | Rule::kw_target
        | Rule::kw_layer
        | Rule::kw_loss
        | Rule::kw_sgd => "a statement (title, input, target, layer, loss or sgd)",
        Rule::param => "a layer parameter such as `W = [[…]]`",
        Rule::setting => "a setting such as `lr = 0.1`",
        Rule::matrix => "a matrix such as `[[1, 2], [3, 4]]`",
        Rule::vector => "a vector such as `[1, 2]`",
        Rule::number => "a number",
        Rule::name => "a name",
        Rule::string => "a string in double quotes",
        Rule::string_inner => "the text of the string",
        Rule::WHITESPACE | Rule::COMMENT | Rule::word_end => "a space",
        Rule::statement | Rule::array | Rule::keyword => "a statement",
    }
}

fn syntax_error(error: pest::error::Error<Rule>) -> Error {
    let message = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut expected: Vec<&str> = positives.iter().map(describe).collect();
            expected.dedup();
            let mut unique = Vec::new();
            for e in expected {
                if !unique.contains(&e) {
                    unique.push(e);
                }
            }
            match (unique.as_slice(), negatives.as_slice()) {
                ([], []) => "unexpected text".to_string(),
                ([], [first, ..]) => format!("unexpected {}", describe(first)),
                ([only], _) => format!("expected {only}"),
                (many, _) => {
                    let (last, rest) = many.split_last().expect("at least two");
                    format!("expected {} or {last}", rest.join(", "))
                }
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let span = match error.location {
        InputLocation::Pos(at) => Span::new(at, at + 1),
        InputLocation::Span((start, end)) => Span::new(start, end),
    };
    Error::Syntax { message, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<Statement> {
        parse(text).unwrap().statements
    }

    fn syntax(text: &str) -> (String, usize) {
        match parse(text) {
            Err(Error::Syntax { message, span }) => (message, span.start),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn keeps_spans_of_names_and_numbers() {
        let text = "layer sigmoid\n  W = [[0.1, -2]]\n";
        let [Statement::Layer {
            activation,
            params,
            span,
        }]: [Statement; 1] = parsed(text).try_into().unwrap()
        else {
            panic!("one layer")
        };
        assert_eq!(&text[activation.span.start..activation.span.end], "sigmoid");
        assert_eq!(
            (span.start, &text[span.start..span.start + 5]),
            (0, "layer")
        );
        let rows = params[0].value.rows();
        let minus_two = &rows[0].items[1];
        assert_eq!(&text[minus_two.span.start..minus_two.span.end], "-2");
        assert_eq!(minus_two.value.to_string(), "-2");
        assert_eq!(
            &text[params[0].name.span.start..params[0].name.span.end],
            "W"
        );
    }

    #[test]
    fn vectors_and_matrices_differ() {
        let statements = parsed("input x = [1, 2, 3]\ntarget t = [[0, 1]]");
        assert!(
            matches!(&statements[0], Statement::Input { value: Array::Vector(v), .. } if v.items.len() == 3)
        );
        assert!(
            matches!(&statements[1], Statement::Target { value: Array::Matrix { rows, .. }, .. } if rows.len() == 1)
        );
    }

    #[test]
    fn strings_unescape_and_keep_unicode() {
        let text = r#"title "手計算 \"quoted\" \\ done""#;
        assert_eq!(
            parsed(text)[0],
            Statement::Title {
                text: "手計算 \"quoted\" \\ done".into(),
                span: Span::new(0, text.len())
            }
        );
    }

    #[test]
    fn comments_and_line_breaks_are_free() {
        let statements = parsed("# c\nsgd lr = 0.1, # why\n steps = 2 # end");
        let [Statement::Sgd { settings, .. }]: [Statement; 1] = statements.try_into().unwrap()
        else {
            panic!()
        };
        assert_eq!(settings.len(), 2);
        assert_eq!(settings[1].name.text, "steps");
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        let (message, at) = syntax("layersigmoid");
        assert!(message.contains("a statement"), "{message}");
        assert_eq!(at, 0);
    }

    #[test]
    fn errors_speak_in_words() {
        let (message, at) = syntax("input x = [1, 2,, 3]");
        assert_eq!(message, "expected a number");
        assert_eq!(at, 16);
        let (message, _) = syntax("layer sigmoid W = ");
        assert!(message.starts_with("expected a matrix"), "{message}");
        let (message, _) = syntax("title untitled");
        assert_eq!(message, "expected a string in double quotes");
    }
}
