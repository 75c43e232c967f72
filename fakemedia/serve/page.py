"""The verify page: a form that works without JavaScript, and the result shown under it.

Rendered from plain data (the ``verify --json`` and ``history --json`` documents), so it can be
built in a worker. Every value that came from an image is untrusted and goes through
:func:`html.escape`; the page loads only same-origin files (``/static/``) and ``data:`` images,
as its Content-Security-Policy (:data:`CSP`) insists.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CSP", "error_fragment", "page", "result_fragment"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
#: Deepest nesting of a manifest value drawn as nested lists; deeper values are shown as JSON.
_MAX_FIELD_DEPTH = 8
_PALETTE = ("#c1121f", "#0a4fbf", "#1b6e2d", "#7b2cbf", "#a64b00", "#00607a")
_UNTRUSTED = "signingCredential.untrusted"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def page(result_html: str = "", *, version: str, profiles: Sequence[str] = ()) -> str:
    """The whole page: the form, and ``result_html`` (a fragment) when a file was checked."""
    configured = (f'<p class="small">Trust profiles evaluated on each image: {_e(", ".join(profiles))}</p>'
                  if profiles else "")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        "<title>fakemedia — check an image's Content Credentials</title>\n"
        '<link rel="icon" href="data:,">\n<link rel="stylesheet" href="/static/style.css">\n'
        '<script src="/static/app.js" defer></script>\n</head>\n<body>\n<main>\n'
        "<header><h1>Check an image's Content Credentials</h1>"
        "<p>Choose or drop a JPEG: its C2PA provenance is verified on this server and nothing is "
        "kept afterwards.</p></header>\n"
        '<form id="upload" method="post" action="/verify" enctype="multipart/form-data">'
        '<label class="drop" id="drop" for="file"><span>Drop an image here, or choose one:</span> '
        '<input type="file" id="file" name="file" accept="image/jpeg,.jpg,.jpeg" required></label> '
        '<button type="submit" id="submit">Verify</button>'
        '<progress id="progress" max="100" value="0" hidden></progress></form>\n'
        f'{configured}<div id="result" aria-live="polite">{result_html}</div>\n'
        f'<footer><p class="small">fakemedia {_e(version)} · '
        '<a href="/v1/openapi.json">HTTP API</a></p></footer>\n'
        "</main>\n</body>\n</html>\n")


def error_fragment(message: str, exit_code: int, request_id: str) -> str:
    return (f'<section class="error" id="error" role="alert" data-code="{exit_code}">'
            f"<h2>The image could not be checked</h2><p>{_e(message)}</p>"
            f'<p class="small">code {exit_code} · request {_e(request_id)}</p></section>')


# --- the result ------------------------------------------------------------------------------


def result_fragment(report: Mapping[str, Any], history: Mapping[str, Any], *, report_html: str,
                    profiles: Sequence[Mapping[str, Any]], picture: Mapping[str, Any] | None,
                    thumbnails: Mapping[str, str] | None = None) -> str:
    """Provenance and content assessment side by side, the image with its regions, the history
    (chain and tree), every field, trust-profile results and the downloads."""
    active = _active(report)
    name = str(report.get("source") or "image")
    parts = ['<div class="outcome" id="outcome">',
             '<div class="verdicts">', _provenance(report, active), _assessment(active), "</div>",
             _figure(picture, history, report), _problems(report),
             _history(history, report, thumbnails or {}),
             _profiles(profiles), _downloads(report, report_html, name), "</div>"]
    return "".join(parts)


def _active(report: Mapping[str, Any]) -> Mapping[str, Any] | None:
    label = report.get("active_manifest")
    return next((m for m in report.get("manifests") or [] if m.get("label") == label), None)


def _signer(signer: Any) -> str:
    if isinstance(signer, Mapping):
        return str(signer.get("organization") or signer.get("common_name") or "an unnamed signer")
    return str(signer) if signer else "an unnamed signer"


def _failures(report: Mapping[str, Any]) -> list[str]:
    return [c for c in dict.fromkeys(report.get("failures") or []) if c != _UNTRUSTED]


def _provenance(report: Mapping[str, Any], active: Mapping[str, Any] | None) -> str:
    """The manifest's verdict, and only that: whether the credentials hold, not what they say."""
    state = report.get("state") if report.get("manifest_found") else None
    if state is None:
        word, detail = "No Content Credentials", "The image carries no C2PA manifest."
        if report.get("remote_manifest"):
            word = "Not checked"
            detail = (f"The credentials are stored elsewhere ({report['remote_manifest']}); "
                      "they are never fetched.")
    elif state == "Trusted":
        word = "Trusted"
        detail = (f"Signed by {_signer(active and active.get('signer'))}, a signer in the trust list; "
                  "unchanged since signing.")
    elif state == "Valid":
        word, detail = "Valid", (f"Signed by {_signer(active and active.get('signer'))}; unchanged since "
                                 "signing, but the signer is not in the trust list.")
    else:
        codes = _failures(report) or ["unknown"]
        word, detail = "Invalid", f"A check failed: {codes[0]}. Do not rely on these credentials."
    cls = (state or "none").lower()
    return (f'<section class="verdict provenance state-{_e(cls)}" id="provenance" '
            f'data-state="{_e(state or "none")}" aria-labelledby="provenance-h">'
            '<h2 id="provenance-h">Provenance</h2>'
            f'<p class="word" id="provenance-state">{_e(word)}</p><p>{_e(detail)}</p></section>')


