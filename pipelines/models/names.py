"""Topic names: a short readable name (2 to 4 words) for every topic of any model, offline.

A name is built from phrases the topic's own documents use, in three steps:

1. **Candidates** (:class:`PhraseIndex`, once per corpus): runs of one to three shared
   tokens that stand next to each other in the document's text, allowing only a
   couple of connecting function words between them ("Bank of England" from the
   tokens ``bank england``) and never a sentence break, a comma or a dropped content
   word. Each phrase is counted once per document and shown in its most common
   spelling in the texts (case, hyphens and connectors kept).
2. **Shortlist** (per topic): phrases at least two of the topic's documents use and
   that are at least ``MIN_LIFT`` times as common among them as in the corpus, ranked
   by pointwise KL on document shares as :mod:`models.words` ranks topic words (the
   share of the topic's documents that use the phrase times the log of how much more
   often they do than all documents do); the best ``candidates`` stay.
3. **Choice**: maximal marginal relevance in the encoder's space. Relevance is a
   phrase's cosine to the topic (the centroid of its documents' vectors when the corpus
   has vectors, else the embedding of its top words) plus ``KL_WEIGHT`` times its
   normalised KL score. Redundancy is the largest cosine to the phrases already in this
   name and in the names other topics of the model already have (the largest topics
   are named first). A single-word best phrase is joined with the next best phrase that
   shares no word with it, so a name has 2 to 4 words. Without an encoder, relevance is
   the KL score and redundancy is word overlap. Names are distinct within a model (not
   across models: matched topics of two models may well share a name) and deterministic.

What others' experience changed here (BERTopic 0.17, turftopic 0.x, their trackers):

- BERTopic's ``MaximalMarginalRelevance`` diversifies the words *within* one topic;
  nothing stops two topics from getting the same label, and users report exactly that
  (BERTopic #592: ``0_manage_quote_bingo_games`` next to ``1_quote_manage_bingo_games``;
  #1341: LLM labels repeated across topics). Here MMR also runs against the names other
  topics already took, and a name equal to one already taken is never chosen.
- ``KeyBERTInspired`` embeds the topic as the mean of five representative documents
  and ranks c-TF-IDF candidates by cosine to it, so a handful of (often long)
  documents decide the label, and c-TF-IDF favours words a few documents of a small
  topic share. Here phrases count once per document, need two of the topic's documents,
  are ranked by document share first, and the topic vector is the centroid of *all*
  its documents.
- turftopic's ``NgramTopicNamer`` takes 3-4-grams of the whole corpus (CountVectorizer,
  stopwords kept) and gives each topic its nearest one, independently of the others;
  its author calls the result "lower quality" (turftopic #69). Raw n-grams start or
  end on function words (BERTopic users ask to keep stopwords out of labels, #962),
  and n-grams of stopword-free tokens join words that never stood together (#1671).
  Here candidates come only from the topic's own documents, start and end on a
  content word, and are checked against the text for adjacency.
- Measured here rather than read: cosine to the topic alone favours phrases that fit
  the topic's meaning but are used by few of its documents, or by every topic (such as
  "last year"). Adding ``KL_WEIGHT`` of the KL score and the ``MIN_LIFT`` floor moved
  the BBC News labels nearest their class's name from 44 to 50 of 56 in development
  runs (``benchmarks/topic_names.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from topicflow.pipelines.text.stopwords import ENGLISH

# Embeds short texts in the documents' vector space (``PreparedCorpus.encoder``).
Encoder = Callable[[list[str]], np.ndarray]

MAX_TOKENS = 3  # shared tokens per candidate phrase (a bigram token such as new_york is one)
MIN_WORDS, MAX_WORDS = 2, 4  # words per name, connectors included
MIN_DOCUMENTS = 2  # of the topic's own documents, for a phrase to be one of its candidates
# Function words that may join two tokens inside a phrase ("house of commons", "war on
# terror", "chancellor of the exchequer"); a phrase never starts or ends on one.
CONNECTORS = frozenset({"of", "the", "and", "for", "on", "in", "de", "a", "an"})
MAX_CONNECTORS = 2
# How far past the previous token the next one is looked for in the text (words).
_SEARCH_WINDOW = 60
# Between two words of one phrase: spaces with at most one line break (a wrapped line),
# a hyphen, or a dot or slash between letters (config.sys, TCP/IP). Anything else (a
# full stop and a space, a comma, a blank line) ends the phrase.
_JOIN = re.compile(r"[ \t]*(?:\r?\n)?[ \t]*|[ \t]*[-\u2010\u2011][ \t]*|[./]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # the preprocessing's token pattern
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})
TOKEN_JOIN = "_"  # inside a bigram token (new_york)
KEY_JOIN = " "  # between the tokens of a phrase key


# --- candidates: phrases of the shared tokens, checked against the text --------------------


def _words(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The normalised text and its words: (start, end, key), the key lower-cased with a
    trailing 's dropped, as the preprocessing makes tokens."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    words = [
        (m.start(), m.end(), m.group().lower().removesuffix("'s")) for m in _WORD.finditer(text)
    ]
    return text, words


def _align(
    text: str, words: list[tuple[int, int, str]], tokens: Sequence[str]
) -> list[tuple[int, int] | None]:
    """Each token's first and last word in the text; None when it is not found nearby,
    or when it is a bigram whose words do not stand together (see :func:`_joinable`).

    The preprocessing drops words but never reorders them, so each token is looked for
    after the previous one. A bigram token's words may have had stopwords between them
    (gensim joins tokens after stopword removal).
    """
    spans: list[tuple[int, int] | None] = []
    position, n = 0, len(words)
    for token in tokens:
        parts = token.lower().split(TOKEN_JOIN)
        found = None
        for start in range(position, min(n, position + _SEARCH_WINDOW)):
            if words[start][2] != parts[0]:
                continue
            at = [start]
            for part in parts[1:]:
                window = range(at[-1] + 1, min(n, at[-1] + 2 + MAX_CONNECTORS))
                at.append(next((j for j in window if words[j][2] == part), -1))
                if at[-1] < 0:
                    break
            if at[-1] >= 0:
                found = at
                break
        if found is None:
            spans.append(None)
            continue
        position = found[-1] + 1
        together = all(_joinable(text, words, a, b) for a, b in zip(found, found[1:], strict=False))
        spans.append((found[0], found[-1]) if together else None)
    return spans


def _joinable(text: str, words: list[tuple[int, int, str]], a: int, b: int) -> bool:
    """Whether words ``a`` < ``b`` belong to one phrase: at most ``MAX_CONNECTORS``
    connectors between them, and only spaces or hyphens between the words."""
    if b <= a or b - a - 1 > MAX_CONNECTORS:
        return False
    if any(words[i][2] not in CONNECTORS for i in range(a + 1, b)):
        return False
    return all(_JOIN.fullmatch(text[words[i][1] : words[i + 1][0]]) for i in range(a, b))


def document_phrases(
    text: str, tokens: Sequence[str], max_tokens: int = MAX_TOKENS
) -> Iterable[tuple[str, str]]:
    """``(key, spelling)`` of every run of 1 to ``max_tokens`` of a document's tokens that
    stand together in its text. The key joins the tokens with spaces; the spelling is the
    text from the first word to the last, whitespace collapsed ("Bank of England")."""
    text, words = _words(text)
    spans = _align(text, words, tokens)
    last = len(tokens) - 1
    linked = [
        a is not None and b is not None and _joinable(text, words, a[1], b[0])
        for a, b in zip(spans, spans[1:], strict=False)
    ]
    function_word = [t.lower() in ENGLISH for t in tokens]  # possible with `stopwords: none`
    for i in range(len(tokens)):
        if function_word[i]:
            continue
        for j in range(i, min(last, i + max_tokens - 1) + 1):
            if j > i and not linked[j - 1]:
                break
            if function_word[j]:
                continue
            key = tokens[i] if j == i else KEY_JOIN.join(tokens[i : j + 1])
            head, tail = spans[i], spans[j]
            if head is None or tail is None:
                yield key, _plain(key)
                continue
            spelling = text[words[head[0]][0] : words[tail[1]][1]]
            yield key, spelling if j == i and TOKEN_JOIN not in key else " ".join(spelling.split())


def _plain(key: str) -> str:
    return key.replace(TOKEN_JOIN, " ")


def word_count(name: str) -> int:
    return len(name.split())


@dataclass
class PhraseIndex:
    """Every candidate phrase of a corpus: which documents use it and how it is spelt.

    Built once per corpus (:meth:`build`); :func:`name_topics` names the topics of any
    number of models with it.
    """

    keys: list[str]  # shared tokens joined by spaces, sorted
    documents: sp.csr_matrix  # documents x phrases: 1 where the document uses the phrase
    spellings: list[str]  # each phrase's most common spelling in the texts

    @classmethod
    def build(
        cls,
        texts: Sequence[str],
        tokens: Sequence[Sequence[str]],
        max_tokens: int = MAX_TOKENS,
        min_documents: int = MIN_DOCUMENTS,
    ) -> PhraseIndex:
        """Phrases at least ``min_documents`` documents use (each counted once a document)."""
        if len(texts) != len(tokens):
            raise ValueError(f"{len(texts)} texts for {len(tokens)} token lists")
        interned: dict[str, str] = {}
        found: list[list[str]] = []
        frequency: Counter[str] = Counter()  # documents using each phrase
        plain: Counter[str] = Counter()  # documents spelling it as its tokens do
        other: dict[str, Counter[str]] = {}  # documents spelling it otherwise, by spelling
        for text, doc in zip(texts, tokens, strict=True):
            seen: dict[str, None] = {}
            plainly: set[str] = set()
            otherwise: set[tuple[str, str]] = set()
            for key, spelling in document_phrases(text, list(doc), max_tokens):
                key = interned.setdefault(key, key)
                seen[key] = None
                if spelling == key or spelling == _plain(key):
                    plainly.add(key)
                else:
                    otherwise.add((key, spelling))
            found.append(list(seen))
            frequency.update(seen.keys())
            plain.update(plainly)
            for key, spelling in otherwise:
                other.setdefault(key, Counter())[spelling] += 1
        keys = sorted(k for k, n in frequency.items() if n >= min_documents)
        column = {k: j for j, k in enumerate(keys)}
        rows = [r for r, doc in enumerate(found) for k in doc if k in column]
        cols = [column[k] for doc in found for k in doc if k in column]
        matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(tokens), len(keys)))
        spellings = [_spelling(k, plain[k], other.get(k)) for k in keys]
        return cls(keys, matrix, spellings)

    def tokens(self, j: int) -> set[str]:
        """The words of phrase ``j``'s tokens (a bigram token gives both)."""
        return set(self.keys[j].replace(TOKEN_JOIN, KEY_JOIN).split(KEY_JOIN))


