"""KMeans customer segmentation on point-in-time features.

:func:`segment_customers` clusters the output of
:func:`customer_lifecycle.features.build_customer_features` and names the
clusters from their centroids, deterministically.

Model inputs
------------
* Always: ``recency_days``, ``purchase_days``, ``revenue``, ``tenure_days``,
  ``avg_order_value``, ``mean_interpurchase_days``.
* ``mean_interpurchase_days`` is NaN for single-day buyers; it is imputed with
  the customer's ``tenure_days`` (the time they have been observed without a
  second purchase day, i.e. a lower bound of their gap).
* ``latest_nps`` / ``latest_csat`` only if at least ``survey_min_coverage``
  (default 20%) of the customers have a score; missing scores are then
  imputed with the median score.  Otherwise the column is not used for
  clustering (it is still profiled).
* Any other missing value of a model input is imputed with the column median.
* ``log1p`` is applied to the skewed inputs (all six behavioural ones;
  ``revenue`` and ``avg_order_value`` are clipped at 0 first because net
  revenue can be negative), then every input is standardised
  (``StandardScaler``).  ``distance_to_centroid`` is measured in this
  standardised space.

Choice of k
-----------
If ``k`` is None, every k in ``k_range`` (inclusive bounds) is fitted and the
k with the highest silhouette score is kept (ties -> smaller k).  The
silhouette is computed on a fixed-seed sample of at most ``silhouette_sample``
customers.  KMeans itself is fitted on all customers, or on a fixed-seed
sample of ``fit_sample`` (default 200,000) customers when there are more, and
then predicts every customer.  KMeans uses ``n_init=10`` and
``random_state``.  Rows are sorted by ``customer_id`` before anything else,
so the result does not depend on the input row order.

Segment ids and labels
----------------------
Profiles report, per segment, the mean of the members' original-unit values
(``mean_interpurchase_days`` over repeat buyers only, survey scores over
respondents only); these means are the "centroid in original units".

* ``segment_id`` 1..k orders segments by centroid ``revenue`` descending
  (ties: ``recency_days`` ascending, then ``purchase_days`` descending).
* Labels say where each segment's MEDIAN member stands in the population of
  segmented customers, on three dimensions: recency (``recency_days``),
  orders (``purchase_days``) and spend (``revenue``).  The
  position of a value ``v`` is its mid-rank ECDF
  ``(#{x < v} + #{x = v} / 2) / n``; below 1/3 is low, above 2/3 high, else
  middle.  Words: recency "recent" (low days) / "mid-recency" / "lapsed";
  orders "occasional" / "regular" / "frequent"; spend "low spend" /
  "mid spend" / "high spend".  Label = "<recency>, <orders>, <spend>".  So a
  segment is "recent" only if its typical member bought more recently than
  two thirds of the customers.  Duplicate labels get " 1", " 2", ... in
  segment_id order.  No lifecycle-stage word is used (issue 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples
from sklearn.preprocessing import StandardScaler

from customer_lifecycle.threads import one_numeric_thread

__all__ = [
    "BEHAVIOUR_COLUMNS",
    "PROFILE_COLUMNS",
    "SURVEY_COLUMNS",
    "SegmentationResult",
    "segment_customers",
]

BEHAVIOUR_COLUMNS: list[str] = [
    "recency_days",
    "purchase_days",
    "revenue",
    "tenure_days",
    "avg_order_value",
    "mean_interpurchase_days",
]
SURVEY_COLUMNS: list[str] = ["latest_nps", "latest_csat"]
PROFILE_COLUMNS: list[str] = BEHAVIOUR_COLUMNS + SURVEY_COLUMNS
_LOG_COLUMNS = set(BEHAVIOUR_COLUMNS)
_CLIP_AT_ZERO = {"revenue", "avg_order_value"}


@dataclass
class SegmentationResult:
    """Outcome of :func:`segment_customers`.

    ``assignments``: customer_id, segment_id (1..k), segment_label,
    distance_to_centroid (standardised space), sorted by customer_id.
    ``profiles``: one row per segment (segment_id order) with segment_label,
    customers, share, silhouette (overall, chosen k), segment_silhouette and
    the centroid columns in original units (:data:`PROFILE_COLUMNS`).
    ``silhouette_by_k``: silhouette of every k tried.  ``params``: settings
    and data-driven choices for the run log (JSON-serialisable).
    ``centroids``: segment_id, feature, center (standardised space);
    ``scaling``: feature, impute_with, impute_value, is_clipped_at_zero,
    is_log1p, mean, scale: with them the nearest centroid of any customer is
    computed in SQL (``int_customer_segments``).
    """

    assignments: pd.DataFrame
    profiles: pd.DataFrame
    k: int
    centroids: pd.DataFrame
    scaling: pd.DataFrame
    silhouette_by_k: dict[int, float]
    params: dict = field(default_factory=dict)


def _prepare_matrix(
    features: pd.DataFrame, survey_min_coverage: float
) -> tuple[np.ndarray, list[str], dict]:
    """Model matrix (before scaling) and the imputation decisions."""
    columns = list(BEHAVIOUR_COLUMNS)
    decisions: dict = {"imputation": {}, "survey_coverage": {}}
    n = len(features)
    for col in SURVEY_COLUMNS:
        if col not in features:
            decisions["survey_coverage"][col] = 0.0
            continue
        coverage = float(features[col].notna().sum()) / n if n else 0.0
        decisions["survey_coverage"][col] = round(coverage, 6)
        if coverage >= survey_min_coverage and features[col].notna().any():
            columns.append(col)

    data = {}
    decisions["medians"] = {}
    for col in columns:
        values = features[col].astype(float)
        if col == "mean_interpurchase_days":
            n_missing = int(values.isna().sum())
            values = values.fillna(features["tenure_days"].astype(float))
            decisions["imputation"][col] = {"rule": "tenure_days", "n": n_missing}
        decisions["medians"][col] = (
            float(values.median()) if values.notna().any() else 0.0
        )
        if values.isna().any():
            median = float(values.median()) if values.notna().any() else 0.0
            decisions["imputation"].setdefault(col, {})
            decisions["imputation"][col].update(
                {"median": median, "n_median": int(values.isna().sum())}
            )
            values = values.fillna(median)
        if col in _CLIP_AT_ZERO:
            values = values.clip(lower=0.0)
        if col in _LOG_COLUMNS:
            values = np.log1p(values.clip(lower=0.0))
        data[col] = values.to_numpy(dtype=float)
    matrix = np.column_stack([data[c] for c in columns])
    return matrix, columns, decisions


def _scaling_table(
    columns: list[str], decisions: dict, scaler: StandardScaler
) -> pd.DataFrame:
    """How each model column is made from a feature (the SQL assignment reads it).

    ``t = (g(coalesce(v, impute)) - mean) / scale`` with ``g`` = log1p of the
    value clipped at 0 (behaviour columns; money clipped at 0 first), identity
    for survey scores; ``impute`` = ``tenure_days`` for the inter-purchase gap
    of one-time buyers (``impute_with``), else the median (``impute_value``).
    """
    impute = decisions["imputation"]
    return pd.DataFrame(
        {
            "feature": columns,
            "impute_with": [
                impute.get(c, {}).get("rule")
                if c == "mean_interpurchase_days"
                else None
                for c in columns
            ],
            "impute_value": [float(decisions["medians"][c]) for c in columns],
            "is_clipped_at_zero": [c in _CLIP_AT_ZERO for c in columns],
            "is_log1p": [c in _LOG_COLUMNS for c in columns],
            "mean": scaler.mean_.astype(float),
            "scale": scaler.scale_.astype(float),
        }
    )


#: (dimension, population column, words for low / middle / high position).
#: Recency is reversed: a LOW recency_days means the segment bought recently.
LABEL_DIMENSIONS: list[tuple[str, str, tuple[str, str, str]]] = [
    ("recency", "recency_days", ("recent", "mid-recency", "lapsed")),
    ("orders", "purchase_days", ("occasional", "regular", "frequent")),
    ("spend", "revenue", ("low spend", "mid spend", "high spend")),
]
#: Position (mid-rank ECDF) below which a segment is "low", above which "high".
LABEL_TERTILES: tuple[float, float] = (1.0 / 3.0, 2.0 / 3.0)


def population_position(population: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mid-rank position of each value in the population, in [0, 1].

    ``position(v) = (#{x < v} + #{x = v} / 2) / n``: the share of the population
    below ``v``, counting ties as half.  A value equal to everyone's gets 0.5;
    with 60% one-time buyers the position of 1 order is 0.3.
    """
    pop = np.sort(np.asarray(population, dtype=float))
    pop = pop[~np.isnan(pop)]
    vals = np.asarray(values, dtype=float)
    if len(pop) == 0:
        return np.full(len(vals), 0.5)
    below = np.searchsorted(pop, vals, side="left")
    at_or_below = np.searchsorted(pop, vals, side="right")
    return (below + (at_or_below - below) / 2.0) / len(pop)


