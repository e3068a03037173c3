"""Headline numbers of a run: what the HTML and Markdown reports, the Prefect artifact and
the run history all show first, defined once here (rows, drift lines, sentences)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from topicflow.pipelines.io.history_shapes import ModelDrift
from topicflow.pipelines.io.run_files import Drift, Metrics, RunManifest, as_drift, as_metrics
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import markdown_text as _text

# (label, metric key, format) of each headline row, one column per model.
HEADLINE_ROWS = (
    ("topics", "n_topics", "{:d}"),
    ("NPMI (c_npmi, top 10)", "npmi", "{:.3f}"),
    ("C_V", "c_v", "{:.3f}"),
    ("word cosine (top 10)", "word_cosine", "{:.3f}"),
    ("topic diversity", "diversity", "{:.3f}"),
    ("unassigned documents", "unassigned_share", "{:.1%}"),
)
# Under the headline when the documents are a few words long (short_text_note).
SHORT_TEXT_NOTE = (
    "These documents are a few words long: most pairs of a topic's top words never meet "
    "in one, so NPMI and C_V mostly measure how rare the pairs are, not how good the "
    "topics are, and compare models poorly here. Word cosine (how alike a topic's top "
    "words are in the embedding model's space) does not depend on that, and chose the "
    "number of topics."
)
DRIFT_KINDS = ("persisted", "emerged", "vanished", "set_aside", "split", "merged")
# Persisting topics named anew listed besides the three that changed most in size (a
# refit can rename most topics; the rest are counted).
RENAMED_SHOWN = 5
# Under a mixture model's background and generic topics (pipelines.models.mixture_weights and
# .generic), in both reports: what each kind is, then what happens to it.
APART_HEADINGS = {"background": "Background words", "generic": "Generic words"}
APART_NOTES = {
    "background": "The model spent a topic on words most documents use and few are about.",
    "generic": (
        "The model spent a topic on words of conversation: the documents it was the main "
        "topic of are about many things (in the embedding model's space most of them sit "
        "nearer another topic's documents than their own)."
    ),
}
BACKGROUND_NOTE = (
    "Such a topic is kept out of the topics and the comparison; no document is assigned "
    "to it, each goes to its most likely other topic (if it has one)."
)


def presence_text(presence: float) -> str:
    """How widely a background or generic topic is used: in 62% of the documents."""
    return f"in {presence:.0%} of the documents"


def apart_label(kind: str, presence: float) -> str:
    """How report.md heads such a topic: Background words (in 62% of the documents)."""
    return f"{APART_HEADINGS.get(kind, kind)} ({presence_text(presence)})"


def headline_markdown(corpus: Mapping[str, Any], metrics: Metrics | Mapping[str, Any]) -> str:
    """A table with a column per model of the numbers an analyst looks at first."""
    metrics = as_metrics(metrics)
    models = {name: quality.model_dump() for name, quality in metrics.models.items()}
    name, documents = _text(corpus.get("name", "corpus")), corpus.get("documents", 0)
    return f"**{name}**: {documents:,} documents\n\n" + headline_table(models)


def headline_table(models: Mapping[str, Mapping[str, Any]]) -> str:
    """The headline rows, one column per model (``models``: name -> its numbers)."""
    lines = [
        "| | " + " | ".join(title(name) for name in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for label, key, fmt in HEADLINE_ROWS:
        cells = [format_value(fmt, values.get(key)) for values in models.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_value(fmt: str, value: Any) -> str:
    """A metric for display: ``n/a`` when missing, as it is when it does not fit ``fmt``."""
    if value is None:
        return "n/a"
    try:
        return fmt.format(value)
    except (TypeError, ValueError):
        return str(value)


def headline_numbers(metrics: Metrics | Mapping[str, Any]) -> dict[str, Any]:
    """The numbers the run history keeps of a run (``topicflow history``/``show`` print
    them): ``{"models": {name: {...}}, "agreement": [{"a", "b", "nmi"}], "drift":
    {name: counts}, "drift_names": {name: {"emerged": [...], "vanished": [...]}}}``,
    ``drift`` only when there was a previous run, ``drift_names`` only when a topic that
    emerged or vanished has a name."""
    metrics = as_metrics(metrics)
    keys = [key for _, key, _ in HEADLINE_ROWS]
    numbers: dict[str, Any] = {
        "models": {
            name: {key: quality.value(key) for key in keys}
            for name, quality in metrics.models.items()
        },
        "agreement": [{"a": c.a, "b": c.b, "nmi": c.agreement.nmi} for c in metrics.comparisons],
    }
    drift = metrics.drift
    if drift is not None and drift.previous_run and drift.models is not None:
        numbers["drift"] = {name: d.counts for name, d in drift.models.items()}
        named = {
            name: {
                "emerged": [t.name for t in d.emerged if t.name],
                "vanished": [t.name for t in d.vanished if t.name],
            }
            for name, d in drift.models.items()
        }
        named = {name: n for name, n in named.items() if n["emerged"] or n["vanished"]}
        if named:
            numbers["drift_names"] = named
    return numbers


def agreement_sentence(metrics: Metrics) -> str:
    """Document agreement of each pair of models, in plain text (empty with one model)."""
    if not metrics.comparisons:
        return ""
    pairs = "; ".join(
        f"{title(c.a)} vs {title(c.b)} NMI {format_value('{:.3f}', c.agreement.nmi)}, "
        f"ARI {format_value('{:.3f}', c.agreement.ari)}"
        for c in metrics.comparisons
    )
    return f"Document agreement between the models: {pairs}."


def reference_note(metrics: Metrics) -> str:
    """A sentence when coherence was measured on a sample of the corpus (empty otherwise):
    how large, and each model's NPMI with its standard error."""
    reference = metrics.reference
    if reference is None or not reference.sampled:
        return ""
    errors = ", ".join(
        f"{title(name)} {format_value('{:.3f}', q.npmi)} ± {format_value('{:.3f}', q.npmi_se)}"
        for name, q in metrics.models.items()
    )
    return (
        f"Coherence was measured on a seeded sample of {reference.documents:,} of the "
        f"{reference.corpus_documents:,} documents ({reference.tokens:,} tokens); NPMI ± "
        f"its standard error over the sample: {errors}."
    )


