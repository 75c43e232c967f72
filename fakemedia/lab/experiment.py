"""Training, evaluation and the thesis's factor grid on one dataset (the thesis:
E. Rustichini, "Identificazione di immagini sintetiche tramite codifica JPEG AI",
thesis, 2025).

Every image set is encoded once per (encoder, rate) and cached (see
:func:`fakemedia.lab.latents.cached_latents`); spectra are computed once per set. The grid is
classifier × rate × Y/YUV × flatten/single/patches × y/ŷ (the thesis's factors), plus the
spectral baseline and the pooled-statistics rows, all on the same grouped train/test split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fakemedia.detect.features import (
    FeatureConfig,
    all_patch_vectors,
    combine_patch_probs,
    image_features,
    latent_block,
    patch_positions,
    train_patch_vectors,
)
from fakemedia.detect.model import DetectorModel
from fakemedia.detect.spectral import N_BINS
from fakemedia.errors import DetectorError
from fakemedia.lab.classifier import binary_metrics, fit_classifier, fit_stack
from fakemedia.lab.compile import build_model
from fakemedia.lab.data import Dataset
from fakemedia.lab.latents import cached_latents, images_digest
from fakemedia.lab.localiser import box_cells

#: Features of the shipped default model (chosen by the measured grid, see models/README.md).
DEFAULT_FEATURES = FeatureConfig(kind="pooled+spectral", components="YUV", latent="y", rate=0)
DEFAULT_CLASSIFIER = "stack"
PATCH_FEATURES = FeatureConfig(kind="patches", components="YUV", latent="y", rate=0, n_patches=15)


@dataclass
class FeatureSource:
    """Images of one dataset part plus lazily computed, cached spectra and latents."""

    ds: Dataset
    images: np.ndarray
    cache_dir: Path | None = None
    encoder: Any = None
    progress: bool = False
    _sha: str = ""
    _spectra: np.ndarray | None = None
    _latents: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def load(cls, ds: Dataset, *, size: int = 256, cache_dir: str | Path | None = None,
             encoder: Any = None, progress: bool = False) -> FeatureSource:  # fmt: skip
        imgs = ds.load_images(size, progress=progress)
        return cls(ds, imgs, Path(cache_dir) if cache_dir else None, encoder, progress)

    @property
    def labels(self) -> np.ndarray:
        return self.ds.labels

    @property
    def groups(self) -> np.ndarray:
        return self.ds.groups

    @property
    def sha(self) -> str:
        if not self._sha:
            self._sha = images_digest(self.images)
        return self._sha

    def spectra(self) -> np.ndarray:
        if self._spectra is None:
            from fakemedia.detect.spectral import spectral_features

            self._spectra = spectral_features(self.images)
        return self._spectra

    def get_encoder(self) -> Any:
        if self.encoder is None:
            from fakemedia.detect.encoder import load_encoder
            from fakemedia.detect.runtime import limit_threads

            limit_threads()
            self.encoder = load_encoder(None)
        return self.encoder

    def encoder_sha(self) -> str:
        enc = self.get_encoder()
        sha = getattr(enc, "weights_sha256", None)
        if sha is None:
            from fakemedia.detect.encoder import encoder_sha256

            sha = encoder_sha256(None)
        return str(sha)

    def latents(self, rate: int) -> dict[str, np.ndarray]:
        if rate not in self._latents:
            self._latents[rate] = cached_latents(
                self.images, rate=rate, cache_dir=self.cache_dir, encoder=self.get_encoder(),
                encoder_sha=self.encoder_sha(), images_sha=self.sha, progress=self.progress,
            )  # fmt: skip
        return self._latents[rate]

    def features(self, cfg: FeatureConfig) -> np.ndarray:
        lat = self.latents(cfg.rate) if cfg.uses_latents else None
        spec = self.spectra() if cfg.uses_spectrum else None
        return image_features(cfg, lat, spec)


def patch_labels(src: FeatureSource, positions: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Per-position labels: the image label, except composites, where only cells inside the box are 1."""
    h, _ = grid
    cell = src.images.shape[1] / h
    out = np.repeat(src.labels[:, None], len(positions), axis=1).astype(int)
    for i, box in enumerate(src.ds.boxes or []):
        if box is not None and src.labels[i] == 1:
            f = src.images.shape[1] / src.ds.sizes[i] if src.ds.sizes else 1.0
            out[i] = box_cells(tuple(v * f for v in box), grid, cell).reshape(-1)[positions]
    return out.reshape(-1)


