"""Detector model: a safe file format, numpy-only inference and :func:`score_image`.

**Format** (never pickle): one ``.safetensors`` file. The tensors are plain arrays (tree nodes,
coefficients, calibration tables); the safetensors header's metadata holds one JSON document
under the key ``"fakemedia"`` describing how the arrays combine, the feature configuration,
the encoder's SHA-256, the training data, measured metrics and the scikit-learn version that
fitted it. Loading parses JSON and arrays only, checks every reference, index and tree link,
and evaluates the trees with numpy: nothing in the file is ever executed. A corrupt or foreign
file raises :class:`~fakemedia.errors.DetectorError` with one line.

The estimator descriptions (``stack``, ``calibrated`` isotonic/sigmoid, ``scaled``, ``linear``,
``gbdt``, ``forest``) are written by :mod:`fakemedia.lab.compile` from fitted scikit-learn
estimators; inference needs neither scikit-learn nor torch for this part.

safetensors is imported with this module: where it is missing the ImportError reaches
:mod:`fakemedia.detection`, which reports the missing detector stack (it is never mistaken for a
foreign model file).

A model has an *image* classifier (features per :class:`~fakemedia.detect.features.FeatureConfig`)
and optionally a *patch* classifier on single latent positions, which draws the probability map.

The whole-image probability :func:`score_images` returns has the model's held-out map applied
once (:mod:`fakemedia.detect.calibration`; :meth:`DetectorModel.predict_image` stays the raw
classifier, which is what a new map is fitted on), and says whether it is calibrated: only when
the model records a held-out ECE after that map of at most ``MAX_ECE``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load as st_load

from fakemedia.detect.calibration import META_KEY, apply_calibration, is_calibrated
from fakemedia.detect.features import (
    FeatureConfig,
    all_patch_vectors,
    image_features,
    latent_block,
    patch_vectors,
)
from fakemedia.errors import DetectorError, WeightsMismatch

FORMAT = "fakemedia-detector"
FORMAT_VERSION = 1
MAX_MODEL_BYTES = 256 * 1024 * 1024

#: The shipped default model and its pinned SHA-256.
DEFAULT_MODEL_FILE = "default.safetensors"
DEFAULT_MODEL_SHA256 = "04b0c11372bac3a0174ab4b7874cfd9b4bbd65be8d69ef15edd26501821ae8c9"


# --------------------------------------------------------------------------------------------
# Evaluation of a compiled spec (numpy only)


def _eval_trees(X: np.ndarray, spec: dict[str, Any], A: dict[str, np.ndarray]) -> np.ndarray:
    roots = A[spec["roots"]]
    feat, thr = A[spec["feature"]], A[spec["threshold"]]
    left, right, leaf, nan_left = (
        A[spec["left"]],
        A[spec["right"]],
        A[spec["leaf"]].astype(bool),
        A[spec["nan_left"]].astype(bool),
    )
    value = A[spec["value"]]
    n_trees = len(roots)
    out = np.zeros((X.shape[0], n_trees), dtype=np.float64)
    # Chunked over samples to bound memory (n × trees index arrays).
    step = max(1, 200_000 // max(1, n_trees))
    for s in range(0, X.shape[0], step):
        xs = np.ascontiguousarray(X[s : s + step])
        flat = xs.ravel()
        # One entry per (sample, tree); only the pairs not yet at a leaf are walked on, so the
        # work is the paths' total length, not the deepest path times every pair.
        node = np.tile(roots, xs.shape[0])
        row_start = np.repeat(np.arange(xs.shape[0]) * xs.shape[1], n_trees)
        walking = np.flatnonzero(~leaf[node])
        # Children always have larger indices than parents (checked at load), so this ends.
        for _ in range(len(feat) + 1):
            if walking.size == 0:
                break
            at = node[walking]
            x = flat[row_start[walking] + feat[at]]
            go_left = x <= thr[at]
            missing = np.isnan(x)
            if missing.any():
                go_left[missing] = nan_left[at[missing]]
            at = np.where(go_left, left[at], right[at])
            node[walking] = at
            walking = walking[~leaf[at]]
        out[s : s + step] = value[node].reshape(xs.shape[0], n_trees)
    return out


def _decision(X: np.ndarray, spec: dict[str, Any], A: dict[str, np.ndarray]) -> np.ndarray:
    """The response CalibratedClassifierCV calibrates: decision_function, or P(class 1) for forests."""
    t = spec["type"]
    if t == "scaled":
        return _decision((X - A[spec["mean"]]) / A[spec["scale"]], spec["inner"], A)
    if t == "linear":
        return X @ A[spec["coef"]] + spec["intercept"]
    if t == "gbdt":
        return spec["baseline"] + _eval_trees(X, spec, A).sum(axis=1)
    if t == "forest":
        # sklearn trees compare in float32.
        return _eval_trees(X.astype(np.float32).astype(np.float64), spec, A).mean(axis=1)
    raise DetectorError(f"model file: unknown estimator type {t!r}")


def predict_proba(X: np.ndarray, spec: dict[str, Any], A: dict[str, np.ndarray]) -> np.ndarray:
    """P(synthetic) for each row of X."""
    X = np.asarray(X, dtype=np.float64)
    if spec["type"] == "stack":
        Z = np.column_stack([_decision(X[:, b["start"] : b["stop"]], b["model"], A) for b in spec["bases"]])
        return predict_proba(Z, spec["meta"], A)
    if spec["type"] == "calibrated":
        probs = []
        for m in spec["members"]:
            f = _decision(X, m["estimator"], A)
            c = m["calibrator"]
            if c["type"] == "isotonic":
                p = np.interp(f, A[c["x"]], A[c["y"]])
            else:
                p = 1.0 / (1.0 + np.exp(c["a"] * f + c["b"]))
            probs.append(np.clip(p, 0.0, 1.0))
        return np.mean(probs, axis=0)
    f = _decision(X, spec, A)
    if spec["type"] == "forest":
        return f
    return 1.0 / (1.0 + np.exp(-f))


def _validate(spec: Any, A: dict[str, np.ndarray], n_features: int, depth: int = 0) -> None:
    """Check a spec against the arrays so evaluation cannot index out of range or loop."""
    if depth > 4 or not isinstance(spec, dict) or "type" not in spec:
        raise DetectorError("model file: malformed estimator description")

    def arr(key: Any, n: int | None = None) -> np.ndarray:
        if not isinstance(key, str) or key not in A:
            raise DetectorError(f"model file: missing array {key!r}")
        a = A[key]
        if a.ndim != 1 or (n is not None and len(a) != n):
            raise DetectorError(f"model file: array {key!r} has the wrong shape")
        return a

    t = spec["type"]
    if t == "stack":
        bases = spec.get("bases") or []
        if not bases:
            raise DetectorError("model file: stacked model without bases")
        for b in bases:
            s, e = int(b["start"]), int(b["stop"])
            if not 0 <= s < e <= n_features:
                raise DetectorError("model file: stacked block outside the feature vector")
            _validate(b.get("model"), A, e - s, depth + 1)
        _validate(spec.get("meta"), A, len(bases), depth + 1)
    elif t == "calibrated":
        if not spec.get("members"):
            raise DetectorError("model file: calibrated model without members")
        for m in spec["members"]:
            _validate(m.get("estimator"), A, n_features, depth + 1)
            c = m.get("calibrator", {})
            if c.get("type") == "isotonic":
                x = arr(c.get("x"))
                arr(c.get("y"), len(x))
            elif c.get("type") == "sigmoid":
                float(c["a"]), float(c["b"])
            else:
                raise DetectorError("model file: unknown calibrator")
    elif t == "scaled":
        arr(spec.get("mean"), n_features)
        arr(spec.get("scale"), n_features)
        _validate(spec.get("inner"), A, n_features, depth + 1)
    elif t == "linear":
        arr(spec.get("coef"), n_features)
        float(spec["intercept"])
    elif t in ("gbdt", "forest"):
        feat = arr(spec.get("feature"))
        n = len(feat)
        for k in ("threshold", "left", "right", "value", "leaf", "nan_left"):
            arr(spec.get(k), n)
        roots = arr(spec.get("roots"))
        leaf = A[spec["leaf"]].astype(bool)
        idx = np.arange(n)
        left, right = A[spec["left"]], A[spec["right"]]
        inner = ~leaf
        if (
            len(roots) == 0 or roots.min() < 0 or roots.max() >= n
            or (feat[inner] < 0).any() or (feat[inner] >= n_features).any()
            or (left[inner] <= idx[inner]).any() or (right[inner] <= idx[inner]).any()
            or (left[inner] >= n).any() or (right[inner] >= n).any()
        ):  # fmt: skip
            raise DetectorError("model file: inconsistent tree arrays")
        if t == "gbdt":
            float(spec["baseline"])
    else:
        raise DetectorError(f"model file: unknown estimator type {t!r}")


# --------------------------------------------------------------------------------------------
# The model object, save and load


@dataclass
class DetectorModel:
    features: FeatureConfig
    image_spec: dict[str, Any]
    n_features: int
    arrays: dict[str, np.ndarray]
    patch_spec: dict[str, Any] | None = None
    patch_features: FeatureConfig | None = None
    n_patch_features: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    path: str = ""

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "fakemedia-detector"))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "0"))

    @property
    def image_size(self) -> int:
        return int(self.meta.get("image_size", 256))

    @property
    def min_side(self) -> int:
        """The shortest side (pixels) the model assesses: ``meta["min_side"]``, else its analysis
        size. A smaller image would be enlarged to the analysis size, and enlarging smooths real
        photographs into what the model learnt generated images look like (measured: every real
        photograph called synthetic on held-out scenes was one enlarged for analysis)."""
        floor = self.meta.get("min_side", self.image_size)
        if not isinstance(floor, int) or isinstance(floor, bool) or not 16 <= floor <= self.image_size:
            raise DetectorError("model file: min_side must be an integer from 16 to image_size")
        return floor

    @property
    def area_rule(self) -> dict[str, Any] | None:
        """The calibrated area rule this model carries (None: whole-image probability only)."""
        rule = self.meta.get("area_rule")
        return rule if isinstance(rule, dict) else None

    @property
    def encoder_sha256(self) -> str | None:
        return self.meta.get("encoder_sha256")

    @property
    def decision_threshold(self) -> float:
        """Probability above which the model calls an image synthetic (``meta["decision_threshold"]``).

        A model may record an operating point chosen on its training data for a bounded rate of
        real images called synthetic; the probability itself is left as it is. Default 0.5.
        """
        t = self.meta.get("decision_threshold", 0.5)
        if not isinstance(t, (int, float)) or not 0.0 < float(t) < 1.0:
            raise DetectorError("model file: decision_threshold must be a number in (0, 1)")
        return float(t)

    @property
    def calibrated(self) -> bool:
        """Whether the whole-image probability is calibrated by a held-out measure (ECE ≤ MAX_ECE)."""
        return is_calibrated(self.meta)

    def calibrate(self, p: np.ndarray) -> np.ndarray:
        """The raw image probabilities ``p`` after the model's held-out map (unchanged without one)."""
        spec = self.meta.get(META_KEY)
        if not spec:
            return np.asarray(p, dtype=np.float64)
        if not isinstance(spec, dict):
            raise DetectorError("model file: malformed probability calibration")
        return apply_calibration(p, spec)

    def predict_image(self, X: np.ndarray) -> np.ndarray:
        if X.shape[1] != self.n_features:
            raise DetectorError(f"model expects {self.n_features} features, got {X.shape[1]}")
        return predict_proba(X, self.image_spec, self.arrays)

    def predict_patches(self, V: np.ndarray) -> np.ndarray:
        if self.patch_spec is None:
            raise DetectorError("this model has no patch classifier")
        return predict_proba(V, self.patch_spec, self.arrays)

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "features": self.features.to_dict(),
            "n_features": self.n_features,
            "image_model": self.image_spec,
            "patch_features": None if self.patch_features is None else self.patch_features.to_dict(),
            "n_patch_features": self.n_patch_features,
            "patch_model": self.patch_spec,
            "meta": self.meta,
        }


