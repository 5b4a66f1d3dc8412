"""Parallel sweeps (emozoo.bench.engines): local worker processes and a real Ray cluster on loopback give the
sequential run's cells and results.json, cell for cell; an interrupted or crashed parallel run leaves only whole
cells and resumes on workers; bad options fail before anything runs, with typed errors that name the fix."""

from __future__ import annotations

import importlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import emozoo
from emozoo.bench.store import CellStore
from emozoo.errors import EmozooError, InputError, NetworkError, PluginNotInstalledError

TOY_SRC = Path(__file__).resolve().parent / "fixtures" / "emozoo-toy"
METHODS = ["toy-mlp", "toy-flaky"]
#: spread 3.0: blobs that overlap, so scores and confusions differ by seed and fold (a wrong seed would show)
CONFIG = {"methods": {"toy-mlp": {"epochs": 4}, "toy-flaky": {"epochs": 4}}, "dataset": {"spread": 3.0}}
WHERE_AND_WHEN = ("wall_seconds", "worker", "signature")  # the only fields allowed to differ between engines

#: Written next to the test run and importable by its worker processes (they get the parent's sys.path): the toy
#: plugin, toy-flaky (fails in fit), and toy-crash, whose worker process dies at seed 1 as an OOM kill would.
FIXTURE_MODULE = '''
import importlib, multiprocessing, os
from dataclasses import replace

from emozoo import hookimpl
from emozoo_toy.model import ToyClassifier
from emozoo_toy.plugin import TOY_FLAKY, TOY_MLP

CRASH = replace(TOY_MLP, id="toy-crash", aliases=(), model_class="emozoo_sweep_fixture:CrashAtSeedOne")


class CrashAtSeedOne(ToyClassifier):
    spec = CRASH

    def fit(self, train, val=None, *, runtime=None, callbacks=()):
        if self.config.seed == 1 and multiprocessing.parent_process() is not None:  # never in the test's own process
            os._exit(3)
        return super().fit(train, val, runtime=runtime, callbacks=callbacks)


class Extra:
    @hookimpl
    def emozoo_register_methods(self, register):
        register(TOY_FLAKY)
        register(CRASH)


def install():
    from emozoo import registry
    reg = registry.Registry(autoload=False)
    reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
    reg.register_plugin(Extra(), name="extra", distribution="emozoo-sweep-fixture", version="0.0.1")
    registry.reset_registry(reg)
'''

#: The interrupted run: the reference sweep, toy-crash, then toy-mlp-wide cells that never finish before Ctrl-C.
INTERRUPTED_RUN = '''
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # a shell that ran the tests in the background left it ignored
sys.path[:0] = [{toy!r}, {fixture!r}]
import emozoo, emozoo_sweep_fixture

if __name__ == "__main__":
    emozoo_sweep_fixture.install()
    config = {{**{config!r}, "methods": {{**{config!r}["methods"], "toy-crash": {{"epochs": 4}}, "toy-mlp-wide": {{"epochs": 10**6}}}}}}
    emozoo.benchmark(["toy-crash", "toy-mlp", "toy-flaky", "toy-mlp-wide"], "toy-blobs", seeds=2, config=config,
                     out={out!r}, workers=2, progress=True)
'''


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    """The toy registry (plus toy-flaky and toy-crash) for this module, importable by worker processes too."""
    from emozoo import registry

    folder = tmp_path_factory.mktemp("sweep-fixture")
    (folder / "emozoo_sweep_fixture.py").write_text(FIXTURE_MODULE)
    with pytest.MonkeyPatch.context() as mp:
        for var in ("EMOZOO_STRICT_PLUGINS", "EMOZOO_PLUGINS", "EMOZOO_PLUGINS_DISABLE"):
            mp.delenv(var, raising=False)
        mp.syspath_prepend(str(TOY_SRC))
        mp.syspath_prepend(str(folder))
        importlib.import_module("emozoo_sweep_fixture").install()
        yield folder
        registry.reset_registry(None)
        for name in [m for m in sys.modules if m.startswith(("emozoo_toy", "emozoo_sweep_fixture"))]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def sequential(fixture_dir, tmp_path_factory):
    """The reference: the sweep run cell after cell in this process (as before engines existed)."""
    out = tmp_path_factory.mktemp("sequential")
    result = emozoo.benchmark(METHODS, "toy-blobs", seeds=2, config=CONFIG, out=out, progress=False)
    assert [c["status"] for c in result.cells] == ["ok"] * 4 + ["failed"] * 4
    assert len({json.dumps(c["records"][0]["metrics"], sort_keys=True) for c in result.cells[:4]}) == 4  # all differ
    assert all(c["worker"]["engine"] == "sequential" and c["worker"]["pid"] == os.getpid() for c in result.cells)
    return out


