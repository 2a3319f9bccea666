"""Churn scoring with an honest, leakage-free evaluation.

Definition
----------
A customer *churns* at a scoring date ``d`` when they make no purchase
(non-refund order) in the ``window_days`` days after ``d``, i.e. no purchase
dated ``d < date <= d + window_days`` (calendar days, time of day ignored).

Procedure of :func:`train_and_score`
------------------------------------
1. ``cutoff = as_of - window_days``.  Training rows are the customers with a
   purchase at or before ``cutoff``; their features are
   :func:`~customer_lifecycle.features.build_customer_features` at the cutoff
   (which only sees data up to the cutoff) and their label is 1 if they make
   no purchase in ``(cutoff, as_of]``, else 0.  The future window is used for
   nothing but the label.
2. BG/NBD features: BG/NBD is fitted on
   :func:`~customer_lifecycle.btyd.summarize_purchases` of the non-refund
   orders up to the cutoff, and ``bgnbd_p_alive`` and
   ``bgnbd_expected_purchases`` over the window (``window_days`` converted to
   ``time_unit``) become features.  If the fit raises
   :class:`~customer_lifecycle.btyd.FitError` (at the cutoff or, later, at
   ``as_of``) these features and the BG/NBD baseline are dropped and the
   reason is recorded in ``params["bgnbd"]``.
3. Customers are split into train / holdout by a salted, stable hash of
   ``customer_id`` (:func:`holdout_mask`): independent of row order, and a
   customer always lands on the same side for the same ``random_state``.
4. Candidates (each a scikit-learn pipeline wrapped in
   ``CalibratedClassifierCV(cv=3)``): logistic regression (median imputation
   + missing indicators, signed log1p, standard scaling, one-hot stage;
   sigmoid calibration), random forest and histogram gradient boosting
   (median imputation + missing indicators, one-hot stage; isotonic
   calibration).  The selected model is the one with the lowest mean 3-fold
   cross-validated log-loss on the TRAIN part only (log-loss rewards both
   ranking and calibration, which is what a churn probability needs).  Every
   candidate is then fitted on the train part and evaluated on the holdout.
5. Baselines on the same holdout rows:

   * ``recency``: score = ``recency_days`` (ranking only, no probability so
     no Brier score or calibration table);
   * ``bgnbd_expected_purchases``: ranking score = ``-E[purchases in the
     window]``; its probability is the BG/NBD probability of *no* purchase in
     the window, ``P0 = 1 - p_alive + p_alive * ((alpha+T)/(alpha+T+h))^(r+x)``
     (given alive at T the posterior of lambda is Gamma(r+x, alpha+T) and an
     alive customer can only die right after a purchase, so "no purchase in
     h" is "Poisson count 0", whose posterior probability is that ratio to the
     power r+x).  Brier score and calibration use ``P0``.

6. Metrics on the holdout (:func:`classification_metrics`): ``roc_auc``,
   ``pr_auc`` (average precision), ``brier``, ``log_loss`` (probabilistic
   models only), ``top_decile_lift`` (:func:`top_decile_lift`),
   ``positive_rate`` (observed churn rate), ``n_rows``; candidates also get
   ``train_cv_log_loss``.  Calibration tables: :func:`calibration_table`.
7. The selected model is refitted on ALL training rows (train + holdout) and
   scores every customer with a purchase at or before ``as_of``, with
   features built as of ``as_of`` (and BG/NBD refitted at ``as_of``).
   ``risk_decile`` 1..10 (10 = highest risk) comes from the rank of
   ``(churn_probability, customer_id)``.

Model fitting is capped at ``max_train_rows`` rows (default 50,000; a
hash-chosen subsample, see :func:`train_and_score`) so that the nine-fold
selection stays affordable on large warehouses; the holdout is always
evaluated in full.  Small fits run single-threaded (faster on small data).

Everything uses fixed seeds and rows sorted by ``customer_id``, so the same
input gives identical output, whatever the input row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from customer_lifecycle import btyd
from customer_lifecycle.features import (
    NUMERIC_FEATURE_COLUMNS,
    build_customer_features,
    to_cutoff_date,
)

__all__ = [
    "BASELINE_NAMES",
    "CANDIDATE_NAMES",
    "ChurnResult",
    "bgnbd_features",
    "calibration_table",
    "churn_labels",
    "classification_metrics",
    "evaluate_against_truth",
    "holdout_mask",
    "top_decile_lift",
    "train_and_score",
]

CANDIDATE_NAMES: tuple[str, ...] = (
    "logistic_regression",
    "random_forest",
    "hist_gradient_boosting",
)
BASELINE_NAMES: tuple[str, ...] = ("recency", "bgnbd_expected_purchases")
BGNBD_FEATURES: list[str] = ["bgnbd_p_alive", "bgnbd_expected_purchases"]
STAGE_COLUMN = "stage_at_cutoff"
CV_FOLDS = 3
#: Below this many training rows BLAS/OpenMP run on one thread and the random
#: forest uses one job: for small data thread start-up costs dominate (the
#: fits are 5-20x faster single-threaded).
SINGLE_THREAD_BELOW_ROWS = 100_000


@dataclass
class ChurnResult:
    """Outcome of :func:`train_and_score`.

    - ``scores``: customer_id, churn_probability, risk_decile (1..10, 10 =
      highest risk), for every customer with a purchase at or before as_of.
    - ``evaluations``: long table model_name, is_baseline, is_selected,
      metric, value (holdout metrics; ``train_cv_log_loss`` for candidates).
    - ``calibration``: model_name, bin, n, mean_predicted, observed_rate.
    - ``holdout_predictions``: customer_id, label, model_name, score,
      probability (score is what ranking metrics use; probability is NaN for
      the recency baseline).
    - ``features``: model input columns; ``params``: run log.
    - ``training_rows`` / ``holdout_rows``: customers in the train part / in
      the holdout (the final model is refitted on both; see
      ``params["rows_fitted_*"]`` for the rows actually fitted under
      ``max_train_rows``).
    - ``model``: the fitted final estimator (not part of equality checks).
    """

    scores: pd.DataFrame
    evaluations: pd.DataFrame
    calibration: pd.DataFrame
    holdout_predictions: pd.DataFrame
    features: list[str]
    params: dict
    training_rows: int
    holdout_rows: int
    selected_model: str
    model_version: str
    cutoff: pd.Timestamp
    as_of: pd.Timestamp
    model: object = field(default=None, repr=False, compare=False)


# --------------------------------------------------------------------------- #
# labels, split, metrics
# --------------------------------------------------------------------------- #
def churn_labels(orders: pd.DataFrame, customer_ids, start, end) -> pd.Series:
    """1 if the customer makes no purchase with ``start < date <= end``, else 0.

    ``start``/``end`` are calendar dates; dates are compared by calendar day.
    Returns an int Series indexed by ``customer_id`` (as str) in the order of
    ``customer_ids``.
    """
    start_day = to_cutoff_date(start)
    end_day = to_cutoff_date(end)
    ts = np.asarray(pd.to_datetime(orders["ordered_at"]), dtype="datetime64[ns]")
    lo = np.datetime64((start_day + pd.Timedelta(days=1)).to_datetime64(), "ns")
    hi = np.datetime64((end_day + pd.Timedelta(days=1)).to_datetime64(), "ns")
    in_window = (
        ~np.isnat(ts)
        & (ts >= lo)
        & (ts < hi)
        & ~orders["is_refund"].to_numpy(dtype=bool)
        & orders["customer_id"].notna().to_numpy()
    )
    buyers = pd.Index(
        pd.unique(orders["customer_id"].to_numpy()[in_window]).astype(str)
    )
    ids = pd.Index(pd.Series(customer_ids).astype(str))
    return pd.Series((~ids.isin(buyers)).astype(np.int64), index=ids, name="label")


def holdout_mask(
    customer_ids, holdout_share: float, random_state: int = 42
) -> np.ndarray:
    """Deterministic holdout membership from a salted hash of ``customer_id``.

    ``hash_pandas_object`` (SipHash with pandas' fixed default key) of
    ``f"{random_state}:{customer_id}"`` mapped to [0, 1); the customer is held
    out when that number is below ``holdout_share``.
    """
    if not 0.0 <= holdout_share < 1.0:
        raise ValueError("holdout_share must be in [0, 1)")
    keys = str(random_state) + ":" + pd.Series(customer_ids).astype(str)
    hashed = pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)
    u = (hashed % np.uint64(1_000_000)).astype(float) / 1_000_000.0
    return u < holdout_share


def top_decile_lift(y_true, score) -> float:
    """Churn rate among the top 10% scores divided by the overall churn rate.

    The top decile holds ``ceil(n / 10)`` rows.  Rows tied with the lowest
    score admitted are counted fractionally (each contributes its share of
    the remaining slots), which is the expected value under random
    tie-breaking, so the result never depends on row order.  NaN if there
    are no rows or no positives.
    """
    y = np.asarray(y_true, dtype=float)
    s = np.asarray(score, dtype=float)
    n = len(y)
    if n == 0 or y.sum() == 0:
        return float("nan")
    n_top = int(np.ceil(n / 10.0))
    threshold = np.sort(s)[::-1][n_top - 1]
    above = s > threshold
    tied = s == threshold
    slots = n_top - int(above.sum())
    positives_top = y[above].sum() + slots * y[tied].mean()
    return float((positives_top / n_top) / y.mean())


def classification_metrics(y_true, score, probability=None) -> dict[str, float]:
    """Holdout metrics of one model.

    ``score`` ranks (higher = more likely to churn) and drives ``roc_auc``,
    ``pr_auc`` (average precision) and ``top_decile_lift``; ``probability``
    (optional) drives ``brier`` and ``log_loss``.  AUCs are NaN when only one
    class is present.
    """
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(score, dtype=float)
    two_classes = len(np.unique(y)) == 2
    out = {
        "roc_auc": float(roc_auc_score(y, s)) if two_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, s)) if two_classes else float("nan"),
    }
    if probability is not None:
        p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
        out["brier"] = float(brier_score_loss(y, p))
        out["log_loss"] = (
            float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]))
            if len(y)
            else float("nan")
        )
    out["top_decile_lift"] = top_decile_lift(y, s)
    out["positive_rate"] = float(y.mean()) if len(y) else float("nan")
    out["n_rows"] = float(len(y))
    return out


def calibration_table(
    y_true, probability, customer_ids=None, n_bins: int = 10
) -> pd.DataFrame:
    """Equal-count (quantile) calibration bins of predicted probabilities.

    Rows are sorted by ``(probability, customer_id)`` and cut into ``n_bins``
    consecutive groups of (nearly) equal size (fewer bins if there are fewer
    rows), so tied probabilities never make bins disappear.  Columns: bin
    (1 = lowest predictions), n, mean_predicted, observed_rate.
    """
    p = np.asarray(probability, dtype=float)
    y = np.asarray(y_true, dtype=float)
    ids = (
        np.arange(len(p)).astype(str)
        if customer_ids is None
        else pd.Series(customer_ids).astype(str).to_numpy()
    )
    order = np.lexsort((ids, p))
    rows = []
    n_groups = min(n_bins, len(p))
    for b, idx in enumerate(
        np.array_split(order, n_groups) if n_groups else [], start=1
    ):
        rows.append(
            {
                "bin": b,
                "n": len(idx),
                "mean_predicted": float(p[idx].mean()),
                "observed_rate": float(y[idx].mean()),
            }
        )
    return pd.DataFrame(rows, columns=["bin", "n", "mean_predicted", "observed_rate"])


# --------------------------------------------------------------------------- #
# BG/NBD features
# --------------------------------------------------------------------------- #
def bgnbd_features(
    orders: pd.DataFrame, date, window_days: int, time_unit: str = "week"
) -> tuple[pd.DataFrame, dict]:
    """Fit BG/NBD on non-refund orders at or before ``date``; per-customer outputs.

    Returns (frame, info).  frame: customer_id, bgnbd_p_alive,
    bgnbd_expected_purchases (over ``window_days``), bgnbd_p_no_purchase
    (P0, see module docstring).  info: params, log-likelihood, horizon.
    Raises :class:`~customer_lifecycle.btyd.FitError` if the fit fails.
    """
    day = to_cutoff_date(date)
    end = np.datetime64((day + pd.Timedelta(days=1)).to_datetime64(), "ns")
    ts = np.asarray(pd.to_datetime(orders["ordered_at"]), dtype="datetime64[ns]")
    keep = (
        ~np.isnat(ts)
        & (ts < end)
        & ~orders["is_refund"].to_numpy(dtype=bool)
        & orders["customer_id"].notna().to_numpy()
    )
    purchases = pd.DataFrame(
        {
            "customer_id": orders["customer_id"].to_numpy()[keep].astype(str),
            "ordered_at": ts[keep],
            "amount": orders["amount"].to_numpy(dtype=float)[keep],
        }
    )
    summary = btyd.summarize_purchases(purchases, day, time_unit=time_unit)
    fit = btyd.fit_bgnbd(summary["frequency"], summary["recency"], summary["t"])
    if not fit.converged:
        raise btyd.FitError(f"BG/NBD fit did not converge: {fit.message}")
    params = btyd.BgNbdParams(**fit.params)
    horizon = window_days / btyd.TIME_UNIT_DAYS[time_unit]
    x = summary["frequency"].to_numpy(dtype=float)
    tx = summary["recency"].to_numpy(dtype=float)
    T = summary["t"].to_numpy(dtype=float)
    p_alive = btyd.bgnbd_p_alive(params, x, tx, T)
    expected = btyd.bgnbd_expected_purchases(params, horizon, x, tx, T)
    frame = pd.DataFrame(
        {
            "customer_id": summary["customer_id"].astype(str).to_numpy(),
            "bgnbd_p_alive": p_alive,
            "bgnbd_expected_purchases": expected,
            "bgnbd_p_no_purchase": btyd.bgnbd_probability_no_purchase(
                params, horizon, x, tx, T
            ),
        }
    )
    info = {
        "date": str(day.date()),
        "params": {k: float(v) for k, v in fit.params.items()},
        "log_likelihood": float(fit.log_likelihood),
        "n_customers": int(fit.n_customers),
        "horizon_units": float(horizon),
        "time_unit": time_unit,
    }
    return frame, info


# --------------------------------------------------------------------------- #
# models
# --------------------------------------------------------------------------- #
def _signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


def _make_candidate(
    name: str,
    numeric: list[str],
    categorical: list[str],
    random_state: int,
    n_rows: int = 0,
) -> CalibratedClassifierCV:
    """One calibrated candidate pipeline (``n_rows`` only sets RF parallelism)."""
    one_hot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    if name == "logistic_regression":
        num_pipe = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                (
                    "log",
                    FunctionTransformer(_signed_log1p, feature_names_out="one-to-one"),
                ),
                ("scale", StandardScaler()),
            ]
        )
        clf = LogisticRegression(C=1.0, max_iter=5000)
        method = "sigmoid"
    else:
        num_pipe = SimpleImputer(strategy="median", add_indicator=True)
        method = "isotonic"
        if name == "random_forest":
            clf = RandomForestClassifier(
                n_estimators=150,
                min_samples_leaf=10,
                max_features="sqrt",
                n_jobs=-1 if n_rows >= SINGLE_THREAD_BELOW_ROWS else 1,
                random_state=random_state,
            )
        elif name == "hist_gradient_boosting":
            clf = HistGradientBoostingClassifier(
                learning_rate=0.1,
                max_iter=100,
                max_leaf_nodes=15,
                min_samples_leaf=40,
                l2_regularization=1.0,
                early_stopping=False,
                random_state=random_state,
            )
        else:
            raise ValueError(f"unknown candidate {name!r}")
    transformers = [("num", num_pipe, numeric)]
    if categorical:
        transformers.append(("cat", one_hot, categorical))
    pipe = Pipeline(
        [("prep", ColumnTransformer(transformers, remainder="drop")), ("model", clf)]
    )
    # Shuffled folds: rows are sorted by customer_id, and ids are often issued
    # in sign-up order, so unshuffled folds would be cohorts (train on old
    # customers, calibrate on new ones) and hurt both calibration and ranking.
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=random_state)
    return CalibratedClassifierCV(estimator=pipe, method=method, cv=folds)


def _feature_frame(
    orders, date, window_days, surveys, stages, time_unit, use_bgnbd: bool
) -> tuple[pd.DataFrame, dict]:
    """Features at ``date`` (+ BG/NBD columns). Raises FitError from BG/NBD."""
    feats = build_customer_features(orders, date, surveys=surveys, stages=stages)
    info: dict = {}
    if use_bgnbd:
        bg, info = bgnbd_features(orders, date, window_days, time_unit)
        feats = feats.merge(bg, on="customer_id", how="left", validate="one_to_one")
    return feats.sort_values("customer_id", kind="mergesort").reset_index(
        drop=True
    ), info


# --------------------------------------------------------------------------- #
# main entry point
# --------------------------------------------------------------------------- #
def train_and_score(
    orders: pd.DataFrame,
    as_of,
    window_days: int = 90,
    surveys: pd.DataFrame | None = None,
    stages: pd.DataFrame | None = None,
    holdout_share: float = 0.3,
    random_state: int = 42,
    time_unit: str = "week",
    max_train_rows: int | None = 50_000,
) -> ChurnResult:
    """Train, select, evaluate and score churn models (see module docstring).

    ``max_train_rows`` caps the rows used to fit models (CV selection, the
    holdout fits and the final refit): when the train part (or, for the final
    refit, all training rows) is larger, a deterministic subsample is used,
    chosen by a salted hash of ``customer_id`` (order-free).  The holdout is
    always evaluated in full and every customer is scored.  ``None`` = no cap.
    """
    as_of_day = to_cutoff_date(as_of)
    window_days = int(window_days)
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    cutoff = as_of_day - pd.Timedelta(days=window_days)

    # ---- BG/NBD at both dates (features exist only if both fits succeed) ----
    bg_status: dict = {"used": False}
    use_bgnbd = True
    try:
        train_frame, bg_cut = _feature_frame(
            orders, cutoff, window_days, surveys, stages, time_unit, True
        )
        score_frame, bg_asof = _feature_frame(
            orders, as_of_day, window_days, surveys, stages, time_unit, True
        )
        bg_status = {"used": True, "at_cutoff": bg_cut, "at_as_of": bg_asof}
    except btyd.FitError as exc:
        use_bgnbd = False
        bg_status = {"used": False, "reason": f"FitError: {exc}"}
        train_frame, _ = _feature_frame(
            orders, cutoff, window_days, surveys, stages, time_unit, False
        )
        score_frame, _ = _feature_frame(
            orders, as_of_day, window_days, surveys, stages, time_unit, False
        )
    if train_frame.empty:
        raise ValueError(f"no customer bought at or before the cutoff {cutoff.date()}")

    labels = churn_labels(orders, train_frame["customer_id"], cutoff, as_of_day)
    train_frame["label"] = labels.to_numpy()
    y_all = train_frame["label"].to_numpy()
    if len(np.unique(y_all)) < 2:
        raise ValueError("churn labels have a single class; cannot train a classifier")

    # ---- model inputs ---------------------------------------------------------
    numeric = [
        c
        for c in [*NUMERIC_FEATURE_COLUMNS, *(BGNBD_FEATURES if use_bgnbd else [])]
        if train_frame[c].notna().any()
    ]
    dropped = [
        c
        for c in [*NUMERIC_FEATURE_COLUMNS, *(BGNBD_FEATURES if use_bgnbd else [])]
        if c not in numeric
    ]
    categorical = (
        [STAGE_COLUMN]
        if stages is not None and train_frame[STAGE_COLUMN].nunique() > 1
        else []
    )

    # ---- split ----------------------------------------------------------------
    is_holdout = holdout_mask(train_frame["customer_id"], holdout_share, random_state)
    train = train_frame.loc[~is_holdout].reset_index(drop=True)
    hold = train_frame.loc[is_holdout].reset_index(drop=True)
    if len(np.unique(train["label"])) < 2:
        raise ValueError("the train part has a single churn class")
    fit_train = _cap_rows(train, max_train_rows, random_state)
    fit_all = _cap_rows(train_frame, max_train_rows, random_state)

    threads = (
        threadpool_limits(limits=1)
        if len(fit_all) < SINGLE_THREAD_BELOW_ROWS
        else threadpool_limits(limits=None)
    )
    with threads:
        return _train_evaluate_score(
            fit_all=fit_all,
            score_frame=score_frame,
            train=fit_train,
            hold=hold,
            n_train_part=len(train),
            n_training_customers=len(train_frame),
            max_train_rows=max_train_rows,
            numeric=numeric,
            categorical=categorical,
            dropped=dropped,
            use_bgnbd=use_bgnbd,
            bg_status=bg_status,
            as_of_day=as_of_day,
            cutoff=cutoff,
            window_days=window_days,
            holdout_share=holdout_share,
            random_state=random_state,
            time_unit=time_unit,
        )


def _cap_rows(frame: pd.DataFrame, max_rows: int | None, random_state: int):
    """At most ``max_rows`` rows, chosen by a salted hash of customer_id."""
    if max_rows is None or len(frame) <= max_rows:
        return frame
    keys = f"cap-{random_state}:" + frame["customer_id"].astype(str)
    hashed = pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)
    keep = np.sort(np.argsort(hashed, kind="stable")[: int(max_rows)])
    return frame.iloc[keep].reset_index(drop=True)


def _train_evaluate_score(
    *,
    fit_all: pd.DataFrame,
    score_frame: pd.DataFrame,
    train: pd.DataFrame,
    hold: pd.DataFrame,
    n_train_part: int,
    n_training_customers: int,
    max_train_rows: int | None,
    numeric: list[str],
    categorical: list[str],
    dropped: list[str],
    use_bgnbd: bool,
    bg_status: dict,
    as_of_day: pd.Timestamp,
    cutoff: pd.Timestamp,
    window_days: int,
    holdout_share: float,
    random_state: int,
    time_unit: str,
) -> ChurnResult:
    features = numeric + categorical
    n_fit = len(fit_all)
    X_train, y_train = train[features], train["label"].to_numpy()
    X_hold, y_hold = hold[features], hold["label"].to_numpy()

    # ---- selection by CV log-loss on the train part only ----------------------
    cv = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=random_state)
    cv_log_loss: dict[str, float] = {}
    for name in CANDIDATE_NAMES:
        model = _make_candidate(name, numeric, categorical, random_state, n_fit)
        scores = cross_val_score(model, X_train, y_train, cv=cv, scoring="neg_log_loss")
        cv_log_loss[name] = float(-np.mean(scores))
    selected = min(
        CANDIDATE_NAMES, key=lambda m: (cv_log_loss[m], CANDIDATE_NAMES.index(m))
    )

    # ---- holdout evaluation ---------------------------------------------------
    eval_rows: list[dict] = []
    calib_frames: list[pd.DataFrame] = []
    pred_frames: list[pd.DataFrame] = []

    def _record(name, is_baseline, score, probability, extra=None):
        metrics = classification_metrics(y_hold, score, probability)
        if extra:
            metrics.update(extra)
        for metric, value in metrics.items():
            eval_rows.append(
                {
                    "model_name": name,
                    "is_baseline": is_baseline,
                    "is_selected": name == selected,
                    "metric": metric,
                    "value": float(value),
                }
            )
        if probability is not None and len(y_hold):
            cal = calibration_table(y_hold, probability, hold["customer_id"])
            cal.insert(0, "model_name", name)
            calib_frames.append(cal)
        pred_frames.append(
            pd.DataFrame(
                {
                    "customer_id": hold["customer_id"].to_numpy(),
                    "label": y_hold,
                    "model_name": name,
                    "score": np.asarray(score, dtype=float),
                    "probability": np.nan
                    if probability is None
                    else np.asarray(probability, dtype=float),
                }
            )
        )

    for name in CANDIDATE_NAMES:
        model = _make_candidate(name, numeric, categorical, random_state, n_fit)
        model.fit(X_train, y_train)
        proba = (
            model.predict_proba(X_hold)[:, 1]
            if len(X_hold)
            else np.array([], dtype=float)
        )
        _record(name, False, proba, proba, {"train_cv_log_loss": cv_log_loss[name]})

    _record("recency", True, hold["recency_days"].to_numpy(dtype=float), None)
    if use_bgnbd:
        _record(
            "bgnbd_expected_purchases",
            True,
            -hold["bgnbd_expected_purchases"].to_numpy(dtype=float),
            hold["bgnbd_p_no_purchase"].to_numpy(dtype=float),
        )

    # ---- refit on all training rows, score as of as_of -----------------------
    final = _make_candidate(selected, numeric, categorical, random_state, n_fit)
    final.fit(fit_all[features], fit_all["label"].to_numpy())
    prob = final.predict_proba(score_frame[features])[:, 1]
    scores_df = pd.DataFrame(
        {
            "customer_id": score_frame["customer_id"].to_numpy(),
            "churn_probability": prob,
        }
    )
    order = np.lexsort((scores_df["customer_id"].to_numpy(), prob))
    rank = np.empty(len(prob), dtype=np.int64)
    rank[order] = np.arange(len(prob))
    scores_df["risk_decile"] = (rank * 10 // max(len(prob), 1) + 1).astype(np.int64)

    evaluations = pd.DataFrame(
        eval_rows,
        columns=["model_name", "is_baseline", "is_selected", "metric", "value"],
    )
    calibration = (
        pd.concat(calib_frames, ignore_index=True)
        if calib_frames
        else pd.DataFrame(
            columns=["model_name", "bin", "n", "mean_predicted", "observed_rate"]
        )
    )
    holdout_predictions = pd.concat(pred_frames, ignore_index=True)

    params = {
        "as_of": str(as_of_day.date()),
        "cutoff": str(cutoff.date()),
        "window_days": window_days,
        "label_definition": (
            "1 = no non-refund purchase with cutoff < order date <= as_of, "
            "among customers with a purchase at or before the cutoff"
        ),
        "holdout_share": float(holdout_share),
        "split": "salted hash of customer_id (holdout_mask)",
        "random_state": int(random_state),
        "time_unit": time_unit,
        "numeric_features": numeric,
        "categorical_features": categorical,
        "dropped_all_missing_features": dropped,
        "selection_metric": f"mean {CV_FOLDS}-fold CV log-loss on the train part (lower is better)",
        "cv_log_loss": cv_log_loss,
        "selected_model": selected,
        "calibration": {
            "logistic_regression": "sigmoid",
            "random_forest": "isotonic",
            "hist_gradient_boosting": "isotonic",
            "cv": CV_FOLDS,
        },
        "bgnbd": bg_status,
        "baselines": {
            "recency": "score = recency_days; ranking metrics only",
            "bgnbd_expected_purchases": (
                "score = -expected purchases in the window; probability = "
                "1 - p_alive + p_alive * ((alpha+T)/(alpha+T+h))^(r+x)"
                if use_bgnbd
                else "skipped: BG/NBD unavailable"
            ),
        },
        "n_training_customers": n_training_customers,
        "max_train_rows": max_train_rows,
        "rows_fitted_train_part": len(train),
        "rows_fitted_final": n_fit,
        "train_positive_rate": float(y_train.mean()),
        "holdout_positive_rate": float(y_hold.mean()) if len(y_hold) else float("nan"),
        "n_scored_customers": len(scores_df),
    }
    return ChurnResult(
        scores=scores_df,
        evaluations=evaluations,
        calibration=calibration,
        holdout_predictions=holdout_predictions,
        features=features,
        params=params,
        training_rows=n_train_part,
        holdout_rows=len(hold),
        selected_model=selected,
        model_version=f"churn-{selected}-v1",
        cutoff=cutoff,
        as_of=as_of_day,
        model=final,
    )


def evaluate_against_truth(scores: pd.DataFrame, truth_alive_flags) -> dict[str, float]:
    """Compare churn scores with simulator truth.

    ``truth_alive_flags``: a DataFrame with ``customer_id`` and
    ``is_alive_at_end`` (bool), or a boolean Series indexed by customer_id.
    The positive class is "not alive" (truly churned).  Only customers present
    in both are used.  Returns ``classification_metrics`` of
    ``churn_probability`` against the truth (note that "dead at the end of
    the simulation" and "no purchase in the next window" are different
    targets; this is a sanity check, not the training objective).
    """
    if isinstance(truth_alive_flags, pd.DataFrame):
        truth = truth_alive_flags.set_index(
            truth_alive_flags["customer_id"].astype(str)
        )["is_alive_at_end"]
    else:
        truth = pd.Series(truth_alive_flags)
        truth.index = truth.index.astype(str)
    s = scores.set_index(scores["customer_id"].astype(str))["churn_probability"]
    common = s.index.intersection(truth.index).sort_values()
    y = (~truth.loc[common].astype(bool)).astype(int).to_numpy()
    p = s.loc[common].to_numpy(dtype=float)
    return classification_metrics(y, p, p)
