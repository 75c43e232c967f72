"""Spectral baseline: azimuthally averaged log power spectrum of luma (Durall et al. 2020).

Up-sampling layers (transposed convolutions, nearest or bilinear + conv, pixel shuffle) leave
periodic or attenuated high-frequency energy that a 1-D radial profile shows plainly. It needs no
weights and no torch, so it is always reported beside the latent classifiers as a yardstick.
"""

from __future__ import annotations

import numpy as np

#: Default number of radial bins.
N_BINS = 48

# BT.709 luma weights (the same colour transform JPEG AI uses).
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float64)


def luma(rgb: np.ndarray) -> np.ndarray:
    """H×W×3 (or N×H×W×3) uint8 → float luma in [0, 1]."""
    return (np.asarray(rgb, dtype=np.float64) / 255.0) @ _LUMA


def _radial_index(h: int, w: int, n_bins: int) -> np.ndarray:
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    # Radius normalised so 1 is the Nyquist frequency on an axis; corners (r > 1) are dropped
    # because only part of the annulus exists there.
    r = np.sqrt(fy**2 + fx**2) / 0.5
    idx = np.floor(r * n_bins).astype(np.int64)
    idx[idx >= n_bins] = -1
    return idx


def radial_spectrum(rgb: np.ndarray, n_bins: int = N_BINS) -> np.ndarray:
    """Radial log power profile of one image's luma, length ``n_bins``."""
    y = luma(rgb)
    y = y - y.mean()
    h, w = y.shape
    # A Hann window stops the image border from painting a cross into the spectrum.
    win = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.rfft2(y * win)) ** 2
    idx = _radial_index(h, w, n_bins)
    ok = idx >= 0
    sums = np.bincount(idx[ok], weights=power[ok], minlength=n_bins)
    counts = np.bincount(idx[ok], minlength=n_bins)
    prof = np.log(sums / np.maximum(counts, 1) + 1e-12)
    # Remove overall contrast (a constant in log space) so the profile's *shape* is what counts.
    return (prof - prof.mean()).astype(np.float32)


def spectral_features(images: np.ndarray, n_bins: int = N_BINS) -> np.ndarray:
    """N×H×W×3 uint8 → N×n_bins radial profiles."""
    return np.stack([radial_spectrum(im, n_bins) for im in images]).astype(np.float32)
