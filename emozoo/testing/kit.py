"""The conformance suite: a pytest class whose tests run over every method it is given (timm's test_models.py idea).

Subclass it in a test module (``class TestConformance(ConformanceSuite): plugin = "emozoo-cwgan"``) and pytest
collects each check once per method. The fitted example is shared between the checks of one method.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from emozoo.testing import INVALID_CASES, Example
from emozoo.testing.runner import METHODS_ENV, resolve_methods

#: Modules an entry-point module must not import (the plugin contract: listing stays fast).
HEAVY = ("torch", "transformers", "peft")
_ERRORS = {"nan": "NonFiniteError", "shape": "ShapeError", "dtype": "DTypeError", "modality": "InputError"}
_FITTED: dict[str, tuple[Any, Example]] = {}


class ConformanceSuite:
    """The checks every emozoo method passes; set ``plugin`` (a distribution) and/or ``methods`` (ids).

    With neither set, the suite runs over the ids in ``$EMOZOO_CONFORMANCE_METHODS``, else every installed method.
    """

    plugin: ClassVar[str] = ""
    methods: ClassVar[tuple[str, ...]] = ()

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "method_id" in metafunc.fixturenames:
            env = [m for m in os.environ.get(METHODS_ENV, "").split(",") if m]
            ids = [*(resolve_methods([self.plugin]) if self.plugin else ()), *self.methods]  # ids: taken as given
            metafunc.parametrize("method_id", ids or env or resolve_methods(None), scope="class")

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _release_fitted_models(cls) -> Any:
        """Drop the fitted examples when the class is done (they can hold a language model)."""
        yield
        _FITTED.clear()

    # --- the plugin contract ------------------------------------------------------------------------------

    def test_entry_module_imports_no_torch(self, method_id: str) -> None:
        module = _entry_module(method_id)
        code = (
            "import importlib, sys; importlib.import_module(sys.argv[1]); "
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; print(' '.join(heavy)); sys.exit(1 if heavy else 0)"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        done = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, f"{module} (entry point of {method_id!r}) imports {done.stdout.strip() or done.stderr[-2000:]} at import time"

    def test_spec_is_valid(self, method_id: str) -> None:
        from packaging.specifiers import SpecifierSet

        from emozoo import CORE_API_VERSION, MethodSpec, TensorSpec, get_spec
        from emozoo.model import EmotionModel

        spec = get_spec(method_id)
        assert isinstance(spec, MethodSpec) and dataclasses.replace(spec) == spec  # __post_init__ validates again
        cls = spec.load_model_class()
        assert isinstance(cls, type) and issubclass(cls, EmotionModel), f"{spec.model_class} is not an EmotionModel"
        linked = cls.spec
        assert isinstance(linked, MethodSpec), f"{cls.__name__} links no MethodSpec (spec = ...)"
        if spec.preset:
            assert linked.id != spec.id, f"{method_id!r} has a preset but is its class's own spec"
            for name in ("can_generate", "can_predict", "family", "modality"):
                assert getattr(spec, name) == getattr(linked, name), f"preset {method_id!r} differs from {linked.id!r} in {name}"
        else:
            unfilled = {"plugin": "", "version": ""}
            assert dataclasses.replace(spec, **unfilled) == dataclasses.replace(linked, **unfilled), (
                f"the registered spec of {method_id!r} differs from {cls.__name__}.spec; register the one the class links"
            )
        assert (cls.method_id, cls.can_generate, cls.can_predict) == (linked.id, linked.can_generate, linked.can_predict)
        assert dataclasses.is_dataclass(spec.load_config_class()), "the config class must be a dataclass"
        assert SpecifierSet(spec.core_api).contains(CORE_API_VERSION, prereleases=True), f"core_api {spec.core_api!r}"
        assert spec.example or linked.example, f"{method_id!r} has no example; set MethodSpec(example='package.module:function')"
        if spec.can_generate or spec.can_predict:
            assert _outputs(spec), f"{method_id!r} declares no outputs (MethodSpec.outputs)"
        for tensor in (*spec.inputs, *_outputs(spec)):
            assert isinstance(tensor, TensorSpec) and all(isinstance(d, (str, int)) for d in tensor.shape), tensor

    def test_builds_with_defaults(self, method_id: str) -> None:
        import emozoo
        from emozoo.errors import EmozooError

        try:
            model = emozoo.load(method_id)
        except EmozooError as exc:
            if "pip install" not in str(exc):
                raise
            pytest.skip(f"the default config needs a resource that is not installed: {exc}")
        assert dataclasses.is_dataclass(model.config) and model.method_id == type(model).spec.id

    # --- fit, outputs ------------------------------------------------------------------------------------

    def test_fits_the_example(self, method_id: str) -> None:
        _fitted(method_id)

    def test_generate_matches_the_schema(self, method_id: str) -> None:
        from emozoo import get_spec

        spec = get_spec(method_id)
        if not spec.can_generate:
            pytest.skip(f"{method_id!r} does not generate")
        model, example = _fitted(method_id)
        out = model.generate(**example.generate)
        bound = {"n": example.generate["n"]} if isinstance(example.generate.get("n"), int) else {}
        _check_schema(_named(out), _outputs(spec), model.config, bound, f"{method_id}.generate()")

    def test_predict_matches_the_schema(self, method_id: str) -> None:
        from emozoo import get_spec
        from emozoo.model import Prediction

        spec = get_spec(method_id)
        if not spec.can_predict:
            pytest.skip(f"{method_id!r} does not predict")
        model, example = _fitted(method_id)
        prediction = model.predict(example.test)
        assert isinstance(prediction, Prediction), f"predict() returned {type(prediction).__name__}, not a Prediction"
        _check_schema(_named(prediction), _outputs(spec), model.config, {}, f"{method_id}.predict()")

    # --- saving and loading ------------------------------------------------------------------------------

    def test_round_trip_is_bit_exact(self, method_id: str, tmp_path: Path) -> None:
        import emozoo
        from emozoo.config import config_to_dict

        model, example = _fitted(method_id)
        model.save_pretrained(tmp_path / "m")
        loaded = emozoo.from_pretrained(tmp_path / "m")
        if example.after_load is not None:
            example.after_load(loaded)
        assert type(loaded) is type(model) and config_to_dict(loaded.config) == config_to_dict(model.config)
        _assert_same_state(model, loaded)
        if model.can_predict:
            _assert_same(_named(model.predict(example.test)), _named(loaded.predict(example.test)), "predict()")
        if model.can_generate:
            _assert_same(_named(model.generate(**example.generate)), _named(loaded.generate(**example.generate)), "generate()")

    @pytest.mark.parametrize("edit", ["missing", "extra", "reshaped"])
    def test_strict_load_refuses_edited_weights(self, method_id: str, edit: str, tmp_path: Path) -> None:
        import emozoo
        from emozoo.errors import WeightsError

        model, _ = _fitted(method_id)
        model.save_pretrained(tmp_path / "m")
        _edit_weights(tmp_path / "m", edit)
        with pytest.raises(WeightsError):
            emozoo.from_pretrained(tmp_path / "m")

    # --- inputs, determinism -----------------------------------------------------------------------------

    @pytest.mark.parametrize("case", INVALID_CASES)
    def test_invalid_input_raises_a_typed_error(self, method_id: str, case: str) -> None:
        from emozoo import errors

        model, example = _fitted(method_id)
        if case in example.not_applicable:
            pytest.skip(f"{case}: {example.not_applicable[case]}")
        bad = example.invalid[case] if case in example.invalid else _derive_invalid(example, case, model.can_predict)
        expected = getattr(errors, _ERRORS[case])
        call = model.predict if model.can_predict else lambda data: model.fit(data, **example.fit)
        with pytest.raises(expected):
            call(bad() if callable(bad) else bad)

    def test_same_seed_same_weights(self, method_id: str) -> None:
        first, example = _fitted(method_id)
        again = _fit(method_id, example)
        _assert_same_state(first, again)
        if first.can_generate:
            _assert_same(_named(first.generate(**example.generate)), _named(again.generate(**example.generate)), "generate()")


# --- helpers ---------------------------------------------------------------------------------------------


def _entry_module(method_id: str) -> str:
    from emozoo import get_registry

    registry = get_registry()
    canonical = registry.get_method(method_id).id
    for info in registry.plugins.values():
        if canonical in info.methods:
            return registry.pm.get_plugin(info.name).__name__
    raise AssertionError(f"no registered plugin provides {method_id!r}")


def _outputs(spec: Any) -> tuple[Any, ...]:
    """The spec's outputs; a preset that declares none has its base method's."""
    return spec.outputs or (spec.load_model_class().spec.outputs if spec.preset else ())


def _fit(method_id: str, example: Example) -> Any:
    """Build and fit from the same seed (global RNGs too, as the Runtime seeds them)."""
    import emozoo
    from emozoo.runtime import seed_everything

    seed_everything(0)
    model = emozoo.load(method_id, **example.config)
    model.fit(example.train, **example.fit)
    return model


def _fitted(method_id: str) -> tuple[Any, Example]:
    """The method built from its example's config and fitted on its train batch (once per process)."""
    from emozoo import get_spec

    if method_id not in _FITTED:
        spec = get_spec(method_id)
        example = (spec if spec.example or not spec.preset else spec.load_model_class().spec).load_example()
        assert isinstance(example, Example), f"the example of {method_id!r} must return an emozoo.testing.Example"
        _FITTED[method_id] = (_fit(method_id, example), example)
    return _FITTED[method_id]


