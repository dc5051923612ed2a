#!/usr/bin/env bash
# Renders a Markdown post and its SVG drawing as Zenn and GitHub would, and takes a headless
# Chromium screenshot of each: Zenn's own renderer (the npm package zenn-markdown-html, its
# <embed-katex> elements rendered with KaTeX as zenn-embed-elements does, styled by
# zenn-content-css), and GitHub-flavoured Markdown (marked, with KaTeX for $…$ and $$…$$).
#
#   scripts/blog-screenshots.sh [FILE.nn] [OUT_DIR]     (defaults: examples/article.nn, target/blog)
#   scripts/blog-screenshots.sh --graph FORMULA VALUES [OUT_DIR]
#                                  (a `graph "FORMULA" --at VALUES` post, its SVG beside it)
#
# Needs node/npm and chromium (Debian: apt-get install chromium fonts-noto-cjk); the npm
# packages are installed into OUT_DIR/node_modules. Writes OUT_DIR/{zenn,github}-{ja,en}.png.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --graph ]; then
  formula=$2 values=$3 out=${4:-target/blog}
  post() { "$bin" graph "$formula" --at "$values" -f markdown --flavor "$1" --lang "$2" -o "$3"; }
else
  nn=${1:-examples/article.nn} out=${2:-target/blog}
  post() { "$bin" derive "$nn" -f markdown --flavor "$1" --lang "$2" -o "$3"; }
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
bin=${BIN:-target/debug/backprop-tex}
[ -x "$bin" ] || cargo build --quiet
if [ ! -d "$out/node_modules/zenn-markdown-html" ]; then
  npm install --prefix "$out" --no-audit --no-fund --silent \
    zenn-markdown-html@0.5.4 zenn-content-css@0.4.7 marked@18.2.1 katex@0.16.9 >/dev/null
fi
cat >"$out/render.mjs" <<'EOF'
// node render.mjs zenn|github POST.md PAGE.html
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const katex = require('katex');
const [flavor, post, page] = process.argv.slice(2);
const markdown = fs.readFileSync(post, 'utf8');
const tex = (t, display) => katex.renderToString(t, { displayMode: display, throwOnError: true });
const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
let body;
let css;
if (flavor === 'zenn') {
  const zenn = (await import('zenn-markdown-html')).default;
  const html = await (zenn.default || zenn)(markdown);
  body = html.replace(/<embed-katex( display-mode="1")?>([\s\S]*?)<\/embed-katex>/g,
    (_, display, t) => tex(unescape(t.replace(/^<eq class="zenn-katex">([\s\S]*)<\/eq>$/, '$1')), Boolean(display)));
  css = fs.readFileSync(require.resolve('zenn-content-css'), 'utf8');
  body = `<div class="znc">${body}</div>`;
} else {
  const { marked } = require('marked');
  const math = [];
  const keep = (t, display) => { math.push(tex(t, display)); return `@@MATH${math.length - 1}@@`; };
  const protectedText = markdown
    .replace(/\$\$\n([\s\S]*?)\n\$\$/g, (_, t) => `\n${keep(t, true)}\n`)
    .replace(/\$([^$\n]+?)\$/g, (_, t) => keep(t, false));
  body = marked.parse(protectedText, { gfm: true }).replace(/@@MATH(\d+)@@/g, (_, k) => math[k]);
  css = 'body{font-family:-apple-system,"Segoe UI","Noto Sans CJK JP",sans-serif;line-height:1.5}';
}
const katexCss = path.join(path.dirname(require.resolve('katex')), 'katex.min.css');
fs.writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="file://${katexCss}"><style>${css}
body{max-width:760px;margin:24px auto;padding:0 16px;background:#fff}</style></head>
<body>${body}</body></html>`);
EOF
for lang in ja en; do
  for flavor in zenn github; do
    dir="$out/$flavor-$lang"
    mkdir -p "$dir"
    post "$flavor" "$lang" "$dir/post.md"
    (cd "$out" && node render.mjs "$flavor" "$dir/post.md" "$dir/index.html")
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --allow-file-access-from-files \
      --window-size=820,1400 --screenshot="$out/$flavor-$lang.png" "file://$dir/index.html" \
      2>/dev/null
    echo "$out/$flavor-$lang.png"
  done
done