def _spelling(key: str, plain: int, other: Counter[str] | None) -> str:
    """The spelling most documents use. Shouting (all capitals, a word over four
    letters) comes last, ties go to lower case, then to the alphabet's first."""
    counts = Counter(other or {})
    if plain:
        counts[_plain(key)] += plain
    return min(counts, key=lambda s: (_shouting(s), -counts[s], s != s.lower(), s))


def _shouting(spelling: str) -> bool:
    return spelling.isupper() and any(len(w) > 4 for w in spelling.split())


# --- naming ----------------------------------------------------------------------------------


def name_topics(
    index: PhraseIndex,
    assignments: np.ndarray,
    n_topics: int,
    *,
    topic_words: Sequence[Sequence[str]] = (),
    vectors: np.ndarray | None = None,
    encoder: Encoder | None = None,
    candidates: int = 30,
    diversity: float = 0.5,
) -> list[str]:
    """A distinct name of 2 to 4 words for each topic ``0..n_topics-1`` of one model.

    ``assignments`` holds each document's topic (negative: none). ``topic_words`` (best
    first) stand for a topic in the encoder's space when there are no ``vectors``, and
    name a topic no phrase fits. Without an ``encoder`` the KL score alone ranks phrases
    and word overlap measures redundancy.
    """
    assignments = np.asarray(assignments)
    if len(assignments) != index.documents.shape[0]:
        raise ValueError(f"{len(assignments)} assignments for {index.documents.shape[0]} documents")
    words = [list(w) for w in topic_words][:n_topics]
    words += [[] for _ in range(n_topics - len(words))]
    shortlists, scores = _shortlists(index, assignments, n_topics, candidates)
    space = _Space.of(index, shortlists, assignments, words, vectors, encoder)
    sizes = np.bincount(
        assignments[(assignments >= 0) & (assignments < n_topics)], minlength=n_topics
    )
    names: dict[int, str] = {}
    taken: list[int] = []  # phrases (columns of the index) in the names given so far
    for topic in sorted(range(n_topics), key=lambda t: (-int(sizes[t]), t)):
        short = shortlists[topic]
        relevance = _relevance(space, topic, short, scores[topic])
        chosen = _compose(index, space, short, relevance, taken, diversity, names.values())
        if chosen is None:
            names[topic] = _fallback(words[topic], topic, names.values())
        else:
            names[topic] = chosen[0]
            taken += chosen[1]
    return [names[t] for t in range(n_topics)]


