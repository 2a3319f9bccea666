"""Pareto/NBD "buy 'til you die" model, fitted by maximum likelihood.

Pure numpy/scipy maths beside :mod:`customer_lifecycle.btyd` (BG/NBD), in the
same style: log space, weighted distinct ``(x, t_x, T)`` patterns, an analytic
gradient, a Newton polish and standard errors from the Hessian (the optimiser
is :func:`customer_lifecycle.btyd.base.maximise`, shared with BG/NBD).

Model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005, "A Note
on Implementing the Pareto/NBD Model in MATLAB"):

* while alive, a customer buys as a Poisson process with rate ``lambda``,
  ``lambda ~ Gamma(shape=r, rate=alpha)``;
* the unobserved lifetime is exponential with rate ``mu``,
  ``mu ~ Gamma(shape=s, rate=beta)``, independent of ``lambda``; unlike
  BG/NBD, a customer can die at any time, also before the first repeat
  purchase, so one-time buyers get ``P(alive) < 1``;
* per customer we observe ``x`` (repeat purchases), ``t_x`` (time of the last
  one, from the first purchase) and ``T`` (age), in the model's time unit
  (``alpha`` and ``beta`` are in that unit too).

Likelihood (integral form). Given ``lambda, mu`` the individual likelihood is
``lambda^x e^{-(lambda+mu) T} + lambda^x mu \\int_{t_x}^{T} e^{-(lambda+mu) u} du``
(alive at T, or died at some ``u`` in ``(t_x, T]``). Integrating the two Gamma
mixing distributions out::

    L = G(r+x) alpha^r beta^s / G(r) * [ E1 + s I ],
    E1 = (alpha+T)^-(r+x) (beta+T)^-s,
    I  = \\int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du .

``I`` is what the closed form writes with Gauss hypergeometric functions (the
``A_0`` term of FHL's note, with its ``alpha >= beta`` / ``alpha < beta``
branches); here it is evaluated by Gauss-Legendre quadrature in
``w = ln(c + u)``, ``c = min(alpha, beta)`` (the integrand is smooth in ``w``
for every parameter value), on 1 to 8 panels of 16 nodes (one panel per 12
units of the integrand's log-variation, a bound computed per pattern), over
``[t_x, u_end]`` where ``u_end`` is where the integrand has fallen by at least
``e^-50`` (or ``T``). Accuracy ~1e-13 relative; the tests check it against the
hypergeometric closed form and against 2-D integration over
``(lambda, mu)``. The gradient differentiates under the integral with the same
nodes, so it is the exact gradient of the evaluated likelihood up to that
accuracy.

Predictions (same posterior)::

    P(alive | x, t_x, T) = E1 / (E1 + s I)
    E[X(T, T+h) | x, t_x, T]
        = P(alive) (r+x)/(alpha+T) (beta+T)/(s-1) [1 - ((beta+T)/(beta+T+h))^(s-1)]
    P(X(T, T+h) > 0 | x, t_x, T)
        = P(alive) \\int_0^h (r+x)/(alpha+T) ((alpha+T)/(alpha+T+v))^(r+x+1)
                             ((beta+T)/(beta+T+v))^s dv

(given alive at T, ``lambda ~ Gamma(r+x, alpha+T)`` and ``mu ~ Gamma(s, beta+T)``
independently; the expectation at ``s = 1`` is the limit
``(r+x)/(alpha+T) (beta+T) ln(1 + h/(beta+T))``; the purchase probability
integrates the density of the first purchase time before death).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre
from scipy import special

from customer_lifecycle.btyd.base import (
    MAX_ITERATIONS,
    FitResult,
    Problem,
    checked_rows,
    collapse,
    dot,
    maximise,
)

__all__ = [
    "ParetoNbdParams",
    "fit_pareto_nbd",
    "pareto_nbd_expected_purchases",
    "pareto_nbd_log_likelihood",
    "pareto_nbd_p_alive",
    "pareto_nbd_probability_of_purchase",
]

PARAMETER_NAMES = ("r", "alpha", "s", "beta")

_PANELS = 8
_NODES_PER_PANEL = 16
_TAIL_LOG_DROP = 50.0  # the integrand is cut where it has fallen by e^-50
_CHUNK = 4096  # patterns per block of quadrature (memory: CHUNK x 128 doubles)


@dataclass(frozen=True)
class ParetoNbdParams:
    """Pareto/NBD parameters: ``lambda ~ Gamma(r, alpha)``, ``mu ~ Gamma(s, beta)``.

    ``alpha`` and ``beta`` are in the model's time unit; ``r``, ``s`` dimensionless.
    """

    r: float
    alpha: float
    s: float
    beta: float


def _as_params(params) -> ParetoNbdParams:
    if isinstance(params, ParetoNbdParams):
        return params
    if isinstance(params, FitResult):
        if params.model_name != "pareto_nbd":
            raise ValueError(
                f"expected a pareto_nbd FitResult, got {params.model_name!r}"
            )
        return ParetoNbdParams(**params.params)
    if isinstance(params, Mapping):
        return ParetoNbdParams(*(float(params[k]) for k in PARAMETER_NAMES))
    return ParetoNbdParams(*(float(v) for v in params))


def _rule(panels: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre rule on [0, 1]: ``panels`` x 16 nodes and weights."""
    nodes, weights = legendre.leggauss(_NODES_PER_PANEL)
    left = np.arange(panels)[:, None] / panels
    t = left + (nodes[None, :] + 1.0) / (2.0 * panels)
    w = np.broadcast_to(weights[None, :] / (2.0 * panels), t.shape)
    return t.ravel(), np.log(w.ravel())


