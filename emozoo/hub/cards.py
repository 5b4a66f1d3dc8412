"""Model cards: the default template in ``model_cards/`` plus the plugin's own ``card.md``, with Hub metadata.

The card is rendered from the spec (paper, reported numbers, taxonomy) and ``emozoo.json`` (training
data, metrics, plugin range), so it can be rebuilt from a saved directory without the weights. The YAML
front matter (``library_name: emozoo``, tags, licence, data sets, ``model-index``) is built with
``huggingface_hub``'s ``ModelCardData`` / ``EvalResult``; :func:`validate_card` checks a card locally,
without the network.

How a plugin adds its notes: a ``card.md`` beside its package (in the plugin directory that holds its
``pyproject.toml``: source and editable installs) or inside its package (shipped in the wheel), or any file named by the model class's
``card_template`` attribute, resolved inside the class's top-level package with ``importlib.resources``.
Its text is included verbatim under "Method notes", headings shifted down two levels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import import_module, resources
from pathlib import Path
from typing import Any

from emozoo.errors import ArtifactError, EmozooError
from emozoo.hub.metadata import check_training_data, normalise_metrics

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "model_cards"  # a link to the repo's model_cards/ (shipped in wheels)
DEFAULT_TEMPLATE = "default.md"
PLUGIN_CARD = "card.md"
SURVEY = "Ma, Yuan et al. (2024). Generative Technology for Human Emotion Recognition: A Scope Review. arXiv:2407.03640"
HUB_LICENSES = frozenset({
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "gpl-2.0", "gpl-3.0", "lgpl-3.0", "agpl-3.0", "mpl-2.0",
    "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0", "openrail", "other",
})
REQUIRED_SECTIONS = (
    "## Intended use and limits", "## Training data", "## How to load", "## Evaluation",
    "## Divergences from the paper", "## Citation",
)
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def load_template(name: str = DEFAULT_TEMPLATE) -> str:
    """Text of a template in ``model_cards/``."""
    path = TEMPLATE_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise EmozooError(f"model card template {path} is missing; reinstall emozoo from its source tree") from exc


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """Replace every ``{{ name }}``; a placeholder without a value is an error, not an empty string."""
    missing = sorted({m.group(1) for m in _PLACEHOLDER.finditer(template)} - set(values))
    if missing:
        raise EmozooError(f"model card template needs values for {missing}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def plugin_card_text(model_class: type | None) -> str | None:
    """The plugin's ``card.md`` for ``model_class`` (see the module docstring for where it is looked up)."""
    if model_class is None:
        return None
    top = model_class.__module__.split(".")[0]
    name = getattr(model_class, "card_template", None)
    try:
        package = resources.files(top)
    except (ModuleNotFoundError, TypeError):
        return None
    if name:
        candidate = package.joinpath(name)
        if not candidate.is_file():
            raise EmozooError(f"{model_class.__name__}.card_template = {name!r} is not a file in package {top!r}")
        return candidate.read_text(encoding="utf-8")
    inside = package.joinpath(PLUGIN_CARD)
    if inside.is_file():
        return inside.read_text(encoding="utf-8")
    module_file = getattr(import_module(top), "__file__", None)
    plugin_dir = Path(module_file).resolve().parents[1] if module_file else None
    if plugin_dir is None or not (plugin_dir / "pyproject.toml").is_file():  # only a plugin's source tree, not site-packages
        return None
    beside = plugin_dir / PLUGIN_CARD
    return beside.read_text(encoding="utf-8") if beside.is_file() else None


