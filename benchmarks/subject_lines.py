"""Short texts for the benchmarks: 20 Newsgroups subject lines, labelled by newsgroup, and
the bodies of their posts as a reference their topic words can be scored on."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from topicflow.pipelines.config import CorpusConfig, load_config
from topicflow.pipelines.corpus.ingest import read_corpus
from topicflow.pipelines.evaluate.coherence import Reference, bounded_reference
from topicflow.pipelines.text.clean import Cleaner

SUBJECT_MAX_WORDS = 12


def subject_lines(path: Path) -> tuple[list[str], list[str]]:
    """20 Newsgroups subject lines as short documents, with their newsgroup as label.

    Each post's first ``Subject:`` header (in the header block, before the first blank
    line); every leading reply marker (``Re:``, ``RE:``, ``Re^2:``, ``Re[2]:``) stripped,
    whitespace collapsed; lines left empty or with 12 words or more dropped; a line
    equal to an earlier one (case-insensitively) dropped, so a thread counts once, under
    the newsgroup of its first post in the file's order.
    """
    reply = re.compile(r"^\s*(re(\^\d+|\[\d+\])?\s*:\s*)+", re.IGNORECASE)
    texts, labels, seen = [], [], set()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            post = json.loads(line)
            header = post["text"].split("\n\n", 1)[0]
            match = re.search(r"(?mi)^subject:(.*)$", header)
            if not match:
                continue
            subject = " ".join(reply.sub("", match.group(1).strip()).split())
            key = subject.lower()
            if not subject or len(subject.split()) >= SUBJECT_MAX_WORDS or key in seen:
                continue
            seen.add(key)
            texts.append(subject)
            labels.append(post["label"])
    return texts, labels


def posts_reference(path: Path, prepared) -> Reference:
    """Subject lines' topic words scored where their words meet in whole posts: the bodies
    of the 20 Newsgroups posts in ``path`` (USENET headers, quotes and signatures
    stripped, so not the subject lines themselves), tokenised by the lines' fitted
    preprocessor (``prepared``). In the lines themselves (two tokens, median) most pairs
    of a topic's words never meet, so NPMI there rises with the count whatever the topics
    hold; short-text topic models are scored on an external corpus for that reason."""
    posts = read_corpus(path, CorpusConfig(label_field="label", id_field="id"))
    cleaner = Cleaner(usenet=True, repeated_lines=load_config().preprocess.repeated_lines)
    bodies = cleaner.fit_transform(list(posts.texts))
    return bounded_reference(prepared.preprocessor.transform(bodies), prepared.vocabulary)
