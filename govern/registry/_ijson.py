"""Numbers as the ledger's canonical JSON carries them: I-JSON (RFC 7493).

Only finite numbers, and integers within +-(2**53-1); anything else becomes None or the nearest
float, so a dataset's manifest and profile can go into a ledger entry as they are.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd

_MAX_SAFE_INT: Final = 2**53 - 1


def json_number(x: Any) -> int | float | None:
    """A JSON-safe number: NaN, infinity and missing become None; an int beyond 2**53 a float."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, int | np.integer):
        i = int(x)
        # Beyond +-(2**53-1) I-JSON cannot carry an int exactly; the nearest float is what any
        # JSON reader would make of it anyway.
        return i if -_MAX_SAFE_INT <= i <= _MAX_SAFE_INT else float(i)
    f = float(x)
    return f if math.isfinite(f) else None
