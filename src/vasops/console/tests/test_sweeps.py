import datetime as dt
import io

import pytest
from django.core.management import call_command

from vasops.console import sweeps

pytestmark = pytest.mark.django_db


def test_run_sweeps_once_runs_every_sweep_and_reports_each():
    out = io.StringIO()
    call_command("run_sweeps", "--once", stdout=out)
    lines = out.getvalue()
    for sweep in sweeps.SWEEPS:
        assert f"{sweep.name}:" in lines
    assert "error" not in lines


def test_a_sweep_runs_again_only_after_its_interval():
    calls = []
    fake = sweeps.Sweep("fake", "测试", dt.timedelta(minutes=5), lambda: calls.append(1) or len(calls))
    original = sweeps.SWEEPS
    sweeps.SWEEPS = [fake]
    try:
        last: dict[str, dt.datetime] = {}
        t0 = dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.UTC)
        sweeps.run_due(last, t0)
        sweeps.run_due(last, t0 + dt.timedelta(minutes=4, seconds=59))
        sweeps.run_due(last, t0 + dt.timedelta(minutes=5))
    finally:
        sweeps.SWEEPS = original
    assert calls == [1, 1]


def test_a_failing_sweep_is_reported_and_does_not_stop_the_others():
    def boom():
        raise RuntimeError("数据库暂时不可用")

    ran = []
    original = sweeps.SWEEPS
    sweeps.SWEEPS = [
        sweeps.Sweep("broken", "坏", dt.timedelta(minutes=1), boom),
        sweeps.Sweep("fine", "好", dt.timedelta(minutes=1), lambda: ran.append(1) or "ok"),
    ]
    try:
        results = sweeps.run_due({}, dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    finally:
        sweeps.SWEEPS = original
    assert results["broken"].startswith("error: 数据库暂时不可用")
    assert results["fine"] == "ok" and ran == [1]
