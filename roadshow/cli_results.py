"""``flask roadshow verify-results``: recompute every published snapshot and check its invariants.

Imported by :func:`roadshow.cli.init_app`, which adds the command to the ``roadshow`` group.
"""
from __future__ import annotations

import click

from roadshow.cli import roadshow_cli
from roadshow.services import result_checks


@roadshow_cli.command("verify-results")
def verify_results() -> None:
    """Recompute every published snapshot from the stored sheets with the snapshot's method; check its
    content hash, and that no conflicted or unassigned judge's sheet counted. Exit 1 on any problem."""
    report = result_checks.verify_published()
    if not report.ok:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(report.problems)} problem(s) in {report.checked} published snapshot(s).", err=True)
        raise SystemExit(1)
    click.echo(f"published results intact: {report.checked} snapshot(s), {report.sheets} counted sheet(s) "
               f"recomputed and checked.")
