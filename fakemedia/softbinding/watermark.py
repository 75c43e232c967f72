"""A 32-bit invisible watermark: RivaGAN (Zhang et al., "Robust Invisible Video Watermarking with
Attention", 2019) run through onnxruntime.

The network works on 256×256 frames, so the image is resampled to that size, marked there, and
the *residual* (marked minus unmarked) is upsampled back and added to the full-size pixels.
The decoder resamples any query to 256×256 the same way, which is what makes the mark survive
resizing, recompression and small crops without a search. The frame is BGR in [-1, 1] with a
time axis of one, (1, 3, 1, 256, 256); the decoder returns one logit per bit, bit = logit > 0.

Confidence is the mean |logit| over the 32 bits: marked images read well above 6, unmarked
ones mostly below 4. It is a hint; the repository is the real detector (a key must exist).
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
from PIL import Image

from fakemedia.errors import WatermarkUnavailable, WeightsMismatch
from fakemedia.softbinding.imaging import check_usable

PAYLOAD_BITS = 32
FRAME = 256
MODELS = Path(__file__).resolve().parent / "models"
#: SHA-256 of the two model files (see models/README.md for their source and licence).
PINNED = {
    "rivagan_encoder.onnx": "66bc7814fadac7d686105c8ab26c6cf2cc8e40deb83e67bb6ef5b9de9b8ece0d",
    "rivagan_decoder.onnx": "6b006690cf352fa50a91a0b6d6241dbcded0a9957969e2c0665cf9a7011b3880",
}
#: Paddings (fraction of each side) tried by the crop search: a crop changes the scale at which
#: the 256×256 normalisation sees the mark, padding back with the mean colour undoes part of it.
_SEARCH_PADS = (0.0, 0.05, 0.1)


class Reading(NamedTuple):
    """What the decoder saw: the 32-bit payload and the mean |logit| as confidence."""

    payload: int
    confidence: float


class _Models:
    """The inference sessions, each built once per process on first use (a look-up needs
    only the decoder, marking only the encoder)."""

    _lock = threading.Lock()
    _sessions: ClassVar[dict[str, Any]] = {}

    @classmethod
    def get(cls, name: str) -> Any:
        with cls._lock:
            if name not in cls._sessions:
                cls._sessions[name] = _session(name)
            return cls._sessions[name]


def _session(name: str) -> Any:
    try:
        import onnxruntime  # type: ignore[import-untyped]
    except ImportError:
        raise WatermarkUnavailable("the watermark needs onnxruntime, which is not installed: "
                                   "pip install 'fakemedia[watermark]'") from None
    path = MODELS / name
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise WeightsMismatch(f"watermark model {name} is missing: {exc.strerror}") from None
    digest = hashlib.sha256(blob).hexdigest()
    if digest != PINNED[name]:
        raise WeightsMismatch(f"watermark model {name} has SHA-256 {digest[:16]}…, "
                              f"expected {PINNED[name][:16]}…: the file is foreign or corrupt")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = min(4, os.cpu_count() or 1)
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning: on a busy machine spinning burns the CPU
    # other processes (a batch's other workers) need, for no gain on a 256×256 frame.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The bytes that were hashed are the bytes loaded: no window to swap the file.
    return onnxruntime.InferenceSession(blob, options, providers=["CPUExecutionProvider"])


def _frame(pixels: np.ndarray) -> np.ndarray:
    """The network's input: a 256×256 BGR copy in [-1, 1], shaped (1, 3, 1, 256, 256)."""
    small = Image.fromarray(pixels, "RGB").resize((FRAME, FRAME), Image.Resampling.LANCZOS,
                                                  reducing_gap=3.0)
    rgb = np.asarray(small, dtype=np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(rgb[:, :, ::-1].transpose(2, 0, 1))[None, :, None]


def _bits(payload: int) -> np.ndarray:
    if not 0 <= payload < 1 << PAYLOAD_BITS:
        raise ValueError(f"a watermark payload is a {PAYLOAD_BITS}-bit unsigned integer")
    return np.array([[(payload >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)]],
                    dtype=np.float32)


def embed(pixels: np.ndarray, payload: int) -> np.ndarray:
    """``pixels`` (H×W×3 uint8 RGB) carrying the 32-bit ``payload``, same shape and type."""
    return embed_measured(pixels, payload)[0]


def embed_measured(pixels: np.ndarray, payload: int) -> tuple[np.ndarray, float]:
    """:func:`embed` and the PSNR of the result against ``pixels`` (what :func:`psnr` gives),
    measured on the way at little cost."""
    check_usable(pixels, "a watermark")
    bits = _bits(payload)
    encoder = _Models.get("rivagan_encoder.onnx")
    frame = _frame(pixels)
    marked = encoder.run(None, {"frame": frame, "data": bits})[0]
    # Residual in 8-bit units, back to RGB order, one float plane per channel.
    residual = (marked - frame)[0, ::-1, 0] * np.float32(127.5)
    height, width = pixels.shape[:2]
    out = np.empty_like(pixels)
    squared = [0.0, 0.0, 0.0]

    def add_channel(channel: int) -> None:
        plane = Image.fromarray(np.ascontiguousarray(residual[channel]), "F")
        # Read through the bytes once: np.array(image) copies them a second time (≈0.1 s a
        # channel at 12 MP).
        up = np.frombuffer(plane.resize((width, height), Image.Resampling.BICUBIC).tobytes(),
                           np.float32).reshape(height, width)
        work = np.add(up, pixels[:, :, channel], dtype=np.float32)
        # Rounding, not truncation: truncating costs about 2 dB of PSNR for nothing.
        np.rint(work, out=work)
        np.clip(work, 0, 255, out=work)
        out[:, :, channel] = work
        np.subtract(work, pixels[:, :, channel], out=work)
        np.square(work, out=work)
        squared[channel] = float(work.sum(dtype=np.float64))

    # Pillow's resampling and numpy's loops release the GIL: the channels share the cores.
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(add_channel, range(3)))
    error = sum(squared) / pixels.size
    return out, float("inf") if error == 0 else float(10 * np.log10(255.0 ** 2 / error))