# A candidate must be this many times more common among the topic's documents than in the
# corpus: phrases every topic uses ("last year", "get") name none of them. Waived for a
# topic with fewer than two such phrases (a topic holding most of the corpus cannot reach it).
MIN_LIFT = 3.0
# A phrase gives way to a longer candidate that contains it and that at least this share
# of the documents using it also use ("mobile" to "mobile phone", "bank" to "Bank of
# England"): the longer one says the same and more.
SUBSUMED = 0.75
# Relevance adds this share of the phrase's (max-normalised) KL score to its cosine: usage
# that is concentrated in the topic counts besides meaning (benchmarks/results/topic_names.md).
KL_WEIGHT = 0.3


def _shortlists(
    index: PhraseIndex, assignments: np.ndarray, n_topics: int, size: int
) -> tuple[list[list[int]], list[np.ndarray]]:
    """Each topic's best ``size`` phrases by pointwise KL on document shares (as
    :func:`models.words.pointwise_kl_from_class_counts` scores words), among those at
    least ``MIN_DOCUMENTS`` of its documents use (and ``MIN_LIFT``), with their scores.
    Sparse throughout: a large corpus has hundreds of thousands of phrases."""
    labels = np.where(assignments < n_topics, assignments, -1)
    member = labels >= 0
    membership = sp.csr_matrix(
        (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))),
        shape=(n_topics, len(labels)),
    )
    per_topic = (membership @ index.documents).tocsr()  # documents of each topic using each
    per_topic.sort_indices()
    units = np.bincount(labels[member], minlength=n_topics)
    corpus_share = np.asarray(per_topic.sum(axis=0)).ravel() / max(int(units.sum()), 1)
    lists, kept = [], []
    for topic in range(n_topics):
        row = slice(per_topic.indptr[topic], per_topic.indptr[topic + 1])
        columns, documents = per_topic.indices[row], per_topic.data[row]
        usable = documents >= MIN_DOCUMENTS
        columns, documents = columns[usable], documents[usable]
        share = documents / max(int(units[topic]), 1)
        lift = share / np.maximum(corpus_share[columns], 1e-12)
        if np.count_nonzero(lift >= MIN_LIFT) >= 2:
            strong = lift >= MIN_LIFT
            columns, documents, share, lift = (a[strong] for a in (columns, documents, share, lift))
        closed = _closed(index, columns, documents)
        columns, share, lift = columns[closed], share[closed], lift[closed]
        scores = share * np.log(np.maximum(lift, 1.0)) + _UNINFORMATIVE * share
        # Best first; ties by the phrase's place in the sorted keys, so it is deterministic.
        best = np.argsort(-scores, kind="stable")[:size]
        lists.append([int(j) for j in columns[best]])
        kept.append(scores[best])
    return lists, kept


