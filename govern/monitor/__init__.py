"""Ongoing monitoring and outcomes analysis (docs/monitoring.md): drift, back-testing and
breaches of a model version in use, recorded in the ledger."""

from __future__ import annotations

from govern.monitor.run import MonitoringReport, monitor

__all__ = ["MonitoringReport", "monitor"]
