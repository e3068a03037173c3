"""``report.md``: the headline numbers, topic tables and trees, for e-mail and chat."""

from __future__ import annotations

from topicflow.pipelines.io.run_files import REPORT_HTML_FILE, RunData
from topicflow.pipelines.io.run_shapes import Comparison, TopicTree
from topicflow.pipelines.models.registry import title
from topicflow.pipelines.report.escape import markdown_text as _cell
from topicflow.pipelines.report.headline import (
    APART_NOTES,
    BACKGROUND_NOTE,
    agreement_sentence,
    apart_label,
    drift_markdown,
    headline_markdown,
    reference_note,
    reused_note,
    short_text_note,
)
from topicflow.pipelines.report.time_text import (
    SECTION_TITLE,
    absent_sentence,
    analysed_models,
    analysis,
    movers,
    period_sentence,
    topic_label,
    trend_text,
    word_shift,
)
from topicflow.pipelines.report.tree import (
    group_lines,
    level_note,
    level_sentence,
    node_label,
    set_apart,
    walk,
)

# A tree's outline stops after the level whose nodes would take it past this many lines:
# report.md stays short enough to read in a chat, and report.html has every level.
MAX_TREE_LINES = 80


def render_markdown(run: RunData) -> str:
    lines = [f"# topicflow report: {_cell(run.corpus_name)}", ""]
    lines.append(headline_markdown(run.manifest.corpus.model_dump(), run.metrics))
    if note := reused_note(run.manifest):
        lines.append(note + "\n")
    if run.metrics.drift is not None:
        lines.append(drift_markdown(run.metrics.drift))
    if lives := _lives_line(run):
        lines.append(lives + "\n")
    if agreement := agreement_sentence(run.metrics):
        lines.append(agreement + "\n")
    if sample := reference_note(run.metrics):
        lines.append(sample + "\n")
    if short := short_text_note(run.metrics):
        lines.append(short + "\n")
    for model in run.model_names:
        lines += _topic_table(run, model)
    for model in run.model_names:
        if (tree := run.trees.get(model)) is not None and tree.nodes:
            lines += _tree_outline(model, tree, set_apart(run, model))
    for comparison in run.metrics.comparisons:
        lines += _matched_topics(run, comparison)
    lines += _over_time(run)
    lines.append(f"Open {REPORT_HTML_FILE} in this directory for the interactive report.\n")
    return "\n".join(lines)


def _lives_line(run: RunData) -> str:
    """A sentence on the topics that lived through earlier runs (report.html charts them);
    none on a first run or without a history."""
    lives = run.metrics.lives
    if lives is None or not any(lives.models.values()):
        return ""
    counts = [
        f"{len(lives.models[model])} of {len(run.topics[model])} {title(model)} topics"
        for model in run.model_names
        if lives.models.get(model)
    ]
    longest = max(len(life.steps) for topics in lives.models.values() for life in topics)
    return (
        f"**Topic lives**: {', '.join(counts)} continue topics of earlier runs, the longest "
        f"through {longest} of the last {len(lives.runs)} runs; {REPORT_HTML_FILE} charts "
        "their share of the documents."
    )


def _topic_table(run: RunData, model: str) -> list[str]:
    """A row per topic; a ``name`` column when the run named its topics."""
    quality = run.quality(model)
    npmi = quality.npmi_per_topic if quality is not None else []
    named = any(topic.name for topic in run.topics[model])
    columns = ["topic", *(["name"] if named else []), "documents", "NPMI", "top words"]
    lines = [f"## {title(model)} topics", ""]
    lines += ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    for topic in run.topics[model]:
        score = npmi[topic.id] if topic.id < len(npmi) else None
        shown = f"{score:.3f}" if isinstance(score, float) else "n/a"
        words = _cell(", ".join(topic.words[:10]))
        name = f" {_cell(topic.name or '')} |" if named else ""
        lines.append(f"| {topic.id} |{name} {topic.size:,} | {shown} | {words} |")
    lines.append("")
    apart = quality.background if quality is not None else []
    for kind in APART_NOTES:  # each topic on a line, then what that kind is, once
        of_kind = [topic for topic in apart if topic.kind == kind]
        for topic in of_kind:
            words = _cell(", ".join(topic.words[:10]))
            lines += [f"{apart_label(kind, topic.presence)}: {words}.", ""]
        if of_kind:
            lines += [f"{APART_NOTES[kind]} {BACKGROUND_NOTE}", ""]
    return lines


