"""The int8 ONNX backend with the real bundled model: fidelity to torch, its model cache,
and the fallback to torch when it cannot run."""

from __future__ import annotations

import os
import sys
import threading
import warnings

import numpy as np
import pytest

from tests.conftest import int8_kernels
from tests.damage import DAMAGE, REASON
from tests.locks import WAIT_S, until, waiters
from topicflow.pipelines.config import EmbedderConfig, load_config
from topicflow.pipelines.errors import ConfigError
from topicflow.pipelines.io.blob import read_blob, write_blob
from topicflow.pipelines.io.entry_lock import entry_lock, lock_path
from topicflow.pipelines.vectors import backends as embed_backends
from topicflow.pipelines.vectors import loaded
from topicflow.pipelines.vectors.backends import allowed_threads
from topicflow.pipelines.vectors.cache import EmbeddingCache
from topicflow.pipelines.vectors.embedder import BackendFallbackWarning, SentenceEmbedder
from topicflow.pipelines.vectors.identity import embedding_identity

SENTENCES = [
    "The central bank raised interest rates to fight inflation.",
    "Interest rates were increased by the central bank to curb rising prices.",
    "The striker scored twice in the second half of the cup final.",
    "A new telescope photographed galaxies billions of light years away.",
    "Shares in the carmaker fell after it cut its profit forecast for the year.",
]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def reference():
    return SentenceEmbedder(backend="torch").fit()


@pytest.fixture(scope="module")
def int8(models):
    return SentenceEmbedder(backend="onnx-int8", model_cache=models).fit()


def _int8_file(models):
    (path,) = models.glob("*.onnx")
    return path


@pytest.mark.model
def test_int8_vectors_match_torch(reference, int8):
    assert int8.backend_ == "onnx-int8" and int8.runner_ is not None
    fast, exact = int8.transform(SENTENCES), reference.transform(SENTENCES)
    assert fast.shape == (5, 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    # Saturating int8 kernels (CPUs without VNNI) lose a little more: 0.989 on a Zen 1.
    floor = 0.99 if int8_kernels() == "vnni" else 0.985
    assert np.min(np.sum(fast * exact, axis=1)) >= floor
    paraphrase, unrelated = fast[0] @ fast[1], fast[0] @ fast[2]
    assert paraphrase > 0.7 and unrelated < 0.3
    # A text's vector is its own: order and batch companions do not change it.
    shuffled = SentenceEmbedder(backend="onnx-int8", model_cache=int8.model_cache, batch_size=2)
    again = shuffled.fit().transform(SENTENCES[::-1])[::-1]
    np.testing.assert_allclose(again, fast, atol=1e-6)


@pytest.mark.model
def test_session_uses_the_allowed_cores(int8, monkeypatch):
    assert int8.runner_.threads == allowed_threads()  # texts embedded at once
    assert int8.runner_.session.get_session_options().intra_op_num_threads == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # what Dask's nanny sets for a one-thread worker
    assert allowed_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "999")
    assert allowed_threads() == len(os.sched_getaffinity(0))


@pytest.mark.model
def test_exported_model_is_cached_and_reused(int8, models):
    path = _int8_file(models)
    built, builds = path.stat().st_mtime_ns, embed_backends.builds
    again = SentenceEmbedder(backend="onnx-int8", model_cache=models).fit()
    assert embed_backends.builds == builds and path.stat().st_mtime_ns == built
    np.testing.assert_array_equal(again.transform(SENTENCES), int8.transform(SENTENCES))


@pytest.mark.model
@pytest.mark.parametrize("damage", DAMAGE)
def test_corrupt_model_is_detected_and_rebuilt(int8, models, tmp_path, caplog, damage):
    original = _int8_file(models)
    damaged = tmp_path / original.name
    damaged.write_bytes(original.read_bytes())
    DAMAGE[damage](damaged)
    builds = embed_backends.builds
    rebuilt = SentenceEmbedder(backend="onnx-int8", model_cache=tmp_path).fit()
    assert embed_backends.builds == builds + 1
    assert f"ignoring cache file {damaged}: {REASON[damage]}" in caplog.text
    assert rebuilt.backend_ == "onnx-int8"
    assert read_blob(damaged) is not None  # replaced by a sound one
    np.testing.assert_allclose(rebuilt.transform(SENTENCES), int8.transform(SENTENCES), atol=1e-5)


