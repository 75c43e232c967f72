"""A self-contained HTML page about an image's Content Credentials, for people (journalists).

``render_report`` is a pure function of a :class:`VerificationReport` and the image bytes: the
image is embedded as a ``data:`` URI, regions are inline SVG over it, and the page loads nothing
(a strict Content-Security-Policy forbids it, and there is no JavaScript at all). Every value
read from a manifest is untrusted, so each one goes through :func:`html.escape` on its way out.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fakemedia import __version__
from fakemedia.annotation.model import PURPOSE_DESCRIPTIONS
from fakemedia.manifest.reader import ManifestView, VerificationReport
from fakemedia.manifest.verdict import Verdict, verdict_of

if TYPE_CHECKING:
    from fakemedia.trust.presentation import ReportView

from fakemedia.present.wording import (
    ASSESSMENT_NOTE,
    assessment_value,
    explain,
    explain_in,
    hidden_labels,
    identity_details,
    identity_headline,
    judged_at,
    needs_tree,
    signer_name,
    tool_name,
)

__all__ = ["CSP", "MAX_DISPLAY_WIDTH", "render_report", "report_html"]

#: Nothing may load: images only from data: URIs, styles only inline, no script at all.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MAX_DISPLAY_WIDTH = 1600
#: An image this small and this narrow is embedded byte for byte: the reader sees exactly the
#: pixels that were checked. Larger ones are downscaled to keep the page light.
_EMBED_AS_IS_BYTES = 4 * 1024 * 1024
#: Dark outline colours for regions, one per step of the chain (each on a white halo).
_PALETTE = ("#c1121f", "#0a4fbf", "#1b6e2d", "#7b2cbf", "#a64b00", "#00607a")
_UNTRUSTED = "signingCredential.untrusted"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    """A finite number, else None (foreign manifests may carry NaN, infinities or strings)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- the image ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Picture:
    data_uri: str | None
    width: int = 0
    height: int = 0
    problem: str = ""


