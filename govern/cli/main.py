"""Entry point of the `govern` command: registers the command modules on the app."""

from __future__ import annotations

from govern.cli import (  # noqa: F401  (commands register on import)
    compare_cmds,
    demo_cmd,
    documents_cmds,
    explain_cmds,
    fairness_cmds,
    ledger_cmds,
    monitor_cmds,
    provenance_cmds,
    registry_cmds,
    serve_cmds,
)
from govern.cli.app import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
