"""``emozoo new-plugin NAME --modality M --family F``: write a plugin package that installs and passes the kit.

The package is a small real method (an MLP classifier on feature vectors; for a generative family also a
per-class Gaussian generator) laid out as STYLE.md describes, so a new method starts from working code.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from emozoo.errors import InputError
from emozoo.specs import FAMILIES, MODALITIES

TEMPLATES = Path(__file__).with_name("templates")
#: Families whose template method also generates (a per-class Gaussian stands in for the paper's generator).
GENERATIVE = ("VAE", "GAN", "DM", "hybrid")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

_GENERATED = '''
@dataclass
class Generated:
    """What ``generate`` returns: synthetic features [n, in_features] and the class each was drawn for."""

    features: torch.Tensor
    labels: torch.Tensor

'''
_BUFFERS = '''
        self.register_buffer("class_mean", torch.zeros(c.num_classes, c.in_features))
        self.register_buffer("class_std", torch.ones(c.num_classes, c.in_features))'''
_FIT = '''
        for k in range(self.config.num_classes):  # the generator: one diagonal Gaussian per class
            rows = x[y == k]
            if len(rows) > 1:
                self.class_mean[k], self.class_std[k] = rows.mean(0), rows.std(0)'''
_OUTPUT = '''
        TensorSpec("features", ("n", "in_features"), "float32", "generate(): synthetic features"),'''


def new_plugin(name: str, *, modality: str, family: str, out: str | Path = ".") -> Path:
    """Write the plugin ``emozoo-NAME`` under ``out``; returns its directory. Refuses to overwrite."""
    if not _NAME_RE.match(name):
        raise InputError(f"plugin name {name!r} must be lower-case letters and digits, words joined by '-' (e.g. 'my-gan')")
    if modality not in MODALITIES:
        raise InputError(f"modality {modality!r} is not one of {', '.join(MODALITIES)}")
    if family not in FAMILIES:
        raise InputError(f"family {family!r} is not one of {', '.join(FAMILIES)}")
    distribution = f"emozoo-{name}"
    module = "emozoo_" + name.replace("-", "_")
    root = Path(out) / distribution
    if root.exists() and any(root.iterdir()):
        raise InputError(f"{root} exists and is not empty; choose another --out or remove it")
    generates = family in GENERATIVE
    values = {
        "name": name,
        "distribution": distribution,
        "module": module,
        "class_name": "".join(part.capitalize() for part in name.split("-")),
        "family": family,
        "modality": modality,
        "core_range": _core_range(),
        "tasks": '("data_augmentation",)' if generates else '("recognition",)',
        "can_generate": str(generates),
        "summary": "an MLP classifier on feature vectors" + (" with a per-class Gaussian generator" if generates else ""),
        "verbs": "generate, predict" if generates else "predict",
        "generated_class": _GENERATED if generates else "\n",
        "generator_doc": ", and per-class Gaussians it generates from" if generates else "",
        "generator_buffers": _BUFFERS if generates else "",
        "generator_fit": _FIT if generates else "",
        "generate_method": _render("generate.py.tmpl", {}) if generates else "",
        "generate_outputs": _OUTPUT if generates else "",
        "example_generate": "",
    }
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        f"{module}/__init__.py": "init.py.tmpl",
        f"{module}/plugin.py": "plugin.py.tmpl",
        f"{module}/model.py": "model.py.tmpl",
        f"{module}/example.py": "example.py.tmpl",
        f"{module}/card.md": "card.md.tmpl",
        "tests/test_conformance.py": "test_conformance.py.tmpl",
    }
    for target, template in files.items():
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(template, values), encoding="utf-8")
    return root


def _render(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    return Template(text).substitute(values) if values else text


def _core_range() -> str:
    """``>=X.Y,<X.(Y+1)`` around the running core (0.x) or ``>=X.Y,<X+1`` (1.x and later)."""
    from emozoo import __version__

    major, minor = (int(p) for p in re.findall(r"\d+", __version__)[:2])
    return f">={major}.{minor},<{major}.{minor + 1}" if major == 0 else f">={major}.{minor},<{major + 1}"


def main(args: object) -> int:
    """The ``new-plugin`` subcommand (argparse namespace with name, modality, family, out)."""
    root = new_plugin(args.name, modality=args.modality, family=args.family, out=args.out)  # type: ignore[attr-defined]
    print(f"wrote {root}\nnext: pip install -e {root} && python -m emozoo.testing {root.name}")
    return 0


def add_parser(sub: object) -> None:
    """Register ``new-plugin`` on the CLI's subparsers (called from emozoo/cli.py)."""
    p = sub.add_parser("new-plugin", help="write a new method plugin (spec, model, example, card, kit tests)")  # type: ignore[attr-defined]
    p.add_argument("name", help="method id, e.g. my-gan (the distribution becomes emozoo-my-gan)")
    p.add_argument("--modality", required=True, choices=MODALITIES)
    p.add_argument("--family", required=True, choices=FAMILIES)
    p.add_argument("--out", default=".", help="directory to write emozoo-NAME/ into")
    p.set_defaults(func=main)
    p = sub.add_parser("test-plugin", help="run the conformance kit on a plugin's methods (or method ids)")  # type: ignore[attr-defined]
    p.add_argument("names", nargs="*", help="plugin distributions, entry points or method ids; none: every installed method")
    p.set_defaults(func=_test_plugin)


def _test_plugin(args: object) -> int:
    from emozoo.testing.runner import run

    return run(args.names)  # type: ignore[attr-defined]
