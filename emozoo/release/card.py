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


def evaluation_text(release: dict[str, Any], dataset: Any, spec: Any = None) -> str:
    """The card's Evaluation section."""
    from emozoo.metrics import is_percent

    names = _headline_names(release) or sorted(release["held_out"])[:6]
    sizes, unit = release["sizes"], release.get("size_unit", "samples")
    scored = release.get("scored")
    test = f"{sizes.get('test', '?')} {unit}" + (f", {scored} scored utterances" if scored and unit == "dialogues" else "")
    lines = [] if release.get("kind") != "downstream" else [
        f"This classifier was trained on real data plus {release['synthetic']['total']} samples of the generator release "
        f"`{release['generator']}` ({release['synthetic']['ratio']:g} per real sample, per class); its card compares it with the "
        "same classifier on real data only.",
        "",
    ]  # fmt: skip
    lines += [
        f"Held-out test split: {release['fold']} of `{release['dataset']}` ({test}; trained on {sizes.get('train', '?')} {unit}"
        + (f", validated on {sizes['val']}" if "val" in sizes else "") + "). This model, as released "
        "(the reproduction check loaded the saved files and scored exactly these numbers):",
        "",
        "| " + " | ".join(names) + " |",
        "|" + "---|" * len(names),
        "| " + " | ".join(_pct(n, release["held_out"][n]) for n in names) + " |",
    ]
    bench = release.get("benchmark")
    if bench:
        cols = [n for n in names if n in bench["metrics"]]
        if bench["folds"] > 1:
            how = (f"cross-validated, from the benchmark `{bench['path']}` ({bench['folds']} folds × {len(bench['seeds'])} seed(s), "
                   f"{bench.get('n_cells')} cells; mean [95 % CI over {bench.get('n_units')} independent units])")  # fmt: skip
        else:
            how = (f"from the benchmark `{bench['path']}` (the official split, seed(s) {', '.join(map(str, bench['seeds']))}: "
                   "one split, so no interval; its training set may differ from this release's, see How it was made)")  # fmt: skip
        if release.get("kind") == "downstream":
            how += ", on real data only"
        lines += [
            "",
            f"{how[0].upper()}{how[1:]}, this method and every other method run beside it on the same split(s):",
            "",
            "| method | " + " | ".join(cols) + " |",
            "|---|" + "---|" * len(cols),
            f"| **{release['method']}** (this method) | " + " | ".join(_interval(n, bench["metrics"][n]) for n in cols) + " |",
        ]
        for other, row in sorted(bench["others"].items()):
            lines.append(f"| {other} | " + " | ".join(_interval(n, row[n]) if n in row else "—" for n in cols) + " |")
        if (bench.get("paper") or {}).get("data_note"):
            lines += ["", f"Data of the benchmark: {bench['paper']['data_note']}."]
    lines += ["", paper_line(release, dataset, spec)]
    if any(is_percent(n) for n in names):
        lines += ["", "Classification metrics are in percent."]
    return "\n".join(lines)


def paper_line(release: dict[str, Any], dataset: Any, spec: Any) -> str:
    """The paper's number for this data set and metric (the benchmark's comparison, else the method's spec), ours held
    out, and the gap; or a plain statement that none is recorded."""
    paper = ((release.get("benchmark") or {}).get("paper")) or {}
    value, metric, where, source = paper.get("paper"), paper.get("metric"), paper.get("paper_dataset"), paper.get("paper_source")
    if value is None and spec is not None:
        names = {release["dataset"].lower(), dataset.name.lower()}
        reported = next((r for r in spec.reported if r.dataset.lower() in names and r.metric in release["held_out"]), None)
        if reported is not None:
            value, metric, where, source = reported.value, reported.metric, reported.dataset, reported.source
    metric = {"UA": "UAR"}.get(metric or "", metric)
    if value is None or metric not in release["held_out"]:
        return (f"Paper: no number for this method on {release['dataset']} is recorded (the survey's tables give none); "
                "the comparison is the table above: the baselines beside it ran on the same folds.")  # fmt: skip
    ours = float(_pct(metric, release["held_out"][metric]))
    return f"Paper: {metric} {value:.2f} on {where} ({source or 'paper'}); ours held out {ours:.2f}, gap {ours - value:+.2f}."


def provenance_text(release: dict[str, Any]) -> str:
    """The card's "How it was made" section."""
    packages = ", ".join(f"{k} {v}" for k, v in sorted(release["packages"].items()))
    lines = [
        "\n\n## How it was made\n",
        f"- command: `{release['command'] or 'emozoo release ' + release['name']}` (plan: `releases/plan.toml`, release `{release['name']}`)",
        f"- data: `{release['dataset']}`, options `{json.dumps(release['dataset_options'], sort_keys=True)}`; held-out fold "
        f"`{release['fold']}`, test split manifest sha256 `{release['test_manifest_sha256']}`",
        f"- config (over the method's defaults): `{json.dumps(release['overrides'], sort_keys=True)}`",
        f"- seed {release['seed']}; CPU; training took {release['fit_seconds']:.0f} s",
        f"- emozoo commit `{release['emozoo_commit']}`; {packages}",
    ]
    if release.get("benchmark"):
        folder, _, stage = release["benchmark"]["path"].partition(":")
        lines.append(f"- cross-validated numbers: `{folder}/results.json`" + (f" (stage `{stage}`)" if stage else "")
                     + f", benchmark commit `{release['benchmark'].get('git_commit')}`")  # fmt: skip
    if release.get("small"):
        lines.append("- SMALL CONFIGURATION (a CI check of the pipeline): these weights are not the reference release")
    lines.append(
        f"- reproduce the held-out numbers: `emozoo.release.reproduce(\"{release['name']}\")` rebuilds the test split "
        "(`release_test_split`), predicts it and returns every metric as (card, now)"
        + (f"; for this generator they are its downstream classifier's, `{release['downstream']['name']}`" if release.get("kind") == "generator" else "")
    )
    return "\n".join(lines)


