// Renders every math expression listed in a JSON file with MathJax 3, as Qiita and GitHub do,
// and fails on the first one MathJax rejects. MathJax shows an unknown command or a TeX error
// as red text instead of failing, so the two packages that do that (`noundefined`,
// `noerrors`) are left out and errors are thrown.
// Usage: node tests/katex/mathjax.js expressions.json   ([{"math": "...", "display": true}, ...])
"use strict";
const fs = require("fs");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
const { AllPackages } = require("mathjax-full/js/input/tex/AllPackages.js");

RegisterHTMLHandler(liteAdaptor());
const tex = new TeX({
  packages: AllPackages.filter((p) => p !== "noundefined" && p !== "noerrors"),
  formatError: (_jax, error) => {
    throw error;
  },
});
const document = mathjax.document("", { InputJax: tex, OutputJax: new SVG({ fontCache: "none" }) });

const expressions = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const { math, display } of expressions) {
  try {
    document.convert(math, { display });
  } catch (error) {
    failed += 1;
    if (failed <= 5) {
      console.error(`MathJax cannot render ${display ? "block" : "inline"} math:\n${math}\n${error.message}\n`);
    }
  }
}
console.log(`MathJax: ${expressions.length - failed} rendered, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
