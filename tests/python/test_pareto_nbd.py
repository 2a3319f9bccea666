"""Tests of customer_lifecycle.pareto_nbd.

Expected values come from sources independent of the code under test: the
published CDNOW fit (Fader, Hardie & Lee, "A Note on Implementing the
Pareto/NBD Model in MATLAB", 2005), FHL's closed form of the likelihood with
Gauss hypergeometric functions (typed here from the note), 2-D numerical
integration over (lambda, mu) of the individual-level model, and simulation of
the model's story with known parameters.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CDNOW_SOURCE
from scipy import special

from customer_lifecycle import btyd
from customer_lifecycle.btyd import pareto_nbd
from customer_lifecycle.btyd.pareto_nbd import ParetoNbdParams

DATA = Path(__file__).parent / "data"

# FHL's note: Pareto/NBD on the 1/10 CDNOW sample (2,357 customers), 39 weeks.
FHL_PNBD = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
FHL_PNBD_LL = -9594.97
CDNOW_PNBD = ParetoNbdParams(**FHL_PNBD)


# --------------------------------------------------------------------------- #
# independent references
# --------------------------------------------------------------------------- #
def ref_log_likelihood(r, alpha, s, beta, x, tx, T):
    """FHL's note, eq. (the A0 form), with its two branches, plain scipy hyp2f1::

    L = G(r+x) a^r b^s / G(r) [ 1/((a+T)^(r+x) (b+T)^s) + s/(r+s+x) A0 ]
    """
    big = r + s + x
    if alpha >= beta:

        def z(u):
            return (alpha - beta) / (alpha + u)

        second, base = s + 1.0, alpha
    else:

        def z(u):
            return (beta - alpha) / (beta + u)

        second, base = r + x, beta
    a0 = special.hyp2f1(big, second, big + 1.0, z(tx)) / (base + tx) ** big
    a0 -= special.hyp2f1(big, second, big + 1.0, z(T)) / (base + T) ** big
    head = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    head += s * math.log(beta)
    e1 = 1.0 / ((alpha + T) ** (r + x) * (beta + T) ** s)
    return head + math.log(e1 + s / big * a0)


def individual(lam, mu, x, tx, T):
    """Individual likelihood split: (alive at T, died in (t_x, T])."""
    alive = lam**x * np.exp(-(lam + mu) * T)
    died = (
        lam**x * mu / (lam + mu) * (np.exp(-(lam + mu) * tx) - np.exp(-(lam + mu) * T))
    )
    return alive, died


def _log_rate_grid(shape, rate, step=0.04):
    """Nodes and weights of E[g(rate)] for a Gamma(shape, rate) prior, by the
    trapezoid rule in ln(rate) (spectrally accurate: the integrand is smooth
    and decays double-exponentially to the right, exponentially to the left)."""
    centre = -math.log(rate)
    z = np.arange(centre - 36.0 / min(shape, 1.0), centre + 4.5, step)
    value = np.exp(z)
    log_density = shape * (z + math.log(rate)) - rate * value - special.gammaln(shape)
    return value, np.exp(log_density) * step


def posterior_integral(params, x, tx, T, g):
    """E_prior[ g(lam, mu, alive, died) ] by 2-D integration over (lam, mu)."""
    lam, w_lam = _log_rate_grid(params.r, params.alpha)
    mu, w_mu = _log_rate_grid(params.s, params.beta)
    lam, mu = lam[:, None], mu[None, :]
    values = g(lam, mu, *individual(lam, mu, x, tx, T))
    return float(w_lam @ values @ w_mu)


def simulate(params, n, T, horizon, rng):
    """The Pareto/NBD story: returns x, t_x, alive at T, purchases in (T, T+h]."""
    lam = rng.gamma(params.r, 1.0 / params.alpha, n)
    mu = rng.gamma(params.s, 1.0 / params.beta, n)
    death = rng.exponential(1.0 / mu)
    active = np.minimum(death, T)
    x = rng.poisson(lam * active)
    tx = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    future = rng.poisson(lam * np.clip(death - T, 0.0, horizon))
    return x.astype(float), tx, death > T, future


@pytest.fixture(scope="module")
def cdnow_sample_summary():
    """The 1/10 sample (its 2,357 customer ids, from Lifetimes' CDNOW_sample.txt,
    commit 4f2833f) of CDNOW_master, summarised here with plain pandas."""
    assert CDNOW_SOURCE.exists(), f"CDNOW not found at {CDNOW_SOURCE}"
    ids = (DATA / "cdnow_sample_customer_ids.txt").read_text().split()
    raw = pd.read_csv(CDNOW_SOURCE, sep=r"\s+", dtype={"customer_id": str, "date": str})
    raw = raw.loc[raw["customer_id"].isin(ids)]
    days = pd.to_datetime(raw["date"], format="%Y%m%d")
    cal = pd.DataFrame({"id": raw["customer_id"], "day": days})
    cal = cal.loc[cal["day"] <= "1997-09-30"].drop_duplicates()
    g = cal.groupby("id")["day"]
    first, last = g.min(), g.max()
    return pd.DataFrame(
        {
            "x": g.size() - 1.0,
            "tx": (last - first).dt.days / 7.0,
            "T": (pd.Timestamp("1997-09-30") - first).dt.days / 7.0,
        }
    )


# --------------------------------------------------------------------------- #
# the published fit
# --------------------------------------------------------------------------- #
def test_cdnow_sample_reproduces_published_fit(cdnow_sample_summary):
    c = cdnow_sample_summary
    assert len(c) == 2357 and c["x"].sum() == 2457  # sizes given in the note
    res = pareto_nbd.fit_pareto_nbd(c["x"], c["tx"], c["T"])
    # published to 3 significant digits (2 decimals for alpha, beta)
    assert res.params["r"] == pytest.approx(FHL_PNBD["r"], abs=5e-4)
    assert res.params["alpha"] == pytest.approx(FHL_PNBD["alpha"], abs=5e-3)
    assert res.params["s"] == pytest.approx(FHL_PNBD["s"], abs=5e-4)
    assert res.params["beta"] == pytest.approx(FHL_PNBD["beta"], abs=5e-3)
    assert res.log_likelihood == pytest.approx(FHL_PNBD_LL, abs=1e-2)
    assert all(np.isfinite(v) and v > 0 for v in res.standard_errors.values())
    assert btyd.degeneracy(res) is None
    # an optimum: the published point is not better, nearby points are worse
    ll = pareto_nbd.pareto_nbd_log_likelihood
    at_best = ll(res.params, c["x"], c["tx"], c["T"]).sum()
    assert at_best == pytest.approx(res.log_likelihood, rel=1e-12)
    assert ll(CDNOW_PNBD, c["x"], c["tx"], c["T"]).sum() <= at_best
    for name in pareto_nbd.PARAMETER_NAMES:
        for step in (0.99, 1.01):
            moved = {**res.params, name: res.params[name] * step}
            assert ll(moved, c["x"], c["tx"], c["T"]).sum() < at_best


# --------------------------------------------------------------------------- #
# likelihood, P(alive), expectations: independent computations
# --------------------------------------------------------------------------- #
CASES = [
    (CDNOW_PNBD, 0, 0.0, 38.86),
    (CDNOW_PNBD, 2, 30.43, 38.86),
    (CDNOW_PNBD, 9, 38.0, 38.86),
    (ParetoNbdParams(1.3, 3.5, 1.6, 0.8), 3, 12.5, 30.0),  # alpha >= beta branch
    (ParetoNbdParams(2.0, 8.0, 0.4, 30.0), 25, 2.0, 60.0),  # peaked integrand
    (ParetoNbdParams(0.3, 1e-3, 0.9, 5.0), 1, 0.5, 20.0),  # alpha near 0
]


@pytest.mark.parametrize(("params", "x", "tx", "T"), CASES)
def test_likelihood_matches_hypergeometric_closed_form(params, x, tx, T):
    got = float(pareto_nbd.pareto_nbd_log_likelihood(params, x, tx, T))
    ref = ref_log_likelihood(params.r, params.alpha, params.s, params.beta, x, tx, T)
    assert got == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize(("params", "x", "tx", "T"), CASES[:4])
def test_likelihood_and_p_alive_match_double_integral(params, x, tx, T):
    total = posterior_integral(params, x, tx, T, lambda lam, mu, a, d: a + d)
    alive = posterior_integral(params, x, tx, T, lambda lam, mu, a, d: a)
    got_ll = float(pareto_nbd.pareto_nbd_log_likelihood(params, x, tx, T))
    assert got_ll == pytest.approx(math.log(total), abs=1e-6)
    got = float(pareto_nbd.pareto_nbd_p_alive(params, x, tx, T))
    assert got == pytest.approx(alive / total, rel=1e-6)


@pytest.mark.parametrize(("params", "x", "tx", "T"), CASES[:4])
def test_conditional_expectations_match_double_integral(params, x, tx, T):
    h = 39.0
    total = posterior_integral(params, x, tx, T, lambda lam, mu, a, d: a + d)
    # alive at T with rates (lam, mu): E[X(T, T+h)] = lam/mu (1 - e^{-mu h});
    # P(X > 0) = lam/(lam+mu) (1 - e^{-(lam+mu) h})
    mean = posterior_integral(
        params, x, tx, T, lambda lam, mu, a, d: a * lam / mu * -np.expm1(-mu * h)
    )
    some = posterior_integral(
        params,
        x,
        tx,
        T,
        lambda lam, mu, a, d: a * lam / (lam + mu) * -np.expm1(-(lam + mu) * h),
    )
    got = float(pareto_nbd.pareto_nbd_expected_purchases(params, h, x, tx, T))
    assert got == pytest.approx(mean / total, rel=1e-6)
    got_p = float(pareto_nbd.pareto_nbd_probability_of_purchase(params, h, x, tx, T))
    assert got_p == pytest.approx(some / total, rel=1e-6)


def test_predictions_match_simulation_by_frequency():
    """Law of total expectation: within each x, the mean model P(alive) is the
    share alive and the mean conditional expectation the mean future count."""
    rng = np.random.default_rng(20261201)
    T, h, n = 39.0, 39.0, 400_000
    x, tx, alive, future = simulate(CDNOW_PNBD, n, T, h, rng)
    p_alive = pareto_nbd.pareto_nbd_p_alive(CDNOW_PNBD, x, tx, T)
    expected = pareto_nbd.pareto_nbd_expected_purchases(CDNOW_PNBD, h, x, tx, T)
    p_any = pareto_nbd.pareto_nbd_probability_of_purchase(CDNOW_PNBD, h, x, tx, T)
    for group in (x == 0, x == 1, x == 2, (x >= 3) & (x <= 6), x >= 7):
        k = int(group.sum())
        assert k > 2000
        share = alive[group].mean()
        assert abs(p_alive[group].mean() - share) < 4 * math.sqrt(
            share * (1 - share) / k
        )
        f = future[group]
        assert abs(expected[group].mean() - f.mean()) < 4 * f.std(ddof=1) / math.sqrt(k)
        any_share = (f > 0).mean()
        assert abs(p_any[group].mean() - any_share) < 4 * math.sqrt(
            any_share * (1 - any_share) / k
        )


def test_expectation_at_s_equal_one_is_the_limit():
    near = [ParetoNbdParams(0.5, 10.0, 1.0 + d, 12.0) for d in (-1e-7, 1e-7)]
    at = ParetoNbdParams(0.5, 10.0, 1.0, 12.0)
    values = [
        float(pareto_nbd.pareto_nbd_expected_purchases(p, 39, 2, 20, 39)) for p in near
    ]
    got = float(pareto_nbd.pareto_nbd_expected_purchases(at, 39, 2, 20, 39))
    assert got == pytest.approx(np.mean(values), rel=1e-6)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    x, tx, _, _ = simulate(CDNOW_PNBD, 3000, 39.0, 0.0, rng)
    T = np.full(x.size, 39.0)
    problem = pareto_nbd.ParetoNbdProblem(x, tx, T, np.ones(x.size))
    for theta in ([0.55, 10.6, 0.61, 11.7], [1.3, 3.5, 1.6, 0.8]):
        theta = np.array(theta)
        _, grad = problem.nll_grad(theta)
        for i in range(4):
            e = np.zeros(4)
            e[i] = 1e-6 * theta[i]
            fd = (problem.nll_grad(theta + e)[0] - problem.nll_grad(theta - e)[0]) / (
                2 * e[i]
            )
            assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-4)


# --------------------------------------------------------------------------- #
# fitting
# --------------------------------------------------------------------------- #
def test_parameter_recovery_from_simulation():
    truth = ParetoNbdParams(0.8, 6.0, 0.7, 9.0)
    rng = np.random.default_rng(99)
    T = rng.uniform(20.0, 60.0, 8_000)
    x, tx, _, _ = simulate(truth, T.size, T, 0.0, rng)
    res = pareto_nbd.fit_pareto_nbd(x, tx, T)
    for name in pareto_nbd.PARAMETER_NAMES:
        est, se = res.params[name], res.standard_errors[name]
        assert abs(est - getattr(truth, name)) < 4 * se, (name, est, se)


def test_weighted_patterns_equal_unweighted_rows():
    rng = np.random.default_rng(12)
    T = rng.integers(1, 40, 5000).astype(float)
    x, tx, _, _ = simulate(CDNOW_PNBD, T.size, T, 0.0, rng)
    tx = np.minimum(np.ceil(tx), T) * (x > 0)
    rows = pd.DataFrame({"x": x, "tx": tx, "T": T})
    patterns = rows.value_counts().reset_index(name="count")
    assert len(patterns) < len(rows) / 3
    per_row = pareto_nbd.fit_pareto_nbd(x, tx, T)
    weighted = pareto_nbd.fit_pareto_nbd(
        patterns["x"], patterns["tx"], patterns["T"], weights=patterns["count"]
    )
    assert weighted.n_customers == per_row.n_customers == T.size
    for name in per_row.params:
        assert weighted.params[name] == pytest.approx(per_row.params[name], rel=1e-7)
    assert weighted.log_likelihood == pytest.approx(per_row.log_likelihood, rel=1e-12)


def test_no_dropout_evidence_gives_a_flagged_degenerate_fit():
    """Every customer bought again and last bought at T (t_x = T): nothing says
    anyone died, so both models' likelihoods grow as the dropout vanishes
    (BG/NBD: E[(1-p)^(x-1)], p -> 0; Pareto/NBD: (beta/(beta+T))^s -> 1). The
    optimum lies on the boundary, and the fits must say so."""
    rng = np.random.default_rng(3)
    T = rng.uniform(30.0, 52.0, 3000)
    x = 1.0 + rng.poisson(rng.gamma(2.0, 1.0 / 8.0, T.size) * T)
    pnbd = pareto_nbd.fit_pareto_nbd(x, T, T)
    assert pnbd.params["s"] * math.log1p(52.0 / pnbd.params["beta"]) < 1e-4
    assert "boundary" in btyd.degeneracy(pnbd)
    bg = btyd.fit_bgnbd(x, T, T)
    assert bg.params["a"] / (bg.params["a"] + bg.params["b"]) < 1e-4
    assert "boundary" in btyd.degeneracy(bg)


def test_fit_errors_are_readable():
    with pytest.raises(
        btyd.FitError, match=r"Pareto/NBD fit failed: too few customers"
    ):
        pareto_nbd.fit_pareto_nbd([0, 1, 2], [0, 1, 2], [5, 6, 7])
    with pytest.raises(btyd.FitError, match="Pareto/NBD fit failed: no repeat buyers"):
        pareto_nbd.fit_pareto_nbd(np.zeros(20), np.zeros(20), np.linspace(1, 9, 20))
    with pytest.raises(ValueError, match="recency <= t"):
        pareto_nbd.pareto_nbd_p_alive(CDNOW_PNBD, 1, 5.0, 4.0)
