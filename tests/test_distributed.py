"""Grading on a Dask cluster: a real scheduler and two worker processes on loopback."""
from __future__ import annotations

import json
import os
import shutil
import time

import pytest
from click.testing import CliRunner
from helpers import ROOT

from grader.authoring.mutants import mutant_source
from grader.cli import main
from grader.course.submission import read_submission
from grader.engine.grading import grade_batch
from grader.reports import gradescope

distributed = pytest.importorskip("distributed")
IDS = ["tensor_creation", "gotchas"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, worker_dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    subs = tmp_path_factory.mktemp("dask") / "subs"
    for name in ("ann", "ben", "cal", "dee"):
        (subs / name).mkdir(parents=True)
    for aid in IDS:
        shutil.copy(ROOT / "reference" / f"{aid}.py", subs / "ann")
        shutil.copy(ROOT / "student_template" / f"{aid}.py", subs / "ben")
    (subs / "cal" / "tensor_creation.py").write_bytes(
        mutant_source(ROOT / "assignments" / "tensor_creation" / "mutants" / "numpy_copied.py"))
    # A submission that kills its own sandbox: it fails alone, as locally.
    (subs / "dee" / "gotchas.py").write_text("import ctypes\nctypes.string_at(0)\n")
    return subs


def _grade(grader, subs, **kwargs):
    course = grader.course
    assignments = [course.get(a) for a in IDS]
    submissions = [read_submission(p.name, p, IDS) for p in sorted(subs.iterdir())]
    if "client" in kwargs:
        from grader.engine.distributed import grade_on_cluster
        return grade_on_cluster(kwargs["client"], grader, assignments, submissions, kwargs.get("progress"))
    return grade_batch(grader, assignments, submissions)


def _without_timings(data: dict) -> dict:
    """A results.json less what only measures time (the student's own, and per assignment)."""
    data.pop("execution_time")
    for a in data["extra_data"]["assignments"]:
        a.pop("seconds")
    return data


def _comparable(results):
    return {r.student: _without_timings(gradescope.to_results_json(r)) for r in results}


def test_cluster_results_equal_a_local_run(grader, cluster, small_class):
    local = _grade(grader, small_class)
    with distributed.Client(cluster.scheduler_address) as client:
        remote = _grade(grader, small_class, client=client)
        # One fork server per Dask worker, started by the plugin, not per task.
        engines = client.run(lambda dask_worker: dask_worker._grader_engine[1].proc.pid)
        assert len(set(engines.values())) == 2
    assert _comparable(remote) == _comparable(local)
    scores = {r.student: r.score for r in remote}
    assert scores["ann"] == 20 and scores["ben"] == 0 and 0 < scores["cal"] < 10
    dee = next(a for r in remote if r.student == "dee" for a in r.assignments if a.assignment_id == "gotchas")
    assert "SIGSEGV" in dee.error


def test_a_worker_killed_mid_batch_loses_nothing(grader, cluster, small_class):
    local = _grade(grader, small_class)
    with distributed.Client(cluster.scheduler_address) as client:
        victims = list(client.scheduler_info()["workers"])
        killed = []

        def kill_one(_n):
            if not killed:
                killed.append(victims[0])
                try:
                    client.run(lambda: os._exit(1), workers=[victims[0]], on_error="ignore")
                except Exception:  # noqa: BLE001 - the worker dies answering; that is the point
                    pass

        remote = _grade(grader, small_class, client=client, progress=kill_one)
        assert killed
        deadline = time.monotonic() + 60
        while len(client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)  # the nanny restarts the worker for the next test
    assert _comparable(remote) == _comparable(local)


def test_cli_grades_on_the_cluster_like_locally(cluster, small_class, tmp_path):
    args = [str(small_class), "--assignment", IDS[0], "--assignment", IDS[1]]
    here = CliRunner().invoke(main, ["grade", *args, "--out", str(tmp_path / "local")])
    there = CliRunner().invoke(main, ["grade", *args, "--out", str(tmp_path / "dask"),
                                      "--scheduler", cluster.scheduler_address])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    assert (tmp_path / "local" / "grades.csv").read_text() == (tmp_path / "dask" / "grades.csv").read_text()
    for student in ("ann", "ben", "cal", "dee"):
        a, b = (_without_timings(json.loads((tmp_path / d / student / "results.json").read_text()))
                for d in ("local", "dask"))
        assert a == b


def test_unreachable_scheduler_is_a_one_line_error(small_class, tmp_path):
    result = CliRunner().invoke(main, ["grade", str(small_class), "--out", str(tmp_path / "o"),
                                       "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def test_expected_values_reach_each_worker_once_not_with_every_task(grader, cluster, small_class, monkeypatch):
    # Issue 19.5: count what the client sends. Each assignment's expected values go out in
    # one task; the grading tasks carry a reference to its result (before: the values themselves).
    with distributed.Client(cluster.scheduler_address) as client:
        sent = []
        real_submit = client.submit

        def spy(fn, *args, **kwargs):
            sent.append((fn.__name__, args))
            return real_submit(fn, *args, **kwargs)

        monkeypatch.setattr(client, "submit", spy)
        remote = _grade(grader, small_class, client=client)
        shipped = [args[0] for name, args in sent if name == "expected_values"]
        graded = [args for name, args in sent if name == "_grade_on_worker"]
        assert sorted(map(len, shipped)) == sorted(len(grader.expected(grader.course.get(a))) for a in IDS)
        assert len(graded) >= 2  # at least one task per assignment
        for _assignment_id, _targets, store in graded:
            assert isinstance(store, distributed.Future), type(store)  # not the values: a name for them
        keys = {store.key for _, _, store in graded}
        assert len(keys) == len(IDS)
    assert {r.student: r.score for r in remote}["ann"] == 20