def _demote(text: str, levels: int = 2) -> str:
    """Strip YAML front matter and push markdown headings down (outside code fences)."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        text = text[end + 4 :].lstrip("\n") if end != -1 else text
    out, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,6} ", line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out).strip()


def hub_license(license_text: str) -> tuple[str, str | None]:
    """(Hub licence id, licence name for 'other'); "CC BY-NC-SA 4.0" and "cc-by-nc-sa-4.0" are one licence."""
    ident = re.sub(r"[\s_]+", "-", license_text.strip().lower())
    return (ident, None) if ident in HUB_LICENSES else ("other", license_text.strip() or "unknown")


def weights_license(meta: Mapping[str, Any], spec: Any) -> tuple[str, str]:
    """(licence of the weights, the sentence the card prints) for an artifact.

    Trained weights carry the terms of their training data: a model trained on RAVDESS (CC BY-NC-SA 4.0) is not
    Apache-2.0 because its plugin's code is. The data's licence wins whenever it is recorded; an explicit
    ``license`` in ``emozoo.json`` wins over both, and the card still states the data's terms beside it.
    """
    code = spec.license if spec is not None and spec.license else "not recorded"
    training = meta.get("training_data") or {}
    data = (training.get("license") or "").strip()
    chosen = meta.get("license") or data or code
    parts = [f"weights: {chosen}"]
    if training:
        terms = data or "not recorded: check the data set's own terms before any use"
        parts.append(f"training data ({training.get('dataset')}): {terms}")
    parts.append(f"code of the plugin: {code}")
    return chosen, "; ".join(parts)


def _spec_for(method_id: str) -> Any:
    from emozoo.registry import get_registry

    try:
        return get_registry().get_method(method_id)
    except EmozooError:
        return None


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ours_display(metric: str, value: float) -> float:
    from emozoo.metrics import is_percent  # the one table of percent-scaled names (imported late: numpy)

    return value * 100.0 if is_percent(metric) else value


def evaluation_rows(spec: Any, metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (data set, metric): the paper's number, ours (percent where papers use percent), the gap."""
    reported = {(r.dataset.lower(), r.metric.lower()): r for r in (spec.reported if spec else ())}
    rows, seen = [], set()
    for m in metrics:
        key = (m["dataset"].lower(), m["metric"].lower())
        paper = reported.get(key)
        ours = _ours_display(m["metric"], m["value"])
        rows.append({
            "dataset": m["dataset"], "metric": m["metric"], "split": m.get("split"), "ours": ours,
            "paper": paper.value if paper else None, "source": paper.source if paper else None,
            "gap": ours - paper.value if paper else None,
        })
        seen.add(key)
    for key, r in reported.items():
        if key not in seen:
            rows.append({"dataset": r.dataset, "metric": r.metric, "split": None, "ours": None, "paper": r.value,
                         "source": r.source, "gap": None})
    return rows


def _evaluation_text(rows: list[dict[str, Any]], training: dict[str, Any] | None) -> str:
    if not rows:
        return "No results recorded."
    lines = ["| data set | metric | paper | ours | gap (ours − paper) |", "|---|---|---|---|---|"]
    for r in rows:
        paper = _fmt(r["paper"]) + (f" ({r['source']})" if r["paper"] is not None and r["source"] != "paper" else "")
        gap = "—" if r["gap"] is None else f"{r['gap']:+.2f}"
        lines.append(f"| {r['dataset']} | {r['metric']} | {paper} | {_fmt(r['ours'])} | {gap} |")
    note = (training or {}).get("note")
    if note:
        lines.append(f"\nData difference: {note}")
    elif training:
        lines.append(f"\nOur numbers are measured on {training['dataset']}; no difference from the paper's data was recorded.")
    else:
        lines.append("\nThe data behind our numbers was not recorded.")
    lines.append("\nClassification metrics are in percent.")
    return "\n".join(lines)


def _training_text(training: dict[str, Any] | None) -> str:
    if not training:
        return "Not recorded: this model was saved without `training_data` metadata."
    lines = [f"- data set: {training['dataset']}", f"- licence of the data: {training.get('license') or 'not recorded'}"]
    if training.get("split_manifest_sha256"):
        lines.append(f"- split manifest sha256: `{training['split_manifest_sha256']}`")
    if training.get("note"):
        lines.append(f"- difference from the paper's data: {training['note']}")
    return "\n".join(lines)


def _intended_use(spec: Any) -> str:
    names = {"recognition": "direct emotion prediction"}
    tasks = ", ".join(names.get(t, t.replace("_", " ")) for t in spec.tasks) if spec else "emotion recognition"
    modality = f" with {spec.modality} signals" if spec else ""
    lines = [f"Research use: {tasks}{modality}, and reproducing or comparing the method under the same protocol."]
    tensors = [*(("input", t) for t in spec.inputs), *(("output", t) for t in spec.outputs)] if spec else []
    if tensors:
        lines.append("")
    for kind, t in tensors:
        shape = "[" + ", ".join(str(d) for d in t.shape) + "]"
        lines.append(f"- {kind} `{t.name}`: {shape} {t.dtype}" + (f" - {t.description}" if t.description else ""))
    lines.append(
        "\nLimits: emotion labels are a coarse proxy for inner states and vary with culture, context and annotator; "
        "a model trained on one data set rarely transfers unchanged to other recording set-ups, subjects or languages. "
        "Do not use it for decisions about individuals (hiring, policing, health, education) or for surveillance."
    )
    return "\n".join(lines)


def _citation(spec: Any) -> str:
    if spec is None:
        return f"Surveyed in: {SURVEY}."
    p = spec.paper
    if p.bibtex:
        text = f"```bibtex\n{p.bibtex.strip()}\n```"
    else:
        text = f"{p.authors + ' ' if p.authors else ''}({p.year}). {p.title}." + (f" {p.venue}." if p.venue else "") + (f" {p.url}" if p.url else "")
    ref = f", reference [{p.survey_ref}]" if p.survey_ref else ""
    return f"{text}\n\nSurveyed in: {SURVEY}{ref}."


