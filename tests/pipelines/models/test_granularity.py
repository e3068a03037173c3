"""The granularity rule on planted themes: the planted count, catch-alls and broad themes,
and on documents of two words, where it scores word vectors instead of NPMI."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.evaluate.coherence import weighted_mean, word_cosine
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.granularity.rule import cut_assignments
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel
from topicflow.pipelines.models.words import class_tfidf, top_terms


def _corpus(n_themes: int, encoder=None, **planted) -> tuple[PreparedCorpus, list[int]]:
    docs, truth, _ = block_corpus(n_topics=n_themes, seed=2, **({"docs_per_topic": 30} | planted))
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), encoder=encoder)
    return corpus, truth


def _fit(n_themes: int, encoder=None, max_topics: int = 8, **planted):
    corpus, truth = _corpus(n_themes, encoder, **planted)
    granularity = GranularityConfig(min_topics=2, max_topics=max_topics, documents_per_leaf=15)
    model = NmfModel(NmfConfig(), random_state=0, granularity=granularity).fit(corpus)
    return model, truth


def _theme_vectors(n_themes: int, words_per_topic: int, shared: float = 0.0):
    """An encoder placing each theme's words around the theme's own axis (block_corpus
    names word w of theme t "t{t}w{w}"), with seeded noise in 8 more dimensions, and
    ``shared`` on one axis common to every word: real word vectors rate any two words
    as somewhat alike (MiniLM: cosine about 0.25 between unrelated words)."""
    rng = np.random.default_rng(0)
    table = {}
    for t in range(n_themes):
        for w in range(words_per_topic):
            table[f"t{t}w{w}"] = np.concatenate(
                [np.eye(n_themes)[t], rng.normal(0, 0.3, 8), [shared]]
            )
    return lambda texts: np.array([table[text] for text in texts])


SHORT_CORPUS = {"docs_per_topic": 60, "words_per_topic": 30, "doc_length": 2}
SHORT = {**SHORT_CORPUS, "max_topics": 10}


def test_merged_unrelated_themes_are_catch_alls_and_the_planted_count_is_chosen():
    model, truth = _fit(4)
    catch_alls = {level["n_topics"]: level["catch_alls"] for level in model.levels_}
    assert catch_alls[2] == 2 and catch_alls[3] == 1 and catch_alls[4] == 0
    assert model.preferred_ == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


def test_three_broad_themes_are_not_catch_alls_though_each_holds_a_third():
    model, truth = _fit(3)
    three = next(level for level in model.levels_ if level["n_topics"] == 3)
    assert three["largest_share"] == pytest.approx(1 / 3) and three["catch_alls"] == 0
    assert model.preferred_ == 3
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


def test_min_topics_above_max_topics_is_refused():
    with pytest.raises(ValueError, match="min_topics"):
        GranularityConfig(min_topics=9, max_topics=4)


@pytest.mark.parametrize("n_themes", [4, 5])
def test_on_two_word_documents_the_rule_scores_word_vectors_and_finds_the_themes(n_themes):
    # Two words a document out of 30 a theme: most pairs of a theme's top words never
    # meet in a document, so their NPMI is about -1 whatever the cut.
    encoder = _theme_vectors(n_themes, SHORT["words_per_topic"])
    model, truth = _fit(n_themes, encoder, **SHORT)
    assert all(level["unseen_pairs"] > 0.5 for level in model.levels_)
    assert {level["measure"] for level in model.levels_} == {"word_cosine"}
    assert model.preferred_ == n_themes
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    # The score is the word cosine of the words each topic's documents share.
    chosen = next(level for level in model.levels_ if level["chosen"])
    assert chosen["score"] == pytest.approx(_word_cosine_of_cut(n_themes, encoder), abs=1e-6)
    assert chosen["score"] > 0.4 and chosen["npmi"] < 0


def _word_cosine_of_cut(n_themes: int, encoder) -> float:
    """The chosen cut's document-weighted word cosine, recomputed from the grown tree (NMF
    refits the level it reports, so the fitted model's leaves are not the rule's)."""
    corpus, _ = _corpus(n_themes, encoder, **SHORT_CORPUS)
    granularity = GranularityConfig(min_topics=2, max_topics=10, documents_per_leaf=15)
    grown = NmfModel(NmfConfig(), random_state=0, granularity=granularity).grow(corpus)
    labels = cut_assignments(grown.tree_, grown.leaf_assignments_, grown.preferred_)
    class_words = class_tfidf(corpus.counts, labels, grown.preferred_)
    words, _ = top_terms(class_words, corpus.vocabulary, 10)
    sizes = np.bincount(labels[labels >= 0], minlength=grown.preferred_)
    return weighted_mean(word_cosine(words, encoder), sizes)


@pytest.mark.parametrize("shared", [0.0, 1.0])
@pytest.mark.parametrize("n_themes", [2, 3])
def test_on_two_word_documents_broad_themes_are_kept_whole(n_themes, shared):
    # Each theme holds a third or a half of the documents, above max_topic_share; its
    # halves are more alike in word-vector space than two themes are, so it is no
    # catch-all. A cut that merges two themes is one: its parts are no more alike than
    # any two topics, even when every word shares a common direction (shared=1: unrelated
    # words at cosine about 0.37, as generic words are in real word vectors).
    encoder = _theme_vectors(n_themes, SHORT["words_per_topic"], shared)
    model, truth = _fit(n_themes, encoder, **SHORT)
    catch_alls = {level["n_topics"]: level["catch_alls"] for level in model.levels_}
    assert all(catch_alls[k] >= 1 for k in range(2, n_themes))
    assert catch_alls[n_themes] == 0 and catch_alls[n_themes + 2] == 0
    # Three themes without a shared direction: the 4-topic cut scores above the 3-topic
    # one by more than the tolerance, so one theme is split once (a choice of score,
    # not a catch-all); no chosen topic mixes themes.
    assert n_themes <= model.preferred_ <= n_themes + 1
    chosen = model.topics_.assignments
    assert all(len(set(np.asarray(truth)[chosen == t])) == 1 for t in set(chosen.tolist()))


@pytest.mark.parametrize("n_themes", [4, 5])
def test_without_an_encoder_two_word_documents_fall_back_to_npmi_and_say_so(n_themes, caplog):
    with caplog.at_level(logging.WARNING):
        model, _ = _fit(n_themes, None, **SHORT)
    assert "no encoder is at hand" in caplog.text
    assert {level["measure"] for level in model.levels_} == {"npmi"}
    assert all(level["score"] == level["npmi"] for level in model.levels_)


def test_long_documents_keep_npmi_and_never_call_the_encoder():
    def encoder(texts):
        raise AssertionError("the encoder was called")

    model, truth = _fit(4, encoder)
    # 40 words a document: a theme's words all meet (merged themes' words do not).
    four = next(level for level in model.levels_ if level["n_topics"] == 4)
    assert four["unseen_pairs"] == 0
    assert {level["measure"] for level in model.levels_} == {"npmi"}
    assert all(level["score"] == level["npmi"] for level in model.levels_)
    assert model.preferred_ == 4


REAL_THEMES = {
    "football": "goal striker league referee stadium midfielder penalty coach fixture "
    "tournament defender goalkeeper transfer kickoff offside trophy squad dribble header "
    "cup",
    "baking": "flour oven dough butter sugar yeast cake bread pastry muffin cookie frosting "
    "whisk vanilla biscuit icing crust loaf knead batter",
    "computers": "printer keyboard monitor driver motherboard laptop mouse processor "
    "software hardware disk memory modem graphics compiler server firmware router "
    "desktop bios",
    "space": "orbit rocket satellite astronaut launch galaxy telescope comet planet shuttle "
    "asteroid lunar spacecraft nebula cosmonaut mars meteor capsule moon starship",
}


def _real_titles(n_themes: int) -> tuple[PreparedCorpus, list[int]]:
    """Two-word "titles" drawn within the first ``n_themes`` of REAL_THEMES, 60 a theme,
    with the run's real encoder (MiniLM, offline)."""
    from topicflow.pipelines.config import Config
    from topicflow.pipelines.vectors.encoder import LazyEncoder

    rng = np.random.default_rng(3)
    themes = [words.split() for words in REAL_THEMES.values()][:n_themes]
    n = 60 * n_themes
    docs = [list(rng.choice(themes[d % n_themes], size=2, replace=False)) for d in range(n)]
    encoder = LazyEncoder(Config().embedder)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), encoder=encoder)
    return corpus, [d % n_themes for d in range(n)]


