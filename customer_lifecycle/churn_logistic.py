"""The SQL-scorable logistic churn model and its coefficient table.

Every numeric input ``v`` is median-imputed (with a 0/1 missing indicator when
the training rows have missing values), transformed ``u = sign(v) ln(1 + |v|)``
and standardised ``z = (u - mean_u) / sd_u``; each categorical input is
one-hot; L2-penalised logistic regression (C = 1, lbfgs). Its probability is
``p = 1 / (1 + exp(-(b0 + sum_f b_f z_f + sum_f c_f m_f + sum_k g_k [x = k])))``,
which :func:`predict_from_coefficients` and the SQL model ``int_churn_scores``
compute from the coefficient table alone. The gradient-boosting reference
(:func:`fit_reference`) is evaluated only: it cannot be scored in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

__all__ = [
    "LABEL",
    "TERM_COLUMNS",
    "LogisticFit",
    "coefficient_table",
    "fit_logistic",
    "fit_reference",
    "predict_from_coefficients",
    "signed_log1p",
]

LABEL = "churn_label"
#: Columns of a term of the churn model's coefficient table (before its name and
#: coefficient): how SQL rebuilds the feature (impute, centre, scale) it weighs.
TERM_COLUMNS = [
    "term_kind",
    "feature",
    "category_value",
    "impute_value",
    "center",
    "scale",
]


def signed_log1p(x):
    """``sign(x) ln(1 + |x|)``: the log transform of every numeric churn input."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


@dataclass
class LogisticFit:
    """A fitted logistic churn model and its coefficient table."""

    coefficients: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    model: LogisticRegression = field(repr=False, compare=False)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Churn probability of every row (same formula as the SQL scoring)."""
        return predict_from_coefficients(frame, self.coefficients)


def _design(frame: pd.DataFrame, coefficients: pd.DataFrame) -> np.ndarray:
    """Design matrix of the terms of ``coefficients`` (intercept excluded)."""
    columns = []
    for term in coefficients.itertuples(index=False):
        if term.term_kind == "numeric":
            v = frame[term.feature].to_numpy(dtype=float)
            v = np.where(np.isnan(v), term.impute_value, v)
            columns.append((signed_log1p(v) - term.center) / term.scale)
        elif term.term_kind == "missing_indicator":
            columns.append(np.isnan(frame[term.feature].to_numpy(dtype=float)) * 1.0)
        elif term.term_kind == "category":
            values = frame[term.feature].astype(str).to_numpy()
            columns.append((values == term.category_value) * 1.0)
    return np.column_stack(columns) if columns else np.zeros((len(frame), 0))


def predict_from_coefficients(
    frame: pd.DataFrame, coefficients: pd.DataFrame
) -> np.ndarray:
    """``1 / (1 + exp(-eta))`` with ``eta`` the sum of the table's terms.

    Mirrors ``int_churn_scores``: numeric terms ``b (slog1p(coalesce(v, m)) - c)
    / s``, missing indicators ``b [v is null]``, categories ``b [stage = k]``,
    plus the intercept.
    """
    terms = coefficients[coefficients["term_kind"] != "intercept"]
    intercept = float(
        coefficients.loc[coefficients["term_kind"] == "intercept", "coefficient"].iloc[
            0
        ]
    )
    eta = intercept + _design(frame, terms) @ terms["coefficient"].to_numpy(float)
    return 1.0 / (1.0 + np.exp(-eta))


def _term_rows(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    """The terms (without coefficients) learnt from the training rows."""
    rows = []
    for f in numeric:
        v = frame[f].to_numpy(dtype=float)
        missing = np.isnan(v)
        impute = float(np.median(v[~missing]))
        u = signed_log1p(np.where(missing, impute, v))
        sd = float(np.std(u))
        rows.append(
            {
                "term_kind": "numeric",
                "feature": f,
                "category_value": None,
                "impute_value": impute,
                "center": float(np.mean(u)),
                "scale": sd if sd > 0 else 1.0,
            }
        )
        if missing.any():
            rows.append({"term_kind": "missing_indicator", "feature": f})
    for f in categorical:
        for value in sorted(frame[f].astype(str).unique()):
            rows.append(
                {"term_kind": "category", "feature": f, "category_value": value}
            )
    return pd.DataFrame(rows, columns=TERM_COLUMNS)


def coefficient_table(terms: pd.DataFrame, model: LogisticRegression) -> pd.DataFrame:
    """Terms with their coefficients and the intercept row, with a unique ``term``."""
    table = terms.copy()
    table["coefficient"] = model.coef_[0].astype(float)
    intercept = pd.DataFrame(
        [{"term_kind": "intercept", "coefficient": float(model.intercept_[0])}]
    )
    table = pd.concat([intercept, table], ignore_index=True)
    table["term"] = np.where(
        table["term_kind"] == "intercept",
        "intercept",
        np.where(
            table["term_kind"] == "category",
            table["feature"].astype(str) + "=" + table["category_value"].astype(str),
            np.where(
                table["term_kind"] == "missing_indicator",
                table["feature"].astype(str) + " is null",
                table["feature"].astype(str),
            ),
        ),
    )
    return table[["term", *TERM_COLUMNS, "coefficient"]]


def fit_logistic(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> LogisticFit:
    """Fit the SQL-scorable logistic model (see module docstring) on ``frame``.

    Numeric columns that are missing on every row are dropped; categorical
    columns with a single value are dropped.
    """
    numeric = [f for f in numeric if frame[f].notna().any()]
    categorical = [f for f in categorical if frame[f].astype(str).nunique() > 1]
    terms = _term_rows(frame, numeric, categorical)
    X = _design(frame, terms)
    y = frame[LABEL].to_numpy(dtype=int)
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit(X, y)
    return LogisticFit(coefficient_table(terms, model), numeric, categorical, model)


def fit_reference(frame: pd.DataFrame, numeric, random_state: int):
    """The non-linear reference (not SQL-scorable): gradient boosting."""
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=random_state,
    )
    X = frame[numeric].to_numpy(dtype=float)
    model.fit(X, frame[LABEL].to_numpy(dtype=int))
    return model
