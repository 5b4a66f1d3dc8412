"""A real 2-process CPU launch through `accelerate launch`, training through emozoo.runtime.Runtime.

Why ``--multi_gpu`` and not ``--cpu``: in accelerate 1.15, ``accelerate launch --cpu --num_processes 2`` goes
to the *simple* launcher, which starts a single python process unless an MPI hostfile (``--mpirun_hostfile``)
is given, so the script silently sees ``num_processes == 1``. ``--multi_gpu`` uses torchrun (one process per
rank, ``LOCAL_RANK``/``WORLD_SIZE`` set); ``ACCELERATE_USE_CPU=true`` (what ``--cpu`` would export, and the two
flags are mutually exclusive) then makes accelerate build a MULTI_CPU/gloo process group, GPUs or not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import torch
    from torch.utils.data import DataLoader, Dataset
    from emozoo.runtime import Runtime, TrainingDivergedError, supervised_step

    out_dir = sys.argv[1]
    rt = Runtime(device="cpu", seed=0, progress=False)
    g = torch.Generator().manual_seed(123)
    X = torch.randn(32, 3, generator=g, dtype=torch.float64)
    Y = X @ torch.tensor([[1.5], [-2.0], [0.5]], dtype=torch.float64) + 0.3

    class Indexed(Dataset):
        def __len__(self):
            return len(X)
        def __getitem__(self, i):
            return X[i], Y[i], i

    model = torch.nn.Linear(3, 1).double()
    init = [p.detach().clone().reshape(-1).tolist() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(Indexed(), batch_size=4, shuffle=False)
    model, opt, loader = rt.prepare(model, opt, loader)
    inner = supervised_step(model, opt, torch.nn.functional.mse_loss, rt)
    seen = []

    def step(batch):
        x, y, idx = batch
        seen.extend(int(i) for i in idx)
        return inner((x, y))

    hist = rt.train(step, loader, epochs=2)
    final = [p.detach().reshape(-1).tolist() for p in rt.unwrap_model(model).parameters()]

    # a loss that goes NaN on rank 1 only must stop *both* ranks (at the epoch-end sync), not hang rank 0
    diverged = None
    try:
        rt.train(lambda b: {"loss": float("nan") if rt.process_index == 1 else 1.0}, loader, epochs=3)
    except TrainingDivergedError as exc:
        diverged = {"epoch": exc.epoch, "name": exc.name}
    with open(f"{out_dir}/rank{rt.process_index}.json", "w") as fh:
        json.dump({
            "process_index": rt.process_index, "num_processes": rt.num_processes,
            "distributed_type": str(rt.accelerator.distributed_type), "device": str(rt.device),
            "init": init, "final": final, "seen": seen, "history": hist.to_dict(), "diverged": diverged,
            "X": X.tolist(), "Y": Y.tolist(),
        }, fh)
    rt.end()  # barrier, then the gloo group destroyed before exit
    import torch.distributed as dist
    assert not dist.is_initialized()
    """
)


@pytest.mark.slow
def test_two_process_cpu_launch_synchronises_gradients(tmp_path):
    script = tmp_path / "train_ddp.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ)
    for key in ("LOCAL_RANK", "RANK", "WORLD_SIZE", "ACCELERATE_TORCH_DEVICE", "ACCELERATE_GRADIENT_ACCUMULATION_STEPS"):
        env.pop(key, None)
    env.update(
        ACCELERATE_USE_CPU="true",
        HF_HOME=str(tmp_path / "hf"),  # ignore any user `accelerate config` default file
        OMP_NUM_THREADS="1",
        EMOZOO_PROGRESS="0",
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    cmd = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
        "--dynamo_backend", "no", "--main_process_port", "0", "--monitor_interval", "0.1",
        str(script), str(out),
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and its workers: the session we started
        log, _ = proc.communicate()
        pytest.fail(f"accelerate launch did not finish in 120 s:\n{log[-4000:]}")
    elapsed = time.perf_counter() - start
    print(f"accelerate launch (2 CPU processes) took {elapsed:.1f} s")
    assert proc.returncode == 0, log[-4000:]

    ranks = [json.loads((out / f"rank{i}.json").read_text()) for i in range(2)]
    assert [r["process_index"] for r in ranks] == [0, 1]
    assert all(r["num_processes"] == 2 and r["distributed_type"] == "DistributedType.MULTI_CPU" for r in ranks)
    assert all(r["device"].split(":")[0] == "cpu" for r in ranks)  # MULTI_CPU reports "cpu:0"

    # the prepared loader sharded the data: each epoch, the ranks saw disjoint halves covering all 32 samples
    for epoch in range(2):
        halves = [set(r["seen"][epoch * 16 : (epoch + 1) * 16]) for r in ranks]
        assert len(halves[0]) == len(halves[1]) == 16 and not halves[0] & halves[1]
        assert halves[0] | halves[1] == set(range(32))

    # gradients were synchronised: identical weights on both ranks, moved away from the (shared) init
    assert ranks[0]["init"] == ranks[1]["init"]
    assert ranks[0]["final"] == ranks[1]["final"]
    assert ranks[0]["final"] != ranks[0]["init"]
    # the logged epoch losses were averaged across ranks, so both histories agree (callbacks decide alike)
    assert ranks[0]["history"]["epochs"][-1]["loss"] == ranks[1]["history"]["epochs"][-1]["loss"]

    assert [r["diverged"] for r in ranks] == [{"epoch": 0, "name": "loss"}] * 2

    # and equal single-process SGD on the batches of 8 that each step's two shards of 4 form together
    X = torch.tensor(ranks[0]["X"], dtype=torch.float64)
    Y = torch.tensor(ranks[0]["Y"], dtype=torch.float64)
    ref = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        for p, v in zip(ref.parameters(), ranks[0]["init"]):
            p.copy_(torch.tensor(v, dtype=torch.float64).reshape(p.shape))
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(2):
        for i in range(0, 32, 8):
            opt.zero_grad()
            torch.nn.functional.mse_loss(ref(X[i : i + 8]), Y[i : i + 8]).backward()
            opt.step()
    expected = [p.detach().reshape(-1).tolist() for p in ref.parameters()]
    for got, want in zip(ranks[0]["final"], expected):
        assert got == pytest.approx(want, abs=1e-10)
