#!/usr/bin/env bash
# Renders the first page of the article's derivation to docs/article-page1.png, the picture in
# README.md. Needs pdflatex and pdftoppm (poppler-utils). Run from the repository root.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --release -- derive examples/article.nn -f document -o "$work/article.tex"
(cd "$work" && pdflatex -halt-on-error -interaction=nonstopmode -no-shell-escape article.tex >/dev/null)
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/article.pdf" docs/article-page1
echo "wrote docs/article-page1.png"
