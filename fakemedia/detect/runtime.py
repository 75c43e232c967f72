"""The one place that sets how many threads torch may use.

A process pool of N workers each running torch on every core would oversubscribe the machine
N-fold, so batch workers ask for one thread each; a single process keeps at most
:data:`DEFAULT_THREADS` unless told otherwise.
"""

from __future__ import annotations

import os

__all__ = ["DEFAULT_THREADS", "limit_threads"]

#: Intra-op threads a detector process uses when nobody asked for a count (never raised above
#: what torch already uses).
DEFAULT_THREADS = 2


def limit_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count and return it.

    ``n``: exactly ``n`` threads (at least 1, at most the machine's cores). ``None``: at most
    :data:`DEFAULT_THREADS`, never more than the count already set, so a worker that asked for
    one thread keeps one when the detector loads later.
    """
    import torch

    if n is None:
        count = min(DEFAULT_THREADS, torch.get_num_threads())
    else:
        count = min(max(1, n), os.cpu_count() or 1)
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count
