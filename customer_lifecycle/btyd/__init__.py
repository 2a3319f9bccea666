"""The "buy 'til you die" models, fitted by maximum likelihood, one per module.

- :mod:`.base`: the shared fitting machinery (:class:`~.base.Problem`,
  :func:`~.base.maximise`, :class:`~.base.FitResult`, :class:`~.base.FitError`);
- :mod:`.bg_nbd`: BG/NBD; :mod:`.pareto_nbd`: Pareto/NBD;
  :mod:`.gamma_gamma`: Gamma-Gamma spend.

This package re-exports their public names, so ``btyd.fit_bgnbd`` etc. work.

Pure numpy/scipy maths called by thin dbt Python models. Everything is vectorised
over customers; there are no per-customer Python loops.

Models
------
BG/NBD (:mod:`.bg_nbd`), Pareto/NBD (:mod:`.pareto_nbd`) and Gamma-Gamma
(:mod:`.gamma_gamma`); each module's docstring states its model and sources.

Time units
----------
All times (``recency``, ``t``, ``horizon``, ``period_length``) and the BG/NBD
scale parameter ``alpha`` are expressed in ONE time unit, the one of the
purchase summary (var ``time_unit``; see :data:`TIME_UNIT_DAYS`).
``lambda = r / alpha`` on average is then a purchase rate per that unit.
``r``, ``a``, ``b``, ``p``, ``q`` are dimensionless;
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
human-readable message; a fit whose gradient test fails is returned with
``converged = False`` and the reason first in its message.
"""

from customer_lifecycle.btyd.base import (
    DEGENERATE_HIGH,
    DEGENERATE_LOW,
    MAX_ITERATIONS,
    MIN_CUSTOMERS,
    TIME_UNIT_DAYS,
    FitError,
    FitResult,
    degeneracy,
)
from customer_lifecycle.btyd.bg_nbd import (
    BgNbdParams,
    bgnbd_expected_purchases,
    bgnbd_expected_purchases_new_customer,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
    bgnbd_probability_no_purchase,
    fit_bgnbd,
)
from customer_lifecycle.btyd.gamma_gamma import (
    GammaGammaParams,
    fit_gamma_gamma,
    frequency_spend_correlation,
    gamma_gamma_expected_spend,
)

__all__ = [
    "DEGENERATE_HIGH",
    "DEGENERATE_LOW",
    "MAX_ITERATIONS",
    "MIN_CUSTOMERS",
    "TIME_UNIT_DAYS",
    "BgNbdParams",
    "FitError",
    "FitResult",
    "GammaGammaParams",
    "bgnbd_expected_purchases",
    "bgnbd_expected_purchases_new_customer",
    "bgnbd_log_likelihood",
    "bgnbd_p_alive",
    "bgnbd_probability_no_purchase",
    "degeneracy",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "frequency_spend_correlation",
    "gamma_gamma_expected_spend",
]
