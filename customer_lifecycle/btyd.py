"""BG/NBD and Gamma-Gamma "buy 'til you die" models, fitted by maximum likelihood.

Pure numpy/scipy maths called by thin dbt Python models. Everything is vectorised
over customers; there are no per-customer Python loops.

Models
------
BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2)):

* while alive, a customer makes repeat purchases as a Poisson process with rate
  ``lambda`` (purchases per time unit), ``lambda ~ Gamma(shape=r, rate=alpha)``;
* right after each *repeat* purchase the customer drops out ("dies") with
  probability ``p``, ``p ~ Beta(a, b)``. A customer cannot die at time 0 (the
  first purchase) nor between purchases;
* per customer we observe ``x`` (``frequency``: number of repeat purchases),
  ``t_x`` (``recency``: time of the last purchase, measured from the first
  purchase) and ``T`` (``t``: age, time from the first purchase to the end of
  the calibration period).

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves",
JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"):

* a customer's transaction values are i.i.d. ``Gamma(shape=p, rate=nu)``,
  ``nu ~ Gamma(shape=q, rate=gamma)``; the mean spend per transaction of a
  customer is ``p / nu``, and its population mean is ``p * gamma / (q - 1)``;
* per repeat buyer we observe ``x`` and ``mbar``, the mean value of the ``x``
  repeat transactions. The model *assumes spend is independent of purchase
  frequency*; :func:`frequency_spend_correlation` reports how far the data are
  from that assumption.

Time units
----------
All times (``recency``, ``t``, ``horizon``, ``period_length``) and the BG/NBD
scale parameter ``alpha`` are expressed in ONE time unit, the one chosen in
:func:`summarize_purchases` (``time_unit``, default weeks; see
:data:`TIME_UNIT_DAYS`). ``lambda = r / alpha`` on average is then a purchase
rate per that unit. ``r``, ``a``, ``b``, ``p``, ``q`` are dimensionless;
``gamma`` has the currency unit of the amounts.

Fitting
-------
Both models are fitted by maximising the (weighted) log-likelihood over the
log-parameters with L-BFGS-B and an analytic gradient, from several starting
points, followed by a Newton polish with a finite-difference Hessian. Identical
customer patterns are collapsed first (distinct rows, counts become weights),
and the terms that depend only on ``x`` are summed over distinct
``x``, so a million-customer fit takes seconds. Standard errors come from the
inverse of a numerical Hessian of the total negative log-likelihood with
respect to the natural parameters. Problems raise :class:`FitError` with a
human-readable message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "TIME_UNIT_DAYS",
    "BgNbdParams",
    "FitError",
    "FitResult",
    "GammaGammaParams",
    "bgnbd_expected_purchases",
    "bgnbd_expected_purchases_new_customer",
    "bgnbd_log_likelihood",
    "bgnbd_p_alive",
    "degeneracy",
    "expected_margin_by_period",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "frequency_spend_correlation",
    "gamma_gamma_expected_spend",
    "summarize_purchases",
]

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
_LOG_BOUND = 30.0  # parameters are kept in [e^-30, e^30]
_GRAD_TOL = 1e-5  # max |d mean-NLL / d log-param| accepted as converged


class FitError(RuntimeError):
    """A model could not be fitted; the message says why in plain words."""


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: ``lambda ~ Gamma(r, rate=alpha)``, ``p ~ Beta(a, b)``.

    ``alpha`` is in the model's time unit; ``r``, ``a``, ``b`` are dimensionless.
    """

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend ``~ Gamma(p, rate=nu)``, ``nu ~ Gamma(q, rate=gamma)``.

    Population mean spend per transaction is ``p * gamma / (q - 1)`` (``q > 1``).
    """

    p: float
    q: float
    gamma: float


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

    def to_params(self) -> BgNbdParams | GammaGammaParams:
        """Return the parameters as :class:`BgNbdParams` / :class:`GammaGammaParams`."""
        if self.model_name == "bg_nbd":
            return BgNbdParams(**self.params)
        if self.model_name == "gamma_gamma":
            return GammaGammaParams(**self.params)
        raise ValueError(f"unknown model_name {self.model_name!r}")


_BGNBD_NAMES = ("r", "alpha", "a", "b")

_GG_NAMES = ("p", "q", "gamma")


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


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
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


def _floats(*arrays) -> list[np.ndarray]:
    return np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))


def _unit_days(time_unit: str | float) -> float:
    if isinstance(time_unit, str):
        try:
            return TIME_UNIT_DAYS[time_unit]
        except KeyError:
            raise ValueError(
                f"unknown time_unit {time_unit!r}; use one of {sorted(TIME_UNIT_DAYS)}"
            ) from None
    days = float(time_unit)
    if not days > 0:
        raise ValueError("time_unit in days must be positive")
    return days


# --------------------------------------------------------------------------- #
# data preparation
# --------------------------------------------------------------------------- #
def summarize_purchases(
    orders: pd.DataFrame,
    as_of: str | date | pd.Timestamp,
    time_unit: str = "week",
    customer_col: str = "customer_id",
    date_col: str = "ordered_at",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per-customer BTYD summary (frequency, recency, T, monetary value) as of a date.

    Purchases are counted per calendar day: rows of one customer on the same
    day are one transaction whose amount is the day's total. Rows dated after
    ``as_of`` (compared by calendar day, time of day ignored) are dropped, and
    only customers with at least one purchase on or before ``as_of`` appear.

    With ``d_1 < ... < d_n`` the distinct purchase days of a customer, ``u`` the
    length of ``time_unit`` in days (:data:`TIME_UNIT_DAYS`):

    * ``frequency = n - 1`` (repeat purchase days; the first day is not counted);
    * ``recency = (d_n - d_1) / u`` (0 for one-time buyers);
    * ``t = (as_of - d_1) / u`` (the customer's age, "T" in the literature);
    * ``monetary_value`` = mean over the repeat days ``d_2..d_n`` of the day's
      total amount, 0 when ``frequency == 0`` (missing amounts count as 0).

    Returns a DataFrame with columns ``customer_id, frequency, recency, t,
    monetary_value``, one row per customer, sorted by ``customer_id``.
    """
    unit = _unit_days(time_unit)
    missing = [c for c in (customer_col, date_col, amount_col) if c not in orders]
    if missing:
        raise KeyError(f"orders is missing column(s) {missing}")
    cutoff = pd.Timestamp(as_of)
    if cutoff.tzinfo is not None:
        cutoff = cutoff.tz_localize(None)
    cutoff_day = cutoff.normalize().to_datetime64().astype("datetime64[D]")

    dates = pd.to_datetime(orders[date_col])
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    keep = (
        ~np.isnat(days) & (days <= cutoff_day) & orders[customer_col].notna().to_numpy()
    )
    day_num = days[keep].astype(np.int64)
    cutoff_num = int(cutoff_day.astype(np.int64))

    tx = pd.DataFrame(
        {
            "customer_id": orders[customer_col].to_numpy()[keep],
            "day": day_num,
            "amount": pd.to_numeric(orders[amount_col], errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float)[keep],
        }
    )
    cols = ["customer_id", "frequency", "recency", "t", "monetary_value"]
    if tx.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols}).astype(
            {"customer_id": orders[customer_col].dtype, "frequency": np.int64}
        )

    daily = tx.groupby(["customer_id", "day"], sort=True, as_index=False)[
        "amount"
    ].sum()
    grp = daily.groupby("customer_id", sort=True)["day"]
    first = grp.min()
    last = grp.max()
    n_days = grp.size()
    first_of_row = daily["customer_id"].map(first).to_numpy()
    repeat = daily.loc[daily["day"].to_numpy() != first_of_row]
    repeat_mean = repeat.groupby("customer_id", sort=True)["amount"].mean()

    out = pd.DataFrame(
        {
            "customer_id": first.index.to_numpy(),
            "frequency": (n_days.to_numpy() - 1).astype(np.int64),
            "recency": (last.to_numpy() - first.to_numpy()) / unit,
            "t": (cutoff_num - first.to_numpy()) / unit,
            "monetary_value": repeat_mean.reindex(first.index).fillna(0.0).to_numpy(),
        }
    )
    return out[cols]


