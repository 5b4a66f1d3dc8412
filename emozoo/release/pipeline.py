"""``emozoo release``: build every planned release that is missing or stale, then publish and pin each one.

Resumable: a release whose folder already holds an artifact trained from the same recipe (method, data options,
config, fold, seed, size) is kept, not retrained. Publishing goes to the embedded Hub (the committed folder becomes a
git repo with a deterministic commit, :mod:`emozoo.release.mirror`) or, with ``endpoint``, to any Hub through
``huggingface_hub``'s upload path; either way the commit and every file's sha256 are pinned in ``registry.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emozoo.errors import ConfigError
from emozoo.release.plan import ReleasePlan, ReleaseSpec

RECIPE_KEYS = ("method", "dataset", "fold", "seed", "small", "dataset_options", "overrides", "protocol_options")


@dataclass(frozen=True)
class ReleaseOutcome:
    """What happened to one release: built or kept, and where it was published (commit) and pinned."""

    name: str
    directory: Path
    built: bool
    commit: str | None = None
    endpoint: str | None = None


def current_recipe(directory: Path) -> dict[str, Any] | None:
    """The recipe an existing release folder was trained from (None when there is no readable release there)."""
    from emozoo.artifact import read_metadata
    from emozoo.errors import EmozooError

    if not (directory / "emozoo.json").is_file():
        return None
    try:
        release = read_metadata(directory).get("release")
    except EmozooError:
        return None
    return {k: release.get(k) for k in RECIPE_KEYS} if isinstance(release, dict) else None


def wanted_recipe(spec: ReleaseSpec, repo_root: Path, small: bool) -> dict[str, Any]:
    """The recipe ``spec`` trains from now (what :func:`current_recipe` must equal for a kept release)."""
    from emozoo.release.build import recipe

    run = spec.shrunk() if small else spec
    plan = recipe(run, repo_root)
    return {"method": spec.method, "dataset": spec.dataset, "fold": spec.fold, "seed": spec.seed, "small": small,
            "dataset_options": plan.dataset_options, "overrides": plan.overrides, "protocol_options": plan.protocol_options}  # fmt: skip


def select(plan: ReleasePlan, names: Sequence[str]) -> list[ReleaseSpec]:
    """The named releases (every one when ``names`` is empty), in plan order; an unknown name is a ConfigError."""
    if not names:
        return list(plan.releases)
    wanted = [plan.get(n).name for n in names]
    return [s for s in plan.releases if s.name in wanted]


def run_releases(
    plan: ReleasePlan,
    names: Sequence[str] = (),
    *,
    out: str | Path,
    data_root: str | Path | None,
    repo_root: str | Path,
    small: bool = False,
    rebuild: bool = False,
    publish: str | None = "embedded",
    token: str | None = None,
    registry_path: str | Path | None = None,
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> list[ReleaseOutcome]:
    """Build (or keep) each selected release, then publish and pin it; see the module docstring."""
    from emozoo.release.build import build_release
    from emozoo.release.publish import publish_release

    repo_root = Path(repo_root)
    specs = select(plan, names)
    if not specs:
        raise ConfigError(f"{plan.path} plans no release")
    outcomes = []
    for i, spec in enumerate(specs, 1):
        directory = Path(out) / spec.name
        keep = not rebuild and current_recipe(directory) == wanted_recipe(spec, repo_root, small)
        if keep:
            log(f"release [{i}/{len(specs)}] {spec.name}: up to date in {directory}")
        else:
            log(f"release [{i}/{len(specs)}] {spec.name}: training {spec.method} on {spec.dataset} (held-out {spec.fold}, seed {spec.seed})")
            command = f"emozoo release {spec.name}" + (" --small" if small else "")
            built = build_release(spec, out, data_root=data_root, repo_root=repo_root, small=small, command=command)
            shown = ", ".join(f"{k} {v:.4f}" for k, v in list(built.scores.items())[:4])
            log(f"release [{i}/{len(specs)}] {spec.name}: {shown} held out; reload reproduced them exactly ({built.fit_seconds:.0f} s)")
        commit = endpoint = None
        if publish is not None:
            commit, endpoint = publish_release(spec, directory, target=publish, token=token, registry_path=registry_path)
            log(f"release [{i}/{len(specs)}] {spec.name}: published {spec.repo_id}@{commit[:12]} ({endpoint}) and pinned")
        outcomes.append(ReleaseOutcome(spec.name, directory, built=not keep, commit=commit, endpoint=endpoint))
    return outcomes
