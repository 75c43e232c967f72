"""Held-out calibration records: which probabilities may be signed as calibrated (numpy only)."""

from __future__ import annotations

from typing import Any

import pytest

from fakemedia.detect.calibration import MAX_ECE, META_KEY, calibrated_probability, heldout_ece, is_calibrated

PLATT = {"method": "platt", "a": 1.2, "b": -0.1}


def _meta(**entry: Any) -> dict[str, Any]:
    return {META_KEY: {**PLATT, **entry}}


def test_a_recorded_heldout_ece_within_the_target_is_calibrated() -> None:
    assert MAX_ECE == 0.05
    for ece in (0.0, 0.031, MAX_ECE):
        meta = _meta(heldout_ece=ece, ece_after=0.2)
        assert heldout_ece(meta) == ece and is_calibrated(meta)
    iso = {META_KEY: {"method": "isotonic", "x": [0.0, 1.0], "y": [0.1, 0.9], "heldout_ece": 0.02}}
    assert is_calibrated(iso)


def test_above_the_target_or_not_measured_on_held_out_images_is_not_calibrated() -> None:
    assert heldout_ece(_meta(heldout_ece=0.0569)) == 0.0569 and not is_calibrated(_meta(heldout_ece=0.0569))
    # The cross-fitted figure is not a measure of the stored map on unseen images.
    assert heldout_ece(_meta(ece_after=0.01)) is None and not is_calibrated(_meta(ece_after=0.01))
    # No entry at all: the shipped model's case (its own test-split ECE is 0.057).
    assert heldout_ece({}) is None and not is_calibrated({})
    assert not is_calibrated({"metrics": {"ece": 0.01}})


@pytest.mark.parametrize("entry", [
    {**PLATT, "heldout_ece": "0.01"}, {**PLATT, "heldout_ece": True}, {**PLATT, "heldout_ece": float("nan")},
    {**PLATT, "heldout_ece": -0.01}, {**PLATT, "heldout_ece": 1.5}, {**PLATT, "heldout_ece": None},
    {"method": "magic", "heldout_ece": 0.01}, {"method": "platt", "heldout_ece": 0.01},
    {"method": "isotonic", "x": [0.5, 0.1], "y": [0, 1], "heldout_ece": 0.01}, {},
])  # fmt: skip
def test_a_malformed_entry_is_never_calibrated(entry: dict[str, Any]) -> None:
    assert heldout_ece({META_KEY: entry}) is None and not is_calibrated({META_KEY: entry})
    assert heldout_ece({META_KEY: [0.01]}) is None and not is_calibrated({META_KEY: "platt"})


def test_the_map_is_what_the_probability_gets_whether_or_not_it_is_calibrated() -> None:
    # Recording the ECE changes the claim, never the number.
    assert calibrated_probability(0.7, _meta()) == calibrated_probability(0.7, _meta(heldout_ece=0.01))
    assert calibrated_probability(0.7, _meta()) != 0.7