@pytest.mark.model
def test_a_model_another_process_is_building_is_waited_for_not_built_again(int8, models, tmp_path):
    # Held here as if by a process building the model: a caller that needs it waits,
    # then loads the file the builder left, building nothing itself.
    target = tmp_path / _int8_file(models).name
    builds, results = embed_backends.builds, {}
    waiting = threading.Thread(
        target=lambda: results.setdefault(
            "embedder", SentenceEmbedder(backend="onnx-int8", model_cache=tmp_path).fit()
        )
    )
    with entry_lock(target):
        waiting.start()
        until(lambda: waiters(lock_path(target)) == 1)
        target.write_bytes(_int8_file(models).read_bytes())  # the build we "finished"
    waiting.join(WAIT_S)
    assert embed_backends.builds == builds and results["embedder"].backend_ == "onnx-int8"
    np.testing.assert_array_equal(
        results["embedder"].transform(SENTENCES), int8.transform(SENTENCES)
    )


@pytest.mark.model
def test_a_fallback_says_why_and_serves_the_run_as_its_torch_embedder(
    reference, tmp_path, monkeypatch
):
    monkeypatch.setattr(loaded, "_loaded", {})
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as where it is not installed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendFallbackWarning)
        fallen = loaded.loaded_embedder(EmbedderConfig().estimator_params(), tmp_path)
    assert fallen.backend_ == "torch" and fallen.identity_ == reference.identity_
    assert fallen.fallback_.startswith(
        "embedding backend 'onnx-int8' unavailable (onnxruntime is not installed"
    )
    # The run's shards then ask for torch, the backend it decided on: no second load.
    torch = EmbedderConfig(backend="torch").estimator_params()
    assert loaded.loaded_embedder(torch, tmp_path) is fallen
    assert reference.fallback_ is None


@pytest.mark.model
def test_cache_key_differs_by_backend_so_vectors_never_mix(reference, int8, tmp_path):
    assert reference.identity_ != int8.identity_
    params = {"max_seq_length": 256, "normalize": True, "long_documents": "truncate"}
    assert int8.identity_ == embedding_identity(
        "all-MiniLM-L6-v2", **params, max_chunks=8, backend="onnx-int8"
    )
    assert reference.identity_ == embedding_identity("all-MiniLM-L6-v2", **params, max_chunks=8)
    root = tmp_path / "embeddings"
    _, hits = reference.transform_cached(SENTENCES, EmbeddingCache(root / reference.identity_))
    assert hits == 0
    _, hits = int8.transform_cached(SENTENCES, EmbeddingCache(root / int8.identity_))
    assert hits == 0  # torch's vectors of the same texts are not int8's


@pytest.mark.model
def test_unloadable_model_falls_back_to_torch_with_one_warning(reference, models, tmp_path):
    # A genuinely broken model that passes the checksum (as if written by an incompatible
    # build): ONNX Runtime refuses it, and the embedder says so once and uses torch.
    broken = tmp_path / _int8_file(models).name
    write_blob(broken, b"this is not an ONNX model")
    with pytest.warns(BackendFallbackWarning, match=r"^embedding backend 'onnx-int8' unavailable"):
        first = SentenceEmbedder(backend="onnx-int8", model_cache=tmp_path).fit()
    assert first.backend_ == "torch" and first.runner_ is None
    assert first.identity_ == reference.identity_  # its vectors are cached as torch's
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second embedder in the same process stays quiet
        second = SentenceEmbedder(backend="onnx-int8", model_cache=tmp_path).fit()
    assert second.backend_ == "torch"
    vectors = second.transform(SENTENCES[:2])
    assert vectors[0] @ vectors[1] > 0.7


@pytest.mark.model
def test_a_cache_that_cannot_be_written_still_embeds(int8, tmp_path, caplog):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be")
    embedder = SentenceEmbedder(backend="onnx-int8", model_cache=blocked).fit()
    assert embedder.backend_ == "onnx-int8" and "cannot cache the ONNX model" in caplog.text
    np.testing.assert_allclose(embedder.transform(SENTENCES), int8.transform(SENTENCES), atol=1e-5)


def test_bad_backend_name_is_a_one_line_config_error():
    with pytest.raises(
        ConfigError,
        match=r"^invalid config: embedder\.backend: .*\(allowed: torch \| onnx-int8, "
        r"got 'tensorrt'\)$",
    ):
        load_config(None, {"embedder": {"backend": "tensorrt"}})