def _picture(image: bytes) -> _Picture:
    """The image as a data: URI plus its stored pixel size (the regions' coordinate space)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(image)) as im:
            width, height = im.size
            if im.format == "JPEG" and width <= MAX_DISPLAY_WIDTH and len(image) <= _EMBED_AS_IS_BYTES:
                im.load()  # decodes, so a truncated or corrupt file shows the placeholder instead
                return _Picture(_data_uri("image/jpeg", image), width, height)
            shown = (MAX_DISPLAY_WIDTH, max(1, round(height * MAX_DISPLAY_WIDTH / width)))
            if width <= MAX_DISPLAY_WIDTH:
                shown = (width, height)
            im.draft("RGB", shown)  # JPEG decodes at a reduced scale: far faster for big images
            small = im.convert("RGB").resize(shown, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, "JPEG", quality=88)
            return _Picture(_data_uri("image/jpeg", out.getvalue()), width, height)
    except Exception as exc:  # Pillow raises many types (OSError, ValueError, bomb errors) on bad data
        return _Picture(None, problem=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300])


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


# --- regions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    ref: str  # "R1", "R2", … across the page
    step: int
    active: bool
    data: Mapping[str, Any]


def _region_svg(region: _Region, width: int, height: int) -> str:
    """One SVG shape in the image's pixel space (percent converted), with its label; empty
    when the region cannot be drawn (missing coordinates)."""
    d = region.data
    sx, sy = (width / 100, height / 100) if d.get("unit") == "percent" else (1.0, 1.0)
    x, y, w, h = (_num(d.get(k)) for k in ("x", "y", "width", "height"))
    colour = _PALETTE[(region.step - 1) % len(_PALETTE)]
    style = f'stroke="{colour}"' + ("" if region.active else ' stroke-dasharray="8 5"')
    shape = d.get("shape")
    if shape == "rectangle" and x is not None and y is not None and w is not None and h is not None:
        x0, y0 = x * sx, y * sy
        body = (f'<rect class="shape" x="{_fmt(x0)}" y="{_fmt(y0)}" width="{_fmt(w * sx)}" '
                f'height="{_fmt(h * sy)}" {style}/>')
    elif shape == "circle" and x is not None and y is not None and w is not None:
        r = w * sx / 2  # width is the diameter; in percent, of the image width
        x0, y0 = x * sx - r, y * sy - r
        body = f'<circle class="shape" cx="{_fmt(x * sx)}" cy="{_fmt(y * sy)}" r="{_fmt(r)}" {style}/>'
    elif shape == "polygon":
        pts: list[tuple[float, float]] = []
        for v in d.get("vertices") or []:
            pair = v if isinstance(v, (list, tuple)) and len(v) == 2 else (None, None)
            px, py = _num(pair[0]), _num(pair[1])
            if px is None or py is None:
                return ""
            pts.append((px * sx, py * sy))
        if len(pts) < 3:
            return ""
        x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
        points = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pts)
        body = f'<polygon class="shape" points="{points}" {style}/>'
    else:
        return ""
    font = max(width, height) / 38
    label = _region_caption(region)
    # Above the shape when there is room, else just inside its top edge.
    ty = y0 - font * 0.3 if y0 > font * 1.2 else y0 + font * 1.05
    return (f'<g class="region" data-ref="{_e(region.ref)}"><title>{_e(label)}</title>{body}'
            f'<text x="{_fmt(max(x0, 0) + font * 0.2)}" y="{_fmt(ty)}" font-size="{_fmt(font)}" '
            f'fill="{colour}">{_e(label)}</text></g>')


def _region_caption(region: _Region) -> str:
    d = region.data
    name = d.get("name") or d.get("description") or d.get("region_type")
    prob = _num(d.get("probability"))
    parts = [region.ref, *([str(name)] if name else []), *([f"p={prob:.2f}"] if prob is not None else [])]
    return " · ".join(parts)


def _region_text(d: Mapping[str, Any]) -> str:
    unit = "%" if d.get("unit") == "percent" else " px"
    shape = str(d.get("shape") or "region")
    if shape == "polygon":
        return f"polygon of {len(d.get('vertices') or [])} points ({'percent' if unit == '%' else 'pixels'})"

    def n(key: str) -> str:
        value = _num(d.get(key))
        return "?" if value is None else f"{_fmt(value)}{unit}"

    if shape == "circle":
        return f"circle centred at x {n('x')}, y {n('y')}, diameter {n('width')}"
    return f"{shape} at x {n('x')}, y {n('y')}, {n('width')} × {n('height')}"


def _figure(picture: _Picture, regions: Sequence[_Region], source: str | None) -> str:
    name = source or "the image"
    if picture.data_uri is None:
        return (f'<div class="placeholder" role="img" aria-label="image not shown">'
                f"<p>The image could not be displayed ({_e(picture.problem)}).</p>"
                f"<p>Its Content Credentials are reported below all the same.</p></div>")
    shapes = "".join(_region_svg(r, picture.width, picture.height) for r in regions)
    alt = (f"{name}, {picture.width} × {picture.height} pixels"
           + (f", with {len(regions)} marked region{'s' if len(regions) != 1 else ''}" if regions else ""))
    overlay = ""
    if shapes:
        overlay = (f'<svg class="overlay" viewBox="0 0 {picture.width} {picture.height}" '
                   f'preserveAspectRatio="none" role="img" aria-label="marked regions">{shapes}</svg>')
    return (f'<div class="stage"><img src="{picture.data_uri}" alt="{_e(alt)}" '
            f'width="{picture.width}" height="{picture.height}">{overlay}</div>')


# --- the verdict ----------------------------------------------------------------------------


def _verdict(report: VerificationReport, judged: Verdict) -> tuple[str, str, str]:
    """(css class, headline, explanation) of the provenance verdict, in words a reader without
    C2PA knowledge follows."""
    p = judged.provenance
    if not p.found:
        if p.remote_url:
            return ("none", "Content Credentials stored elsewhere — not checked",
                    "This image points to Content Credentials kept on a server "
                    f"({p.remote_url}). They were not fetched, so nothing was verified.")
        return ("none", "No Content Credentials",
                "This image carries no C2PA manifest, so there is no signed record of where it "
                "came from or how it was changed. That alone does not make it fake: most images "
                "have none.")
    who = signer_name(p.signer)
    if p.state == "Trusted":
        return ("trusted", "Trusted",
                f"Signed by {who}, a signer in your trust list. The image has not changed since "
                "it was signed, and the history below is intact.")
    if p.state == "Valid":
        return ("valid", "Valid — signer not in your trust list",
                f"Signed by {who}. The image has not changed since it was signed and the history "
                "below is intact, but the signer's certificate is not in your trust list: anyone "
                "can sign under that name. Confirm who they are before relying on it.")
    code = p.first_problem or "unknown"
    return ("invalid", "Invalid — do not rely on these credentials",
            f"A check failed: {explain_in(report, code, p.judged_at)} ({code}). The history below is "
            "shown as it was recorded, but it no longer describes this image reliably.")


def _assessment(judged: Verdict) -> str:
    """The content assessment, its own element beside the verdict (never part of it)."""
    a = judged.assessment
    head = '<p class="kicker">Content assessment: what was estimated about the pixels</p>'
    if a is None:
        return (f'<section class="assessment assessment-none" id="assessment" aria-labelledby="assessment-h">'
                f'{head}<h2 id="assessment-h">No content assessment recorded</h2>'
                "<p>No detector or person recorded an estimate of whether the image is synthetic. "
                "The provenance verdict says nothing about that either.</p></section>")
    shown = f"P({a.of}) = {a.probability:.2f}"
    return (f'<section class="assessment" id="assessment" aria-labelledby="assessment-h">{head}'
            f'<h2 id="assessment-h">{_e(shown)}</h2>'
            f'<p>{_e(assessment_value(a))}: {_e(ASSESSMENT_NOTE)}.</p></section>')


def _failure_codes(codes: Iterable[str]) -> list[str]:
    """Distinct failure codes; 'untrusted' is said by the verdict, not listed as a problem."""
    return [c for c in dict.fromkeys(codes) if c != _UNTRUSTED]


def _badge(state: str | None) -> str:
    words = {"Trusted": "Trusted", "Valid": "Valid", "Invalid": "Invalid"}
    cls = state.lower() if state in words else "none"
    return f'<span class="badge badge-{cls}">{_e(words.get(state or "", state or "unknown"))}</span>'


# --- one manifest ---------------------------------------------------------------------------


def _row(label: str, value_html: str | None) -> str:
    return f"<dt>{_e(label)}</dt><dd>{value_html}</dd>" if value_html else ""


def _text(value: Any) -> str | None:
    return _e(value) if isinstance(value, str) and value else None


def _locked_or(field: str, hidden: set[str], value_html: str | None) -> str | None:
    if value_html:
        return value_html
    return '<span class="locked">restricted</span>' if field in hidden else None


def _probability(prob: Any) -> str | None:
    """Said as a detector's (or assessor's) measurement, never as the signer's own claim."""
    value = _num(prob.get("value")) if isinstance(prob, Mapping) else None
    if value is None:
        return None
    what = f"a <strong>{value:.2f}</strong> probability that it is {_e(prob.get('of') or 'synthetic')}"
    if prob.get("method") == "human":
        return f"{_e(prob.get('assessor') or 'A person')} (human judgement) gives {what}"
    name = " ".join(str(p) for p in (prob.get("name"), prob.get("version")) if p) or "(unnamed)"
    text = f"Detector {_e(name)} estimates {what}"
    text += " (calibrated)" if prob.get("calibrated") else " (uncalibrated score)"
    if isinstance(prob.get("model_sha256"), str):
        text += f'<br><span class="small">model SHA-256 <code>{_e(prob["model_sha256"])}</code></span>'
    return text


