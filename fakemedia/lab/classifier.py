"""Classifiers: the thesis's hyper-parameter search with valid names, group-aware CV, calibration.

The thesis: E. Rustichini, "Identificazione di immagini sintetiche tramite codifica JPEG AI",
thesis, 2025.

Search = ``RandomizedSearchCV`` over the thesis's space, then a narrow ``GridSearchCV`` around
the best point, both with ``GroupKFold`` so crops of one source photograph never sit on both
sides of a fold. The thesis's "LGBM" space used LightGBM names (``num_leaves``,
``colsample_bytree``, …) on sklearn's ``HistGradientBoostingClassifier``, which cannot run; the
mapping used here is ``n_estimators→max_iter``, ``num_leaves→max_leaf_nodes``,
``min_child_samples→min_samples_leaf``, ``reg_lambda→l2_regularization``,
``colsample_bytree→max_features``; ``subsample`` has no HGB equivalent and is dropped.

The chosen point is refit inside ``CalibratedClassifierCV`` (isotonic by default, same group
folds), so the probability the tool prints is calibrated on data the trees did not see.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fakemedia.errors import DetectorError

CLASSIFIERS = ("rf", "hgb", "logreg", "stack")
ECE_BINS = 15


def _sk() -> Any:
    import sklearn

    return sklearn


def base_estimator(kind: str, *, seed: int = 42, n_features: int = 0) -> Any:
    """Unfitted estimator with the thesis defaults (RF) or a speed preset for very wide inputs."""
    _sk()
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "rf":
        return RandomForestClassifier(
            n_estimators=200, max_features="sqrt", min_samples_leaf=2, random_state=seed, n_jobs=2
        )
    if kind == "hgb":
        # Split finding costs ∝ features × bins: with the 65 536-d flatten input 32 bins keep a fit
        # under a minute on 2 cores (measured: 238 s per default fit vs 45 s).
        wide = n_features > 4096
        return HistGradientBoostingClassifier(
            max_iter=100 if wide else 200,
            learning_rate=0.1,
            max_leaf_nodes=15 if wide else 31,
            max_bins=32 if wide else 255,
            early_stopping=False,
            random_state=seed,
        )
    if kind in ("logreg", "stack"):
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    raise DetectorError(f"unknown classifier {kind!r} (choose from {', '.join(CLASSIFIERS)})")


def random_space(kind: str, *, quick: bool = False, n_features: int = 0) -> dict[str, Any]:
    """The thesis's random-search distributions, with parameter names valid for the estimator."""
    from scipy.stats import loguniform, randint, uniform

    wide = n_features > 4096
    if kind == "rf":
        return {
            "n_estimators": randint(50, 150) if quick else randint(100, 500),
            "max_depth": randint(10, 35),
            "min_samples_leaf": randint(2, 15),
            "max_features": ["sqrt"],
        }
    if kind == "hgb":
        return {
            "learning_rate": uniform(0.01, 0.29),
            "max_iter": randint(50, 150) if (quick or wide) else randint(100, 600),
            "max_leaf_nodes": randint(7, 32) if (quick or wide) else randint(15, 129),
            "min_samples_leaf": randint(5, 51),
            "l2_regularization": loguniform(1e-6, 1.0),
            "max_features": uniform(0.5, 0.5),
        }
    if kind in ("logreg", "stack"):
        return {"logisticregression__C": loguniform(1e-3, 1e2)}
    raise DetectorError(f"unknown classifier {kind!r}")


def narrow_grid(kind: str, best: dict[str, Any], *, quick: bool = False) -> dict[str, list[Any]]:
    """A small grid around the random-search optimum (the thesis's second stage)."""

    def ints(v: int, lo: int, rel: float) -> list[int]:
        return sorted({max(lo, round(v * (1 - rel))), int(v), max(lo, round(v * (1 + rel)))})

    grid: dict[str, list[Any]]
    if kind == "rf":
        grid = {"n_estimators": ints(best["n_estimators"], 10, 0.2)}
        if not quick:
            d = int(best["max_depth"])
            grid["max_depth"] = sorted({max(2, d - 5), d, d + 5})
        return grid
    if kind == "hgb":
        lr = float(best["learning_rate"])
        grid = {"learning_rate": [lr * 0.7, lr, min(1.0, lr * 1.4)]}
        if not quick:
            grid["max_leaf_nodes"] = ints(best["max_leaf_nodes"], 2, 0.25)
        return grid
    c = float(best["logisticregression__C"])
    return {"logisticregression__C": [c / 3, c, c * 3]}