def intended_use_text(release_plan_text: str, data_terms: str, spec: Any) -> str:
    """The default intended-use section, then what the plan says about this release and its data's terms."""
    from emozoo.hub.cards import _intended_use

    parts = [_intended_use(spec)]
    if release_plan_text:
        parts.append(release_plan_text)
    if data_terms:
        parts.append(f"Terms of the training data: {data_terms}")
    return "\n\n".join(parts)


MEMORISATION = (
    "A generative model can reproduce samples of its training data closely (memorisation): do not treat its samples "
    "as new, consented data, and do not release them where the training data's terms would not allow the originals."
)


def _row(names: list[str], label: str, values: dict[str, float] | None) -> str:
    return f"| {label} | " + " | ".join(_pct(n, values[n]) if values and n in values else "—" for n in names) + " |"


def generator_evaluation_text(release: dict[str, Any], dataset: Any, spec: Any) -> str:
    """A generator release's Evaluation: its downstream classifier on real + synthetic vs on real only, held out, and
    the benchmark's cross-validated conditions beside them."""
    from emozoo.metrics import is_percent

    names = _headline_names(release) or sorted(release["held_out"])[:6]
    down, synth = release["downstream"], release["synthetic"]
    real = down.get("real_only")
    lines = [
        f"Downstream classifier: `{down['method']}` (the recognizer of release `{down['real_only_release']}`: same data, config "
        f"and seed) trained on the held-out fold's real training split plus {synth['total']} samples of this generator "
        f"({synth['ratio']:g} per real sample, per class), scored on the held-out test split ({release['fold']} of "
        f"`{release['dataset']}`, {release.get('scored') or release['sizes'].get('test')} samples). That classifier is released "
        f"as `{down['name']}`. One split and one seed: no interval here; the benchmark below has them.",
        "",
        "| training data | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        _row(names, "real + synthetic (this generator)", release["held_out"]),
        _row(names, f"real only (release {down['real_only_release']})", real),
    ]
    if real:
        lines.append("| gain | " + " | ".join(f"{float(_pct(n, release['held_out'][n])) - float(_pct(n, real[n])):+.2f}" if n in real else "—"
                                            for n in names) + " |")  # fmt: skip
        head = names[0]
        gain = float(_pct(head, release["held_out"][head])) - float(_pct(head, real[head]))
        lines += ["", f"On this split, generation {'helped' if gain > 0 else 'did not help'}: {head} {gain:+.2f} over real data alone."]
    bench = release.get("benchmark") or {}
    rows = bench.get("augmentation") or {}
    if rows:
        head = {"UA": "UAR"}.get(bench.get("headline_metric") or "", bench.get("headline_metric")) or names[0]
        cols = [n for n in dict.fromkeys([head, *names]) if all(n in r["metrics"] for r in rows.values())]
        lines += [
            "",
            f"Cross-validated, from the augmentation benchmark `{bench['path']}` ({bench['folds']} folds × {len(bench['seeds'])} "
            f"seed(s); mean [95 % CI]; the protocol's own downstream classifier, the same network): every condition beside it:",
            "",
            "| condition | ratio | " + " | ".join(cols) + " |",
            "|---|---|" + "---|" * len(cols),
        ]
        for condition in ("real", "real+synthetic", "real+noise", "synthetic", "ceiling:same-units", "ceiling:new-units"):
            if condition in rows:
                r = rows[condition]
                ratio = "—" if r.get("ratio") is None else f"{r['ratio']:g}"
                lines.append(f"| {condition} | {ratio} | " + " | ".join(_interval(n, r["metrics"][n]) for n in cols) + " |")
    lines += ["", paper_line(release, dataset, spec)]
    if any(is_percent(n) for n in names):
        lines += ["", "Classification metrics are in percent."]
    return "\n".join(lines)


def generator_card_values(release: dict[str, Any], plan_entry: Any = None) -> dict[str, str]:
    """Template values for a generator release's card."""
    import emozoo

    spec = emozoo.get_spec(release["method"])
    dataset = emozoo.get_registry().get_dataset(release["dataset"])
    terms = getattr(plan_entry, "data_terms", "")
    intended = intended_use_text(getattr(plan_entry, "intended_use", ""), terms, spec) + "\n\n" + MEMORISATION
    return {"evaluation": generator_evaluation_text(release, dataset, spec), "intended_use": intended,
            "provenance": provenance_text(release)}  # fmt: skip


def release_card_values(release: dict[str, Any], plan_entry: Any = None) -> dict[str, str]:
    """Template values for a release's card (see the module docstring); ``plan_entry`` adds its intended use and data terms."""
    import emozoo

    if release.get("kind") == "generator":
        return generator_card_values(release, plan_entry)
    spec = emozoo.get_spec(release["method"])
    dataset = emozoo.get_registry().get_dataset(release["dataset"])
    intended = intended_use_text(getattr(plan_entry, "intended_use", ""), getattr(plan_entry, "data_terms", ""), spec)
    return {"evaluation": evaluation_text(release, dataset, spec), "intended_use": intended, "provenance": provenance_text(release)}
