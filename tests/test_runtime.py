"""Tests for emozoo.runtime: device resolution, precision checks, seeding, the training loop, gradient
accumulation, autocast, callbacks, divergence and coexisting runtimes. CPU only, a few seconds in all."""

from __future__ import annotations

import json
import math
import os
import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from emozoo import runtime as rt_mod
from emozoo.errors import ConfigError, EmozooError, EmptyInputError, InputError
from emozoo.runtime import (
    DeviceUnavailableError,
    EarlyStopping,
    History,
    Runtime,
    TrainingDivergedError,
    seed_everything,
    supervised_step,
)


@pytest.fixture(autouse=True, scope="module")
def _clean_accelerate_state():
    """Leave accelerate's process-wide state as we found it (empty) for other test modules."""
    yield
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()


@pytest.fixture
def no_accel_env(monkeypatch):
    for key in ("ACCELERATE_USE_CPU", "ACCELERATE_TORCH_DEVICE", "EMOZOO_PROGRESS", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)


class CountingSGD(torch.optim.SGD):
    """SGD that counts the optimizer steps that really happened."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_steps = 0

    def step(self, closure=None):
        self.n_steps += 1
        return super().step(closure)


def _regression_data(n=32, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, generator=g, dtype=dtype)
    y = 3.0 * x - 2.0 + 0.01 * torch.randn(n, 1, generator=g, dtype=dtype)
    return x, y


# --- device and precision ---------------------------------------------------------------------------


def test_cpu_device_and_properties(no_accel_env):
    rt = Runtime(device="cpu")
    assert rt._accelerator is None  # lazy
    assert rt.device == torch.device("cpu")
    assert rt.is_main_process and rt.num_processes == 1 and rt.process_index == 0
    assert rt.mixed_precision == "no" and rt.gradient_accumulation_steps == 1
    assert Runtime(device="CPU").device.type == "cpu"


def test_auto_device_prefers_cuda_then_mps_then_cpu(no_accel_env, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(rt_mod, "_mps_available", lambda: False)
    assert rt_mod._resolve_device("auto") == "cpu"
    monkeypatch.setattr(rt_mod, "_mps_available", lambda: True)
    assert rt_mod._resolve_device("auto") == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert rt_mod._resolve_device("auto") == "cuda:0"
    monkeypatch.setenv("ACCELERATE_USE_CPU", "true")  # what `accelerate launch --cpu` sets
    assert rt_mod._resolve_device("auto") == "cpu"


def test_cuda_on_cpu_machine_is_a_clear_error(no_accel_env, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for spec in ("cuda", "cuda:0", "cuda:1"):
        with pytest.raises(DeviceUnavailableError) as exc:
            Runtime(device=spec)
        msg = str(exc.value)
        assert "CUDA is not available" in msg and "device='cpu'" in msg and "device='auto'" in msg
        assert isinstance(exc.value, InputError) and isinstance(exc.value, ValueError)


def test_missing_gpu_index_and_mps(no_accel_env, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(DeviceUnavailableError, match=r"1 CUDA device.*cuda:0"):
        rt_mod._resolve_device("cuda:3")
    with pytest.raises(InputError, match="malformed"):
        rt_mod._resolve_device("cuda:x")
    monkeypatch.setattr(rt_mod, "_mps_available", lambda: False)
    with pytest.raises(DeviceUnavailableError, match="MPS is not available"):
        rt_mod._resolve_device("mps")


def test_unknown_device_string(no_accel_env):
    with pytest.raises(InputError, match=r"unknown device 'gpu' \(did you mean 'cuda'\?\).*auto, cpu, cuda, cuda:N, mps"):
        Runtime(device="gpu")
    with pytest.raises(InputError, match="unknown device 'tpu'"):
        Runtime(device="tpu")
    with pytest.raises(InputError, match="must be a string"):
        Runtime(device=0)


def test_precision_and_accumulation_arguments(no_accel_env):
    with pytest.raises(DeviceUnavailableError, match=r"fp16.*CPU.*bf16") as exc:
        Runtime(device="cpu", mixed_precision="fp16")
    assert isinstance(exc.value, EmozooError)
    with pytest.raises(InputError, match="mixed_precision must be one of"):
        Runtime(device="cpu", mixed_precision="fp32")
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="gradient_accumulation_steps"):
            Runtime(device="cpu", gradient_accumulation_steps=bad)
    assert Runtime(device="cpu", mixed_precision="BF16").mixed_precision == "bf16"


def test_bf16_autocast_on_cpu(no_accel_env):
    a, b = torch.randn(4, 8), torch.randn(8, 2)
    rt = Runtime(device="cpu", mixed_precision="bf16")
    with rt.autocast():
        inside = a @ b
        lin = torch.nn.Linear(8, 2)(a)
    assert inside.dtype == torch.bfloat16 and lin.dtype == torch.bfloat16
    assert (a @ b).dtype == torch.float32  # only inside the context
    with Runtime(device="cpu").autocast():
        assert (a @ b).dtype == torch.float32  # "no" is a no-op


# --- seeding ----------------------------------------------------------------------------------------


def _draw():
    lin = torch.nn.Linear(4, 3)
    return (random.random(), float(np.random.rand()), torch.randn(5), lin.weight.detach().clone())


def test_seed_everything_repeats_and_differs():
    seed_everything(123)
    first = _draw()
    seed_everything(123)
    again = _draw()
    seed_everything(124)
    other = _draw()
    assert first[0] == again[0] and first[1] == again[1]
    assert torch.equal(first[2], again[2]) and torch.equal(first[3], again[3])
    assert first[0] != other[0] and first[1] != other[1]
    assert not torch.equal(first[2], other[2]) and not torch.equal(first[3], other[3])
    Runtime(device="cpu", seed=123)  # the runtime seeds eagerly, before models are built
    assert torch.equal(_draw()[3], first[3])
    for bad in (-1, 2**32, 1.0, "1", True):
        with pytest.raises(InputError, match="seed"):
            seed_everything(bad)


def test_deterministic_flags(monkeypatch):
    before = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    try:
        seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


# --- training loop ----------------------------------------------------------------------------------


def test_linear_regression_loss_decreases(no_accel_env):
    rt = Runtime(device="cpu", seed=0, progress=False)
    x, y = _regression_data()
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    model, opt, loader = rt.prepare(model, opt, loader)
    hist = rt.train(supervised_step(model, opt, torch.nn.functional.mse_loss, rt), loader, epochs=6)

    losses = hist.series("loss")
    assert len(hist) == 6 and len(losses) == 6
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.05 * losses[0]
    assert hist.series("epoch") == [0, 1, 2, 3, 4, 5]
    assert hist.series("steps") == [4] * 6
    assert all(s >= 0 for s in hist.series("seconds"))
    assert hist.last is hist[-1] and hist.stop_reason is None
    w = rt.unwrap_model(model).weight.item()
    assert abs(w - 3.0) < 0.3

    text = json.dumps(hist.to_dict())
    back = History.from_dict(json.loads(text))
    assert back == hist and back.series("loss") == losses
    assert json.loads(json.dumps(hist)) == list(hist)  # a list subclass serialises directly
    with pytest.raises(InputError, match="did you mean 'loss'"):
        hist.series("los")
    with pytest.raises(EmptyInputError):
        History().last


def test_gradient_accumulation_matches_full_batch(no_accel_env):
    """Accumulating 2 micro-batches of 4 must equal one step on the 8-sample batch (mean loss => averaged grads).

    float64 keeps the comparison at 1e-6 meaningful; the same run without accumulation must differ, so the
    check would catch an accumulation that silently did nothing. The optimizer-step count is checked too.
    """
    x, y = _regression_data(n=16, seed=1, dtype=torch.float64)
    torch.manual_seed(7)
    init = torch.nn.Linear(1, 1).double()
    lr, epochs, micro = 0.2, 3, 4

    # reference: plain torch, full batches of 2 * micro samples
    ref = torch.nn.Linear(1, 1).double()
    ref.load_state_dict(init.state_dict())
    ref_opt = torch.optim.SGD(ref.parameters(), lr=lr)
    for _ in range(epochs):
        for i in range(0, len(x), 2 * micro):
            ref_opt.zero_grad()
            torch.nn.functional.mse_loss(ref(x[i : i + 2 * micro]), y[i : i + 2 * micro]).backward()
            ref_opt.step()

    def run(steps):
        rt = Runtime(device="cpu", gradient_accumulation_steps=steps, progress=False)
        model = torch.nn.Linear(1, 1).double()
        model.load_state_dict(init.state_dict())
        opt = CountingSGD(model.parameters(), lr=lr)
        loader = DataLoader(TensorDataset(x, y), batch_size=micro, shuffle=False)
        model, opt, loader = rt.prepare(model, opt, loader)
        rt.train(supervised_step(model, opt, torch.nn.functional.mse_loss, rt), loader, epochs=epochs)
        return rt.unwrap_model(model), opt.optimizer.n_steps

    acc_model, acc_steps = run(2)
    assert acc_steps == epochs * len(x) // (2 * micro)
    for p_acc, p_ref in zip(acc_model.parameters(), ref.parameters()):
        torch.testing.assert_close(p_acc, p_ref, rtol=0, atol=1e-6)
    plain_model, plain_steps = run(1)
    assert plain_steps == 2 * acc_steps
    assert not torch.allclose(plain_model.weight, ref.weight, rtol=0, atol=1e-4)


def test_early_stopping_stops_at_the_right_epoch(no_accel_env):
    values = [5.0, 4.0, 3.0, 3.5, 3.2, 1.0, 0.5]  # best at epoch 2; epochs 3 and 4 do not improve
    batches_per_epoch = 3
    calls = {"n": 0}

    def step(_batch):
        epoch = calls["n"] // batches_per_epoch
        calls["n"] += 1
        return {"val_loss": values[epoch]}

    es = EarlyStopping("val_loss", patience=2)
    rt = Runtime(device="cpu", progress=False)
    hist = rt.train(step, [0] * batches_per_epoch, epochs=len(values), callbacks=[es])
    assert len(hist) == 5 and hist.last["epoch"] == 4
    assert hist.series("val_loss") == pytest.approx(values[:5])
    assert es.best == 3.0 and es.best_epoch == 2 and es.stopped_epoch == 4
    assert hist.stop_reason == "callback:EarlyStopping"

    # mode="max" and min_delta, driven directly
    es = EarlyStopping("acc", patience=1, mode="max", min_delta=0.05)
    assert [es.on_epoch_end(i, {"acc": v}) for i, v in enumerate([0.5, 0.6, 0.62])] == [False, False, True]
    es.on_train_begin()
    assert es.best is None and es.on_epoch_end(0, {"acc": 0.1}) is False
    with pytest.raises(InputError, match="did you mean 'acc'"):
        EarlyStopping("ac", patience=1).on_epoch_end(0, {"acc": 1.0})
    for kwargs in ({"patience": 0}, {"patience": 1, "mode": "up"}, {"patience": 1, "min_delta": -1.0}):
        with pytest.raises(InputError):
            EarlyStopping("loss", **kwargs)


def test_custom_callback_and_max_steps(no_accel_env):
    rt = Runtime(device="cpu", progress=False)
    seen = []

    class Stopper:
        def on_epoch_end(self, epoch, logs):
            seen.append((epoch, logs["loss"]))
            return epoch == 1

    hist = rt.train(lambda b: {"loss": torch.tensor(float(b))}, [1, 2, 3], epochs=10, callbacks=[Stopper()])
    assert len(hist) == 2 and seen == [(0, 2.0), (1, 2.0)] and hist.stop_reason == "callback:Stopper"

    hist = rt.train(lambda b: {"loss": b}, [1, 2, 3], epochs=10, max_steps=5)
    assert hist.series("steps") == [3, 2] and hist.stop_reason == "max_steps"
    assert hist.series("loss") == [2.0, 1.5]


def test_nan_loss_raises_training_diverged(no_accel_env):
    rt = Runtime(device="cpu", progress=False)
    losses = iter([1.0, float("nan"), 0.5])
    with pytest.raises(TrainingDivergedError, match=r"'loss' became nan at epoch 0, step 2") as exc:
        rt.train(lambda b: {"loss": torch.tensor(next(losses)), "acc": 1.0}, [0, 1, 2], epochs=1)
    err = exc.value
    assert isinstance(err, EmozooError) and isinstance(err, FloatingPointError)
    assert err.epoch == 0 and err.step == 2 and math.isnan(err.value)
    with pytest.raises(TrainingDivergedError, match="inf"):
        rt.train(lambda b: {"g_loss": float("inf")}, [0], epochs=1)
    # a NaN metric that is not a loss is just logged
    hist = rt.train(lambda b: {"loss": 1.0, "ccc": float("nan")}, [0], epochs=1)
    assert math.isnan(hist.last["ccc"])


def test_train_argument_errors(no_accel_env):
    rt = Runtime(device="cpu", progress=False)
    with pytest.raises(EmptyInputError, match="no batches"):
        rt.train(lambda b: {"loss": 1.0}, [], epochs=1)
    with pytest.raises(InputError, match="mapping"):
        rt.train(lambda b: 1.0, [0], epochs=1)
    with pytest.raises(InputError, match="reserved"):
        rt.train(lambda b: {"epoch": 1}, [0], epochs=1)
    with pytest.raises(InputError, match="shape"):
        rt.train(lambda b: {"loss": torch.ones(3)}, [0], epochs=1)
    with pytest.raises(InputError, match="epochs"):
        rt.train(lambda b: {}, [0], epochs=-1)
    with pytest.raises(InputError, match="on_epoch_end"):
        rt.train(lambda b: {}, [0], epochs=1, callbacks=[object()])
    step = supervised_step(torch.nn.Linear(1, 1), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1), torch.nn.functional.mse_loss, rt)
    with pytest.raises(InputError, match=r"\(inputs, targets\)"):
        step(torch.zeros(2, 1))


def test_progress_default_and_env(no_accel_env, monkeypatch, capsys):
    monkeypatch.setenv("EMOZOO_PROGRESS", "1")
    rt = Runtime(device="cpu")
    assert rt.progress is True
    rt.train(lambda b: {"loss": 1.0}, [0, 1], epochs=1, desc="fit")
    assert "fit 1/1" in capsys.readouterr().err
    monkeypatch.setenv("EMOZOO_PROGRESS", "0")
    assert rt.progress is False
    assert Runtime(device="cpu", progress=True).progress is True  # an explicit argument wins
    monkeypatch.setenv("EMOZOO_PROGRESS", "maybe")
    with pytest.raises(ConfigError, match="EMOZOO_PROGRESS"):
        rt.progress  # noqa: B018
    monkeypatch.delenv("EMOZOO_PROGRESS")
    assert rt.progress is False  # pytest captures stderr: not a TTY


def test_epoch_log_reports_every_epoch_with_the_time_left(no_accel_env, monkeypatch, capsys):
    reports = []
    rt = Runtime(device="cpu", progress=False, epoch_log=reports.append)
    rt.train(lambda b: {"loss": float(b)}, [1, 3], epochs=4, desc="gen")
    assert [(r.desc, r.epoch, r.epochs) for r in reports] == [("gen", e, 4) for e in (1, 2, 3, 4)]
    assert all(r.means == {"loss": 2.0} for r in reports)
    assert reports[-1].left == 0.0
    assert reports[0].left == pytest.approx(3 * reports[0].elapsed)  # three more epochs at the mean epoch time so far
    assert reports[1].left == pytest.approx(reports[1].elapsed)
    assert "gen epoch 4/4 · loss 2 · " in reports[-1].line() and reports[-1].line().endswith("~0 s left")
    monkeypatch.setenv("EMOZOO_EPOCH_LOG", "1")
    Runtime(device="cpu", progress=False).train(lambda b: {"loss": 1.0}, [0], epochs=2, desc="clf")
    err = capsys.readouterr().err
    assert "clf epoch 1/2 · loss 1 · " in err and "clf epoch 2/2" in err
    monkeypatch.setenv("EMOZOO_EPOCH_LOG", "0")
    Runtime(device="cpu", progress=False).train(lambda b: {"loss": 1.0}, [0], epochs=1, desc="quiet")
    assert "quiet" not in capsys.readouterr().err
    with pytest.raises(InputError, match="epoch_log"):
        Runtime(device="cpu", epoch_log="yes")


# --- accelerate's shared state --------------------------------------------------------------------------


def test_two_runtimes_with_different_settings_coexist(no_accel_env):
    """accelerate's AcceleratorState/GradientState are process-wide; each Runtime must keep its own settings."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)  # earlier tests' runtimes left theirs
    GradientState._reset_state()
    Accelerator(cpu=True, mixed_precision="bf16", gradient_accumulation_steps=3)  # someone else's, created first
    x, y = _regression_data(n=16)
    a_in = torch.randn(2, 3)

    def fit(rt, epochs=1):
        model = torch.nn.Linear(1, 1)
        opt = CountingSGD(model.parameters(), lr=0.05)
        loader = DataLoader(TensorDataset(x, y), batch_size=4)
        model, opt, loader = rt.prepare(model, opt, loader)
        hist = rt.train(supervised_step(model, opt, torch.nn.functional.mse_loss, rt), loader, epochs=epochs)
        return opt.optimizer.n_steps, hist

    rt_a = Runtime(device="cpu", progress=False)
    steps_a, _ = fit(rt_a)
    rt_b = Runtime(device="cpu", mixed_precision="bf16", gradient_accumulation_steps=2, progress=False)
    steps_b, hist_b = fit(rt_b, epochs=2)
    assert steps_a == 4 and steps_b == 4 and len(hist_b) == 2
    with rt_b.autocast():
        assert (a_in @ a_in.T).dtype == torch.bfloat16

    # back to the first runtime: its precision and accumulation are intact, not rt_b's
    with rt_a.autocast():
        assert (a_in @ a_in.T).dtype == torch.float32
    assert rt_a.accelerator.gradient_accumulation_steps == 1
    assert rt_a.accelerator.state.mixed_precision == "no"
    steps_a2, hist_a2 = fit(rt_a, epochs=2)
    assert steps_a2 == 8 and hist_a2.last["steps"] == 4

    # and rt_b again, after rt_a was used
    assert rt_b.accelerator.gradient_accumulation_steps == 2
    assert rt_b.accelerator.state.mixed_precision == "bf16"
    assert fit(rt_b)[0] == 2

    # a runtime used after an outside reset of accelerate's state still works
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    assert rt_a.device.type == "cpu" and rt_a.accelerator.gradient_accumulation_steps == 1
    assert fit(rt_a)[0] == 4


