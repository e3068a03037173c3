"""Where a run writes, checked before it starts: a probe file proves a directory
writable and leaves nothing; free space is compared per file system. (Read-only and
full file systems: tests/flows/app/test_storage.py, on real mounts.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from topicflow.pipelines.io.storage import (
    Need,
    existing_ancestor,
    free_bytes,
    human_size,
    lacking_room,
    unwritable,
)


def test_a_writable_directory_passes_and_the_probe_leaves_nothing(tmp_path):
    (tmp_path / "kept").write_text("x")
    assert unwritable(tmp_path) is None
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]


def test_a_directory_still_to_be_created_is_probed_in_its_nearest_existing_ancestor(tmp_path):
    wanted = tmp_path / "a" / "b" / "runs"
    assert existing_ancestor(wanted) == tmp_path
    assert unwritable(wanted) is None
    assert list(tmp_path.iterdir()) == []  # nothing created on the way


def test_a_file_in_the_way_is_not_a_directory(tmp_path):
    blocker = tmp_path / "runs"
    blocker.write_text("not a directory")
    assert unwritable(blocker) == "is not a directory"
    assert unwritable(blocker / "inner") == f"cannot be created: {blocker} is not a directory"


def test_needs_that_fit_pass_and_one_too_large_is_named_with_both_sizes(tmp_path):
    free = free_bytes(tmp_path)
    assert lacking_room([Need("--out", tmp_path, 0), Need("--store", tmp_path, 1)]) is None
    message = lacking_room([Need("--store", tmp_path / "store", 2 * free)])
    assert message is not None
    assert message.startswith(f"--store {tmp_path / 'store'} has ")
    assert message.endswith(f" free; this run needs about {human_size(2 * free)}")


def test_places_on_one_file_system_share_its_room(tmp_path):
    # Each fits alone (60% of the free space, a margin for other writers on this disk);
    # together they do not, and the message names both.
    share = free_bytes(tmp_path) * 6 // 10
    out, store = tmp_path / "runs", tmp_path / "store"
    assert lacking_room([Need("--out", out, share)]) is None
    message = lacking_room([Need("--out", out, share), Need("--store", store, share)])
    assert message is not None
    assert message.startswith(f"--out {out} and --store {store} (one file system) have ")
    assert message.endswith(f"this run needs about {human_size(2 * share)}")


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (8192, "8.2 KB"),
        (66_180, "66 KB"),
        (4_818_184, "4.8 MB"),
        (45_000_000, "45 MB"),
        (1_200_000_000, "1.2 GB"),
    ],
)
def test_sizes_read_in_decimal_units(size, shown):
    assert human_size(size) == shown


def test_existing_ancestor_of_an_existing_path_is_itself(tmp_path):
    assert existing_ancestor(tmp_path) == tmp_path
    assert existing_ancestor(Path("relative-that-does-not-exist")) == Path.cwd()
