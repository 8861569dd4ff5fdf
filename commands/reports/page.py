"""The progress report as one self-contained HTML page: its styles and charts inline, nothing
fetched, in the order a committee reads it (summary, successes, where more work is required,
every outcome by priority area, the method). The PDF is made from the same page.

Headings run in order (h1, h2 per section and area, h3 per outcome), tables have headers, and
each chart is an image with a title and a description a screen reader reads out."""

from __future__ import annotations

from html import escape
from importlib.resources import files

from commands.domain.rules import Status
from commands.presentation.formatting import STATUS_WORDS, status_counts, with_unit
from commands.presentation.report_charts import status_bars_svg
from commands.presentation.trajectory import inline_svg
from commands.reports.blocks import (
    anchor,
    commentary,
    long_day,
    more_work_words,
    outcome_block,
    status_badge,
    success_sentence,
)
from commands.reports.content import ReportContent
from commands.reports.method import METHOD

STATUS_ORDER = (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA)


def report_title(content: ReportContent) -> str:
    scope = "" if content.scope_kind == "roadmap" else f": {content.scope_name}"
    return f"Road map progress report{scope}, {long_day(content.as_of)}"


def report_html(content: ReportContent) -> str:
    title = report_title(content)
    areas = [(a.name, f"area-{i}") for i, a in enumerate(content.areas, start=1)]
    body = [
        _cover(content, title),
        _contents(areas),
        _summary(content),
        _successes(content),
        _more_work(content),
    ]
    for (name, area_id), summary in zip(areas, content.areas, strict=True):
        blocks = [outcome_block(o) for o in content.outcomes if o.status.area == summary.name]
        body.append(
            f'<section class="area-section" id="{area_id}" aria-labelledby="{area_id}-h">'
            f'<h2 id="{area_id}-h">{escape(name)}</h2>' + "\n".join(blocks) + "</section>"
        )
    body.append(METHOD)
    created = content.as_of.isoformat()
    css = files("commands.reports").joinpath("report.css").read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        # The PDF's dates are the report's own, so that making it again gives the same bytes.
        f'<meta name="dcterms.created" content="{created}">\n'
        f'<meta name="dcterms.modified" content="{created}">\n'
        '<meta name="generator" content="waymark">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>\n{css}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _cover(content: ReportContent, title: str) -> str:
    which = (
        "Readings not yet approved are included and marked provisional."
        if content.include_provisional
        else "Only approved readings are counted."
    )
    previous = (
        f" The last report was as of {long_day(content.previous_report)}."
        if content.previous_report
        else ""
    )
    # The date is never split between lines ("…, 26" above "November 2026").
    as_of = escape(long_day(content.as_of))
    heading_day = as_of.replace(" ", "\u00a0")
    heading = escape(title).replace(as_of, heading_day)
    return (
        f'<header class="cover"><h1>{heading}</h1>'
        f'<p class="subtitle">Where each outcome of {escape(content.scope_name)} stands, as of '
        f"{heading_day}.</p><p>{which}{previous} Each status is worked out by the "
        "rules on the last page, from the readings and the path each outcome is set to follow "
        "to 2040.</p></header>"
    )


def _contents(areas: list[tuple[str, str]]) -> str:
    items = [
        ("summary", "Summary"),
        ("successes", "Successes"),
        ("more-work", "Where more work is required"),
    ]
    links = "".join(f'<li><a href="#{i}">{escape(t)}</a></li>' for i, t in items)
    area_links = "".join(f'<li><a href="#{i}">{escape(n)}</a></li>' for n, i in areas)
    return (
        '<nav class="contents" aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2>'
        f'<ol>{links}<li><a href="#{areas[0][1]}">The outcomes, by priority area</a>'
        f'<ol>{area_links}</ol></li><li><a href="#method">How the status is worked out</a></li>'
        "</ol></nav>"
    )