def test_seeded_cpu_rng_repeats_construction_and_leaves_the_callers_rng_alone():
    from emozoo.runtime import seeded_cpu_rng

    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    with seeded_cpu_rng(7):
        a = torch.nn.Linear(4, 2).weight.detach().clone()
    with seeded_cpu_rng(7):
        b = torch.nn.Linear(4, 2).weight.detach().clone()
    with seeded_cpu_rng(8):
        c = torch.nn.Linear(4, 2).weight.detach().clone()
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(torch.rand(3), expected_next)  # the caller's stream continues as if nothing happened


def test_step_function_that_asks_for_info_is_told_its_epoch_and_step():
    from emozoo.runtime import Runtime, StepInfo

    seen: list[StepInfo] = []

    def step(batch, info):
        seen.append(info)
        return {"loss": float(batch)}

    Runtime(device="cpu", progress=False).train(step, [1, 2, 3], epochs=2)
    assert [(i.epoch, i.step, i.global_step) for i in seen] == [(0, 0, 0), (0, 1, 1), (0, 2, 2), (1, 0, 3), (1, 1, 4), (1, 2, 5)]
    assert seen[0].total_steps == 6 and [round(i.progress, 4) for i in seen[:3]] == [0.0, 0.1667, 0.3333]


def test_step_info_with_max_steps_and_a_loader_without_length():
    from emozoo.runtime import Runtime

    seen = []

    def batches():
        yield from range(10)

    Runtime(device="cpu", progress=False).train(lambda b, *, info: seen.append(info), batches(), epochs=1, max_steps=4)
    assert [i.global_step for i in seen] == [0, 1, 2, 3] and seen[0].steps_per_epoch is None
    assert seen[-1].total_steps == 4 and seen[-1].progress == 0.75


