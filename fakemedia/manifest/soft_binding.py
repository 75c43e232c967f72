"""``c2pa.soft-binding`` assertions and the ``c2pa.watermarked`` action (C2PA 2.1 §18.10, §18.15).

A soft-binding assertion carries one algorithm (``alg``) and one or more blocks, each a scope
(empty: the whole asset) and a ``value`` byte string in the algorithm's own format. ``pad`` is
required by the CDDL and written empty. We never write the deprecated ``url`` or ``extent``,
nor ``alg-params``. Several soft bindings in one manifest take instance suffixes
(``c2pa.soft-binding``, ``c2pa.soft-binding__1``, …).

Algorithm names come from the C2PA soft-binding algorithm list where one fits: ``io.iscc.v0``
is the ISCC Content-Code (ISO 24138). The RivaGAN watermark is not on the list, so it carries a
reverse-domain name of our own, versioned: a change of model, frame size or value format gets
a new name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakemedia.manifest.builder import AssertionSpec
from fakemedia.manifest.store import Manifest

LABEL = "c2pa.soft-binding"
WATERMARKED = "c2pa.watermarked"
#: ISCC image Content-Code v0, value = binary ISCC unit(s) (list entry 3).
FINGERPRINT_ALG = "io.iscc.v0"
#: RivaGAN on a 256×256 frame, value = the 32-bit key, 4 bytes big-endian.
WATERMARK_ALG = "org.fakemedia.rivagan256.1"
WATERMARK_ALGS = (WATERMARK_ALG,)
FINGERPRINT_ALGS = (FINGERPRINT_ALG,)


@dataclass(frozen=True)
class SoftBinding:
    """One soft binding as read from or written to a manifest: the whole asset, one value."""

    alg: str
    value: bytes
    #: The assertion label it was read from (empty for one about to be written).
    label: str = ""

    @property
    def kind(self) -> str:
        if self.alg in WATERMARK_ALGS:
            return "watermark"
        if self.alg in FINGERPRINT_ALGS:
            return "fingerprint"
        return "unknown"


def watermark_value(key: int) -> bytes:
    """The value of a watermark soft binding: the 32-bit key, big-endian."""
    return key.to_bytes(4, "big")


def watermark_key(value: bytes) -> int | None:
    """The key a watermark value holds, ``None`` when it is not four bytes."""
    return int.from_bytes(value, "big") if len(value) == 4 else None


def assertion_content(binding: SoftBinding, *, name: str | None = None) -> dict[str, Any]:
    """The CBOR map of one ``c2pa.soft-binding`` assertion (§18.10.2 soft-binding-map)."""
    content: dict[str, Any] = {"alg": binding.alg,
                               "blocks": [{"scope": {}, "value": bytes(binding.value)}],
                               "pad": b""}
    if name:
        content["name"] = name
    return content


def label_for(index: int) -> str:
    """The label of the ``index``-th soft binding of a manifest (instance suffix from 1)."""
    return LABEL if index == 0 else f"{LABEL}__{index}"


def assertion_specs(bindings: Sequence[SoftBinding]) -> list[AssertionSpec]:
    """Ready-to-build assertions, one per binding, labelled in order."""
    names = {"watermark": "invisible watermark carrying a manifest repository key",
             "fingerprint": "perceptual fingerprint of the image content"}
    return [AssertionSpec(label_for(i), assertion_content(b, name=names.get(b.kind)))
            for i, b in enumerate(bindings)]


def watermarked_action(*, software_agent: str = "fakemedia", when: Any = None) -> dict[str, Any]:
    """A ``c2pa.watermarked`` action for an actions assertion. C2PA requires a soft-binding
    assertion describing the watermark in the same manifest (§18.15.4)."""
    action: dict[str, Any] = {"action": WATERMARKED,
                              "softwareAgent": {"name": software_agent},
                              "description": "an invisible watermark was added to the pixels"}
    if when is not None:
        action["when"] = when
    return action


def read_soft_bindings(manifest: Manifest) -> tuple[list[SoftBinding], list[str]]:
    """The soft bindings of ``manifest`` and a note per assertion that could not be read.

    ``alg`` falls back to the claim's ``alg_soft`` (§18.10.2). A block with a region or time
    span still counts: we compare values, and say so through the label.
    """
    bindings: list[SoftBinding] = []
    problems: list[str] = []
    default_alg = (manifest.claim or {}).get("alg_soft")
    for assertion in manifest.assertions():
        if assertion.label.split("__", 1)[0] != LABEL:
            continue
        content = assertion.try_content()
        if not isinstance(content, dict):
            problems.append(f"{assertion.label}: content is not a CBOR map")
            continue
        alg = content.get("alg", default_alg)
        blocks = content.get("blocks")
        if not isinstance(alg, str) or not alg:
            problems.append(f"{assertion.label}: no algorithm")
            continue
        if not isinstance(blocks, list) or not blocks:
            problems.append(f"{assertion.label}: no blocks")
            continue
        for block in blocks:
            value = block.get("value") if isinstance(block, dict) else None
            if isinstance(value, str):
                value = value.encode()  # written as text by some tools; compare its bytes
            if not isinstance(value, bytes):
                problems.append(f"{assertion.label}: a block without a byte-string value")
                continue
            bindings.append(SoftBinding(alg, value, assertion.label))
    return bindings, problems
