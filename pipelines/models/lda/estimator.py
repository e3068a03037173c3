"""LDA as a scikit-learn-style estimator around gensim.

``__init__`` only stores parameters; ``fit`` validates them and sets the fitted
state (``components_``, ``vocabulary_``, ``model_``); the other methods are
guarded by ``check_is_fitted``. Input documents are token lists from
:class:`topicflow.pipelines.text.preprocess.Preprocessor`, so LDA sees the shared vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from gensim.corpora import Dictionary
from gensim.models import LdaModel, LdaMulticore
from sklearn.base import BaseEstimator
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils.validation import check_is_fitted

from topicflow.pipelines.models.expected_warnings import ignore_nmf_convergence
from topicflow.pipelines.models.words import count_matrix

Prior = str | float

# ``passes="auto"``: as many passes as make about this many document visits, 1 to 10.
# Online variational Bayes from the NMF start has settled long before ten passes over a
# large corpus (Hoffman et al. 2010 fit millions of documents in one): measured with 40
# topics, 20 Newsgroups (18,846 posts) scored NPMI 0.063 after 1 pass, 0.062 after 3 and
# 0.060 after 10; 100,000 sentences -0.060 after 1, -0.053 after 2 and -0.049 after 10,
# for 5.5x the time. A corpus of fewer than 10,000 documents keeps all ten passes.
AUTO_PASS_VISITS = 100_000
MAX_AUTO_PASSES = 10
# The NMF start stops after this many iterations: it only has to put every topic on a
# theme that LDA then refines. Measured (20 topics, 10 passes), NPMI after 50 iterations
# against 300: BBC News 0.147 / 0.136, OCTIS BBC 0.154 / 0.153, and with 40 topics on
# 20 Newsgroups 0.069 / 0.059; the start itself takes 5 s instead of 27 there.
NMF_START_ITERATIONS = 50
# ...on at most this many documents (a seeded sample, as UMAP's fit_sample): the start
# needs the themes, not every document, and NMF holds a documents x topics matrix and its
# products (about 1 GB for 40 topics of a million documents).
NMF_START_SAMPLE = 20_000


def auto_passes(n_documents: int) -> int:
    """The passes ``passes="auto"`` makes over ``n_documents`` (see AUTO_PASS_VISITS)."""
    return int(min(MAX_AUTO_PASSES, max(1, -(-AUTO_PASS_VISITS // max(n_documents, 1)))))


class LdaTopicModel(BaseEstimator):
    """Latent Dirichlet allocation (online variational Bayes, gensim).

    ``alpha``: "symmetric", "asymmetric", "auto" (learned from the data) or a number.
    ``eta``: "symmetric", "auto" (learned) or a number. A learned ``alpha`` needs
    gensim's single-process ``LdaModel``; otherwise ``workers > 1`` uses
    ``LdaMulticore`` (faster on many cores, but the order in which workers report
    makes the result vary between runs: ``workers=1`` is exactly reproducible).

    ``passes``: a number, or "auto" (:func:`auto_passes`: fewer passes over a large
    corpus; the passes made are ``passes_``).

    ``init="nmf"`` starts the topic-word statistics from an NMF of the TF-IDF matrix
    instead of gensim's random start. Online variational Bayes started at random
    leaves many topics nearly empty on corpora of a few thousand documents, and
    those dead topics carry junk words; started from NMF every topic begins on a
    real theme and LDA refines it. On the OCTIS BBC benchmark this lifts mean NPMI
    from about 0.05 to about 0.13 (``benchmarks/results/lda_octis_bbc.md``).

    Top words are ranked by relevance (Sievert & Shirley 2014, the LDAvis ranking):
    ``relevance * log p(w|t) + (1 - relevance) * log(p(w|t) / p(w))``, where p(w) is
    the word's share of the corpus. ``relevance=1`` ranks by plain probability; lower
    values demote words that are frequent everywhere, which raises both diversity
    and coherence on the benchmark.
    """

    def __init__(
        self,
        n_topics: int = 10,
        *,
        passes: int | str = 10,
        iterations: int = 400,
        chunksize: int = 256,
        alpha: Prior = "auto",
        eta: Prior = "auto",
        decay: float = 0.7,
        offset: float = 16.0,
        init: str = "nmf",
        relevance: float = 0.8,
        workers: int = 1,
        random_state: int | None = None,
    ) -> None:
        self.n_topics = n_topics
        self.passes = passes
        self.iterations = iterations
        self.chunksize = chunksize
        self.alpha = alpha
        self.eta = eta
        self.decay = decay
        self.offset = offset
        self.init = init
        self.relevance = relevance
        self.workers = workers
        self.random_state = random_state

    def fit(
        self, documents: Sequence[Sequence[str]], y=None, vocabulary: Dictionary | None = None
    ) -> LdaTopicModel:
        """Fit on token lists; ``vocabulary`` (a gensim Dictionary) defaults to their words."""
        self._validate()
        vocabulary = vocabulary if vocabulary is not None else Dictionary(documents)
        counts = count_matrix(documents, vocabulary)
        if not counts.nnz:
            raise ValueError("LDA needs at least one document with a word in the vocabulary")
        self.passes_ = auto_passes(counts.shape[0]) if self.passes == "auto" else int(self.passes)
        common = dict(
            id2word=vocabulary,
            num_topics=self.n_topics,
            passes=self.passes_,
            iterations=self.iterations,
            chunksize=self.chunksize,
            alpha=self.alpha,
            eta=self.eta,
            decay=self.decay,
            offset=self.offset,
            random_state=self.random_state,
            eval_every=None,  # perplexity logging costs a pass over the corpus
            minimum_probability=0.0,
        )
        if self.workers > 1 and self.alpha != "auto":
            model = LdaMulticore(workers=self.workers, **common)
        else:
            model = LdaModel(**common)
        if self.init == "nmf":
            start = self._nmf_topics(counts)
            model.state.sstats[...] = start * (counts.sum() / self.n_topics)
            model.sync_state()
        model.update(RowCorpus(counts))
        self.model_ = model
        topics = self.model_.get_topics().astype(np.float64)
        self.components_ = topics / topics.sum(axis=1, keepdims=True)
        frequencies = np.asarray(counts.sum(axis=0)).ravel()
        self.word_probabilities_ = (frequencies + 1) / (frequencies.sum() + len(vocabulary))
        self.vocabulary_ = vocabulary
        self.n_features_in_ = len(vocabulary)
        return self

    def transform(self, documents: Sequence[Sequence[str]]) -> np.ndarray:
        """Document-topic proportions, one row per document, each row summing to 1.

        A document with no word in the vocabulary gets the prior's proportions. float32,
        gensim's precision: a million documents x 40 topics are 160 MB.
        """
        check_is_fitted(self, "components_")
        theta = np.zeros((len(documents), self.n_topics), dtype=np.float32)
        for row, bow in enumerate(RowCorpus(count_matrix(documents, self.vocabulary_))):
            for topic, prob in self.model_.get_document_topics(bow, minimum_probability=0.0):
                theta[row, topic] = prob
        theta /= theta.sum(axis=1, keepdims=True)  # in place
        return theta

    def top_words(self, n: int = 10) -> list[list[str]]:
        """Each topic's ``n`` most relevant words, best first (see the class docstring)."""
        return [[self.vocabulary_[i] for i in row] for row in self._top_ids(n)]

    def top_word_weights(self, n: int = 10) -> list[list[float]]:
        """p(word | topic) for the words of :meth:`top_words`."""
        return [
            [float(self.components_[t, i]) for i in row] for t, row in enumerate(self._top_ids(n))
        ]

    def _top_ids(self, n: int) -> np.ndarray:
        check_is_fitted(self, "components_")
        return relevance_order(self.components_, self.word_probabilities_, self.relevance, n)

    def _nmf_topics(self, counts: sp.csr_matrix) -> np.ndarray:
        """Topic-word rows (each summing to 1) from an NMF of the sublinear TF-IDF matrix
        (of a seeded sample of ``NMF_START_SAMPLE`` documents on a larger corpus)."""
        if counts.shape[0] > NMF_START_SAMPLE:
            rng = np.random.default_rng(self.random_state)
            counts = counts[np.sort(rng.choice(counts.shape[0], NMF_START_SAMPLE, replace=False))]
        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        # NNDSVD is deterministic given the seed and needs k <= min(docs, words).
        nndsvd = self.n_topics <= min(tfidf.shape)
        nmf = NMF(
            self.n_topics,
            init="nndsvda" if nndsvd else "random",
            max_iter=NMF_START_ITERATIONS,
            random_state=self.random_state,
        )
        ignore_nmf_convergence()  # a start needs no convergence: LDA's passes refine it
        nmf.fit(tfidf)
        start = nmf.components_ + 1e-9
        return start / start.sum(axis=1, keepdims=True)

    def _validate(self) -> None:
        if not isinstance(self.n_topics, int | np.integer) or self.n_topics < 1:
            raise ValueError(f"n_topics must be a positive integer, got {self.n_topics!r}")
        if self.passes != "auto" and (
            not isinstance(self.passes, int | np.integer) or self.passes < 1
        ):
            raise ValueError(f"passes must be 'auto' or an integer >= 1, got {self.passes!r}")
        for name in ("iterations", "chunksize", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.relevance <= 1:
            raise ValueError(f"relevance must be in [0, 1], got {self.relevance}")
        if self.init not in ("nmf", "random"):
            raise ValueError(f"init must be 'nmf' or 'random', got {self.init!r}")
        if isinstance(self.eta, str) and self.eta not in ("symmetric", "auto"):
            raise ValueError(f"eta must be 'symmetric', 'auto' or a number, got {self.eta!r}")
        if isinstance(self.alpha, str) and self.alpha not in ("symmetric", "asymmetric", "auto"):
            raise ValueError(
                f"alpha must be 'symmetric', 'asymmetric', 'auto' or a number, got {self.alpha!r}"
            )


def relevance_order(
    components: np.ndarray, word_probabilities: np.ndarray, relevance: float, n: int
) -> np.ndarray:
    """Each topic's ``n`` most relevant word ids (the LDAvis ranking of the class
    docstring) for topic-word distributions ``components``."""
    with np.errstate(divide="ignore"):
        log_topic = np.log(components)
    lift = log_topic - np.log(word_probabilities)
    score = relevance * log_topic + (1 - relevance) * lift
    return np.argsort(-score, axis=1, kind="stable")[:, :n]


class RowCorpus:
    """A documents x vocabulary count matrix as the bag-of-words corpus gensim streams:
    each row's ``(word id, count)`` pairs, made a chunk at a time as gensim reads them.
    The CSR matrix takes 12 bytes per distinct word of a document, where a list of
    gensim's bag-of-words tuples takes about 100 (a gigabyte for a million short texts)."""

    def __init__(self, counts: sp.csr_matrix) -> None:
        self.counts = counts

    def __len__(self) -> int:
        return self.counts.shape[0]

    def __iter__(self) -> Iterator[list[tuple[int, float]]]:
        indptr, indices, data = self.counts.indptr, self.counts.indices, self.counts.data
        for start, end in zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True):
            yield list(zip(indices[start:end].tolist(), data[start:end].tolist(), strict=True))
