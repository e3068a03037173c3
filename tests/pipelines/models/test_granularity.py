"""The granularity rule on planted themes: the planted count, catch-alls and broad themes,
and on documents of two words, where it scores word vectors instead of NPMI."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from gensim.corpora import Dictionary
from sklearn.metrics import adjusted_rand_score

from tests.planted import block_corpus
from topicflow.pipelines.models.base import PreparedCorpus
from topicflow.pipelines.models.granularity.config import GranularityConfig
from topicflow.pipelines.models.nmf.config import NmfConfig
from topicflow.pipelines.models.nmf.model import NmfModel


def _fit(n_themes: int, encoder=None, max_topics: int = 8, **planted):
    docs, truth, _ = block_corpus(n_topics=n_themes, seed=2, **({"docs_per_topic": 30} | planted))
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), encoder=encoder)
    granularity = GranularityConfig(min_topics=2, max_topics=max_topics, documents_per_leaf=15)
    model = NmfModel(NmfConfig(), random_state=0, granularity=granularity).fit(corpus)
    return model, truth


def _theme_vectors(n_themes: int, words_per_topic: int):
    """An encoder placing each theme's words around the theme's own axis (block_corpus
    names word w of theme t "t{t}w{w}"), with seeded noise in 8 more dimensions."""
    rng = np.random.default_rng(0)
    table = {}
    for t in range(n_themes):
        for w in range(words_per_topic):
            table[f"t{t}w{w}"] = np.concatenate([np.eye(n_themes)[t], rng.normal(0, 0.3, 8)])
    return lambda texts: np.array([table[text] for text in texts])


SHORT = {"docs_per_topic": 60, "words_per_topic": 30, "doc_length": 2, "max_topics": 10}


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
    assert all(level["score"] != level["npmi"] for level in model.levels_)
    assert model.preferred_ == n_themes
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0


@pytest.mark.parametrize("n_themes", [4, 5])
def test_without_an_encoder_two_word_documents_fall_back_to_npmi_and_say_so(n_themes, caplog):
    with caplog.at_level(logging.WARNING):
        model, truth = _fit(n_themes, None, **SHORT)
    assert "no encoder is at hand" in caplog.text
    assert {level["measure"] for level in model.levels_} == {"npmi"}
    # What scoring NPMI there costs: it splits the planted themes.
    assert model.preferred_ > n_themes
    assert adjusted_rand_score(truth, model.topics_.assignments) < 0.9


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


@pytest.mark.slow
def test_the_real_model_scores_titles_of_two_words_by_their_word_vectors():
    # Two-word "titles" drawn within four themes of 20 real words each: NPMI cannot see
    # that "oven" and "muffin" belong together, the embedding model can.
    from topicflow.pipelines.config import Config
    from topicflow.pipelines.vectors.encoder import LazyEncoder

    rng = np.random.default_rng(3)
    themes = [words.split() for words in REAL_THEMES.values()]
    docs = [list(rng.choice(themes[d % 4], size=2, replace=False)) for d in range(240)]
    truth = [d % 4 for d in range(240)]
    encoder = LazyEncoder(Config().embedder)
    corpus = PreparedCorpus([" ".join(d) for d in docs], docs, Dictionary(docs), encoder=encoder)
    models = {
        unseen: NmfModel(
            NmfConfig(),
            random_state=0,
            granularity=GranularityConfig(
                min_topics=2, max_topics=10, documents_per_leaf=15, max_unseen_pairs=unseen
            ),
        ).fit(corpus)
        for unseen in (0.5, 1.0)  # the default, and NPMI always
    }
    model = models[0.5]
    assert {level["measure"] for level in model.levels_} == {"word_cosine"}
    assert model.preferred_ == 4
    assert adjusted_rand_score(truth, model.topics_.assignments) == 1.0
    assert models[1.0].preferred_ != 4  # NPMI splits a theme
