# One-command setup: every target that needs the environment goes through `install`,
# which builds or updates .venv and is a no-op when nothing changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install install-bench system-deps run test test-fast lint bench bench-lda bench-embedding \
	bench-labelled bench-side bench-scaling bench-scaling-paragraphs bench-backends bench-names \
	bench-lemmas bench-trees bench-time bench-prefect bench-overlap bench-memory bench-reference \
	bench-packed bench-ingest bench-repeated constraints clean

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

# The suite in TEST_WORKERS processes (pytest-xdist), each test file whole in one of them
# (module fixtures, such as the golden runs' shared store, stay shared). Most heavy tests
# wait on processes they start, so two workers keep two cores busy: on the 2-core CI
# machine the suite takes a quarter less time than in one process. TEST_WORKERS=0 runs
# it in this process (for pdb or -x).
TEST_WORKERS ?= 2

test: install system-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# The pure unit tests (about a minute): no model, no process, no database server.
# The markers are registered in pyproject.toml; tests/conftest.py fails an unmarked test
# that starts a process or imports the model libraries.
test-fast: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile \
		-m "not (slow or model or subprocess or database)" $(ARGS)

# Debian packages the tests drive for real: Chromium for the report's browser test
# (browser downloads are impossible here) and PostgreSQL's server binaries, from which
# the history tests start a throwaway cluster. Installed when missing (as root);
# otherwise the tests that need them skip and say why.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
	  || echo "warning: could not install$$missing (not root?); tests that need them will skip"; \
	fi

# Benchmarks: minutes each (20 Newsgroups: most of an hour on 2 cores, mostly embedding),
# results as Markdown tables in benchmarks/results/. Not part of `make test`.
bench: bench-lda bench-embedding bench-labelled bench-side bench-scaling bench-backends bench-names \
	bench-lemmas bench-trees bench-time bench-prefect bench-overlap bench-memory bench-reference \
	bench-packed bench-ingest bench-repeated

install-bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"

bench-lda: install
	$(BIN)/python benchmarks/lda_octis_bbc.py

bench-embedding: install-bench
	$(BIN)/python benchmarks/embedding_octis_bbc.py

bench-labelled: install
	$(BIN)/python benchmarks/labelled_corpora.py

# Whole runs against BERTopic + LdaMulticore: BBC News (~10 min), then 20 Newsgroups (~50 min).
bench-side: install-bench
	$(BIN)/python benchmarks/side_by_side.py --corpus bbc_news
	$(BIN)/python benchmarks/side_by_side.py --corpus 20newsgroups

# Cold runs at growing sizes: real documents to 20k (~15 min), short spans to a million
# (~2.5 hours); rows accumulate in benchmarks/results/scaling.json.
bench-scaling: install-bench
	$(BIN)/python benchmarks/scaling.py --shape documents --sizes 1000,5000,20000
	$(BIN)/python benchmarks/scaling.py --shape short --sizes 100000,300000,1000000

# Paragraph spans of about 150 words at 100k and 300k (~2.5 hours; 1M is extrapolated).
bench-scaling-paragraphs: install-bench
	$(BIN)/python benchmarks/scaling.py --shape paragraphs --sizes 100000,300000

# torch fp32 against the onnx-int8 backend on BBC News and 2,000 20 Newsgroups posts (~15 min).
bench-backends: install
	$(BIN)/python benchmarks/embedding_backends.py

# Topic names against the gold labels: BBC News and 4,000 20 Newsgroups posts (~20 min).
bench-names: install
	$(BIN)/python benchmarks/topic_names.py
	$(BIN)/python benchmarks/tree_names.py

# Surface tokens against simplemma and lemminflect lemmas: BBC News and 4,000 posts (~8 min).
bench-lemmas: install
	$(BIN)/python benchmarks/lemmatisation.py

# Topic trees at the defaults (no topic count by hand) against issue 16's targets: OCTIS BBC,
# raw BBC News, 20 Newsgroups and its subject lines, new and previous defaults, BERTopic;
# then subject lines of a few newsgroups (2 or 3 broad themes), each model alone; then the
# embedding tree's noise placement and leaf merging, old and new, on four corpora; then what
# the count alone does to LDA and NMF on subject lines and on BBC News.
bench-trees: install-bench
	$(BIN)/python benchmarks/topic_trees.py
	$(BIN)/python benchmarks/short_themes.py
	$(BIN)/python benchmarks/embedding_trees.py
	$(BIN)/python benchmarks/classical_counts.py

# Topics over time on the State of the Union paragraphs (a cold run, about 20 minutes),
# with BERTopic's topics_over_time on the same vectors and periods.
bench-time: install-bench
	$(BIN)/python benchmarks/topics_over_time.py

# What Prefect's temporary API server costs beside a run: the sample corpus and BBC News,
# cold and warm (~12 min).
bench-prefect: install-bench
	$(BIN)/python benchmarks/prefect_overhead.py

# Whether fitting LDA beside the embedding pays: two cold runs on BBC News (~17 min on a
# CPU without VNNI).
bench-overlap: install-bench
	$(BIN)/python benchmarks/overlap.py

# Where a cold 20 Newsgroups run's memory goes: each process's RSS against its stages
# (~8 min).
bench-memory: install
	$(BIN)/python benchmarks/memory_profile.py --corpus 20newsgroups

# NPMI on bounded reference samples against the whole corpus: 100,000 paragraph spans
# (~6 min).
bench-reference: install
	$(BIN)/python benchmarks/reference_sample.py --documents 100000

# Packed tokens against token lists: memory, pickling, counts, coherence index (~3 min).
bench-packed: install
	$(BIN)/python benchmarks/packed_tokens.py

# What ingestion leaves in the run's process: 300,000 paragraphs, cold and warm (~3 min).
bench-ingest: install
	$(BIN)/python benchmarks/ingest_memory.py --documents 300000

# Lines repeated across documents: what the default cleaning finds on 20 Newsgroups, BBC
# News and the State of the Union, what it does to 20 Newsgroups topics, and its cost on a
# million short texts and 200,000 posts (~6 min).
bench-repeated: install
	$(BIN)/python benchmarks/repeated_lines.py --documents 1000000 --posts 200000

lint: install
	$(BIN)/ruff check pipelines flows tests benchmarks
	$(BIN)/ruff format --check pipelines flows tests benchmarks

# Re-pin after a deliberate upgrade: writes the current .venv's versions.
constraints: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^topicflow' > constraints.new
	@echo "review constraints.new (keep the header comments) and move it over constraints.txt"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