# --------------------------------------------------------------------------- #
# BG/NBD closed forms
# --------------------------------------------------------------------------- #
def _log_death_odds(r, alpha, a, b, x, tx, T):
    """``D = ln[a/(b+x-1)] + (r+x) ln[(alpha+T)/(alpha+t_x)]`` for x > 0, -inf for x = 0.

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
    x, tx, T = _floats(frequency, recency, t)
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
    x, tx, T = _floats(frequency, recency, t)
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
    h, x, T = (np.ravel(v) for v in _floats(h, x, T))
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
    h, x, tx, T = _floats(horizon, frequency, recency, t)
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
    x, tx, T = _floats(frequency, recency, t)
    p_alive = bgnbd_p_alive(p, x, tx, T)
    log_zero_if_alive = (p.r + x) * (
        np.log(p.alpha + T) - np.log(p.alpha + T + horizon)
    )
    return 1.0 - p_alive + p_alive * np.exp(log_zero_if_alive)


def bgnbd_expected_purchases_new_customer(params, horizon) -> np.ndarray:
    """Unconditional expected number of repeat purchases ``E[X(t)]`` in ``(0, t]``.

    FHL (2005) eq. 9, ``t = horizon`` in the model's time unit::

        E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]

    (the ``x = t_x = T = 0`` case of :func:`bgnbd_expected_purchases`).
    """
    h = np.asarray(horizon, dtype=float)
    zero = np.zeros_like(h)
    return bgnbd_expected_purchases(params, h, zero, zero, zero)


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
    x, m = _floats(frequency, monetary_value)
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
    x, m = _floats(frequency, monetary_value)
    keep = (x > 0) & (m > 0) & np.isfinite(x) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(m) == 0:
        return float("nan")
    return float(np.corrcoef(x, m)[0, 1])


# --------------------------------------------------------------------------- #
# CLV
# --------------------------------------------------------------------------- #
def expected_margin_by_period(
    params_bgnbd,
    params_gg,
    frequency,
    recency,
    t,
    monetary_value,
    n_periods: int,
    period_length: float,
    margin,
    annual_discount_rate: float,
    periods_per_year: float,
) -> np.ndarray:
    """Expected discounted margin per customer and future period, shape (n, n_periods).

    For period ``k = 1..n_periods`` of length ``L = period_length`` (model time
    unit)::

        m_k = (E[X(T, T+kL)] - E[X(T, T+(k-1)L)]) * E[M | x, mbar] * margin
              / (1 + d)^k,        d = (1 + annual_discount_rate)^(1/periods_per_year) - 1

    with ``E[X]`` from :func:`bgnbd_expected_purchases` and ``E[M]`` from
    :func:`gamma_gamma_expected_spend`. ``row.sum()`` is the predicted CLV over
    the horizon, in the currency unit. ``margin`` is a scalar or a
    per-customer array (fraction of spend kept; zero or negative margins are
    passed through, not clipped).
    """
    x, tx, T, m = (np.ravel(v) for v in _floats(frequency, recency, t, monetary_value))
    n_periods = int(n_periods)
    if n_periods < 1:
        raise ValueError("n_periods must be >= 1")
    if not period_length > 0:
        raise ValueError("period_length must be positive")
    if not periods_per_year > 0:
        raise ValueError("periods_per_year must be positive")
    edges = np.arange(n_periods + 1, dtype=float) * float(period_length)
    cum = bgnbd_expected_purchases(
        params_bgnbd, edges[None, :], x[:, None], tx[:, None], T[:, None]
    )
    per_period = np.diff(cum, axis=1)
    spend = gamma_gamma_expected_spend(params_gg, x, m)[:, None]
    marg = np.asarray(margin, dtype=float)
    if marg.ndim > 0:
        marg = np.broadcast_to(np.ravel(marg), x.shape)[:, None]
    d_period = (1.0 + annual_discount_rate) ** (1.0 / periods_per_year) - 1.0
    discount = (1.0 + d_period) ** -np.arange(1, n_periods + 1, dtype=float)
    # zero margin must give exact zeros even where spend is infinite
    value = per_period * spend
    with np.errstate(invalid="ignore"):
        out = value * marg * discount[None, :]
    return np.where(np.broadcast_to(marg == 0, out.shape), 0.0, out)


# --------------------------------------------------------------------------- #
# maximum likelihood machinery
# --------------------------------------------------------------------------- #
class _Problem:
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


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    # einsum, not BLAS: much faster for long 1-D vectors on a busy machine
    return float(np.einsum("i,i->", u, v))


def _collapse(
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


class _BgNbdProblem(_Problem):
    """BG/NBD weighted NLL; see :func:`bgnbd_log_likelihood` for the formula.

    Decomposition used for speed (w = pattern weight)::

        sum w LL = sum_x W_x [lnG(r+x) - lnG(r) + lnB(a,b+x) - lnB(a,b)] + W r ln(alpha)
                   - sum_T [W_T r + WX_T] ln(alpha+T)
                   + sum_{x>0 patterns} w softplus(D)

    so only the last term is evaluated per (x, t_x, T) pattern.
    """

    names = _BGNBD_NAMES

    def __init__(self, x, tx, T, w):
        (x, tx, T), w = _collapse([x, tx, T], w)
        self.n_patterns = x.size
        self.total_weight = float(w.sum())
        self.xw = _dot(w, x)
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
        ll = _dot(
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
        d_r = _dot(wx, special.digamma(r + xu) - special.digamma(r)) + W * math.log(
            alpha
        )
        d_alpha = W * r / alpha
        d_a = _dot(wx, psi_ab - psi_abx)
        d_b = _dot(wx, special.digamma(b + xu) - special.digamma(b) - psi_abx + psi_ab)
        # T-only terms
        lT = np.log(alpha + self.Tu)
        iT = np.reciprocal(alpha + self.Tu)
        ll -= r * _dot(self.w_T, lT) + _dot(self.wx_T, lT)
        d_r -= _dot(self.w_T, lT)
        d_alpha -= r * _dot(self.w_T, iT) + _dot(self.wx_T, iT)
        # repeat-buyer patterns: softplus(D), D = ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x))
        xr, wr = self.xr, self.wr
        a_Tr = alpha + self.Tr
        a_tx = alpha + self.txr
        dl = np.log(a_Tr / a_tx)
        bx1 = b + np.maximum(xu, 1.0) - 1.0  # per distinct x; the x = 0 entry is unused
        log_bx1, inv_bx1 = np.log(bx1), np.reciprocal(bx1)
        dd = (math.log(a) - log_bx1[self.xr_idx]) + (r + xr) * dl
        e = np.exp(-np.abs(dd))
        ll += _dot(wr, np.maximum(dd, 0.0) + np.log1p(e))
        s = wr * np.where(dd >= 0, 1.0, e) / (1.0 + e)  # w * sigmoid(D)
        d_r += _dot(s, dl)
        d_alpha += _dot(s * (r + xr), (a_tx - a_Tr) / (a_Tr * a_tx))
        d_a += float(s.sum()) / a
        d_b -= _dot(s, inv_bx1[self.xr_idx])
        return -float(ll), -np.array([d_r, d_alpha, d_a, d_b])


class _GammaGammaProblem(_Problem):
    """Gamma-Gamma weighted NLL of the repeat buyers' mean spend ``mbar`` given ``x``.

    Fader & Hardie (2013) eq. 3 (density of the mean of x repeat transactions)::

        ln f = ln G(px+q) - ln G(px) - ln G(q) + q ln(gamma) + (px-1) ln(mbar)
               + px ln(x) - (px+q) ln(gamma + x mbar)
    """

    names = _GG_NAMES

    def __init__(self, x, m, w):
        (x, m), w = _collapse([x, m], w)
        self.n_patterns = x.size
        self.x, self.m, self.w = x, m, w
        self.total_weight = float(w.sum())
        self.xu, xinv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(xinv, weights=w, minlength=self.xu.size)
        self.xm = x * m
        self.wxr = w * x
        # constants of p: sum w (x ln m + x ln x); of 1: -sum w ln m
        self.const = _dot(w, x * np.log(m) + x * np.log(x))
        self.log_m_w = _dot(w, np.log(m))

    def nll_grad(self, theta):
        p, q, gam = (float(v) for v in theta)
        xu, wx, W, w = self.xu, self.wx, self.total_weight, self.w
        pxu = p * xu
        ll = _dot(
            wx, special.gammaln(pxu + q) - special.gammaln(pxu) - special.gammaln(q)
        )
        ll += W * q * math.log(gam) + p * self.const - self.log_m_w
        g_xm = gam + self.xm
        l_gxm = np.log(g_xm)
        ll -= p * _dot(self.wxr, l_gxm) + q * _dot(w, l_gxm)
        psi_pq = special.digamma(pxu + q)
        d_p = _dot(wx * xu, psi_pq - special.digamma(pxu))
        # sum w x [ln m + ln x - ln(gamma + x m)] = -sum w x log1p(gamma/(x m))
        d_p -= _dot(self.wxr, np.log1p(gam / self.xm))
        d_q = _dot(wx, psi_pq - special.digamma(q)) + W * math.log(gam) - _dot(w, l_gxm)
        inv = np.reciprocal(g_xm)
        d_g = W * q / gam - p * _dot(self.wxr, inv) - q * _dot(w, inv)
        return -float(ll), -np.array([d_p, d_q, d_g])


def _fd_hessian(
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


def _maximise(
    problem: _Problem, starts: Sequence[np.ndarray], label: str, n_customers: int
):
    """Multi-start L-BFGS-B on log-parameters + Newton polish. Returns a FitResult."""
    k = len(problem.names)
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * k

    def fun(phi):
        with np.errstate(all="ignore"):
            f, g = problem.mean_phi(phi)
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            return np.inf, np.zeros_like(phi)
        return f, g

    runs = []
    for start in starts:
        phi0 = np.clip(
            np.log(np.asarray(start, dtype=float)), -_LOG_BOUND + 1, _LOG_BOUND - 1
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
                "maxiter": 3000,
                "maxfun": 6000,
                "ftol": 1e-15,
                "gtol": 1e-10,
                "maxcor": 30,
            },
        )
        if np.isfinite(res.fun):
            runs.append(res)
    if not runs:
        raise FitError(
            f"{label} fit failed: the likelihood is not finite at any starting point; "
            f"n_customers={n_customers}"
        )
    best = min(runs, key=lambda res: res.fun)
    phi, f = best.x.copy(), float(best.fun)
    n_agree = sum(abs(res.fun - f) <= 1e-8 * max(1.0, abs(f)) for res in runs)
    n_iter = int(sum(res.nit for res in runs))

    # Newton polish with a finite-difference Hessian of the analytic gradient.
    g = fun(phi)[1]
    n_newton = 0
    for _ in range(25):
        if np.max(np.abs(g)) < 1e-11:
            break
        hess = _fd_hessian(lambda z: fun(z)[1], phi, np.full(k, 1e-5))
        try:
            np.linalg.cholesky(hess)
            step = -np.linalg.solve(hess, g)
        except np.linalg.LinAlgError:
            break
        accepted = False
        for scale in (1.0, 0.5, 0.25, 0.125):
            cand = np.clip(phi + scale * step, -_LOG_BOUND, _LOG_BOUND)
            f_c, g_c = fun(cand)
            if f_c <= f + 1e-13 * max(1.0, abs(f)) and np.max(np.abs(g_c)) < np.max(
                np.abs(g)
            ):
                phi, f, g, accepted = cand, f_c, g_c, True
                break
        if not accepted:
            break
        n_newton += 1
    n_iter += n_newton

    theta = np.exp(phi)
    grad_max = float(np.max(np.abs(g)))
    names = problem.names
    if not (np.isfinite(f) and np.all(np.isfinite(theta))):
        raise FitError(
            f"{label} fit failed: optimiser returned non-finite values; "
            f"n_customers={n_customers}"
        )
    # A parameter on the optimiser's bound (e^-30 or e^30), or on its way there
    # (outside [DEGENERATE_LOW, DEGENERATE_HIGH], along a flat ridge where the
    # optimiser stops early), means the data push it to 0 or infinity (e.g.
    # b -> inf: nobody drops out). The fit is kept, as the limit model it
    # approaches, and flagged (see degeneracy); the convergence test then
    # applies to the parameters inside that range only.
    at_bound = np.abs(phi) > _LOG_BOUND - 0.5
    running_off = (phi > math.log(DEGENERATE_HIGH)) | (phi < math.log(DEGENERATE_LOW))
    grad_max = float(np.max(np.abs(g[~running_off]), initial=0.0))
    if grad_max > _GRAD_TOL:
        raise FitError(
            f"{label} fit failed: optimiser did not converge (max |gradient| "
            f"{grad_max:.2e} per customer, {best.message}); n_customers={n_customers}"
        )

    # standard errors: Hessian of the TOTAL NLL w.r.t. natural parameters
    def grad_total(th):
        with np.errstate(all="ignore"):
            return problem.nll_grad(th)[1]

    hess_nat = _fd_hessian(grad_total, theta, 1e-5 * theta)
    cov = None
    se = np.full(k, np.nan)
    if np.all(np.isfinite(hess_nat)):
        try:
            np.linalg.cholesky(hess_nat)
            cov = np.linalg.inv(hess_nat)
            diag = np.diag(cov)
            if np.all(diag > 0):
                se = np.sqrt(diag)
        except np.linalg.LinAlgError:
            cov = None

    message = (
        f"L-BFGS-B from {len(starts)} start(s), {n_agree} reached the best optimum "
        f"(best: {best.message}), "
        f"{n_newton} Newton polish step(s); max |d meanLL / d ln theta| = {grad_max:.1e}; "
        f"{problem.n_patterns} distinct patterns"
    )
    if cov is None:
        message += "; Hessian not positive definite, standard errors are NaN"
    if np.any(at_bound):
        bound_names = ", ".join(nm for nm, b in zip(names, at_bound) if b)
        message += f"; {bound_names} ran off to 0 or infinity (optimiser bound)"
    return FitResult(
        model_name="",
        params={nm: float(v) for nm, v in zip(names, theta)},
        standard_errors={nm: float(v) for nm, v in zip(names, se)},
        log_likelihood=-f * problem.total_weight,
        n_customers=n_customers,
        converged=True,
        n_iterations=n_iter,
        message=message,
        covariance=cov,
    )


def _check_weights(weights, n: int, label: str) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.broadcast_to(np.asarray(weights, dtype=float), (n,)).astype(float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise FitError(f"{label} fit failed: weights must be finite and >= 0")
    return w


def _checked_rows(frequency, recency, t, weights, label: str):
    """Validated purchase-count rows for a BG/NBD or Pareto/NBD fit.

    Returns ``x, t_x, T, w`` (rows of zero weight dropped) and ``n_customers``;
    raises :class:`FitError` naming the problem: missing or negative values,
    recency > t, fewer than ``MIN_CUSTOMERS`` customers, no repeat buyers,
    identical customers, or no time observed.
    """
    x, tx, T = (np.ravel(v) for v in _floats(frequency, recency, t))
    w = _check_weights(weights, x.size, label)
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
            f"{label} fit failed: all customers have identical (frequency, recency, t); "
            f"n_customers={n_customers}"
        )
    if not np.any(T > 0):
        raise FitError(
            f"{label} fit failed: no customer has been observed for any time (all t == 0); "
            f"n_customers={n_customers}"
        )
    return x, tx, T, w, n_customers


def fit_bgnbd(frequency, recency, t, weights=None, initial=None) -> FitResult:
    """Fit BG/NBD by maximum likelihood (FHL 2005 eq. 6, see :func:`bgnbd_log_likelihood`).

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
    x, tx, T, w, n_customers = _checked_rows(frequency, recency, t, weights, label)
    problem = _BgNbdProblem(x, tx, T, w)
    rate = max(problem.xw / max(_dot(w, T), 1e-12), 1e-6)  # repeat purchases per unit
    starts = []
    if initial is not None:
        ini = _as_bgnbd(initial)
        starts.append(np.array([ini.r, ini.alpha, ini.a, ini.b]))
    starts += [
        np.array([1.0, 1.0 / rate, 1.0, 3.0]),
        np.array([0.3, 0.3 / rate, 0.8, 2.5]),
        np.array([1.0, 1.0, 1.0, 1.0]),
    ]
    res = _maximise(problem, starts, label, n_customers)
    res.model_name = "bg_nbd"
    return res


