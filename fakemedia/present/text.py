"""The terminal's text for verdicts, reports and histories (all drawn from one verdict)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fakemedia.manifest.reader import ManifestView, VerificationReport
from fakemedia.manifest.verdict import Verdict, verdict_of
from fakemedia.present.wording import (
    ASSESSMENT_NOTE,
    LOCKED,
    assessment_value,
    explain_in,
    hidden_labels,
    identity_details,
    identity_headline,
    judged_at,
    tool_name,
)

# Re-exported for the command modules, which name them through _render.
from fakemedia.present.wording import explain as explain
from fakemedia.present.wording import needs_tree as needs_tree
from fakemedia.present.wording import signer_name as signer_name

OK, BAD = "✔", "✘"

def _state_mark(state: str | None) -> str:
    return f"{OK} {state}" if state in ("Valid", "Trusted") else f"{BAD} {state or 'unknown'}"


def _probability(prob: Mapping[str, Any] | None) -> str | None:
    if not prob or prob.get("value") is None:
        return None
    value, of = float(prob["value"]), prob.get("of", "synthetic")
    if prob.get("method") == "human":
        return f"{value:.2f} that it is {of}, judged by {prob.get('assessor') or 'a person'}"
    # Said as a detector's measurement, so nobody reads it as the signer's own statement.
    name = " ".join(str(p) for p in (prob.get("name"), prob.get("version")) if p)
    calibrated = "calibrated" if prob.get("calibrated") else "uncalibrated score"
    return f"detector {name or '(unnamed)'}: P({of}) = {value:.2f} ({calibrated})"


def region_text(region: Mapping[str, Any]) -> str:
    unit = "%" if region.get("unit") == "percent" else "px"
    shape = region.get("shape", "region")
    if shape == "polygon":
        text = f"polygon of {len(region.get('vertices') or [])} points"
    else:
        dims = [f"{region.get(k, 0):g}" for k in ("x", "y", "width", "height") if k in region]
        text = f"{shape} {','.join(dims)} {unit}"
    if region.get("description") or region.get("name"):
        text += f" ({region.get('description') or region.get('name')})"
    return text


def manifest_lines(view: ManifestView, *, active: bool, state: str | None = None) -> list[str]:
    """The facts of one manifest, indented under its heading. ``state`` overrides the view's
    own (the active manifest's covers the image bytes only in the report's overall state)."""
    ann = view.annotation
    title = f' "{view.title}"' if view.title else ""
    mark = _state_mark(state or view.state)
    lines = [f"{'Active manifest' if active else 'Earlier manifest'}{title} [{mark}]",
             f"  label:        {view.label}"]
    facts: list[tuple[str, str | None]] = [
        ("signed by", signer_name(view.signer)),
        ("when", ann.get("when")),
        ("tool", tool_name(view.generator)),
        ("modification", ", ".join(ann.get("modification_types") or []) or "none declared"),
        ("purpose", _purpose(ann)),
        ("assessment", _probability(ann.get("probability"))),
        ("author", ann.get("author")),
        ("description", ann.get("description")),
    ]
    hidden = hidden_labels(ann)
    lines += [f"  {k + ':':<13} {v or LOCKED}" for k, v in facts if v or k in hidden]
    regions = [region_text(r) for r in ann.get("regions") or []] or _locked("region", hidden)
    lines += [f"  {'region:':<13} {r}" for r in regions]
    refs = [str(r.get("url")) for r in ann.get("references") or []] or _locked("reference", hidden)
    lines += [f"  {'reference:':<13} {r}" for r in refs]
    note = restricted_note(ann)
    if note:
        lines.append(f"  {'restricted:':<13} {note}")
    lines += identity_lines(view, "  ")
    for ing in view.ingredients:
        what = ing.title or "untitled"
        where = "with its own manifest" if ing.manifest else "no manifest"
        if ing.soft_bindings_matched:
            where += f", recovered via soft binding: {', '.join(ing.soft_bindings_matched)}"
        lines.append(f"  {'ingredient:':<13} {what} ({ing.relationship or 'unknown relation'}, {where})")
    return lines


def identity_lines(view: ManifestView, indent: str) -> list[str]:
    """The manifest's CAWG identities as validation recorded them, one block each."""
    lines = []
    for identity in view.identities:
        lines.append(f"{indent}{'identity:':<13} {identity_headline(identity)}")
        lines += [f"{indent}{'':<13} {line}" for line in identity_details(identity)]
    return lines


