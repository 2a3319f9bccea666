"""BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2)): closed forms and the maximum-likelihood fit.

* while alive, a customer makes repeat purchases as a Poisson process with rate
  ``lambda`` (purchases per time unit), ``lambda ~ Gamma(shape=r, rate=alpha)``;
* right after each *repeat* purchase the customer drops out ("dies") with
  probability ``p``, ``p ~ Beta(a, b)``. A customer cannot die at time 0 (the
  first purchase) nor between purchases;
* per customer we observe ``x`` (``frequency``: number of repeat purchases),
  ``t_x`` (``recency``: time of the last purchase, measured from the first
  purchase) and ``T`` (``t``: age, time from the first purchase to the end of
  the calibration period).

The fit is :func:`customer_lifecycle.btyd.base.maximise` on
:class:`BgNbdProblem` (see :mod:`customer_lifecycle.btyd` for units and method).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

from customer_lifecycle.btyd.base import (
    MAX_ITERATIONS,
    FitResult,
    Problem,
    checked_rows,
    collapse,
    dot,
    floats,
    maximise,
)


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: ``lambda ~ Gamma(r, rate=alpha)``, ``p ~ Beta(a, b)``.

    ``alpha`` is in the model's time unit; ``r``, ``a``, ``b`` are dimensionless.
    """

    r: float
    alpha: float
    a: float
    b: float


_BGNBD_NAMES = ("r", "alpha", "a", "b")


def _as_bgnbd(params) -> BgNbdParams:
    if isinstance(params, BgNbdParams):
        return params
    if isinstance(params, FitResult):
        if params.model_name != "bg_nbd":
            raise ValueError(f"expected a bg_nbd FitResult, got {params.model_name!r}")
        return BgNbdParams(**params.params)
    if isinstance(params, Mapping):
        return BgNbdParams(*(float(params[k]) for k in _BGNBD_NAMES))
    return BgNbdParams(*(float(v) for v in params))


# --------------------------------------------------------------------------- #
# BG/NBD closed forms
# --------------------------------------------------------------------------- #
def _log_death_odds(r, alpha, a, b, x, tx, T):
    """``D = ln[a/(b+x-1)] + (r+x) ln[(alpha+T)/(alpha+t_x)]`` (x > 0; -inf at x = 0).

    ``exp(D)`` is the posterior odds "died after the last purchase" : "alive".
    """
    rep = x > 0
    xs = np.where(rep, x, 1.0)
    d = (
        np.log(a)
        - np.log(b + xs - 1.0)
        + (r + xs) * (np.log(alpha + T) - np.log(alpha + np.where(rep, tx, 0.0)))
    )
    return np.where(rep, d, -np.inf)


