//! `cargo bench`: the whole pipeline (parse → check → derive → render) on generated networks
//! of the sizes in docs/performance.md, in each output format.

use backprop_tex::Format;
use backprop_tex::{derive_text, generate, Settings};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

/// The allocator of the `backprop-tex` binary, so that the figures are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("derive");
    group.sample_size(10);
    for sizes in [
        &[3usize, 2, 2][..],
        &[10, 10, 10],
        &[50, 50, 50, 10],
        &[784, 100, 10],
    ] {
        let text = generate(sizes, &[], false, 1, &Default::default()).expect("a valid size list");
        let name = sizes
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("-");
        for (format, label) in [
            (Format::Json, "json"),
            (Format::Latex, "latex"),
            (Format::Markdown, "markdown"),
        ] {
            let settings = Settings {
                format,
                ..Settings::default()
            };
            group.bench_with_input(BenchmarkId::new(label, &name), &text, |b, text| {
                b.iter(|| derive_text(text, &settings).expect("the generated file derives"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