_RULES = {p: _rule(p) for p in range(1, _PANELS + 1)}
_T_NODES, _LOG_W_NODES = _RULES[_PANELS]
#: log-variation of the integrand that one 16-node panel integrates to ~1e-15
_VARIATION_PER_PANEL = 12.0


@dataclass
class _Integral:
    """``ln I`` per pattern and the posterior means over the quadrature nodes
    (softmax weights of the integrand) of ln(alpha+u), 1/(alpha+u), ln(beta+u),
    1/(beta+u): what the gradient of ``ln I`` needs."""

    log_i: np.ndarray
    mean_log_a: np.ndarray
    mean_inv_a: np.ndarray
    mean_log_b: np.ndarray
    mean_inv_b: np.ndarray


def _integrate_rows(idx, out, rule, r, alpha, s, beta, x, tx, width, c, moments):
    """Quadrature of ``I`` (and its moments) for the rows ``idx`` on one rule."""
    t_nodes, log_w = rule
    xs, txs, wid = x[idx], tx[idx], width[idx]
    empty = ~(wid > 0)
    wid = np.where(empty, 1.0, wid)
    dw = wid[:, None] * t_nodes[None, :]
    u = txs[:, None] + (c + txs)[:, None] * np.expm1(dw)
    log_c = np.log(c + txs)[:, None] + dw  # ln(c+u), the Jacobian
    # one of ln(alpha+u), ln(beta+u) is ln(c+u): only the other needs a log
    if alpha <= beta:
        la, lb = log_c, np.log(beta + u)
    else:
        la, lb = np.log(alpha + u), log_c
    log_f = log_c - (r + xs)[:, None] * la - (s + 1.0) * lb + log_w[None, :]
    top = log_f.max(axis=1)
    e = np.exp(log_f - top[:, None])
    total = e.sum(axis=1)
    out["log_i"][idx] = np.where(empty, -np.inf, top + np.log(total) + np.log(wid))
    if moments:
        q = e / total[:, None]
        out["la"][idx] = np.einsum("ij,ij->i", q, la)
        out["ia"][idx] = np.einsum("ij,ij->i", q, 1.0 / (alpha + u))
        out["lb"][idx] = np.einsum("ij,ij->i", q, lb)
        out["ib"][idx] = np.einsum("ij,ij->i", q, 1.0 / (beta + u))


