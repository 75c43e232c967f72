"""Colour photographs that ship inside installed wheels, with their source and licence records.

Nothing is downloaded: every loader reads a file bundled in scikit-image, scikit-learn or
matplotlib. Licence strings repeat what each package states (docstring or bundled README); where
the package states nothing we say so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fakemedia.errors import DetectorError


@dataclass(frozen=True)
class PhotoRecord:
    name: str
    package: str
    function: str
    licence: str
    provenance: str
    scene: str  # photos of the same scene share a scene id (grouped splits)


PHOTOS: tuple[PhotoRecord, ...] = (
    PhotoRecord("astronaut", "scikit-image", "skimage.data.astronaut",
                "public domain, as stated by scikit-image ('No known copyright restrictions, "
                "released into the public domain')",
                "NASA Great Images database: portrait of astronaut Eileen Collins", "astronaut"),
    PhotoRecord("chelsea", "scikit-image", "skimage.data.chelsea",
                "CC0, as stated by scikit-image ('No copyright restrictions. CC0 by the "
                "photographer (Stefan van der Walt)')",
                "photograph of the cat Chelsea by Stefan van der Walt", "chelsea"),
    PhotoRecord("coffee", "scikit-image", "skimage.data.coffee",
                "CC0, as stated by scikit-image ('No copyright restrictions. CC0 by the "
                "photographer (Rachel Michetti)')",
                "photograph of a coffee cup by Rachel Michetti", "coffee"),
    PhotoRecord("rocket", "scikit-image", "skimage.data.rocket",
                "public domain, as stated by scikit-image (captured by SpaceX and released in "
                "the public domain)",
                "SpaceX Photos on Flickr (photo 16511594820), JPEG", "rocket"),
    PhotoRecord("motorcycle_left", "scikit-image", "skimage.data.stereo_motorcycle[0]",
                "no licence stated by scikit-image; credited to the Middlebury 2014 stereo "
                "benchmark (Scharstein et al., GCPR 2014)",
                "Middlebury 2014 stereo dataset, left view, downsampled 4× by scikit-image",
                "motorcycle"),
    PhotoRecord("motorcycle_right", "scikit-image", "skimage.data.stereo_motorcycle[1]",
                "no licence stated by scikit-image; credited to the Middlebury 2014 stereo "
                "benchmark (Scharstein et al., GCPR 2014)",
                "Middlebury 2014 stereo dataset, right view, downsampled 4× by scikit-image",
                "motorcycle"),
    PhotoRecord("hubble_deep_field", "scikit-image", "skimage.data.hubble_deep_field",
                "public domain, as stated by scikit-image (captured by NASA, 'may be freely "
                "used in the public domain')",
                "HubbleSite news release 2012-37, JPEG", "hubble_deep_field"),
    PhotoRecord("immunohistochemistry", "scikit-image", "skimage.data.immunohistochemistry",
                "'No known copyright restrictions', as stated by scikit-image",
                "IHC micrograph acquired at the Center for Microscopy And Molecular Imaging "
                "(CMMI)", "immunohistochemistry"),
    PhotoRecord("retina", "scikit-image", "skimage.data.retina",
                "CC0 1.0 Universal Public Domain Dedication, as stated by scikit-image",
                "Wikimedia Commons 'Fundus photograph of normal left eye' (Mikael Häggström), "
                "JPEG", "retina"),
    PhotoRecord("china", "scikit-learn", "sklearn.datasets.load_sample_images['china.jpg']",
                "Creative Commons Attribution 2.0 (CC BY 2.0), as stated by scikit-learn's "
                "datasets/images/README.txt ('Some rights reserved by danielbuechele')",
                "Flickr photo 6061409035 by danielbuechele, retrieved 2011 by Robert Layton",
                "china"),
    PhotoRecord("flower", "scikit-learn", "sklearn.datasets.load_sample_images['flower.jpg']",
                "Creative Commons Attribution 2.0 (CC BY 2.0), as stated by scikit-learn's "
                "datasets/images/README.txt (its attribution line names danielbuechele, its "
                "links point to the Flickr user vultilion)",
                "Flickr photo 6056698931 (user vultilion), retrieved 2011 by Robert Layton",
                "flower"),
    PhotoRecord("grace_hopper", "matplotlib", "matplotlib.cbook.get_sample_data('grace_hopper.jpg')",
                "no licence stated in the matplotlib wheel (sample_data/README.txt only says "
                "'sample data needed for some of matplotlib's examples')",
                "portrait of Grace Hopper shipped as matplotlib sample data, JPEG",
                "grace_hopper"),
)  # fmt: skip

# Held out from codec training, used for the reported rate/PSNR figures.
HELDOUT_SCENES: tuple[str, ...] = ("coffee", "china")


def _skimage(fn: str, index: int | None = None) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        img = getattr(skimage.data, fn)()
        return img[index] if index is not None else img

    return load


def _sklearn(fname: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_images

        data = load_sample_images()
        names = [n.replace("\\", "/").rsplit("/", 1)[-1] for n in data.filenames]
        return data.images[names.index(fname)]

    return load


def _matplotlib(fname: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from matplotlib import cbook
        from PIL import Image

        with Image.open(cbook.get_sample_data(fname, asfileobj=False)) as im:
            return np.asarray(im.convert("RGB"))

    return load


_LOADERS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": _skimage("astronaut"),
    "chelsea": _skimage("chelsea"),
    "coffee": _skimage("coffee"),
    "rocket": _skimage("rocket"),
    "motorcycle_left": _skimage("stereo_motorcycle", 0),
    "motorcycle_right": _skimage("stereo_motorcycle", 1),
    "hubble_deep_field": _skimage("hubble_deep_field"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "retina": _skimage("retina"),
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
    "grace_hopper": _matplotlib("grace_hopper.jpg"),
}


def record(name: str) -> PhotoRecord:
    for r in PHOTOS:
        if r.name == name:
            return r
    raise DetectorError(f"unknown bundled photo {name!r}")


def load_photo(name: str) -> np.ndarray:
    """One bundled photo as H×W×3 uint8; DetectorError when its package is not installed."""
    record(name)
    try:
        img = np.asarray(_LOADERS[name]())
    except (ImportError, OSError) as e:
        raise DetectorError(f"bundled photo {name!r} unavailable: {type(e).__name__}") from None
    if img.ndim != 3 or img.shape[2] < 3:
        raise DetectorError(f"bundled photo {name!r} is not a colour image")
    return np.ascontiguousarray(img[..., :3].astype(np.uint8))


def available_photos(*, heldout: bool | None = None) -> dict[str, np.ndarray]:
    """All loadable bundled photos; ``heldout`` True/False selects the held-out/training scenes."""
    out: dict[str, np.ndarray] = {}
    for r in PHOTOS:
        if heldout is not None and (r.scene in HELDOUT_SCENES) != heldout:
            continue
        try:
            out[r.name] = load_photo(r.name)
        except DetectorError:
            continue  # an optional package (matplotlib, scikit-learn) is not installed
    return out