def probability_text(prob: Any) -> str | None:
    """"P(synthetic) = 0.87 by <model or person>", or None when nothing was assessed."""
    value = _num(prob.get("value")) if isinstance(prob, Mapping) else None
    if value is None or not isinstance(prob, Mapping):
        return None
    of = prob.get("of") or "synthetic"
    if prob.get("method") == "human":
        return f"P({of}) = {value:.2f} by {prob.get('assessor') or 'a person'} (human judgement)"
    model = " ".join(str(p) for p in (prob.get("name"), prob.get("version")) if p) or "an unnamed model"
    calibrated = "calibrated" if prob.get("calibrated") else "uncalibrated score"
    return f"P({of}) = {value:.2f} by detector {model} ({calibrated})"


def _assessment(active: Mapping[str, Any] | None) -> str:
    """What the annotation says about the content, kept apart from whether the manifest holds."""
    ann = (active or {}).get("annotation") or {}
    prob = ann.get("probability") if isinstance(ann, Mapping) else None
    text = probability_text(prob)
    value = _num(prob.get("value")) if isinstance(prob, Mapping) else None
    data = f' data-probability="{value:.4f}"' if value is not None else ""
    types = ", ".join(str(t) for t in ann.get("modification_types") or []) or "none declared"
    declared = f"<p>Declared modification: <strong>{_e(types)}</strong></p>" if active else ""
    return (f'<section class="verdict assessment" id="assessment"{data} aria-labelledby="assessment-h">'
            '<h2 id="assessment-h">Content assessment</h2>'
            f'<p class="word" id="assessment-value">{_e(text or "No assessment recorded")}</p>'
            f"{declared}</section>")


# --- the image and its regions ---------------------------------------------------------------


def _figure(picture: Mapping[str, Any] | None, history: Mapping[str, Any],
            report: Mapping[str, Any]) -> str:
    if not picture:
        return '<section id="image"><p class="small">The image cannot be displayed.</p></section>'
    width, height = int(picture["width"]), int(picture["height"])
    views = {m.get("label"): m for m in report.get("manifests") or []}
    shapes, step = [], 0
    for step, entry in enumerate(history.get("chain") or [], 1):
        view = views.get(entry.get("label")) or {}
        active = entry.get("label") == report.get("active_manifest")
        for region in (view.get("annotation") or {}).get("regions") or []:
            if isinstance(region, Mapping):
                shapes.append(_shape(region, width, height, step, active))
    count = sum(1 for s in shapes if s)
    caption = (f"{count} region{'s' if count != 1 else ''} outlined (solid: the current step; dashed: "
               "earlier steps)." if count else "No regions are declared.")
    return (f'<section id="image" aria-labelledby="image-h"><h2 id="image-h">The image</h2><figure>'
            f'<svg class="picture" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="the image checked, {width} × {height} pixels">'
            f'<image href="{_e(picture["data_uri"])}" x="0" y="0" width="{width}" height="{height}"/>'
            f'{"".join(shapes)}</svg><figcaption>{_e(caption)}</figcaption></figure></section>')