def _purpose(ann: Mapping[str, Any]) -> str | None:
    purpose, free = ann.get("purpose"), ann.get("purpose_text")
    parts = []
    if isinstance(purpose, str):
        gloss = PURPOSE_DESCRIPTIONS.get(purpose)
        parts.append(f"<strong>{_e(purpose)}</strong>" + (f" — {_e(gloss)}" if gloss else ""))
    if isinstance(free, str) and free:
        parts.append(f"“{_e(free)}”")
    return "<br>".join(parts) or None


def _link(url: str) -> str:
    """A reference address: clickable only for plain http(s) (a click, never a load)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts and parts.scheme in ("http", "https") and parts.netloc and url.isprintable() and " " not in url:
        return f'<a href="{_e(url)}" rel="noopener noreferrer nofollow">{_e(url)}</a>'
    return f"<code>{_e(url)}</code>"


def _references(refs: Any) -> str | None:
    items = []
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, Mapping) or not isinstance(ref.get("url"), str):
            continue
        item = _link(ref["url"])
        if ref.get("description"):
            item += f" — {_e(ref['description'])}"
        if ref.get("media_type"):
            item += f' <span class="small">({_e(ref["media_type"])})</span>'
        if ref.get("hash"):
            item += (f'<br><span class="small">{_e(ref.get("hash_alg") or "hash")}: '
                     f'<code class="hash">{_e(ref["hash"])}</code></span>')
        items.append(f"<li>{item}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else None


def _pairs(value: Any, names: Sequence[tuple[str, str]]) -> str | None:
    if not isinstance(value, Mapping):
        return None
    rows = []
    for key, label in names:
        v = value.get(key)
        if isinstance(v, str) and v:
            shown = _link(v) if key.endswith("url") else _e(v)
            rows.append(f"{_e(label)}: {shown}")
    return "<br>".join(rows) or None


_IPR = (("creator", "creator"), ("copyright", "copyright"), ("licence", "licence"),
        ("licence_url", "licence address"))
_ORIGIN = (("source", "source"), ("source_type", "source type"), ("device", "device"),
           ("url", "address"), ("instance_id", "instance id"), ("created", "created"))


def _restricted(ann: Mapping[str, Any]) -> str | None:
    info = ann.get("restricted")
    if not isinstance(info, Mapping):
        return None
    fields = [str(f) for f in info.get("fields") or []]
    count, recipients = len(fields), int(_num(info.get("recipients")) or 0)
    head = (f"restricted ({count} field{'s' if count != 1 else ''}, {recipients} "
            f"recipient{'s' if recipients != 1 else ''})")
    names = f": {_e(', '.join(fields))}" if fields else ""
    if info.get("decrypted"):
        state = " — decrypted with your key and shown here"
    elif info.get("error"):
        state = f" — not decrypted: {_e(info['error'])}"
    else:
        state = " — encrypted; only a recipient's key reveals them"
    return f'<span class="locked">{_e(head)}</span>{names}{state}'


def _source_types(ann: Mapping[str, Any]) -> str | None:
    # IPTC terms are URIs; the last segment is the readable term (and no address is linked).
    terms = [t.rstrip("/").rsplit("/", 1)[-1] for t in ann.get("digital_source_types") or []
             if isinstance(t, str)]
    return _e(", ".join(terms)) if terms else None


def _certificate(signer: Mapping[str, Any] | None, algorithm: str | None) -> str | None:
    if not signer:
        return None
    parts = []
    if signer.get("issuer_common_name") or signer.get("issuer"):
        parts.append(f"issued by {_e(signer.get('issuer_common_name') or signer.get('issuer'))}")
    if signer.get("not_before") and signer.get("not_after"):
        parts.append(f"valid {_e(signer['not_before'])} to {_e(signer['not_after'])}")
    if algorithm:
        parts.append(f"signature {_e(algorithm)}")
    return f'<span class="small">{"; ".join(parts)}</span>' if parts else None


def _validation(view: ManifestView, state: str | None) -> str:
    codes = _failure_codes(view.statuses.codes("failure"))
    passed = len(view.statuses.codes("success"))
    out = f"{_badge(state)} {passed} check{'s' if passed != 1 else ''} passed"
    if view.statuses.has(_UNTRUSTED):
        out += (f'<br><span class="small">The signer is not in your trust list '
                f"(<code>{_UNTRUSTED}</code>).</span>")
    if codes:
        items = "".join(f"<li><code>{_e(c)}</code>: {_e(explain(c))}</li>" for c in codes)
        out += f'<ul class="failures">{items}</ul>'
    return out


def _identities(view: ManifestView) -> str | None:
    """The CAWG identities validation recorded for the manifest (who vouches beside the signer)."""
    if not view.identities:
        return None
    items = "".join(
        f'<li class="identity identity-{"trusted" if i.trusted else "verified" if i.verified else "failed"}">'
        f"<strong>{_e(identity_headline(i))}</strong><ul>"
        + "".join(f"<li>{_e(line)}</li>" for line in identity_details(i)) + "</ul></li>"
        for i in view.identities)
    return f"<ul>{items}</ul>"


def _card(view: ManifestView, *, heading: str, state: str | None, regions: Sequence[_Region],
          anchors: Mapping[str, str], active: bool, thumbnail: tuple[str, bytes] | None = None) -> str:
    ann = view.annotation
    hidden = hidden_labels(ann)
    types = ", ".join(str(t) for t in ann.get("modification_types") or [])
    actions = ", ".join(str(a) for a in ann.get("actions") or [])
    region_items = "".join(
        f"<li><strong>{_e(r.ref)}</strong> {_e(_region_text(r.data))}"
        + (f" — {_e(r.data.get('name') or r.data.get('description'))}"
           if r.data.get("name") or r.data.get("description") else "")
        + (f", probability {_num(r.data.get('probability')):.2f}"
           if _num(r.data.get("probability")) is not None else "") + "</li>"
        for r in regions)
    if not region_items:
        region_items = "".join(f"<li>{_e(_region_text(d))}</li>" for d in ann.get("regions") or []
                               if isinstance(d, Mapping))
    ingredients = "".join(
        f"<li>{_e(i.title or 'untitled')} ({_e(i.relationship or 'unknown relation')}"
        + (f', <a href="#{anchors[i.manifest]}">its manifest</a>'
           if i.manifest is not None and i.manifest in anchors
           else ", no manifest of its own") + ")</li>"
        for i in view.ingredients)
    agents = ", ".join(str(a) for a in ann.get("software_agents") or [])
    tool = tool_name(view.generator)
    rows = [
        _row("Thumbnail", _thumbnail(thumbnail, heading)),
        _row("Validation", _validation(view, state)),
        _row("Signed by", _e(signer_name(view.signer))),
        _row("Certificate", _certificate(view.signer, view.algorithm)),
        _row("When", _locked_or("when", hidden, _text(ann.get("when")))),
        _row("Tool", _e(tool) if tool else None),
        _row("Software used", _e(agents) if agents and agents != tool else None),
        _row("Modification", f"<strong>{_e(types)}</strong>" if types else "none declared"),
        _row("Recorded actions", f'<span class="small">{_e(actions)}</span>' if actions else None),
        _row("Source type", _source_types(ann)),
        _row("Purpose", _locked_or("purpose", hidden, _purpose(ann))),
        _row("Content assessment", _locked_or("assessment", hidden, _probability(ann.get("probability")))),
        _row("Regions", _locked_or("region", hidden, f"<ul>{region_items}</ul>" if region_items else None)),
        _row("Author", _locked_or("author", hidden, _text(ann.get("author")))),
        _row("Description", _locked_or("description", hidden, _text(ann.get("description")))),
        _row("References", _locked_or("reference", hidden, _references(ann.get("references")))),
        _row("Rights", _pairs(ann.get("ipr"), _IPR)),
        _row("Origin", _pairs(ann.get("origin"), _ORIGIN)),
        _row("Restricted fields", _restricted(ann)),
        _row("Identity", _identities(view)),
        _row("Removed later", _e(", ".join(view.redacted)) + " (redacted by a later step)"
             if view.redacted else None),
        _row("Ingredients", f"<ul>{ingredients}</ul>" if ingredients else None),
    ]
    cls = f"card state-{(state or 'none').lower()}" + (" active" if active else "")
    note = ' <span class="tag">current image</span>' if active else ""
    return (f'<li class="{_e(cls)}" id="{anchors.get(view.label, "")}">'
            f"<h3>{_e(heading)}{note} {_badge(state)}</h3>"
            f'<p class="label">manifest <code>{_e(view.label)}</code></p>'
            f"<dl>{''.join(rows)}</dl></li>")


# --- the page -------------------------------------------------------------------------------


def _chain_views(report: VerificationReport, history: Mapping[str, Any]) -> list[ManifestView]:
    views = (report.manifest(c.get("label")) for c in history.get("chain") or [])
    return [v for v in views if v is not None]


def _tree(node: Mapping[str, Any], anchors: Mapping[str, str], active_state: str | None,
          depth: int = 0) -> str:
    if node.get("missing"):
        return f"<span>{_e(node.get('label'))} (manifest missing)</span>"
    state = active_state if depth == 0 else node.get("state")
    label = str(node.get("label") or "")
    name = _e(node.get("title") or label)
    head = (f'<a href="#{anchors[label]}">{name}</a>' if label in anchors else name) + f" {_badge(state)}"
    items = []
    for ing in node.get("ingredients") or []:
        relation = _e(ing.get("relationship") or "ingredient")
        child = ing.get("node")
        inner = (_tree(child, anchors, active_state, depth + 1) if isinstance(child, Mapping) and depth < 32
                 else f"{_e(ing.get('title') or 'untitled')} (no manifest)")
        items.append(f"<li><em>{relation}</em>: {inner}</li>")
    return head + (f"<ul>{''.join(items)}</ul>" if items else "")


def _trend(chain: Sequence[Mapping[str, Any]]) -> str:
    values = [_num(c.get("probability")) for c in chain]
    if all(v is None for v in values):
        return ""
    shown = " → ".join("—" if v is None else f"{v:.2f}" for v in values)
    return (f'<p class="trend">P(synthetic) as each step recorded it: <strong>{_e(shown)}</strong> '
            f'<span class="small">({_e(ASSESSMENT_NOTE)})</span></p>')


_OUTCOME_WORDS = {"pass": "pass", "fail": "fail", "value": "value", "info": "note"}


def _trust_profile(view: ReportView) -> str:
    """A Trust Profile's verdicts (JPEG Trust, ISO/IEC 21617-1): one line per statement, the
    compliance statement marked. The view's texts are plain; they are escaped here, once."""
    name = " ".join(p for p in (view.profile_name, view.profile_version) if p) or "trust profile"
    verdict = {True: "compliant", False: "not compliant", None: "no compliance statement"}[view.compliance]
    kind = {True: "true", False: "false", None: "none"}[view.compliance]
    parts = ['<section class="profile" id="trust-profile" aria-labelledby="profile-h">'
             f'<h2 id="profile-h">Trust profile: {_e(name)}</h2>'
             f'<p class="profile-verdict profile-{kind}">'
             f"<strong>{_e(verdict)}</strong>"
             + (f"; decision: {_e(view.decision)}" if view.decision else "") + "</p>"]
    for section in view.sections:
        if section.title:
            parts.append(f"<h3>{_e(section.title)}</h3>")
        if section.text:
            parts.append(f"<p>{_e(section.text)}</p>")
        rows = "".join(
            f'<li class="outcome-{s.outcome}{" compliance" if s.is_compliance else ""}" data-id="{_e(s.id)}">'
            f'<span class="tag">{_OUTCOME_WORDS[s.outcome]}</span> <code>{_e(s.id)}</code>: {_e(s.text)}</li>'
            for s in section.statements)
        parts.append(f'<ul class="statements">{rows}</ul>')
    for key, value in view.data:
        parts.append(f'<p class="small"><code>{_e(key)}</code>: {_e(value)}</p>')
    if view.indicators_verified is False:
        parts.append('<p class="small">The indicator set was not verified here.</p>')
    parts.append("</section>")
    return "".join(parts)