def test_plain_step_functions_are_called_with_the_batch_only():
    from emozoo.runtime import Runtime

    calls = []
    Runtime(device="cpu", progress=False).train(lambda batch: calls.append(batch), [7, 8], epochs=1)
    assert calls == [7, 8]


def test_rows_loader_batches_aligned_rows_in_a_seeded_order() -> None:
    from emozoo.errors import InputError
    from emozoo.runtime import TensorRows, rows_loader

    x, y = torch.arange(20.0).reshape(10, 2), torch.arange(10)
    first = [b for b in rows_loader(x, y, batch_size=4, seed=3)]
    again = [b for b in rows_loader(x, y, batch_size=4, seed=3)]
    assert [len(b[1]) for b in first] == [4, 4, 2]
    assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(first, again))
    for xb, yb in first:  # rows stay aligned
        assert torch.equal(xb[:, 0], 2.0 * yb)
    assert sorted(torch.cat([b[1] for b in first]).tolist()) == list(range(10))
    assert torch.cat([b[1] for b in rows_loader(x, y, batch_size=4, shuffle=False)]).tolist() == list(range(10))
    with pytest.raises(InputError, match="one row per sample"):
        TensorRows(x, y[:5])


def test_end_is_safe_without_a_launcher_and_before_the_accelerator_exists():
    fresh = Runtime(device="cpu", progress=False)
    fresh.end()  # nothing built yet: nothing to finish
    assert fresh._accelerator is None
    used = Runtime(device="cpu", progress=False)
    assert used.num_processes == 1
    used.end()  # single process: a barrier and no process group, so it returns
    assert used.num_processes == 1
