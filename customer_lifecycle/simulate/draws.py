"""Small random-draw helpers shared by the simulator's stages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from customer_lifecycle.simulate.params import SECONDS_PER_DAY


def events(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[i]`` uniform times in ``[lo[i], hi[i])``: (owner index, time)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    t = lo[owner] + rng.random(len(owner)) * (hi - lo)[owner]
    return owner, t


def choice(rng: np.random.Generator, probs: Sequence[float], size: int) -> np.ndarray:
    """``size`` category codes drawn with probabilities ``probs`` (normalised)."""
    p = np.asarray(probs, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def to_seconds(t_days: np.ndarray) -> np.ndarray:
    """Times in days as whole seconds (floored)."""
    return np.floor(t_days * SECONDS_PER_DAY).astype(np.int64)