def _summary(content: ReportContent) -> str:
    totals = content.totals
    counts = status_counts(totals)
    head = "".join(f'<th scope="col">{STATUS_WORDS[s]}</th>' for s in STATUS_ORDER)
    rows = "".join(
        f'<tr><th scope="row">{escape(a.name)}</th>'
        + "".join(f'<td class="number">{a.counts[s]}</td>' for s in STATUS_ORDER)
        + f'<td class="number">{sum(a.counts.values())}</td></tr>'
        for a in content.areas
    )
    total_row = (
        '<tr><th scope="row">All outcomes</th>'
        + "".join(f'<td class="number">{totals[s]}</td>' for s in STATUS_ORDER)
        + f'<td class="number">{sum(totals.values())}</td></tr>'
    )
    table = (
        "<table><caption>Outcomes by status in each priority area</caption>"
        f'<thead><tr><th scope="col">Priority area</th>{head}<th scope="col">Outcomes</th>'
        f"</tr></thead><tbody>{rows}{total_row}</tbody></table>"
    )
    bars = [(a.name, [a.counts[s] for s in STATUS_ORDER]) for a in content.areas]
    chart_title = "Outcomes by status in each priority area"
    description = "; ".join(f"{a.name}: " + status_counts(a.counts) for a in content.areas)
    chart = inline_svg(status_bars_svg(bars, chart_title), chart_title, description, "summary")
    return (
        '<section class="section summary-first" id="summary" aria-labelledby="summary-h">'
        f'<h2 id="summary-h">Summary</h2><p>Of {sum(totals.values())} outcomes: {counts}.</p>'
        f'{table}<figure class="chart">{chart}<figcaption>{chart_title}.</figcaption></figure>'
        f"{_milestones(content)}</section>"
    )


def _milestones(content: ReportContent) -> str:
    due = content.milestones
    if not due:
        return (
            f"<h3>Milestones</h3><p>No milestone was due by {long_day(content.as_of)}: the "
            "first fall due later, as each outcome's block shows.</p>"
        )
    met = [(o, m) for o, m in due if m.met]
    items = "".join(
        f"<li>{o.status.number}. {escape(o.status.title)}: {escape(m.label)} milestone of "
        f"{with_unit(m.target, o.status.unit)}, "
        + (
            f"{'met' if m.met else 'missed'} ({with_unit(m.value, o.status.unit)})"
            if m.value is not None
            else "no reading yet"
        )
        + "</li>"
        for o, m in due
    )
    met_words = f"{len(met)} of {len(due)} milestones due were met."
    return f"<h3>Milestones</h3><p>{met_words}</p><ul>{items}</ul>"


def _successes(content: ReportContent) -> str:
    found = content.successes
    since = (
        f" since the last report ({long_day(content.previous_report)})"
        if content.previous_report
        else ""
    )
    intro = f"Outcomes that met or beat their path, improved, or reached a milestone{since}."
    items = "".join(
        f'<li><a href="#{anchor(o)}">Outcome {o.status.number}</a>: '
        f"{escape(success_sentence(o))}</li>"
        for o in found
    )
    listed = f'<ul class="successes">{items}</ul>' if found else "<p>None this time.</p>"
    return (
        '<section class="section" id="successes" aria-labelledby="successes-h">'
        f'<h2 id="successes-h">Successes</h2><p>{intro}</p>{listed}</section>'
    )


def _more_work(content: ReportContent) -> str:
    found = content.more_work
    items = "".join(
        f'<li><h3><a href="#{anchor(o)}">{o.status.number}. {escape(o.status.title)}</a> '
        f"{status_badge(o.status.status)}</h3><p>Why: {escape(more_work_words(o))}</p>"
        f"<p>Commentary: {escape(commentary(o))}</p></li>"
        for o in found
    )
    listed = f'<ul class="more-work">{items}</ul>' if found else "<p>None this time.</p>"
    return (
        '<section class="section" id="more-work" aria-labelledby="more-work-h">'
        '<h2 id="more-work-h">Where more work is required</h2><p>Outcomes off track, or worse '
        f"in each of their last two readings, with what is being done.</p>{listed}</section>"
    )
