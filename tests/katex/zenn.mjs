// Renders Markdown files the way Zenn does: Zenn's own renderer (`zenn-markdown-html`) makes
// the HTML, and every `<embed-katex>` element in it is rendered with KaTeX, as
// `zenn-embed-elements` does in the page (same macros, KaTeX from the same registry).
// Fails when Zenn finds other math than the file means (a `$` Markdown ate, an underscore
// read as emphasis) or when KaTeX rejects an expression.
// Usage: node tests/katex/zenn.mjs files.json   ([{"path": "...", "math": [{"math", "display"}]}])
import fs from "node:fs";
import markdownToHtml from "zenn-markdown-html";
import * as cheerio from "cheerio";
import katex from "katex-zenn";

const files = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = 0;
let rendered = 0;
const fail = (message) => {
  failed += 1;
  if (failed <= 5) console.error(message + "\n");
};
for (const { path, math } of files) {
  const html = await markdownToHtml(fs.readFileSync(path, "utf8"));
  const $ = cheerio.load(html);
  const found = $("embed-katex")
    .toArray()
    .map((e) => ({ math: $(e).text(), display: $(e).attr("display-mode") !== undefined }));
  const same = (a, b) => a.math.trim() === b.math.trim() && a.display === b.display;
  const first = found.findIndex((f, n) => n >= math.length || !same(f, math[n]));
  if (found.length !== math.length || first !== -1) {
    const n = first === -1 ? Math.min(found.length, math.length) : first;
    fail(
      `${path}: Zenn finds ${found.length} math expressions, the file has ${math.length}; ` +
        `the first that differs (#${n + 1}):\nZenn: ${JSON.stringify(found[n])}\nfile: ${JSON.stringify(math[n])}`,
    );
    continue;
  }
  for (const { math: tex, display } of found) {
    try {
      katex.renderToString(tex, {
        displayMode: display,
        throwOnError: true,
        strict: "ignore",
        macros: { "\\RR": "\\mathbb{R}" },
      });
      rendered += 1;
    } catch (error) {
      fail(`${path}: KaTeX cannot render ${display ? "block" : "inline"} math:\n${tex}\n${error.message}`);
    }
  }
}
console.log(`Zenn: ${files.length} files, ${rendered} expressions rendered, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
