"""Fitted scikit-learn estimators -> a detector model file (the inverse of loading).

:func:`compile_estimator` describes an estimator as JSON plus plain arrays, the form
:mod:`fakemedia.detect.model` evaluates with numpy; :func:`save_model` writes it as one
safetensors file. Supported: ``CalibratedClassifierCV`` (isotonic or sigmoid) around
``HistGradientBoostingClassifier``, ``RandomForestClassifier`` or a ``StandardScaler`` +
``LogisticRegression`` pipeline, those estimators bare, and :class:`~fakemedia.lab.classifier.StackedModel`.
Estimators are recognised by class name, so this module imports no scikit-learn itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from fakemedia.detect.features import FeatureConfig
from fakemedia.detect.model import DetectorModel
from fakemedia.errors import DetectorError

__all__ = ["build_model", "compile_estimator", "save_model"]


class _Arrays:
    def __init__(self) -> None:
        self.data: dict[str, np.ndarray] = {}

    def add(self, key: str, arr: np.ndarray) -> str:
        if key in self.data:
            raise DetectorError(f"internal: duplicate array key {key}")
        self.data[key] = np.ascontiguousarray(arr)
        return key


def _compile_trees(
    kind: str, trees: list[dict[str, np.ndarray]], store: _Arrays, prefix: str
) -> dict[str, Any]:
    offs = 0
    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("feature", "threshold", "left", "right", "value", "leaf", "nan_left")}
    roots = []
    for t in trees:
        n = len(t["feature"])
        roots.append(offs)
        leaf = t["leaf"].astype(bool)
        cols["feature"].append(np.where(leaf, 0, t["feature"]).astype(np.int32))
        cols["threshold"].append(t["threshold"].astype(np.float64))
        cols["left"].append(np.where(leaf, -1, t["left"] + offs).astype(np.int32))
        cols["right"].append(np.where(leaf, -1, t["right"] + offs).astype(np.int32))
        cols["value"].append(t["value"].astype(np.float64))
        cols["leaf"].append(leaf.astype(np.uint8))
        cols["nan_left"].append(t["nan_left"].astype(np.uint8))
        offs += n
    spec: dict[str, Any] = {
        "type": kind,
        "roots": store.add(f"{prefix}.roots", np.asarray(roots, dtype=np.int32)),
    }
    for k, v in cols.items():
        spec[k] = store.add(f"{prefix}.{k}", np.concatenate(v))
    return spec


def compile_estimator(est: Any, store: _Arrays, prefix: str) -> dict[str, Any]:
    """Describe a fitted estimator as JSON + arrays; raises DetectorError for unsupported types."""
    name = type(est).__name__
    if name == "StackedModel":
        bases = [
            {"start": int(s), "stop": int(e), "model": compile_estimator(b, store, f"{prefix}.b{i}")}
            for i, ((s, e), b) in enumerate(zip(est.blocks, est.bases, strict=True))
        ]
        return {"type": "stack", "bases": bases, "meta": compile_estimator(est.meta, store, f"{prefix}.meta")}
    if name == "CalibratedClassifierCV":
        members = []
        for i, cc in enumerate(est.calibrated_classifiers_):
            inner = compile_estimator(cc.estimator, store, f"{prefix}.m{i}")
            cal = cc.calibrators[0]
            cname = type(cal).__name__
            c: dict[str, Any]
            if cname == "IsotonicRegression":
                c = {
                    "type": "isotonic",
                    "x": store.add(f"{prefix}.m{i}.iso_x", np.asarray(cal.X_thresholds_, np.float64)),
                    "y": store.add(f"{prefix}.m{i}.iso_y", np.asarray(cal.y_thresholds_, np.float64)),
                }
            elif cname == "_SigmoidCalibration":
                c = {"type": "sigmoid", "a": float(cal.a_), "b": float(cal.b_)}
            else:
                raise DetectorError(f"unsupported calibrator {cname}")
            members.append({"estimator": inner, "calibrator": c})
        return {"type": "calibrated", "members": members}
    if name == "Pipeline":
        steps = [s for _, s in est.steps]
        if len(steps) == 2 and type(steps[0]).__name__ == "StandardScaler":
            inner = compile_estimator(steps[1], store, f"{prefix}.clf")
            sc = steps[0]
            return {
                "type": "scaled",
                "mean": store.add(f"{prefix}.mean", np.asarray(sc.mean_, np.float64)),
                "scale": store.add(f"{prefix}.scale", np.asarray(sc.scale_, np.float64)),
                "inner": inner,
            }
        raise DetectorError("only StandardScaler + classifier pipelines are supported")
    if name == "LogisticRegression":
        return {"type": "linear", "coef": store.add(f"{prefix}.coef", np.asarray(est.coef_[0], np.float64)),
                "intercept": float(est.intercept_[0])}  # fmt: skip
    if name == "HistGradientBoostingClassifier":
        trees = []
        for (pred,) in est._predictors:
            nd = pred.nodes
            if nd["is_categorical"].any():
                raise DetectorError("categorical HGB splits are not supported")
            trees.append({"feature": nd["feature_idx"], "threshold": nd["num_threshold"], "left": nd["left"],
                          "right": nd["right"], "value": nd["value"], "leaf": nd["is_leaf"],
                          "nan_left": nd["missing_go_to_left"]})  # fmt: skip
        spec = _compile_trees("gbdt", trees, store, prefix)
        spec["baseline"] = float(np.ravel(est._baseline_prediction)[0])
        spec["n_features"] = int(est.n_features_in_)
        return spec
    if name == "RandomForestClassifier":
        trees = []
        for t in est.estimators_:
            tr = t.tree_
            val = tr.value[:, 0, :]
            p1 = val[:, 1] / np.maximum(val.sum(axis=1), 1e-300)
            leaf = tr.children_left == -1
            trees.append({"feature": tr.feature, "threshold": tr.threshold, "left": tr.children_left,
                          "right": tr.children_right, "value": p1, "leaf": leaf,
                          "nan_left": np.zeros(len(leaf), np.uint8)})  # fmt: skip
        spec = _compile_trees("forest", trees, store, prefix)
        spec["n_features"] = int(est.n_features_in_)
        return spec
    raise DetectorError(f"cannot store estimator type {name}")




def build_model(
    features: FeatureConfig,
    image_estimator: Any,
    n_features: int,
    *,
    patch_estimator: Any = None,
    patch_features: FeatureConfig | None = None,
    n_patch_features: int = 0,
    meta: dict[str, Any] | None = None,
) -> DetectorModel:
    """Compile fitted estimators into a :class:`DetectorModel`."""
    store = _Arrays()
    img = compile_estimator(image_estimator, store, "image")
    patch = compile_estimator(patch_estimator, store, "patch") if patch_estimator is not None else None
    return DetectorModel(
        features, img, n_features, store.data, patch, patch_features, n_patch_features, dict(meta or {})
    )


def save_model(model: DetectorModel, path: str | Path) -> str:
    """Write the model; returns the file's SHA-256."""
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = json.dumps(model.header(), sort_keys=True, separators=(",", ":"))
    save_file(model.arrays, str(path), metadata={"fakemedia": header})
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    model.sha256, model.path = digest, str(path)
    return digest
