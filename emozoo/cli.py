"""The ``emozoo`` command: thin argument parsing over the public API; tables for people, ``--json`` for scripts.

``list`` and ``info`` never import torch, so they start fast however many plugins are installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emozoo._table import render_table
from emozoo._version import CORE_API_VERSION, __version__
from emozoo.catalogue import CatalogueEntry
from emozoo.errors import EmozooError
from emozoo.registry import Registry, get_registry
from emozoo.specs import MethodSpec

#: ``emozoo bench --protocol`` choices: the keys of emozoo.bench.protocols.PROTOCOLS (not imported here: it pulls numpy).
BENCH_PROTOCOLS = ("recognition", "augmentation", "completion", "text-augmentation")


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


def _warn_problems(registry: Registry) -> None:
    fatal = [p for p in registry.problems if p.fatal]
    if fatal:
        names = ", ".join(sorted({p.plugin for p in fatal}))
        print(f"warning: {len(fatal)} plugin problem(s) ({names}); run `emozoo doctor` for details", file=sys.stderr)


def _entry_matches(entry: CatalogueEntry, args: argparse.Namespace) -> bool:
    if args.modality and args.modality.lower() not in {entry.modality.lower(), *(m.lower() for m in entry.modalities)}:
        return False
    if args.family and args.family.lower() not in {entry.family_group.lower(), entry.family.lower()}:
        return False
    if args.task and args.task.lower() != entry.task.lower():
        return False
    if args.pattern:
        import fnmatch

        pat = args.pattern.lower()
        names = (entry.id, (entry.method_name or "").lower(), entry.authors.lower(), entry.title.lower())
        return any(fnmatch.fnmatchcase(n, pat) for n in names)
    return True


def _entry_status(entry: CatalogueEntry, registry: Registry) -> str:
    installed = registry.installed_for_entry(entry.method_ids, entry.ref)
    if installed:
        return "installed: " + ", ".join(f"{s.id} ({s.plugin} {s.version})" for s in installed)
    if entry.status == "implemented" and entry.install:
        return entry.install
    if entry.status == "planned":
        return f"planned ({entry.plugin})"
    return "-"


def cmd_list_pretrained(args: argparse.Namespace) -> int:
    from emozoo.release.lookup import list_pretrained

    releases = list_pretrained(args.pattern, modality=args.modality)
    if args.json:
        _print_json([r.to_json() for r in releases])
        return 0
    kinds = {"generator": "generator (score: its classifier's)", "downstream": "trained on real + generated"}
    rows = [(r.name, r.method, r.modality, r.dataset, f"{r.metric.get('name')} {_metric_text(r.metric)}", r.license,
             ", ".join(x for x in ("default" if r.default else "", kinds.get(r.kind, "")) if x) or "-") for r in releases]  # fmt: skip
    print(render_table(["release", "method", "modality", "data set", "held-out score", "licence", "notes"], rows))
    if not releases:
        print("no release matches; `emozoo list --pretrained` lists them all")
    else:
        print(f"\n{len(releases)} released model(s); load one with emozoo.from_pretrained(\"<release>\") or `emozoo pull <release>`")
    return 0


def _metric_text(metric: dict[str, Any]) -> str:
    value = metric.get("value")
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value * 100:.2f}" if metric.get("percent") else f"{value:.3f}"


def cmd_list(args: argparse.Namespace) -> int:
    if args.pretrained:
        return cmd_list_pretrained(args)
    registry = get_registry()
    if args.datasets:
        specs = registry.list_datasets(args.pattern, modality=args.modality)
        if args.json:
            _print_json([d.to_dict() for d in specs])
        else:
            rows = [(d.id, d.name, d.modality, len(d.label_names), d.license, d.plugin) for d in specs]
            print(render_table(["id", "name", "modality", "classes", "licence", "plugin"], rows))
        return 0
    if args.all:
        entries = [e for e in registry.catalogue if _entry_matches(e, args)]
        if args.json:
            _print_json([{**_entry_json(e), "emozoo": _entry_status(e, registry)} for e in entries])
        else:
            rows = [
                (e.ref, e.id, e.display_name, e.year, e.modality, e.family_group, e.task, _entry_status(e, registry))
                for e in entries
            ]
            print(render_table(["ref", "id", "method", "year", "modality", "family", "task", "emozoo"], rows, keep=2))
            print(f"\n{len(entries)} of {len(registry.catalogue)} surveyed methods")
        _warn_problems(registry)
        return 0
    specs = registry.list_methods(args.pattern, modality=args.modality, family=args.family, task=args.task)
    if args.json:
        _print_json([s.to_dict() for s in specs])
    else:
        rows = [(s.id, s.family, "/".join(s.modalities) or s.modality, ",".join(s.tasks), _caps(s), f"{s.plugin} {s.version}") for s in specs]
        print(render_table(["id", "family", "modality", "tasks", "can", "plugin"], rows))
        if not specs:
            print("no installed method matches; `emozoo list --all` shows the whole survey catalogue")
    _warn_problems(registry)
    return 0


def _caps(spec: MethodSpec) -> str:
    return ",".join(c for c, ok in (("generate", spec.can_generate), ("predict", spec.can_predict)) if ok)


def _entry_json(entry: CatalogueEntry) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(entry)


def cmd_info(args: argparse.Namespace) -> int:
    registry = get_registry()
    try:
        spec = registry.get_method(args.id)
    except EmozooError as exc:
        entry = registry.catalogue.get(args.id.lower())
        if entry is None:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.json:
            _print_json({"catalogue": _entry_json(entry), "installed": False, "emozoo": _entry_status(entry, registry)})
            return 0
        print(_format_entry(entry, registry))
        return 0
    entry = registry.catalogue.for_method(spec.id) or next(iter(registry.catalogue.by_ref(spec.paper.survey_ref or -1)), None)
    from emozoo.release.lookup import list_pretrained, unreleased_reason

    releases = list_pretrained(method=spec.id)
    if args.json:
        _print_json({"spec": spec.to_dict(), "catalogue": _entry_json(entry) if entry else None, "installed": True,
                     "releases": [r.to_json() for r in releases], "unreleased": unreleased_reason(spec.id)})  # fmt: skip
        return 0
    lines = [
        f"{spec.id}  ({spec.family}, {spec.modality}{' / ' + ', '.join(spec.modalities) if spec.modalities else ''})",
        f"  {spec.summary}" if spec.summary else "",
        f"  paper:     {spec.paper.authors} ({spec.paper.year}). {spec.paper.title}. {spec.paper.venue}".rstrip(),
        f"  url:       {spec.paper.url}" if spec.paper.url else "",
        f"  survey:    ref [{spec.paper.survey_ref}]" if spec.paper.survey_ref else "",
        f"  tasks:     {', '.join(spec.tasks)};  can: {_caps(spec) or '-'}",
        f"  plugin:    {spec.plugin} {spec.version}, installed at {_location(spec)}",
        f"  source:    {_provenance(spec, entry)}",
        f"  core API:  needs {spec.core_api} (this emozoo: {CORE_API_VERSION})",
        f"  licence:   {spec.license} (the plugin's code; trained weights carry their training data's licence)",
        f"  aliases:   {', '.join(spec.aliases)}" if spec.aliases else "",
        f"  code:      {spec.code_url}" if spec.code_url else "",
    ]
    for tensor in spec.inputs:
        lines.append(f"  input:     {tensor.name} {tuple(tensor.shape)} {tensor.dtype}  {tensor.description}".rstrip())
    for tensor in spec.outputs:
        lines.append(f"  output:    {tensor.name} {tuple(tensor.shape)} {tensor.dtype}  {tensor.description}".rstrip())
    for result in spec.reported:
        lines.append(f"  reported:  {result.dataset} {result.metric} {result.value:g} ({result.source}){' - ' + result.note if result.note else ''}")
    if entry is not None and entry.results:
        lines.append(f"  survey table: {entry.results_text()}")
    for r in releases:
        kind = {"generator": " (generator; score: its downstream classifier's)", "downstream": " (trained on real + generated data)"}
        lines.append(f"  release:   {r.name}{' (default)' if r.default else ''}{kind.get(r.kind, '')}: {r.dataset}, {r.metric.get('name')} "
                     f"{_metric_text(r.metric)} {r.metric.get('split', '')}; licence {r.license}")  # fmt: skip
    if not releases:
        reason = unreleased_reason(spec.id)
        lines.append(f"  weights:   none released: {reason}" if reason else "  weights:   none released yet")
    print("\n".join(line for line in lines if line))
    return 0


def _location(spec: MethodSpec) -> str:
    """Where the module that provides ``spec`` lives (found without importing it, so without torch)."""
    from importlib.util import find_spec

    module = spec.model_class.partition(":")[0]
    try:
        found = find_spec(module.split(".")[0])
    except (ImportError, ValueError):
        found = None
    origin = getattr(found, "origin", None) if found else None
    return str(Path(origin).parent) if origin else "an unknown location"


def _provenance(spec: MethodSpec, entry: CatalogueEntry | None) -> str:
    """Whether the method is one of the zoo's catalogued plugins or an out-of-tree one (whose spec carries its facts)."""
    if spec.baseline:
        return f"a reference baseline shipped by {spec.plugin} (not a surveyed method)"
    if entry is not None and entry.plugin and entry.plugin == spec.plugin:
        return f"the zoo's plugin for survey entry {entry.id!r} (ref [{entry.ref}])"
    ref = f", survey ref [{spec.paper.survey_ref}]" if spec.paper.survey_ref else ""
    return f"an out-of-tree plugin ({spec.plugin}{ref}); paper and reported results come from its own spec"


