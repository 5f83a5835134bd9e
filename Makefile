# The two commands of the README:
#   make notebooks   run every notebook headlessly (embedded tiny model unless LLM_MODEL is set)
#   make test        run all the tests (vet, unit tests, fuzzing, notebooks, nbclient cross-check)
# bash .ci/run installs what the full test suite needs on a bare Debian 12 machine, then runs make test.

GO        ?= go
KERNEL    ?= go-how-llms-work
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
OUT       ?= out/notebooks
TIMEOUT   ?= 3m
JOBS      ?= 1
FUZZTIME  ?= 3s

# Notebooks run on the model embedded in the course code (hermetic, offline) unless
# LLM_MODEL names another: a folder, a Hugging Face id, or Qwen/Qwen3.5-0.8B.
notebooks crosscheck: export LLM_MODEL ?= tiny

.PHONY: notebooks test kernel vet unit fuzz crosscheck doctor

## notebooks: install the kernel if needed, run every notebook, print the summary
notebooks: kernel
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks in notebooks/"; exit 1; }
	$(GO) run ./ci run -kernel $(KERNEL) -timeout $(TIMEOUT) -j $(JOBS) -html -out $(OUT) $(NOTEBOOKS)

## test: everything CI checks
test: vet unit fuzz notebooks crosscheck

## kernel: build GoNB and install the course kernelspec (idempotent, a few seconds when up to date)
kernel:
	$(GO) run ./kernel install

doctor:
	$(GO) run ./kernel doctor

vet:
	$(GO) vet ./...

unit:
	$(GO) test ./...

fuzz:
	FUZZTIME=$(FUZZTIME) bash .ci/fuzz

## crosscheck: the notebooks' outputs (as make notebooks wrote them) must equal those of Jupyter's nbclient
crosscheck: notebooks
	@if [ "$$CI" != true ] && ! /usr/bin/python3 -c 'import nbclient' 2>/dev/null && ! python3 -c 'import nbclient' 2>/dev/null; then \
		echo "skipping the nbclient cross-check: no python3-nbclient (apt-get install python3-nbclient, or bash .ci/run)"; \
	else \
		$(GO) run ./ci crosscheck -kernel $(KERNEL) -timeout $(TIMEOUT) -executed $(OUT) $(NOTEBOOKS) ci/testdata/ok.ipynb; \
	fi
