"""Regenerate the detector samples: ``python samples/make_samples.py [--out DIR]``.

Writes ``synthetic.jpg`` (an image our own tiny generator decoded from mixed, noise-perturbed
codes: no photograph corresponds to it) and ``composite.jpg`` (a real photograph crop with the
same box of ``synthetic.jpg`` pasted in: a generated square in a real photograph), both
256×256, JPEG quality 90, and prints the pasted box. The generator is the benchmark's
transposed-convolution autoencoder, trained here on the benchmark's *training* scenes with its
step bound (200 steps, seeded); its output moves by a few grey levels between torch builds and
thread counts (``--composite-only`` rebuilds the composite from the ``synthetic.jpg`` in place).
The source photographs are held-out test scenes of both benchmarks, so the shipped detector has
seen no crop of them.

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


def make(out: Path, *, composite_only: bool = False) -> dict[str, object]:
    """Write both samples into ``out``; ``composite_only``: keep the ``synthetic.jpg`` there and
    rebuild ``composite.jpg`` from it (the generator's training is seeded, but another torch
    build or thread count moves its output by a few grey levels)."""
    out.mkdir(parents=True, exist_ok=True)
    if not composite_only:
        from fakemedia.lab import generators as gen

        model = _generator()
        a, b = (_crop(*s)[None] for s in SYNTHETIC_SOURCES)
        synthetic = gen.decode_mixtures(model, a, b, np.random.default_rng(SEED))[0]  # type: ignore[arg-type]
        Image.fromarray(synthetic).save(out / "synthetic.jpg", format="JPEG", quality=90)
    # The box is pasted from synthetic.jpg as written, so the composite's square is that file's.
    with Image.open(out / "synthetic.jpg") as im:
        pasted = np.asarray(im.convert("RGB"))
    x0, y0, x1, y1 = COMPOSITE_BOX
    composite = _crop(*COMPOSITE_SOURCE).copy()
    composite[y0:y1, x0:x1] = pasted[y0:y1, x0:x1]
    Image.fromarray(composite).save(out / "composite.jpg", format="JPEG", quality=90)
    return {"synthetic": str(out / "synthetic.jpg"), "composite": str(out / "composite.jpg"),
            "composite_box_xywh": [x0, y0, x1 - x0, y1 - y0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                    help="folder to write into (default: this samples/ folder)")
    ap.add_argument("--composite-only", action="store_true",
                    help="keep synthetic.jpg in --out and rebuild composite.jpg from it")
    args = ap.parse_args(argv)
    print(json.dumps(make(args.out, composite_only=args.composite_only)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
