//! Any bytes through the whole path a user's file takes: read (size limit, UTF-8, BOM and line
//! ends) → parse → check → derive → render (JSON and LaTeX), or the error rendered as the user
//! sees it, with its located snippet.
//!
//! The tool must answer every input with output or a message; it must never panic, and what it
//! writes must be well formed: JSON that parses, LaTeX with no NaN or infinity, and a message
//! that starts with `error: `, points at a real line and stays short however long the line.
#![no_main]

use backprop_tex::{derive_text, read_text, Format, Limits, Settings};
use libfuzzer_sys::fuzz_target;

/// Small, so that each run is fast; the limits themselves are part of what is fuzzed.
const MAX_INPUT_BYTES: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let source = match read_text("fuzz.nn", data, MAX_INPUT_BYTES) {
        Ok(source) => source,
        Err(error) => {
            assert_is_a_message(&error.render(None), data.len());
            return;
        }
    };
    let limits = Limits { layers: 6, units: 12, steps: 3, samples: 4, gradients: 600 };
    for format in [Format::Json, Format::Latex] {
        let settings = Settings { format, limits, ..Settings::default() };
        match derive_text(&source.text, &settings) {
            Ok(output) => match format {
                Format::Json => {
                    let value: serde_json::Value =
                        serde_json::from_str(&output).expect("the JSON output parses");
                    assert!(value["steps"].is_array());
                }
                _ => {
                    // Titles are escaped text, so look only at the math.
                    let math = output.split("\\subsection*{The network}").nth(1).unwrap_or(&output);
                    assert!(!math.contains("NaN") && !math.contains("inf"), "{math}");
                }
            },
            Err(error) => {
                let message = error.render(Some(&source));
                assert_is_a_message(&message, source.text.len());
                if error.span().is_some() {
                    assert!(message.contains(" --> fuzz.nn:"), "no location: {message}");
                }
            }
        }
    }
});

/// A message a person can read: `error: …` first, no line longer than a screen's worth, and
/// not the whole input echoed back.
fn assert_is_a_message(message: &str, input_len: usize) {
    assert!(message.starts_with("error: "), "{message}");
    for line in message.lines() {
        assert!(line.chars().count() <= 400, "a line of {} characters", line.chars().count());
    }
    assert!(message.len() <= 2_000 || message.len() < input_len / 2, "{} bytes", message.len());
}