def _locked(label: str, hidden: set[str]) -> list[str]:
    return [LOCKED] if label in hidden else []


def restricted_note(ann: Mapping[str, Any]) -> str | None:
    """'N fields, for K recipients: names [state]', or None when nothing is restricted."""
    info = ann.get("restricted")
    if not isinstance(info, Mapping):
        return None
    fields = [str(f) for f in info.get("fields") or []]
    count, recipients = len(fields), int(info.get("recipients") or 0)
    head = (f"{count} field{'s' if count != 1 else ''}, for {recipients} "
            f"recipient{'s' if recipients != 1 else ''}: {', '.join(fields) or 'none named'}")
    if info.get("decrypted"):
        return f"{head} [decrypted]"
    if info.get("error"):
        return f"{head} [not decrypted: {_one_line(str(info['error']))}]"
    return f"{head} [encrypted; a recipient reads them with --decrypt-key]"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _purpose(ann: Mapping[str, Any]) -> str | None:
    purpose, text = ann.get("purpose"), ann.get("purpose_text")
    if purpose and text:
        return f"{purpose}: {text}"
    return purpose or text


def verdict(report: VerificationReport, judged: Verdict | None = None) -> str:
    """The first line: the provenance verdict, what a reader should conclude about the record
    (never about the pixels: see :func:`assessment_line`)."""
    v = judged or verdict_of(report)
    p = v.provenance
    if not p.found:
        if p.remote_url:
            return (f"{BAD} Content Credentials are stored elsewhere ({p.remote_url}); "
                    "remote manifests are not fetched")
        return "No Content Credentials found"
    who = signer_name(p.signer)
    basis = judged_at(p.judged_at)
    when = f" (certificate valid {basis})" if basis else ""
    if p.state == "Trusted":
        return f"{OK} Trusted: signed by {who}, content unchanged since signing{when}"
    if p.state == "Valid":
        return (f"{OK} Valid (signer not in your trust list): signed by {who}, content unchanged "
                f"since signing{when}")
    code = p.first_problem or "unknown"
    return f"{BAD} Invalid: {explain_in(report, code, p.judged_at)} ({code})"


def assessment_line(judged: Verdict) -> str | None:
    """The content assessment of the active manifest, said apart from the verdict."""
    a = judged.assessment
    if a is None:
        return None
    return f"  content assessment: {assessment_value(a)}; {ASSESSMENT_NOTE}"


def report_text(report: VerificationReport, *, local_anchor: str | None = None) -> str:
    """The full human summary of ``fakemedia verify``. ``local_anchor``: the trust-anchor file of
    the local identity when it signed the active manifest (to say how to trust it)."""
    judged = verdict_of(report)
    lines = [verdict(report, judged)]
    assessment = assessment_line(judged)
    if assessment:
        lines.append(assessment)
    if report.source:
        lines.append(f"  file: {report.source}")
    if report.state == "Valid":
        if local_anchor:
            lines.append("  The signer is your local test identity; to trust it: "
                         f"fakemedia verify --trust-anchors {local_anchor} IMG")
        else:
            lines.append("  To trust a signer, give its root certificate: "
                         "--trust-anchors ROOT.pem (or set FAKEMEDIA_TRUST_ANCHORS)")
    for view in newest_first(report):
        active = view.label == report.active_manifest
        lines.append("")
        lines += manifest_lines(view, active=active, state=report.state if active else None)
    lines += _problems(report)
    return "\n".join(lines)


def newest_first(report: VerificationReport) -> list[ManifestView]:
    """The active manifest, then its parents down the chain, then any others in store order."""
    order: list[str] = []
    label: str | None = report.active_manifest
    while label and label not in order:
        order.append(label)
        view = report.manifest(label)
        parent = next((i for i in view.ingredients if i.relationship == "parentOf"), None) if view else None
        label = parent.manifest if parent else None
    rank = {label: i for i, label in enumerate(order)}
    return sorted(report.manifests, key=lambda m: rank.get(m.label, len(rank)))


def _problems(report: VerificationReport) -> list[str]:
    """Failure codes with their meaning; 'untrusted' is said by the verdict already."""
    codes = [c for c in _unique(report.failures()) if c != "signingCredential.untrusted"]
    return ["", "Problems found:", *(f"  {c}: {explain(c)}" for c in codes)] if codes else []


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- history ---------------------------------------------------------------------------------


