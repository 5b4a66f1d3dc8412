"""Where a result came from: versions, git commit, device, machine."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from emozoo._version import CORE_API_VERSION, __version__


def git_commit(path: str | Path | None = None) -> str | None:
    """The commit of the git checkout holding ``path`` (default: the emozoo source), or None."""
    where = Path(path) if path is not None else Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where, capture_output=True, text=True)
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def package_versions(names: list[str]) -> dict[str, str]:
    """Installed versions of the given distributions ('not installed' where absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def cpu_model() -> str:
    """The CPU's model name and widest vector instructions (``/proc/cpuinfo`` on Linux, else ``platform.processor()``):
    float kernels differ between CPUs, so trained numbers are bit-identical only on the same kind of CPU."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), platform.machine())
    flags = next((set(line.split(":", 1)[1].split()) for line in info.splitlines() if line.startswith("flags")), set())
    isa = next((f for f in ("avx512f", "avx2", "avx", "sse4_2") if f in flags), "")
    return f"{name} ({isa})" if isa else name


def environment(device: str) -> dict[str, Any]:
    """Versions, commit, device and machine, recorded once per benchmark run."""
    return {
        "emozoo": __version__,
        "core_api": CORE_API_VERSION,
        "packages": package_versions(["torch", "accelerate", "numpy", "huggingface-hub", "safetensors"]),
        "git_commit": git_commit(),
        "device": device,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
    }