# --------------------------------------------------------------------------------------------


def evaluate_cell(
    cfg: FeatureConfig,
    clf: str,
    train: FeatureSource,
    test: FeatureSource,
    *,
    search: bool = True,
    quick: bool = False,
    calibration: str = "isotonic",
) -> dict[str, Any]:
    """Fit on ``train``, score ``test`` (image level); one row of the factor table."""
    row: dict[str, Any] = {
        "classifier": clf, "features": cfg.kind,
        "components": "" if cfg.kind == "spectral" else cfg.components,
        "latent": "" if cfg.kind == "spectral" else cfg.latent,
        "rate": "" if cfg.kind == "spectral" else cfg.rate,
    }  # fmt: skip
    if cfg.kind == "patches":
        block = latent_block(train.latents(cfg.rate), cfg)
        X, img = train_patch_vectors(block, cfg)
        y, g = train.labels[img], train.groups[img]
    else:
        X, y, g = train.features(cfg), train.labels, train.groups
    row["dims"] = int(X.shape[1])
    fit = _fit(cfg, clf, X, y, g, search=search, quick=quick, calibration=calibration)
    t0 = time.perf_counter()
    if cfg.kind == "patches":
        vt = all_patch_vectors(latent_block(test.latents(cfg.rate), cfg))
        probs = fit.predict_proba(vt.reshape(-1, vt.shape[2])).reshape(vt.shape[:2])
        vote, mean = combine_patch_probs(probs)
        m = binary_metrics(test.labels, mean)
        row["accuracy_vote"] = binary_metrics(test.labels, vote)["accuracy"]
    else:
        m = binary_metrics(test.labels, fit.predict_proba(test.features(cfg)))
        row["accuracy_vote"] = None
    row.update({
        "accuracy": m["accuracy"], "roc_auc": m["roc_auc"], "ece": m["ece"],
        "train_s": round(fit.train_seconds, 2), "search_s": round(fit.search_seconds, 2),
        "predict_s": round(time.perf_counter() - t0, 2), "n_train": len(y), "n_test": m["n"],
        "best_params": fit.best_params,
    })  # fmt: skip
    return row


def _fit(cfg: FeatureConfig, clf: str, X: np.ndarray, y: np.ndarray, g: np.ndarray, **kw: Any) -> Any:
    if clf == "stack":
        if cfg.kind != "pooled+spectral":
            raise DetectorError("the stack classifier needs pooled+spectral features")
        n_spec = N_BINS  # the spectral block is last (see features.image_features)
        return fit_stack(X, y, g, [(0, X.shape[1] - n_spec), (X.shape[1] - n_spec, X.shape[1])], **kw)
    return fit_classifier(X, y, g, clf, **kw)


def factor_grid(
    rates: tuple[int, ...],
    classifiers: tuple[str, ...] = ("rf", "hgb"),
    kinds: tuple[str, ...] = ("flatten", "single", "patches"),
    components: tuple[str, ...] = ("Y", "YUV"),
    latents: tuple[str, ...] = ("y", "yhat"),
    n_patches: int = 15,
) -> list[tuple[FeatureConfig, str]]:
    cells = []
    for clf in classifiers:
        for rate in rates:
            for comp in components:
                for kind in kinds:
                    for lat in latents:
                        cells.append((FeatureConfig(kind, comp, lat, rate, n_patches), clf))
    return cells


def run_experiment(
    train: FeatureSource,
    test: FeatureSource,
    cells: list[tuple[FeatureConfig, str]],
    *,
    search: bool = True,
    quick: bool = False,
    progress: bool = True,
) -> list[dict[str, Any]]:
    rows = []
    it: Any = cells
    if progress:
        from tqdm import tqdm

        it = tqdm(cells, desc="experiment", unit="cell")
    for cfg, clf in it:
        if progress:
            it.set_postfix_str(f"{clf} {cfg.label()}")
        rows.append(evaluate_cell(cfg, clf, train, test, search=search, quick=quick))
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    cols = [("classifier", "clf"), ("rate", "rate"), ("components", "comp"), ("features", "features"),
            ("latent", "latent"), ("dims", "dims"), ("accuracy", "acc"), ("accuracy_vote", "acc (vote)"),
            ("roc_auc", "AUC"), ("ece", "ECE"), ("train_s", "train s")]  # fmt: skip

    def fmt(v: Any) -> str:
        if v is None or v == "":
            return "–"
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(fmt(r.get(k)) for k, _ in cols) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Training a shippable model