def _named(out: Any) -> dict[str, Any]:
    """Flatten an output to named values: tensors, dicts of tensors (``field.key``), and text (``text``)."""
    if isinstance(out, str) or (isinstance(out, list) and out and all(isinstance(t, str) for t in out)):
        return {"text": out}
    items = (
        {f.name: getattr(out, f.name) for f in dataclasses.fields(out)} if dataclasses.is_dataclass(out)
        else dict(out) if isinstance(out, dict) else {}
    )
    named: dict[str, Any] = {}
    for key, value in items.items():
        if isinstance(value, dict):
            named.update({f"{key}.{k}": v for k, v in value.items() if _is_tensor(v)})
        elif _is_tensor(value):
            named[key] = value
    return named


def _is_tensor(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor)


def _check_schema(named: dict[str, Any], outputs: Any, config: Any, bound: dict[str, int], what: str) -> None:
    """Every declared output present in ``named`` has its shape (symbols bound consistently) and dtype."""
    declared = [t for t in outputs if t.name in named]
    assert declared, f"{what} returns {sorted(named)}, none of which MethodSpec.outputs declares ({[t.name for t in outputs]})"
    for tensor in declared:
        value = named[tensor.name]
        if tensor.dtype == "str":
            shape, dtype = ((len(value),) if isinstance(value, list) else ()), "str"
        else:
            shape, dtype = tuple(value.shape), str(value.dtype).removeprefix("torch.")
        assert dtype == tensor.dtype, f"{what}: {tensor.name} has dtype {dtype}, the spec declares {tensor.dtype}"
        assert len(shape) == len(tensor.shape), f"{what}: {tensor.name} has shape {shape}, the spec declares {tensor.shape}"
        for size, dim in zip(shape, tensor.shape):
            if isinstance(dim, int):
                assert size == dim, f"{what}: {tensor.name} has shape {shape}, the spec declares {tensor.shape}"
                continue
            expected = bound.setdefault(dim, getattr(config, dim, size) if isinstance(getattr(config, dim, None), int) else size)
            assert size == expected, f"{what}: {tensor.name} has {dim}={size}, expected {expected} (shape {shape}, spec {tensor.shape})"


