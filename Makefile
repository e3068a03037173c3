# One-command setup: every target that needs the environment goes through `install`,
# which builds or updates .venv and is a no-op when nothing changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install install-bench browser run test lint bench bench-lda bench-embedding bench-labelled bench-side bench-backends constraints clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: left to the resolver it takes the newest CUDA build.
	$(BIN)/python -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

# Runs the main job on the built-in sample corpus; the last line is the run directory.
run: install
	$(BIN)/topicflow run $(ARGS)

test: install browser
	$(BIN)/python -m pytest $(ARGS)

# The report's browser test drives Debian's Chromium (browser downloads are not possible here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report's browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "warning: could not install chromium (not root?); the browser test will be skipped"; }

# Benchmarks: minutes each (20 Newsgroups: most of an hour on 2 cores, mostly embedding),
# results as Markdown tables in benchmarks/results/. Not part of `make test`.
bench: bench-lda bench-embedding bench-labelled bench-side bench-backends

install-bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"

bench-lda: install
	$(BIN)/python benchmarks/lda_octis_bbc.py

bench-embedding: install-bench
	$(BIN)/python benchmarks/embedding_octis_bbc.py

bench-labelled: install
	$(BIN)/python benchmarks/labelled_corpora.py

bench-side: install-bench
	$(BIN)/python benchmarks/side_by_side.py

# torch fp32 against the onnx-int8 backend on BBC News and 2,000 20 Newsgroups posts (~15 min).
bench-backends: install
	$(BIN)/python benchmarks/embedding_backends.py

lint: install
	$(BIN)/ruff check pipelines flows tests benchmarks
	$(BIN)/ruff format --check pipelines flows tests benchmarks

# Re-pin after a deliberate upgrade: writes the current .venv's versions.
constraints: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^topicflow' > constraints.new
	@echo "review constraints.new (keep the header comments) and move it over constraints.txt"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
