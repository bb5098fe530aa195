// Encodes texts with @lenml/tokenizers (transformers.js's tokenizers), the
// independent implementation engine/tokenizer's differential test compares
// against.
//
//   node lenml_encode.cjs NPM_DIR TOKENIZER_JSON < request.json > response.json
//
// NPM_DIR is where scripts/fetch-test-data installed the package
// (testdata/npm). tokenizer_config.json is read from beside TOKENIZER_JSON.
// request:  {"texts_b64": ["...", ...]}  raw bytes of each text, base64;
//           Node decodes them as UTF-8 (invalid sequences → U+FFFD, one per
//           maximal subpart), exactly as it decodes argv or a file.
// response: {"ids": [[...], ...]}  tokenizer.encode(text,
//           {add_special_tokens: false}) for each text.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [npmDir, tokPath] = process.argv.slice(2);
if (!npmDir || !tokPath) {
  process.stderr.write("usage: node lenml_encode.cjs NPM_DIR TOKENIZER_JSON < request.json\n");
  process.exit(2);
}
const requireFromNpm = createRequire(path.resolve(npmDir, "package.json"));
const { TokenizerLoader } = requireFromNpm("@lenml/tokenizers");

const tokenizerJSON = JSON.parse(fs.readFileSync(tokPath, "utf8"));
const tokenizerConfig = JSON.parse(
  fs.readFileSync(path.join(path.dirname(tokPath), "tokenizer_config.json"), "utf8")
);
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const ids = request.texts_b64.map((b64) =>
  tokenizer.encode(Buffer.from(b64, "base64").toString("utf8"), { add_special_tokens: false })
);
process.stdout.write(JSON.stringify({ ids }));