def _format_entry(entry: CatalogueEntry, registry: Registry) -> str:
    lines = [
        f"{entry.id}  (survey ref [{entry.ref}], {entry.survey_table or 'prose only'})",
        f"  {entry.authors} ({entry.year}). {entry.title}",
        f"  modality: {entry.modality}{' (' + ', '.join(entry.modalities) + ')' if entry.modalities else ''};"
        f"  family: {entry.family} ({entry.family_group});  task: {entry.task}",
        f"  datasets: {', '.join(entry.datasets) or '-'}",
        f"  survey results: {entry.results_text() or '-'}",
        f"  emozoo: {_entry_status(entry, registry)}",
    ]
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace) -> int:
    registry = get_registry()
    report: dict[str, Any] = {
        "emozoo": __version__,
        "core_api": CORE_API_VERSION,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": _package_versions(),
        "devices": _devices(),
        "plugins": [
            {"name": p.name, "distribution": p.distribution, "version": p.version, "methods": list(p.methods),
             "datasets": list(p.datasets), "import_seconds": round(p.import_seconds, 4)}
            for p in registry.plugins.values()
        ],
        "problems": [{"plugin": p.plugin, "stage": p.stage, "message": p.message, "fatal": p.fatal} for p in registry.problems],
        "catalogue": _catalogue_summary(registry),
        "uncatalogued_methods": _uncatalogued(registry),
        "embedded_hub": _embedded_hub_status(),
    }
    if args.json:
        _print_json(report)
    else:
        print(f"emozoo {__version__} (core API {CORE_API_VERSION}) on Python {report['python']}, {report['platform']}")
        print(render_table(["package", "version"], sorted(report["packages"].items())))
        print("\ndevices: " + ", ".join(report["devices"]))
        print()
        rows = [(p["name"], p["distribution"], p["version"], ", ".join(p["methods"]) or "-", f"{p['import_seconds']:.3f}s") for p in report["plugins"]]
        print(render_table(["plugin", "distribution", "version", "methods", "import"], rows) if rows else "no plugins installed")
        if report["problems"]:
            print("\nproblems:")
            for p in report["problems"]:
                print(f"  [{'error' if p['fatal'] else 'warning'}] {p['plugin']} ({p['stage']}): {p['message']}")
        print(f"\ncatalogue: {report['catalogue']}")
        if report["uncatalogued_methods"]:
            print(f"out-of-tree methods (not in emozoo's survey catalogue; their specs carry paper and results): "
                  f"{', '.join(report['uncatalogued_methods'])}")
        print(f"embedded Hub: {report['embedded_hub']['summary']}")
    return 1 if any(p.fatal for p in registry.problems) else 0