def bgnbd_log_likelihood(params, frequency, recency, t) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood ``ln L(r, alpha, a, b | x, t_x, T)``.

    FHL (2005) eq. 6 in log form (times in the model's time unit)::

        ln L = ln B(a, b+x) - ln B(a, b) + ln G(r+x) - ln G(r) + r ln(alpha)
               - (r+x) ln(alpha+T)
               + ln[1 + d_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)]

    (``G`` the gamma function, ``B`` the beta function; the last term is
    evaluated as ``logaddexp(0, D)``). It is a density in ``t_x``, so its value
    depends on the time unit through ``x ln(unit)``.
    """
    p = _as_bgnbd(params)
    x, tx, T = floats(frequency, recency, t)
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    ll = (
        special.betaln(a, b + x)
        - special.betaln(a, b)
        + special.gammaln(r + x)
        - special.gammaln(r)
        + r * math.log(alpha)
        - (r + x) * np.log(alpha + T)
    )
    return ll + np.logaddexp(0.0, _log_death_odds(r, alpha, a, b, x, tx, T))


def bgnbd_p_alive(params, frequency, recency, t) -> np.ndarray:
    """Probability a customer is still alive at ``T``, ``P(alive | x, t_x, T)``.

    FHL (2005) eq. 11::

        P(alive) = 1 / (1 + d_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

    computed as ``expit(-D)`` (stable for any magnitude).

    NOTE: for one-time buyers (``x == 0``) BG/NBD returns exactly 1, because in
    this model a customer can only drop out right after a repeat purchase; a
    customer who never came back is, by construction, "alive" (just possibly
    with a tiny purchase rate). Downstream code that needs a churn probability
    for one-time buyers must handle them separately (e.g. via the expected
    purchases, which do shrink with T).
    """
    p = _as_bgnbd(params)
    x, tx, T = floats(frequency, recency, t)
    return special.expit(-_log_death_odds(p.r, p.alpha, p.a, p.b, x, tx, T))


def _cond_expectation_hyp2f1(r, alpha, a, b, h, x, T):
    """``E[X(T, T+h) | alive at T]`` (i.e. without the P(alive) factor) via 2F1.

    FHL eq. 10 needs ``(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)`` with
    ``z = h/(alpha+T+h)``; its first two parameters grow with ``x`` and the
    series then suffers huge cancellation/overflow. Euler's transformation
    ``2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z)`` turns it into
    ``(1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose parameters stay
    small while the third grows with ``x`` (a quickly convergent series).
    """
    z = h / (alpha + T + h)
    c = a + b + x - 1.0
    with np.errstate(all="ignore"):
        f = special.hyp2f1(a + b - 1.0 - r, a - 1.0, c, z)
        log_term = (a - 1.0) * np.log1p(-z) + np.log(f)
        bracket = np.where(
            f > 0, -np.expm1(log_term), 1.0 - np.power(1.0 - z, a - 1.0) * f
        )
        return c / (a - 1.0) * bracket


def _cond_expectation_quadrature(r, alpha, a, b, h, x, T, step=1.0 / 32.0):
    """Same quantity as :func:`_cond_expectation_hyp2f1`, by numerical integration.

    Given alive at T, the posterior is ``lambda ~ Gamma(r+x, rate alpha+T)``
    independent of ``p ~ Beta(a, b+x)``, and an alive customer with (lambda, p)
    buys ``(1 - exp(-lambda p h)) / p`` in expectation over the next ``h``;
    integrating lambda out::

        E = E_{p ~ Beta(a, b+x)} [ (1 - (1 + p h/(alpha+T))^-(r+x)) / p ]

    a 1-D integral valid for every a, b > 0 (including a = 1), evaluated with
    tanh-sinh (double exponential) quadrature in log space, which copes with
    the Beta endpoint singularities and with a Beta mass concentrated near 0.
    Accurate to ~1e-10 relative. Rows are grouped by distinct ``x``.
    """
    h, x, T = (np.ravel(v) for v in floats(h, x, T))
    out = np.empty(h.shape, dtype=float)
    for xv in np.unique(x):
        idx = np.flatnonzero(x == xv)
        bx = b + xv
        k = r + xv
        # nodes must reach where p^a (or (1-p)^(b+x)) has decayed below e^-45
        t_max = max(4.0, math.asinh(2.0 / math.pi * 45.0 / min(a, bx, 1.0)) + 0.5)
        tt = np.arange(-t_max, t_max + step / 2.0, step)
        u = 0.5 * math.pi * np.sinh(tt)
        log_p = -np.logaddexp(0.0, -2.0 * u)
        log_1mp = -np.logaddexp(0.0, 2.0 * u)
        log_cosh_u = np.abs(u) + np.log1p(np.exp(-2.0 * np.abs(u))) - math.log(2.0)
        log_w = (
            (a - 1.0) * log_p
            + (bx - 1.0) * log_1mp
            + math.log(math.pi / 4.0)
            + np.log(np.cosh(tt))
            - 2.0 * log_cosh_u
            - special.betaln(a, bx)
            + math.log(step)
        )
        w = np.exp(log_w)
        keep = w > 0
        p, w = np.exp(log_p[keep]), w[keep]
        p_pos = p > 0
        p_safe = np.where(p_pos, p, 1.0)
        for start in range(0, idx.size, 4096):
            rows = idx[start : start + 4096]
            s = (h[rows] / (alpha + T[rows]))[:, None]
            g = np.where(p_pos, -np.expm1(-k * np.log1p(p * s)) / p_safe, k * s)
            out[rows] = g @ w
    return out


def bgnbd_expected_purchases(params, horizon, frequency, recency, t) -> np.ndarray:
    """Conditional expected number of purchases in ``(T, T + horizon]``.

    FHL (2005) eq. 10, all times in the model's time unit::

        E[X(T, T+h) | x, t_x, T] =
            (a+b+x-1)/(a-1)
            * [1 - ((alpha+T)/(alpha+T+h))^(r+x) 2F1(r+x, b+x; a+b+x-1; h/(alpha+T+h))]
            / [1 + d_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)]

    i.e. ``P(alive) * E[purchases | alive]``. The hypergeometric term is
    evaluated through Euler's transformation (finite for large ``x``, ``T``;
    see ``_cond_expectation_hyp2f1``). Where scipy's ``hyp2f1`` still fails
    (it returns NaN for a third parameter above ~100 with ``z`` near 1, e.g.
    x = 200 and a horizon much longer than T), where the value is outside its
    bounds ``0 <= E <= (r+x) h/(alpha+T)``, or where the closed form does not
    apply (``a`` within 1e-6 of 1, ``a + b + x - 1 <= 0``), the equivalent
    posterior integral is evaluated by tanh-sinh quadrature instead (see
    ``_cond_expectation_quadrature``; agreement with the closed form ~1e-9).
    Arguments broadcast (e.g. horizons of shape ``(1, K)`` against customers
    of shape ``(n, 1)``); ``horizon = 0`` gives exactly 0.
    """
    p = _as_bgnbd(params)
    h, x, tx, T = floats(horizon, frequency, recency, t)
    r, alpha, a, b = p.r, p.alpha, p.a, p.b
    p_alive = special.expit(-_log_death_odds(r, alpha, a, b, x, tx, T))
    if abs(a - 1.0) > 1e-6:
        e_alive = _cond_expectation_hyp2f1(r, alpha, a, b, h, x, T)
        upper = (r + x) * h / (alpha + T)  # E[lambda h | alive]
        with np.errstate(invalid="ignore"):
            bad = (
                ~np.isfinite(e_alive)
                | (a + b + x - 1.0 <= 0)
                | (e_alive < 0)
                | (e_alive > upper * (1.0 + 1e-8) + 1e-300)
            )
    else:
        e_alive = np.empty(h.shape)
        bad = np.ones(h.shape, dtype=bool)
    if np.any(bad):
        e_alive = np.array(e_alive, dtype=float, copy=True)
        e_alive[bad] = _cond_expectation_quadrature(
            r, alpha, a, b, h[bad], x[bad], T[bad]
        )
    return np.where(h > 0, e_alive, 0.0) * p_alive


def bgnbd_probability_no_purchase(params, horizon, frequency, recency, t) -> np.ndarray:
    """Probability of no purchase in ``(T, T + horizon]``, given ``x, t_x, T``.

    P0 = (1 - p_alive) + p_alive * ((alpha + T) / (alpha + T + horizon))^(r + x):
    a customer makes no purchase either because they are dead, or because they
    are alive and the Poisson process (with the posterior Gamma(r + x, alpha + T)
    rate) gives zero events. A customer alive at T can only die right after a
    purchase, so an alive customer with no purchase stays alive during the
    horizon. ``horizon`` in the model's time unit. For one-time buyers (x = 0)
    p_alive is 1 and P0 is the Poisson-Gamma zero probability alone.
    """
    p = _as_bgnbd(params)
    x, tx, T = floats(frequency, recency, t)
    p_alive = bgnbd_p_alive(p, x, tx, T)
    log_zero_if_alive = (p.r + x) * (
        np.log(p.alpha + T) - np.log(p.alpha + T + horizon)
    )
    return 1.0 - p_alive + p_alive * np.exp(log_zero_if_alive)


def bgnbd_expected_purchases_new_customer(params, horizon) -> np.ndarray:
    """Unconditional expected number of repeat purchases ``E[X(t)]`` in ``(0, t]``.

    FHL (2005) eq. 9, ``t = horizon`` in the model's time unit::

        E[X(t)] = (a+b-1)/(a-1)
                  * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]

    (the ``x = t_x = T = 0`` case of :func:`bgnbd_expected_purchases`).
    """
    h = np.asarray(horizon, dtype=float)
    zero = np.zeros_like(h)
    return bgnbd_expected_purchases(params, h, zero, zero, zero)


class BgNbdProblem(Problem):
    """BG/NBD weighted NLL; see :func:`bgnbd_log_likelihood` for the formula.

    Decomposition used for speed (w = pattern weight)::

        sum w LL = sum_x W_x [lnG(r+x) - lnG(r) + lnB(a,b+x) - lnB(a,b)] + W r ln(alpha)
                   - sum_T [W_T r + WX_T] ln(alpha+T)
                   + sum_{x>0 patterns} w softplus(D)

    so only the last term is evaluated per (x, t_x, T) pattern.
    """

    names = _BGNBD_NAMES

    def __init__(self, x, tx, T, w):
        (x, tx, T), w = collapse([x, tx, T], w)
        self.n_patterns = x.size
        self.total_weight = float(w.sum())
        self.xw = dot(w, x)
        # x-only terms
        self.xu, xinv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(xinv, weights=w, minlength=self.xu.size)
        # T-only terms
        self.Tu, tinv = np.unique(T, return_inverse=True)
        self.w_T = np.bincount(tinv, weights=w, minlength=self.Tu.size)
        self.wx_T = np.bincount(tinv, weights=w * x, minlength=self.Tu.size)
        # repeat-buyer patterns
        rep = x > 0
        self.xr, self.txr, self.Tr, self.wr = x[rep], tx[rep], T[rep], w[rep]
        self.xr_idx = np.searchsorted(self.xu, self.xr)

    def nll_grad(self, theta):
        r, alpha, a, b = (float(v) for v in theta)
        xu, wx, W = self.xu, self.wx, self.total_weight
        ll = dot(
            wx,
            special.gammaln(r + xu)
            - special.gammaln(r)
            + special.gammaln(b + xu)
            - special.gammaln(b)
            - special.gammaln(a + b + xu)
            + special.gammaln(a + b),
        ) + W * r * math.log(alpha)
        psi_ab = special.digamma(a + b)
        psi_abx = special.digamma(a + b + xu)
        d_r = dot(wx, special.digamma(r + xu) - special.digamma(r)) + W * math.log(
            alpha
        )
        d_alpha = W * r / alpha
        d_a = dot(wx, psi_ab - psi_abx)
        d_b = dot(wx, special.digamma(b + xu) - special.digamma(b) - psi_abx + psi_ab)
        # T-only terms
        lT = np.log(alpha + self.Tu)
        iT = np.reciprocal(alpha + self.Tu)
        ll -= r * dot(self.w_T, lT) + dot(self.wx_T, lT)
        d_r -= dot(self.w_T, lT)
        d_alpha -= r * dot(self.w_T, iT) + dot(self.wx_T, iT)
        # repeat-buyer patterns: softplus(D),
        # D = ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x))
        xr, wr = self.xr, self.wr
        a_Tr = alpha + self.Tr
        a_tx = alpha + self.txr
        dl = np.log(a_Tr / a_tx)
        bx1 = b + np.maximum(xu, 1.0) - 1.0  # per distinct x; the x = 0 entry is unused
        log_bx1, inv_bx1 = np.log(bx1), np.reciprocal(bx1)
        dd = (math.log(a) - log_bx1[self.xr_idx]) + (r + xr) * dl
        e = np.exp(-np.abs(dd))
        ll += dot(wr, np.maximum(dd, 0.0) + np.log1p(e))
        s = wr * np.where(dd >= 0, 1.0, e) / (1.0 + e)  # w * sigmoid(D)
        d_r += dot(s, dl)
        d_alpha += dot(s * (r + xr), (a_tx - a_Tr) / (a_Tr * a_tx))
        d_a += float(s.sum()) / a
        d_b -= dot(s, inv_bx1[self.xr_idx])
        return -float(ll), -np.array([d_r, d_alpha, d_a, d_b])


def fit_bgnbd(
    frequency,
    recency,
    t,
    weights=None,
    initial=None,
    max_iterations: int = MAX_ITERATIONS,
) -> FitResult:
    """Fit BG/NBD by maximum likelihood (FHL 2005 eq. 6; :func:`bgnbd_log_likelihood`).

    ``frequency`` = repeat purchases x, ``recency`` = t_x, ``t`` = T, all times in
    one time unit (``alpha`` comes out in that unit). ``weights`` are per-row
    counts (a row with weight k counts as k identical customers);
    ``initial`` an optional starting point (``BgNbdParams``, mapping or
    4-sequence) tried in addition to built-in starts.

    Raises :class:`FitError` for invalid input, fewer than
    ``MIN_CUSTOMERS`` customers, no repeat buyers, identical customers, or a
    non-finite / non-converged optimum.
    """
    label = "BG/NBD"
    x, tx, T, w, n_customers = checked_rows(frequency, recency, t, weights, label)
    problem = BgNbdProblem(x, tx, T, w)
    rate = max(problem.xw / max(dot(w, T), 1e-12), 1e-6)  # repeat purchases per unit
    starts = []
    if initial is not None:
        ini = _as_bgnbd(initial)
        starts.append(np.array([ini.r, ini.alpha, ini.a, ini.b]))
    starts += [
        np.array([1.0, 1.0 / rate, 1.0, 3.0]),
        np.array([0.3, 0.3 / rate, 0.8, 2.5]),
        np.array([1.0, 1.0, 1.0, 1.0]),
    ]
    res = maximise(problem, starts, label, n_customers, max_iterations)
    res.model_name = "bg_nbd"
    return res
