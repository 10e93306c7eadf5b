"""What `govern compare -o DIR` writes, and `--record` (docs/comparison.md, "Files").

``summary.json`` and ``summary.md`` (the checks' table), ``rows.csv`` (id, score, live score,
absolute difference, action, live action, largest difference first; spreadsheet formulas
neutralized) and ``report.html``. With ``--record``, a signed ``comparison.result`` entry holds
the figures and the SHA-256 of the rows and of every file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from govern import presentation as b
from govern.compare.run import Comparison
from govern.ledger import Entry
from govern.records import ComparedFile, ComparisonResult, subjects
from govern.registry import tables
from govern.registry.core import Registry

__all__ = ["files", "record", "summary_markdown", "write"]


def _fmt(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.4f}"


def summary_markdown(c: Comparison) -> str:
    lines = [
        f"# {c.candidate} against {c.live}",
        "",
        f"{c.rows:,} rows ({c.source}; {c.erased:,} with erased inputs left out). Gate: "
        f"**{'PASS' if c.passed else 'FAIL'}** (required: {', '.join(c.required)}).",
        "",
        "| check | candidate | live | threshold | status |",
        "|---|---:|---:|---:|:---:|",
    ]
    for k in c.checks:
        live = "" if k.live is None else f"{k.live:.4f}"
        threshold = "" if k.threshold is None else f"{k.threshold:g}"
        lines.append(f"| {k.check} | {_fmt(k.candidate)} | {live} | {threshold} | {k.status} |")
    lines += ["", "Transitions (candidate action x live action):", ""]
    lines += _matrix_lines(c.transitions)
    lines += ["", f"Share moving toward a harsher action: {c.harsher_share:.4f}.", ""]
    for g in c.by_group:
        lines += [
            f"{g.attribute}: {g.group} ({g.rows:,} rows; {g.changed_share:.4f} change action, "
            f"{g.harsher_share:.4f} toward a harsher one):",
            "",
            *_matrix_lines(g.transitions),
            "",
        ]
    return "\n".join(lines)


def _matrix(transitions: dict[str, dict[str, int]]) -> tuple[list[str], list[list[str]]]:
    """A transition matrix's live actions (the columns) and its rows: the candidate's action,
    then the count for each live action."""
    live_actions = sorted({a for row in transitions.values() for a in row})
    rows = [
        [a, *[str(transitions[a].get(x, 0)) for x in live_actions]] for a in sorted(transitions)
    ]
    return live_actions, rows


def _matrix_lines(transitions: dict[str, dict[str, int]]) -> list[str]:
    live_actions, rows = _matrix(transitions)
    lines = ["| candidate \\ live | " + " | ".join(live_actions) + " |"]
    lines.append("|---|" + "---:|" * len(live_actions))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def rows_csv(c: Comparison) -> bytes:
    """Every compared row, largest difference first. Text cells a spreadsheet would run as a
    formula (starting with =, +, - or @) are written as text (a leading apostrophe, as
    ``tables.spreadsheet_safe`` writes them); numbers are left as numbers; a missing cell is
    empty. Column by column in arrow: a million rows take well under a second."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    columns = {}
    for name in c.table.columns:
        col = c.table[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            columns[name] = pa.array(col.to_numpy(), from_pandas=True)
            continue
        values = col.to_numpy(dtype=object)
        try:  # text already: no Python conversion per cell
            text = pc.fill_null(pa.array(values, type=pa.string(), from_pandas=True), "")
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # other objects (True, False): as str()
            missing = pd.isna(values)
            text = pa.array(np.where(missing, "", values.astype(str)), type=pa.string())
        risky = pc.starts_with(text, tables.FORMULA_STARTS[0])
        for start in tables.FORMULA_STARTS[1:]:
            risky = pc.or_(risky, pc.starts_with(text, start))
        if pc.any(risky).as_py():
            text = pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)
        columns[name] = text
    sink = pa.BufferOutputStream()
    pacsv.write_csv(pa.table(columns), sink)
    return bytes(sink.getvalue().to_pybytes())


