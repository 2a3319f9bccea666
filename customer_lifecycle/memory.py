"""DuckDB's memory cap for the build: it follows the machine unless the user sets it.

With ``LIFECYCLE_DUCKDB_MEMORY_LIMIT`` unset, the cap is ``DUCKDB_SHARE`` of the
machine's physical memory, in whole MiB. Beyond the cap DuckDB spills its heavy
operators (hash joins, aggregates, sorts) to ``<build file>.tmp``; the rest of the
process is Python (the BTYD and churn fits, the pattern scoring run in-process) and
dbt, which at 10M customers took about 4-5 GiB beside a 12 GB DuckDB cap. So 40%:
on a 24 GB machine about 9 GiB for DuckDB, about 4.6 GiB for the Python models,
and the rest for the page cache and the others on the machine; on an 8 GB laptop
3.2 GB, the old fixed default. A set variable is passed to DuckDB as written
(``12GB``, ``3000MiB``...), so DuckDB judges it.

Once the input is landed (on-run-start, macro ``land_input_files``), the cap is
lowered to what the input needs (``input_sized_memory_limit``): 80 bytes per input
row, at least 3 GiB, never above the machine's share. The 1M benchmark (11.4M input
rows) peaked at 4.31 GiB with the machine's 9.6 GB cap and at 3.65 GiB with 3 GB;
3M (34M rows) built with 3 GB, 10M (114M rows) needed more (it built with 12 GB):
80 bytes a row gives 3 GiB up to 3M customers and 9.1 GB at 10M.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

MEMORY_LIMIT_VARIABLE = "LIFECYCLE_DUCKDB_MEMORY_LIMIT"
DUCKDB_SHARE = 0.4
# Never below DuckDB's own need for a 2-thread build of the demo.
MINIMUM_MIB = 512
BYTES_PER_INPUT_ROW = 80
MINIMUM_INPUT_SIZED_BYTES = 3 * 2**30


def physical_memory_bytes() -> int:
    """The machine's physical memory (POSIX sysconf)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_memory_limit(total_bytes: int) -> str:
    """DuckDB's cap on a machine with ``total_bytes`` of memory: 40%, whole MiB."""
    mib = int(total_bytes * DUCKDB_SHARE) // 2**20
    return f"{max(mib, MINIMUM_MIB)}MiB"


def memory_limit(
    environ: Mapping[str, str] | None = None, total_bytes: int | None = None
) -> str:
    """The cap to give DuckDB: the variable when set (not blank), else the default."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    if chosen:
        return chosen
    if total_bytes is None:
        total_bytes = physical_memory_bytes()
    return default_memory_limit(total_bytes)


def input_sized_memory_limit(
    input_rows: int,
    environ: Mapping[str, str] | None = None,
    total_bytes: int | None = None,
) -> str:
    """The cap once the input is landed: the variable when set, else 80 bytes per
    input row, at least 3 GiB and at most the machine's share, whole MiB."""
    environ = os.environ if environ is None else environ
    if environ.get(MEMORY_LIMIT_VARIABLE, "").strip():
        return memory_limit(environ, total_bytes)
    if total_bytes is None:
        total_bytes = physical_memory_bytes()
    machine_mib = int(default_memory_limit(total_bytes).removesuffix("MiB"))
    needed = max(MINIMUM_INPUT_SIZED_BYTES, BYTES_PER_INPUT_ROW * max(input_rows, 0))
    return f"{min(machine_mib, needed // 2**20)}MiB"
