"""Tests of customer_lifecycle.segmentation.segment_customers.

Synthetic features with three well-separated, known groups:

* "vip": big, frequent, recent spenders;
* "mid": moderate spenders bought 1-3 months ago;
* "lost": small one-time buyers who bought about a year ago.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from sklearn.metrics import adjusted_rand_score

from customer_lifecycle.segmentation import (
    PROFILE_COLUMNS,
    _labels_for,
    segment_customers,
)


def _group(rng, name, n, recency, frequency, aov, tenure):
    freq = rng.integers(*frequency, size=n)
    aov_values = rng.uniform(*aov, size=n)
    rec = rng.uniform(*recency, size=n).round()
    ten = np.maximum(rng.uniform(*tenure, size=n).round(), rec)
    ipt = np.where(freq > 1, (ten - rec) / np.maximum(freq - 1, 1), np.nan)
    return pd.DataFrame(
        {
            "group": name,
            "recency_days": rec.astype(int),
            "frequency": freq,
            "monetary": freq * aov_values,
            "tenure_days": ten.astype(int),
            "avg_order_value": aov_values,
            "mean_interpurchase_days": ipt,
        }
    )


def synthetic_features(seed: int = 0, sizes=(250, 350, 400)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = [
        _group(rng, "vip", sizes[0], (0, 12), (25, 40), (150, 220), (600, 700)),
        _group(rng, "mid", sizes[1], (40, 80), (5, 9), (50, 70), (250, 350)),
        _group(rng, "lost", sizes[2], (330, 420), (1, 2), (15, 25), (380, 450)),
    ]
    df = pd.concat(parts, ignore_index=True)
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    df.insert(0, "customer_id", [f"K{i:05d}" for i in range(len(df))])
    df["latest_nps"] = np.nan
    df["latest_csat"] = np.nan
    return df


@pytest.fixture(scope="module")
def data():
    return synthetic_features()


@pytest.fixture(scope="module")
def result(data):
    return segment_customers(data.drop(columns="group"))


def test_k_chosen_by_silhouette_is_three(result):
    assert result.k == 3
    assert set(result.silhouette_by_k) == set(range(3, 9))
    assert max(result.silhouette_by_k, key=result.silhouette_by_k.get) == 3
    assert result.silhouette_by_k[3] > 0.5


def test_assignment_recovers_groups(data, result):
    merged = data.merge(result.assignments, on="customer_id", validate="one_to_one")
    assert len(merged) == len(data)
    assert adjusted_rand_score(merged["group"], merged["segment_id"]) > 0.9


def test_labels_and_ids_are_meaningful(data, result):
    merged = data.merge(result.assignments, on="customer_id")
    majority = merged.groupby("group")["segment_label"].agg(lambda s: s.mode()[0])
    majority_id = merged.groupby("group")["segment_id"].agg(lambda s: s.mode()[0])
    assert "high-value" in majority["vip"] and "recent" in majority["vip"]
    assert "low-value" in majority["lost"] and "lapsed" in majority["lost"]
    assert "mid-value" in majority["mid"]
    # ids ordered by centroid monetary descending: vip=1, mid=2, lost=3
    assert majority_id.to_dict() == {"vip": 1, "mid": 2, "lost": 3}
    assert result.profiles["monetary"].is_monotonic_decreasing
    assert result.profiles["segment_label"].is_unique


def test_profiles(data, result):
    prof = result.profiles
    assert list(prof["segment_id"]) == [1, 2, 3]
    assert prof["share"].sum() == pytest.approx(1.0)
    assert prof["customers"].sum() == len(data)
    assert (prof["silhouette"] == result.silhouette_by_k[3]).all()
    assert prof["segment_silhouette"].between(-1, 1).all()
    for col in PROFILE_COLUMNS:
        assert col in prof.columns
    # centroids are in original units: the vip segment's mean recency/monetary
    # equal the plain means of its members.
    members = data.merge(result.assignments, on="customer_id").query("segment_id == 1")
    assert prof.loc[0, "monetary"] == pytest.approx(members["monetary"].mean())
    assert prof.loc[0, "recency_days"] == pytest.approx(members["recency_days"].mean())
    a = result.assignments
    assert list(a.columns) == [
        "customer_id",
        "segment_id",
        "segment_label",
        "distance_to_centroid",
    ]
    assert (a["distance_to_centroid"] >= 0).all()
    # standardised space: typical distances are O(1), not O(monetary)
    assert a["distance_to_centroid"].median() < 3


def test_deterministic_and_row_order_independent(data, result):
    again = segment_customers(data.drop(columns="group"))
    pdt.assert_frame_equal(result.assignments, again.assignments, check_exact=True)
    pdt.assert_frame_equal(result.profiles, again.profiles, check_exact=True)
    assert result.silhouette_by_k == again.silhouette_by_k

    shuffled = data.drop(columns="group").sample(frac=1.0, random_state=99)
    res_shuffled = segment_customers(shuffled)
    pdt.assert_frame_equal(
        result.assignments, res_shuffled.assignments, check_exact=True
    )
    pdt.assert_frame_equal(result.profiles, res_shuffled.profiles, check_exact=True)


def test_fixed_k_is_respected(data):
    res = segment_customers(data.drop(columns="group"), k=5)
    assert res.k == 5
    assert list(res.silhouette_by_k) == [5]
    assert sorted(res.assignments["segment_id"].unique()) == [1, 2, 3, 4, 5]
    assert len(res.profiles) == 5
    assert res.profiles["share"].sum() == pytest.approx(1.0)
    assert res.profiles["segment_label"].is_unique


def test_fit_on_a_sample_still_assigns_everyone(data):
    res = segment_customers(
        data.drop(columns="group"), fit_sample=300, silhouette_sample=400
    )
    assert len(res.assignments) == len(data)
    assert res.params["fit_sample"] == 300
    assert res.params["silhouette_sample"] == 400
    merged = data.merge(res.assignments, on="customer_id")
    assert adjusted_rand_score(merged["group"], merged["segment_id"]) > 0.9


def test_survey_scores_used_only_with_enough_coverage(data):
    feats = data.drop(columns="group").copy()
    rng = np.random.default_rng(1)
    n = len(feats)
    nps = rng.integers(0, 11, n).astype(float)
    feats["latest_nps"] = np.where(np.arange(n) % 10 == 0, nps, np.nan)  # 10 %
    feats["latest_csat"] = np.where(np.arange(n) % 2 == 0, nps % 5 + 1, np.nan)  # 50%
    res = segment_customers(feats, k=3)
    assert "latest_csat" in res.params["model_columns"]
    assert "latest_nps" not in res.params["model_columns"]
    assert res.params["imputation"]["latest_csat"]["n_median"] == n // 2
    # still profiled in original units
    assert res.profiles["latest_nps"].notna().all()


def test_duplicate_labels_are_disambiguated():
    centroids = pd.DataFrame(
        {
            "monetary": [500.0, 400.0, 300.0, 200.0, 100.0, 50.0],
            "recency_days": [10.0, 10.0, 10.0, 10.0, 500.0, 500.0],
            "frequency": [3.0, 9.0, 4.0, 4.0, 2.0, 1.0],
        }
    )
    labels = _labels_for(centroids, reference=30.0)
    assert labels == [
        "high-value recent (occasional)",
        "high-value recent (frequent)",
        "mid-value recent 1",
        "mid-value recent 2",
        "low-value lapsed (frequent)",
        "low-value lapsed (occasional)",
    ]


def test_too_few_customers_raises(data):
    with pytest.raises(ValueError):
        segment_customers(data.drop(columns="group").head(5), k_range=(3, 8))
