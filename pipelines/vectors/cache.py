"""Embedding vectors cached on disk, keyed by text hash, shared safely between processes.

One directory holds the vectors of one embedding setting. Each ``put`` adds one shard:
``<uuid>.npy`` (the vectors) and ``<uuid>.json`` (keys, shape, dtype, sha256 of the
``.npy``, and a checksum of those fields: a flipped character in a key is still valid
JSON, and would otherwise file a row under a wrong key). Both are written under hidden
temporary names, synced and renamed, the sidecar last: a shard exists only once its
sidecar does, so readers never see a half-written one and concurrent writers never
collide, without locks. A shard that fails any check is deleted, with one warning line
naming the damaged file, and its rows are reported missing: damage costs
recomputation, never wrong vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import threading
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from topicflow.pipelines.io.atomic import Signature, atomic_path, file_signature

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
# EmbeddingCache.shared: one view of a directory per process while anyone holds it.
_SHARED: weakref.WeakValueDictionary[Path, EmbeddingCache] = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Shard:
    """A verified shard. Its file is mapped only while rows are copied out, not held open:
    a process with thousands of shards would otherwise hold thousands of descriptors."""

    signature: Signature  # of the .npy when verified
    digests: np.ndarray  # of its keys, row by row (:func:`_digests`)
    shape: tuple[int, int]


class _KeyIndex:
    """Each key's first shard and row, over millions of keys at about 40 bytes a key.

    A dict of key strings to (shard, row) tuples took about 300 bytes a key (300 MB
    at a million documents), in small objects whose memory, once freed, the allocator
    keeps. Here the keys' sha256 digests sit in sorted arrays ("runs", oldest first,
    disjoint), each with its rows' locations (shard number << 32 | row). A new shard
    adds a run of its keys not yet indexed; runs of similar size merge, so there are
    about log2(shards) runs and a key is looked up with one binary search in each.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(digests) for digests, _ in self._runs)

    def find(self, digests: np.ndarray) -> np.ndarray:
        """Each digest's location, -1 where no shard holds it."""
        found = np.full(len(digests), -1, np.int64)
        for run, locations in self._runs:
            at = np.minimum(np.searchsorted(run, digests), len(run) - 1)
            hit = run[at] == digests
            found[hit] = locations[at[hit]]
        return found

    def add(self, digests: np.ndarray, shard: int) -> None:
        """Index rows of shard number ``shard`` under keys no earlier shard holds (a key
        the shard holds twice: its first row)."""
        rows = np.flatnonzero(self.find(digests) < 0)
        new, first = np.unique(digests[rows], return_index=True)
        if not len(new):
            return
        self._runs.append((new, (np.int64(shard) << 32) | rows[first].astype(np.int64)))
        while len(self._runs) > 1 and len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            self._runs.append(_merged(self._runs.pop(-2), self._runs.pop()))


