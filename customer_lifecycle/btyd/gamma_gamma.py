"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using
Iso-Value Curves", JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of
Monetary Value"): closed forms and the maximum-likelihood fit.

* a customer's transaction values are i.i.d. ``Gamma(shape=p, rate=nu)``,
  ``nu ~ Gamma(shape=q, rate=gamma)``; the mean spend per transaction of a
  customer is ``p / nu``, and its population mean is ``p * gamma / (q - 1)``;
* per repeat buyer we observe ``x`` and ``mbar``, the mean value of the ``x``
  repeat transactions. The model *assumes spend is independent of purchase
  frequency*; :func:`frequency_spend_correlation` reports how far the data are
  from that assumption.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

from customer_lifecycle.btyd.base import (
    MAX_ITERATIONS,
    MIN_CUSTOMERS,
    FitError,
    FitResult,
    Problem,
    check_weights,
    collapse,
    dot,
    floats,
    maximise,
)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend ``~ Gamma(p, rate=nu)``, ``nu ~ Gamma(q, gamma)``.

    Population mean spend per transaction is ``p * gamma / (q - 1)`` (``q > 1``).
    """

    p: float
    q: float
    gamma: float


_GG_NAMES = ("p", "q", "gamma")


def _as_gg(params) -> GammaGammaParams:
    if isinstance(params, GammaGammaParams):
        return params
    if isinstance(params, FitResult):
        if params.model_name != "gamma_gamma":
            raise ValueError(
                f"expected a gamma_gamma FitResult, got {params.model_name!r}"
            )
        return GammaGammaParams(**params.params)
    if isinstance(params, Mapping):
        return GammaGammaParams(*(float(params[k]) for k in _GG_NAMES))
    return GammaGammaParams(*(float(v) for v in params))


# --------------------------------------------------------------------------- #
# Gamma-Gamma closed forms
# --------------------------------------------------------------------------- #
def gamma_gamma_expected_spend(params, frequency, monetary_value) -> np.ndarray:
    """Expected mean spend per future transaction, ``E[M | x, mbar]``.

    Fader, Hardie & Lee (2005, "RFM and CLV") / Fader & Hardie (2013) eq. 5::

        E[M | x, mbar] = p (gamma + x mbar) / (p x + q - 1)
                       = w * p gamma/(q-1) + (1 - w) * mbar,  w = (q-1)/(px+q-1)

    a credibility-weighted mix of the population mean ``p gamma / (q-1)`` and the
    customer's own repeat mean. For ``frequency == 0`` (``mbar`` ignored) it is
    the population mean. Returns ``inf`` where the mean does not exist
    (``q <= 1`` for x = 0, ``p x + q <= 1`` in general). Currency unit of the
    amounts.
    """
    g = _as_gg(params)
    x, m = floats(frequency, monetary_value)
    rep = x > 0
    num = g.p * (g.gamma + np.where(rep, x * np.where(rep, m, 0.0), 0.0))
    den = g.p * np.where(rep, x, 0.0) + g.q - 1.0
    with np.errstate(divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)


def frequency_spend_correlation(frequency, monetary_value) -> float:
    """Pearson correlation of ``frequency`` and ``monetary_value`` among repeat buyers.

    Gamma-Gamma assumes spend is independent of purchase frequency; a value
    near 0 supports the assumption (CDNOW literature: about 0.11). Only rows
    with ``frequency > 0`` and ``monetary_value > 0`` are used; NaN when fewer
    than 3 such rows or a constant column.
    """
    x, m = floats(frequency, monetary_value)
    keep = (x > 0) & (m > 0) & np.isfinite(x) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(m) == 0:
        return float("nan")
    return float(np.corrcoef(x, m)[0, 1])


class GammaGammaProblem(Problem):
    """Gamma-Gamma weighted NLL of the repeat buyers' mean spend ``mbar`` given ``x``.

    Fader & Hardie (2013) eq. 3 (density of the mean of x repeat transactions)::

        ln f = ln G(px+q) - ln G(px) - ln G(q) + q ln(gamma) + (px-1) ln(mbar)
               + px ln(x) - (px+q) ln(gamma + x mbar)
    """

    names = _GG_NAMES

    def __init__(self, x, m, w):
        (x, m), w = collapse([x, m], w)
        self.n_patterns = x.size
        self.x, self.m, self.w = x, m, w
        self.total_weight = float(w.sum())
        self.xu, xinv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(xinv, weights=w, minlength=self.xu.size)
        self.xm = x * m
        self.wxr = w * x
        # constants of p: sum w (x ln m + x ln x); of 1: -sum w ln m
        self.const = dot(w, x * np.log(m) + x * np.log(x))
        self.log_m_w = dot(w, np.log(m))

    def nll_grad(self, theta):
        p, q, gam = (float(v) for v in theta)
        xu, wx, W, w = self.xu, self.wx, self.total_weight, self.w
        pxu = p * xu
        ll = dot(
            wx, special.gammaln(pxu + q) - special.gammaln(pxu) - special.gammaln(q)
        )
        ll += W * q * math.log(gam) + p * self.const - self.log_m_w
        g_xm = gam + self.xm
        l_gxm = np.log(g_xm)
        ll -= p * dot(self.wxr, l_gxm) + q * dot(w, l_gxm)
        psi_pq = special.digamma(pxu + q)
        d_p = dot(wx * xu, psi_pq - special.digamma(pxu))
        # sum w x [ln m + ln x - ln(gamma + x m)] = -sum w x log1p(gamma/(x m))
        d_p -= dot(self.wxr, np.log1p(gam / self.xm))
        d_q = dot(wx, psi_pq - special.digamma(q)) + W * math.log(gam) - dot(w, l_gxm)
        inv = np.reciprocal(g_xm)
        d_g = W * q / gam - p * dot(self.wxr, inv) - q * dot(w, inv)
        return -float(ll), -np.array([d_p, d_q, d_g])


def fit_gamma_gamma(
    frequency, monetary_value, weights=None, max_iterations: int = MAX_ITERATIONS
) -> FitResult:
    """Fit Gamma-Gamma by maximum likelihood (Fader & Hardie 2013 eq. 3).

    The likelihood is :class:`GammaGammaProblem`'s.

    Uses only rows with ``frequency > 0`` and ``monetary_value > 0`` (repeat
    buyers with a positive mean repeat spend); ``n_customers`` counts those.
    Raises :class:`FitError` with fewer than ``MIN_CUSTOMERS`` such buyers,
    constant spend, or a failed optimisation.
    """
    label = "Gamma-Gamma"
    x, m = (np.ravel(v) for v in floats(frequency, monetary_value))
    w = check_weights(weights, x.size, label)
    keep = (x > 0) & (m > 0) & np.isfinite(x) & np.isfinite(m) & (w > 0)
    x, m, w = x[keep], m[keep], w[keep]
    n_customers = round(float(w.sum()))
    if n_customers < MIN_CUSTOMERS:
        raise FitError(
            f"{label} fit failed: too few repeat buyers with positive spend "
            f"(need at least {MIN_CUSTOMERS}); n_customers={n_customers}"
        )
    if np.ptp(m) == 0:
        raise FitError(
            f"{label} fit failed: every repeat buyer has the same mean spend, so "
            f"spend heterogeneity cannot be estimated; n_customers={n_customers}"
        )
    problem = GammaGammaProblem(x, m, w)
    mean_m = float(w @ m / w.sum())
    starts = [
        np.array([1.0, 1.0, 1.0]),
        np.array([2.0, 3.0, mean_m]),
        np.array([6.0, 4.0, mean_m / 2.0]),
    ]
    res = maximise(problem, starts, label, n_customers, max_iterations)
    res.model_name = "gamma_gamma"
    if res.params["q"] <= 1.0:
        res.message += (
            "; q <= 1: population mean spend is infinite, expected spend of "
            "customers without repeat purchases is inf"
        )
    return res
