"""``report.html``: one self-contained, offline page that answers an analyst at a glance.

Everything is inline (plotly.js included once, no CDN), so the file opens from
``file://`` with no network. Every piece of corpus text is escaped for HTML, and
every JSON payload is escaped for ``<script>``: a document holding markup is
shown as text and runs nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from topicflow.pipelines.io.atomic import atomic_write_text
from topicflow.pipelines.io.run_files import (
    REPORT_HTML_FILE,
    REPORT_MD_FILE,
    RunData,
    load_run,
    prob_column,
    topic_column,
)
from topicflow.pipelines.models.registry import title as model_title
from topicflow.pipelines.report.escape import html_text as _esc
from topicflow.pipelines.report.figures import (
    alignment_figure,
    coherence_figure,
    document_map_figure,
    map_models,
    map_rows,
    sizes_figure,
)
from topicflow.pipelines.report.glossary import METRICS
from topicflow.pipelines.report.headline import (
    APART_HEADINGS,
    APART_NOTES,
    BACKGROUND_NOTE,
    DRIFT_KINDS,
    HEADLINE_ROWS,
    agreement_sentence,
    drift_heading,
    drift_lines,
    drift_title,
    format_value,
    presence_text,
    reference_note,
    reused_note,
    short_text_note,
)
from topicflow.pipelines.report.lives_html import lives_section
from topicflow.pipelines.report.markdown import render_markdown
from topicflow.pipelines.report.pairs_html import alignment_id, alignments_section
from topicflow.pipelines.report.time_figures import time_figures
from topicflow.pipelines.report.time_html import STYLE as TIME_STYLE
from topicflow.pipelines.report.time_html import time_section
from topicflow.pipelines.report.tree_figures import edge_figure, map_levels, tree_figure
from topicflow.pipelines.report.tree_html import STYLE as TREE_STYLE
from topicflow.pipelines.report.tree_html import (
    edges_id,
    level_control,
    level_script,
    tree_id,
    tree_section,
)

MAX_MAP_POINTS = 5000
STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7f9 }
header { background: #1d2433; color: #fff; padding: 18px 32px }
header h1 { margin: 0; font-size: 22px }
main { padding: 16px 32px; max-width: 1400px }
section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
  box-shadow: 0 1px 2px rgba(0, 0, 0, .08) }
h2 { margin-top: 0; font-size: 18px }
table { border-collapse: collapse; font-size: 13px }
td, th { border-bottom: 1px solid #e3e6eb; padding: 4px 10px; text-align: left;
  vertical-align: top }
th { background: #f0f2f5 }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px }
.card { border: 1px solid #e3e6eb; border-radius: 6px; padding: 10px }
.card h3 { margin: 0 0 6px; font-size: 14px }
.bar { display: flex; align-items: center; font-size: 12px; margin: 1px 0 }
.bar span { width: 110px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap }
.bar i { display: block; height: 9px; background: #4c78a8; border-radius: 2px }
.doc { font-size: 12px; color: #555; border-left: 3px solid #ccd; padding-left: 6px; margin: 4px 0 }
.muted { color: #777; font-size: 12px }
.plot { min-height: 380px }
pre { font-size: 12px; max-height: 320px; overflow: auto; background: #f6f7f9; padding: 8px }
"""