def _fit_real(corpus: PreparedCorpus, max_unseen_pairs: float = 0.5) -> NmfModel:
    granularity = GranularityConfig(
        min_topics=2, max_topics=10, documents_per_leaf=15, max_unseen_pairs=max_unseen_pairs
    )
    return NmfModel(NmfConfig(), random_state=0, granularity=granularity).fit(corpus)


@pytest.mark.slow
def test_the_real_model_scores_titles_of_two_words_by_their_word_vectors():
    # Four themes of 20 real words each: NPMI cannot see that "oven" and "muffin" belong
    # together, the embedding model can.
    corpus, truth = _real_titles(4)
    model = _fit_real(corpus)
    assert {level["measure"] for level in model.levels_} == {"word_cosine"}
    assert model.preferred_ == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    assert _fit_real(corpus, max_unseen_pairs=1.0).preferred_ != 4  # NPMI splits a theme


@pytest.mark.slow
@pytest.mark.parametrize("n_themes", [2, 3])
def test_the_real_model_keeps_two_or_three_broad_themes_of_titles_whole(n_themes):
    # Each theme holds a third or half of the titles. Football's players' positions
    # ("goalkeeper", "striker", "defender") are tighter than the rest of football, and
    # all these words share MiniLM's common direction; still football's halves are
    # clearly closer to each other than football is to baking.
    corpus, truth = _real_titles(n_themes)
    model = _fit_real(corpus)
    assert model.preferred_ == n_themes
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
