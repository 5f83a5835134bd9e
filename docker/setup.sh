#!/usr/bin/env bash
# Sets up the course in the current environment: the commands the Docker image runs
# (docker/Dockerfile) and that CI runs too (.ci/run), so that CI covers the image's
# build steps on machines that cannot run Docker. Idempotent.
#
#   BAKE_QWEN35=1   also download Qwen/Qwen3.5-0.8B into the Hugging Face cache
#                   (about 1.8 GB; needs the network; not run by CI).
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download                 # every module go.mod names: the kernel runs with GOPROXY=off
go run ./kernel install --user  # GoNB + goimports + the kernelspec, wired to this repository
go run ./kernel doctor
go build ./...                  # warm the build cache: a notebook's first cell compiles fast
go run ./llm/cmd/llm generate -model tiny -prompt "The cat sat on the" -n 4 >/dev/null # the embedded model runs

if [ "${BAKE_QWEN35:-0}" = 1 ]; then
  # Load("") prefers Qwen/Qwen3.5-0.8B when it is in the Hugging Face cache.
  env -u CI go run ./llm/cmd/llm generate -model Qwen/Qwen3.5-0.8B -prompt "The cat sat on the" -n 1
fi
