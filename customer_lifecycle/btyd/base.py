"""The maximum-likelihood machinery shared by the BTYD fitters.

A fitter (:mod:`.bg_nbd`, :mod:`.pareto_nbd`, :mod:`.gamma_gamma`) validates its
rows (:func:`checked_rows`), collapses identical customers into weighted
patterns (:func:`collapse`), states its weighted negative log-likelihood and
gradient as a :class:`Problem`, and hands it to :func:`maximise`: multi-start
L-BFGS-B on the log-parameters, a Newton polish with a finite-difference
Hessian, standard errors from the Hessian of the total NLL, and a
:class:`FitResult` whose ``converged`` says whether the gradient test passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

#: Length of each supported time unit in days (months/quarters/years are
#: average Gregorian lengths).
TIME_UNIT_DAYS: dict[str, float] = {
    "day": 1.0,
    "week": 7.0,
    "month": 365.25 / 12.0,
    "quarter": 365.25 / 4.0,
    "year": 365.25,
}

#: Minimum number of customers (BG/NBD) / repeat buyers (Gamma-Gamma) to fit.
MIN_CUSTOMERS = 10

# Optimiser settings (log-parameter space).
LOG_BOUND = 30.0  # parameters are kept in [e^-30, e^30]
GRAD_TOL = 1e-5  # max |d mean-NLL / d log-param| accepted as converged
MAX_ITERATIONS = 3000  # L-BFGS-B iterations per start (function calls: twice)
NEWTON_STEPS = 25  # Newton polish steps at most


class FitError(RuntimeError):
    """A model could not be fitted; the message says why in plain words."""


@dataclass
class FitResult:
    """Outcome of a maximum-likelihood fit.

    ``params`` holds the natural parameters, ``standard_errors`` their
    asymptotic standard errors (square root of the diagonal of the inverse
    Hessian of the negative log-likelihood w.r.t. the natural parameters; NaN
    when that Hessian is singular or not positive definite), and
    ``log_likelihood`` the total (weighted) log-likelihood at the optimum.
    ``covariance`` (extra, optional) is that inverse Hessian, rows/columns in
    the order of ``params``; None when not available.
    """

    model_name: str
    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    converged: bool
    n_iterations: int
    message: str
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)


#: A fitted parameter outside [DEGENERATE_LOW, DEGENERATE_HIGH] marks a fit at a
#: boundary of the parameter space: the data do not identify the model there.
DEGENERATE_LOW = 1e-4
DEGENERATE_HIGH = 1e4


def degeneracy(result: FitResult) -> str | None:
    """Why a fit is degenerate, in words, or None when it is not.

    Degenerate: a parameter above :data:`DEGENERATE_HIGH` or below
    :data:`DEGENERATE_LOW` (the optimum sits on a boundary, e.g. BG/NBD's
    ``b -> inf`` when nobody drops out), or a standard error that is not a
    finite positive number (the Hessian is singular: the likelihood is flat in
    some direction). Predictions of such a fit are those of the limit model and
    may be fine, but its parameters mean nothing on their own.
    """
    reasons = []
    off = {
        name: value
        for name, value in result.params.items()
        if not DEGENERATE_LOW <= value <= DEGENERATE_HIGH
    }
    if off:
        listed = ", ".join(f"{name}={value:.3g}" for name, value in off.items())
        reasons.append(
            f"parameter(s) at a boundary ({listed}; outside "
            f"[{DEGENERATE_LOW:g}, {DEGENERATE_HIGH:g}])"
        )
    no_se = [
        name
        for name, value in result.standard_errors.items()
        if not (math.isfinite(value) and value > 0)
    ]
    if no_se:
        reasons.append(f"no finite standard error for {', '.join(no_se)}")
    return "; ".join(reasons) or None


def floats(*arrays) -> list[np.ndarray]:
    """The arguments as float arrays broadcast to one shape."""
    return np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))


# --------------------------------------------------------------------------- #
# maximum likelihood machinery
# --------------------------------------------------------------------------- #
class Problem:
    """A weighted negative log-likelihood in log-parameter space.

    ``nll_grad(theta)`` returns the total NLL and its gradient w.r.t. the
    natural parameters ``theta``; the optimiser works on ``phi = ln theta``
    with the mean NLL (total / total weight), so tolerances are scale-free.
    """

    names: tuple[str, ...]
    total_weight: float

    def nll_grad(
        self, theta: np.ndarray
    ) -> tuple[float, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def mean_phi(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(phi)
        f, g = self.nll_grad(theta)
        return f / self.total_weight, g * theta / self.total_weight


def dot(u: np.ndarray, v: np.ndarray) -> float:
    # einsum, not BLAS: much faster for long 1-D vectors on a busy machine
    return float(np.einsum("i,i->", u, v))


def collapse(
    columns: Sequence[np.ndarray], w: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` with summed weights (zero-weight rows dropped)."""
    frame = pd.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    frame["w"] = w
    grouped = frame.groupby(list(frame.columns[:-1]), sort=True, as_index=False)[
        "w"
    ].sum()
    grouped = grouped.loc[grouped["w"].to_numpy() > 0]
    return [
        grouped[f"c{i}"].to_numpy(dtype=float) for i in range(len(columns))
    ], grouped["w"].to_numpy(dtype=float)


