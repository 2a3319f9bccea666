"""The numeric thread rule (customer_lifecycle.threads): a fit keeps one BLAS thread
whatever another dbt thread's fit does beside it.

The race this guards against, as dbt runs it: model B enters a threadpoolctl
context (it saves the process's BLAS count, 2, and sets 1), model A starts its
fit, B's context closes and restores 2 while A is still fitting. A sum split over
2 threads rounds differently, so A's coefficients change in their last bits
from one build to the next (seen at 1M customers: churn coefficients).
"""

import threading

import numpy  # noqa: F401  (loads OpenBLAS, which threadpoolctl controls)
import scipy.linalg  # noqa: F401  (scipy bundles its own OpenBLAS)
from threadpoolctl import threadpool_info, threadpool_limits

from customer_lifecycle.threads import one_numeric_thread, single_threaded


def _blas_threads() -> set[int]:
    return {
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    }


def threading_result(function, *args):
    """``function(*args)`` run in a thread of its own, as dbt runs a model."""
    out = []
    worker = threading.Thread(target=lambda: out.append(function(*args)))
    worker.start()
    worker.join()
    return out[0]


def _set_process_blas_threads(n: int) -> None:
    """The process's BLAS threads before the models run (2 cores: 2).

    Set from a thread that then ends: threadpoolctl (3.8) lets one live thread
    at a time control a process-wide OpenBLAS, and this one must not keep it.
    """
    threading_result(threadpool_limits, n, "blas")
    assert _blas_threads() == {n}


def _race(fit_context) -> set[int]:
    """BLAS thread counts seen inside A's fit when B's context closes during it."""
    _set_process_blas_threads(2)
    b_entered, a_entered, b_left = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    seen: dict[str, set[int]] = {}

    def model_b():
        # scikit-learn's KMeans opens its own BLAS context inside the fit.
        with fit_context(), threadpool_limits(limits=1, user_api="blas"):
            b_entered.set()
            a_entered.wait(10)
        b_left.set()

    def model_a():
        b_entered.wait(10)
        with fit_context():
            a_entered.set()
            b_left.wait(10)
            seen["a"] = _blas_threads()

    threads = [threading.Thread(target=model_b), threading.Thread(target=model_a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return seen["a"]


def test_blas_is_present_so_the_race_can_be_seen():
    assert _blas_threads(), "no BLAS library loaded: the race test would prove nothing"


def test_a_context_closing_beside_a_fit_leaves_it_on_one_thread():
    assert _race(one_numeric_thread) == {1}


def test_the_restoring_context_it_replaces_does_change_the_threads_mid_fit():
    # The old rule (threadpool_limits(1) as a restoring context in each model)
    # loses the race: A sees B's restore to 2. This is why the pin is never undone.
    assert _race(lambda: threadpool_limits(limits=1)) == {2}


def test_the_decorator_runs_the_function_on_one_thread_and_returns_its_value():
    _set_process_blas_threads(2)

    @single_threaded
    def fit(x):
        return x + 1, _blas_threads()

    value, threads = threading_result(fit, 41)
    assert value == 42
    assert threads == {1}
