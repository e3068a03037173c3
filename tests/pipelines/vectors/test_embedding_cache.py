"""The embedding cache returns exactly what was stored, or a miss: never damaged vectors."""

from __future__ import annotations

import gc
import json
import logging
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from topicflow.pipelines.vectors.cache import EmbeddingCache

DIM = 8


def _vectors(n: int, start: int = 0) -> np.ndarray:
    """Distinct, exactly representable rows: row i is i*DIM .. i*DIM+DIM-1."""
    return np.arange(start * DIM, (start + n) * DIM, dtype=np.float32).reshape(n, DIM)


def _keys(n: int, prefix: str = "k") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def _shards(directory: Path) -> list[str]:
    """Names of committed shards (those with a sidecar)."""
    return sorted(p.stem for p in directory.glob("*.json"))


def _put_one_shard(directory: Path, n: int = 4) -> tuple[Path, Path]:
    EmbeddingCache(directory).put(_keys(n), _vectors(n))
    (name,) = _shards(directory)
    return directory / f"{name}.npy", directory / f"{name}.json"


def test_get_returns_the_stored_rows_in_request_order(tmp_path):
    cache = EmbeddingCache(tmp_path / "emb")
    cache.put(_keys(5), _vectors(5))
    stored = _vectors(5)

    vectors, found = cache.get(["k3", "missing", "k0", "k3", "k4"])

    assert vectors.dtype == np.float32
    assert vectors.shape == (5, DIM)
    np.testing.assert_array_equal(found, [True, False, True, True, True])
    np.testing.assert_array_equal(vectors[[0, 2, 3, 4]], stored[[3, 0, 3, 4]])
    np.testing.assert_array_equal(vectors[1], np.zeros(DIM, np.float32))


def test_empty_cache_has_unknown_width(tmp_path):
    vectors, found = EmbeddingCache(tmp_path / "emb").get(["a", "b"])
    assert vectors.shape == (2, 0)
    np.testing.assert_array_equal(found, [False, False])


def test_a_later_instance_sees_the_rows_and_len_counts_distinct_keys(tmp_path):
    first = EmbeddingCache(tmp_path)
    first.put(_keys(3), _vectors(3))
    first.put(["k2", "k3"], _vectors(2, start=2))  # k2 again: skipped, k3 new

    later = EmbeddingCache(tmp_path)
    vectors, found = later.get(_keys(4))

    assert found.all()
    np.testing.assert_array_equal(vectors, _vectors(4))
    assert len(later) == 4
    assert len(_shards(tmp_path)) == 2