def fd_hessian(
    grad: Callable[[np.ndarray], np.ndarray], z: np.ndarray, steps
) -> np.ndarray:
    """Central finite differences of an analytic gradient, symmetrised."""
    k = len(z)
    hess = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = steps[i]
        hess[i] = (grad(z + e) - grad(z - e)) / (2.0 * steps[i])
    return 0.5 * (hess + hess.T)


def mean_objective(problem: Problem) -> Callable[[np.ndarray], tuple]:
    """``phi -> (mean NLL, gradient)`` of ``problem``; ``(inf, 0)`` where not finite."""

    def fun(phi):
        with np.errstate(all="ignore"):
            f, g = problem.mean_phi(phi)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            return np.inf, np.zeros_like(phi)
        return f, g

    return fun


def multi_start(fun, starts: Sequence[np.ndarray], max_iterations: int) -> list:
    """L-BFGS-B from each start with a finite objective; the finite results."""
    k = len(starts[0]) if len(starts) else 0
    bounds = [(-LOG_BOUND, LOG_BOUND)] * k
    runs = []
    for start in starts:
        phi0 = np.clip(
            np.log(np.asarray(start, dtype=float)), -LOG_BOUND + 1, LOG_BOUND - 1
        )
        if not np.isfinite(fun(phi0)[0]):
            continue
        res = optimize.minimize(
            fun,
            phi0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={
                "maxiter": max_iterations,
                "maxfun": 2 * max_iterations,
                "ftol": 1e-15,
                "gtol": 1e-10,
                "maxcor": 30,
            },
        )
        if np.isfinite(res.fun):
            runs.append(res)
    return runs


def newton_polish(fun, phi: np.ndarray, f: float, max_steps: int):
    """Newton steps with a finite-difference Hessian of the analytic gradient.

    A step (halved up to three times) is taken only when it does not raise the
    objective and lowers the largest gradient component; the polish stops at
    |gradient| < 1e-11, at a Hessian that is not positive definite, or after
    ``max_steps``. Returns ``(phi, f, g, steps taken)``.
    """
    k = len(phi)
    g = fun(phi)[1]
    n_newton = 0
    for _ in range(max_steps):
        if np.max(np.abs(g)) < 1e-11:
            break
        hess = fd_hessian(lambda z: fun(z)[1], phi, np.full(k, 1e-5))
        try:
            np.linalg.cholesky(hess)
            step = -np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            break
        accepted = False
        for scale in (1.0, 0.5, 0.25, 0.125):
            cand = np.clip(phi + scale * step, -LOG_BOUND, LOG_BOUND)
            f_c, g_c = fun(cand)
            if f_c <= f + 1e-13 * max(1.0, abs(f)) and np.max(np.abs(g_c)) < np.max(
                np.abs(g)
            ):
                phi, f, g, accepted = cand, f_c, g_c, True
                break
        if not accepted:
            break
        n_newton += 1
    return phi, f, g, n_newton


