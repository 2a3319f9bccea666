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

from customer_lifecycle.segment_labels import LABEL_WORDS, segment_labels
from customer_lifecycle.segmentation import PROFILE_COLUMNS, segment_customers


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
            "purchase_days": freq,
            "revenue": freq * aov_values,
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
    # each group is one segment, named by its own centroid (words checked
    # against the members in test_labels_are_distinct_and_agree_with_centroids)
    assert majority.nunique() == 3
    # ids ordered by centroid revenue descending: vip=1, mid=2, lost=3
    assert majority_id.to_dict() == {"vip": 1, "mid": 2, "lost": 3}
    assert result.profiles["revenue"].is_monotonic_decreasing
    assert result.profiles["segment_label"].is_unique


def test_profiles(data, result):
    prof = result.profiles
    assert list(prof["segment_id"]) == [1, 2, 3]
    # sizes of the known groups (ARI > 0.9 above; here exact: groups are
    # far apart), not a sum that is true by construction
    assert list(prof["customers"]) == [250, 350, 400]
    assert list(prof["share"]) == pytest.approx([0.25, 0.35, 0.40])
    assert prof["segment_silhouette"].between(-1, 1).all()
    for col in PROFILE_COLUMNS:
        assert col in prof.columns
    # centroids are in original units: the vip segment's mean recency/revenue
    # equal the plain means of its members.
    members = data.merge(result.assignments, on="customer_id").query("segment_id == 1")
    assert prof.loc[0, "revenue"] == pytest.approx(members["revenue"].mean())
    assert prof.loc[0, "recency_days"] == pytest.approx(members["recency_days"].mean())
    a = result.assignments
    assert list(a.columns) == [
        "customer_id",
        "segment_id",
        "segment_label",
        "distance_to_centroid",
    ]
    assert (a["distance_to_centroid"] >= 0).all()
    # standardised space: typical distances are O(1), not O(revenue)
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


def test_labels_use_no_lifecycle_stage_word(result):
    stage_words = {
        "prospect",
        "new",
        "active",
        "growing",
        "at_risk",
        "at risk",
        "churned",
        "reactivated",
        "lost",
        "lapsing",
        "dormant",
    }
    words = {
        w
        for low, high, noun in LABEL_WORDS.values()
        for phrase in (low, high, noun)
        for w in [phrase, *phrase.split()]
    }
    assert not words & stage_words
    for label in result.profiles["segment_label"]:
        assert not set(label.replace(",", "").split()) & stage_words


def test_labels_stable_when_rows_are_shuffled(data, result):
    for seed in (1, 2, 3):
        shuffled = data.drop(columns="group").sample(frac=1.0, random_state=seed)
        res = segment_customers(shuffled)
        assert list(res.profiles["segment_label"]) == list(
            result.profiles["segment_label"]
        )


def test_too_few_customers_raises(data):
    with pytest.raises(ValueError, match="need more than 8 customers, got 5"):
        segment_customers(data.drop(columns="group").head(5), k_range=(3, 8))