def _thumbnail(thumbnail: tuple[str, bytes] | None, heading: str) -> str | None:
    """The step's claim thumbnail inline (a data: URI, which the page's CSP allows)."""
    if thumbnail is None:
        return None
    media_type, data = thumbnail
    uri = f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
    return f'<img class="thumb" src="{_e(uri)}" alt="{_e(f"thumbnail of {heading}")}">'


def render_report(report: VerificationReport, image: bytes, *, title: str | None = None,
                  generated: datetime | None = None, profile: ReportView | None = None,
                  thumbnails: Mapping[str, tuple[str, bytes]] | None = None) -> str:
    """The HTML page for ``report`` about ``image`` (the bytes that were verified).

    ``thumbnails``: each manifest's claim thumbnail (media type, bytes) by label, as
    :func:`fakemedia.api.manifest_thumbnails` reads them, shown on its step.

    ``generated``: when the check ran, printed in the footer (left out when None, which keeps
    the function pure: the same inputs give the same page). ``profile``: a Trust Profile's
    verdicts on this image (see :func:`fakemedia.api.trust_view`), shown after the verdict.
    """
    history = report.history()
    chain_views = _chain_views(report, history)
    on_chain = {v.label for v in chain_views}
    others = [m for m in report.manifests if m.label not in on_chain]
    anchors = {m.label: f"m{i + 1}" for i, m in enumerate([*chain_views, *others])}

    regions: list[_Region] = []
    per_view: dict[str, list[_Region]] = {}
    for step, view in enumerate(chain_views, 1):
        for d in view.annotation.get("regions") or []:
            if isinstance(d, Mapping):
                r = _Region(f"R{len(regions) + 1}", step, view.label == report.active_manifest, d)
                regions.append(r)
                per_view.setdefault(view.label, []).append(r)

    judged = verdict_of(report)
    cls, headline, detail = _verdict(report, judged)
    name = report.source or "image"
    page_title = title or f"Content Credentials report: {name}"
    picture = _picture(image)

    parts = [f'<header><p class="kicker">Content Credentials report</p><h1>{_e(page_title)}</h1>']
    if report.source and title:  # the default title names the file already
        parts.append(f'<p class="file">File: <code>{_e(report.source)}</code></p>')
    parts.append("</header>")
    parts.append('<div class="headline">')
    parts.append(f'<section class="verdict verdict-{cls}" id="provenance" aria-labelledby="verdict-h">'
                 '<p class="kicker">Provenance: is the record intact, and who signed it?</p>'
                 f'<h2 id="verdict-h">Verdict: {_e(headline)}</h2><p>{_e(detail)}</p>')
    basis = judged_at(judged.provenance.judged_at)
    if basis and judged.provenance.state in ("Trusted", "Valid"):
        parts.append(f'<p class="small">Certificate judged {_e(basis)}.</p>')
    if judged.provenance.found:
        types = ", ".join(judged.declared) or "none declared"
        parts.append(f"<p>Latest declared modification: <strong>{_e(types)}</strong>.</p>")
    parts.append("</section>")
    parts.append(_assessment(judged))
    parts.append("</div>")
    if profile is not None:
        parts.append(_trust_profile(profile))

    parts.append('<section aria-labelledby="image-h"><h2 id="image-h">The image</h2><figure>')
    parts.append(_figure(picture, regions, report.source))
    caption = "The image as checked."
    if regions and picture.data_uri:
        caption += (" Outlined: the regions each step says were modified (solid: the current step; "
                    "dashed: earlier steps, which refer to the image as it was then).")
    parts.append(f"<figcaption>{_e(caption)}</figcaption></figure></section>")

    problems = _failure_codes(report.failures())
    if problems:
        items = "".join(f"<li><code>{_e(c)}</code>: {_e(explain(c))}</li>" for c in problems)
        parts.append('<section class="problems" aria-labelledby="problems-h">'
                     f'<h2 id="problems-h">Problems found</h2><ul>{items}</ul></section>')

    if chain_views:
        n = len(chain_views)
        parts.append('<section aria-labelledby="history-h">'
                     f'<h2 id="history-h">History: {n} step{"s" if n != 1 else ""}, oldest first</h2>')
        parts.append(_trend(history.get("chain") or []))
        parts.append('<ol class="timeline">')
        for step, view in enumerate(chain_views, 1):
            is_active = view.label == report.active_manifest
            state = report.state if is_active else view.state
            heading = f"Step {step}: {view.title or 'untitled'}"
            parts.append(_card(view, heading=heading, state=state, regions=per_view.get(view.label, []),
                               anchors=anchors, active=is_active,
                               thumbnail=(thumbnails or {}).get(view.label)))
        parts.append("</ol></section>")
    if others:
        parts.append('<section aria-labelledby="others-h"><h2 id="others-h">Other manifests in the file'
                     "</h2><p>Ingredients that are not part of the main line of history.</p>"
                     '<ol class="timeline">')
        for view in others:
            parts.append(_card(view, heading=view.title or "untitled", state=view.state, regions=[],
                               anchors=anchors, active=False,
                               thumbnail=(thumbnails or {}).get(view.label)))
        parts.append("</ol></section>")
    tree = history.get("tree")
    if isinstance(tree, Mapping) and needs_tree(report):
        parts.append('<section aria-labelledby="tree-h"><h2 id="tree-h">Ingredients</h2>'
                     f'<div class="tree">{_tree(tree, anchors, report.state)}</div></section>')

    stamp = f" on {_e(generated.isoformat(timespec='seconds'))}" if generated else ""
    parts.append(f"<footer><p>Checked by fakemedia {_e(__version__)}{stamp}. This page is self-contained: "
                 "it loads nothing from the network and runs no scripts. Values shown come from the "
                 "image's manifests as written by their signers.</p></footer>")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(page_title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f'<body>\n<main>\n{"".join(parts)}\n</main>\n</body>\n</html>\n')