def decode_logits(pixels: np.ndarray) -> np.ndarray:
    """The decoder's 32 logits for ``pixels`` (positive: bit 1), most significant bit first."""
    check_usable(pixels, "a watermark")
    decoder = _Models.get("rivagan_decoder.onnx")
    return np.asarray(decoder.run(None, {"frame": _frame(pixels)})[0][0], dtype=np.float64)


def _reading(logits: np.ndarray) -> Reading:
    payload = 0
    for logit in logits:
        payload = (payload << 1) | int(logit > 0)
    return Reading(payload, float(np.abs(logits).mean()))


def decode(pixels: np.ndarray, *, search: bool = False) -> Reading:
    """Read the payload of ``pixels``. ``search`` also tries the image padded back by 5 and
    10 % per axis (a crop shrinks the field of view) and keeps the most confident reading:
    nine decodes instead of one, meant as a fallback."""
    best = _reading(decode_logits(pixels))
    if not search:
        return best
    height, width = pixels.shape[:2]
    fill = pixels.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    for pad_y in _SEARCH_PADS:
        for pad_x in _SEARCH_PADS:
            if pad_x == pad_y == 0.0:
                continue
            dy, dx = round(height * pad_y / 2), round(width * pad_x / 2)
            padded = np.empty((height + 2 * dy, width + 2 * dx, 3), np.uint8)
            padded[:] = fill
            padded[dy:dy + height, dx:dx + width] = pixels
            candidate = _reading(decode_logits(padded))
            if candidate.confidence > best.confidence:
                best = candidate
    return best


def psnr(original: np.ndarray, marked: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images of one shape."""
    # A histogram of the absolute differences gives the exact squared error without float
    # copies of a 12 MP image (about 0.3 GB each); done in bands to bound the int16 buffer.
    counts = np.zeros(256, dtype=np.int64)
    rows = max(1, (1 << 22) // max(1, original[0].size))
    for top in range(0, original.shape[0], rows):
        a = original[top:top + rows].astype(np.int16)
        a -= marked[top:top + rows]
        counts += np.bincount(np.abs(a).ravel(), minlength=256)
    error = float(counts @ np.arange(256, dtype=np.int64) ** 2) / original.size
    return float("inf") if error == 0 else float(10 * np.log10(255.0 ** 2 / error))
