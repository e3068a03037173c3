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
from topicflow.pipelines.io.run_data import RunData, load_run
from topicflow.pipelines.report.escape import html_text as _esc  # short: called on every line
from topicflow.pipelines.report.figures import (
    alignment_figure,
    coherence_figure,
    document_map_figure,
    sizes_figure,
)
from topicflow.pipelines.report.glossary import METRICS
from topicflow.pipelines.report.headline import drift_lines, drift_title, format_value, reused_note
from topicflow.pipelines.report.markdown import render_markdown

MAX_MAP_POINTS = 5000
MODELS = (("lda", "LDA"), ("embedding", "Embedding"))
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
    path = Path(run_dir) / "report.html"
    path.write_text(render_html(run), encoding="utf-8")
    (Path(run_dir) / "report.md").write_text(render_markdown(run), encoding="utf-8")
    return path


def render_html(run: RunData) -> str:
    from plotly.offline import get_plotlyjs

    figures = {
        "document-map": document_map_figure(run, MAX_MAP_POINTS),
        "alignment": alignment_figure(run),
        "coherence": coherence_figure(run),
        "sizes": sizes_figure(run),
    }
    plots = "\n".join(
        f"Plotly.newPlot('{name}', {_script_json(fig['data'])}, {_script_json(fig['layout'])},"
        " {responsive: true, displaylogo: false});"
        for name, fig in figures.items()
    )
    body = "\n".join(
        [
            _headline(run),
            _drift(run),
            _section("Document map", _map_note(run) + '<div id="document-map" class="plot"></div>'),
            *(_topic_cards(run, key, label) for key, label in MODELS),
            _section(
                "How the topics line up",
                '<div id="alignment" class="plot"></div>' + _alignment_lists(run),
            ),
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
        f"<title>{_esc(title)}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{_esc(title)}</h1></header><main>{body}</main>"
        f"<script>{plots}</script></body></html>"
    )


# --- sections ----------------------------------------------------------------------------


def _headline(run: RunData) -> str:
    corpus = run.manifest.get("corpus", {})
    rows = [
        ("topics", "n_topics", "{:d}"),
        ("NPMI", "npmi", "{:.3f}"),
        ("C_V", "c_v", "{:.3f}"),
        ("topic diversity", "diversity", "{:.3f}"),
        ("unassigned", "unassigned_share", "{:.1%}"),
    ]
    table = "<table><tr><th></th>" + "".join(f"<th>{label}</th>" for _, label in MODELS) + "</tr>"
    for label, key, fmt in rows:
        cells = "".join(
            f"<td>{_fmt(fmt, run.metrics.get(model, {}).get(key))}</td>" for model, _ in MODELS
        )
        table += f"<tr><td>{label}</td>{cells}</tr>"
    table += "</table>"
    agreement = run.metrics.get("agreement", {})
    seconds = sum(s.get("seconds", 0) for s in run.manifest.get("stages", {}).values())
    facts = (
        f"<p><b>{_esc(corpus.get('name', 'corpus'))}</b>: {corpus.get('documents', 0):,} "
        f"documents; run {_esc(run.manifest.get('run_id', ''))}, started "
        f"{_esc(str(run.manifest.get('started_at', '')))}, stage time {seconds:.0f} s. "
        f"{_esc(reused_note(run.manifest))}"
        f"Document agreement between the models: NMI {_fmt('{:.3f}', agreement.get('nmi'))}, "
        f"ARI {_fmt('{:.3f}', agreement.get('ari'))}.</p>"
    )
    return _section("At a glance", facts + table)


def _map_note(run: RunData) -> str:
    n = run.assignments.num_rows
    sampled = f" ({MAX_MAP_POINTS:,} of {n:,} documents, sampled)" if n > MAX_MAP_POINTS else ""
    return (
        f'<p class="muted">UMAP projection of the document embeddings{sampled}. Use the buttons '
        "to colour by embedding topic, LDA topic or gold label; hover for a snippet.</p>"
    )


def _topic_cards(run: RunData, key: str, label: str) -> str:
    topics = run.topics.get(key, [])
    npmi = run.metrics.get(key, {}).get("npmi_per_topic", [])
    column, score = (
        ("embedding_topic", "embedding_similarity")
        if key == "embedding"
        else ("lda_topic", "lda_prob")
    )
    assigned = np.asarray(run.column(column))
    scores = np.nan_to_num(np.asarray(run.column(score), dtype=float), nan=-np.inf)
    snippets = run.column("snippet")
    cards = []
    for topic in topics:
        weights = topic["weights"] or [1.0]
        top = max(weights) or 1.0
        bars = "".join(
            f'<div class="bar"><span title="{_esc(w)}">{_esc(w)}</span>'
            f'<i style="width:{max(2, int(160 * weight / top))}px"></i></div>'
            for w, weight in zip(topic["words"][:10], weights[:10], strict=False)
        )
        members = np.flatnonzero(assigned == topic["id"])
        best = members[np.argsort(-scores[members], kind="stable")][:3]
        docs = "".join(f'<div class="doc">{_esc(snippets[i])}</div>' for i in best)
        coherence = npmi[topic["id"]] if topic["id"] < len(npmi) else None
        cards.append(
            f'<div class="card"><h3>Topic {topic["id"]}: {_esc(" ".join(topic["words"][:3]))}</h3>'
            f'<div class="muted">{topic["size"]:,} documents, NPMI {_fmt("{:.3f}", coherence)}'
            f"</div>{bars}{docs}</div>"
        )
    return _section(f"{label} topics", f'<div class="cards">{"".join(cards)}</div>')


def _alignment_lists(run: RunData) -> str:
    alignment = run.metrics.get("alignment", {})
    primary = alignment.get("primary", "jensen_shannon")
    result = alignment.get(primary, {}).get("alignment", {})

    def name(model: str, topic_id: int) -> str:
        topics = run.topics.get(model, [])
        words = topics[topic_id]["words"][:4] if topic_id < len(topics) else []
        return f"{topic_id}: {' '.join(words)}"

    matched = "".join(
        f"<tr><td>{_esc(name('lda', m['a']))}</td><td>{_esc(name('embedding', m['b']))}</td>"
        f"<td>{m['similarity']:.3f}</td></tr>"
        for m in result.get("matched", [])
    )
    lda_only = ", ".join(_esc(name("lda", i)) for i in result.get("a_only", [])) or "none"
    emb_only = ", ".join(_esc(name("embedding", i)) for i in result.get("b_only", [])) or "none"
    return (
        f'<p class="muted">Measure: {_esc(primary)} similarity, one-to-one matching, threshold '
        f"{_fmt('{:.2f}', result.get('threshold'))}.</p>"
        f"<table><tr><th>LDA topic</th><th>embedding topic</th><th>similarity</th></tr>{matched}"
        f"</table><p><b>LDA-only:</b> {lda_only}</p><p><b>Embedding-only:</b> {emb_only}</p>"
    )


def _drift(run: RunData) -> str:
    """What changed since the last successful run of the same corpus."""
    drift = run.metrics.get("drift")
    if not drift:
        return ""
    if not drift.get("previous_run"):
        note = "First successful run of this corpus: nothing to compare with yet."
        return _section(drift_title(drift), f'<p class="muted">{note}</p>')
    kinds = ("persisted", "emerged", "vanished", "split", "merged")
    table = "<table><tr><th></th>" + "".join(f"<th>{k}</th>" for k in kinds) + "</tr>"
    lists = ""
    for model, label in MODELS:
        counts = drift[model]["counts"]
        table += f"<tr><td>{label}</td>" + "".join(f"<td>{counts[k]}</td>" for k in kinds)
        items = "".join(f"<li>{_esc(line)}</li>" for line in drift_lines(drift[model]))
        lists += f"<h3>{label}</h3><ul>{items}</ul>"
    note = (
        f'<p class="muted">Compared with run {_esc(drift["previous_run"])} '
        f"(topics count as the same at word-weight cosine >= {drift['threshold']}).</p>"
    )
    return _section(drift_title(drift), note + table + "</table>" + lists)


def _labels(run: RunData) -> str:
    labels = run.metrics.get("labels")
    if not labels:
        return ""
    parts = []
    for key, label in MODELS:
        scores = labels.get(key, {})
        summary = ", ".join(
            f"{name} {_fmt('{:.3f}', scores.get(name))}"
            for name in ("nmi", "ami", "ari", "purity", "homogeneity", "completeness")
        )
        table = scores.get("contingency", {})
        head = "".join(f"<th>{_esc(str(c))}</th>" for c in table.get("columns", []))
        rows = "".join(
            f"<tr><th>{_esc(str(r))}</th>" + "".join(f"<td>{v}</td>" for v in counts) + "</tr>"
            for r, counts in zip(table.get("rows", []), table.get("counts", []), strict=False)
        )
        parts.append(
            f"<h3>{label}</h3><p>{summary}</p><table><tr><th>label \\ topic</th>{head}</tr>"
            f"{rows}</table>"
        )
    return _section("Against the gold labels", "".join(parts))


def _run_facts(run: RunData) -> str:
    stages = run.manifest.get("stages", {})
    timing = "".join(
        f"<tr><td>{_esc(name)}</td><td>{s.get('seconds', 0):.2f}</td>"
        f"<td>{_esc(str(s.get('cache')))}</td><td>{_esc(str(s.get('started_at')))}</td></tr>"
        for name, s in stages.items()
    )
    versions = "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(str(v))}</td></tr>"
        for k, v in run.manifest.get("versions", {}).items()
    )
    glossary = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in METRICS.items())
    config = _esc(json.dumps(run.manifest.get("config", {}), indent=2))
    return _section(
        "Run facts",
        "<h3>Stages</h3><table><tr><th>stage</th><th>seconds</th><th>cache</th><th>started</th>"
        f"</tr>{timing}</table><h3>Config as used</h3><pre>{config}</pre>"
        f"<h3>Versions</h3><table>{versions}</table>"
        f"<h3>Glossary</h3><table>{glossary}</table>",
    )


# --- helpers -----------------------------------------------------------------------------


def _section(title: str, content: str) -> str:
    return f"<section><h2>{_esc(title)}</h2>{content}</section>"


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no "</script>", no HTML comment openers."""
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(value, cls=PlotlyJSONEncoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _fmt(fmt: str, value: Any) -> str:
    return _esc(format_value(fmt, value))
