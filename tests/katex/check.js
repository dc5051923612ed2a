// Renders every math expression listed in a JSON file with KaTeX, as Qiita, Zenn and GitHub
// would, and fails on the first one KaTeX rejects.
// Usage: node tests/katex/check.js expressions.json   ([{"math": "...", "display": true}, ...])
"use strict";
const fs = require("fs");
const katex = require("katex");

const expressions = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const { math, display } of expressions) {
  try {
    katex.renderToString(math, { displayMode: display, throwOnError: true, strict: "ignore" });
  } catch (error) {
    failed += 1;
    if (failed <= 5) {
      console.error(`KaTeX cannot render ${display ? "block" : "inline"} math:\n${math}\n${error.message}\n`);
    }
  }
}
console.log(`${expressions.length - failed} rendered, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
