"""Strict decoding of one CBOR item from untrusted bytes (shared by COSE_Sign1 and COSE_Encrypt)."""

from __future__ import annotations

import io
from typing import Any

import cbor2


def loads_exact(data: bytes, *, max_depth: int) -> Any:
    """Exactly one CBOR item: duplicate map keys, nesting beyond ``max_depth`` and trailing bytes
    are refused. Raises ValueError with a short reason; callers wrap it in their own error."""
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream, allow_duplicate_keys=False, max_depth=max_depth).decode()
    except Exception as exc:  # cbor2 raises assorted errors on hostile input
        raise ValueError(f"is not valid CBOR ({type(exc).__name__})") from None
    if stream.tell() != len(data):
        raise ValueError("has trailing bytes after the CBOR item")
    return value
