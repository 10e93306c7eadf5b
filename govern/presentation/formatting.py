"""How every govern document prints a value: one number format, one timestamp format, one
"not recorded".

Numbers: floats with four fixed decimals (``12.3456``), values smaller than that in
e-notation (``3.20e-07``), integers with thousands separators (``1,169``), booleans as yes/no.
Ledger timestamps (``2026-12-02T05:36:10.123456Z``) print to the second in UTC
(``2026-12-02 05:36:10 UTC``); JSON outputs keep the ledger's full timestamps.
"""

from __future__ import annotations

import math
import numbers
import re

DIGITS = 4
#: A timestamp as the ledger writes it (docs/ledger-format.md): UTC, microseconds, "Z".
_LEDGER_TS = re.compile(r"\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z\b")


def fmt(value: object, digits: int = DIGITS, *, sign: bool = False) -> str | None:
    """A value as documents print it (None for None, NaN and infinities: "not recorded").

    ``sign`` prints a plus sign on positive numbers (contributions, which have a direction).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    plus = "+" if sign else ""
    if isinstance(value, numbers.Integral):
        return f"{int(value):{plus},}"
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return None
        if number != 0 and abs(number) < 10**-digits:
            return f"{number:{plus}.2e}"
        return f"{number:{plus}.{digits}f}"
    return str(value)


def shown(text: str) -> str:
    """``text`` with every ledger timestamp in it printed to the second, in UTC."""
    return _LEDGER_TS.sub(r"\1 \2 UTC", text)


def day(ts: str | None) -> str | None:
    """The date of a timestamp (``2026-12-02``)."""
    return None if ts is None else ts[:10]
