"""Deterministic demo-data simulator for the customer lifecycle warehouse.

Usage::

    python -m customer_lifecycle.simulate --customers 3000 --out data/raw \\
        [--seed 42] [--format csv|parquet] [--start 2023-01-01] [--end 2024-12-31]

or from Python: ``tables = simulate(3000, seed=42)`` then ``write(tables, out, "csv")``.

Everything is vectorised numpy driven by one ``numpy.random.default_rng(seed)``;
there is no wall-clock input and every sort is stable, so the same arguments give
byte-identical files.

Modules (this package re-exports their public names, so ``simulate.simulate``,
``simulate.write``, ``simulate.PARAMS`` etc. work):

- :mod:`.params`: :class:`ModelParams`, :data:`CHANNELS`, :class:`Period`;
- :mod:`.population`: acquisition, latent buyer traits, ``customers``,
  ``customer_truth`` and ``marketing_spend``;
- :mod:`.orders`, :mod:`.touchpoints`, :mod:`.surveys`: the event tables;
- :mod:`.simulator`: :func:`simulate`, the stages in their fixed draw order;
- :mod:`.writing`: :func:`write`; :mod:`.cli`: :func:`main`;
- :mod:`.columns`, :mod:`.draws`: string-column and random-draw helpers.

Generative model
----------------
The observation period is ``[start, end]`` (both dates inclusive, times in naive
local time). Parameters live in :class:`ModelParams` / :data:`CHANNELS`.

* **Acquisition.** Sign-up days follow a linearly growing density over
  the whole period ``[start, end]`` (the last sign-up day is twice as busy as the
  first), so acquisition goes on to the last day; a would-be buyer whose first
  purchase would fall after ``end`` is still a prospect when the period ends;
  customer ids ``C0000001, ...`` are handed out in sign-up order. Each customer
  gets an acquisition channel (paid_search, paid_social, email, referral,
  organic) with a channel mix and a channel CAC (about $40, $30, $10, $15, $0)
  times mean-one log-normal noise, plus descriptive ``region`` and ``age_band``.
* **Prospects.** About 25 % of customers (the share depends a little on the
  channel) never buy; they only appear in ``customers`` and ``touchpoints``.
* **Buyers: Pareto/NBD.** A buyer has a latent purchase rate
  ``lambda ~ Gamma(1.5, mean 1/6.5 per week) x channel factor`` and a latent
  dropout rate ``mu ~ Gamma(3, scale 0.5 per year) x channel factor`` (so the
  expected lifetime ``E[1/mu]`` is about one year). The first purchase happens
  ``30 * U**2`` days after sign-up; the true dropout time is the first purchase
  plus ``Exponential(mu)``. While alive, repeat purchases are a Poisson process
  with rate ``lambda * season(month)`` (November/December ~1.5-1.65x, June-August
  ~0.73-0.77x, normalised to a day-weighted yearly mean of 1), drawn by thinning
  a homogeneous process of rate ``lambda * max(season)``. About 1.5 % of
  purchases get an extra same-day sibling purchase (~3 % of orders are in such a
  pair; with natural Poisson coincidences of busy buyers ~6-7 % of purchases
  share a day with another purchase of the same customer).
* **Spend: Gamma-Gamma.** Each buyer has a latent mean order value
  ``m ~ Gamma(5, mean $60)``; an order's net amount is ``Gamma(6, mean m)``
  (at least $1). Cost is ``amount * (1 - margin)``, ``margin ~ U(0.35, 0.45)``
  per order. Money is rounded to cents.
* **Refunds.** 2 % of purchases are refunded 1-10 days later (dropped if that
  falls after ``end``): a separate order row with its own ``order_id``,
  ``is_refund = true`` and minus all (70 %) or part (20-90 %) of the original
  amount and cost. Refunds may fall after the customer's dropout.
* **Touchpoints.** Buyers get ~2 contacts in the 30 days before the first
  purchase and ``0.15 + 0.5 * lambda`` contacts per week from the first purchase
  until 60 days after dropout; prospects get ~3 contacts around sign-up and a
  trickle afterwards; about 0.5 % extra people, known only through touchpoints,
  have customer ids that are not in ``customers``.
* **Surveys.** 30 % of buyers answer 1-3 surveys (60 % NPS 0..10, 40 % CSAT
  1..5) at uniform times while alive. Scores are driven by a satisfaction score
  correlated (0.7) with ``-log(mu)``, i.e. with the true expected lifetime, plus
  per-answer noise, rounded and clipped to the scale.
* **Marketing spend.** For every channel except organic and every month with
  sign-ups, spend equals the sum of that month's acquisition costs of the
  channel's customers times log-normal noise (sigma 0.08). ``organic`` has no
  spend rows at all.

Dirty rows
----------
About 0.05 % of the clean rows per kind (at least 3 per kind) are appended and
then sorted in with the clean rows (ground truth stays clean):

``orders``
    * ``duplicate_row``: an exact copy of an order row;
    * ``missing_customer_id``: a copied order with a new order_id and a null
      customer_id;
    * ``unparseable_ordered_at``: a copied order with a new order_id and
      ``ordered_at = 'not-a-date'``;
    * ``negative_amount``: a non-refund order (new order_id) with negative
      amount and cost;
    * ``conflicting_order_id``: an existing order_id repeated with a different
      amount.
``survey_responses``
    * ``score_out_of_scale``: NPS 11, CSAT 0 or CSAT 6 (new response_id);
    * ``missing_customer_id``: a copied response with a null customer_id.

No non-numeric amounts are generated: ``amount``/``cost`` stay numeric in both
formats (DOUBLE in parquet, plain decimals in CSV); unparseable values are
exercised through the timestamp columns instead.

Files and types
---------------
``write`` produces ``<out>/<table>.<csv|parquet>`` and
``<out>/truth/customer_truth.<ext>``. All event timestamps (``ordered_at``,
``occurred_at``, ``responded_at``) are ``YYYY-MM-DD HH:MM:SS`` strings and
``signed_up_at`` is a ``YYYY-MM-DD`` string in both formats, so that a bad value
such as ``not-a-date`` can be stored in parquet too; the warehouse parses them.
Money columns are float64 rounded to cents (CSV writes exactly two decimals),
``is_refund``/booleans are ``true``/``false`` in CSV, ``score`` is int64,
``marketing_spend.month`` is a date and ``customer_truth.dropout_at`` a
timestamp. Nulls are empty fields in CSV. CSV has a header and no quoting (no
value contains a comma or quote).
"""

from customer_lifecycle.simulate.cli import main
from customer_lifecycle.simulate.params import (
    BAD_TIMESTAMP,
    CHANNELS,
    PARAMS,
    TABLES,
    Channel,
    ModelParams,
    Period,
)
from customer_lifecycle.simulate.simulator import simulate
from customer_lifecycle.simulate.writing import (
    FORMATS,
    MONEY_COLUMNS,
    TRUTH_TABLES,
    write,
)

__all__ = [
    "BAD_TIMESTAMP",
    "CHANNELS",
    "FORMATS",
    "MONEY_COLUMNS",
    "PARAMS",
    "TABLES",
    "TRUTH_TABLES",
    "Channel",
    "ModelParams",
    "Period",
    "main",
    "simulate",
    "write",
]