def train_detector(
    train: FeatureSource,
    *,
    features: FeatureConfig = DEFAULT_FEATURES,
    classifier: str = DEFAULT_CLASSIFIER,
    search: bool = True,
    quick: bool = False,
    calibration: str = "isotonic",
    patch_map: bool = True,
    name: str = "fakemedia-detector",
    version: str = "1",
    extra_meta: dict[str, Any] | None = None,
    patch_train: FeatureSource | None = None,
    patch_context: str = "none",
    patch_positions_per_image: int = PATCH_FEATURES.n_patches,
) -> tuple[DetectorModel, dict[str, Any]]:
    """Fit the image classifier (and the patch-map classifier) on ``train``; returns model + info.

    ``patch_train`` (default ``train``) is what the patch map is fitted on: augmented copies
    carry no pasted box, so with augmentation the map keeps to the original images. With
    ``patch_context="relative"`` the map learns what differs inside one image, so it is fitted on
    real images and composites only: a fully synthetic image differs from itself nowhere.
    """
    import sklearn

    if features.kind == "patches":
        block = latent_block(train.latents(features.rate), features)
        X, img = train_patch_vectors(block, features)
        y, g = train.labels[img], train.groups[img]
    else:
        X, y, g = train.features(features), train.labels, train.groups
    fit = _fit(features, classifier, X, y, g, search=search, quick=quick, calibration=calibration)
    info: dict[str, Any] = {"image_train_s": round(fit.train_seconds, 2), "best_params": fit.best_params,
                            "cv_accuracy": fit.cv_accuracy}  # fmt: skip
    patch_est, n_patch, pf = None, 0, PATCH_FEATURES
    if patch_map:
        ptr = patch_train or train
        pf = PATCH_FEATURES.with_(rate=features.rate, context=patch_context,
                                  n_patches=patch_positions_per_image)
        block = latent_block(ptr.latents(pf.rate), pf)
        h, w = block.shape[2:]
        pos = patch_positions(h, w, pf.n_patches, pf.seed)
        V, img = train_patch_vectors(block, pf, ptr.images)
        yp = patch_labels(ptr, pos, (h, w))
        if patch_context in ("relative", "local"):
            boxes = ptr.ds.boxes or [None] * len(ptr.ds)
            keep = np.array([lab == 0 or box is not None for lab, box in zip(ptr.labels, boxes, strict=True)])
            V, yp, img = V[keep[img]], yp[keep[img]], img[keep[img]]
            info["patch_images"] = int(keep.sum())
        pfit = fit_classifier(V, yp, ptr.groups[img], "hgb", search=False, calibration=calibration)
        patch_est, n_patch = pfit.estimator, V.shape[1]
        info["patch_train_s"] = round(pfit.train_seconds, 2)
    meta = {
        "name": name,
        "version": version,
        "classifier": classifier,
        "calibration": calibration,
        "image_size": int(train.images.shape[1]),
        "encoder_sha256": train.encoder_sha() if (features.uses_latents or patch_map) else None,
        "sklearn_version": sklearn.__version__,
        "training_data": {
            "description": train.ds.describe(),
            "images_sha256": train.sha,
            "n_images": len(train.ds),
            "n_synthetic": int(train.labels.sum()),
            "groups": sorted(set(train.groups.tolist()))[:50],
        },
        "best_params": fit.best_params,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    meta.update(extra_meta or {})
    model = build_model(features, fit.estimator, X.shape[1], patch_estimator=patch_est,
                        patch_features=pf if patch_map else None,
                        n_patch_features=n_patch, meta=meta)  # fmt: skip
    return model, info


def evaluate_model(model: DetectorModel, test: FeatureSource, *, raw: bool = False) -> dict[str, Any]:
    """Image-level metrics of a compiled model on ``test`` (same preprocessing as score_image).

    The probabilities have the model's held-out map applied, as score_image does; ``raw`` gives
    the classifier's own, which is what a new map is fitted on.
    """
    cfg = model.features
    if cfg.kind == "patches":
        vt = all_patch_vectors(latent_block(test.latents(cfg.rate), cfg))
        p = model.predict_image(vt.reshape(-1, vt.shape[2])).reshape(vt.shape[:2]).mean(axis=1)
    else:
        p = model.predict_image(test.features(cfg))
    if not raw:
        p = model.calibrate(p)
    m = binary_metrics(test.labels, p)
    m["probabilities"] = p
    return m
