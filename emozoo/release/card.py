"""A release's card sections, written from its measured scores and its benchmark's ``results.json`` (no typed numbers).

:func:`release_card_values` returns template values for :func:`emozoo.hub.cards.render_card`: the evaluation (held-out
scores, the cross-validated benchmark rows of this and every other method run beside it, the paper's number and the
gap), intended use with the data's terms, and how the weights were made.
"""

from __future__ import annotations

import json
from typing import Any


def _pct(name: str, value: float) -> str:
    from emozoo.metrics import is_percent

    return f"{value * 100:.2f}" if is_percent(name) else f"{value:.3f}"


def _interval(name: str, cell: dict[str, Any]) -> str:
    from emozoo.metrics import is_percent

    scale = 100.0 if is_percent(name) else 1.0
    digits = 2 if scale == 100.0 else 3
    text = f"{cell['mean'] * scale:.{digits}f}"
    if cell.get("ci95") is not None:
        text += f" [±{cell['ci95'] * scale:.{digits}f}]"
    return text


def _headline_names(release: dict[str, Any]) -> list[str]:
    """The metrics shown in tables: the benchmark's headline first, then the usual summary metrics that were scored."""
    bench = release.get("benchmark") or {}
    headline = {"UA": "UAR"}.get(bench.get("headline_metric") or "", bench.get("headline_metric"))
    preferred = [headline, "UAR", "ACC", "WF1", "MF1", "F1_pos", "AUROC", "Corr", "MAE"]
    held = release["held_out"]
    return [m for m in dict.fromkeys(preferred) if m and m in held]


def evaluation_text(release: dict[str, Any], dataset: Any) -> str:
    """The card's Evaluation section."""
    names = _headline_names(release) or sorted(release["held_out"])[:6]
    sizes = release["sizes"]
    lines = [
        f"Held-out test split: {release['fold']} of `{release['dataset']}` ({sizes.get('test', '?')} samples; trained on "
        f"{sizes.get('train', '?')}" + (f", validated on {sizes['val']}" if "val" in sizes else "") + "). This model, as released "
        "(the reproduction check loaded the saved files and scored exactly these numbers):",
        "",
        "| " + " | ".join(names) + " |",
        "|" + "---|" * len(names),
        "| " + " | ".join(_pct(n, release["held_out"][n]) for n in names) + " |",
    ]
    bench = release.get("benchmark")
    if bench:
        cols = [n for n in names if n in bench["metrics"]]
        lines += [
            "",
            f"Cross-validated, from the benchmark `{bench['path']}` ({bench['folds']} folds × {len(bench['seeds'])} seed(s), "
            f"{bench.get('n_cells')} cells; mean [95 % CI over {bench.get('n_units')} independent units]), this method and "
            "every other method run beside it on the same folds:",
            "",
            "| method | " + " | ".join(cols) + " |",
            "|---|" + "---|" * len(cols),
            f"| **{release['method']}** (this method) | " + " | ".join(_interval(n, bench["metrics"][n]) for n in cols) + " |",
        ]
        for other, row in sorted(bench["others"].items()):
            lines.append(f"| {other} | " + " | ".join(_interval(n, row[n]) if n in row else "—" for n in cols) + " |")
        paper = bench.get("paper") or {}
        metric = {"UA": "UAR"}.get(paper.get("metric") or "", paper.get("metric"))
        if paper.get("paper") is not None and metric in release["held_out"]:
            ours = float(_pct(metric, release["held_out"][metric]))
            lines += ["", f"Paper: {metric} {paper['paper']:.2f} on {paper.get('paper_dataset')} ({paper.get('paper_source') or 'paper'}); "
                          f"ours held out {ours:.2f}, gap {ours - paper['paper']:+.2f}."]  # fmt: skip
        else:
            lines += ["", f"Paper: no number for this method on {dataset.name} is recorded (the survey's tables give none); "
                          "the table above is the comparison: the baselines beside it ran on the same folds."]  # fmt: skip
        if paper.get("data_note"):
            lines += ["", f"Data of the benchmark: {paper['data_note']}."]
    lines += ["", "Classification metrics are in percent."]
    return "\n".join(lines)


def provenance_text(release: dict[str, Any]) -> str:
    """The card's "How it was made" section."""
    packages = ", ".join(f"{k} {v}" for k, v in sorted(release["packages"].items()))
    lines = [
        "\n## How it was made\n",
        f"- command: `{release['command'] or 'emozoo release ' + release['name']}` (plan: `releases/plan.toml`, release `{release['name']}`)",
        f"- data: `{release['dataset']}`, options `{json.dumps(release['dataset_options'], sort_keys=True)}`; held-out fold "
        f"`{release['fold']}`, test split manifest sha256 `{release['test_manifest_sha256']}`",
        f"- config (over the method's defaults): `{json.dumps(release['overrides'], sort_keys=True)}`",
        f"- seed {release['seed']}; CPU; training took {release['fit_seconds']:.0f} s",
        f"- emozoo commit `{release['emozoo_commit']}`; {packages}",
    ]
    if release.get("benchmark"):
        lines.append(f"- cross-validated numbers: `{release['benchmark']['path']}/results.json` (commit `{release['benchmark'].get('git_commit')}`)")
    if release.get("small"):
        lines.append("- SMALL CONFIGURATION (a CI check of the pipeline): these weights are not the reference release")
    lines.append(
        f"- reproduce the held-out numbers: `emozoo.release.release_test_split(\"{release['name']}\")` gives the test split; "
        "`predict` on it and score with the recognition protocol"
    )
    return "\n".join(lines) + "\n"


def intended_use_text(release_plan_text: str, data_terms: str, spec: Any) -> str:
    """The default intended-use section, then what the plan says about this release and its data's terms."""
    from emozoo.hub.cards import _intended_use

    parts = [_intended_use(spec)]
    if release_plan_text:
        parts.append(release_plan_text)
    if data_terms:
        parts.append(f"Terms of the training data: {data_terms}")
    return "\n\n".join(parts)


def release_card_values(release: dict[str, Any], dataset: Any, model: Any, plan_entry: Any = None) -> dict[str, str]:
    """Template values for a release's card (see the module docstring)."""
    import emozoo

    spec = emozoo.get_spec(release["method"])
    intended = intended_use_text(getattr(plan_entry, "intended_use", ""), getattr(plan_entry, "data_terms", ""), spec)
    return {"evaluation": evaluation_text(release, dataset), "intended_use": intended, "provenance": provenance_text(release)}
