"""Brotli for C2PA compressed manifests (``c2cm`` superbox with one ``brob`` box; C2PA 2.2 §11.1.3.2).

Decompression is bounded: a bomb stops with LimitExceeded once output passes ``limit``, having
held at most about ``limit`` bytes plus one step of output.
"""

from __future__ import annotations

from fakemedia import limits
from fakemedia.errors import LimitExceeded, MalformedBox

#: Input fed per call and output produced per call; small enough to check the limit often.
_IN_STEP = 64 * 1024
_OUT_STEP = 1024 * 1024


def brotli_compress(data: bytes) -> bytes:
    import brotli  # only compressed manifests need it

    return bytes(brotli.compress(data))


def brotli_decompress(data: bytes, *, limit: int = limits.MAX_DECOMPRESSED_BYTES) -> bytes:
    """Inflate ``data``; MalformedBox if invalid or incomplete, LimitExceeded past ``limit``."""
    import brotli

    dec = brotli.Decompressor()
    parts: list[bytes] = []
    total = 0
    step = max(1, min(_OUT_STEP, limit + 1))

    def take(chunk: bytes) -> None:
        nonlocal total
        total += len(chunk)
        if total > limit:
            raise LimitExceeded(f"Brotli data inflates past the {limit}-byte limit")
        parts.append(chunk)

    view = memoryview(data)
    pos = 0
    try:
        for pos in range(0, len(data), _IN_STEP):
            if dec.is_finished():
                raise MalformedBox(f"trailing bytes after the Brotli stream at offset {pos}")
            take(dec.process(bytes(view[pos : pos + _IN_STEP]), output_buffer_limit=step))
            # With an output cap the decoder may keep input buffered; drain before feeding more.
            while not dec.can_accept_more_data():
                take(dec.process(b"", output_buffer_limit=step))
        while not dec.is_finished():
            chunk = dec.process(b"", output_buffer_limit=step)
            if not chunk:
                break
            take(chunk)
    except brotli.error as exc:
        raise MalformedBox(f"invalid Brotli data in input bytes {pos}..{pos + _IN_STEP}") from exc
    if not dec.is_finished():
        raise MalformedBox(f"Brotli data ends early ({len(data)} input bytes)")
    return b"".join(parts)