def cells_of(out: Path) -> dict[str, dict]:
    """Every cell file of a run, without the fields that say where and when it ran."""
    cells = {}
    for path in sorted((out / "cells").glob("*.json")):
        cell = json.loads(path.read_text())
        cells[path.name] = {k: v for k, v in cell.items() if k not in WHERE_AND_WHEN}
    return cells


def results_of(out: Path, *, resumed: bool = False) -> dict:
    """results.json without how the sweep ran (engine, workers), wall times and (across runs) the git commit."""
    results = json.loads((out / "results.json").read_text())
    assert results.pop("execution")["engine"] in ("sequential", "local", "ray")
    results["environment"].pop("git_commit")
    for cell in results["cells"]:
        cell.pop("wall_seconds")
        if resumed:
            cell.pop("resumed")
    return results


def assert_same_as_sequential(out: Path, reference: Path, *, resumed: bool = False) -> None:
    ours, theirs = cells_of(out), cells_of(reference)
    assert set(theirs) <= set(ours) and len(theirs) == 8
    for name in theirs:
        assert ours[name] == theirs[name], f"cell {name} differs from the sequential run"
    assert results_of(out, resumed=resumed) == results_of(reference, resumed=resumed)
    for name in ("results.md", "results.csv"):
        assert (out / name).read_text() == (reference / name).read_text()


def test_local_workers_give_the_sequential_cells(sequential, tmp_path, capsys):
    result = emozoo.benchmark(METHODS, "toy-blobs", seeds=2, config=CONFIG, out=tmp_path, workers=2, progress=True)
    assert_same_as_sequential(tmp_path, sequential)
    pids = {c["worker"]["pid"] for c in result.cells}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids and {c["worker"]["engine"] for c in result.cells} == {"local"}
    failed = result.failed
    assert len(failed) == 4 and all(c["error"]["type"] == "RuntimeError" and "CUDA out of memory" in c["error"]["message"] for c in failed)
    assert json.loads((tmp_path / "results.json").read_text())["execution"] == {
        "engine": "local", "workers": 2, "threads_per_worker": 1, "address": None}
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("bench recognition: ")]
    assert len(lines) == 8 and sorted(int(line.split()[2].split("/")[0]) for line in lines) == list(range(1, 9))
    assert lines[-1].endswith("all done") and "left" in lines[0]


def test_interrupt_and_crash_leave_whole_cells_and_the_rest_resumes_on_workers(sequential, fixture_dir, tmp_path, capsys):
    out = tmp_path / "out"
    script = tmp_path / "run.py"
    script.write_text(INTERRUPTED_RUN.format(toy=str(TOY_SRC), fixture=str(fixture_dir), config=CONFIG, out=str(out)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "cells").glob("*.json"))) < 12:  # toy-crash, toy-mlp and toy-flaky done: wide ones run
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "too slow"
            time.sleep(0.2)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the parent (its workers ignore SIGINT: the parent decides)
        log = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and "KeyboardInterrupt" in log

    store = CellStore(out)
    names = sorted(p.stem for p in (out / "cells").glob("*.json"))
    assert len(names) == 12 and not list((out / "cells").glob(".*"))  # no half-written cell, no temp file left
    cells = {}
    for name in names:
        method, fold, seed = name.split("__")
        found = store.load(name, expect={"method": method, "fold": fold, "seed": int(seed.removeprefix("seed"))})
        assert found.cell is not None, found.problem
        cells[name] = found.cell
    crashed = [c for c in cells.values() if c["method"] == "toy-crash" and c["seed"] == 1]
    assert len(crashed) == 2 and all(c["status"] == "failed" and c["error"]["type"] == "WorkerCrash" for c in crashed)
    assert all("exit code 3" in c["error"]["message"] for c in crashed)
    assert all(c["status"] == "ok" for c in cells.values() if c["method"] == "toy-crash" and c["seed"] == 0)
    dead = {c["worker"]["pid"] for c in crashed}
    later = {c["worker"]["pid"] for c in cells.values() if c["method"] in METHODS}
    assert len(dead) == 2 and not later & dead  # both first workers died; fresh ones took their places and went on
    for pid in later | dead:  # no worker outlived the interrupted run
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

    capsys.readouterr()
    again = emozoo.benchmark(METHODS, "toy-blobs", seeds=2, config=CONFIG, out=out, workers=2, progress=True)
    assert [c["resumed"] for c in again.cells] == [True] * 4 + [False] * 4  # ok cells reused; failed ones retried
    assert_same_as_sequential(out, sequential, resumed=True)
    err = capsys.readouterr().err
    assert "bench recognition: 4/8 cells resumed from earlier runs" in err and "8/8" in err


