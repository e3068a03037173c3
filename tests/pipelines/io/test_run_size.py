"""The floor of free space a run asks for, on known documents and model files."""

from __future__ import annotations

import json

from plotly.offline import get_plotlyjs

from topicflow.pipelines.config import Config
from topicflow.pipelines.io.run_size import (
    DEFAULT_DIMENSION,
    model_weight_bytes,
    run_size,
    vector_dimension,
)

# 300 one-byte characters (a 200-character snippet) and 10 two-byte ones.
TEXTS = ["a" * 300, "\u00e9" * 10]
TEXT_BYTES = 300 + 20
SNIPPET_BYTES = 200 + 20


def _config(**embedder) -> Config:
    return Config.model_validate({"embedder": {"backend": "torch", **embedder}})


def test_a_first_run_needs_the_report_and_snippets_and_in_the_store_texts_and_vectors(tmp_path):
    size = run_size(TEXTS, _config(), tmp_path, corpus_cached=False)
    assert size.out == len(get_plotlyjs().encode()) + SNIPPET_BYTES
    # The vectors twice: in the embedding cache, and in the run's file of them.
    assert size.store == 2 * TEXT_BYTES + 2 * (2 * 384 * 4)


def test_a_cached_corpus_needs_only_the_runs_file_of_vectors_in_the_store(tmp_path):
    size = run_size(TEXTS, _config(), tmp_path, corpus_cached=True)
    assert size.store == 2 * 384 * 4 and size.out > 4_000_000  # plotly.js: about 4.8 MB
    words_only = Config.model_validate({"models": ["lda"], "embedder": {"backend": "torch"}})
    assert run_size(TEXTS, words_only, tmp_path, corpus_cached=True).store == 0


def test_vectors_are_counted_once_uncached_and_not_at_all_when_none_are_needed(tmp_path):
    uncached = run_size(TEXTS, _config(cache=False), tmp_path, corpus_cached=False)
    words_only = Config.model_validate({"models": ["lda"], "embedder": {"backend": "torch"}})
    assert uncached.store == 2 * TEXT_BYTES + 2 * 384 * 4
    assert run_size(TEXTS, words_only, tmp_path, corpus_cached=False).store == 2 * TEXT_BYTES


def test_the_int8_model_is_counted_until_the_store_holds_one(tmp_path):
    onnx = Config.model_validate({"embedder": {"backend": "onnx-int8"}})
    quarter = model_weight_bytes("all-MiniLM-L6-v2") // 4
    assert 20_000_000 < quarter < 25_000_000  # MiniLM's 22.7 M float32 weights, one byte each
    first = run_size(TEXTS, onnx, tmp_path, corpus_cached=False)
    assert first.store == 2 * TEXT_BYTES + 2 * (2 * 384 * 4) + quarter
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    (models / "built.onnx").write_bytes(b"model")
    assert run_size(TEXTS, onnx, tmp_path, corpus_cached=False).store == first.store - quarter


def test_the_vector_dimension_comes_from_the_model_files(tmp_path):
    assert vector_dimension("all-MiniLM-L6-v2") == 384
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "config.json").write_text(json.dumps({"hidden_size": 512}))
    assert vector_dimension(str(plain)) == 512
    dense = tmp_path / "dense"
    for folder, config in [
        ("", {"hidden_size": 768}),
        ("1_Pooling", {"word_embedding_dimension": 768}),
        ("2_Dense", {"in_features": 768, "out_features": 256}),
    ]:
        (dense / folder).mkdir(parents=True, exist_ok=True)
        (dense / folder / "config.json").write_text(json.dumps(config))
    modules = [{"path": ""}, {"path": "1_Pooling"}, {"path": "2_Dense"}]
    (dense / "modules.json").write_text(json.dumps(modules))
    assert vector_dimension(str(dense)) == 256


def test_a_hub_name_counts_the_default_model_and_no_weights():
    assert vector_dimension("someone/some-model") == DEFAULT_DIMENSION
    assert model_weight_bytes("someone/some-model") == 0