def _merged(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint sorted runs as one: ``second``'s entries slotted in by binary search
    (sorting 32-byte strings again would cost far more)."""
    (keys, locations), (other_keys, other_locations) = first, second
    slots = np.searchsorted(keys, other_keys) + np.arange(len(other_keys))
    theirs = np.zeros(len(keys) + len(other_keys), bool)
    theirs[slots] = True
    merged_keys, merged_locations = (
        np.empty_like(theirs, keys.dtype),
        np.empty_like(theirs, np.int64),
    )
    merged_keys[slots], merged_keys[~theirs] = other_keys, keys
    merged_locations[slots], merged_locations[~theirs] = other_locations, locations
    return merged_keys, merged_locations


def _digests(keys: Sequence[str]) -> np.ndarray:
    """The keys' sha256 digests, 32 bytes each (any string is a key, not only hex)."""
    return np.array(
        [hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest() for key in keys],
        dtype="S32",
    )


class EmbeddingCache:
    """Vectors of one embedding setting (model identity + every setting that changes vectors).

    The caller picks the directory, one per setting, e.g. store/cache/embeddings/<settings-key>/.
    Rows are keyed by a text hash string chosen by the caller (e.g. sha256 hex of the text).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._shards: dict[str, _Shard] = {}
        self._names: list[str] = []  # shard numbers of the index -> shard names
        self._index = _KeyIndex()
        self._lock = threading.RLock()

    @classmethod
    def shared(cls, directory: str | Path) -> EmbeddingCache:
        """This process's one view of ``directory`` while anyone holds it: each shard is
        verified and indexed once however many tasks read it. A view per task re-read
        every sidecar and re-hashed every shard, and a million documents' run kept 100
        indexes of up to a million keys."""
        path = Path(directory).expanduser().resolve()
        with _SHARED_LOCK:
            cache = _SHARED.get(path)
            if cache is None:
                cache = _SHARED[path] = cls(path)
            return cache

    @staticmethod
    def text_key(text: str) -> str:
        """sha256 hex of the UTF-8 text; lone surrogates (from odd file names) still hash."""
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def dim(self) -> int | None:
        """Vector width of the shards verified so far, None while there are none."""
        return next((shard.shape[1] for shard in self._shards.values()), None)

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._index)

    def holds(self, keys: Sequence[str]) -> bool:
        """Whether every key has a row (in verified shards); reads no vectors."""
        with self._lock:
            self._refresh()
            return bool((self._index.find(_digests(keys)) >= 0).all())

    def get(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, found): vectors is float32 (len(keys), dim) with zero rows where not found
        (shape (len(keys), 0) when the cache is empty and dim unknown); found is a bool mask."""
        with self._lock:
            return self._get(keys)

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store new rows as one new shard (keys already present are skipped)."""
        with self._lock:
            self._put(keys, vectors)

    def _get(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        self._refresh()
        vectors = np.zeros((len(keys), self.dim or 0), np.float32)
        found = np.zeros(len(keys), bool)
        locations = self._index.find(_digests(keys))
        hits = np.flatnonzero(locations >= 0)
        hits = hits[np.argsort(locations[hits] >> 32, kind="stable")]  # grouped by shard
        numbers, starts = np.unique(locations[hits] >> 32, return_index=True)
        groups = np.split(hits, starts[1:]) if len(hits) else []
        for number, positions in zip(numbers.tolist(), groups, strict=True):
            name, rows = self._names[number], locations[positions] & 0xFFFFFFFF
            try:
                stored = np.load(self.directory / f"{name}.npy", mmap_mode="r")
                if stored.shape != self._shards[name].shape or stored.dtype != np.float32:
                    raise ValueError(f"now holds {stored.dtype} {stored.shape}")
                vectors[positions] = stored[rows]  # copies only the requested rows
            except Exception as error:  # noqa: BLE001 - changed after verification: a miss
                log.warning("embedding cache: shard %s unreadable (%s)", name, error)
                continue
            found[positions] = True
        return vectors, found

    def _put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys) or vectors.shape[1] == 0:
            raise ValueError(f"need ({len(keys)}, dim>0) vectors for {len(keys)} keys")
        if not all(isinstance(key, str) for key in keys):
            raise TypeError("keys must be strings")
        self._refresh()
        if self.dim is not None and vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have dim {vectors.shape[1]}, this cache holds {self.dim}")
        digests = _digests(keys)
        unseen = np.flatnonzero(self._index.find(digests) < 0)
        rows = np.sort(unseen[np.unique(digests[unseen], return_index=True)[1]])
        if len(rows):
            self._write_shard([keys[i] for i in rows.tolist()], vectors[rows], digests[rows])

    def _write_shard(self, keys: list[str], vectors: np.ndarray, digests: np.ndarray) -> None:
        name = uuid.uuid4().hex
        npy, sidecar = self.directory / f"{name}.npy", self.directory / f"{name}.json"
        # Blocks commit innermost first: the .npy is renamed into place, then the sidecar,
        # which is the commit (from then on the shard exists). A failure removes both temps.
        with atomic_path(sidecar) as tmp_sidecar, atomic_path(npy) as tmp_npy:
            # Saved in memory, then written: np.save writes through C's fwrite, whose short
            # write on a full disk loses the errno ("27264 requested and 9184 written").
            buffer = io.BytesIO()
            np.save(buffer, vectors)
            tmp_npy.write_bytes(buffer.getbuffer())
            meta = {
                "keys": keys,
                "shape": list(vectors.shape),
                "dtype": "float32",
                "sha256": _file_sha256(tmp_npy),
            }
            meta["checksum"] = _meta_checksum(meta)
            tmp_sidecar.write_text(json.dumps(meta), "utf-8")
        signature = self._signature(name)
        if signature is not None:  # trust what we just wrote: no need to hash it back
            self._add(name, _Shard(signature, digests, (len(keys), vectors.shape[1])))

    def _refresh(self) -> None:
        """Pick up shards committed by any process; drop ones deleted or changed since."""
        committed: dict[str, int] = {}
        for sidecar in self.directory.glob("*.json"):
            if not sidecar.name.startswith("."):
                try:
                    committed[sidecar.stem] = sidecar.stat().st_mtime_ns
                except OSError:
                    continue  # deleted between listing and stat
        removed = False
        for name, shard in list(self._shards.items()):
            if name not in committed or self._signature(name) != shard.signature:
                del self._shards[name]  # re-verified below if still there
                removed = True
        if removed:  # rows may now come from other shards: index again
            self._reindex()
        # Oldest first, so the first shard written sets the width and an odd one is dropped.
        for name in sorted(committed.keys() - self._shards.keys(), key=lambda n: (committed[n], n)):
            shard = self._verify(name)
            if shard is not None:
                self._add(name, shard)

    def _verify(self, name: str) -> _Shard | None:
        """The shard if every check passes; otherwise delete its files and return None."""
        npy, sidecar = self.directory / f"{name}.npy", self.directory / f"{name}.json"
        damaged = sidecar  # the file the warning names: the one that failed a check
        try:
            signature = self._signature(name)  # taken first: a change while hashing shows later
            meta = json.loads(sidecar.read_text("utf-8"))
            checksum = meta.pop("checksum", None)
            if checksum is None:
                raise ValueError("sidecar without a checksum (an older topicflow wrote it)")
            if checksum != _meta_checksum(meta):
                raise ValueError("sidecar checksum mismatch")
            keys, shape = meta["keys"], tuple(meta["shape"])
            if not (
                meta["dtype"] == "float32"
                and len(shape) == 2
                and all(isinstance(size, int) for size in shape)
                and isinstance(keys, list)
                and len(keys) == shape[0]
                and all(isinstance(key, str) for key in keys)
            ):
                raise ValueError("sidecar does not describe this shard")
            damaged = npy
            if signature is None:
                raise FileNotFoundError("no .npy beside the sidecar")
            if _file_sha256(npy) != meta["sha256"]:
                raise ValueError("sha256 mismatch")
            stored = np.load(npy, mmap_mode="r")
            if stored.dtype != np.float32 or stored.shape != shape:
                raise ValueError(f"file holds {stored.dtype} {stored.shape}, sidecar says {shape}")
            if self.dim is not None and shape[1] != self.dim:
                raise ValueError(f"dim {shape[1]}, the cache holds {self.dim}")
        except Exception as error:  # noqa: BLE001 - whatever the damage, never use the shard
            if sidecar.exists():  # else another process has already discarded it
                log.warning(
                    "ignoring cache file %s: corrupt embedding shard (%s); it will be recomputed",
                    damaged,
                    _line(error),
                )
                for path in (sidecar, npy):
                    with contextlib.suppress(OSError):  # another process may be deleting it too
                        path.unlink(missing_ok=True)
            return None
        return _Shard(signature, _digests(keys), shape)

    def _signature(self, name: str) -> Signature | None:
        return file_signature(self.directory / f"{name}.npy")

    def _add(self, name: str, shard: _Shard) -> None:
        """A verified shard, newest: its keys index it where no older shard holds them
        (its own keys only, not every shard's as rebuilding would)."""
        self._shards[name] = shard
        self._names.append(name)
        self._index.add(shard.digests, len(self._names) - 1)

    def _reindex(self) -> None:
        """Every key's first shard, oldest first (after a shard went away)."""
        self._names, self._index = [], _KeyIndex()
        for name, shard in self._shards.items():
            self._names.append(name)
            self._index.add(shard.digests, len(self._names) - 1)


def _meta_checksum(meta: dict) -> str:
    """sha256 of a sidecar's fields, in a canonical JSON form."""
    canonical = json.dumps(meta, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
