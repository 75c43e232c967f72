"""The terminal's text for what the small commands print: signing identities, recipient keys,
kept manifests of a repository and the detector's estimates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def identity_text(info: Mapping[str, Any]) -> str:
    """A signing identity as ``keys show`` describes it (``info``: api.describe_identity)."""
    signer = info["signer"]
    return "\n".join([
        f"Identity in {info['directory']}",
        f"  signer:        {signer.get('common_name')} ({signer.get('organization')})",
        f"  issued by:     {signer.get('issuer_common_name')}",
        f"  algorithm:     {info['algorithm'] or 'unknown'}",
        f"  valid:         {signer.get('not_before')} to {signer.get('not_after')}",
        f"  key:           {info['signer_key']}{' (encrypted)' if info['encrypted'] else ''}",
        f"  trust anchor:  {info['trust_anchors'] or 'none (not a local identity)'}",
        "  (a local test identity: verify with --trust-anchors <trust anchor> to see Trusted)",
    ])


def recipient_text(info: Mapping[str, Any]) -> str:
    """A new recipient key pair and how each half is used."""
    key_path, pub_path, encrypted = info["private_key"], info["public_key"], info["encrypted"]
    return "\n".join([
        f"Created {info['kind']} recipient key {info['key_id']}",
        f"  private key: {key_path} ({'encrypted; ' if encrypted else ''}keep it secret)",
        f"  public key:  {pub_path}",
        f"  to restrict: fakemedia annotate IMG --restrict author --recipient {pub_path}",
        f"  to read:     {'FAKEMEDIA_DECRYPT_PASSPHRASE=... ' if encrypted else ''}"
        f"fakemedia verify IMG --decrypt-key {key_path}",
    ])


def added_line(item: Mapping[str, Any]) -> str:
    kinds = ", ".join(item["soft_bindings"]) or "no soft bindings: found by nothing"
    return f"Added {item['manifest']} from {item['file']} ({kinds})"


def listing_text(listing: Mapping[str, Any], repository: Any) -> str:
    """``repo list``: the count, then one line per entry (``listing``: api.repository_listing)."""
    total = listing["count"]
    lines = [f"{total} manifest{'s' if total != 1 else ''} in {repository}"]
    lines += [f"  {item['manifest']}  {item['created']}  {item['title'] or '-'}  "
              f"[{', '.join(item['soft_bindings']) or 'no soft bindings'}]"
              for item in listing["entries"]]
    return "\n".join(lines)


def entry_text(shown: Mapping[str, Any]) -> str:
    """``repo show``: one kept manifest (``shown``: api.repository_entry)."""
    why = f": {', '.join(shown['failures'])}" if shown["failures"] else ""
    lines = [f"{shown['manifest']}  ({shown['state']}{why})"]
    lines += [f"  {key + ':':<14}{shown[key]}" for key in ("created", "title", "store_bytes", "store_sha256")]
    lines += [f"  {b['kind'] + ':':<14}{b['alg']} {b['value']}" for b in shown["soft_bindings"]]
    return "\n".join(lines)


def detection_line(source: Any, found: Mapping[str, Any]) -> str:
    """One image's estimate as ``detect`` prints it (``found``: DetectionResult.to_dict(), and
    ``heatmap`` where one was drawn): a content assessment, not a verdict."""
    model = found["model"]
    shown = f"; heatmap {found['heatmap']}" if found.get("heatmap") else ""
    version = f" {model['version']}" if model.get("version") else ""
    by = f"model {model['name']}{version} {model['sha256'][:12]}"
    if found.get("not_assessed"):  # the computed number is no finding: it is not shown
        return f"{source}: not assessed: {found['not_assessed']} ({by}){shown}"
    kind = "calibrated" if found.get("calibrated") else "uncalibrated score"
    threshold = found.get("decision_threshold")
    at = f" (threshold {threshold:.2f})" if isinstance(threshold, float) else ""
    call = f"called {found['label']}{at}"
    return (f"{source}: P(synthetic) = {found['probability_synthetic']:.3f} by {by} ({kind}); "
            f"{call}{shown}")
