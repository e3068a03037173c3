"""A process loads each embedder once: the document shards and the topic names share it."""

from __future__ import annotations

import numpy as np
import pytest

from topicflow.pipelines.config import EmbedderConfig
from topicflow.pipelines.errors import InputError
from topicflow.pipelines.vectors import loaded
from topicflow.pipelines.vectors.embedder import SentenceEmbedder
from topicflow.pipelines.vectors.encoder import LazyEncoder
from topicflow.pipelines.vectors.identity import embedding_identity


@pytest.fixture
def loads(monkeypatch) -> list[dict]:
    """Every load in this test, by its settings; the model itself is never read (a load
    here only marks the embedder fitted), and the process's loaded embedders are kept."""
    monkeypatch.setattr(loaded, "_loaded", {})
    calls: list[dict] = []

    def fit(self, texts=None, y=None):
        calls.append(self.get_params())
        self.encoder_ = "loaded"
        settings = (self.max_seq_length, self.normalize, self.long_documents, self.max_chunks)
        self.identity_ = embedding_identity(self.model, *settings, self.backend)
        self.backend_, self.fallback_ = self.backend, None
        return self

    monkeypatch.setattr(SentenceEmbedder, "fit", fit)
    monkeypatch.setattr(SentenceEmbedder, "transform", _lengths)
    return calls


def _lengths(self, texts):
    """A stand-in model: a text's vector is (its length, 1)."""
    return np.array([[len(t), 1.0] for t in texts], dtype=np.float32).reshape(-1, 2)


def test_the_same_settings_load_once_and_share_the_embedder(loads, tmp_path):
    torch = EmbedderConfig(backend="torch").estimator_params()
    first = loaded.loaded_embedder(torch, tmp_path / "a")
    assert loaded.loaded_embedder(dict(torch), tmp_path / "a") is first
    # torch reads nothing from the model cache: another store shares the loaded model.
    assert loaded.loaded_embedder(torch, tmp_path / "b") is first
    # The topic names' encoder (a run's other embedding stage) reuses it too.
    encoder = LazyEncoder(EmbedderConfig(backend="torch"), tmp_path / "c")
    assert encoder(["a phrase"]).shape == (1, 2) and encoder._embedder is first
    assert len(loads) == 1


def test_anything_that_changes_the_embedder_loads_another(loads, tmp_path):
    int8 = EmbedderConfig(backend="onnx-int8").estimator_params()
    a = loaded.loaded_embedder(int8, tmp_path / "a")
    # The int8 model is built in (or read from) its store's model cache: one load per store.
    b = loaded.loaded_embedder(int8, tmp_path / "b")
    shorter = loaded.loaded_embedder({**int8, "max_seq_length": 64}, tmp_path / "a")
    chunked = loaded.loaded_embedder({**int8, "long_documents": "chunk_mean"}, tmp_path / "a")
    assert len({id(e) for e in (a, b, shorter, chunked)}) == 4 and len(loads) == 4
    assert [c["max_seq_length"] for c in loads] == [256, 256, 64, 256]
    assert loaded.loaded_embedder(int8, tmp_path / "a") is a and len(loads) == 4


def test_a_failed_load_is_not_remembered(loads, monkeypatch, tmp_path):
    params = EmbedderConfig(backend="torch").estimator_params()
    working = SentenceEmbedder.fit

    def failing(self, texts=None, y=None):
        raise InputError("cannot be loaded offline")

    monkeypatch.setattr(SentenceEmbedder, "fit", failing)
    with pytest.raises(InputError):
        loaded.loaded_embedder(params)
    monkeypatch.setattr(SentenceEmbedder, "fit", working)
    assert loaded.loaded_embedder(params).encoder_ == "loaded" and len(loads) == 1


def test_the_loaded_model_never_travels_with_the_encoder(loads, tmp_path):
    import pickle

    encoder = LazyEncoder(EmbedderConfig(backend="torch"), tmp_path)
    encoder(["x"])
    copy = pickle.loads(pickle.dumps(encoder))  # as a Dask worker receives it
    assert copy._embedder is None
    copy(["y"])  # loads in its process: here the same one, once
    assert copy._embedder is encoder._embedder and len(loads) == 1


def test_texts_embedded_before_load_no_model(loads, monkeypatch, tmp_path):
    config = EmbedderConfig(backend="torch")
    first = LazyEncoder(config, tmp_path / "models", tmp_path / "embeddings")
    computed = first(["Bank of England", "space station crew"])
    assert computed[:, 0].tolist() == [15, 18] and len(loads) == 1

    monkeypatch.setattr(loaded, "_loaded", {})  # a later run: a new process
    again = LazyEncoder(config, tmp_path / "models", tmp_path / "embeddings")
    assert again(["space station crew", "Bank of England"])[:, 0].tolist() == [18, 15]
    assert again._embedder is None and len(loads) == 1  # from the cache, no model loaded
    mixed = again(["Bank of England", "World Cup final"])  # one new text: the model loads
    assert mixed[:, 0].tolist() == [15, 15] and len(loads) == 2
    off = LazyEncoder(EmbedderConfig(backend="torch", cache=False), None, tmp_path / "embeddings")
    assert off.vectors_cache is None  # the embedder's cache setting holds for names too