def _log_integral(r, alpha, s, beta, x, tx, T, with_moments: bool) -> _Integral:
    """``ln \\int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du`` by quadrature.

    Substitution ``w = ln(c+u)``, ``c = min(alpha, beta)``: ``du = (c+u) dw``;
    the upper limit is cut to ``u_end = min(T, u_a, u_b)`` with
    ``(alpha+u_a) = (alpha+t_x) e^{50/(r+x)}`` and
    ``(beta+u_b) = (beta+t_x) e^{50/(s+1)}``, where one factor alone has fallen
    by ``e^-50``. ``ln I = -inf`` where ``t_x = T``.
    """
    c = min(alpha, beta)
    n = x.size
    out = {k: np.empty(n) for k in ("log_i", "la", "ia", "lb", "ib")}
    with np.errstate(over="ignore"):
        u_a = (alpha + tx) * np.exp(np.minimum(_TAIL_LOG_DROP / (r + x), 700.0))
        u_b = (beta + tx) * math.exp(min(_TAIL_LOG_DROP / (s + 1.0), 700.0))
    u_end = np.minimum(np.minimum(T, u_a - alpha), u_b - beta)
    width = np.log(c + u_end) - np.log(c + tx)  # >= 0
    # panels from a bound on the integrand's log-variation over the interval
    variation = (
        (r + x) * np.log((alpha + u_end) / (alpha + tx))
        + (s + 1.0) * np.log((beta + u_end) / (beta + tx))
        + width
    )
    panels = np.clip(np.ceil(variation / _VARIATION_PER_PANEL), 1, _PANELS)
    for n_panels in np.unique(panels).astype(int):
        rows = np.flatnonzero(panels == n_panels)
        for start in range(0, rows.size, _CHUNK):
            idx = rows[start : start + _CHUNK]
            _integrate_rows(
                idx,
                out,
                _RULES[n_panels],
                r,
                alpha,
                s,
                beta,
                x,
                tx,
                width,
                c,
                with_moments,
            )
    return _Integral(out["log_i"], out["la"], out["ia"], out["lb"], out["ib"])


def _log_terms(p: ParetoNbdParams, x, tx, T, with_moments: bool = False):
    """``ln E1`` and ``ln(s I)`` per row (see the module docstring)."""
    log_e1 = -(p.r + x) * np.log(p.alpha + T) - p.s * np.log(p.beta + T)
    integral = _log_integral(p.r, p.alpha, p.s, p.beta, x, tx, T, with_moments)
    return log_e1, math.log(p.s) + integral.log_i, integral


def _check_rows(x, tx, T) -> None:
    if not (
        np.all(np.isfinite(x)) and np.all(np.isfinite(tx)) and np.all(np.isfinite(T))
    ):
        raise ValueError("frequency/recency/t contain missing or infinite values")
    if np.any(x < 0) or np.any(tx < 0) or np.any(tx > T * (1 + 1e-9) + 1e-12):
        raise ValueError("need frequency >= 0 and 0 <= recency <= t")


def _flat(*arrays) -> tuple[tuple[np.ndarray, ...], tuple[int, ...]]:
    b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    return tuple(np.ravel(v) for v in b), b[0].shape


