"""Names of behavioural segments: distinct, and true to where each centroid stands.

A segment's **centroid** here is the mean of its members in the standardised
model space of :mod:`customer_lifecycle.segmentation` (``log1p`` of the
behaviour columns, then ``(u - mean) / sd`` over every segmented customer), so
the population stands at 0 on every column and a coordinate ``z`` says how many
population standard deviations the segment's mean lies above (``z > 0``) or
below (``z < 0``) the population's.

Rule of :func:`segment_labels`
------------------------------
1. Each column with ``|z| >= LABEL_BAND`` (0.1) gives one phrase, its high or
   low word by the sign of ``z`` (:data:`LABEL_WORDS`: ``recency_days`` high =
   "lapsed", low = "recent"; ``revenue`` "high spend" / "low spend", ...).
   Columns are ranked by ``|z|`` descending (ties: the order of
   :data:`LABEL_WORDS`).
2. Each label starts with the phrases of its two most deviating columns. While
   segments share the same set of phrases, each of them that has a phrase left
   adds one: its most deviating phrase that none of the others sharing the
   set has at all (so it tells them apart), else its next phrase in rank. The
   phrases are joined by ", " in rank order.
3. A segment with no column past the band is "close to the population average".
4. Segments whose phrases still coincide (same side of the population on every
   column) are told apart by magnitude: among them, on the column where they
   differ most (not used before for this group), the one standing highest gets
   ", the highest <noun>" and leaves the group; the rest repeat, and the last
   one keeps its name. Numbers are never used.

Every phrase agrees with the sign of its coordinate, the labels are distinct
(or :class:`ValueError` says why not), and the same centroids give the same
labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LABEL_BAND", "LABEL_WORDS", "segment_labels"]

#: Column -> (word below the population, word above it, noun for magnitude).
LABEL_WORDS: dict[str, tuple[str, str, str]] = {
    "recency_days": ("recent", "lapsed", "days since the last purchase"),
    "purchase_days": ("occasional", "frequent", "purchase days"),
    "revenue": ("low spend", "high spend", "spend"),
    "avg_order_value": ("small orders", "large orders", "order value"),
    "tenure_days": ("short tenure", "long tenure", "tenure"),
    "mean_interpurchase_days": ("short gaps", "long gaps", "gap between purchases"),
    "latest_nps": ("low NPS", "high NPS", "NPS"),
    "latest_csat": ("low CSAT", "high CSAT", "CSAT"),
}
#: Coordinates closer to 0 than this (population sd) give no phrase.
LABEL_BAND = 0.1
AVERAGE = "close to the population average"


def _ranked_phrases(centroids: pd.DataFrame) -> list[list[str]]:
    """Per segment, the phrases of its columns past the band, most deviating first."""
    columns = [c for c in LABEL_WORDS if c in centroids.columns]
    ranked = []
    for _, row in centroids[columns].iterrows():
        order = sorted(range(len(columns)), key=lambda i: (-abs(row.iloc[i]), i))
        ranked.append(
            [
                LABEL_WORDS[columns[i]][int(row.iloc[i] > 0)]
                for i in order
                if abs(row.iloc[i]) >= LABEL_BAND
            ]
        )
    return ranked


def _grow_until_distinct(ranked: list[list[str]]) -> list[list[str]]:
    """The phrases each label uses (step 2 of the rule), in rank order."""
    chosen = [r[:2] for r in ranked]
    while True:
        keys = [frozenset(c) for c in chosen]
        added = False
        for s, key in enumerate(keys):
            others = [o for o, k in enumerate(keys) if k == key and o != s]
            remaining = [p for p in ranked[s] if p not in chosen[s]]
            if not others or not remaining:
                continue
            unique = [p for p in remaining if all(p not in ranked[o] for o in others)]
            chosen[s] = chosen[s] + [(unique or remaining)[0]]
            added = True
        if not added:
            return [
                [p for p in r if p in c] for r, c in zip(ranked, chosen, strict=True)
            ]


def _by_magnitude(
    labels: list[str], group: list[int], centroids: pd.DataFrame
) -> list[str]:
    """Step 4: suffixes for a group of segments with the same phrases."""
    columns = [c for c in LABEL_WORDS if c in centroids.columns]
    remaining, used = list(group), set()
    while len(remaining) > 1:
        values = centroids.iloc[remaining][columns].to_numpy(dtype=float)
        spread = values.max(axis=0) - values.min(axis=0)
        free = [i for i in range(len(columns)) if columns[i] not in used]
        if not free or spread[free].max() <= 0:
            names = ", ".join(labels[s] for s in remaining)
            raise ValueError(f"segments {names} have the same centroid")
        best = max(free, key=lambda i: (spread[i], -i))
        used.add(columns[best])
        top = remaining[int(np.argmax(values[:, best]))]
        labels[top] = f"{labels[top]}, the highest {LABEL_WORDS[columns[best]][2]}"
        remaining.remove(top)
    return labels


def segment_labels(centroids: pd.DataFrame) -> list[str]:
    """One distinct label per row of ``centroids`` (see the module docstring).

    ``centroids``: one row per segment (in segment_id order), one column per
    model column, the segment's mean in standardised units (population = 0).
    Columns without words (none today) are ignored.
    """
    chosen = _grow_until_distinct(_ranked_phrases(centroids))
    labels = [", ".join(c) if c else AVERAGE for c in chosen]
    keys = [frozenset(c) for c in chosen]
    for key in dict.fromkeys(keys):
        group = [s for s, k in enumerate(keys) if k == key]
        if len(group) > 1:
            labels = _by_magnitude(labels, group, centroids)
    return labels
