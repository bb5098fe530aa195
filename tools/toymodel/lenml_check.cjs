// Encodes texts with @lenml/tokenizers (the transformers.js tokenizers) for
// check_tokenizer.py: an independent Hugging Face-format BPE loader.
//   node lenml_check.cjs NODE_MODULES_PARENT MODEL_DIR < {"texts": [...]}
// prints {"ids": [[...], ...]} (no special tokens added).
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");
const [npmDir, modelDir] = process.argv.slice(2);
const req = createRequire(path.resolve(npmDir, "package.json"));
const { TokenizerLoader } = req("@lenml/tokenizers");
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer.json"), "utf8")),
  tokenizerConfig: JSON.parse(fs.readFileSync(path.join(modelDir, "tokenizer_config.json"), "utf8")),
});
const { texts } = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  ids: texts.map((t) => tokenizer.encode(t, { add_special_tokens: false })),
}));