def fit_gamma_gamma(frequency, monetary_value, weights=None) -> FitResult:
    """Fit Gamma-Gamma by maximum likelihood (Fader & Hardie 2013 eq. 3, see ``_GammaGammaProblem``).

    Uses only rows with ``frequency > 0`` and ``monetary_value > 0`` (repeat
    buyers with a positive mean repeat spend); ``n_customers`` counts those.
    Raises :class:`FitError` with fewer than ``MIN_CUSTOMERS`` such buyers,
    constant spend, or a failed optimisation.
    """
    label = "Gamma-Gamma"
    x, m = (np.ravel(v) for v in _floats(frequency, monetary_value))
    w = _check_weights(weights, x.size, label)
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
    problem = _GammaGammaProblem(x, m, w)
    mean_m = float(w @ m / w.sum())
    starts = [
        np.array([1.0, 1.0, 1.0]),
        np.array([2.0, 3.0, mean_m]),
        np.array([6.0, 4.0, mean_m / 2.0]),
    ]
    res = _maximise(problem, starts, label, n_customers)
    res.model_name = "gamma_gamma"
    if res.params["q"] <= 1.0:
        res.message += (
            "; q <= 1: population mean spend is infinite, expected spend of "
            "customers without repeat purchases is inf"
        )
    return res