def _fmt_prob(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


def history_text(report: VerificationReport, history: Mapping[str, Any], *, tree: bool) -> str:
    chain = history.get("chain") or []
    if not report.manifest_found:
        return verdict(report)
    source = f" of {report.source}" if report.source else ""
    lines = [f"Provenance{source}: {len(chain)} step{'s' if len(chain) != 1 else ''}, oldest first "
             f"(overall: {_state_mark(report.state)})"]
    previous: Any = None
    for number, entry in enumerate(chain, 1):
        view = report.manifest(entry["label"])
        ann = view.annotation if view else {}
        lines.append("")
        state = report.state if entry["label"] == report.active_manifest else entry["state"]
        lines.append(f"{number}. {entry.get('title') or entry['label']}  [{_state_mark(state)}]")
        who = signer_name(view.signer if view else None)
        when = f" on {entry['when']}" if entry.get("when") else ""
        tool = tool_name(entry.get("generator"))
        lines.append(f"   signed by {who}{when}{f' with {tool}' if tool else ''}")
        types = ", ".join(entry.get("modification_types") or []) or "none declared"
        lines.append(f"   modification: {types}")
        if entry.get("thumbnail"):
            lines.append("   thumbnail: yes (shown by 'fakemedia report')")
        note = restricted_note(ann)
        if note:
            lines.append(f"   restricted: {note}")
        lines += identity_lines(view, "   ") if view else []
        purpose = _purpose(ann)
        if purpose:
            lines.append(f"   purpose: {purpose}")
        prob = _probability(ann.get("probability"))
        if prob:
            change = ""
            if previous is not None and entry.get("probability") is not None:
                delta = float(entry["probability"]) - float(previous)
                change = f" ({'+' if delta >= 0 else '−'}{abs(delta):.2f} from the previous step)"
            lines.append(f"   assessment: {prob}{change}")
        if entry.get("regions"):
            # Shapes only: the per-region descriptions are in verify's full report.
            boxes = "; ".join(region_text({k: v for k, v in r.items() if k not in ("description", "name")})
                              for r in ann.get("regions") or [])
            lines.append(f"   regions: {entry['regions']}" + (f" ({boxes})" if boxes else ""))
        if entry.get("probability") is not None:
            previous = entry["probability"]
    trend = history.get("probability_trend") or []
    if any(v is not None for v in trend):
        lines += ["", "Probability along the chain: " + " → ".join(_fmt_prob(v) for v in trend)
                  + f" (P(synthetic) as each step recorded it; {ASSESSMENT_NOTE})"]
    lines += _problems(report)
    if tree and history.get("tree"):
        lines += ["", "Ingredient tree:", *tree_lines(history["tree"], report.state)]
    return "\n".join(lines)


def _node_title(node: Mapping[str, Any], state: str | None = None) -> str:
    if node.get("missing"):
        return f"{node.get('label')} (manifest missing)"
    title = node.get("title") or node.get("label")
    signer = signer_name(node.get("signer"))
    types = ", ".join((node.get("annotation") or {}).get("modification_types") or [])
    mark = _state_mark(state or node.get("state"))
    return f"{title} [{mark}] by {signer}" + (f": {types}" if types else "")


def tree_lines(root: Mapping[str, Any], root_state: str | None = None) -> list[str]:
    """The ingredient tree drawn with box-drawing characters, the active manifest on top."""
    lines = [_node_title(root, root_state)]

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        ingredients = node.get("ingredients") or []
        for i, ing in enumerate(ingredients):
            last = i == len(ingredients) - 1
            branch, indent = ("└── ", "    ") if last else ("├── ", "│   ")
            child = ing.get("node")
            relation = ing.get("relationship") or "ingredient"
            if child:
                lines.append(f"{prefix}{branch}{relation}: {_node_title(child)}")
                walk(child, prefix + indent)
            else:
                lines.append(f"{prefix}{branch}{relation}: {ing.get('title') or 'untitled'} (no manifest)")

    walk(root, "")
    return lines


# --- annotate ---------------------------------------------------------------------------------


def _detection_lines(result: Mapping[str, Any]) -> list[str]:
    if result.get("detection_note"):
        return [f"  detector: {result['detection_note']}"]
    found = result.get("detection")
    if not found:
        return []
    model, regions = found["model"], found["regions"]
    calibrated = "calibrated" if found.get("calibrated") is True else "uncalibrated score"
    lines = [f"  detector: {model['name']} {model['version']}: P(synthetic) = {found['probability']:.2f} "
             f"({calibrated}), {len(regions)} area{'s' if len(regions) != 1 else ''} flagged"]
    lines += [f"            {region_text(r)}" for r in regions]
    recorded = result.get("recorded") or {}
    prob = recorded.get("probability")
    if isinstance(prob, dict) and (prob.get("model_sha256") != model["sha256"]
                                   or prob.get("value") != found["probability"]):
        lines.append("            (recorded: the declared probability, not the detector's)")
    if isinstance(recorded.get("regions"), list) and regions and recorded["regions"] != regions:
        lines.append("            (recorded: the declared regions, not the detector's)")
    if found.get("heatmap"):
        lines.append(f"  heatmap:  {found['heatmap']}")
    return lines


def annotate_summary(result: Mapping[str, Any]) -> str:
    """What ``annotate`` prints for one written file (its JSON record, see the command)."""
    types = ", ".join(result["annotation"].get("modification_types") or []) or "none declared"
    state = result["state"]
    mark = OK if state in ("Valid", "Trusted") else BAD
    note = " (signer not in your trust list)" if state == "Valid" else ""
    lines = [
        f"Wrote {result['output']}",
        f"  manifest: {result['manifest']}",
        f"  types:    {types}",
        *_detection_lines(result),
        f"  signer:   {signer_name(result['signer'])}",
        *_private_lines(result),
        *_durable_lines(result),
        f"  check:    {mark} {state}{note}",
    ]
    if result.get("parent_state") == "Invalid":
        lines.append(f"  parent:   {BAD} Invalid: the new manifest is sound, the manifest it continues "
                     "is not (its ingredient records why)")
    return "\n".join(lines)


def _durable_lines(result: Mapping[str, Any]) -> list[str]:
    kept = result.get("durable")
    if not kept:
        return []
    parts = []
    for alg in kept.get("soft_bindings") or []:
        if alg.startswith("io.iscc"):
            parts.append("fingerprint (ISCC)")
        else:
            psnr = f", PSNR {kept['psnr_db']} dB" if kept.get("psnr_db") is not None else ""
            parts.append(f"watermark (key {kept.get('watermark_key')}{psnr})")
    lines = [f"  durable:  {' + '.join(parts) or 'no soft binding'}; kept in {kept['repository']}"]
    if kept.get("note"):
        lines.append(f"            {kept['note']}")
    parent = kept.get("recovered_parent")
    if parent:
        lines.append(f"  parent:   recovered via soft binding ({parent['method']}): "
                     f"{parent['manifest']}")
    return lines


def recovery_text(embedded: VerificationReport, found: Any) -> str:
    """What ``verify --repo`` prints when the pixels were looked up: the embedded verdict
    first, then the look-up's state, evidence and (when found) what the manifest says.
    ``found``: a :class:`fakemedia.api.RecoveryResult`."""
    r = found.recovery
    head = {"recovered": "⚠ Recovered via soft binding (not Valid: this file is not the one that "
                         "was signed; its manifest was found from its pixels)",
            "conflict": f"{BAD} Conflict: the soft bindings contradict each other",
            "invalid": f"{BAD} Found in the repository, but that manifest does not validate",
            "not-found": "No matching manifest in the repository"}[r.state]
    lines = [verdict(embedded), head, f"  {r.message}", f"  repository: {found.repository}"]
    if r.watermark_payload is not None:
        lines.append(f"  watermark:  read {r.watermark_payload:08x} (confidence "
                     f"{r.watermark_confidence or 0:.1f})")
    for check in r.bindings:
        lines.append(f"  {check.kind + ':':<11} {'matches' if check.matched else 'does not match'}"
                     f" ({check.note or check.alg})")
    if r.similarity is not None:
        lines.append(f"  similarity: {r.similarity}/100")
    report = found.report
    view = report.manifest(report.active_manifest) if report is not None else None
    if view is not None:
        lines.append("")
        stored = r.validation.state if r.validation is not None else None
        shown = manifest_lines(view, active=True, state=stored)
        lines += [shown[0].replace("Active manifest", "Recovered manifest", 1),
                  "  (its signature and claim are checked; its hard binding is the original "
                  "file's)", *shown[1:]]
    return "\n".join(lines)


def _private_lines(result: Mapping[str, Any]) -> list[str]:
    lines = [f"  redacted: {uri}" for uri in result.get("redacted") or []]
    note = restricted_note({"restricted": result.get("restricted")})
    if note:
        lines.append(f"  restricted: {note}")
    return lines
