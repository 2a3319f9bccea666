"""Survey responses: NPS and CSAT scores driven by the true expected lifetime,
plus dirty rows. Produces the ``survey_responses`` table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_lifecycle.simulate.columns import (
    ids,
    labels,
    str_col,
    timestamps,
    with_nulls,
)
from customer_lifecycle.simulate.draws import choice, events, to_seconds
from customer_lifecycle.simulate.params import ModelParams, Period, n_dirty
from customer_lifecycle.simulate.population import Buyers

DIRTY_SURVEY_KINDS: tuple[str, ...] = ("score_out_of_scale", "missing_customer_id")


def draw_surveys(
    rng: np.random.Generator, p: ModelParams, buyers: Buyers
) -> dict[str, np.ndarray]:
    """Response columns (``no``, ``cust``, ``sec``, ``nps``, ``score``) sorted
    by (responded_at, response number), dirty rows included.

    Satisfaction is ``rho * z + sqrt(1 - rho**2) * noise`` with ``z`` the
    standardised ``-log(mu)``; each answer adds noise 0.5 and is rounded and
    clipped to its scale (NPS 0..10 around 7, CSAT 1..5 around 3.8).
    """
    nb, mu = buyers.size, buyers.mu
    responders = np.flatnonzero(rng.random(nb) < p.survey_share)
    n_answers = 1 + choice(rng, p.surveys_per_responder, len(responders))
    s_owner, s_t = events(
        rng, buyers.t0[responders], buyers.cutoff[responders], n_answers
    )
    s_owner = responders[s_owner]
    s_sec = np.minimum(to_seconds(s_t), buyers.cutoff_sec[s_owner])
    log_mu = np.log(mu)
    centre = float(np.median(log_mu)) if nb else 0.0
    spread = float(log_mu.std()) if nb > 1 else 0.0
    z = -(log_mu - centre) / (spread if spread > 0 else 1.0)
    rho = p.survey_signal
    satisfaction = rho * z + np.sqrt(1.0 - rho**2) * rng.standard_normal(nb)
    latent = satisfaction[s_owner] + 0.5 * rng.standard_normal(len(s_owner))
    is_nps = rng.random(len(s_owner)) < p.nps_share
    score = np.where(
        is_nps,
        np.clip(np.rint(7.0 + 2.0 * latent), 0, 10),
        np.clip(np.rint(3.8 + 0.9 * latent), 1, 5),
    ).astype(np.int64)
    cust = buyers.index[s_owner]
    order = np.lexsort((cust, s_sec))
    return _add_dirty_surveys(
        rng, p, cust[order], s_sec[order], is_nps[order], score[order]
    )


def _add_dirty_surveys(
    rng: np.random.Generator,
    p: ModelParams,
    cust: np.ndarray,
    sec: np.ndarray,
    nps: np.ndarray,
    score: np.ndarray,
) -> dict[str, np.ndarray]:
    """Number responses, append the dirty kinds, sort by (responded_at, id)."""
    n = len(cust)
    cols = {
        "no": np.arange(1, n + 1, dtype=np.int64),
        "cust": cust,
        "sec": sec,
        "nps": nps,
        "score": score,
    }
    k = n_dirty(n, p)
    extra: list[dict[str, np.ndarray]] = []
    next_no = n + 1
    for kind in DIRTY_SURVEY_KINDS:
        if k == 0:
            break
        pick = rng.integers(0, n, k)
        row = {name: col[pick].copy() for name, col in cols.items()}
        row["no"] = np.arange(next_no, next_no + k, dtype=np.int64)
        next_no += k
        if kind == "score_out_of_scale":
            variant = np.arange(k) % 3  # nps 11, csat 0, csat 6
            row["nps"] = variant == 0
            row["score"] = np.array([11, 0, 6], dtype=np.int64)[variant]
        else:
            row["cust"][:] = -1
        extra.append(row)
    out = {
        name: np.concatenate([col] + [e[name] for e in extra])
        for name, col in cols.items()
    }
    order = np.lexsort((out["no"], out["sec"]))
    return {name: col[order] for name, col in out.items()}


def surveys_frame(
    surveys: dict[str, np.ndarray], period: Period, id_width: int
) -> pd.DataFrame:
    """The ``survey_responses`` table from the columns of :func:`draw_surveys`."""
    resp_width = max(8, len(str(int(surveys["no"].max(initial=0)))))
    return pd.DataFrame(
        {
            "response_id": str_col(ids("R", surveys["no"], resp_width)),
            "customer_id": str_col(
                with_nulls(ids("C", surveys["cust"] + 1, id_width), surveys["cust"] < 0)
            ),
            "responded_at": str_col(timestamps(period.base_sec + surveys["sec"])),
            "survey_type": str_col(labels(("csat", "nps"), surveys["nps"].astype(int))),
            "score": surveys["score"],
        }
    )
