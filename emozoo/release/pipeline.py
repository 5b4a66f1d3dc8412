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

from emozoo.errors import ConfigError, EmozooError
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


def artifact_specs(plan: ReleasePlan, spec: ReleaseSpec) -> list[ReleaseSpec]:
    """The releases ``spec`` publishes: itself, and for a generator its downstream classifier (``<name>-downstream``)."""
    from dataclasses import replace

    from emozoo.release.generator import DOWNSTREAM_SUFFIX

    if spec.kind != "generator":
        return [spec]
    downstream = plan.get(spec.downstream)
    return [spec, replace(spec, name=spec.name + DOWNSTREAM_SUFFIX, method=downstream.method, kind="recognizer", downstream=None,
                          default=False)]  # fmt: skip


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
    if not isinstance(release, dict):
        return None
    found = {k: release.get(k) for k in RECIPE_KEYS}
    if release.get("kind") == "generator":
        down = release.get("downstream") or {}
        found.update(downstream=[down.get("method"), down.get("overrides")], ratio=(release.get("synthetic") or {}).get("ratio"),
                     downstream_built=(directory.parent / str(down.get("name")) / "emozoo.json").is_file())  # fmt: skip
    return found


def wanted_recipe(spec: ReleaseSpec, repo_root: Path, small: bool, plan: ReleasePlan | None = None) -> dict[str, Any]:
    """The recipe ``spec`` trains from now (what :func:`current_recipe` must equal for a kept release)."""
    from emozoo.release.build import recipe

    run = spec.shrunk() if small else spec
    own = recipe(run, repo_root)
    data = own
    extra: dict[str, Any] = {}
    if spec.kind == "generator":
        if plan is None:
            raise ConfigError(f"release {spec.name} is a generator: its recipe needs the plan (for its downstream)")
        downstream = plan.get(spec.downstream)
        data = recipe(downstream.shrunk() if small else downstream, repo_root)
        extra = {"downstream": [downstream.method, data.overrides], "ratio": spec.ratio, "downstream_built": True}
    return {"method": spec.method, "dataset": spec.dataset, "fold": spec.fold, "seed": spec.seed, "small": small,
            "dataset_options": data.dataset_options, "overrides": own.overrides, "protocol_options": data.protocol_options, **extra}  # fmt: skip


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
    train: bool = True,
    log: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> list[ReleaseOutcome]:
    """Build (or keep) each selected release, then publish and pin it; see the module docstring. A release that fails
    is logged and the others go on; the run then raises :class:`ReleaseFailedError` naming every failure. With
    ``train=False`` releases whose weights are missing or stale are skipped (and logged), the others published."""
    repo_root = Path(repo_root)
    specs = select(plan, names)
    if not specs:
        raise ConfigError(f"{plan.path} plans no release")
    outcomes: list[ReleaseOutcome] = []
    failed: list[str] = []
    for i, spec in enumerate(specs, 1):
        try:
            outcomes += _one(plan, spec, i, len(specs), out=Path(out), data_root=data_root, repo_root=repo_root, small=small,
                             rebuild=rebuild, publish=publish, token=token, registry_path=registry_path, train=train, log=log)  # fmt: skip
        except EmozooError as exc:  # one release's failure does not stop the others; the run still fails at the end
            log(f"release [{i}/{len(specs)}] {spec.name}: FAILED: {exc}")
            failed.append(f"{spec.name}: {exc}")
    if failed:
        raise ReleaseFailedError(f"{len(failed)} of {len(specs)} release(s) failed (the others are done):\n" + "\n".join(failed))
    return outcomes


class ReleaseFailedError(EmozooError):
    """Some releases of a run failed (each is named with its error); the others were built and published."""


def _one(
    plan: ReleasePlan, spec: ReleaseSpec, i: int, n: int, *, out: Path, data_root: Any, repo_root: Path, small: bool, rebuild: bool,
    publish: str | None, token: str | None, registry_path: Any, train: bool, log: Callable[[str], None],
) -> list[ReleaseOutcome]:  # fmt: skip
    """Build (or keep), then publish, one planned release (``i`` of ``n``) and its parts."""
    from emozoo.release.build import build_release, rerender_card
    from emozoo.release.publish import publish_release

    step = f"release [{i}/{n}]"
    directory = out / spec.name
    keep = not rebuild and current_recipe(directory) == wanted_recipe(spec, repo_root, small, plan)
    parts = artifact_specs(plan, spec)
    if not keep and not train:
        log(f"{step} {spec.name}: not built (its weights are missing or stale); skipped: `emozoo release {spec.name}` trains it")
        return []
    if keep:
        changed = [part.name for part in parts if rerender_card(part, out / part.name)]
        log(f"{step} {spec.name}: weights up to date in {directory}" + ("; card rewritten" if changed else ""))
    else:
        log(f"{step} {spec.name}: training {spec.method} on {spec.dataset} (held-out {spec.fold}, seed {spec.seed})")
        command = f"emozoo release {spec.name}" + (" --small" if small else "")
        if spec.kind == "generator":
            from emozoo.release.generator import build_generator_release

            built = build_generator_release(spec, plan.get(spec.downstream), out, data_root=data_root, repo_root=repo_root,
                                            small=small, command=command)  # fmt: skip
        else:
            built = build_release(spec, out, data_root=data_root, repo_root=repo_root, small=small, command=command)
        shown = ", ".join(f"{k} {v:.4f}" for k, v in list(built.scores.items())[:4])
        log(f"{step} {spec.name}: {shown} held out; reload reproduced them exactly ({built.fit_seconds:.0f} s)")
    outcomes = []
    for part in parts:
        commit = endpoint = None
        if publish is not None:
            commit, endpoint = publish_release(part, out / part.name, target=publish, token=token, registry_path=registry_path)
            log(f"{step} {part.name}: published {part.repo_id}@{commit[:12]} ({endpoint}) and pinned")
        outcomes.append(ReleaseOutcome(part.name, out / part.name, built=not keep, commit=commit, endpoint=endpoint))
    return outcomes