def _shape(region: Mapping[str, Any], width: int, height: int, step: int, active: bool) -> str:
    sx, sy = (width / 100, height / 100) if region.get("unit") == "percent" else (1.0, 1.0)
    x, y, w, h = (_num(region.get(k)) for k in ("x", "y", "width", "height"))
    dashes = "" if active else ' stroke-dasharray="8 5"'
    stroke = f'stroke="{_PALETTE[(step - 1) % len(_PALETTE)]}"{dashes}'
    kind = region.get("shape")
    if kind == "rectangle" and None not in (x, y, w, h):
        assert x is not None and y is not None and w is not None and h is not None
        body = f'<rect x="{x * sx:g}" y="{y * sy:g}" width="{w * sx:g}" height="{h * sy:g}" {stroke}/>'
    elif kind == "circle" and None not in (x, y, w):
        assert x is not None and y is not None and w is not None
        body = f'<circle cx="{x * sx:g}" cy="{y * sy:g}" r="{w * sx / 2:g}" {stroke}/>'
    elif kind == "polygon":
        points = []
        for vertex in region.get("vertices") or []:
            pair = vertex if isinstance(vertex, (list, tuple)) and len(vertex) == 2 else (None, None)
            px, py = _num(pair[0]), _num(pair[1])
            if px is None or py is None:
                return ""
            points.append(f"{px * sx:g},{py * sy:g}")
        if len(points) < 3:
            return ""
        body = f'<polygon points="{" ".join(points)}" {stroke}/>'
    else:
        return ""
    label = region.get("name") or region.get("description") or kind
    return f'<g class="region"><title>{_e(f"step {step}: {label}")}</title>{body}</g>'


# --- problems, history, fields ---------------------------------------------------------------


def _problems(report: Mapping[str, Any]) -> str:
    results = report.get("validation_results") or {}
    explained: dict[str, str] = {}
    for section in _status_sections(results):
        for entry in section.get("failure") or []:
            if isinstance(entry, Mapping) and entry.get("code") != _UNTRUSTED:
                explained.setdefault(str(entry.get("code")), str(entry.get("explanation") or ""))
    if not explained:
        return ""
    items = "".join(f"<li><code>{_e(c)}</code>{': ' + _e(x) if x else ''}</li>" for c, x in explained.items())
    return (f'<section class="problems" id="problems"><h2>Problems found</h2><ul>{items}</ul></section>')


def _status_sections(results: Any) -> list[Mapping[str, Any]]:
    if not isinstance(results, Mapping):
        return []
    out = [results["activeManifest"]] if isinstance(results.get("activeManifest"), Mapping) else []
    for delta in results.get("ingredientDeltas") or []:
        if isinstance(delta, Mapping) and isinstance(delta.get("validationDeltas"), Mapping):
            out.append(delta["validationDeltas"])
    return out


def _badge(state: Any) -> str:
    known = state if state in ("Trusted", "Valid", "Invalid") else None
    return f'<span class="badge badge-{(known or "none").lower()}">{_e(known or state or "unknown")}</span>'


def _history(history: Mapping[str, Any], report: Mapping[str, Any],
             thumbnails: Mapping[str, str]) -> str:
    chain = history.get("chain") or []
    if not report.get("manifest_found") or not chain:
        return ""
    steps = []
    for entry in chain:
        is_active = entry.get("label") == report.get("active_manifest")
        state = report.get("state") if is_active else entry.get("state")
        assessed = _step_assessment(entry, report)
        types = ", ".join(str(t) for t in entry.get("modification_types") or []) or "none declared"
        thumb = thumbnails.get(str(entry.get("label")))
        shown = (f'<img class="thumb" src="{_e(thumb)}" alt="thumbnail of this step" width="96"> '
                 if thumb else "")
        heading = _e(entry.get("title") or entry.get("label"))
        steps.append(f'<li class="step">{shown}<strong>{heading}</strong> '
                     f"{_badge(state)}<br>signed by {_e(entry.get('signer') or 'an unnamed signer')}"
                     f"{' on ' + _e(entry['when']) if entry.get('when') else ''}; modification: {_e(types)}"
                     f"{'; content assessment: ' + _e(assessed) if assessed else ''}</li>")
    tree = history.get("tree")
    tree_html = ""
    if isinstance(tree, Mapping):
        tree_html = (f'<h3>Ingredient tree</h3><ul class="tree" id="tree">'
                     f'<li>{_node(tree, report.get("state"), 0)}</li></ul>')
    n = len(chain)
    return (f'<section id="history" aria-labelledby="history-h"><h2 id="history-h">History: {n} '
            f'step{"s" if n != 1 else ""}, oldest first</h2>'
            f'<ol class="chain" id="chain">{"".join(steps)}</ol>'
            f"{tree_html}</section>")