def card_metadata(spec: Any, meta: Mapping[str, Any], rows: list[dict[str, Any]], model_name: str) -> Any:
    """The YAML front matter as ``ModelCardData`` with ``model-index`` results for our numbers."""
    from huggingface_hub import EvalResult, ModelCardData

    training = meta.get("training_data") or {}
    license_id, license_name = hub_license(weights_license(meta, spec)[0])
    tags = ["emozoo", "emotion-recognition", meta["method"]]
    if spec is not None:
        tags += [spec.modality, *(m.lower() for m in spec.modalities), spec.family.lower(), *spec.tasks]
    results = [
        EvalResult(
            task_type="emotion-recognition", task_name="Emotion recognition", dataset_type=r["dataset"].lower(),
            dataset_name=r["dataset"], dataset_split=r["split"], metric_type=r["metric"].lower(), metric_name=r["metric"],
            metric_value=round(r["ours"], 4),
        )
        for r in rows if r["ours"] is not None
    ]
    return ModelCardData(
        library_name="emozoo", license=license_id, license_name=license_name, tags=list(dict.fromkeys(tags)),
        datasets=[training["dataset"]] if training else None, model_name=model_name, eval_results=results or None,
    )


def render_card(
    meta: Mapping[str, Any],
    *,
    spec: Any = None,
    model_class: type | None = None,
    repo_id: str | None = None,
    location: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The full README.md text for an artifact described by ``meta`` (``emozoo.json`` content).

    ``spec`` defaults to the installed method's spec; ``model_class`` (default: the spec's) supplies
    the plugin's ``card.md``. ``repo_id`` (or ``location``) is what the "how to load" lines name.
    ``overrides`` replace template values (e.g. ``intended_use``, ``divergences``).
    """
    spec = spec if spec is not None else _spec_for(meta["method"])
    if model_class is None and spec is not None:
        model_class = spec.load_model_class()
    training = check_training_data(meta["training_data"], require_license=False) if meta.get("training_data") else None
    rows = evaluation_rows(spec, normalise_metrics(meta.get("metrics"), (training or {}).get("dataset")))
    name = repo_id or location or meta["method"]
    notes = plugin_card_text(model_class)
    plugin = meta["plugin"]
    paper = spec.paper if spec else None
    values = {
        "title": f"{name} ({meta['method']})" if name != meta["method"] else meta["method"],
        "summary": (spec.summary if spec and spec.summary else f"An emozoo model of the method `{meta['method']}`."),
        "method": meta["method"],
        "family": spec.family if spec else "unknown family",
        "modality": ("/".join(spec.modalities) or spec.modality) if spec else "unknown modality",
        "paper": f"{paper.authors + ' ' if paper.authors else ''}({paper.year}). {paper.title}" if paper else "not recorded",
        "survey": f"reference [{paper.survey_ref}] of {SURVEY}" if paper and paper.survey_ref else "not in the survey's reference list",
        "requires": plugin["requires"],
        "license": weights_license(meta, spec)[1],
        "intended_use": _intended_use(spec),
        "training_data": _training_text(training),
        "load_args": f'"{name}"',
        "evaluation": _evaluation_text(rows, training),
        "provenance": "",  # a release's "How it was made" section (emozoo.release.card)
        "divergences": meta.get("divergences")
        or ("See the method notes below." if notes else "None recorded for this artifact."),
        "plugin_notes": f"\n## Method notes (from {plugin['distribution']})\n\n{_demote(notes)}\n" if notes else "",
        "citation": _citation(spec),
    }
    values.update(overrides or {})
    body = fill_template(load_template(), values)
    data = card_metadata(spec, meta, rows, name)
    return f"---\n{data.to_yaml()}\n---\n\n{body.rstrip()}\n"


def validate_card(text: str) -> Any:
    """Check a card locally (no network): YAML parses, emozoo's metadata and sections are there; returns the ModelCard."""
    from huggingface_hub import ModelCard

    if not text.startswith("---\n"):
        raise ArtifactError("model card has no YAML front matter")
    try:
        card = ModelCard(text, ignore_metadata_errors=False)
    except Exception as exc:  # huggingface_hub raises ValueError / yaml errors for malformed metadata
        raise ArtifactError(f"model card metadata is invalid: {exc}") from exc
    data = card.data
    if data.library_name != "emozoo":
        raise ArtifactError(f"model card has library_name {data.library_name!r}, expected 'emozoo'")
    if not data.license:
        raise ArtifactError("model card has no licence")
    if data.license == "other" and not data.license_name:
        raise ArtifactError("model card licence is 'other' but license_name is missing")
    if not data.tags or "emozoo" not in data.tags:
        raise ArtifactError("model card tags must include 'emozoo'")
    missing = [s for s in REQUIRED_SECTIONS if f"\n{s}\n" not in card.text]
    if missing:
        raise ArtifactError(f"model card lacks the section(s) {missing}")
    if _PLACEHOLDER.search(card.text):
        raise ArtifactError("model card still holds an unfilled {{ placeholder }}")
    return card
