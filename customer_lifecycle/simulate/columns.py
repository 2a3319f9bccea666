"""Fast string columns: fixed-width ASCII matrices turned into Arrow arrays.

Ids (``C0000042``) and timestamps (``YYYY-MM-DD HH:MM:SS``) are built digit by
digit in numpy uint8 matrices, never with per-row Python string formatting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_lifecycle.simulate.params import SECONDS_PER_DAY


def _ascii_array(chars: np.ndarray) -> pa.Array:
    """An (n, w) uint8 matrix of ASCII codes as an Arrow large_string array."""
    n, w = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * w
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _put_digits(chars: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    for k in range(width):
        chars[:, col + width - 1 - k] = 48 + (values // 10**k) % 10


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` followed by zero-padded ``numbers``, e.g. ``C0000042``."""
    numbers = np.asarray(numbers, dtype=np.int64)
    chars = np.empty((len(numbers), len(prefix) + width), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    _put_digits(chars, len(prefix), numbers, width)
    return _ascii_array(chars)


def _date_parts(epoch_seconds: np.ndarray) -> tuple[np.ndarray, ...]:
    days = epoch_seconds // SECONDS_PER_DAY
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    year = m.astype("datetime64[Y]").astype(np.int64) + 1970
    month = m.astype(np.int64) % 12 + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day, epoch_seconds - days * SECONDS_PER_DAY


def timestamps(epoch_seconds: np.ndarray, with_time: bool = True) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` (or ``YYYY-MM-DD``) strings for epoch seconds."""
    secs = np.asarray(epoch_seconds, dtype=np.int64)
    year, month, day, sod = _date_parts(secs)
    chars = np.empty((len(secs), 19 if with_time else 10), dtype=np.uint8)
    _put_digits(chars, 0, year, 4)
    chars[:, 4] = chars[:, 7] = ord("-")
    _put_digits(chars, 5, month, 2)
    _put_digits(chars, 8, day, 2)
    if with_time:
        chars[:, 10] = ord(" ")
        chars[:, 13] = chars[:, 16] = ord(":")
        _put_digits(chars, 11, sod // 3600, 2)
        _put_digits(chars, 14, sod // 60 % 60, 2)
        _put_digits(chars, 17, sod % 60, 2)
    return _ascii_array(chars)


def labels(names: Sequence[str], codes: np.ndarray) -> pa.Array:
    """``names[code]`` for each code, as an Arrow large_string array."""
    return pa.array(list(names), pa.large_string()).take(pa.array(codes))


def with_nulls(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """``arr`` with nulls where ``mask`` is true."""
    if not mask.any():
        return arr
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def str_col(arr: pa.Array) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as a pandas column (no copy to Python objects)."""
    return pd.arrays.ArrowStringArray(arr)