def pareto_nbd_log_likelihood(params, frequency, recency, t) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood ``ln L(r, alpha, s, beta | x, t_x, T)``::

        ln L = ln G(r+x) - ln G(r) + r ln alpha + s ln beta + logaddexp(ln E1, ln(s I))

    (module docstring for ``E1`` and ``I``; times in the model's time unit).
    """
    p = _as_params(params)
    (x, tx, T), shape = _flat(frequency, recency, t)
    _check_rows(x, tx, T)
    log_e1, log_si, _ = _log_terms(p, x, tx, T)
    ll = (
        special.gammaln(p.r + x)
        - special.gammaln(p.r)
        + p.r * math.log(p.alpha)
        + p.s * math.log(p.beta)
        + np.logaddexp(log_e1, log_si)
    )
    return ll.reshape(shape)


def pareto_nbd_p_alive(params, frequency, recency, t) -> np.ndarray:
    """``P(alive at T | x, t_x, T) = E1 / (E1 + s I) = expit(ln E1 - ln(s I))``.

    Below 1 also for one-time buyers (a customer can die before buying again).
    """
    p = _as_params(params)
    (x, tx, T), shape = _flat(frequency, recency, t)
    _check_rows(x, tx, T)
    log_e1, log_si, _ = _log_terms(p, x, tx, T)
    return special.expit(log_e1 - log_si).reshape(shape)


def _expected_if_alive(p: ParetoNbdParams, h, x, T) -> np.ndarray:
    """``E[X(T, T+h) | alive at T] = E[lambda] E[(1 - e^{-mu h}) / mu]``."""
    rate = (p.r + x) / (p.alpha + T)
    scale = p.beta + T
    if abs(p.s - 1.0) < 1e-10:
        return rate * scale * np.log1p(h / scale)
    # (beta+T)/(s-1) [1 - (1 + h/(beta+T))^-(s-1)], via expm1 for small h
    return rate * scale / (p.s - 1.0) * -np.expm1(-(p.s - 1.0) * np.log1p(h / scale))


def pareto_nbd_expected_purchases(params, horizon, frequency, recency, t) -> np.ndarray:
    """Conditional expected purchases in ``(T, T + horizon]``::

        E = P(alive) (r+x)/(alpha+T) (beta+T)/(s-1) [1 - ((beta+T)/(beta+T+h))^(s-1)]

    Arguments broadcast (horizons of shape ``(1, K)`` against customers of shape
    ``(n, 1)``); ``horizon = 0`` gives exactly 0.
    """
    p = _as_params(params)
    h = np.asarray(horizon, dtype=float)
    x, tx, T = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (frequency, recency, t))
    )
    alive = pareto_nbd_p_alive(p, x, tx, T)  # once per customer, not per horizon
    return np.where(h > 0, alive * _expected_if_alive(p, h, x, T), 0.0)


def pareto_nbd_probability_of_purchase(params, horizon, frequency, recency, t):
    """``P(at least one purchase in (T, T+h] | x, t_x, T)`` (module docstring).

    The integral over ``v in (0, h)`` (density of the first purchase time of an
    alive customer before death) is evaluated by Gauss-Legendre quadrature in
    ``ln(alpha+T+v)`` on the same 128-node rule as the likelihood.
    """
    p = _as_params(params)
    (h, x, tx, T), shape = _flat(horizon, frequency, recency, t)
    alive = pareto_nbd_p_alive(p, x, tx, T)
    k = p.r + x
    a_t, b_t = p.alpha + T, p.beta + T
    # w = ln((alpha+T+v)/(alpha+T)) in (0, width); cut where e^{-k w} < e^-60
    width = np.minimum(np.log1p(h / a_t), 60.0 / k)
    out = np.zeros(x.size)
    for start in range(0, x.size, _CHUNK):
        sl = slice(start, start + _CHUNK)
        w = width[sl][:, None] * _T_NODES[None, :]
        v = a_t[sl][:, None] * np.expm1(w)
        log_f = (
            -k[sl][:, None] * w  # ((alpha+T)/(alpha+T+v))^(r+x+1) (alpha+T+v) dv/dw
            - p.s * np.log1p(v / b_t[sl][:, None])
            + _LOG_W_NODES[None, :]
        )
        out[sl] = k[sl] * width[sl] * np.exp(special.logsumexp(log_f, axis=1))
    return np.where(h > 0, alive * np.minimum(out, 1.0), 0.0).reshape(shape)


class ParetoNbdProblem(Problem):
    """Pareto/NBD weighted NLL and its analytic gradient.

    ``sum w ln L = sum_x W_x [ln G(r+x) - ln G(r)] + W (r ln alpha + s ln beta)
    + sum_patterns w logaddexp(ln E1, ln(s I))``; with ``pi = sI / (E1 + sI)``::

        d/dr     = psi(r+x) - psi(r) + ln alpha - (1-pi) ln(alpha+T) - pi <ln(alpha+u)>
        d/dalpha = r/alpha - (1-pi)(r+x)/(alpha+T) - pi (r+x) <1/(alpha+u)>
        d/ds     = ln beta - (1-pi) ln(beta+T) + pi (1/s - <ln(beta+u)>)
        d/dbeta  = s/beta - (1-pi) s/(beta+T) - pi (s+1) <1/(beta+u)>

    ``<.>`` the mean over ``u`` weighted by the integrand of ``I``.
    """

    names = PARAMETER_NAMES

    def __init__(self, x, tx, T, w):
        (x, tx, T), w = collapse([x, tx, T], w)
        self.n_patterns = x.size
        self.x, self.tx, self.T, self.w = x, tx, T, w
        self.total_weight = float(w.sum())
        self.xu, xinv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(xinv, weights=w, minlength=self.xu.size)

    def nll_grad(self, theta):
        r, alpha, s, beta = (float(v) for v in theta)
        p = ParetoNbdParams(r, alpha, s, beta)
        x, T, w, W = self.x, self.T, self.w, self.total_weight
        xu, wx = self.xu, self.wx
        log_e1, log_si, m = _log_terms(p, x, self.tx, T, with_moments=True)
        total = np.logaddexp(log_e1, log_si)
        pi = np.exp(log_si - total)
        one = 1.0 - pi
        ll = (
            dot(wx, special.gammaln(r + xu) - special.gammaln(r))
            + W * (r * math.log(alpha) + s * math.log(beta))
            + dot(w, total)
        )
        # pi = 0 where t_x = T; then the moments are unused (nan-safe below)
        la = np.where(pi > 0, m.mean_log_a, 0.0)
        ia = np.where(pi > 0, m.mean_inv_a, 0.0)
        lb = np.where(pi > 0, m.mean_log_b, 0.0)
        ib = np.where(pi > 0, m.mean_inv_b, 0.0)
        d_r = (
            dot(wx, special.digamma(r + xu) - special.digamma(r))
            + W * math.log(alpha)
            - dot(w, one * np.log(alpha + T) + pi * la)
        )
        d_alpha = W * r / alpha - dot(w * (r + x), one / (alpha + T) + pi * ia)
        d_s = W * math.log(beta) - dot(w, one * np.log(beta + T) - pi * (1.0 / s - lb))
        d_beta = W * s / beta - dot(w, one * s / (beta + T) + pi * (s + 1.0) * ib)
        return -float(ll), -np.array([d_r, d_alpha, d_s, d_beta])


def fit_pareto_nbd(
    frequency,
    recency,
    t,
    weights=None,
    initial=None,
    max_iterations: int = MAX_ITERATIONS,
) -> FitResult:
    """Fit Pareto/NBD by maximum likelihood (see :func:`pareto_nbd_log_likelihood`).

    Same conventions and checks as :func:`customer_lifecycle.btyd.fit_bgnbd`:
    ``weights`` are per-row counts, ``initial`` an optional extra starting
    point; raises :class:`~customer_lifecycle.btyd.FitError` with a readable
    message for invalid or too little data or a failed optimisation.
    """
    label = "Pareto/NBD"
    x, tx, T, w, n_customers = checked_rows(frequency, recency, t, weights, label)
    problem = ParetoNbdProblem(x, tx, T, w)
    rate = max(dot(w, x) / max(dot(w, T), 1e-12), 1e-6)
    horizon = max(dot(w, T) / float(w.sum()), 1e-6)
    starts = []
    if initial is not None:
        ini = _as_params(initial)
        starts.append(np.array([ini.r, ini.alpha, ini.s, ini.beta]))
    starts += [
        np.array([0.5, 0.5 / rate, 0.5, horizon]),
        np.array([1.0, 1.0 / rate, 1.0, 2.0 * horizon]),
        np.array([1.0, 1.0, 1.0, 1.0]),
    ]
    res = maximise(problem, starts, label, n_customers, max_iterations)
    res.model_name = "pareto_nbd"
    return res