def _document(c: Comparison, md: str) -> b.Document:
    table = [
        [
            k.check,
            _fmt(k.candidate),
            None if k.live is None else f"{k.live:.4f}",
            None if k.threshold is None else f"{k.threshold:g}",
            k.status,
            k.detail,
        ]
        for k in c.checks
    ]
    live_actions, transitions = _matrix(c.transitions)
    top = c.table.head(50)
    rows = [
        [
            str(r.id),
            f"{r.score:.4f}",
            f"{r.live_score:.4f}",
            f"{r.abs_diff:.4f}",
            str(r.action),
            str(r.live_action),
        ]
        for r in top.itertuples(index=False)
    ]
    sections = [
        b.section(
            1,
            "gate",
            "The gate",
            [],
            [
                b.fields(
                    [
                        ("Candidate", c.candidate, f"entry {c.candidate_entry[:16]}..."),
                        ("Live", c.live, f"entry {c.live_entry[:16]}..."),
                        ("Rows", f"{c.rows:,} ({c.source})", f"sha256 {c.source_sha256}"),
                        (
                            "Gate",
                            "PASS" if c.passed else "FAIL",
                            f"required: {', '.join(c.required)}",
                        ),
                    ]
                ),
                b.table(["Check", "Candidate", "Live", "Threshold", "Status", "Detail"], table),
            ],
        ),
        b.section(
            2,
            "actions",
            "Actions",
            [],
            [
                b.table(["Candidate \\ live", *live_actions], transitions, title="Transitions"),
                b.note(f"Share moving toward a harsher action: {c.harsher_share:.4f}."),
                *_group_tables(c),
            ],
        ),
        b.section(
            3,
            "rows",
            "Largest score differences",
            [],
            [
                b.table(
                    ["Id", "Score", "Live score", "|Difference|", "Action", "Live action"],
                    rows,
                    source="rows.csv holds every row",
                ),
            ],
        ),
    ]
    return b.Document(
        "comparison",
        c.to_json(),
        title=f"{c.candidate} against {c.live}",
        subtitle=f"Gate: {'PASS' if c.passed else 'FAIL'}",
        sections=sections,
        footer="govern comparison (docs/comparison.md)",
    )


def _group_tables(c: Comparison) -> list[b.Block]:
    out: list[b.Block] = []
    for g in c.by_group:
        live_actions, rows = _matrix(g.transitions)
        out.append(
            b.table(
                ["Candidate \\ live", *live_actions],
                rows,
                title=f"Transitions of {g.attribute}: {g.group}",
                source=f"{g.rows:,} rows; {g.changed_share:.4f} change action, "
                f"{g.harsher_share:.4f} toward a harsher one",
            )
        )
    for name, n in c.ungrouped.items():
        if n:
            out.append(b.note(f"{name}: {n:,} rows have no group and are in no matrix above."))
    return out


def files(c: Comparison) -> dict[str, bytes]:
    """The files' names and bytes (the same comparison gives the same bytes)."""
    md = summary_markdown(c)
    summary = json.dumps(c.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {
        "summary.json": summary.encode("utf-8"),
        "summary.md": md.encode("utf-8"),
        "rows.csv": rows_csv(c),
        "report.html": _document(c, md).html.encode("utf-8"),
    }


def write(c: Comparison, folder: Path) -> dict[str, str]:
    """Write the files into ``folder`` (which must exist); return name -> SHA-256."""
    out = {}
    for name, data in files(c).items():
        (folder / name).write_bytes(data)
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def record(reg: Registry, c: Comparison) -> Entry:
    """A signed ``comparison.result`` (by a validator: ``record-comparison``)."""
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files(c).items()}
    return reg.record(
        ComparisonResult(
            subject=subjects.comparison(c.candidate),
            candidate=c.candidate,
            candidate_entry=c.candidate_entry,
            live=c.live,
            live_entry=c.live_entry,
            source=c.source,
            source_sha256=c.source_sha256,
            rows=c.rows,
            erased=c.erased,
            passed=c.passed,
            checks=c.checks,
            files=tuple(ComparedFile(n, d) for n, d in sorted(digests.items())),
            figures=json.loads(json.dumps(c.to_json())),
        )
    )
