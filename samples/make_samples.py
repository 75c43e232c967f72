"""Regenerate the detector samples: ``python samples/make_samples.py [--out DIR]``.

Writes ``synthetic.jpg`` (an image our own tiny generator decoded from mixed, noise-perturbed
codes: no photograph corresponds to it) and ``composite.jpg`` (a real photograph crop with a box
of the generator's reconstruction pasted in), both 256×256, JPEG quality 90, and prints the
pasted box. The generator is the benchmark's transposed-convolution autoencoder, trained here on
the benchmark's *training* scenes with its step bound (200 steps, seeded), so the output is
deterministic on a given torch build. The source photographs are held-out test scenes of the
benchmark, so the shipped detector has seen no crop of them.

Seeds are fixed below and were not searched for: they are the first values tried.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

SEED = 0
SIZE = 256
UPSAMPLER = "tconv"
#: (name of the source photograph, crop top, crop left, crop side) in original pixels.
SYNTHETIC_SOURCES = (("chelsea", 0, 100, 300), ("chelsea", 0, 150, 300))
COMPOSITE_SOURCE = ("china", 60, 200, 360)
#: The pasted box in the 256×256 composite: x0, y0, x1, y1 (pixels, end exclusive).
COMPOSITE_BOX = (96, 64, 224, 192)


def _crop(name: str, top: int, left: int, side: int) -> np.ndarray:
    from fakemedia.detect.imageio import resize_rgb
    from fakemedia.lab.benchmark import load_photo

    img = load_photo(name)
    return resize_rgb(np.ascontiguousarray(img[top : top + side, left : left + side]), SIZE)


def _generator() -> object:
    from fakemedia.detect.runtime import limit_threads
    from fakemedia.lab import generators as gen
    from fakemedia.lab.benchmark import PHOTOS, TEST_SCENES, _patch_sampler, load_photo

    limit_threads()
    train = [load_photo(n) for n, scene in PHOTOS if scene not in TEST_SCENES]
    sampler = _patch_sampler(train, SIZE, batch=8, rng=np.random.default_rng(SEED + 1000))
    model, _log = gen.train_autoencoder(sampler, UPSAMPLER, seconds=900.0, max_steps=200, seed=SEED)
    return model


def make(out: Path) -> dict[str, object]:
    from fakemedia.lab import generators as gen

    model = _generator()
    a, b = (_crop(*s)[None] for s in SYNTHETIC_SOURCES)
    synthetic = gen.decode_mixtures(model, a, b, np.random.default_rng(SEED))[0]  # type: ignore[arg-type]
    real = _crop(*COMPOSITE_SOURCE)
    fake = gen.reconstruct(model, real[None])[0]  # type: ignore[arg-type]
    x0, y0, x1, y1 = COMPOSITE_BOX
    composite = real.copy()
    composite[y0:y1, x0:x1] = fake[y0:y1, x0:x1]
    out.mkdir(parents=True, exist_ok=True)
    for name, arr in (("synthetic.jpg", synthetic), ("composite.jpg", composite)):
        Image.fromarray(arr).save(out / name, format="JPEG", quality=90)
    return {"synthetic": str(out / "synthetic.jpg"), "composite": str(out / "composite.jpg"),
            "composite_box_xywh": [x0, y0, x1 - x0, y1 - y0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                    help="folder to write into (default: this samples/ folder)")
    print(json.dumps(make(ap.parse_args(argv).out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