def _matched_topics(run: RunData, comparison: Comparison) -> list[str]:
    primary = comparison.alignment.primary
    measure = comparison.alignment.measure()
    if measure is None:
        return []
    a, b = title(comparison.a), title(comparison.b)
    result = measure.alignment

    def topic(model: str, topic_id: int) -> str:
        """The id, and the name when the topic has one."""
        topics = run.topics.get(model, [])
        name = topics[topic_id].name if topic_id < len(topics) else None
        return f"{topic_id}: {_cell(name)}" if name else str(topic_id)

    def only(model: str, ids: list[int]) -> str:
        return "; ".join(topic(model, i) for i in ids) or "none"

    lines = [f"## Matched topics: {a} and {b} ({primary.replace('_', '-')})", ""]
    if sentence := level_sentence(comparison):
        lines += [sentence, ""]
    if groups := group_lines(run, comparison, escape=_cell):
        lines += [f"- {line}" for line in groups] + [""]
    lines += [f"| {a} | {b} | similarity |", "|---|---|---|"]
    lines += [
        f"| {topic(comparison.a, m.a)} | {topic(comparison.b, m.b)} | {m.similarity:.3f} |"
        for m in result.matched
    ]
    lines += [
        "",
        f"{a}-only topics: {only(comparison.a, result.a_only)}. "
        f"{b}-only topics: {only(comparison.b, result.b_only)}.",
        "",
    ]
    return lines


def _tree_outline(model: str, tree: TopicTree, apart: int = 0) -> list[str]:
    """The tree as an indented list, largest first: name (else words) and documents, the
    reported topics in bold with their id; the finest levels left out when long."""
    shown, count = [], 0
    for level in sorted(tree.levels):
        count += len(tree.level(level))
        if shown and count > MAX_TREE_LINES and level > tree.reported:
            break
        shown.append(level)
    lines = [
        f"## {title(model)} topic tree",
        "",
        level_note(model, tree, apart),
        "",
    ]
    for depth, node in walk(tree, echoes=False):
        if node.level not in shown:
            continue
        label = _cell(node_label(node))
        if node.level == tree.reported and node.topic is not None:
            label = f"**topic {node.topic}: {label}**"
        lines.append(f"{'  ' * depth}- {label} ({node.size:,} docs)")
    if left := [n for n in tree.levels if n not in shown]:
        finer = ", ".join(map(str, left))
        lines += ["", f"Levels of {finer} topics: in {REPORT_HTML_FILE}."]
    return [*lines, ""]


def _over_time(run: RunData) -> list[str]:
    """Each model's movers: trend, early and late share, and their words then and now."""
    lines = [f"## {SECTION_TITLE}", ""]
    over_time = analysis(run)
    if over_time is None or over_time.period is None:
        return [*lines, absent_sentence(run), ""]
    lines += [_cell(period_sentence(over_time)), ""]
    for model in analysed_models(run, over_time):
        lines += [f"### {title(model)} movers", ""]
        shown = movers(over_time.models[model])
        for topic in shown:
            label, trend = topic_label(run, model, topic), trend_text(topic.trend)
            line = f"- **{_cell(label)}**: {trend}"  # the trend's text holds no corpus text
            if len(shift := word_shift(topic, over_time.period)) > 1:
                (first, early), (last, late) = shift[0], shift[-1]
                line += (
                    f"; words in {_cell(first)}: {_cell(', '.join(early))}; "
                    f"in {_cell(last)}: {_cell(', '.join(late))}"
                )
            lines.append(line)
        if not shown:
            lines.append("- No topic's share has a significant trend.")
        lines.append("")
    for pair in over_time.agreement:
        lines.append(
            f"{title(pair.a)} and {title(pair.b)}: the trends of {pair.agreeing} of "
            f"{pair.matched} matched topics agree."
        )
    return [*lines, *([""] if over_time.agreement else [])]