def _tier(position: float, words: tuple[str, str, str]) -> str:
    low, high = LABEL_TERTILES
    if position < low:
        return words[0]
    if position > high:
        return words[2]
    return words[1]


def _labels_for(
    medians: pd.DataFrame, population: pd.DataFrame
) -> tuple[list[str], pd.DataFrame]:
    """Labels from where each segment's median member stands in the population.

    ``medians``: one row per segment (segment_id order) with the members'
    median of every column of :data:`LABEL_DIMENSIONS`; ``population``: the
    same columns for every segmented customer.  For each dimension the median
    member's :func:`population_position` ``p`` gives the word: ``p < 1/3``
    low, ``p > 2/3`` high, else middle (recency: low = "recent").  The label
    is "<recency>, <orders>, <spend>", e.g. "recent, frequent, high spend".
    The median member (not the mean) is used so that a segment of one-time
    buyers with a few repeaters (mean 1.1 orders) stands where its typical
    member stands.  Duplicate labels get " 1", " 2", ... in segment_id order.
    Returns the labels and the positions (for the run log and the profiles).
    """
    positions = pd.DataFrame(index=medians.index)
    words = []
    for name, column, tiers in LABEL_DIMENSIONS:
        pos = population_position(
            population[column].to_numpy(dtype=float),
            medians[column].to_numpy(dtype=float),
        )
        positions[f"{name}_position"] = pos
        words.append([_tier(float(p), tiers) for p in pos])
    labels = [", ".join(parts) for parts in zip(*words)]
    final = list(labels)
    for label in sorted(set(labels)):
        where = [i for i, lab in enumerate(labels) if lab == label]
        if len(where) > 1:
            for rank, i in enumerate(where, start=1):
                final[i] = f"{label} {rank}"
    return final, positions.reset_index(drop=True)


