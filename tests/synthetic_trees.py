"""The topic trees of the hand-made run directory (:mod:`tests.synthetic_run`): each
model's ``tree.json`` entry, its per-level numbers and its leaf columns, with a node name
as hostile as a topic's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from topicflow.pipelines.io.run_files import (
    ASSIGNMENTS_CSV_FILE,
    ASSIGNMENTS_FILE,
    TOPICS_FILE,
    TREE_FILE,
    leaf_column,
)
from topicflow.pipelines.io.rundir import write_json
from topicflow.pipelines.models.topicset import UNASSIGNED, TopicSet

# A tree node's name is as hostile as a topic's: it comes from the documents too.
HOSTILE_NODE_NAME = '<svg onload="window.__pwned = 4"> sport & *games*'
# Each model's tree: the reported topics grouped into two coarse ones (money and space
# together, sport apart), and each reported topic split in two at the finest level.
COARSE = {"lda": [0, 0, 1], "nmf": [0, 0, 1, 1], "embedding": [0, 0, 1]}
COARSE_NAMES = {"lda": ["markets and missions", HOSTILE_NODE_NAME], "embedding": [None, "sports"]}
PREFERRED = {"lda": 3, "nmf": 8, "embedding": 3}  # nmf's own rule would have gone finer


def synthetic_tree(model: str, topics: TopicSet) -> tuple[dict, np.ndarray]:
    """``model``'s ``tree.json`` entry and each document's leaf node (-1 unassigned):
    levels 2, the reported topics, and twice as many, each partitioning its parent."""
    assigned = topics.assignments
    coarse = np.array(COARSE[model])
    fine = (np.arange(len(assigned)) // 6) % 2  # a fixed half of every topic's documents
    k = topics.n_topics
    nodes: list[dict] = []

    def add(level: int, parent: int | None, members: np.ndarray, words: list[str], **extra):
        node = {"id": len(nodes), "level": level, "parent": parent, "children": []}
        node |= {"size": int(members.sum()), "words": words, **extra}
        nodes.append(node)
        if parent is not None:
            nodes[parent]["children"].append(node["id"])
        return node["id"]

    valid = assigned != UNASSIGNED
    top = [
        add(2, None, valid & (coarse[np.maximum(assigned, 0)] == g), topics.words[c][:2]
            + topics.words[c2][:2], name=COARSE_NAMES.get(model, [None, None])[g])
        for g, (c, c2) in enumerate(((0, 1), (2, 2 if k == 3 else 3)))
    ]  # fmt: skip
    reported = [
        add(k, top[coarse[t]], assigned == t, topics.words[t], topic=t,
            name=topics.names[t] if topics.names else None)
        for t in range(k)
    ]  # fmt: skip
    leaf = np.full(len(assigned), UNASSIGNED, dtype=np.int64)
    for t in range(k):
        for half in (0, 1):
            members = (assigned == t) & (fine == half)
            words = topics.words[t][half:] + topics.words[t][:half]
            # Half the finest nodes are named; the others show their words, as unnamed ones do.
            name = f"{topics.names[t]}, first half" if topics.names and half == 0 else None
            node = add(2 * k, reported[t], members, words, name=name)
            leaf[members] = node
    tree = {"levels": [2, k, 2 * k], "reported": k, "preferred": PREFERRED[model], "nodes": nodes}
    return tree, leaf


def tree_levels(model: str, topics: TopicSet) -> list[dict]:
    """The per-level numbers a model with a tree may add to its quality (an extra)."""
    k = topics.n_topics
    return [
        {
            "n_topics": n,
            "npmi": round(0.05 + 0.02 * i, 6),
            "diversity": round(1.0 - 0.1 * i, 6),
            "largest_share": round(1.0 / (i + 1.5), 6),
            "chosen": n == PREFERRED[model],
        }
        for i, n in enumerate((2, k, 2 * k))
    ]


def write_trees(path: Path, topics: dict[str, TopicSet]) -> None:
    """Add the trees to a run directory: ``tree.json``, each topic's place in its tree
    (``topics.json``) and a leaf column per model (both assignment files)."""
    trees, leaves = {}, {}
    for model, topic_set in topics.items():
        trees[model], leaves[model] = synthetic_tree(model, topic_set)
    write_json(path / TREE_FILE, trees)
    records = json.loads((path / TOPICS_FILE).read_text())
    for model, entries in records.items():
        nodes = {n["topic"]: n for n in trees[model]["nodes"] if n.get("topic") is not None}
        for entry in entries:
            node = nodes[entry["id"]]
            entry |= {"node": node["id"], "parent": node["parent"]}
            entry |= {"children": node["children"], "level": node["level"]}
    write_json(path / TOPICS_FILE, records)
    table = pq.read_table(path / ASSIGNMENTS_FILE)
    for model, leaf in leaves.items():
        table = table.append_column(leaf_column(model), pa.array(leaf, type=pa.int64()))
    pq.write_table(table, path / ASSIGNMENTS_FILE)
    pacsv.write_csv(table, path / ASSIGNMENTS_CSV_FILE)