def write_report_page(image: Any, target: Any, trust: Any = None, decrypt_keys: Sequence[Any] = (),
                      profile: str | None = None) -> VerificationReport:
    """:func:`report_page` for ``image``, written atomically to ``target`` (private, 0600, when it
    shows decrypted fields); the report. A target that cannot be written is ``about`` output."""
    from fakemedia import api
    from fakemedia.errors import InvalidRequest

    report, page, private = report_page(image, trust, decrypt_keys, profile)
    try:
        api.write_atomic(target, page.encode("utf-8"), 0o600 if private else None)
    except OSError as exc:
        raise InvalidRequest(f"cannot write {target} ({exc.strerror or exc})", about="output") from None
    return report


def report_page(image: Any, trust: Any = None, decrypt_keys: Sequence[Any] = (),
                profile: str | None = None) -> tuple[VerificationReport, str, bool]:
    """Verify the JPEG at path ``image`` (with its ``.c2pa`` sidecar, if any) and render its page,
    with a JPEG Trust ``profile``'s verdicts when given. Also: whether the page shows decrypted
    restricted fields, the secrets of their recipient (then keep it private)."""
    from datetime import timezone

    from fakemedia import api

    with api.naming(image):
        asset = api.with_external(api.open_asset(image), image)
        report = api.verify_asset(asset, trust, decrypt_keys=decrypt_keys)
    verdicts = api.trust_view(report, asset.data, profile) if profile else None
    page = render_report(report, asset.data, generated=datetime.now(timezone.utc), profile=verdicts,
                         thumbnails=api.manifest_thumbnails(asset))
    decrypted = any((m.annotation.get("restricted") or {}).get("decrypted") for m in report.manifests)
    return report, page, decrypted


