//! Any bytes through the whole pipeline: parse → check → derive → render (JSON and LaTeX).
//! The tool must answer every input with output or an error; it must never panic, and what
//! it writes must be well formed (JSON that parses, LaTeX with no NaN or infinity).
#![no_main]

use backprop_tex::model::Limits;
use backprop_tex::render::Format;
use backprop_tex::{derive_text, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Small limits keep each run fast; the limits themselves are part of what is fuzzed.
    let limits = Limits { layers: 6, units: 12, steps: 3, samples: 4, gradients: 600 };
    for format in [Format::Json, Format::Latex] {
        let settings = Settings { format, limits, ..Settings::default() };
        if let Ok(output) = derive_text(text, &settings) {
            match format {
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
            }
        }
    }
});
