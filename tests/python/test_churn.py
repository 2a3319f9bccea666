"""Tests of customer_lifecycle.churn.

Hand-made examples pin the label definition and the metric helpers; a
simulator run (3,000 customers, known generative truth) checks that the
models learn something, that the reported metrics are what sklearn computes
on the returned holdout predictions, and that the pipeline is deterministic
and blind to data after ``as_of`` and to row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from scipy import integrate, stats
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from customer_lifecycle import btyd, churn

AS_OF = pd.Timestamp("2024-09-30")  # the simulation runs to 2024-12-31
WINDOW = 90


def _clean(tables):
    o = tables["orders"].copy()
    o = o[o["customer_id"].notna()]
    o["ordered_at"] = pd.to_datetime(
        o["ordered_at"], errors="coerce", format="%Y-%m-%d %H:%M:%S"
    )
    o["amount"] = pd.to_numeric(o["amount"], errors="coerce")
    o = o.dropna(subset=["ordered_at", "amount"]).drop_duplicates()
    o = o[o["is_refund"] | (o["amount"] >= 0)]  # negative non-refund = dirty
    o = o.drop_duplicates("order_id", keep="first")
    o = o.astype({"customer_id": object, "order_id": object}).reset_index(drop=True)
    s = tables["survey_responses"].copy()
    s = s[s["customer_id"].notna()]
    s["responded_at"] = pd.to_datetime(s["responded_at"], errors="coerce")
    s = s.dropna(subset=["responded_at"])
    in_scale = ((s["survey_type"] == "nps") & s["score"].between(0, 10)) | (
        (s["survey_type"] == "csat") & s["score"].between(1, 5)
    )
    s = s[in_scale].astype(
        {"customer_id": object, "response_id": object, "survey_type": object}
    )
    truth = tables["customer_truth"].astype({"customer_id": object})
    return o, s.reset_index(drop=True), truth


@pytest.fixture(scope="module")
def sim():
    from customer_lifecycle.simulate import simulate

    return _clean(simulate(3000, seed=42))


@pytest.fixture(scope="module")
def result(sim):
    orders, surveys, _ = sim
    return churn.train_and_score(orders, AS_OF, window_days=WINDOW, surveys=surveys)


# --------------------------------------------------------------------------- #
# hand-made examples
# --------------------------------------------------------------------------- #
def test_labels_hand_example():
    rows = [
        ("P", "2024-06-30 23:00:00", False),  # on the cutoff day: not in window
        ("Q", "2024-07-01 00:00:01", False),  # first second of the window
        ("R", "2024-09-28 23:59:59", False),  # last second of as_of day
        ("S", "2024-09-29 00:00:00", False),  # the day after as_of
        ("T", "2024-08-01 12:00:00", True),  # only a refund in the window
        ("V", "2024-05-01 12:00:00", False),  # nothing after the cutoff
    ]
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "is_refund"])
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"])
    orders["amount"] = np.where(orders["is_refund"], -10.0, 10.0)
    ids = ["P", "Q", "R", "S", "T", "V"]
    labels = churn.churn_labels(orders, ids, "2024-06-30", "2024-09-28")
    assert labels.to_dict() == {"P": 1, "Q": 0, "R": 0, "S": 1, "T": 1, "V": 1}


def test_top_decile_lift_by_hand():
    # 20 rows, distinct scores: the top decile is the 2 highest scores, of
    # which 1 churned -> rate 0.5; overall 5/20 = 0.25 -> lift 2.0.
    score = np.arange(20, 0, -1, dtype=float)
    y = np.array([1, 0, 1, 1, 0, 0, 1, 1] + [0] * 12)
    assert churn.top_decile_lift(y, score) == pytest.approx(2.0)
    # reversing the row order changes nothing
    assert churn.top_decile_lift(y[::-1], score[::-1]) == pytest.approx(2.0)
    # ties at the boundary: 10 rows -> 1 slot, two rows tied at the top score
    # (one churner, one not) -> expected top rate 0.5; overall 2/10 -> 2.5.
    score = np.array([5, 5, 3, 2, 2, 1, 1, 0, 0, 0], dtype=float)
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    assert churn.top_decile_lift(y, score) == pytest.approx(2.5)
    assert np.isnan(churn.top_decile_lift(np.zeros(5), np.arange(5.0)))


def test_calibration_table_by_hand():
    p = np.arange(1, 21) / 20.0  # 0.05 .. 1.00
    y = np.array([0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1])
    shuffle = np.random.default_rng(0).permutation(20)
    table = churn.calibration_table(y[shuffle], p[shuffle])
    assert list(table["bin"]) == list(range(1, 11))
    assert list(table["n"]) == [2] * 10
    assert table.loc[0, "mean_predicted"] == pytest.approx(0.075)
    assert table.loc[1, "observed_rate"] == pytest.approx(0.5)  # rows 3, 4
    assert table.loc[9, "mean_predicted"] == pytest.approx(0.975)
    assert table.loc[9, "observed_rate"] == pytest.approx(1.0)


def test_metric_helper_matches_definitions():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.8, 0.6, 0.7, 0.9])
    m = churn.classification_metrics(y, s, s)
    # AUC by hand: positive/negative pairs (6), correctly ordered: 0.8>0.1,
    # 0.8>0.7, 0.6>0.1, 0.6<0.7, 0.9>0.1, 0.9>0.7 -> 5/6
    assert m["roc_auc"] == pytest.approx(5 / 6)
    brier = ((0.1) ** 2 + 0.2**2 + 0.4**2 + 0.7**2 + 0.1**2) / 5
    assert m["brier"] == pytest.approx(brier)
    assert m["positive_rate"] == pytest.approx(0.6)
    assert m["n_rows"] == 5


def test_evaluate_against_truth_by_hand():
    scores = pd.DataFrame(
        {"customer_id": ["a", "b", "c", "d"], "churn_probability": [0.9, 0.2, 0.6, 0.1]}
    )
    truth = pd.DataFrame(
        {
            "customer_id": ["d", "c", "b", "a", "z"],
            "is_alive_at_end": [True, False, True, False, True],
        }
    )
    m = churn.evaluate_against_truth(scores, truth)
    assert m["roc_auc"] == pytest.approx(1.0)
    assert m["positive_rate"] == pytest.approx(0.5)
    assert m["n_rows"] == 4


def test_holdout_mask_is_stable_and_order_free():
    ids = np.array([f"C{i:06d}" for i in range(20000)])
    mask = churn.holdout_mask(ids, 0.3, 42)
    assert abs(mask.mean() - 0.3) < 0.015
    rev = churn.holdout_mask(ids[::-1], 0.3, 42)
    np.testing.assert_array_equal(mask, rev[::-1])
    other = churn.holdout_mask(ids, 0.3, 7)
    assert (mask != other).mean() > 0.2  # the salt matters
    bigger = churn.holdout_mask(ids, 0.5, 42)
    assert not (mask & ~bigger).any()  # nested: 30% holdout within 50% holdout


def test_bgnbd_probability_of_no_purchase_matches_integral():
    # P(no purchase in h | alive) = E[exp(-lambda h)], lambda ~ Gamma(r+x, alpha+T)
    params = btyd.BgNbdParams(r=0.8, alpha=5.0, a=0.9, b=3.0)
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c", "c"],
            "ordered_at": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-02-01",
                    "2024-05-01",
                    "2024-03-01",
                    "2023-06-01",
                    "2023-07-01",
                ]
            ),
            "amount": 10.0,
            "is_refund": False,
        }
    )
    summary = btyd.summarize_purchases(orders, "2024-06-30")
    h = 90 / 7
    x, tx, t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    # P(alive | x, t_x, T) written out from Fader, Hardie & Lee (2005), eq. (13),
    # not through btyd.bgnbd_p_alive (which bgnbd_features calls)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    odds_dead = np.where(
        x > 0,
        a / (b + np.maximum(x, 1) - 1) * ((alpha + t) / (alpha + tx)) ** (r + x),
        0.0,
    )
    p_alive = 1.0 / (1.0 + odds_dead)
    expected = []
    for xi, ti, pa in zip(x, t, p_alive, strict=True):
        pdf = stats.gamma(a=params.r + xi, scale=1.0 / (params.alpha + ti)).pdf
        p0_alive, _ = integrate.quad(
            lambda lam, pdf=pdf: np.exp(-lam * h) * pdf(lam), 0, np.inf
        )
        expected.append(1 - pa + pa * p0_alive)

    class _Fit:
        def __init__(self):
            self.params = {"r": 0.8, "alpha": 5.0, "a": 0.9, "b": 3.0}
            self.converged = True
            self.log_likelihood = 0.0
            self.n_customers = 3

    orig = btyd.fit_bgnbd
    btyd.fit_bgnbd = lambda *a, **k: _Fit()
    try:
        frame, _ = churn.bgnbd_features(orders, "2024-06-30", 90, "week")
    finally:
        btyd.fit_bgnbd = orig
    np.testing.assert_allclose(frame["bgnbd_p_no_purchase"], expected, rtol=1e-6)
    np.testing.assert_allclose(frame["bgnbd_p_alive"], p_alive)


# --------------------------------------------------------------------------- #
# simulator run
# --------------------------------------------------------------------------- #
def test_result_structure(sim, result):
    orders, _, _ = sim
    cutoff = AS_OF - pd.Timedelta(days=WINDOW)
    purchases = orders[~orders["is_refund"]]
    day = purchases["ordered_at"].dt.normalize()
    buyers_cutoff = set(purchases.loc[day <= cutoff, "customer_id"])
    buyers_as_of = set(purchases.loc[day <= AS_OF, "customer_id"])

    assert result.cutoff == cutoff
    assert result.training_rows + result.holdout_rows == len(buyers_cutoff)
    assert abs(result.holdout_rows / len(buyers_cutoff) - 0.3) < 0.05
    assert result.model_version == f"churn-{result.selected_model}-v1"
    assert result.selected_model in churn.CANDIDATE_NAMES
    assert result.params["bgnbd"]["used"] is True
    assert {"bgnbd_p_alive", "bgnbd_expected_purchases"} <= set(result.features)

    s = result.scores
    assert list(s.columns) == ["customer_id", "churn_probability", "risk_decile"]
    assert set(s["customer_id"]) == buyers_as_of
    assert s["churn_probability"].between(0, 1).all()
    sizes = s["risk_decile"].value_counts().sort_index()
    assert list(sizes.index) == list(range(1, 11))
    assert sizes.max() - sizes.min() <= 1
    # the decile of each customer from its 0-based position in the sort by
    # (probability, customer_id), computed here with pandas (doc block
    # churn_model): floor(10 * pos / n) + 1
    ranked = s.sort_values(["churn_probability", "customer_id"]).reset_index()
    position = np.arange(len(ranked))
    expected_decile = 10 * position // len(ranked) + 1
    np.testing.assert_array_equal(
        s.loc[ranked["index"], "risk_decile"].to_numpy(), expected_decile
    )

    ev = result.evaluations
    assert list(ev.columns) == [
        "model_name",
        "is_baseline",
        "is_selected",
        "metric",
        "value",
    ]
    assert set(ev["model_name"]) == set(churn.CANDIDATE_NAMES) | set(
        churn.BASELINE_NAMES
    )
    assert set(ev.loc[ev["is_selected"], "model_name"]) == {result.selected_model}
    assert set(ev.loc[ev["is_baseline"], "model_name"]) == set(churn.BASELINE_NAMES)
    for metric in [
        "roc_auc",
        "pr_auc",
        "brier",
        "top_decile_lift",
        "positive_rate",
        "n_rows",
    ]:
        assert metric in set(
            ev.loc[ev["model_name"] == result.selected_model, "metric"]
        )

    cal = result.calibration
    assert set(cal["model_name"]) == set(churn.CANDIDATE_NAMES) | {
        "bgnbd_expected_purchases"
    }
    for _, table in cal.groupby("model_name"):
        assert list(table["bin"]) == list(range(1, 11))
        assert table["n"].sum() == result.holdout_rows
        assert table["mean_predicted"].is_monotonic_increasing


def test_holdout_labels_are_correct(sim, result):
    """Recompute the label of every holdout customer from the raw orders."""
    orders, _, _ = sim
    cutoff = AS_OF - pd.Timedelta(days=WINDOW)
    day = orders["ordered_at"].dt.normalize()
    bought_in_window = set(
        orders.loc[
            (~orders["is_refund"]) & (day > cutoff) & (day <= AS_OF), "customer_id"
        ]
    )
    hp = result.holdout_predictions
    one_model = hp[hp["model_name"] == "recency"]
    assert len(one_model) == result.holdout_rows
    expected = (~one_model["customer_id"].isin(bought_in_window)).astype(int)
    np.testing.assert_array_equal(one_model["label"].to_numpy(), expected.to_numpy())
    assert 0.2 < expected.mean() < 0.95


def test_reported_metrics_match_sklearn(result):
    ev = result.evaluations.set_index(["model_name", "metric"])["value"]
    hp = result.holdout_predictions
    for name, grp in hp.groupby("model_name"):
        y, score, prob = grp["label"], grp["score"], grp["probability"]
        assert ev[(name, "roc_auc")] == pytest.approx(
            roc_auc_score(y, score), abs=1e-12
        )
        assert ev[(name, "pr_auc")] == pytest.approx(
            average_precision_score(y, score), abs=1e-12
        )
        assert ev[(name, "positive_rate")] == pytest.approx(y.mean())
        assert ev[(name, "n_rows")] == len(grp)
        if prob.notna().all():
            assert ev[(name, "brier")] == pytest.approx(
                brier_score_loss(y, prob), abs=1e-12
            )
        else:
            assert (name, "brier") not in ev.index
    # the models' score is their probability; bgnbd's ranking score is -E[X]
    models = hp[hp["model_name"].isin(churn.CANDIDATE_NAMES)]
    np.testing.assert_array_equal(models["score"], models["probability"])


def test_metrics_by_hand():
    # y = 1,0,1,0 with scores .9,.8,.3,.1: positive-negative pairs ranked right:
    # (.9,.8) (.9,.1) (.3,.1) yes, (.3,.8) no -> AUC 3/4; average precision:
    # recall 1/2 at precision 1, recall 1 at precision 2/3 -> 5/6; Brier
    # (.01 + .64 + .49 + .01) / 4; lift: top ceil(4/10) = 1 row is a churner,
    # rate 1 / base rate 1/2 = 2.
    m = churn.classification_metrics(
        [1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], [0.9, 0.8, 0.3, 0.1]
    )
    assert m["roc_auc"] == pytest.approx(0.75)
    assert m["pr_auc"] == pytest.approx(5 / 6)
    assert m["brier"] == pytest.approx(1.15 / 4)
    assert m["log_loss"] == pytest.approx(
        -(np.log(0.9) + np.log(0.2) + np.log(0.3) + np.log(0.9)) / 4
    )
    assert m["top_decile_lift"] == pytest.approx(2.0)
    assert m["positive_rate"] == 0.5 and m["n_rows"] == 4


def test_top_decile_lift_counts_ties_fractionally_by_hand():
    # 20 rows, top decile = 2 slots: one churner alone at 10, then three rows
    # tied at 5 (one churner) share the last slot -> 1 + 1/3 churners in the
    # top 2; 5 churners of 20 overall: lift = ((4/3) / 2) / (5/20) = 8/3.
    score = [10, 5, 5, 5] + [1] * 16
    y = [1, 1, 0, 0] + [1, 1, 1] + [0] * 13
    assert churn.top_decile_lift(y, score) == pytest.approx(8 / 3)
    # same rows in another order: same value
    assert churn.top_decile_lift(y[::-1], score[::-1]) == pytest.approx(8 / 3)


def test_selected_model_is_useful(result):
    """AUC well above chance and not materially worse than the recency baseline.

    On BTYD-like data recency alone ranks churners very well, so we only ask
    the selected model to be within 0.03 AUC of it (it adds calibrated
    probabilities, which the recency score does not have).
    """
    ev = result.evaluations.set_index(["model_name", "metric"])["value"]
    selected_auc = ev[(result.selected_model, "roc_auc")]
    assert selected_auc > 0.75
    assert selected_auc >= ev[("recency", "roc_auc")] - 0.03
    assert ev[("bgnbd_expected_purchases", "roc_auc")] > 0.75
    # calibrated: holdout Brier well below that of predicting the base rate
    rate = ev[(result.selected_model, "positive_rate")]
    assert ev[(result.selected_model, "brier")] < 0.8 * rate * (1 - rate)


def test_scores_track_simulator_truth(sim, result):
    _, _, truth = sim
    m = churn.evaluate_against_truth(result.scores, truth)
    assert m["roc_auc"] > 0.75


def test_deterministic_blind_to_future_and_row_order(sim, result):
    orders, surveys, _ = sim
    end = AS_OF + pd.Timedelta(days=1)
    assert (orders["ordered_at"] >= end).sum() > 500  # there is a future to hide
    again = churn.train_and_score(
        orders[orders["ordered_at"] < end].sample(frac=1.0, random_state=5),
        AS_OF,
        window_days=WINDOW,
        surveys=surveys[surveys["responded_at"] < end].sample(frac=1.0, random_state=6),
    )
    pdt.assert_frame_equal(result.scores, again.scores, check_exact=True)
    pdt.assert_frame_equal(result.evaluations, again.evaluations, check_exact=True)
    pdt.assert_frame_equal(result.calibration, again.calibration, check_exact=True)
    pdt.assert_frame_equal(
        result.holdout_predictions, again.holdout_predictions, check_exact=True
    )
    assert result.params == again.params


def test_bgnbd_failure_is_recorded_and_skipped_and_row_cap(monkeypatch):
    from customer_lifecycle.simulate import simulate

    orders, _, _ = _clean(simulate(1200, seed=3))

    def _fail(*args, **kwargs):
        raise btyd.FitError("BG/NBD fit failed: testing")

    # quarterly stage periods (arbitrary contents) exercise the one-hot stage
    ids = np.sort(orders["customer_id"].unique())
    quarters = pd.date_range("2023-01-01", "2025-01-01", freq="QS")
    stages = pd.DataFrame(
        {
            "customer_id": np.repeat(ids, len(quarters) - 1),
            "period_start": np.tile(quarters[:-1], len(ids)),
            "period_end_exclusive": np.tile(quarters[1:], len(ids)),
        }
    )
    names = np.array(["new", "active", "at_risk"])
    stages["stage"] = names[np.arange(len(stages)) % 3]

    monkeypatch.setattr(btyd, "fit_bgnbd", _fail)
    res = churn.train_and_score(orders, AS_OF, stages=stages, max_train_rows=300)
    assert "stage_at_cutoff" in res.features
    assert res.params["bgnbd"]["used"] is False
    assert "testing" in res.params["bgnbd"]["reason"]
    assert not any(f.startswith("bgnbd") for f in res.features)
    assert "bgnbd_expected_purchases" not in set(res.evaluations["model_name"])
    assert res.scores["churn_probability"].between(0, 1).all()
    # the row cap is honoured for every fit, the holdout is still complete
    assert res.training_rows > 300
    assert res.params["rows_fitted_train_part"] == 300
    assert res.params["rows_fitted_final"] == 300
    assert (
        res.evaluations.query("metric == 'n_rows'")["value"].eq(res.holdout_rows).all()
    )