def write_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` and ``report.md`` into a run directory (which needs its other
    files already), reading them once for both. Returns the HTML report's path."""
    run = load_run(run_dir)
    path = Path(run_dir) / REPORT_HTML_FILE
    # Unsynced (the run directory is staged); atomic_path names the file when a write fails.
    atomic_write_text(path, render_html(run), fsync=False)
    atomic_write_text(Path(run_dir) / REPORT_MD_FILE, render_markdown(run), fsync=False)
    return path


def render_html(run: RunData) -> str:
    from plotly.offline import get_plotlyjs

    figures = {"document-map": document_map_figure(run, MAX_MAP_POINTS)}
    for model, tree in run.trees.items():
        if model in run.topics and tree.nodes:
            figures[tree_id(model)] = tree_figure(model, tree)
    for i, comparison in enumerate(run.metrics.comparisons):
        if (edges := edge_figure(run, comparison)) is not None:
            figures[edges_id(i)] = edges
        figures[alignment_id(i)] = alignment_figure(run, comparison)
    figures |= time_figures(run)
    figures["coherence"] = coherence_figure(run)
    figures["sizes"] = sizes_figure(run)
    plots = "\n".join(
        f"Plotly.newPlot('{name}', {_script_json(fig['data'])}, {_script_json(fig['layout'])},"
        " {responsive: true, displaylogo: false});"
        for name, fig in figures.items()
    )
    levels = map_levels(run, map_rows(run, MAX_MAP_POINTS))
    if levels:
        plots += level_script(_script_json(levels))
    body = "\n".join(
        [
            _headline(run),
            _drift(run),
            lives_section(run),
            _section(
                "Document map",
                _map_note(run)
                + level_control(run, map_models(run))
                + '<div id="document-map" class="plot"></div>',
            ),
            tree_section(run),
            *(_topic_cards(run, model) for model in run.model_names),
            alignments_section(run),
            time_section(run),
            _section(
                "Coherence and size per topic",
                '<div id="coherence" class="plot"></div><div id="sizes" class="plot"></div>',
            ),
            _labels(run),
            _run_facts(run),
        ]
    )
    title = f"topicflow report: {run.corpus_name}"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{STYLE}{TREE_STYLE}{TIME_STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_esc(title)}</h1></header><main>{body}</main>"
        f"<script>{plots}</script></body></html>"
    )


# --- sections ----------------------------------------------------------------------------


def _headline(run: RunData) -> str:
    corpus = run.manifest.corpus
    heads = "".join(f"<th>{_esc(model_title(m))}</th>" for m in run.model_names)
    table = f"<table><tr><th></th>{heads}</tr>"
    for label, key, fmt in HEADLINE_ROWS:
        cells = "".join(f"<td>{_fmt(fmt, _metric(run, m, key))}</td>" for m in run.model_names)
        table += f"<tr><td>{label}</td>{cells}</tr>"
    table += "</table>"
    seconds = sum(s.seconds for s in run.manifest.stages.values())
    sentences = (
        agreement_sentence(run.metrics),
        reference_note(run.metrics),
        short_text_note(run.metrics),
    )
    facts = (
        f"<p><b>{_esc(corpus.name)}</b>: {corpus.documents:,} "
        f"documents; run {_esc(run.manifest.run_id)}, started "
        f"{_esc(run.manifest.started_at)}, stage time {seconds:.0f} s. "
        f"{_esc(reused_note(run.manifest))}"
        f"{_esc(' '.join(s for s in sentences if s))}</p>"
    )
    return _section("At a glance", facts + table)


def _metric(run: RunData, model: str, key: str):
    quality = run.quality(model)
    return quality.value(key) if quality is not None else None


def _map_note(run: RunData) -> str:
    n = run.assignments.num_rows
    sampled = f" ({MAX_MAP_POINTS:,} of {n:,} documents, sampled)" if n > MAX_MAP_POINTS else ""
    modes = [f"{model_title(m)} topic" for m in map_models(run)]
    if run.has_labels:
        modes.append("gold label")
    choices = ", ".join(modes[:-1]) + (" or " if len(modes) > 1 else "") + modes[-1]
    return (
        f'<p class="muted">UMAP projection of the document embeddings{sampled}. Use the buttons '
        f"to colour by {_esc(choices)}; hover for a snippet.</p>"
    )


def _topic_cards(run: RunData, model: str) -> str:
    quality = run.quality(model)
    npmi = quality.npmi_per_topic if quality is not None else []
    assigned = np.asarray(run.column(topic_column(model)))
    scores = np.asarray(run.column(prob_column(model)), dtype=float)
    scores = np.nan_to_num(scores, nan=-np.inf)
    snippets = run.column("snippet")
    cards = []
    for topic in run.topics[model]:
        weights = topic.weights or [1.0]
        top = max(weights) or 1.0
        bars = "".join(
            f'<div class="bar"><span title="{_esc(w)}">{_esc(w)}</span>'
            f'<i style="width:{max(2, int(160 * weight / top))}px"></i></div>'
            for w, weight in zip(topic.words[:10], weights[:10], strict=False)
        )
        members = np.flatnonzero(assigned == topic.id)
        best = members[np.argsort(-scores[members], kind="stable")][:3]
        docs = "".join(f'<div class="doc">{_esc(snippets[i])}</div>' for i in best)
        coherence = npmi[topic.id] if topic.id < len(npmi) else None
        cards.append(
            f'<div class="card"><h3>Topic {topic.id}: {_esc(topic.label)}</h3>'
            f'<div class="muted">{topic.size:,} documents, NPMI {_fmt("{:.3f}", coherence)}'
            f"</div>{bars}{docs}</div>"
        )
    return _section(
        f"{model_title(model)} topics",
        f'<div class="cards">{"".join(cards)}</div>{_background(quality)}',
        anchor=f"topics-{model}",
    )


def _background(quality) -> str:
    """A mixture model's background and generic topics: shown, labelled by kind, and not
    counted as topics."""
    if quality is None or not quality.background:
        return ""
    parts = []
    for kind, heading in APART_HEADINGS.items():
        items = "".join(
            f"<li>{_esc(', '.join(b.words[:10]))} <span class='muted'>"
            f"({presence_text(b.presence)})</span></li>"
            for b in quality.background
            if b.kind == kind
        )
        if items:
            note = f"{APART_NOTES[kind]} {BACKGROUND_NOTE}"
            parts.append(f"<h3>{heading}</h3><p class='muted'>{_esc(note)}</p><ul>{items}</ul>")
    return "".join(parts)


def _drift(run: RunData) -> str:
    """What changed since the last successful run of the same corpus."""
    drift = run.metrics.drift
    if drift is None:
        return ""
    if not drift.previous_run or drift.models is None:
        note = "First successful run of this corpus: nothing to compare with yet."
        return _section(drift_title(drift), f'<p class="muted">{note}</p>')
    table = (
        "<table><tr><th></th>"
        + "".join(f"<th>{drift_heading(k)}</th>" for k in DRIFT_KINDS)
        + "</tr>"
    )
    lists = ""
    for model, changes in drift.models.items():
        label = _esc(model_title(model))
        cells = "".join(f"<td>{changes.counts.get(k, 0)}</td>" for k in DRIFT_KINDS)
        table += f"<tr><td>{label}</td>{cells}</tr>"
        items = "".join(f"<li>{_esc(line)}</li>" for line in drift_lines(changes))
        lists += f"<h3>{label}</h3><ul>{items}</ul>"
    note = (
        f'<p class="muted">Compared with run {_esc(drift.previous_run)} '
        f"(topics count as the same at word-weight cosine >= {drift.threshold}).</p>"
    )
    return _section(drift_title(drift), note + table + "</table>" + lists)


def _labels(run: RunData) -> str:
    labels = run.metrics.labels
    if not labels:
        return ""
    parts = []
    for model in run.model_names:
        scores = labels.get(model)
        if scores is None:
            continue
        summary = ", ".join(
            f"{name} {_fmt('{:.3f}', getattr(scores, name))}"
            for name in ("nmi", "ami", "ari", "purity", "homogeneity", "completeness")
        )
        table = scores.contingency
        head = "".join(f"<th>{_esc(c)}</th>" for c in table.columns)
        rows = "".join(
            f"<tr><th>{_esc(r)}</th>" + "".join(f"<td>{v}</td>" for v in counts) + "</tr>"
            for r, counts in zip(table.rows, table.counts, strict=False)
        )
        parts.append(
            f"<h3>{_esc(model_title(model))}</h3><p>{summary}</p>"
            f"<table><tr><th>label \\ topic</th>{head}</tr>{rows}</table>"
        )
    return _section("Against the gold labels", "".join(parts))


def _run_facts(run: RunData) -> str:
    timing = "".join(
        f"<tr><td>{_esc(name)}</td><td>{s.seconds:.2f}</td>"
        f"<td>{_esc(s.cache)}</td><td>{_esc(s.started_at)}</td></tr>"
        for name, s in run.manifest.stages.items()
    )
    versions = "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in run.manifest.versions.items()
    )
    glossary = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in METRICS.items())
    config = _esc(json.dumps(run.manifest.config, indent=2))
    return _section(
        "Run facts",
        "<h3>Stages</h3><table><tr><th>stage</th><th>seconds</th><th>cache</th><th>started</th>"
        f"</tr>{timing}</table><h3>Config as used</h3><pre>{config}</pre>"
        f"<h3>Versions</h3><table>{versions}</table>"
        f"<h3>Glossary</h3><table>{glossary}</table>",
    )


# --- helpers -----------------------------------------------------------------------------


def _section(title: str, content: str, anchor: str | None = None) -> str:
    at = f' id="{_esc(anchor)}"' if anchor else ""
    return f"<section{at}><h2>{_esc(title)}</h2>{content}</section>"


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no "</script>", no HTML comment openers."""
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(value, cls=PlotlyJSONEncoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _fmt(fmt: str, value: Any) -> str:
    return _esc(format_value(fmt, value))