def standard_errors(problem: Problem, theta: np.ndarray):
    """``(se, covariance)`` from the Hessian of the TOTAL NLL in natural parameters.

    NaN errors and no covariance when that Hessian is not finite or not
    positive definite.
    """

    def grad_total(th):
        with np.errstate(all="ignore"):
            return problem.nll_grad(th)[1]

    hess_nat = fd_hessian(grad_total, theta, 1e-5 * theta)
    cov = None
    se = np.full(len(theta), np.nan)
    if np.all(np.isfinite(hess_nat)):
        try:
            np.linalg.cholesky(hess_nat)
            cov = np.linalg.inv(hess_nat)
            diag = np.diag(cov)
            if np.all(diag > 0):
                se = np.sqrt(diag)
        except np.linalg.LinAlgError:
            cov = None
    return se, cov


def interior_gradient(phi: np.ndarray, g: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest |gradient| over the parameters inside the degeneracy range.

    A parameter on the optimiser's bound (e^-30 or e^30), or on its way there
    (outside [DEGENERATE_LOW, DEGENERATE_HIGH], along a flat ridge where the
    optimiser stops early), means the data push it to 0 or infinity (e.g.
    b -> inf: nobody drops out). The fit is kept, as the limit model it
    approaches, and flagged (see degeneracy); the convergence test then
    applies to the parameters inside that range only. Returns that largest
    gradient and the mask of parameters at the bound.
    """
    at_bound = np.abs(phi) > LOG_BOUND - 0.5
    running_off = (phi > math.log(DEGENERATE_HIGH)) | (phi < math.log(DEGENERATE_LOW))
    return float(np.max(np.abs(g[~running_off]), initial=0.0)), at_bound


def maximise(
    problem: Problem,
    starts: Sequence[np.ndarray],
    label: str,
    n_customers: int,
    max_iterations: int = MAX_ITERATIONS,
) -> FitResult:
    """Multi-start L-BFGS-B on log-parameters + Newton polish. Returns a FitResult.

    ``max_iterations`` bounds the L-BFGS-B iterations of each start (and its
    function evaluations at twice that) and the Newton polish steps (at most
    25). ``converged`` is True only when the first-order condition holds at
    the returned point: max |d mean-NLL / d ln theta| <= :data:`GRAD_TOL` over
    the parameters not running off to 0 or infinity. (L-BFGS-B's own success
    flag is not the test: at these tolerances its line search often stops
    "abnormally" at the optimum, which the polish then confirms.) A fit that
    did not converge is returned, not raised, with the reason first in its
    message. Raises :class:`FitError` when no start gives a finite likelihood.
    """
    fun = mean_objective(problem)
    runs = multi_start(fun, starts, max_iterations)
    if not runs:
        raise FitError(
            f"{label} fit failed: the likelihood is not finite at any starting point; "
            f"n_customers={n_customers}"
        )
    best = min(runs, key=lambda res: res.fun)
    f = float(best.fun)
    n_agree = sum(abs(res.fun - f) <= 1e-8 * max(1.0, abs(f)) for res in runs)
    phi, f, g, n_newton = newton_polish(
        fun, best.x.copy(), f, min(NEWTON_STEPS, max_iterations)
    )
    theta = np.exp(phi)
    if not (np.isfinite(f) and np.all(np.isfinite(theta))):
        raise FitError(
            f"{label} fit failed: optimiser returned non-finite values; "
            f"n_customers={n_customers}"
        )
    grad_max, at_bound = interior_gradient(phi, g)
    converged = grad_max <= GRAD_TOL
    se, cov = standard_errors(problem, theta)
    names = problem.names
    message = (
        f"L-BFGS-B from {len(starts)} start(s), {n_agree} reached the best optimum "
        f"(best: {best.message}), "
        f"{n_newton} Newton polish step(s); "
        f"max |d meanLL / d ln theta| = {grad_max:.1e}; "
        f"{problem.n_patterns} distinct patterns"
    )
    if not converged:
        limit = "; iteration limit reached" if best.status == 1 else ""
        message = (
            f"optimiser did not converge (max |gradient| {grad_max:.2e} per "
            f"customer > {GRAD_TOL:g}{limit}); {message}"
        )
    if cov is None:
        message += "; Hessian not positive definite, standard errors are NaN"
    if np.any(at_bound):
        bound_names = ", ".join(nm for nm, b in zip(names, at_bound, strict=True) if b)
        message += f"; {bound_names} ran off to 0 or infinity (optimiser bound)"
    return FitResult(
        model_name="",
        params={nm: float(v) for nm, v in zip(names, theta, strict=True)},
        standard_errors={nm: float(v) for nm, v in zip(names, se, strict=True)},
        log_likelihood=-f * problem.total_weight,
        n_customers=n_customers,
        converged=converged,
        n_iterations=int(sum(res.nit for res in runs)) + n_newton,
        message=message,
        covariance=cov,
    )


def check_weights(weights, n: int, label: str) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.broadcast_to(np.asarray(weights, dtype=float), (n,)).astype(float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise FitError(f"{label} fit failed: weights must be finite and >= 0")
    return w


def checked_rows(frequency, recency, t, weights, label: str):
    """Validated purchase-count rows for a BG/NBD or Pareto/NBD fit.

    Returns ``x, t_x, T, w`` (rows of zero weight dropped) and ``n_customers``;
    raises :class:`FitError` naming the problem: missing or negative values,
    recency > t, fewer than ``MIN_CUSTOMERS`` customers, no repeat buyers,
    identical customers, or no time observed.
    """
    x, tx, T = (np.ravel(v) for v in floats(frequency, recency, t))
    w = check_weights(weights, x.size, label)
    n_customers = round(float(w.sum()))
    problems = []
    if not (
        np.all(np.isfinite(x)) and np.all(np.isfinite(tx)) and np.all(np.isfinite(T))
    ):
        problems.append("frequency/recency/t contain missing or infinite values")
    elif np.any(x < 0) or np.any(tx < 0) or np.any(T < 0):
        problems.append("frequency/recency/t must be >= 0")
    elif np.any(tx > T * (1 + 1e-9) + 1e-12):
        problems.append(
            f"{int(np.sum(tx > T * (1 + 1e-9) + 1e-12))} row(s) have recency > t"
        )
    if problems:
        raise FitError(f"{label} fit failed: {problems[0]}; n_customers={n_customers}")
    used = w > 0
    x, tx, T, w = x[used], tx[used], T[used], w[used]
    if n_customers < MIN_CUSTOMERS:
        raise FitError(
            f"{label} fit failed: too few customers (need at least {MIN_CUSTOMERS}); "
            f"n_customers={n_customers}"
        )
    if not np.any(x > 0):
        raise FitError(
            f"{label} fit failed: no repeat buyers, so purchase rates and dropout "
            f"cannot be estimated; n_customers={n_customers}"
        )
    if np.ptp(x) == 0 and np.ptp(tx) == 0 and np.ptp(T) == 0:
        raise FitError(
            f"{label} fit failed: all customers have identical "
            "(frequency, recency, t); "
            f"n_customers={n_customers}"
        )
    if not np.any(T > 0):
        raise FitError(
            f"{label} fit failed: no customer has been observed for any time "
            "(all t == 0); "
            f"n_customers={n_customers}"
        )
    return x, tx, T, w, n_customers
