"""Training time and accuracy: the thesis's flatten + HGB setup vs fakemedia's default detector
(the thesis: E. Rustichini, "Identificazione di immagini sintetiche tramite codifica JPEG AI",
thesis, 2025).

    .venv/bin/python bench/bench_detector.py DATA [--cache DIR]

DATA is a dataset with a train/test split (e.g. the offline benchmark from
``fakemedia-lab benchmark --out DATA``). Both setups see the same images, the same
cached latents (encoding time is excluded from both) and the same test split.

* thesis: flattened YUV ``y`` latents (65 536-d at 256²) and ``HistGradientBoostingClassifier``
  with the thesis's final parameters (learning_rate 0.1297, max_iter 596, max_leaf_nodes 117,
  min_samples_leaf 18, l2 0.00304, early stopping on 10 %), one fit, no search, no calibration –
  a lower bound on what the thesis pipeline costs.
* default: :func:`fakemedia.lab.experiment.train_detector` with the default features and
  classifier, *including* its hyper-parameter search and calibration, without the patch map.

Feature-extraction time (flatten/pooled/spectral from cached latents) is reported separately.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

THESIS_HGB = {
    "learning_rate": 0.12965912630431367,
    "max_iter": 596,
    "max_leaf_nodes": 117,
    "min_samples_leaf": 18,
    "l2_regularization": 0.003042734607209594,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "random_state": 42,
}


def main() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from fakemedia.detect.features import FeatureConfig
    from fakemedia.detect.runtime import limit_threads
    from fakemedia.lab.classifier import binary_metrics
    from fakemedia.lab.data import read_dataset, train_test
    from fakemedia.lab.experiment import (
        DEFAULT_CLASSIFIER,
        DEFAULT_FEATURES,
        FeatureSource,
        evaluate_model,
        train_detector,
    )

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--size", type=int, default=256)
    a = ap.parse_args()
    limit_threads(2)
    cache = a.cache or (a.data if a.data.is_dir() else a.data.parent) / ".fakemedia-cache"
    tr_ds, te_ds = train_test(read_dataset(a.data))
    tr = FeatureSource.load(tr_ds, size=a.size, cache_dir=cache)
    te = FeatureSource.load(te_ds, size=a.size, cache_dir=cache, encoder=tr.get_encoder())
    tr.latents(0), te.latents(0)  # encode (or read the cache) before any timing

    flat = FeatureConfig("flatten", "YUV", "y", 0)
    t0 = time.perf_counter()
    Xtr, Xte = tr.features(flat), te.features(flat)
    t_feat_thesis = time.perf_counter() - t0
    t0 = time.perf_counter()
    hgb = HistGradientBoostingClassifier(**THESIS_HGB).fit(Xtr, tr.labels)
    t_thesis = time.perf_counter() - t0
    m_thesis = binary_metrics(te.labels, hgb.predict_proba(Xte)[:, 1])

    t0 = time.perf_counter()
    tr.features(DEFAULT_FEATURES), te.features(DEFAULT_FEATURES)
    t_feat_default = time.perf_counter() - t0
    t0 = time.perf_counter()
    model, _ = train_detector(tr, features=DEFAULT_FEATURES, classifier=DEFAULT_CLASSIFIER, patch_map=False)
    t_default = time.perf_counter() - t0
    m_default = evaluate_model(model, te)

    print(f"data: train {tr_ds.describe()}; test {te_ds.describe()}")
    print("| setup | dims | train s | features s | accuracy | ROC AUC | ECE |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| thesis flatten YUV y + HGB (1 fit, {hgb.n_iter_} it) | {Xtr.shape[1]} | {t_thesis:.1f} | "
        f"{t_feat_thesis:.1f} | {m_thesis['accuracy']:.3f} | {m_thesis['roc_auc']:.3f} | "
        f"{m_thesis['ece']:.3f} |"
    )
    print(
        f"| default {DEFAULT_FEATURES.label()} + {DEFAULT_CLASSIFIER} (search + calibration) | "
        f"{model.n_features} | {t_default:.1f} | {t_feat_default:.1f} | {m_default['accuracy']:.3f} | "
        f"{m_default['roc_auc']:.3f} | {m_default['ece']:.3f} |"
    )
    print(f"training-time ratio thesis/default: {t_thesis / max(t_default, 1e-9):.1f}x")
    print(
        f"accuracy ratio default/thesis: {m_default['accuracy'] / max(m_thesis['accuracy'], 1e-9):.3f} "
        f"({m_default['accuracy']:.3f} vs {m_thesis['accuracy']:.3f})"
    )


if __name__ == "__main__":
    main()
