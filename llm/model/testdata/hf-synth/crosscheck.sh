#!/usr/bin/env bash
# Cross-check against Hugging Face transformers on the project's GPU device
# machine (PyTorch + transformers, no Go toolchain there). From the repository
# root, after `CGO_ENABLED=0 go build -o bin/hfcheck/llm ./llm/cmd/llm` here:
#   LLM_BIN=./bin/hfcheck/llm bash llm/model/testdata/hf-synth/crosscheck.sh  (carrying bin/hfcheck)
# Writes $OUT/reference.json (commit it next to this script) and prints how far
# the Go engine's logits are from transformers' at every position.
set -euo pipefail
here=llm/model/testdata/hf-synth
out=${OUT:-/tmp/hf-out}
work=$(mktemp -d)
mkdir -p "$out"
nvidia-smi --query-gpu=name --format=csv,noheader || true
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'
time "${LLM_BIN:-./bin/llm}" synth -config llm/model/testdata/qwen35-0.8b-config.json -out "$work/synth" -seed 1
idsfile=${HF_IDS:-$here/ids.txt}  # ids-2048.txt with HF_POSITIONS, HF_PREFIX, HF_NAME for the long run
ids=$(cat "$idsfile")
time "${LLM_BIN:-./bin/llm}" logits -model "$work/synth" -ids "$ids" -out "$work/go_prefill.bin"
time "${LLM_BIN:-./bin/llm}" logits -model "$work/synth" -ids "$ids" -out "$work/go_decode.bin" -decode
time python3 $here/crosscheck.py "$work/synth" "$idsfile" "$work/go_prefill.bin" "$work/go_decode.bin" "$out"
