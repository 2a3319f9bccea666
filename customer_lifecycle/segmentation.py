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
* Labels (:func:`customer_lifecycle.segment_labels.segment_labels`) name each
  segment by the columns where its centroid (the members' mean in the
  standardised model space, where the population's mean is 0) deviates most
  from the population, a word for each by the side it stands on ("recent" /
  "lapsed", "occasional" / "frequent", "low spend" / "high spend", ...), with
  more columns only where two segments would otherwise share a name: labels are
  distinct and agree with the centroid's position. No lifecycle-stage word is
  used (issue 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples
from sklearn.preprocessing import StandardScaler

from customer_lifecycle.segment_labels import segment_labels
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


def _sorted_features(features: pd.DataFrame) -> pd.DataFrame:
    """One row per customer, sorted by customer_id; errors name what is wrong."""
    missing = [c for c in ["customer_id", *BEHAVIOUR_COLUMNS] if c not in features]
    if missing:
        raise KeyError(f"features is missing column(s) {missing}")
    feats = features.copy()
    feats["customer_id"] = feats["customer_id"].astype(str)
    if feats["customer_id"].duplicated().any():
        raise ValueError("features must have one row per customer_id")
    return feats.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def _candidate_ks(k: int | None, k_range: tuple[int, int], n: int) -> list[int]:
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
    return candidates


def _samples(
    n: int, fit_sample: int, silhouette_sample: int, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-seed row samples for the KMeans fit and for the silhouette."""
    rng = np.random.default_rng(random_state)
    fit_idx = (
        np.sort(rng.choice(n, size=fit_sample, replace=False))
        if n > fit_sample
        else np.arange(n)
    )
    sil_idx = (
        np.sort(rng.choice(n, size=silhouette_sample, replace=False))
        if n > silhouette_sample
        else np.arange(n)
    )
    return fit_idx, sil_idx


def _best_k(silhouette_by_k: dict[int, float]) -> int:
    """The k with the highest finite silhouette (ties: the smaller k)."""
    finite = {kk: s for kk, s in silhouette_by_k.items() if np.isfinite(s)}
    if not finite:
        raise ValueError("silhouette could not be computed for any k")
    best = max(finite.values())
    return min(kk for kk, s in finite.items() if s == best)


def _segment_order(
    feats: pd.DataFrame, raw_labels: np.ndarray, km: KMeans, chosen: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Centroids in original units per KMeans cluster and the cluster order.

    ``order[i]`` is the cluster that becomes segment ``i + 1``: centroid
    revenue descending, ties recency ascending, purchase days descending, then
    the standardised centre coordinates.
    """
    profile_src = pd.DataFrame({"cluster": raw_labels})
    for col in PROFILE_COLUMNS:
        profile_src[col] = feats[col].astype(float) if col in feats else np.nan
    centroids = profile_src.groupby("cluster").mean().reindex(range(chosen))
    centroids["customers"] = np.bincount(raw_labels, minlength=chosen)
    center_keys = pd.DataFrame(
        km.cluster_centers_,
        columns=[f"center_{j}" for j in range(km.cluster_centers_.shape[1])],
    )
    keys = pd.concat([centroids.reset_index(drop=True), center_keys], axis=1)
    keys["negative_revenue"] = -keys["revenue"].fillna(-np.inf)
    keys["negative_purchase_days"] = -keys["purchase_days"].fillna(-np.inf)
    order = keys.sort_values(
        ["negative_revenue", "recency_days", "negative_purchase_days"]
        + list(center_keys.columns),
        kind="mergesort",
    ).index.to_numpy()
    return centroids, order


def _profiles(
    segment_id: np.ndarray,
    labels: list[str],
    sorted_centroids: pd.DataFrame,
    silhouettes: tuple[float, np.ndarray, np.ndarray],
) -> pd.DataFrame:
    """One row per segment: label, size, share, silhouettes, original-unit means."""
    chosen = len(labels)
    overall, sil_values, sil_idx = silhouettes
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
    profiles["share"] = profiles["customers"] / len(segment_id)
    profiles["silhouette"] = overall
    profiles["segment_silhouette"] = seg_sil.to_numpy(dtype=float)
    for col in PROFILE_COLUMNS:
        profiles[col] = sorted_centroids[col].to_numpy(dtype=float)
    return profiles


def _run_params(
    run: dict,
    model_columns: list[str],
    labels: list[str],
    standardised: pd.DataFrame,
    decisions: dict,
) -> dict:
    """The run log: settings, data-driven choices and the label evidence."""
    return {
        **run,
        "kmeans": {"n_init": 10, "algorithm": "lloyd"},
        "model_columns": model_columns,
        "log1p_columns": [c for c in model_columns if c in _LOG_COLUMNS],
        "clip_at_zero_columns": [c for c in model_columns if c in _CLIP_AT_ZERO],
        "label_rule": "columns where the members' standardised mean deviates most "
        "from the population (0), a word by its sign; more columns only to tell "
        "segments apart",
        "label_centroids": {
            label: {c: round(float(v), 6) for c, v in row.items()}
            for label, row in zip(labels, standardised.to_dict("records"), strict=True)
        },
        **decisions,
    }


def segment_customers(
    features: pd.DataFrame,
    k: int | None = None,
    k_range: tuple[int, int] = (3, 8),
    silhouette_sample: int = 20000,
    random_state: int = 42,
    fit_sample: int = 200_000,
    survey_min_coverage: float = 0.2,
) -> SegmentationResult:
    """Cluster customers with KMeans and label the clusters (see module docstring).

    ``features`` needs ``customer_id`` and :data:`BEHAVIOUR_COLUMNS` (survey
    columns optional). ``k`` fixes the number of segments; if None it is chosen
    by silhouette over ``k_range`` (inclusive). ``silhouette_sample`` and
    ``fit_sample`` cap the fixed-seed samples for the silhouette and for the
    KMeans fit (which then predicts everyone); ``random_state`` seeds them and
    KMeans; ``survey_min_coverage`` is the share of customers with a survey
    score needed for that score to be a clustering input.
    """
    feats = _sorted_features(features)
    n = len(feats)
    candidates = _candidate_ks(k, k_range, n)
    raw, model_columns, decisions = _prepare_matrix(feats, survey_min_coverage)
    scaler = StandardScaler()
    X = scaler.fit_transform(raw)
    fit_idx, sil_idx = _samples(n, fit_sample, silhouette_sample, random_state)
    # One BLAS/OpenMP thread whatever runs beside the fit (customer_lifecycle.threads).
    with one_numeric_thread():
        silhouette_by_k, models, sil_values_by_k = _fit_candidates(
            X, fit_idx, sil_idx, candidates, random_state
        )
    chosen = int(k) if k is not None else _best_k(silhouette_by_k)
    km = models[chosen]
    raw_labels = km.predict(X)
    centroids, order = _segment_order(feats, raw_labels, km, chosen)
    segment_of_cluster = np.empty(chosen, dtype=np.int64)
    segment_of_cluster[order] = np.arange(1, chosen + 1)
    segment_id = segment_of_cluster[raw_labels]
    # members' means in the standardised space: the population stands at 0
    standardised = (
        pd.DataFrame(X, columns=model_columns)
        .groupby(segment_id)
        .mean()
        .reindex(range(1, chosen + 1))
    )
    labels = segment_labels(standardised)
    assignments = pd.DataFrame(
        {
            "customer_id": feats["customer_id"].to_numpy(),
            "segment_id": segment_id.astype(np.int64),
            "segment_label": np.asarray(labels, dtype=object)[segment_id - 1],
            "distance_to_centroid": np.linalg.norm(
                X - km.cluster_centers_[raw_labels], axis=1
            ).astype(float),
        }
    )
    silhouettes = (silhouette_by_k[chosen], sil_values_by_k[chosen], sil_idx)
    sorted_centroids = centroids.iloc[order].reset_index(drop=True)
    run = {
        "k": chosen,
        "k_fixed": k is not None,
        "k_range": [int(k_range[0]), int(k_range[1])],
        "silhouette_by_k": {int(kk): s for kk, s in silhouette_by_k.items()},
        "silhouette_sample": len(sil_idx),
        "fit_sample": len(fit_idx),
        "n_customers": int(n),
        "random_state": int(random_state),
        "survey_min_coverage": float(survey_min_coverage),
        "inertia": float(km.inertia_),
    }
    params = _run_params(run, model_columns, labels, standardised, decisions)
    return SegmentationResult(
        assignments=assignments,
        profiles=_profiles(segment_id, labels, sorted_centroids, silhouettes),
        k=chosen,
        centroids=pd.DataFrame(
            {
                "segment_id": np.repeat(np.arange(1, chosen + 1), len(model_columns)),
                "feature": np.tile(model_columns, chosen),
                "center": km.cluster_centers_[order].ravel().astype(float),
            }
        ),
        scaling=_scaling_table(model_columns, decisions, scaler),
        silhouette_by_k=silhouette_by_k,
        params=params,
    )
