"""One numeric thread for every fit, so that a fit never depends on what runs beside it.

dbt runs the Python models as threads of one process (2 dbt threads here), and
the BLAS thread count (OpenBLAS, bundled by numpy and scipy) is process-wide.
threadpoolctl (3.8) lets one live thread at a time set it, the others' requests
silently do nothing, and ``with threadpool_limits(...)`` restores on exit the
count it found on entry. So when the KMeans fit took control and set 1, the
churn fit beside it could not set its own; KMeans finished and restored 2, and
the churn model's last fit ran on 2 BLAS threads. A sum split over 2 threads
rounds differently from one: at 1M customers the published churn coefficients
differed in their last bits between two builds on the same input, in one build
of three (the 1M churn fit gives different bits on 1 and 2 BLAS threads).

:func:`one_numeric_thread` pins BLAS to one thread for the whole process and never
restores it, so every later entry into a threadpoolctl context (ours, or
scikit-learn's own inside KMeans) finds 1 and restores 1; OpenMP (scikit-learn's
Cython loops) is limited to one thread in the calling thread only, where OpenMP
keeps its setting. The fits run on compact data (samples and distinct patterns),
where one thread costs little, and the two dbt threads keep both cores busy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

from threadpoolctl import threadpool_limits

F = TypeVar("F", bound=Callable)


@contextmanager
def one_numeric_thread() -> Iterator[None]:
    """BLAS on one thread process-wide (never restored), OpenMP here on one."""
    threadpool_limits(limits=1, user_api="blas")
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def single_threaded(function: F) -> F:
    """Decorator: run ``function`` inside :func:`one_numeric_thread`."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with one_numeric_thread():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