# As in models.words: a phrase no more common in the topic than in the corpus keeps a tiny
# score, so that it ranks after every informative one.
_UNINFORMATIVE = 1e-9


def _closed(index: PhraseIndex, columns: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Which of ``columns`` remain once a longer phrase among them that at least
    ``SUBSUMED`` of their documents also use takes their place."""
    where = {index.keys[j]: k for k, j in enumerate(columns)}
    keep = np.ones(len(columns), dtype=bool)
    for key, k in where.items():
        tokens = key.split(KEY_JOIN)
        for n in range(1, len(tokens)):
            for start in range(len(tokens) - n + 1):
                part = where.get(KEY_JOIN.join(tokens[start : start + n]))
                if part is not None and documents[k] >= SUBSUMED * documents[part]:
                    keep[part] = False
    return keep


@dataclass
class _Space:
    """Phrases and topics in the encoder's space (unit vectors), or None without one."""

    index: PhraseIndex
    phrases: dict[int, np.ndarray] | None  # index column -> vector
    topics: np.ndarray | None  # topic -> vector

    @classmethod
    def of(cls, index, shortlists, assignments, words, vectors, encoder) -> _Space:
        if encoder is None:
            return cls(index, None, None)
        topics = _topic_vectors(assignments, len(shortlists), words, vectors, encoder)
        pool = sorted({j for short in shortlists for j in short})
        if topics is None or not pool:
            return cls(index, None, None)
        embedded = _unit(encoder([index.spellings[j] for j in pool]))
        return cls(index, dict(zip(pool, embedded, strict=True)), topics)

    def similarity(self, j: int, others: Sequence[int]) -> float:
        """The largest similarity of phrase ``j`` to ``others``: cosine, or the Jaccard
        overlap of their words without an encoder."""
        if not others:
            return 0.0
        if self.phrases is not None:
            return float(np.max(np.stack([self.phrases[k] for k in others]) @ self.phrases[j]))
        mine = self.index.tokens(j)
        return max(len(mine & (t := self.index.tokens(k))) / len(mine | t) for k in others)


def _relevance(space: _Space, topic: int, short: list[int], scores: np.ndarray) -> np.ndarray:
    """How well each shortlisted phrase fits the topic: cosine to the topic plus
    ``KL_WEIGHT`` times its normalised KL score (the KL score alone without an encoder)."""
    kl = scores / scores.max() if len(scores) and scores.max() > 0 else np.zeros(len(short))
    if space.phrases is None:
        return kl
    cosine = np.array([space.phrases[j] @ space.topics[topic] for j in short])
    return cosine + KL_WEIGHT * kl


def _compose(index, space, short, relevance, taken, diversity, names):
    """The best name from one topic's shortlist by maximal marginal relevance, against the
    phrases other topics' names hold, as ``(name, phrases)``; None when no phrase gives a
    name that is not taken yet."""
    given = {n.lower() for n in names}
    against = np.array([space.similarity(j, taken) for j in short])
    order = np.argsort(-((1 - diversity) * relevance - diversity * against), kind="stable")
    for i in order:
        head = index.spellings[short[i]]
        if word_count(head) > MAX_WORDS or head.lower() in given:
            continue
        if word_count(head) >= MIN_WORDS:
            return head, [short[i]]
        # A single word: join the best phrase that shares no word with it.
        best, best_score = None, -np.inf
        for k, j in enumerate(short):
            tail = index.spellings[j]
            if k == i or index.tokens(j) & index.tokens(short[i]):
                continue
            if word_count(head) + word_count(tail) > MAX_WORDS or f"{head} {tail}".lower() in given:
                continue
            redundancy = max(against[k], space.similarity(j, [short[i]]))
            score = (1 - diversity) * relevance[k] - diversity * redundancy
            if score > best_score:
                best, best_score = k, score
        if best is not None:
            return f"{head} {index.spellings[short[best]]}", [short[i], short[best]]
    return None


def _topic_vectors(
    assignments: np.ndarray,
    n_topics: int,
    words: list[list[str]],
    vectors: np.ndarray | None,
    encoder: Encoder,
) -> np.ndarray | None:
    """Each topic's direction in the encoder's space: the centroid of its documents'
    vectors, else (no vectors, or no documents) the embedding of its top words."""
    centers: np.ndarray | None = None
    missing = list(range(n_topics))
    if vectors is not None and len(vectors):
        unit = _unit(vectors)
        centers = np.zeros((n_topics, unit.shape[1]))
        for topic in range(n_topics):
            members = assignments == topic
            if members.any():
                centers[topic] = unit[members].mean(axis=0)
        missing = [t for t in range(n_topics) if not centers[t].any()]
    described = [t for t in missing if words[t]]
    if described:
        texts = [" ".join(_plain(w) for w in words[t][:10]) for t in described]
        embedded = _unit(encoder(texts))
        if centers is None:
            centers = np.zeros((n_topics, embedded.shape[1]))
        centers[described] = embedded
    return None if centers is None else _unit(centers)


def _fallback(words: Sequence[str], topic: int, names: Iterable[str]) -> str:
    """A name from the topic's top words when no phrase gives one: the first words that
    make 2 to 4 words and a name not given yet, else ``topic <id>``."""
    given = {n.lower() for n in names}
    name: list[str] = []
    for word in words:
        part = _plain(word).split()
        if len(name) + len(part) > MAX_WORDS:
            continue
        name += part
        if len(name) >= MIN_WORDS and " ".join(name).lower() not in given:
            return " ".join(name)
    return f"topic {topic}"


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