def test_centroid_and_scaling_tables_reproduce_the_assignment(data, result):
    """The nearest centroid computed from the published tables alone (what
    int_customer_segments does in SQL, written here in numpy) gives every
    customer the segment and distance KMeans gave."""
    scaling = result.scaling.set_index("feature")
    features = data.set_index("customer_id").loc[result.assignments["customer_id"]]
    columns = list(scaling.index)
    standardised = {}
    for column in columns:
        values = features[column].astype(float)
        if column == "mean_interpurchase_days":
            values = values.fillna(features["tenure_days"].astype(float))
        values = values.fillna(scaling.loc[column, "impute_value"])
        if scaling.loc[column, "is_log1p"]:
            values = np.log1p(values.clip(lower=0))
        standardised[column] = (values - scaling.loc[column, "mean"]) / scaling.loc[
            column, "scale"
        ]
    z = pd.DataFrame(standardised)[columns].to_numpy()
    centers = (
        result.centroids.pivot(index="segment_id", columns="feature", values="center")
        .loc[:, columns]
        .to_numpy()
    )
    squared = ((z[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(
        squared.argmin(axis=1) + 1, result.assignments["segment_id"].to_numpy()
    )
    np.testing.assert_allclose(
        np.sqrt(squared.min(axis=1)),
        result.assignments["distance_to_centroid"].to_numpy(),
        rtol=1e-9,
    )


def test_segment_labels_by_hand():
    """Standardised centroids made up so that every step of the rule is used;
    labels worked out by hand from the rule (segment_labels module docstring)."""
    rows = {
        # ranked: recent 1.0, frequent .9, high spend .8, short gaps .5,
        # long tenure .2; shares {recent, frequent} with B, and "short gaps" is
        # its first phrase B does not have at all
        "A": (-1.0, 0.9, 0.8, 0.0, 0.2, -0.5),
        # ranked: frequent, recent, short tenure, high spend, long gaps (order
        # value .05 is inside the band): adds "short tenure", absent from A
        "B": (-0.9, 1.0, 0.3, 0.05, -0.4, 0.2),
        # C and E: lapsed, low spend, occasional both; same signs everywhere,
        # they differ most on recency (1.2 vs 0.5): C is the highest
        "C": (1.2, -0.6, -0.7, 0.0, 0.0, 0.0),
        "D": (1.0, -0.5, -0.3, 0.0, 0.0, 0.0),  # lapsed, occasional
        "E": (0.5, -0.2, -0.4, 0.0, 0.0, 0.0),
        "F": (0.0, 0.05, -0.05, 0.0, 0.0, 0.0),  # nothing past the band
        # |0.5| twice: purchase days comes before revenue in LABEL_WORDS
        "G": (0.0, 0.5, -0.5, 0.0, 0.0, 0.0),
    }
    columns = [
        "recency_days",
        "purchase_days",
        "revenue",
        "avg_order_value",
        "tenure_days",
        "mean_interpurchase_days",
    ]
    centroids = pd.DataFrame(list(rows.values()), columns=columns)
    assert segment_labels(centroids) == [
        "recent, frequent, short gaps",
        "frequent, recent, short tenure",
        "lapsed, low spend, occasional, the highest days since the last purchase",
        "lapsed, occasional",
        "lapsed, low spend, occasional",
        "close to the population average",
        "frequent, low spend",
    ]


def _side_of_population(data: pd.DataFrame, segment_id: pd.Series) -> pd.DataFrame:
    """Per segment and label column: +1 / -1 when the members' mean of the
    model transform (log1p of the value clipped at 0; one-time buyers' gap =
    their tenure) lies above / below the mean of every customer."""
    values = data.copy()
    values["mean_interpurchase_days"] = values["mean_interpurchase_days"].fillna(
        values["tenure_days"]
    )
    columns = [c for c in LABEL_WORDS if c in values and values[c].notna().any()]
    logged = np.log1p(values[columns].astype(float).clip(lower=0))
    difference = logged.groupby(segment_id.to_numpy()).mean() - logged.mean()
    return np.sign(difference)


@pytest.mark.parametrize("k", [None, 5, 8])
def test_labels_are_distinct_and_agree_with_centroids(data, k):
    """Every label is different, and every phrase in it (e.g. "high spend")
    names the side of the population the segment's members stand on, computed
    here from the raw features."""
    features = data.drop(columns="group")
    res = segment_customers(features, k=k)
    labels = res.profiles.set_index("segment_id")["segment_label"]
    assert labels.is_unique
    phrase_side = {
        phrase: (column, side)
        for column, (low, high, _) in LABEL_WORDS.items()
        for phrase, side in ((low, -1.0), (high, 1.0))
    }
    merged = features.merge(res.assignments, on="customer_id")
    sides = _side_of_population(merged, merged["segment_id"])
    checked = 0
    for segment, label in labels.items():
        for phrase in label.split(", "):
            if phrase in phrase_side:
                column, side = phrase_side[phrase]
                assert sides.loc[segment, column] == side, (label, phrase)
                checked += 1
    assert checked >= 2 * len(labels)
