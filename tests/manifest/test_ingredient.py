"""Ingredients from files: fields, thumbnails, validation results, carried stores."""

from __future__ import annotations

import pytest

from fakemedia.annotation.model import Region
from fakemedia.errors import InvalidRequest, ManifestError
from fakemedia.formats import app11, xmp
from fakemedia.manifest import ingredient, labels, thumbnail
from fakemedia.manifest.ingredient import COMPONENT, PARENT, IngredientSource
from fakemedia.manifest.store import parse_store
from tests.conftest import make_jpeg


def test_unsigned_parent_has_no_manifest_but_a_thumbnail_and_stable_instance_id() -> None:
    data = make_jpeg(metadata=False)
    made = ingredient.ingredient_from_file(IngredientSource(data, PARENT, "export.jpg"))
    assert made.label == labels.INGREDIENT_V3
    assert made.content["relationship"] == "parentOf"
    assert made.content["dc:title"] == "export.jpg"
    assert made.content["dc:format"] == "image/jpeg"
    assert "activeManifest" not in made.content and made.store is None
    assert made.thumbnail is not None
    assert made.content["thumbnail"]["url"].endswith("/c2pa.thumbnail.ingredient")
    again = ingredient.ingredient_from_file(IngredientSource(data, PARENT))
    assert again.content["instanceID"] == made.content["instanceID"]
    assert len(made.sha256) == 64


def test_signed_parent_records_hashes_and_validation(signed_jpeg: bytes) -> None:
    made = ingredient.ingredient_from_file(IngredientSource(signed_jpeg, PARENT, "camera.jpg"))
    store = parse_store(app11.find_c2pa_store(signed_jpeg).jumbf)  # type: ignore[union-attr]
    active = store.active
    assert active is not None
    assert made.content["activeManifest"]["url"] == labels.absolute_uri(active.label)
    assert made.content["claimSignature"]["url"].endswith("/c2pa.signature")
    codes = {s["code"] for s in made.content["validationResults"]["activeManifest"]["success"]}
    assert "claimSignature.validated" in codes
    assert made.content["instanceID"] == active.claim["instanceID"]  # type: ignore[index]
    assert made.store is not None and made.has_manifest


def test_component_region_and_indexed_labels() -> None:
    box = Region("rectangle", "pixel", 1, 2, 10, 8)
    made = ingredient.ingredients_from_files(
        [IngredientSource(make_jpeg(), PARENT), IngredientSource(make_jpeg(seed=2), COMPONENT, region=box)])
    assert [m.label for m in made] == ["c2pa.ingredient.v3", "c2pa.ingredient.v3__1"]
    assert made[1].thumbnail is not None and made[1].thumbnail.label == "c2pa.thumbnail.ingredient__1"
    shape = made[1].content["metadata"]["regionOfInterest"]["region"][0]["shape"]
    assert shape["origin"] == {"x": 1.0, "y": 2.0} and shape["width"] == 10.0
    assert made[0].reference.url == "self#jumbf=c2pa.assertions/c2pa.ingredient.v3"


def test_refuses_two_parents_and_regions_on_parents() -> None:
    with pytest.raises(InvalidRequest, match="at most one parent"):
        ingredient.ingredients_from_files([IngredientSource(make_jpeg(), PARENT)] * 2)
    with pytest.raises(InvalidRequest, match="only a componentOf"):
        ingredient.ingredient_from_file(IngredientSource(make_jpeg(), PARENT,
                                                         region=Region("rectangle", "pixel", 0, 0, 1, 1)))
    with pytest.raises(InvalidRequest, match="relationship"):
        ingredient.ingredient_from_file(IngredientSource(make_jpeg(), "siblingOf"))


def test_thumbnail_off_and_undecodable_file() -> None:
    off = ingredient.ingredient_from_file(IngredientSource(make_jpeg(), COMPONENT),
                                          thumbnails=thumbnail.ThumbnailOptions(enabled=False))
    assert off.thumbnail is None and "thumbnail" not in off.content
    blob = ingredient.ingredient_from_file(IngredientSource(b"not an image at all", COMPONENT, "notes.bin"))
    assert blob.content["dc:format"] == "application/octet-stream"
    assert blob.thumbnail is None and "no thumbnail" in blob.warnings[0]


def test_remote_reference_is_reported_not_dropped() -> None:
    data = xmp.set_provenance(make_jpeg(), "https://example.com/m.c2pa")
    made = ingredient.ingredient_from_file(IngredientSource(data, PARENT, "cloud.jpg"))
    assert made.remote_url == "https://example.com/m.c2pa"
    assert "remote" in made.warnings[0] and "not fetched" in made.warnings[0]


def test_carried_store_keeps_each_manifest_once(signed_jpeg: bytes) -> None:
    one = ingredient.ingredient_from_file(IngredientSource(signed_jpeg, PARENT))
    two = ingredient.ingredient_from_file(IngredientSource(signed_jpeg, COMPONENT), index=1)
    carried = ingredient.carried_store(None, [one, two])
    assert carried is not None and len(carried.manifests) == 1
    assert ingredient.carried_store(None, []) is None
    own = parse_store(app11.find_c2pa_store(signed_jpeg).jumbf)  # type: ignore[union-attr]
    assert len(ingredient.carried_store(own, [one]).manifests) == 1  # type: ignore[union-attr]


def test_conflicting_manifests_under_one_label_are_refused(signed_jpeg: bytes) -> None:
    one = ingredient.ingredient_from_file(IngredientSource(signed_jpeg, PARENT))
    store = one.store
    assert store is not None
    other = parse_store(store.box.to_bytes())
    m = other.manifests[0]
    raw = bytearray(m.stored.to_bytes())
    raw[-1] ^= 1  # a different manifest under the same label
    from fakemedia.formats import jumbf

    m.stored = jumbf.parse_superbox(bytes(raw))
    two = ingredient.Ingredient("c2pa.ingredient.v3__1", COMPONENT, {}, None, other, "", "image/jpeg")
    with pytest.raises(ManifestError, match="share the label"):
        ingredient.carried_store(None, [one, two])