def _fit_candidates(
    X: np.ndarray,
    fit_idx: np.ndarray,
    sil_idx: np.ndarray,
    candidates: list[int],
    random_state: int,
) -> tuple[dict[int, float], dict[int, KMeans], dict[int, np.ndarray]]:
    """Fit KMeans for every candidate k; silhouette on the silhouette sample.

    Returns the overall silhouette per k, the fitted models and the per-row
    silhouette values of the sample (reused for the segment silhouettes).
    """
    silhouette_by_k: dict[int, float] = {}
    models: dict[int, KMeans] = {}
    values_by_k: dict[int, np.ndarray] = {}
    for kk in candidates:
        km = KMeans(n_clusters=kk, n_init=10, random_state=random_state)
        km.fit(X[fit_idx])
        models[kk] = km
        sil_labels = km.predict(X[sil_idx])
        if kk < 2 or len(np.unique(sil_labels)) < 2:
            values = np.full(len(sil_idx), np.nan)
        else:
            values = silhouette_samples(X[sil_idx], sil_labels)
        values_by_k[kk] = values
        silhouette_by_k[kk] = float(np.mean(values))
    return silhouette_by_k, models, values_by_k


def segment_customers(
    features: pd.DataFrame,
    k: int | None = None,
    k_range: tuple[int, int] = (3, 8),
    silhouette_sample: int = 20000,
    random_state: int = 42,
    fit_sample: int = 200_000,
    survey_min_coverage: float = 0.2,
    recency_reference_days: float | None = None,
) -> SegmentationResult:
    """Cluster customers with KMeans and label the clusters (see module docstring).

    Parameters
    ----------
    features
        Output of :func:`~customer_lifecycle.features.build_customer_features`
        (needs ``customer_id`` and :data:`BEHAVIOUR_COLUMNS`; survey columns
        are optional).
    k
        Fixed number of segments; if None it is chosen by silhouette over
        ``k_range`` (inclusive ``(k_min, k_max)``).
    silhouette_sample
        Maximum number of customers (fixed-seed sample) used for silhouette.
    random_state
        Seed for the samples and for KMeans.
    fit_sample
        KMeans is fitted on at most this many customers (fixed-seed sample)
        and then predicts everyone.
    survey_min_coverage
        Minimum share of customers with a survey score for that score to be a
        clustering input.
    recency_reference_days
        Ignored (kept for callers of the former recency-gap rule); labels
        are positions in the population, see the module docstring.
    """
    missing = [c for c in ["customer_id", *BEHAVIOUR_COLUMNS] if c not in features]
    if missing:
        raise KeyError(f"features is missing column(s) {missing}")
    feats = features.copy()
    feats["customer_id"] = feats["customer_id"].astype(str)
    if feats["customer_id"].duplicated().any():
        raise ValueError("features must have one row per customer_id")
    feats = feats.sort_values("customer_id", kind="mergesort").reset_index(drop=True)
    n = len(feats)

    if k is not None:
        candidates = [int(k)]
    else:
        k_min, k_max = int(k_range[0]), int(k_range[1])
        if k_min < 2 or k_max < k_min:
            raise ValueError("k_range must be (k_min, k_max) with 2 <= k_min <= k_max")
        candidates = list(range(k_min, k_max + 1))
    if candidates[0] < 1:
        raise ValueError("k must be >= 1")
    if n < max(candidates) + 1:
        raise ValueError(f"need more than {max(candidates)} customers, got {n}")

    raw, model_columns, decisions = _prepare_matrix(feats, survey_min_coverage)
    scaler = StandardScaler()
    X = scaler.fit_transform(raw)
    scaling = _scaling_table(model_columns, decisions, scaler)

    rng = np.random.default_rng(random_state)
    if n > fit_sample:
        fit_idx = np.sort(rng.choice(n, size=fit_sample, replace=False))
    else:
        fit_idx = np.arange(n)
    if n > silhouette_sample:
        sil_idx = np.sort(rng.choice(n, size=silhouette_sample, replace=False))
    else:
        sil_idx = np.arange(n)

    # One BLAS/OpenMP thread whatever runs beside the fit (customer_lifecycle.threads).
    with one_numeric_thread():
        silhouette_by_k, models, sil_values_by_k = _fit_candidates(
            X, fit_idx, sil_idx, candidates, random_state
        )
    if k is not None:
        chosen = int(k)
    else:
        finite = {kk: s for kk, s in silhouette_by_k.items() if np.isfinite(s)}
        if not finite:
            raise ValueError("silhouette could not be computed for any k")
        best = max(finite.values())
        chosen = min(kk for kk, s in finite.items() if s == best)
    km = models[chosen]
    raw_labels = km.predict(X)
    distances = np.linalg.norm(X - km.cluster_centers_[raw_labels], axis=1)

    # ---- centroids in original units and deterministic ids / labels -------
    profile_src = pd.DataFrame({"cluster": raw_labels})
    for col in PROFILE_COLUMNS:
        profile_src[col] = feats[col].astype(float) if col in feats else np.nan
    centroids = profile_src.groupby("cluster").mean()  # NaN-skipping means
    centroids = centroids.reindex(range(chosen))
    centroids["customers"] = np.bincount(raw_labels, minlength=chosen)
    # lexicographic tie-breaks down to the standardised centre coordinates
    center_keys = pd.DataFrame(
        km.cluster_centers_, columns=[f"_c{j}" for j in range(X.shape[1])]
    )
    order_frame = pd.concat([centroids.reset_index(drop=True), center_keys], axis=1)
    order_frame["_neg_revenue"] = -order_frame["revenue"].fillna(-np.inf)
    order_frame["_neg_purchase_days"] = -order_frame["purchase_days"].fillna(-np.inf)
    order = order_frame.sort_values(
        ["_neg_revenue", "recency_days", "_neg_purchase_days", *center_keys.columns],
        kind="mergesort",
    ).index.to_numpy()
    segment_of_cluster = np.empty(chosen, dtype=np.int64)
    segment_of_cluster[order] = np.arange(1, chosen + 1)

    sorted_centroids = centroids.iloc[order].reset_index(drop=True)
    label_columns = [column for _, column, _ in LABEL_DIMENSIONS]
    population = feats[label_columns].astype(float)
    medians = population.groupby(raw_labels).median().reindex(range(chosen)).iloc[order]
    labels, label_positions = _labels_for(medians, population)
    label_of_segment = dict(zip(range(1, chosen + 1), labels))

    segment_id = segment_of_cluster[raw_labels]
    assignments = pd.DataFrame(
        {
            "customer_id": feats["customer_id"].to_numpy(),
            "segment_id": segment_id.astype(np.int64),
            "segment_label": pd.Series(segment_id).map(label_of_segment).to_numpy(),
            "distance_to_centroid": distances.astype(float),
        }
    )

    # ---- profiles -------------------------------------------------------------
    # same model, same sample: the per-row values computed for the choice of k
    # (segment ids are a relabelling of the KMeans labels)
    sil_values = sil_values_by_k[chosen]
    seg_sil = (
        pd.Series(sil_values)
        .groupby(segment_id[sil_idx])
        .mean()
        .reindex(range(1, chosen + 1))
    )
    profiles = pd.DataFrame(
        {
            "segment_id": np.arange(1, chosen + 1, dtype=np.int64),
            "segment_label": labels,
            "customers": sorted_centroids["customers"].to_numpy(dtype=np.int64),
        }
    )
    profiles["share"] = profiles["customers"] / n
    profiles["silhouette"] = silhouette_by_k[chosen]
    profiles["segment_silhouette"] = seg_sil.to_numpy(dtype=float)
    for col in PROFILE_COLUMNS:
        profiles[col] = sorted_centroids[col].to_numpy(dtype=float)

    params = {
        "k": chosen,
        "k_fixed": k is not None,
        "k_range": [int(k_range[0]), int(k_range[1])],
        "silhouette_by_k": {int(kk): s for kk, s in silhouette_by_k.items()},
        "silhouette_sample": len(sil_idx),
        "fit_sample": len(fit_idx),
        "n_customers": int(n),
        "random_state": int(random_state),
        "kmeans": {"n_init": 10, "algorithm": "lloyd"},
        "model_columns": model_columns,
        "log1p_columns": [c for c in model_columns if c in _LOG_COLUMNS],
        "clip_at_zero_columns": [c for c in model_columns if c in _CLIP_AT_ZERO],
        "survey_min_coverage": float(survey_min_coverage),
        "label_rule": "mid-rank population position of the median member; "
        "< 1/3 low, > 2/3 high",
        "label_positions": {
            str(label): {k: round(float(v), 6) for k, v in row.items()}
            for label, row in zip(labels, label_positions.to_dict("records"))
        },
        "inertia": float(km.inertia_),
        **decisions,
    }
    centroids = pd.DataFrame(
        {
            "segment_id": np.repeat(np.arange(1, chosen + 1), len(model_columns)),
            "feature": np.tile(model_columns, chosen),
            "center": km.cluster_centers_[order].ravel().astype(float),
        }
    )
    return SegmentationResult(
        assignments=assignments,
        profiles=profiles,
        k=chosen,
        centroids=centroids,
        scaling=scaling,
        silhouette_by_k=silhouette_by_k,
        params=params,
    )