def _safetensors_metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` map of a safetensors file (8-byte little-endian header length, then
    the JSON header), read from the bytes already in memory instead of opening the file again."""
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise ValueError("metadata is not a map")
    return meta


def load_model(path: str | Path, *, expected_sha256: str | None = None) -> DetectorModel:
    """Read and check a model file; any problem → DetectorError (WeightsMismatch for a pin)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise DetectorError(f"model file {path.name} is {size} bytes; larger than {MAX_MODEL_BYTES}")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DetectorError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise DetectorError(f"model path is a directory, not a file: {path}") from None
    except OSError as exc:
        raise DetectorError(f"cannot read model file {path}: {exc.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if expected_sha256 and digest != expected_sha256:
        raise WeightsMismatch(
            f"model file {path.name}: sha256 {digest[:16]}… does not match pinned {expected_sha256[:16]}…"
        )
    try:
        arrays = st_load(raw)
        meta = _safetensors_metadata(raw)
    except Exception:  # safetensors raises several types on foreign bytes; none is ours to show
        raise DetectorError(f"{path.name}: not a fakemedia detector model (unreadable safetensors)") from None
    if "fakemedia" not in meta:
        raise DetectorError(f"{path.name}: not a fakemedia detector model (no fakemedia header)")
    try:
        h = json.loads(meta["fakemedia"])
        if h.get("format") != FORMAT:
            raise DetectorError(f"{path.name}: not a fakemedia detector model")
        if h.get("format_version") != FORMAT_VERSION:
            raise DetectorError(f"{path.name}: unsupported model format version {h.get('format_version')}")
        feats = FeatureConfig.from_dict(h["features"])
        n_feat = int(h["n_features"])
        _validate(h["image_model"], arrays, n_feat)
        patch_spec = h.get("patch_model")
        patch_feats = None
        n_patch = int(h.get("n_patch_features") or 0)
        if patch_spec is not None:
            patch_feats = FeatureConfig.from_dict(h["patch_features"])
            _validate(patch_spec, arrays, n_patch)
    except DetectorError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DetectorError(f"{path.name}: malformed model header ({type(exc).__name__})") from None
    model = DetectorModel(feats, h["image_model"], n_feat, arrays, patch_spec, patch_feats, n_patch,
                          dict(h.get("meta") or {}), digest, str(path))  # fmt: skip
    try:
        model.calibrate(np.array([0.5]))  # a map that cannot be applied is refused here, not per image
    except DetectorError as exc:
        raise DetectorError(f"{path.name}: {exc}") from None
    return model


def default_model_path() -> Path:
    return Path(str(resources.files("fakemedia.detect") / "models" / DEFAULT_MODEL_FILE))


def load_default_model() -> DetectorModel:
    p = default_model_path()
    if not p.is_file():
        raise DetectorError("the default detector model is not installed; give a model file")
    return load_model(p, expected_sha256=DEFAULT_MODEL_SHA256 or None)


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass
class DetectionResult:
    """Outcome of :func:`score_image`.

    ``probability`` is the P(synthetic) of the whole image after the model's held-out map, if it
    has one; ``calibrated`` says whether a held-out ECE ≤ MAX_ECE backs it (see
    :mod:`fakemedia.detect.calibration`). ``patch_map`` is an h×w
    array of per-position P(synthetic), one cell per 16×16 block of the analysed image; cell
    (i, j) covers original pixels ``offset + (i, j) * cell_size`` … ``+ cell_size`` (y, x).
    """

    probability: float
    patch_map: np.ndarray | None
    cell_size: float
    offset: tuple[float, float]
    image_size: tuple[int, int]  # original (width, height)
    model_name: str
    model_version: str
    model_sha256: str
    features: str
    #: The model's calibrated area rule (``meta["area_rule"]``, see fakemedia.detection) or None.
    area_rule: dict[str, Any] | None = None
    #: True only when the model records a held-out ECE after calibration of at most MAX_ECE.
    calibrated: bool = False
    #: The model's decision threshold: ``label`` is "synthetic" above it.
    threshold: float = 0.5
    #: Why the model makes no claim about this image (None: assessed). ``probability`` is then
    #: what the model computed, kept for research, never a finding to show or sign.
    not_assessed: str | None = None

    @property
    def assessed(self) -> bool:
        return self.not_assessed is None

    @property
    def label(self) -> str:
        if not self.assessed:
            return "not assessed"
        return "synthetic" if self.probability > self.threshold else "real"

    def to_dict(self) -> dict[str, Any]:
        return {
            "probability_synthetic": round(float(self.probability), 6),
            "label": self.label,
            "decision_threshold": self.threshold,
            "patch_map_shape": None if self.patch_map is None else list(self.patch_map.shape),
            "cell_size": self.cell_size,
            "offset": list(self.offset),
            "image_size": list(self.image_size),
            "model": {"name": self.model_name, "version": self.model_version, "sha256": self.model_sha256},
            "features": self.features,
            "area_rule": self.area_rule,
            "calibrated": self.calibrated,
            "assessed": self.assessed,
            "not_assessed": self.not_assessed,
        }


def analysis_image(rgb: np.ndarray, short_side: int) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Resize so the shorter side is ``short_side`` (the training scale), crop to multiples of 16.

    Returns the analysed image, the original pixels per analysed pixel and the crop offset in
    original pixels.
    """
    from fakemedia.detect.imageio import crop_to_16

    h, w = rgb.shape[:2]
    scale = short_side / min(h, w)
    nh, nw = max(16, round(h * scale)), max(16, round(w * scale))
    if (nh, nw) != (h, w):
        from PIL import Image

        rgb = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.Resampling.BICUBIC), dtype=np.uint8)
    cropped, (top, left) = crop_to_16(rgb)
    inv = 1.0 / scale
    return cropped, inv, (top * inv, left * inv)


def _check_encoder(model: DetectorModel, encoder: Any) -> None:
    want = model.encoder_sha256
    have = getattr(encoder, "weights_sha256", None)
    if have is None:
        from fakemedia.detect.encoder import encoder_sha256

        have = encoder_sha256(None)
    if want and have != want:
        raise WeightsMismatch(
            f"model {model.name} was trained on encoder {want[:16]}…, the installed encoder is {have[:16]}…"
        )


def score_images(
    rgbs: list[np.ndarray], model: DetectorModel | None = None, *, encoder: Any = None
) -> list[DetectionResult]:
    """Score several images (each H×W×3 uint8); see :func:`score_image`."""
    model = model or load_default_model()
    cfg = model.features
    needs_latents = cfg.uses_latents or model.patch_spec is not None
    # ŷ (hyper-encoder and quantiser) only when a part of the model reads it
    quantised = cfg.latent != "y" or (model.patch_features is not None and model.patch_features.latent != "y")
    if needs_latents and encoder is None:
        from fakemedia.detect.encoder import load_encoder

        encoder = load_encoder(None)
    if needs_latents:
        _check_encoder(model, encoder)
    results = []
    for rgb in rgbs:
        img, cell_scale, offset = analysis_image(np.asarray(rgb, dtype=np.uint8), model.image_size)
        lat = None
        if needs_latents:
            from fakemedia.detect.encoder import encode_latents

            lat = encode_latents(img[None], encoder=encoder, rate=cfg.rate, quantised=quantised)
        spec = None
        if cfg.uses_spectrum:
            from fakemedia.detect.spectral import spectral_features

            spec = spectral_features(img[None])
        if cfg.kind == "patches":
            v = all_patch_vectors(latent_block(lat, cfg))[0]  # type: ignore[arg-type]
            raw = float(model.predict_image(v).mean())
        else:
            raw = float(model.predict_image(image_features(cfg, lat, spec))[0])
        prob = float(model.calibrate(np.array([raw]))[0])  # the held-out map, once
        pmap = None
        if model.patch_spec is not None and model.patch_features is not None and lat is not None:
            block = latent_block(lat, model.patch_features)
            vectors = patch_vectors(block, model.patch_features, img[None])[0]
            pmap = model.predict_patches(vectors).reshape(block.shape[2:])
        results.append(DetectionResult(
            prob, pmap, 16 * cell_scale, offset, (int(rgb.shape[1]), int(rgb.shape[0])),
            model.name, model.version, model.sha256, cfg.label(), model.area_rule, model.calibrated,
            model.decision_threshold, _too_small(rgb.shape, model.min_side),
        ))  # fmt: skip
    return results


def _too_small(shape: tuple[int, ...], floor: int) -> str | None:
    """Why an image of ``shape`` is not assessed by a model of this ``floor``, or None."""
    h, w = int(shape[0]), int(shape[1])
    if min(h, w) >= floor:
        return None
    return (f"the image ({w}×{h}) is smaller than the model assesses ({floor} px on the shorter "
            f"side); enlarging it would make a real photograph look generated")


def score_image(
    rgb: np.ndarray, model: DetectorModel | None = None, *, encoder: Any = None
) -> DetectionResult:
    """P(synthetic) of one RGB uint8 image (calibrated where the model says so), its per-patch
    map and the model identity.

    The image is resized so its shorter side equals the model's training size (256 for the
    default), keeping the aspect ratio, then centre-cropped to multiples of 16; the map covers
    that analysed area at one cell per 16×16 analysed pixels. An image whose shorter side is
    below the model's ``min_side`` is scored but not assessed (``not_assessed`` says why).
    """
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 16:
        from fakemedia.errors import InputImageError

        raise InputImageError("score_image needs an H×W×3 uint8 array of at least 16×16 pixels")
    return score_images([rgb], model, encoder=encoder)[0]