def _assert_same_state(a: Any, b: Any) -> None:
    import torch

    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys(), f"state differs in keys: {sorted(set(sa) ^ set(sb))[:8]}"
    for key in sa:
        assert sa[key].dtype == sb[key].dtype and torch.equal(sa[key], sb[key]), f"tensor {key!r} differs"


def _assert_same(a: dict[str, Any], b: dict[str, Any], what: str) -> None:
    import torch

    assert a.keys() == b.keys(), f"{what} outputs differ in names"
    for key, value in a.items():
        same = torch.equal(value, b[key]) and value.dtype == b[key].dtype if _is_tensor(value) else value == b[key]
        assert same, f"{what}: {key} differs"


def _edit_weights(directory: Path, edit: str) -> None:
    """Remove, add or reshape one tensor of a saved model, then fix the hash so only strictness is tested."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    from emozoo._fileio import sha256_file
    from emozoo.artifact import METADATA_NAME, WEIGHTS_NAME

    path = directory / WEIGHTS_NAME
    with safe_open(str(path), framework="pt") as fh:
        meta = fh.metadata()
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 - safe_open is not a mapping
    assert tensors, "the saved model holds no tensors"
    key = max(tensors, key=lambda k: tensors[k].numel())
    if edit == "missing":
        del tensors[key]
    elif edit == "extra":
        tensors["conformance_kit_extra"] = torch.zeros(2)
    else:
        tensors[key] = torch.cat([tensors[key].reshape(-1), tensors[key].reshape(-1)[:1]])
    save_file(tensors, str(path), metadata=meta)
    info = json.loads((directory / METADATA_NAME).read_text(encoding="utf-8"))
    info["files"][WEIGHTS_NAME] = sha256_file(path)
    (directory / METADATA_NAME).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _derive_invalid(example: Example, case: str, to_predict: bool) -> Any:
    """A bad input from the example's tensor features: a NaN, one feature short, complex, or text instead."""
    import torch

    data = example.test if to_predict else example.train
    x = data if _is_tensor(data) else data[0] if isinstance(data, tuple) else getattr(data, "features", None)
    if not _is_tensor(x):
        raise AssertionError(
            f"cannot derive a {case!r} input from {type(data).__name__}; give Example(invalid={{{case!r}: ...}}) "
            f"or Example(not_applicable={{{case!r}: 'why'}})"
        )
    if case == "modality":
        from emozoo.data.batches import Dialogue, DialogueBatch, Utterance

        return DialogueBatch((Dialogue("d", (Utterance("A", "text, not a signal", "x"),)),), ("x",))
    bad = x.clone()
    if case == "nan":
        bad.view(-1)[0] = float("nan")
    elif case == "shape":
        bad = bad[..., :-1]
    else:
        bad = bad.to(torch.complex64)  # numbers, but not real ones: integer features may be cast, these may not
    if to_predict or not isinstance(data, tuple):
        return bad
    return (bad, *data[1:])