def short_text_note(metrics: Metrics | Mapping[str, Any]) -> str:
    """A sentence when the granularity rule found the documents too short for NPMI (a
    model's levels were scored by word cosine, pipelines.models.granularity.rule)."""
    for quality in as_metrics(metrics).models.values():
        if any(level.get("measure") == "word_cosine" for level in quality.value("levels") or []):
            return SHORT_TEXT_NOTE
    return ""


def drift_title(drift: Drift) -> str:
    since = str(drift.since or "")[:16].replace("T", " ")
    return f"What changed since {since} UTC" if since else "What changed"


def drift_markdown(drift: Drift | Mapping[str, Any]) -> str:
    """The report's "What changed since <date>" section (also a Prefect artifact)."""
    drift = as_drift(drift)
    lines = [f"## {drift_title(drift)}", ""]
    if not drift.previous_run or drift.models is None:
        lines.append("First successful run of this corpus: nothing to compare with yet.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"Compared with run `{_text(drift.previous_run)}` of the same corpus "
        f"(topic word-weight cosine >= {drift.threshold})."
    )
    lines.append("")
    lines += [
        "| | " + " | ".join(drift_heading(k) for k in DRIFT_KINDS) + " |",
        "|---|" + "---|" * len(DRIFT_KINDS),
    ]
    for model, changes in drift.models.items():
        cells = " | ".join(str(changes.counts.get(k, 0)) for k in DRIFT_KINDS)
        lines.append(f"| {title(model)} | {cells} |")
    lines.append("")
    for model, changes in drift.models.items():
        lines += [f"**{title(model)}**", ""] + [f"- {_text(line)}" for line in drift_lines(changes)]
        lines.append("")
    return "\n".join(lines)


def drift_heading(kind: str) -> str:
    """A drift kind as a column heading: ``set_aside`` reads "set aside"."""
    return kind.replace("_", " ")


def drift_lines(model_drift: ModelDrift) -> list[str]:
    """One plain-text line per change (emerged, vanished, set aside, split, merged; of the
    persisting topics the three whose size changed most and up to ``RENAMED_SHOWN`` named
    anew),
    each led by the topic's name ("emerged: tax credit reform (topic 3, 120 docs)"), or
    ending on its words when it has no name (an older run, naming off)."""

    def words(item: Any) -> str:
        return ", ".join(item.words)

    lines = []
    for kind, topics in (("emerged", model_drift.emerged), ("vanished", model_drift.vanished)):
        lines += [
            f"{kind}: {t.name} (topic {t.id}, {t.size:,} docs)"
            if t.name
            else f"{kind}: topic {t.id} ({t.size:,} docs): {words(t)}"
            for t in topics
        ]
    lines += [
        f"set aside as {t.kind} words: {t.name} (topic {t.id}, {t.size:,} docs)"
        if t.name
        else f"set aside as {t.kind} words: topic {t.id} ({t.size:,} docs): {words(t)}"
        for t in model_drift.set_aside
    ]
    lines += [
        f"split: {t.name} (topic {t.previous}) into topics {', '.join(map(str, t.into))}"
        if t.name
        else f"split: topic {t.previous} into {', '.join(map(str, t.into))}: {words(t)}"
        for t in model_drift.split
    ]
    lines += [
        f"merged: topics {', '.join(map(str, t.from_))} into {t.name} (topic {t.current})"
        if t.name
        else f"merged: topics {', '.join(map(str, t.from_))} into {t.current}: {words(t)}"
        for t in model_drift.merged
    ]
    # The three that changed most in size, and up to RENAMED_SHOWN more named anew.
    by_change = sorted(model_drift.persisted, key=lambda t: -abs(t.size_after - t.size_before))
    grown = [t for t in by_change[:3] if t.size_changed]
    renamed = [t for t in by_change if t.previous_name and t not in grown]
    shown = sorted(grown + renamed[:RENAMED_SHOWN], key=by_change.index)
    lines += [
        f"persisted: {_renamed(t)} (topic {t.previous} → {t.current}, "
        f"{t.size_before:,} → {t.size_after:,} docs)"
        if t.name
        else f"persisted: topic {t.previous} → {t.current} "
        f"({t.size_before:,} → {t.size_after:,} docs): {words(t)}"
        for t in shown
    ]
    if len(renamed) > RENAMED_SHOWN:
        lines.append(f"and {len(renamed) - RENAMED_SHOWN} more persisting topics named anew")
    return lines or ["no change in the topics"]


def _renamed(topic: Any) -> str:
    """A persisting topic's name, led by its earlier one when that differs."""
    return f"{topic.previous_name} → {topic.name}" if topic.previous_name else topic.name


def reused_note(manifest: RunManifest) -> str:
    """A sentence for a run answered from an identical earlier run (empty otherwise)."""
    source = manifest.reused_from
    if not source:
        return ""
    return (
        f"Nothing changed since run {source} (same documents, settings and code), so its "
        "topics, assignments and metrics are reused here. "
    )
