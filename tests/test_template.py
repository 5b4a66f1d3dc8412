"""``emozoo new-plugin``: the written package installs (not editable), is discovered through its entry point, and
passes its own tests (the conformance kit) unchanged; a broken copy makes the kit command fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from emozoo.errors import InputError
from emozoo.testing.template import new_plugin


def _run(args: list[str], site: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EMOZOO_PLUGINS", "EMOZOO_DISABLE_PLUGIN_AUTOLOAD")}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "modality", "family"), [("kit-gan", "physiological", "GAN"), ("kit-clf", "text", "LLM")])
def test_new_plugin_installs_and_passes_its_tests(tmp_path, name, modality, family):
    made = _run([sys.executable, "-m", "emozoo", "new-plugin", name, "--modality", modality, "--family", family, "--out", str(tmp_path)])
    assert made.returncode == 0, made.stderr
    root, site = tmp_path / f"emozoo-{name}", tmp_path / "site"
    module = "emozoo_" + name.replace("-", "_")
    installed = _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(site), str(root)])
    assert installed.returncode == 0, installed.stderr
    assert (site / module / "card.md").is_file() and not (site / module / "tests").exists()

    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")], site=site, cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert ("15 passed" if family == "GAN" else "14 passed, 1 skipped") in tests.stdout  # skipped: it does not generate

    plugin_py = site / module / "plugin.py"
    plugin_py.write_text("import torch  # noqa: F401 - breaks the contract on purpose\n" + plugin_py.read_text())
    broken = _run([sys.executable, "-m", "emozoo.testing", f"emozoo-{name}", "--pytest=-k", "--pytest=imports_no_torch"], site=site, cwd=tmp_path)
    assert broken.returncode == 1 and "imports torch at import time" in broken.stdout, broken.stdout[-3000:]


def test_new_plugin_refuses_bad_arguments(tmp_path):
    with pytest.raises(InputError, match="lower-case"):
        new_plugin("My_GAN", modality="face", family="GAN", out=tmp_path)
    with pytest.raises(InputError, match="modality 'eeg' is not one of"):
        new_plugin("x", modality="eeg", family="GAN", out=tmp_path)
    with pytest.raises(InputError, match="family 'CNN' is not one of"):
        new_plugin("x", modality="face", family="CNN", out=tmp_path)
    root = new_plugin("x", modality="face", family="AE", out=tmp_path)
    assert "can_generate=False" in (root / "emozoo_x" / "plugin.py").read_text()
    with pytest.raises(InputError, match="exists and is not empty"):
        new_plugin("x", modality="face", family="AE", out=tmp_path)
