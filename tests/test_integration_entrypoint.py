"""End to end through a real entry point: pip-install the toy plugin, then list, train, save and load it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY_SRC = REPO / "tests" / "fixtures" / "emozoo-toy"

SCRIPT = """
import json, sys, torch, emozoo
torch.manual_seed(0)
centers = torch.tensor([[2.0] * 8, [0.0] * 8, [-2.0] * 8])
y = torch.arange(3).repeat(40)
x = centers[y] + 0.5 * torch.randn(len(y), 8)
model = emozoo.load("toy-mlp", epochs=15)
history = model.fit((x, y))
model.save_pretrained(sys.argv[1], metadata={"training_data": {"dataset": "gaussian blobs"}})
loaded = emozoo.from_pretrained(sys.argv[1])
same = torch.equal(model.predict(x).probabilities, loaded.predict(x).probabilities)
print("RESULT " + json.dumps({"loss": history.series("loss"), "acc": loaded.evaluate((x, y))["ACC"],
                              "same": same, "plugin": loaded.pretrained_source["metadata"]["plugin"]}))
"""


@pytest.fixture(scope="module")
def installed_toy(tmp_path_factory) -> Path:
    """The toy plugin built and installed by pip into its own site directory."""
    root = tmp_path_factory.mktemp("toy")
    src = root / "src"
    shutil.copytree(TOY_SRC, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    site = root / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(site), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert list(site.glob("emozoo_toy-0.3.1.dist-info/entry_points.txt"))
    return site


def _env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOZOO_")}
    env["PYTHONPATH"] = str(site)
    return env


def _emozoo_cli() -> list[str]:
    script = Path(sys.executable).with_name("emozoo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "emozoo"]


@pytest.mark.slow
def test_console_script_lists_installed_plugin(installed_toy):
    proc = subprocess.run([*_emozoo_cli(), "list", "--json"], env=_env(installed_toy), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    methods = {m["id"]: m for m in json.loads(proc.stdout)}
    assert set(methods) >= {"toy-mlp", "toy-mlp-wide"}
    assert (methods["toy-mlp"]["plugin"], methods["toy-mlp"]["version"]) == ("emozoo-toy", "0.3.1")
    doctor = subprocess.run([*_emozoo_cli(), "doctor", "--json"], env=_env(installed_toy), capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert any(p["distribution"] == "emozoo-toy" for p in json.loads(doctor.stdout)["plugins"])


@pytest.mark.slow
def test_installed_plugin_trains_saves_and_loads(installed_toy, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path / "saved")],
        env=_env(installed_toy), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])
    assert result["loss"][-1] < 0.5 * result["loss"][0]
    assert result["acc"] > 0.9
    assert result["same"] is True
    assert result["plugin"]["requires"] == "emozoo-toy>=0.3.1,<0.4"
