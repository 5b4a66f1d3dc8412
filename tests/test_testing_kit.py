"""The conformance kit and the one-place method declaration: the toy methods pass the kit, and the kit's and
the base class's checks catch what would be wrong (a doubled declaration, a mislinked spec, a wrong schema)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import emozoo
from emozoo.errors import EmozooError, UnknownMethodError
from emozoo.model import EmotionModel
from emozoo.specs import TensorSpec
from emozoo.testing import ConformanceSuite, resolve_methods
from emozoo.testing.kit import _check_schema

TOY_SRC = Path(__file__).resolve().parent / "fixtures" / "emozoo-toy"



@pytest.fixture(scope="class")
def toy_registry():
    """The toy plugin registered for a whole test class (the kit shares one fitted model between checks)."""
    from emozoo import registry as registry_mod

    sys.path.insert(0, str(TOY_SRC))
    reg = registry_mod.Registry(autoload=False)
    reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
    registry_mod.reset_registry(reg)
    yield reg
    registry_mod.reset_registry(None)
    sys.path.remove(str(TOY_SRC))
    for name in [m for m in sys.modules if m == "emozoo_toy" or m.startswith("emozoo_toy.")]:
        del sys.modules[name]


@pytest.mark.usefixtures("toy_registry")
class TestToyConformance(ConformanceSuite):
    methods = ("toy-mlp", "toy-mlp-wide")  # a method and its preset


def test_resolve_methods_by_plugin_entry_point_and_id(registry):
    assert resolve_methods(["emozoo-toy"]) == ["toy-mlp", "toy-mlp-wide"]
    assert resolve_methods(["toy-mlp-wide"]) == ["toy-mlp-wide"]
    with pytest.raises(UnknownMethodError, match="did you mean 'toy-mlp'"):
        resolve_methods(["toy-mpl"])


def test_the_command_exits_non_zero_for_an_unknown_name():
    done = subprocess.run([sys.executable, "-m", "emozoo.testing", "no-such-plugin"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "no-such-plugin" in done.stdout


def test_spec_is_the_one_declaration(registry):
    from emozoo_toy.model import FlakyClassifier, ToyClassifier, ToyConfig
    from emozoo_toy.plugin import TOY_FLAKY, TOY_MLP

    assert (ToyClassifier.method_id, ToyClassifier.can_generate, ToyClassifier.can_predict) == ("toy-mlp", False, True)
    assert FlakyClassifier.spec is TOY_FLAKY and FlakyClassifier.method_id == "toy-flaky"
    assert TOY_MLP.config_class == "" and emozoo.get_spec("toy-mlp").load_config_class() is ToyConfig
    with pytest.raises(TypeError, match=r"sets method_id, can_predict and spec.*remove method_id = 'x', can_predict = False"):

        class Twice(ToyClassifier):  # noqa: F841 - the class statement itself must fail
            spec = TOY_MLP
            method_id = "x"
            can_predict = False

    with pytest.raises(TypeError, match="sets can_generate itself; declare the method once in a MethodSpec"):

        class Undeclared(ToyClassifier):  # noqa: F841
            can_generate = True


def test_load_refuses_a_class_linked_to_another_method(registry):
    registry._methods["toy-stray"] = dataclasses.replace(emozoo.get_spec("toy-mlp"), id="toy-stray", aliases=())
    with pytest.raises(EmozooError, match="'toy-stray' names emozoo_toy.model:ToyClassifier, whose spec is 'toy-mlp'"):
        emozoo.load("toy-stray")
    assert emozoo.load("toy-mlp-wide").method_id == "toy-mlp"  # a preset builds its base class


def test_fit_records_the_training_source_and_stays_transparent(registry):
    from emozoo_toy.model import FlakyClassifier, ToyClassifier

    fit = ToyClassifier.fit
    assert fit.__wrapped__.__doc__ == fit.__doc__ and fit.__name__ == "fit"
    assert list(inspect.signature(fit).parameters) == ["self", "train", "val", "runtime", "callbacks"]
    assert FlakyClassifier.fit.__wrapped__ is FlakyClassifier.__dict__["fit"].__wrapped__  # its own fit, wrapped once

    class Labelled(tuple):
        source = {"dataset": "toy-blobs", "license": "CC0-1.0"}

    x, y = torch.randn(6, 8), torch.tensor([0, 1, 2] * 2)
    model = emozoo.load("toy-mlp", epochs=1)
    model.fit(Labelled((x, y)))
    assert model.training_source == {"dataset": "toy-blobs", "license": "CC0-1.0"}
    model.fit(train=(x, y))
    assert model.training_source is None

    class Gen(EmotionModel):
        spec = dataclasses.replace(emozoo.get_spec("toy-mlp"), id="toy-gen", can_predict=False, plugin="", version="")
        config_class = dict
        can_fit = False

        def fit_generator(self, train, val=None, *, runtime=None, callbacks=()):
            """Train the generator only."""
            return "trained"

    assert Gen.fit_generator.__doc__ == "Train the generator only." and hasattr(Gen.fit_generator, "__wrapped__")


def test_schema_check_names_what_is_wrong():
    outputs = (TensorSpec("features", ("n", "num_bands")), TensorSpec("labels", ("n",), "int64"))
    config = type("C", (), {"num_bands": 5})()
    _check_schema({"features": torch.zeros(3, 5), "labels": torch.zeros(3, dtype=torch.long)}, outputs, config, {"n": 3}, "g()")
    with pytest.raises(AssertionError, match="labels has dtype float32, the spec declares int64"):
        _check_schema({"labels": torch.zeros(3)}, outputs, config, {}, "g()")
    with pytest.raises(AssertionError, match="num_bands=4, expected 5"):
        _check_schema({"features": torch.zeros(3, 4)}, outputs, config, {}, "g()")
    with pytest.raises(AssertionError, match="n=2, expected 3"):
        _check_schema({"features": torch.zeros(3, 5), "labels": torch.zeros(2, dtype=torch.long)}, outputs, config, {}, "g()")
    with pytest.raises(AssertionError, match="none of which MethodSpec.outputs declares"):
        _check_schema({"values": torch.zeros(3)}, outputs, config, {}, "g()")