def report_html(source: Any, *, trust_anchors: bytes | Sequence[bytes] | None = None,
                decrypt_keys: Sequence[Any] = (), title: str | None = None) -> str:
    """Verify ``source`` (a path, bytes or binary stream, as :func:`fakemedia.api.verify`) and
    render its page. Restricted fields that ``decrypt_keys`` open appear in clear on the page."""
    from fakemedia import api

    data, name = api.read_source(source)
    report = api.verify_bytes(data, trust_anchors=trust_anchors, source=name, decrypt_keys=decrypt_keys)
    return render_report(report, data, title=title)


_STYLE = """
:root{color-scheme:light;--ink:#1a1a1a;--muted:#4a4a4a;--line:#c9c9c9;--paper:#fff}
*{box-sizing:border-box}
body{margin:0;background:#f4f4f1;color:var(--ink);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1.25rem 3rem;background:var(--paper)}
h1{font-size:1.6rem;margin:.1rem 0 .4rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:1.8rem 0 .6rem}
h3{font-size:1.05rem;margin:0 0 .3rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em;
overflow-wrap:anywhere}
.kicker{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;color:var(--muted)}
.file,.label,.small{color:var(--muted)}
.label{margin:0 0 .6rem;font-size:.85rem}.small{font-size:.88rem}
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem;margin:1rem 0}
.verdict,.assessment{border:2px solid;border-left-width:.6rem;border-radius:.4rem;padding:.8rem 1rem;margin:0}
.assessment{background:#fbf7ee;border-color:#8a6d1f;color:#3b2e07}
.assessment h2{margin:0 0 .3rem;font-size:1.35rem}.assessment p{margin:.3rem 0}
.assessment-none{background:#f0f0ee;border-color:#6b6b6b;color:#222}
.verdict h2{margin:0 0 .3rem;font-size:1.35rem}.verdict p{margin:.3rem 0}
.verdict-trusted{background:#e7f5ea;border-color:#1b6e2d;color:#0c3a16}
.verdict-valid{background:#e9f0fb;border-color:#0a4fbf;color:#0b2a5c}
.verdict-invalid{background:#fdeaea;border-color:#b3121f;color:#5e070d}
.verdict-none{background:#f0f0ee;border-color:#6b6b6b;color:#222}
figure{margin:0}
.stage{position:relative;display:inline-block;max-width:100%;line-height:0}
.stage img{display:block;max-width:100%;height:auto;image-orientation:none;border:1px solid var(--line)}
.overlay{position:absolute;inset:0;width:100%;height:100%;overflow:visible}
.overlay .shape{fill:none;stroke-width:3;vector-effect:non-scaling-stroke}
.overlay text{font-family:system-ui,sans-serif;font-weight:700;paint-order:stroke;stroke:#fff;
stroke-width:4px;stroke-linejoin:round;vector-effect:non-scaling-stroke}
figcaption{font-size:.9rem;color:var(--muted);margin-top:.4rem}
.placeholder{border:2px dashed var(--line);padding:2rem;text-align:center;color:var(--muted);
background:#fafafa}
.problems{border-left:.4rem solid #b3121f;padding:.1rem 1rem;background:#fff6f6;margin-top:1.5rem}
.problems h2{margin-top:.8rem}
.trend{margin:.2rem 0 .8rem}
.timeline{list-style:none;margin:0;padding:0 0 0 1.2rem;border-left:3px solid var(--line)}
.thumb{max-width:160px;max-height:160px;border:1px solid var(--line)}
.card{position:relative;border:1px solid var(--line);border-radius:.4rem;padding:.8rem 1rem;
margin:0 0 1rem;background:#fff;break-inside:avoid}
.card::before{content:"";position:absolute;left:-1.75rem;top:1rem;width:.9rem;height:.9rem;
border-radius:50%;background:#6b6b6b;border:2px solid #fff}
.card.state-trusted::before{background:#1b6e2d}.card.state-valid::before{background:#0a4fbf}
.card.state-invalid::before{background:#b3121f}
.card.active{border-width:2px;border-color:#333}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600;color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
dd ul{margin:0;padding-left:1.1rem}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:1rem;font-size:.82rem;font-weight:700;
border:1px solid;vertical-align:middle}
.badge-trusted{background:#e7f5ea;color:#0c3a16;border-color:#1b6e2d}
.badge-valid{background:#e9f0fb;color:#0b2a5c;border-color:#0a4fbf}
.badge-invalid{background:#fdeaea;color:#5e070d;border-color:#b3121f}
.badge-none{background:#f0f0ee;color:#222;border-color:#6b6b6b}
.tag{font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:#333;
border:1px solid #333;border-radius:.2rem;padding:0 .35rem}
.statements{list-style:none;padding:0;margin:.3rem 0}.statements li{margin:.2rem 0}
.outcome-pass .tag{color:#0c3a16;border-color:#1b6e2d}.outcome-fail .tag{color:#5e070d;border-color:#b3121f}
.profile-true{color:#0c3a16}.profile-false{color:#5e070d}.compliance{font-weight:600}
.failures{margin:.3rem 0 0;padding-left:1.1rem;color:#5e070d}
.locked{font-style:italic;color:#5b3a00}
.hash{font-size:.78rem}
.tree ul{list-style:none;padding-left:1.2rem;border-left:1px solid var(--line);margin:.2rem 0}
a{color:#0a4fbf}
footer{margin-top:2rem;border-top:1px solid var(--line);font-size:.85rem;color:var(--muted)}
@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.stage img{max-height:60vh;width:auto}h2{break-after:avoid}.card,.verdict,.assessment{break-inside:avoid}}
"""