def _step_assessment(entry: Mapping[str, Any], report: Mapping[str, Any]) -> str | None:
    """What a detector or person estimated for this step, named as such (never a provenance
    verdict); from the step's annotation when the report lists it, else the bare number."""
    manifest = next((m for m in report.get("manifests") or [] if m.get("label") == entry.get("label")), None)
    ann = manifest.get("annotation") if isinstance(manifest, Mapping) else None
    text = probability_text(ann.get("probability")) if isinstance(ann, Mapping) else None
    value = _num(entry.get("probability"))
    if text or value is None:
        return text
    return f"probability {value:.2f} (an estimate by an unnamed assessor)"


def _node(node: Mapping[str, Any], active_state: Any, depth: int) -> str:
    label = node.get("label")
    if node.get("missing"):
        return f'<span class="node">{_e(label)} (manifest missing)</span>'
    if node.get("truncated"):
        return f'<span class="node">{_e(label)} (deeper steps not shown)</span>'
    state = active_state if depth == 0 else node.get("state")
    fields = {k: v for k, v in node.items() if k != "ingredients"}
    head = (f'<span class="node">{_e(node.get("title") or label)} {_badge(state)} by '
            f"{_e(_signer(node.get('signer')))}</span>"
            f"<details><summary>Every field</summary>{_fields(fields, 0)}</details>")
    children = []
    for ingredient in node.get("ingredients") or []:
        relation = _e(ingredient.get("relationship") or "ingredient")
        child = ingredient.get("node")
        inner = (_node(child, active_state, depth + 1) if isinstance(child, Mapping)
                 else f"{_e(ingredient.get('title') or 'untitled')} (no manifest)")
        children.append(f"<li><em>{relation}</em>: {inner}</li>")
    return head + (f"<ul>{''.join(children)}</ul>" if children else "")


def _fields(value: Any, depth: int) -> str:
    """Any JSON value as nested lists: every field the manifest has, none left out."""
    if depth >= _MAX_FIELD_DEPTH:
        return f"<code>{_e(json.dumps(value, ensure_ascii=False)[:2000])}</code>"
    if isinstance(value, Mapping):
        if not value:
            return '<span class="none">none</span>'
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_fields(v, depth + 1)}</dd>" for k, v in value.items())
        return f"<dl>{rows}</dl>"
    if isinstance(value, list):
        if not value:
            return '<span class="none">none</span>'
        return "<ol>" + "".join(f"<li>{_fields(v, depth + 1)}</li>" for v in value) + "</ol>"
    if value is None:
        return '<span class="none">—</span>'
    return _e(value)


# --- trust profiles and downloads ------------------------------------------------------------


def _profiles(profiles: Sequence[Mapping[str, Any]]) -> str:
    if not profiles:
        return ""
    cards = []
    for item in profiles:
        name = _e(item.get("profile"))
        if "error" in item:
            cards.append(f'<li class="profile"><strong>{name}</strong>: not evaluated: '
                         f'{_e(item["error"])}</li>')
            continue
        report = item.get("report") or {}
        envelope = report.get("fakemedia:evaluation") or {}
        compliance = envelope.get("compliance")
        verdict = ("compliant" if compliance is True else "not compliant" if compliance is False
                   else "no compliance statement")
        rows = []
        for block in report.get("statements") or []:
            for statement in block if isinstance(block, list) else [block]:
                if isinstance(statement, Mapping):
                    value = statement.get("value")
                    mark = "" if value is None else f" [{_e(value)}]"
                    rows.append(f"<li><code>{_e(statement.get('id'))}</code>{mark}: "
                                f"{_e(statement.get('report_text') or statement.get('title') or '')}</li>")
        cards.append(f'<li class="profile" data-compliance="{_e(compliance)}"><strong>{name}</strong>: '
                     f"{_e(verdict)} (decision: {_e(envelope.get('decision') or 'none')})"
                     f"<ul>{''.join(rows)}</ul></li>")
    return (f'<section id="profiles"><h2>Trust profiles</h2><ul>{"".join(cards)}</ul></section>')


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _downloads(report: Mapping[str, Any], report_html: str, name: str) -> str:
    stem = name.rsplit(".", 1)[0] or "image"
    document = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return ('<section id="downloads"><h2>Downloads</h2><ul>'
            f'<li><a id="download-json" download="{_e(stem)}.report.json" '
            f'href="{_data_uri("application/json", document)}">JSON report</a> '
            '(as <code>fakemedia verify --json</code>)</li>'
            f'<li><a id="download-html" download="{_e(stem)}.report.html" '
            f'href="{_data_uri("text/html", report_html.encode("utf-8"))}">Self-contained HTML page</a> '
            "(as <code>fakemedia report</code>)</li></ul></section>")
