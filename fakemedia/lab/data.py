"""Dataset readers: a ``real/`` + ``fake/`` folder layout, or a CSV (``path,label``).

Internally label 1 means **synthetic** (the detector's positive class). On disk:

* **Folder layout**: ``DATA/real/**/*`` and ``DATA/fake/**/*`` (any Pillow-readable files). The
  first sub-folder under ``real/`` or ``fake/`` names the image's *group* (e.g. its source
  photograph or identity); files directly under ``real/``/``fake/`` are each their own group.
* **CSV layout** (the Kaggle "140k Real and Fake Faces" files): columns ``path`` and ``label``
  with **1 = real, 0 = fake**, paths relative to the CSV's folder. Optional columns: ``group``,
  ``split`` (``train``/``test``), ``kind`` and ``box`` (``x0 y0 x1 y1`` of a pasted region);
  the benchmark builder writes all of them. Any other columns are ignored. If the folder holds a
  ``benchmark.csv`` the folder is read through it.

Images are decoded with :func:`fakemedia.detect.imageio.load_rgb`, centre-cropped to a square and
resized to ``size`` (default 256) – the same rule for both classes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fakemedia.detect.imageio import centre_square, load_rgb, resize_rgb
from fakemedia.errors import DetectorError, InputImageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm"}


@dataclass
class Dataset:
    root: Path
    paths: list[Path]
    labels: np.ndarray  # 1 = synthetic, 0 = real
    groups: np.ndarray
    splits: np.ndarray | None = None
    kinds: list[str] = field(default_factory=list)
    boxes: list[tuple[int, int, int, int] | None] = field(default_factory=list)
    layout: str = "folder"
    #: side of each image's centre square before resizing (filled by load_images; boxes scale by it)
    sizes: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths)

    def subset(self, idx: np.ndarray) -> Dataset:
        idx = np.asarray(idx)
        return Dataset(
            self.root,
            [self.paths[i] for i in idx],
            self.labels[idx],
            self.groups[idx],
            None if self.splits is None else self.splits[idx],
            [self.kinds[i] for i in idx] if self.kinds else [],
            [self.boxes[i] for i in idx] if self.boxes else [],
            self.layout,
        )

    def split(self, name: str) -> Dataset:
        if self.splits is None:
            raise DetectorError(f"{self.root}: no split column; cannot select {name!r}")
        return self.subset(np.flatnonzero(self.splits == name))

    def describe(self) -> str:
        n_fake = int(self.labels.sum())
        return (f"{self.root.name} ({self.layout}): {len(self)} images, {len(self) - n_fake} real, "
                f"{n_fake} synthetic, {len(np.unique(self.groups))} groups")  # fmt: skip

    def load_images(self, size: int = 256, progress: bool = False) -> np.ndarray:
        """N×size×size×3 uint8 (centre square, bicubic resize)."""
        if size % 16:
            raise DetectorError(f"image size must be a multiple of 16, not {size}")
        out = np.empty((len(self), size, size, 3), dtype=np.uint8)
        it = enumerate(self.paths)
        if progress:
            from tqdm import tqdm

            it = tqdm(it, total=len(self), desc="load images", unit="img")
        self.sizes = [0] * len(self)
        for i, p in it:
            try:
                sq = centre_square(load_rgb(p))
                self.sizes[i] = sq.shape[0]
                out[i] = resize_rgb(sq, size)
            except InputImageError as exc:
                raise InputImageError(f"dataset image {p}: {exc}") from None
        return out


def _limit(labels: np.ndarray, limit: int | None) -> np.ndarray:
    """First limit/2 of each class in file order (the ``sample_subset`` of Rustichini's thesis, 2025)."""
    idx = np.arange(len(labels))
    if not limit:
        return idx
    half = limit // 2
    keep = np.concatenate([idx[labels == 0][:half], idx[labels == 1][:half]])
    return np.sort(keep)


def read_csv(path: str | Path, limit: int | None = None) -> Dataset:
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DetectorError(f"cannot read dataset CSV {path}: {exc}") from None
    if not rows or "path" not in rows[0] or "label" not in rows[0]:
        raise DetectorError(f"{path}: a dataset CSV needs 'path' and 'label' columns (1 = real, 0 = fake)")
    root = path.parent
    paths, labels, groups, splits, kinds, boxes = [], [], [], [], [], []
    for i, r in enumerate(rows):
        lab = str(r["label"]).strip().lower()
        if lab in ("1", "real"):
            labels.append(0)
        elif lab in ("0", "fake"):
            labels.append(1)
        else:
            raise DetectorError(
                f"{path}: row {i + 2}: label must be 1 (real) or 0 (fake), not {r['label']!r}"
            )
        paths.append(root / r["path"])
        groups.append(r.get("group") or f"#{i}")
        splits.append((r.get("split") or "").strip())
        kinds.append(r.get("kind") or ("real" if labels[-1] == 0 else "fake"))
        b = (r.get("box") or "").split()
        boxes.append((int(b[0]), int(b[1]), int(b[2]), int(b[3])) if len(b) == 4 else None)
    lab_arr = np.asarray(labels, dtype=int)
    ds = Dataset(
        root, paths, lab_arr, np.asarray(groups),
        np.asarray(splits) if any(splits) else None, kinds, boxes, "csv",
    )  # fmt: skip
    return ds.subset(_limit(lab_arr, limit))


def read_folder(path: str | Path, limit: int | None = None) -> Dataset:
    root = Path(path)
    if (root / "benchmark.csv").is_file():
        return read_csv(root / "benchmark.csv", limit)
    paths, labels, groups = [], [], []
    for cls, lab in (("real", 0), ("fake", 1)):
        base = root / cls
        if not base.is_dir():
            raise DetectorError(f"{root}: expected sub-folders real/ and fake/ (or a CSV file)")
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
                rel = p.relative_to(base)
                paths.append(p)
                labels.append(lab)
                groups.append(rel.parts[0] if len(rel.parts) > 1 else f"{cls}/{rel.as_posix()}")
    if not paths:
        raise DetectorError(f"{root}: no images under real/ or fake/")
    lab_arr = np.asarray(labels, dtype=int)
    kinds = ["real" if v == 0 else "fake" for v in labels]
    ds = Dataset(root, paths, lab_arr, np.asarray(groups), None, kinds, [None] * len(paths), "folder")
    return ds.subset(_limit(lab_arr, limit))


def read_dataset(path: str | Path, limit: int | None = None) -> Dataset:
    """A CSV file or a folder (``benchmark.csv`` inside it, or ``real/`` + ``fake/``)."""
    p = Path(path)
    if p.is_file():
        return read_csv(p, limit)
    if p.is_dir():
        return read_folder(p, limit)
    raise DetectorError(f"dataset not found: {p}")


def train_test(ds: Dataset, test_fraction: float = 0.25, seed: int = 0) -> tuple[Dataset, Dataset]:
    """The dataset's own split if it has one, else a split by *group* (never by image)."""
    if ds.splits is not None and {"train", "test"} <= set(ds.splits.tolist()):
        return ds.split("train"), ds.split("test")
    groups = np.unique(ds.groups)
    if len(groups) < 4:
        raise DetectorError(f"{ds.root}: need at least 4 groups for a grouped train/test split")
    rng = np.random.default_rng(seed)
    test_groups = set(rng.permutation(groups)[: max(1, round(len(groups) * test_fraction))].tolist())
    is_test = np.array([g in test_groups for g in ds.groups])
    return ds.subset(np.flatnonzero(~is_test)), ds.subset(np.flatnonzero(is_test))
