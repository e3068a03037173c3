"""The report's "Topic lives" section and report.md's line, on a hand-written run
directory (:mod:`tests.synthetic_run`) given a ``lives`` with hostile names, words and
run ids; and no section at all when nothing has lived through two runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.synthetic_run import HOSTILE_NAME, write_synthetic_run
from topicflow.pipelines.io.run_files import METRICS_FILE, load_run, write_metrics
from topicflow.pipelines.report.escape import html_text, markdown_text
from topicflow.pipelines.report.html import render_html
from topicflow.pipelines.report.lives_html import PAD, SPARK_HEIGHT, SPARK_WIDTH
from topicflow.pipelines.report.markdown import render_markdown

# A run id is made from the corpus name, which the user chooses.
HOSTILE_RUN = '20261120-060000-<img src=x onerror="window.__pwned = 5">-aaaaaa'
RUNS = [HOSTILE_RUN, "20261121-060000-synthetic-bbbbbb", "20261122-060000-synthetic-abcdef"]


def _step(run: int, topic: int, size: int) -> dict:
    return {"run_id": RUNS[run], "topic": topic, "size": size, "share": size / 40}


LIVES = {
    "window": 10,
    "runs": [{"run_id": r, "finished_at": f"2026-11-2{i}T06:00:05+00:00"}
             for i, r in enumerate(RUNS)],
    "models": {
        "lda": [
            {"topic": 0, "name": HOSTILE_NAME, "words": ["<script>alert(1)</script>", "a|b"],
             "steps": [_step(0, 2, 5), _step(1, 1, 8), _step(2, 0, 10)]},
            {"topic": 2, "words": ["league", "football"],
             "steps": [_step(1, 0, 10), _step(2, 2, 20)]},
        ],
        "nmf": [],
        "embedding": [{"topic": 1, "name": "rocket launch", "words": ["rocket"],
                       "steps": [_step(0, 0, 10), _step(1, 1, 10), _step(2, 1, 10)]}],
    },
}  # fmt: skip


def _with_lives(parent: Path, lives: dict | None) -> Path:
    path = write_synthetic_run(parent)
    metrics = json.loads((path / METRICS_FILE).read_text())
    write_metrics(path, {**metrics, "lives": lives})
    return path


@pytest.fixture(scope="module")
def lived(tmp_path_factory) -> Path:
    return _with_lives(tmp_path_factory.mktemp("lives"), LIVES)


def test_each_living_topic_has_a_row_and_a_sparkline_per_model(lived):
    page = render_html(load_run(lived))
    section = page.split('<section id="topic-lives">', 1)[1].split("</section>", 1)[0]
    assert section.startswith("<h2>Topic lives</h2>")
    assert "through the corpus's last 3 runs" in section
    assert [h.split("</h3>")[0] for h in section.split("<h3>")[1:]] == ["LDA", "Embedding"]
    assert section.count("<svg ") == 3 and section.count("<circle ") == 3 + 2 + 3
    assert "<td>2: league football</td><td>2</td><td>10 → 20</td>" in section
    # League football: the second and third of three slots, from 10 to 20 of 40 documents,
    # drawn from 0 (bottom) to its own largest share (top).
    step = (SPARK_WIDTH - 2 * PAD) / 2
    points = f"{PAD + step:.1f},{SPARK_HEIGHT - PAD - (SPARK_HEIGHT - 2 * PAD) / 2:.1f} "
    points += f"{PAD + 2 * step:.1f},{PAD:.1f}"
    assert f'<polyline points="{points}"' in section
    # Rocket launch: the same share in every run, a level line at the top.
    level = " ".join(f"{PAD + i * step:.1f},{PAD:.1f}" for i in range(3))
    assert f'<polyline points="{level}"' in section
    assert (
        "<title>20261121-060000-synthetic-bbbbbb: topic 0, 10 documents (25.0%)</title>" in section
    )
    # Where the section goes: after "What changed", before the document map.
    assert page.index("What changed") < page.index("Topic lives") < page.index("Document map")


def test_hostile_names_words_and_run_ids_stay_text(lived):
    page = render_html(load_run(lived))
    section = page.split('<section id="topic-lives">', 1)[1].split("</section>", 1)[0]
    assert "<img" not in section and "<script>" not in section
    assert f"<td>0: {html_text(HOSTILE_NAME)}</td>" in section
    assert f"<title>{html_text(HOSTILE_RUN)}: topic 2, 5 documents (12.5%)</title>" in section
    unnamed = json.loads(json.dumps(LIVES))
    del unnamed["models"]["lda"][0]["name"]  # an unnamed topic shows its words instead
    path = _with_lives(lived.parent / "unnamed", unnamed)
    section = render_html(load_run(path)).split('<section id="topic-lives">', 1)[1]
    assert "<td>0: &lt;script&gt;alert(1)&lt;/script&gt; a|b</td>" in section


def test_report_md_says_in_a_line_how_many_topics_lived_on(lived):
    markdown = render_markdown(load_run(lived))
    (line,) = [x for x in markdown.splitlines() if x.startswith("**Topic lives**")]
    assert line == (
        "**Topic lives**: 2 of 3 LDA topics, 1 of 3 Embedding topics continue topics of "
        "earlier runs, the longest through 3 of the last 3 runs; report.html charts their "
        "share of the documents."
    )
    assert markdown_text(HOSTILE_NAME) not in line  # names stay in the HTML chart


@pytest.mark.parametrize(
    "lives",
    [None, {**LIVES, "runs": LIVES["runs"][-1:], "models": {"lda": [], "embedding": []}}],
    ids=["no history", "first run"],
)
def test_no_section_when_nothing_has_lived_through_two_runs(tmp_path, lives):
    run = load_run(_with_lives(tmp_path, lives))
    assert "Topic lives" not in render_html(run)
    assert "Topic lives" not in render_markdown(run)
