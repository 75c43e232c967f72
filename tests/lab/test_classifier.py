from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from fakemedia.lab.classifier import (
    base_estimator,
    binary_metrics,
    expected_calibration_error,
    random_space,
)


def test_ece_and_metrics() -> None:
    y = np.array([0, 0, 1, 1])
    assert expected_calibration_error(y, np.array([0.0, 0.0, 1.0, 1.0])) == 0.0
    assert abs(expected_calibration_error(y, np.array([0.9, 0.9, 0.1, 0.1])) - 0.9) < 1e-9
    m = binary_metrics(y, np.array([0.2, 0.6, 0.7, 0.9]))
    assert m["accuracy"] == 0.75 and m["roc_auc"] == 1.0 and m["confusion"] == [[1, 1], [0, 2]]


def test_search_spaces_use_valid_parameter_names() -> None:
    for kind in ("rf", "hgb", "logreg"):
        valid = set(base_estimator(kind).get_params())
        assert set(random_space(kind)) <= valid
