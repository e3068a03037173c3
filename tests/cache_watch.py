"""A reader that checks every file of a store's cache while runs write it.

Each file is opened and checked as soon as it appears: a checksummed blob must read
sound (``read_blob``), an embedding shard's sidecar must describe a ``.npy`` whose
sha256 and shape it names. After that its identity (inode, size, modification time)
must never change: an entry is written once, never replaced or torn by a second
writer. Hidden files (temporary files being written, lock files) are not entries yet.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import numpy as np

from topicflow.pipelines.io.atomic import file_signature
from topicflow.pipelines.io.blob import MAGIC, read_blob

POLL_S = 0.02


class CacheWatch:
    """``with CacheWatch(store) as watch:`` run things; then read ``watch``'s findings."""

    def __init__(self, store: Path) -> None:
        self.root = store / "cache"
        self.seen: dict[Path, tuple[int, int, int]] = {}  # path -> (inode, size, mtime_ns)
        self.checked: list[Path] = []
        self.damaged: list[str] = []
        self.changed: list[str] = []  # replaced, rewritten or removed after it appeared
        self.unknown: list[Path] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cache-watch", daemon=True)

    def __enter__(self) -> CacheWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self._scan()  # whatever appeared after the last poll

    def _watch(self) -> None:
        while not self._done.wait(POLL_S):
            self._scan()

    def _scan(self) -> None:
        for path, identity in list(self.seen.items()):
            if file_signature(path) != identity:
                self.changed.append(f"{path}: {identity} became {file_signature(path)}")
                self.seen[path] = file_signature(path)
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            if path in self.seen or path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix == ".npy":  # checked with its sidecar, which is written after it
                if path.with_suffix(".json").exists():
                    self.seen[path] = file_signature(path)
                continue
            self.seen[path] = file_signature(path)
            self._check(path)

    def _check(self, path: Path) -> None:
        self.checked.append(path)
        if path.read_bytes()[: len(MAGIC)] == MAGIC:
            if read_blob(path) is None:
                self.damaged.append(f"{path}: not a sound blob")
        elif path.suffix == ".json" and path.parent.parent.name == "embeddings":
            self._check_shard(path)
        else:
            self.unknown.append(path)

    def _check_shard(self, sidecar: Path) -> None:
        meta = json.loads(sidecar.read_text("utf-8"))
        vectors = sidecar.with_suffix(".npy")
        self.seen.setdefault(vectors, file_signature(vectors))
        if hashlib.sha256(vectors.read_bytes()).hexdigest() != meta["sha256"]:
            self.damaged.append(f"{vectors}: sha256 is not its sidecar's")
        elif [len(meta["keys"]), *np.load(vectors).shape[1:]] != meta["shape"]:
            self.damaged.append(f"{vectors}: shape is not its sidecar's")