#: A sweep of cells that never finish, on 2 workers; the test kills this process outright.
ENDLESS_RUN = '''
import sys
sys.path[:0] = [{toy!r}, {fixture!r}]
import emozoo, emozoo_sweep_fixture
if __name__ == "__main__":
    emozoo_sweep_fixture.install()
    emozoo.benchmark(["toy-mlp-wide"], "toy-blobs", seeds=2, config={{"methods": {{"toy-mlp-wide": {{"epochs": 10**6}}}}}},
                     out={out!r}, workers=2, progress=True)
'''


def _processes_marked(mark: str) -> list[int]:
    """The pids whose environment holds ``mark`` (the sweep's process, its forkserver and the workers it forked)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if mark.encode() in (entry / "environ").read_bytes() and (entry / "stat").read_text().split()[2] != "Z":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="finds the workers through /proc (Linux)")
def test_workers_leave_when_the_sweep_process_is_killed(fixture_dir, tmp_path):
    script = tmp_path / "endless.py"
    script.write_text(ENDLESS_RUN.format(toy=str(TOY_SRC), fixture=str(fixture_dir), out=str(tmp_path / "out")))
    mark = f"EMOZOO_TEST_SWEEP_MARK={secrets.token_hex(8)}"
    env = {**os.environ, "OMP_NUM_THREADS": "1", mark.split("=")[0]: mark.split("=")[1]}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_processes_marked(mark)) < 5:  # the sweep, its resource tracker, its forkserver and two workers
            assert proc.poll() is None and time.monotonic() < deadline, "the sweep did not start its workers"
            time.sleep(0.2)
        time.sleep(3.0)  # the workers past their set-up, inside the cells (which never end)
    finally:
        proc.kill()  # SIGKILL: no cleanup runs in the sweep's process
        proc.wait()
    deadline = time.monotonic() + 30
    while _processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _processes_marked(mark)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "worker processes outlived the killed sweep"


@pytest.fixture(scope="module")
def ray_cluster(fixture_dir, tmp_path_factory):
    """A real Ray cluster: `ray start --head` on 127.0.0.1 only, 2 CPUs, a token of its own; stopped afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        # Loopback only (Ray otherwise advertises the routable interface), no telemetry, token authentication.
        ray_env = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
                   "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        for name, value in ray_env.items():
            mp.setenv(name, value)
        pytest.importorskip("ray", reason="could not import ray (the emozoo[ray] extra, which scripts/setup.sh installs)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
        log = tmp_path_factory.mktemp("ray-log") / "ray.log"
        # Every node of a real cluster has emozoo and the benchmarked plugins installed; here, the path stands in.
        path = os.pathsep.join([str(TOY_SRC), str(fixture_dir)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
        command = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
                   "--port", str(port), "--num-cpus", "2", "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", temp]
        with open(log, "w") as sink:
            proc = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": path}, stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while "Ray runtime started" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
            yield f"127.0.0.1:{port}"
        finally:
            import ray

            if ray.is_initialized():
                ray.shutdown()
            proc.terminate()  # `ray start --block` stops the processes it started
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            subprocess.run(["rm", "-rf", temp], check=False)


def test_ray_cluster_gives_the_sequential_cells(sequential, ray_cluster, tmp_path):
    result = emozoo.benchmark(METHODS, "toy-blobs", seeds=2, config=CONFIG, out=tmp_path, engine="ray", address=ray_cluster,
                              workers=2, progress=False)
    assert_same_as_sequential(tmp_path, sequential)
    assert {c["worker"]["engine"] for c in result.cells} == {"ray"} and os.getpid() not in {c["worker"]["pid"] for c in result.cells}
    assert json.loads((tmp_path / "results.json").read_text())["execution"] == {
        "engine": "ray", "workers": 2, "threads_per_worker": 1, "address": ray_cluster}
    import ray

    assert not ray.is_initialized()  # the run let go of the cluster it joined; the cluster itself runs on


def test_bad_options_fail_before_anything_runs_and_the_cli_passes_good_ones(fixture_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    run = dict(seeds=1, config=CONFIG, out=out)
    for bad, match in [({"workers": 0}, "workers=0: give a whole number >= 1"), ({"workers": -2}, "workers=-2"),
                       ({"workers": 1.5}, "workers=1.5"), ({"threads_per_worker": 0}, "threads_per_worker=0"),
                       ({"engine": "dask"}, "unknown engine 'dask'; choose 'local'"),
                       ({"address": "127.0.0.1:6379"}, "add --engine ray"),
                       ({"engine": "ray", "address": "head-node"}, "is not HOST:PORT")]:
        with pytest.raises(InputError, match=match):
            emozoo.benchmark(METHODS, "toy-blobs", **run, **bad)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    if importlib.util.find_spec("ray") is not None:
        with pytest.raises(NetworkError, match="no Ray cluster answers there.*ray start --head"):
            emozoo.benchmark(METHODS, "toy-blobs", **run, engine="ray", address=closed)
    with monkeypatch.context() as mp:
        mp.setitem(sys.modules, "ray", None)  # as if Ray were not installed
        with pytest.raises(PluginNotInstalledError, match=r"pip install 'emozoo\[ray\]'"):
            emozoo.benchmark(METHODS, "toy-blobs", **run, engine="ray")
    assert not out.exists()  # nothing was written, nothing trained

    from emozoo.cli import main

    base = ["bench", "toy-mlp", "--dataset", "toy-blobs", "--out", str(out), "--quiet"]
    assert main(base + ["--workers", "0"]) == 2 and "workers=0" in capsys.readouterr().err
    assert main(base + ["--threads-per-worker", "0"]) == 2 and "threads_per_worker=0" in capsys.readouterr().err
    assert main(base + ["--address", closed]) == 2 and "add --engine ray" in capsys.readouterr().err
    if importlib.util.find_spec("ray") is not None:
        assert main(base + ["--engine", "ray", "--address", closed]) == 2 and "no Ray cluster answers" in capsys.readouterr().err
    assert not out.exists()

    config = tmp_path / "bench.json"
    config.write_text(json.dumps({"methods": {"toy-mlp": {"epochs": 2}}, "dataset": {"n_folds": 1}}))
    good = ["bench", "toy-mlp", "--dataset", "toy-blobs", "--seeds", "2", "--config", str(config), "--out", str(tmp_path / "cli"),
            "--quiet", "--workers", "2", "--threads-per-worker", "1"]
    assert main(good) == 0 and "## Paper / ours / gap" in capsys.readouterr().out
    results = json.loads((tmp_path / "cli" / "results.json").read_text())
    assert results["execution"] == {"engine": "local", "workers": 2, "threads_per_worker": 1, "address": None}
    assert [c["status"] for c in results["cells"]] == ["ok", "ok"]


def test_a_worker_with_other_code_than_the_sweep_refuses_it(fixture_dir):
    from dataclasses import replace
    from importlib import metadata

    from emozoo.bench.cell import SweepContext, prepare_worker

    installed = metadata.version("emozoo-aae")  # any installed plugin distribution
    spec = replace(emozoo.get_spec("toy-mlp"), plugin="emozoo-aae", version=installed + ".post9")
    with pytest.raises(EmozooError, match=f"has emozoo-aae {installed}, the sweep emozoo-aae {installed}.post9.*install emozoo-aae=="):
        prepare_worker(SweepContext((spec,), None))
    with pytest.raises(EmozooError, match=f"runs emozoo {emozoo.__version__}, the sweep emozoo 0.0.1; install emozoo==0.0.1"):
        prepare_worker(SweepContext((), None, core_version="0.0.1"))
    assert emozoo.get_spec("toy-mlp").plugin == "emozoo-toy"  # refused before touching this process's registry
