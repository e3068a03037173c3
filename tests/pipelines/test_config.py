"""The config tree: defaults documented in default.yaml, strict validation, one-line errors."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from topicflow.pipelines.config import Config, load_config
from topicflow.pipelines.errors import ConfigError

DEFAULT_YAML = PROJECT_ROOT / "configs" / "default.yaml"


def _keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def test_default_yaml_lists_every_knob_with_its_default():
    data = yaml.safe_load(DEFAULT_YAML.read_text())
    assert _keys(data) == _keys(Config().to_dict())
    assert load_config(DEFAULT_YAML) == Config()


def test_every_knob_in_default_yaml_has_a_comment():
    lines = DEFAULT_YAML.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*[a-z_]+:\s*\S", line):  # a key with a value (not a section header)
            assert lines[i - 1].strip().startswith("#"), f"no comment above: {line.strip()}"


@pytest.mark.parametrize("name", ["default.yaml", "smoke.yaml"])
def test_shipped_configs_are_valid(name):
    load_config(PROJECT_ROOT / "configs" / name)


def test_overrides_apply_and_none_means_not_given(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: 3\ncorpus:\n  text_field: body\n")
    cfg = load_config(path, {"seed": None, "corpus": {"label_field": "topic", "text_field": None}})
    assert (cfg.seed, cfg.corpus.text_field, cfg.corpus.label_field) == (3, "body", "topic")


def test_unknown_key_is_named_with_the_allowed_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("corpus:\n  txt_field: body\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(
        f"invalid {path}: corpus.txt_field: unknown key (allowed keys: format, text_field"
    )


def test_unknown_top_level_section(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("sed: 1\n")
    with pytest.raises(
        ConfigError,
        match=r"sed: unknown key \(allowed keys: lda, nmf, embedding, seed, top_words, models, "
        r"corpus, preprocess, embedder, compare, naming, granularity, stability, history, "
        r"update, incremental, over_time, limits\)",
    ):
        load_config(path)


def test_out_of_range_value_names_key_and_range(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("corpus:\n  min_documents: 1\n")
    with pytest.raises(
        ConfigError,
        match=r"corpus\.min_documents: Input should be greater than or equal to 2 "
        r"\(allowed: >= 2 and <= 1000000, got 1\)$",
    ):
        load_config(path)


def test_bad_choice_lists_the_choices():
    with pytest.raises(
        ConfigError,
        match=r"corpus\.format: .*\(allowed: auto \| txt \| lines \| csv \| tsv \| jsonl "
        r"\| parquet, got 'xml'\)",
    ):
        load_config(None, {"corpus": {"format": "xml"}})


def test_negative_seed_from_the_command_line():
    with pytest.raises(
        ConfigError, match=r"^invalid config: seed: .*\(allowed: >= 0 and <= 4294967295, got -1\)$"
    ):
        load_config(None, {"seed": -1})


@pytest.mark.parametrize("passes", [0, "often"])
def test_lda_passes_are_auto_or_a_count(passes):
    assert load_config().lda.passes == "auto"
    assert load_config(None, {"lda": {"passes": 3}}).lda.passes == 3
    with pytest.raises(
        ConfigError,
        match=r"^invalid config: lda\.passes: .*\(allowed: an integer >= 1 and <= 1000 \| auto, ",
    ):
        load_config(None, {"lda": {"passes": passes}})


@pytest.mark.parametrize("no_below", [0, "sometimes"])
def test_no_below_is_auto_or_a_count(no_below):
    assert load_config().preprocess.no_below == 5
    assert load_config(None, {"preprocess": {"no_below": "auto"}}).preprocess.no_below == "auto"
    with pytest.raises(
        ConfigError,
        match=r"^invalid config: preprocess\.no_below: .*\(allowed: an integer >= 1 .*\| auto, ",
    ):
        load_config(None, {"preprocess": {"no_below": no_below}})


def test_wrong_type(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: lots\n")
    with pytest.raises(ConfigError, match=r"seed: Input should be a valid integer"):
        load_config(path)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("seed: 1\ncorpus:\n  text_field: [unclosed\n")
    with pytest.raises(ConfigError, match=r"is not valid YAML at line \d+"):
        load_config(path)


def test_config_must_be_a_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match=r"must hold a mapping of keys, not list"):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"^config file not found: .*absent\.yaml$"):
        load_config(tmp_path / "absent.yaml")


def test_empty_config_file_means_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("# nothing set\n")
    assert load_config(path) == Config()


def test_keys_of_the_two_model_layout_say_where_they_moved(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("embedding:\n  backend: torch\numap:\n  n_neighbors: 5\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"invalid {path}: embedding.backend: moved to embedder.backend; "
        "umap: moved to embedding.umap"
    )


def test_models_are_checked_against_the_registry():
    with pytest.raises(ConfigError, match=r"models: .*unknown model 'bert' \(known: lda, nmf"):
        load_config(overrides={"models": ["lda", "bert"]})
    with pytest.raises(ConfigError, match="a model is listed twice"):
        load_config(overrides={"models": ["lda", "lda"]})
    assert load_config(overrides={"models": ["nmf"]}).required_documents() == 20


def test_the_stage_time_limit_is_off_by_default_and_positive_when_set():
    assert load_config().limits.stage_timeout_s is None
    assert load_config(overrides={"limits": {"stage_timeout_s": 2.5}}).limits.stage_timeout_s == 2.5
    with pytest.raises(ConfigError, match=r"limits\.stage_timeout_s: .*greater than 0"):
        load_config(overrides={"limits": {"stage_timeout_s": 0}})
