"""The issue's planted timed corpus: three subjects, one growing linearly, one at a
constant share, one appearing halfway (and a fourth taking the rest)."""

from __future__ import annotations

import numpy as np

YEARS = 12
# Real words, so that the sentence embeddings cluster the subjects too.
SUBJECTS = {
    "space": ["rocket", "orbit", "launch", "planet", "astronaut", "mission", "satellite", "moon"],
    "money": ["bank", "market", "shares", "profit", "investor", "rates", "loans", "trade"],
    "food": ["recipe", "bake", "flour", "oven", "sugar", "butter", "dough", "chef"],
    "sport": ["match", "goal", "team", "season", "coach", "league", "score", "player"],
}


def planted_shares(year: int) -> dict[str, float]:
    """space grows linearly (present from the start), money holds a quarter, food comes
    in at year 6; sport takes the rest (it falls, and nothing is asserted about it)."""
    space = 0.10 + 0.035 * year
    food = 0.25 if year >= YEARS // 2 else 0.0
    return {"space": space, "money": 0.25, "food": food, "sport": 1 - space - 0.25 - food}


def planted_corpus(seed: int = 0) -> tuple[list[str], list[str], np.ndarray]:
    """Texts, their subjects and their times: yearly totals grow from 25 to 58 documents
    (so a constant share is a growing count), subjects drawn multinomially each year."""
    rng = np.random.default_rng(seed)
    names = list(SUBJECTS)
    texts, subjects, times = [], [], []
    for year in range(YEARS):
        shares = planted_shares(year)
        drawn = rng.multinomial(25 + 3 * year, [shares[s] for s in names])
        for subject, count in zip(names, drawn, strict=True):
            for _ in range(count):
                words = rng.choice(SUBJECTS[subject], size=6, replace=False)
                texts.append(f"Story {len(texts)}: the {' '.join(words)} again.")
                subjects.append(subject)
                day = np.datetime64(f"{2010 + year}-01-01") + rng.integers(0, 365)
                times.append(day)
    order = rng.permutation(len(texts))  # the corpus is not sorted by time
    texts = [texts[i] for i in order]
    subjects = [subjects[i] for i in order]
    return texts, subjects, np.array(times, dtype="datetime64[s]")[order]