def test_put_writes_only_new_keys_and_no_shard_when_nothing_is_new(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put(["a", "b", "a"], _vectors(3))
    cache.put(["b", "a"], _vectors(2))
    assert len(_shards(tmp_path)) == 1
    cache.put(["b", "c"], _vectors(2, start=5))
    sidecars = [json.loads(p.read_text("utf-8")) for p in tmp_path.glob("*.json")]
    assert sorted(meta["keys"] for meta in sidecars) == [["a", "b"], ["c"]]
    vectors, found = EmbeddingCache(tmp_path).get(["a", "b", "c"])
    assert found.all()
    np.testing.assert_array_equal(vectors, np.vstack([_vectors(2), _vectors(1, start=6)]))


def test_shards_written_by_another_instance_after_init_are_seen(tmp_path):
    reader = EmbeddingCache(tmp_path)
    assert len(reader) == 0
    EmbeddingCache(tmp_path).put(["x"], _vectors(1, start=7))
    vectors, found = reader.get(["x"])
    assert found.all()
    np.testing.assert_array_equal(vectors, _vectors(1, start=7))


def test_one_shared_view_per_directory_while_it_is_held(tmp_path):
    view = EmbeddingCache.shared(tmp_path / "a")
    assert EmbeddingCache.shared(tmp_path / "a" / ".." / "a") is view
    assert EmbeddingCache.shared(tmp_path / "b") is not view
    view.put(_keys(3), _vectors(3))
    held = weakref.ref(view)
    del view
    gc.collect()
    assert held() is None  # a long-lived process (serve) does not keep every index it read
    assert len(EmbeddingCache.shared(tmp_path / "a")) == 3


def test_threads_sharing_a_view_lose_nothing_and_index_each_shard_once(tmp_path):
    view = EmbeddingCache.shared(tmp_path)
    blocks = [
        (_keys(16, prefix=f"t{t}b{b}-"), _vectors(16, start=100 * t + 16 * b))
        for t in range(4)
        for b in range(5)
    ]

    def write(t: int) -> None:
        for keys, vectors in blocks[5 * t : 5 * t + 5]:
            view.put(keys, vectors)
            assert view.get(keys)[1].all()

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [k for block, _ in blocks for k in block]
    vectors, found = EmbeddingCache(tmp_path).get(keys)  # as another process reads them
    assert found.all() and len(_shards(tmp_path)) == 20
    np.testing.assert_array_equal(vectors, np.vstack([v for _, v in blocks]))


def test_put_rejects_vectors_that_do_not_fit(tmp_path):
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(ValueError):
        cache.put(["a", "b"], _vectors(3))
    cache.put(["a"], _vectors(1))
    with pytest.raises(ValueError):
        cache.put(["b"], np.ones((1, DIM + 1), np.float32))


def test_truncated_npy_is_a_miss_deleted_and_recomputed(tmp_path, caplog):
    npy, sidecar = _put_one_shard(tmp_path)
    data = npy.read_bytes()
    npy.write_bytes(data[: len(data) // 2])

    cache = EmbeddingCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="topicflow.pipelines.vectors.cache"):
        vectors, found = cache.get(_keys(4))

    assert not found.any()
    assert vectors.shape == (4, 0)
    assert not npy.exists() and not sidecar.exists()
    assert "corrupt" in caplog.text
    cache.put(_keys(4), _vectors(4))
    vectors, found = cache.get(_keys(4))
    assert found.all()
    np.testing.assert_array_equal(vectors, _vectors(4))


def test_damage_after_verification_is_noticed_by_the_same_instance(tmp_path):
    npy, sidecar = _put_one_shard(tmp_path)
    cache = EmbeddingCache(tmp_path)
    assert cache.get(["k0"])[1].all()

    data = npy.read_bytes()
    npy.write_bytes(data[: len(data) // 2])

    assert not cache.get(["k0"])[1].any()
    assert not npy.exists() and not sidecar.exists()


def test_flipped_byte_is_caught_by_the_checksum(tmp_path):
    npy, sidecar = _put_one_shard(tmp_path)
    data = bytearray(npy.read_bytes())
    data[-3] ^= 0x40  # inside the last vector: header, size and shape stay valid
    npy.write_bytes(bytes(data))
    assert np.load(npy).shape == (4, DIM)  # only the checksum can tell

    vectors, found = EmbeddingCache(tmp_path).get(_keys(4))

    assert not found.any()
    assert not npy.exists() and not sidecar.exists()


def test_a_changed_key_in_the_sidecar_is_caught_by_its_checksum(tmp_path, caplog):
    npy, sidecar = _put_one_shard(tmp_path)
    text = sidecar.read_text("utf-8")
    sidecar.write_text(text.replace('"k2"', '"k7"'), "utf-8")  # still valid JSON
    assert json.loads(sidecar.read_text("utf-8"))["keys"] == ["k0", "k1", "k7", "k3"]

    with caplog.at_level(logging.WARNING, logger="topicflow.pipelines.vectors.cache"):
        vectors, found = EmbeddingCache(tmp_path).get(["k0", "k7"])

    assert not found.any()  # k7 never filed under k2's vector
    assert not npy.exists() and not sidecar.exists()
    (line,) = caplog.messages
    assert line.startswith(f"ignoring cache file {sidecar}: ") and "checksum mismatch" in line


def test_a_sidecar_without_a_checksum_is_of_an_older_format(tmp_path, caplog):
    npy, sidecar = _put_one_shard(tmp_path)
    meta = json.loads(sidecar.read_text("utf-8"))
    del meta["checksum"]
    sidecar.write_text(json.dumps(meta), "utf-8")

    with caplog.at_level(logging.WARNING, logger="topicflow.pipelines.vectors.cache"):
        assert not EmbeddingCache(tmp_path).get(_keys(4))[1].any()

    (line,) = caplog.messages
    assert str(sidecar) in line and "without a checksum" in line


def test_the_warning_names_the_npy_when_its_vectors_are_damaged(tmp_path, caplog):
    npy, _ = _put_one_shard(tmp_path)
    data = bytearray(npy.read_bytes())
    data[-3] ^= 0x40
    npy.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger="topicflow.pipelines.vectors.cache"):
        assert not EmbeddingCache(tmp_path).get(_keys(4))[1].any()

    (line,) = caplog.messages
    assert line.startswith(f"ignoring cache file {npy}: ") and "sha256 mismatch" in line


def test_sidecar_with_invalid_json_is_ignored_and_deleted(tmp_path):
    npy, sidecar = _put_one_shard(tmp_path)
    sidecar.write_text('{"keys": ["k0", ', "utf-8")
    stray = tmp_path / "0123.json"
    stray.write_text("not json", "utf-8")

    cache = EmbeddingCache(tmp_path)
    vectors, found = cache.get(_keys(4))

    assert not found.any()
    assert len(cache) == 0
    assert list(tmp_path.iterdir()) == []


def test_sidecar_whose_npy_is_gone_is_ignored_and_deleted(tmp_path):
    npy, sidecar = _put_one_shard(tmp_path)
    npy.unlink()
    cache = EmbeddingCache(tmp_path)
    assert not cache.get(_keys(4))[1].any()
    assert len(cache) == 0
    assert not sidecar.exists()


def test_npy_without_sidecar_and_temporary_files_are_not_shards(tmp_path):
    npy, _ = _put_one_shard(tmp_path, n=2)
    (tmp_path / "deadbeef.npy").write_bytes(npy.read_bytes())  # crash before the commit
    (tmp_path / ".cafe.npy.tmp").write_bytes(b"half")  # a writer killed mid-write
    (tmp_path / ".cafe.json.tmp").write_text("{", "utf-8")

    cache = EmbeddingCache(tmp_path)

    assert len(cache) == 2
    assert cache.get(["k0", "k1"])[1].all()
    assert (tmp_path / "deadbeef.npy").exists()  # may be a commit in progress: left alone


def test_shard_of_another_width_is_treated_as_corrupt(tmp_path):
    cache = EmbeddingCache(tmp_path / "main")
    cache.put(["a"], _vectors(1))
    odd = tmp_path / "odd"
    EmbeddingCache(odd).put(["b"], np.ones((1, DIM * 2), np.float32))
    for path in odd.iterdir():
        target = tmp_path / "main" / path.name
        target.write_bytes(path.read_bytes())
    (odd_name,) = _shards(odd)

    vectors, found = EmbeddingCache(tmp_path / "main").get(["a", "b"])

    np.testing.assert_array_equal(found, [True, False])
    np.testing.assert_array_equal(vectors[0], _vectors(1)[0])
    assert odd_name not in _shards(tmp_path / "main")


def test_text_key_is_stable_and_distinguishes_texts():
    key = EmbeddingCache.text_key("héllo")
    assert key == EmbeddingCache.text_key("héllo")
    assert key == "3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179"
    assert key != EmbeddingCache.text_key("hello")
    assert EmbeddingCache.text_key("") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    # A lone surrogate (an undecodable byte kept by surrogateescape) hashes, as its UTF-8 form.
    assert EmbeddingCache.text_key("bad \udce9 byte") == (
        "78311d350c42c192dc5e496409944f2dfdfa2e6ad760a8b85e25eb5622e69112"
    )


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from topicflow.pipelines.vectors.cache import EmbeddingCache

    directory, worker, go = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.001)
    cache = EmbeddingCache(directory)
    for part in range(4):
        rows = range(part * 50, (part + 1) * 50)
        keys = [f"w{worker}-{i}" for i in rows] + [f"shared-{part}-{i}" for i in range(5)]
        values = [worker * 1000 + i for i in rows] + [-1 - i for i in range(5)]
        cache.put(keys, np.repeat(np.array(values, np.float32)[:, None], 8, axis=1))
        vectors, found = cache.get(keys)
        assert found.all(), f"worker {worker} lost its own rows"
        assert (vectors[:, 0] == values).all()
    print("ok")
    """
)


@pytest.mark.subprocess
def test_two_processes_writing_at_once_lose_and_damage_nothing(tmp_path, caplog):
    directory, go = tmp_path / "emb", tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(directory), str(worker), str(go)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in (1, 2)
    ]
    go.touch()
    results = [worker.communicate(timeout=120) for worker in workers]

    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == "ok"
        assert "corrupt" not in err
    with caplog.at_level(logging.WARNING, logger="topicflow.pipelines.vectors.cache"):
        cache = EmbeddingCache(directory)
        keys = [f"w{w}-{i}" for w in (1, 2) for i in range(200)]
        vectors, found = cache.get(keys)
        assert len(cache) == 400 + 20
    assert caplog.text == ""
    assert found.all()
    expected = np.array([w * 1000 + i for w in (1, 2) for i in range(200)], np.float32)
    np.testing.assert_array_equal(vectors, np.repeat(expected[:, None], DIM, axis=1))
    shared, shared_found = cache.get([f"shared-{p}-{i}" for p in range(4) for i in range(5)])
    assert shared_found.all()
    np.testing.assert_array_equal(shared[:, 0], [-1 - i for _ in range(4) for i in range(5)])
    assert sorted(p.stem for p in directory.glob("*.npy")) == _shards(directory)


def test_cached_vectors_are_all_or_nothing(tmp_path):
    """A re-run whose texts are all cached needs no model; one missing text needs it."""
    from topicflow.pipelines.vectors.embedder import cached_vectors

    cache = EmbeddingCache(tmp_path / "cache")
    texts = ["alpha", "beta", "gamma"]
    vectors = np.arange(9, dtype=np.float32).reshape(3, 3)
    cache.put([EmbeddingCache.text_key(t) for t in texts], vectors)
    assert np.array_equal(cached_vectors(texts[::-1], cache), vectors[::-1])
    assert cached_vectors([*texts, "delta"], cache) is None
    assert cached_vectors([], cache) is None