def group_splits(y: np.ndarray, groups: np.ndarray, n_splits: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """GroupKFold folds that keep both classes in every training part."""
    from sklearn.model_selection import GroupKFold

    k = min(n_splits, len(np.unique(groups)))
    if k < 2:
        raise DetectorError("group-aware cross-validation needs at least 2 distinct groups")
    folds = list(GroupKFold(n_splits=k).split(np.zeros(len(y)), y, groups))
    for tr, te in folds:
        if len(np.unique(y[tr])) < 2 or len(np.unique(y[te])) < 2:
            raise DetectorError("a cross-validation fold holds one class only; add more groups")
    return folds


@dataclass
class FitResult:
    estimator: Any  # fitted CalibratedClassifierCV (or the bare estimator when calibration="none")
    kind: str
    best_params: dict[str, Any] = field(default_factory=dict)
    cv_accuracy: float | None = None
    search_seconds: float = 0.0
    fit_seconds: float = 0.0

    @property
    def train_seconds(self) -> float:
        return self.search_seconds + self.fit_seconds

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.estimator.predict_proba(X)[:, 1]


def fit_classifier(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    kind: str,
    *,
    search: bool = True,
    quick: bool = False,
    n_iter: int | None = None,
    calibration: str = "isotonic",
    seed: int = 42,
    n_splits: int = 3,
    params: dict[str, Any] | None = None,
    ensemble: bool = True,
) -> FitResult:
    """Search (optional), then fit a calibrated classifier; labels: 1 = synthetic.

    ``params`` (without search): fixed estimator parameters, e.g. a search's earlier choice.
    ``ensemble=False``: one classifier fitted on all data, its calibration fitted on out-of-fold
    predictions (a third of the trees to evaluate, where inference time counts).
    """
    from sklearn.base import clone
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).astype(int)
    groups = np.asarray(groups)
    if len(np.unique(y)) < 2:
        raise DetectorError("training data holds one class only; need real and synthetic images")
    folds = group_splits(y, groups, n_splits)
    est = base_estimator(kind, seed=seed, n_features=X.shape[1])
    best: dict[str, Any] = dict(params or {})
    if best and not search:
        est = clone(est).set_params(**best)
    cv_acc = None
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        if search:
            n_iter = n_iter if n_iter is not None else (4 if quick else 30)
            rs = RandomizedSearchCV(
                est, random_space(kind, quick=quick, n_features=X.shape[1]), n_iter=n_iter,
                cv=folds, scoring="accuracy", random_state=seed, n_jobs=1, refit=False,
            )  # fmt: skip
            rs.fit(X, y)
            best = dict(rs.best_params_)
            gs = GridSearchCV(
                clone(est).set_params(**best), narrow_grid(kind, best, quick=quick),
                cv=folds, scoring="accuracy", n_jobs=1, refit=False,
            )  # fmt: skip
            gs.fit(X, y)
            best.update(gs.best_params_)
            cv_acc = float(gs.best_score_)
            est = clone(est).set_params(**best)
        t1 = time.perf_counter()
        if calibration == "none":
            model = clone(est).fit(X, y)
        elif calibration in ("isotonic", "sigmoid"):
            model = CalibratedClassifierCV(clone(est), method=calibration, cv=folds, ensemble=ensemble)
            model.fit(X, y)
        else:
            raise DetectorError(f"calibration must be isotonic, sigmoid or none, not {calibration!r}")
        t2 = time.perf_counter()
    best = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in best.items()}
    return FitResult(model, kind, best, cv_acc, t1 - t0, t2 - t1)


@dataclass
class StackedModel:
    """One searched logistic regression per feature block, combined by a calibrated logistic
    regression on their out-of-fold decision values (so a wide block cannot drown a narrow one)."""

    blocks: list[tuple[int, int]]
    bases: list[Any]
    meta: Any

    def base_decisions(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [b.decision_function(X[:, s:e]) for (s, e), b in zip(self.blocks, self.bases, strict=True)]
        )

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.meta.predict_proba(self.base_decisions(np.asarray(X, dtype=np.float32)))


def fit_stack(
    X: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    blocks: list[tuple[int, int]],
    *,
    search: bool = True,
    quick: bool = False,
    calibration: str = "isotonic",
    seed: int = 42,
    params: dict[str, Any] | None = None,
) -> FitResult:
    """Stacking for ``pooled+spectral``: base LR per block, calibrated meta LR on OOF decisions.

    ``params`` (the ``best_params`` of an earlier fit, ``block{i}_…`` keys) fixes each block's
    parameters instead of searching them.
    """
    from sklearn.model_selection import cross_val_predict

    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).astype(int)
    folds = group_splits(y, groups)
    t0 = time.perf_counter()
    bases, oof, params = [], [], {}
    for i, (s, e) in enumerate(blocks):
        fixed = None
        if params is not None:
            pre = f"block{i}_"
            fixed = {k[len(pre):]: v for k, v in params.items() if k.startswith(pre)}
        r = fit_classifier(X[:, s:e], y, groups, "logreg", search=search and fixed is None, quick=quick,
                           calibration="none", seed=seed, params=fixed)  # fmt: skip
        bases.append(r.estimator)
        params.update({f"block{i}_{k}": v for k, v in r.best_params.items()})
        oof.append(cross_val_predict(r.estimator, X[:, s:e], y, cv=folds, method="decision_function"))
    Z = np.column_stack(oof)
    t1 = time.perf_counter()
    meta = fit_classifier(Z, y, groups, "logreg", search=False, calibration=calibration, seed=seed)
    t2 = time.perf_counter()
    return FitResult(
        StackedModel(list(blocks), bases, meta.estimator), "stack", params, None, t1 - t0, t2 - t1
    )


# --------------------------------------------------------------------------------------------
# Metrics


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Top-label ECE with ``n_bins`` equal-width confidence bins (Guo et al. 2017)."""
    y = np.asarray(y).astype(int)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    pred = (p > 0.5).astype(int)
    conf = np.where(pred == 1, p, 1.0 - p)
    correct = (pred == y).astype(np.float64)
    # Confidence lies in [0.5, 1]; bins span [0, 1] as in the usual definition.
    idx = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """Accuracy at 0.5, ROC AUC, ECE (15 bins), Brier score and the confusion matrix."""
    from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, roc_auc_score

    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    pred = (p > 0.5).astype(int)
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
    return {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "roc_auc": auc,
        "ece": expected_calibration_error(y, p),
        "brier": float(brier_score_loss(y, p)),
        # rows: true real, true synthetic; columns: predicted real, predicted synthetic
        "confusion": confusion_matrix(y, pred, labels=[0, 1]).tolist(),
    }
