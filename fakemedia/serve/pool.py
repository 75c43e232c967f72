"""Worker processes behind a bounded queue.

CPU-bound work (parsing, hashing, signature checks, decoding, the detector) runs in a
``ProcessPoolExecutor`` whose workers are spawned (nothing shared with the server by accident)
and initialised once. At most ``workers`` jobs run and ``queue`` more wait; a request beyond
that is refused at once (:class:`Busy`, answered 503 with ``Retry-After``) instead of piling up.
A job past its time limit gets :class:`TimedOut`; its worker may be stuck on a hostile file, so
the pool's processes are ended and a fresh pool takes over (jobs caught in that get
:class:`Busy`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["Busy", "TimedOut", "WorkerPool"]

T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the queue is full (or the pool was just restarted)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the server is busy; retry in {retry_after} s")
        self.retry_after = retry_after


class TimedOut(Exception):
    """The job ran past the per-request time limit."""


class WorkerPool:
    def __init__(self, name: str, workers: int, queue: int, timeout: float,
                 initializer: Callable[..., None], initargs: tuple[Any, ...],
                 probe: Callable[[], Any]) -> None:
        self.name, self.workers, self.queue, self.timeout = name, workers, queue, timeout
        self._initializer, self._initargs, self._probe = initializer, initargs, probe
        self._pending = 0  # running + waiting
        self._executor = self._start()
        self.restarts = 0

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=self._initializer, initargs=self._initargs)

    @property
    def pending(self) -> int:
        return self._pending

    def warm_up(self) -> None:
        """Start every worker now (their initializers load trust settings and models), so the
        first requests do not pay for it; an initializer failure surfaces here."""
        for future in self._prestart():
            future.result()

    def _prestart(self) -> list[Future[Any]]:
        return [self._executor.submit(self._probe) for _ in range(self.workers)]

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        if self._pending >= self.workers + self.queue:
            raise Busy(self._retry_after())
        self._pending += 1
        executor = self._executor
        try:
            future: Future[T] = executor.submit(func, *args)
        except (BrokenProcessPool, RuntimeError):
            self._pending -= 1
            self._replace(executor)
            raise Busy(1) from None
        # The slot is held until the worker is really done, not merely until the client has
        # been answered: the bound is on work, not on waiting clients.
        loop = asyncio.get_running_loop()
        future.add_done_callback(lambda _f: self._release_from(loop))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except (asyncio.TimeoutError, TimeoutError):
            self._replace(executor)
            raise TimedOut(f"the request took longer than {self.timeout:g} s") from None
        except BrokenProcessPool:
            self._replace(executor)
            raise Busy(1) from None

    def _release_from(self, loop: asyncio.AbstractEventLoop) -> None:
        # Done callbacks run on the executor's thread: count on the event loop's own.
        try:
            loop.call_soon_threadsafe(self._release)
        except RuntimeError:  # the loop has closed: the server is shutting down
            pass

    def _release(self) -> None:
        self._pending -= 1

    def _retry_after(self) -> int:
        return max(1, round(self.timeout / 4))

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        """End ``executor``'s processes (a stuck one never finishes) and start a new pool."""
        if executor is not self._executor:
            return  # already replaced by another request
        self.restarts += 1
        self._executor = self._start()
        self._prestart()  # the new workers load while the old ones are ended
        processes = list(getattr(executor, "_processes", {}).values())
        for process in processes:
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