def _embedded_hub_status() -> dict[str, Any]:
    """Whether the embedded Hub can serve: its releases folder, olah, and the catalogue's releases."""
    from emozoo.catalogue import load_catalogue
    from emozoo.errors import EmozooError
    from emozoo.hub.embedded import olah_cli
    from emozoo.release.paths import releases_dir

    folder = releases_dir()
    try:
        olah: str | None = str(olah_cli())
    except EmozooError:
        olah = None
    pinned = len(load_catalogue().releases)
    if folder is None:
        summary = f"no releases folder (not a checkout); {pinned} release(s) pinned, pulled from huggingface.co or your endpoint"
    elif olah is None:
        summary = f"{folder} is here but olah is not: `python -m venv .venv-olah && .venv-olah/bin/pip install olah` in the checkout"
    else:
        summary = f"ready: {pinned} pinned release(s) served from {folder} by {olah}"
    return {"releases_dir": str(folder) if folder else None, "olah": olah, "pinned_releases": pinned, "summary": summary}


def _package_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {}
    for name in ("torch", "accelerate", "huggingface-hub", "safetensors", "pluggy", "numpy", "transformers", "peft"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _devices() -> list[str]:
    try:
        import torch
    except ImportError:
        return ["torch not installed"]
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def _uncatalogued(registry: Registry) -> list[str]:
    try:
        return registry.uncatalogued_methods()
    except EmozooError:
        return []


def _catalogue_summary(registry: Registry) -> str:
    try:
        catalogue = registry.catalogue
    except EmozooError as exc:
        return f"unavailable ({exc})"
    statuses: dict[str, int] = {}
    for entry in catalogue:
        statuses[entry.status] = statuses.get(entry.status, 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    return f"{len(catalogue)} surveyed methods ({counts}) from {catalogue.path}"


def _read_config(path: str | None) -> dict[str, Any]:
    """The ``--config`` file (JSON or TOML) as a dict; a missing or malformed file is a ConfigError naming it."""
    from emozoo.errors import ConfigError

    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config {path}: cannot read it ({exc}); pass a JSON or TOML file") from exc
    try:
        if path.endswith(".toml"):
            import tomllib

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        raise ConfigError(f"--config {path}: not valid {'TOML' if path.endswith('.toml') else 'JSON'} ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"--config {path}: expected a table/object at the top, got {type(data).__name__}")
    return data


def _seeds_arg(text: str) -> int | list[int]:
    """``--seeds``: a count ("3" -> 0, 1, 2) or a comma-separated list of seeds ("0,5,7")."""
    try:
        values = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes a count (3) or a list of integers (0,5,7), got {text!r}") from None
    if "," not in text and values[0] < 1:
        raise argparse.ArgumentTypeError(f"--seeds count must be >= 1, got {text!r}")
    if any(v < 0 or v >= 2**31 for v in values):
        raise argparse.ArgumentTypeError(f"--seeds must lie in [0, 2**31), got {text!r}")
    return values if "," in text else values[0]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _option_arg(text: str) -> tuple[str, Any]:
    """``KEY=VALUE``; VALUE is read as JSON when it parses (numbers, true/false, lists), else kept as text."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. fold=3 or subjects=[1,2]), got {text!r}")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


def _bench_config(args: argparse.Namespace) -> dict[str, Any]:
    """``--config`` merged with the command line's ``--dataset-option`` / ``--protocol-option`` (which win)."""
    config = _read_config(args.config)
    for section, options in (("dataset", args.dataset_option), ("protocol", args.protocol_option)):
        if options:
            config[section] = {**config.get(section, {}), **dict(options)}
    return config


def cmd_bench(args: argparse.Namespace) -> int:
    from emozoo.bench import benchmark

    result = benchmark(
        args.methods, args.dataset, protocol=args.protocol, seeds=args.seeds, config=_bench_config(args), out=args.out,
        data_dir=args.data_dir, max_folds=args.max_folds, device=args.device, mixed_precision=args.mixed_precision,
        progress=None if not args.quiet else False, resume=not args.no_resume, workers=args.workers, engine=args.engine,
        address=args.address, threads_per_worker=args.threads_per_worker,
    )
    if args.json:
        _print_json({"rows": result.rows, "comparisons": result.comparisons, "failed": len(result.failed), "out": str(result.out_dir)})
    else:
        print(result.markdown)
        print(f"\nwritten to {result.out_dir}/ (results.json, results.md, results.csv{', plots' if result.plots else ''})")
    return 1 if result.failed and len(result.failed) == len(result.cells) else 0


# --- publishing and pulling (emozoo.hub) ------------------------------------------------------------


def _parse_metric(text: str) -> dict[str, Any]:
    """'DATASET:METRIC=VALUE' -> a metrics row (VALUE as emozoo.metrics gives it, e.g. 0.912 for ACC)."""
    try:
        where, value = text.rsplit("=", 1)
        dataset, metric = where.split(":", 1)
        return {"dataset": dataset, "metric": metric, "value": float(value)}
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--metric takes DATASET:METRIC=VALUE, got {text!r}") from exc


def cmd_push(args: argparse.Namespace) -> int:
    import emozoo
    from emozoo.data.manifest import SplitManifest
    from emozoo.errors import ConfigError
    from emozoo.hub.metadata import TrainingData
    from emozoo.hub.pins import pin_pushed

    model = emozoo.from_pretrained(args.directory)
    meta = model.pretrained_source["metadata"]
    reserved = set(model.artifact_metadata()) | {"files"}
    user = {k: v for k, v in meta.items() if k not in reserved}
    training = None
    if args.training_data or args.data_license:
        if not (args.training_data and args.data_license):
            raise ConfigError("--training-data and --data-license go together")
        digest = SplitManifest.load(args.split_manifest).digest() if args.split_manifest else None
        training = TrainingData(args.training_data, args.data_license, digest, args.data_note or "")
    metrics = list(args.metric or [])
    if args.results:
        from emozoo.bench import card_metrics

        metrics += card_metrics(args.results, model.method_id)
    result = model.push_to_hub(
        args.repo_id, training_data=training, metrics=metrics or None, metadata=user, endpoint=args.endpoint,
        token=args.token, private=args.private or None, commit_message=args.message,
    )
    report: dict[str, Any] = {"repo_id": result.repo_id, "commit": result.commit, "url": result.url, "files": result.files}
    if args.pin:
        dataset = (training.dataset if training else (user.get("training_data") or {}).get("dataset"))
        report["pin"] = pin_pushed(result, model.method_id, training_data=dataset, variant=args.variant)
    if args.json:
        _print_json(report)
    else:
        print(f"pushed {model.method_id} to {result.repo_id} at commit {result.commit}")
        if args.pin:
            print(f"pinned as variant {args.variant!r} in the catalogue")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    import emozoo
    from emozoo.hub.pull import download

    pulled = download(args.name, revision=args.revision, variant=args.variant, endpoint=args.endpoint, token=args.token)
    model = emozoo.from_pretrained(pulled.directory)
    report = {
        "method": model.method_id, "repo_id": pulled.repo_id, "revision": pulled.revision, "commit": pulled.commit,
        "directory": str(pulled.directory), "pinned": pulled.pin is not None,
    }
    if args.json:
        _print_json(report)
    else:
        pinned = "verified against the catalogue pin" if pulled.pin else "not pinned in the catalogue"
        print(f"{model.method_id} from {pulled.repo_id}@{pulled.commit} ({pinned}); loaded strictly from {pulled.directory}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from emozoo.release.paths import checkout_root, default_data_root
    from emozoo.release.pipeline import run_releases
    from emozoo.release.plan import load_plan
    from emozoo.release.publish import write_unreleased

    if args.rebuild and args.no_train:
        from emozoo.errors import ConfigError

        raise ConfigError("--rebuild trains every selected release and --no-train trains none: choose one")
    root = checkout_root() or Path.cwd()
    plan_path = Path(args.plan) if args.plan else root / "releases" / "plan.toml"
    plan = load_plan(plan_path)
    publish = None if args.no_publish else (args.endpoint or "embedded")
    outcomes = run_releases(
        plan, args.names, out=Path(args.out) if args.out else plan_path.parent, data_root=args.data_root or default_data_root(),
        repo_root=root, small=args.small, rebuild=args.rebuild, publish=publish, token=args.token, registry_path=args.registry,
        train=not args.no_train,
    )  # fmt: skip
    if publish is not None and not args.names:
        write_unreleased(plan, args.registry)
    if not args.small:
        from emozoo.release.index import write_index

        write_index(Path(args.out) if args.out else plan_path.parent)
    if args.json:
        _print_json([{"name": o.name, "directory": str(o.directory), "built": o.built, "commit": o.commit, "endpoint": o.endpoint}
                     for o in outcomes])  # fmt: skip
    else:
        rows = [(o.name, "trained" if o.built else "kept", (o.commit or "-")[:12], o.endpoint or "not published") for o in outcomes]
        print(render_table(["release", "weights", "commit", "published to"], rows))
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    from emozoo.hub.pins import pin_artifact

    pin = pin_artifact(
        args.repo_id, revision=args.revision, variant=args.variant, training_data=args.training_data,
        endpoint=args.endpoint, token=args.token,
    )
    if args.json:
        _print_json(pin)
    else:
        print(f"pinned {pin['repo_id']}@{pin['revision']} ({pin['variant']}, {pin['training_data']}): {len(pin['files'])} files")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from emozoo.hub.bundle import export_bundle

    out = export_bundle(args.source, args.out, revision=args.revision, endpoint=args.endpoint, token=args.token)
    print(f"wrote {out}; on the offline machine: emozoo import {out.name} DIR")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from emozoo.hub.bundle import import_bundle

    dest = import_bundle(args.bundle, args.dest)
    print(f"imported into {dest}; load it with emozoo.from_pretrained({str(dest)!r})")
    return 0


def _hub_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", help="Hub base URL, or 'embedded' for the zoo's own releases on 127.0.0.1 (default: $HF_ENDPOINT; "
                                      "else the embedded Hub for a release, huggingface.co for anything else)")
    p.add_argument("--token", help="Hub token (default: $HF_TOKEN or the stored login)")


def _add_hub_commands(sub: Any) -> None:
    p = sub.add_parser("push", aliases=["publish"], help="publish a saved model directory to a Hub repo (one commit)")
    p.add_argument("directory")
    p.add_argument("repo_id", help="org/name")
    p.add_argument("--training-data", help="data set the weights were trained on (required unless emozoo.json has it)")
    p.add_argument("--data-license", help="licence of that data set")
    p.add_argument("--data-note", help="how the data differs from the paper's")
    p.add_argument("--split-manifest", help="split manifest JSON file; its digest is recorded")
    p.add_argument("--metric", action="append", type=_parse_metric, help="DATASET:METRIC=VALUE (repeatable)")
    p.add_argument("--results", help="an `emozoo bench` results.json: its numbers for this method go into the card")
    p.add_argument("--private", action="store_true")
    p.add_argument("--message", help="commit message")
    p.add_argument("--pin", action="store_true", help="also pin the commit and file hashes in the catalogue")
    p.add_argument("--variant", default="default", help="variant name of the pin")
    p.add_argument("--json", action="store_true")
    _hub_options(p)
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("pull", help="download, verify and strictly load a model: a release, org/repo or a pinned method id")
    p.add_argument("name", help="a release name (emozoo list --pretrained), org/repo, or a method id with released or pinned weights")
    p.add_argument("--revision", help="branch, tag or commit (default: main, or the pinned commit)")
    p.add_argument("--variant", help="which pinned variant of a method id")
    p.add_argument("--json", action="store_true")
    _hub_options(p)
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser("release", help="train, check, publish and pin the planned releases (releases/plan.toml)")
    p.add_argument("names", nargs="*", help="releases to build (default: every planned one)")
    p.add_argument("--plan", help="the release plan (default: releases/plan.toml of this checkout)")
    p.add_argument("--out", help="where release folders go (default: the plan's folder)")
    p.add_argument("--data-root", help="folder holding the data sets (default: $EMOZOO_DATA_ROOT or ../shared/data)")
    p.add_argument("--small", action="store_true", help="each release's small configuration (CI's end-to-end check)")
    p.add_argument("--rebuild", action="store_true", help="train again even where the folder holds this recipe's weights")
    p.add_argument("--no-publish", action="store_true", help="build only; do not publish or pin")
    p.add_argument("--no-train", action="store_true", help="publish and pin what is built; skip releases still to train")
    p.add_argument("--registry", help="the catalogue to pin into (default: $EMOZOO_REGISTRY or the packaged registry.json)")
    p.add_argument("--endpoint", help="publish to this Hub URL (default: the embedded Hub)")
    p.add_argument("--token", help="Hub token (default: $HF_TOKEN or the stored login)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("pin", help="record a repo's commit and file hashes in the catalogue (registry.json or $EMOZOO_REGISTRY)")
    p.add_argument("repo_id")
    p.add_argument("--revision", default="main")
    p.add_argument("--variant", default="default")
    p.add_argument("--training-data", help="data set name (default: from emozoo.json)")
    p.add_argument("--json", action="store_true")
    _hub_options(p)
    p.set_defaults(func=cmd_pin)

    p = sub.add_parser("export", help="write a model (directory, org/repo or method id) as a self-contained bundle file")
    p.add_argument("source")
    p.add_argument("out")
    p.add_argument("--revision")
    _hub_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="unpack and verify a bundle into a directory, atomically")
    p.add_argument("bundle")
    p.add_argument("dest")
    p.set_defaults(func=cmd_import)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="emozoo", description="Model zoo for generative emotion recognition.")
    parser.add_argument("--version", action="version", version=f"emozoo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p_list = sub.add_parser("list", help="list installed methods (--all: the whole survey catalogue)")
    p_list.add_argument("pattern", nargs="?", help="wildcard over ids, e.g. '*gan*'")
    p_list.add_argument("--all", action="store_true", help="every surveyed method, with plugin status")
    p_list.add_argument("--datasets", action="store_true", help="list data set adapters instead of methods")
    p_list.add_argument("--pretrained", action="store_true", help="list released models (weights you can pull) instead")
    p_list.add_argument("--modality", help="speech, face, text, physiological, multimodal, or a signal (eeg, ...)")
    p_list.add_argument("--family", help="AE, VAE, GAN, DM, LLM, hybrid")
    p_list.add_argument("--task", help="data_augmentation, feature_extraction, modality_completion, ...")
    p_list.add_argument("--json", action="store_true", help="machine-readable output")
    p_list.set_defaults(func=cmd_list)

    p_info = sub.add_parser("info", help="spec, paper, reported results and install line of a method")
    p_info.add_argument("id", help="method id (installed) or catalogue id")
    p_info.add_argument("--json", action="store_true")
    p_info.set_defaults(func=cmd_info)

    p_bench = sub.add_parser("bench", help="run methods side by side on the same data, splits, seeds and metrics")
    p_bench.add_argument("methods", nargs="+", help="method ids")
    p_bench.add_argument("--dataset", required=True, help="data set id (emozoo list --datasets)")
    p_bench.add_argument("--protocol", default="recognition", choices=BENCH_PROTOCOLS)
    p_bench.add_argument("--seeds", default=1, type=_seeds_arg, help="a count (3 → seeds 0,1,2) or a list (0,5,7)")
    p_bench.add_argument("--config", help="JSON or TOML: {methods: {id: {field: value}}, dataset: {...}, protocol: {...}}")
    p_bench.add_argument("--dataset-option", action="append", type=_option_arg, metavar="KEY=VALUE",
                         help="a data set adapter option, e.g. --dataset-option max_dialogues=20 (repeatable; wins over --config)")
    p_bench.add_argument("--protocol-option", action="append", type=_option_arg, metavar="KEY=VALUE",
                         help="a protocol option, e.g. --protocol-option ratios=[0.5,1] (repeatable; wins over --config)")
    p_bench.add_argument("--out", default="bench-out", help="output directory (finished cells there are resumed)")
    p_bench.add_argument("--data-dir", help="where your copy of the data set lives (nothing is downloaded)")
    p_bench.add_argument("--max-folds", type=_positive_int, help="use only the first N folds (e.g. subjects)")
    p_bench.add_argument("--device", default="auto")
    p_bench.add_argument("--mixed-precision", default="no", choices=["no", "fp16", "bf16"])
    p_bench.add_argument("--no-resume", action="store_true", help="re-run finished cells")
    p_bench.add_argument("--quiet", action="store_true", help="no progress lines")
    p_bench.add_argument("--workers", type=int, help="cells at once: N local worker processes (default 1: this process); "
                         "with --engine ray, cells in flight (default: the cluster's CPUs)")  # fmt: skip
    p_bench.add_argument("--engine", default="local", choices=["local", "ray"],
                         help="local: this machine; ray: a Ray cluster (pip install 'emozoo[ray]')")
    p_bench.add_argument("--address", help="with --engine ray: the cluster's HOST:PORT (from `ray start --head`) or "
                         "'auto'; none starts a local cluster for the run")  # fmt: skip
    p_bench.add_argument("--threads-per-worker", type=int, default=1, help="torch/OpenMP threads of each worker")
    p_bench.add_argument("--json", action="store_true")
    p_bench.set_defaults(func=cmd_bench)

    p_doctor = sub.add_parser("doctor", help="plugins found, their errors, versions and devices")
    p_doctor.add_argument("--json", action="store_true")
    p_doctor.set_defaults(func=cmd_doctor)
    _add_hub_commands(sub)
    from emozoo.testing.template import add_parser as add_plugin_commands  # new-plugin, test-plugin (torch-free)

    add_plugin_commands(sub)
    from emozoo.leaderboard.cli import add_parser as add_leaderboard_command  # leaderboard (torch-free)

    add_leaderboard_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``emozoo`` console script."""
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except EmozooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `emozoo list | head`: the reader went away. Point stdout at devnull so the interpreter's final flush
        # is silent too, and exit as a command killed by SIGPIPE would.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (e.g. captured): nothing left to silence
            pass
        return 141


if __name__ == "__main__":
    sys.exit(main())
