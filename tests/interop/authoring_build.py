"""Builds files the way the annotate wiring will: ingredients from files, actions naming them,
custom assertions, thumbnails; embedded, sidecar or remote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakemedia.cose.signer import Signer
from fakemedia.formats import app11
from fakemedia.manifest import builder, external, ingredient, labels, thumbnail
from fakemedia.manifest.store import parse_store

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AGENT = {"name": "fakemedia", "version": "test"}


@dataclass(frozen=True)
class Built:
    asset: bytes
    store: bytes | None  # None: embedded


def build(asset: bytes, signer: Signer, sources: Sequence[ingredient.IngredientSource] = (), *,
          custom: Sequence[tuple[str, Any]] = (), thumbnails: bool = True, mode: str = "embedded",
          remote_url: str | None = None, generator: tuple[str, str | None] | None = None) -> Built:
    options = thumbnail.ThumbnailOptions(size=64, enabled=thumbnails)
    made = ingredient.ingredients_from_files(sources, thumbnails=options)
    specs: list[builder.AssertionSpec] = []
    for item in made:
        specs += item.assertions
    parents = [i for i in made if i.relationship == ingredient.PARENT]
    components = [i for i in made if i.relationship == ingredient.COMPONENT]
    stamp = builder.tagged_time()
    if parents:
        actions: list[dict[str, Any]] = [{"action": "c2pa.opened", "softwareAgent": AGENT, "when": stamp,
                                          "parameters": {"ingredients": [parents[0].reference.to_cbor()]}}]
    else:
        actions = [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture",
                    "softwareAgent": AGENT, "when": stamp}]
    if components:
        actions.append({"action": "c2pa.placed", "softwareAgent": AGENT,
                        "parameters": {"ingredients": [c.reference.to_cbor() for c in components]}})
    specs.append(builder.AssertionSpec(labels.ACTIONS_V2, {"actions": actions}))
    specs += [builder.AssertionSpec(label, data) for label, data in custom]
    claim_thumb = thumbnail.claim_thumbnail(asset, options)
    if claim_thumb is not None:
        specs.append(claim_thumb)
    location = app11.find_c2pa_store(asset)
    own = parse_store(location.jumbf) if location else None
    carried = ingredient.carried_store(own, made)
    request = builder.BuildRequest(asset, specs, signer, title="out.jpg", generator=generator)
    if mode == "embedded":
        return Built(builder.build(request, carried), None)
    out = builder.build_external(request, carried, remote_url=remote_url)
    external.check_store_bytes(out.store)
    return Built(out.asset, out.store)
