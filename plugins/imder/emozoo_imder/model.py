"""IMDer: projections, per-modality conditional score networks (VE SDE), refinement, MulT fusion, regression head."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from emozoo.config import SEED
from emozoo.data.batches import MultimodalBatch
from emozoo.errors import InputError, LabelError, ModalityError, ShapeError
from emozoo.guards import check_inputs
from emozoo.model import EmotionModel, Prediction
from emozoo_imder import missing as miss
from emozoo_imder.fusion import MulTFusion, Refiner
from emozoo_imder.plugin import SPEC
from emozoo_imder.scorenet import ScoreNet
from emozoo_imder.sde import sample, score_matching_loss

MODS = miss.MODALITIES
_PAIRS = {("text", "audio"), ("text", "vision"), ("audio", "vision")}


@dataclass
class IMDerConfig:
    """Defaults follow the official MOSI config (config/config.json, ``imder`` / ``mosi``); "ours" marks the rest.

    Training runs in two stages with step budgets (ours; the official code trains until early stop 20 on valid):
    stage 1 (``stage1_steps``) on complete data trains the projections and fusion by the task L1 and, at the same
    time, every score network by score matching under simulated per-sample missing patterns (each sample hides a
    random non-empty proper subset of its modalities; the rest are the condition); stage 2 (``stage2_steps``)
    trains on the ``missing_rate`` masks with sampled, refined features: L1 + 0.1 x (score + reconstruction).
    """

    feature_dims: tuple[int, int, int] = (768, 5, 20)  # text (BERT), audio (COVAREP), vision (Facet) on MOSI
    width: int = 32  # dst_feature_dim
    num_heads: int = 8
    fusion_layers: int = 4  # nlevels (MOSEI: 6)
    memory_layers: int = 3  # self-attention memories use max(fusion_layers, memory_layers) layers (official: 3)
    conv_kernel: int = 3
    attn_dropout: float = 0.0
    attn_dropout_audio: float = 0.2
    attn_dropout_vision: float = 0.0
    relu_dropout: float = 0.0
    res_dropout: float = 0.0
    embed_dropout: float = 0.2
    output_dropout: float = 0.0
    causal_attention: bool = True  # MulT's attn_mask=True, kept by the official code
    completion: Literal["diffusion", "zero", "mean"] = "diffusion"  # zero/mean: the imputation baselines
    score_channels: tuple[int, ...] = (32, 64, 128, 256)
    time_embed_dim: int = 256
    score_attn_layers: int = 2
    fourier_scale: float = 30.0
    sigma: float = 5.0  # ours; paper/official 25 (at our budgets sigma = 25 samples diverged: MSE ~10x zero-fill's)
    train_eps: float = 1e-5
    sample_eps: float = 1e-3
    sampler: Literal["euler_maruyama", "pf_ode"] = "pf_ode"  # ours (Heun); paper/official: Euler-Maruyama
    sample_steps: int = 20  # ours; official 100 EM steps (pf_ode: 2 * steps - 1 score evaluations)
    train_sample_steps: int = 20  # ours; the official code samples with 100 EM steps inside every training step
    condition_noise: Literal["shared", "independent", "none"] = "none"  # official code: "shared" (condition + the same z * std)
    score_repeats: int = 1  # (t, z) draws per sample in the score-matching loss; the official code uses 1
    refine_blocks: int = 20
    refine_reduction: int = 16
    aux_weight: float = 0.1  # task L1 + 0.1 * (score losses + reconstruction)
    lr: float = 0.002
    batch_size: int = 32
    grad_clip: float = 1.0  # by value, as the official code; <= 0 disables
    stage1_steps: int = 4000  # ours (~100 MOSI epochs at batch 32): complete data, task L1 + score matching under simulated masks
    stage2_steps: int = 2000  # ours (~50 MOSI epochs): the missing_rate masks, sampled + refined features
    missing_rate: float = 0.0
    mask_mode: Literal["per_sample", "paper"] = "per_sample"
    paper_mr0_wraparound: bool = False  # reproduce the official MR=0 index -1 bug (paper mode only)
    mask_seed: int = field(default=0, metadata=SEED)
    freeze_projection_stage2: bool = True
    seed: int = field(default=0, metadata=SEED)
    label_range: tuple[float, float] = (-3.0, 3.0)


@dataclass
class RecoveredModalities:
    """What ``generate`` returns: every modality in the shared projected space [N, T', width], missing rows recovered."""

    features: dict[str, torch.Tensor]
    recovered: dict[str, torch.Tensor]  # bool [N]: True where the row was generated


@dataclass
class _Out:
    pred: torch.Tensor
    score_loss: torch.Tensor
    rec_loss: torch.Tensor
    feats: dict[str, torch.Tensor]


class IMDer(EmotionModel):
    """Incomplete Multimodality-Diffused emotion recognition (Wang, Li, Cui, NeurIPS 2023)."""

    spec = SPEC
    config_class = IMDerConfig

    def __init__(self, config: IMDerConfig | dict | None = None) -> None:
        super().__init__(config)
        c = self.config
        if c.completion not in ("diffusion", "zero", "mean"):
            raise InputError(f"completion must be 'diffusion', 'zero' or 'mean', got {c.completion!r}")
        if len(c.feature_dims) != 3 or min(c.feature_dims) < 1:
            raise InputError(f"feature_dims must be 3 positive ints (text, audio, vision), got {c.feature_dims!r}")
        d = c.width
        self.proj = nn.ModuleDict(
            {m: nn.Conv1d(dim, d, c.conv_kernel, bias=False) for m, dim in zip(MODS, c.feature_dims)}
        )
        self.fusion = MulTFusion(
            d,
            c.num_heads,
            c.fusion_layers,
            memory_layers=c.memory_layers,
            attn_dropout=c.attn_dropout,
            attn_dropout_audio=c.attn_dropout_audio,
            attn_dropout_vision=c.attn_dropout_vision,
            relu_dropout=c.relu_dropout,
            res_dropout=c.res_dropout,
            embed_dropout=c.embed_dropout,
            output_dropout=c.output_dropout,
            causal=c.causal_attention,
        )
        if c.completion == "diffusion":
            self.score = nn.ModuleDict(
                {
                    m: ScoreNet(d, tuple(c.score_channels), c.time_embed_dim, c.num_heads, c.score_attn_layers, c.fourier_scale, c.sigma, c.causal_attention)
                    for m in MODS
                }
            )
            self.refine = nn.ModuleDict({m: Refiner(d, c.refine_blocks, c.refine_reduction) for m in MODS})
            self.pair_cond = nn.ModuleDict({"_".join(sorted(p)): nn.Conv1d(2 * d, d, 1) for p in _PAIRS})
            # ours: per-modality std of the projected features (running, updated in training). The score networks
            # model proj / scale, so the VE SDE's sigma is relative to unit-scale data whatever scale the task gives
            # the projections (on MOSI-sized inputs they reached std ~7, far beyond std(1) = 2.8 at sigma = 5)
            self.register_buffer("diffusion_scale", torch.ones(len(MODS)))
            self.register_buffer("diffusion_scale_updates", torch.zeros((), dtype=torch.long))
        if c.completion == "mean":
            for m, dim in zip(MODS, c.feature_dims):
                self.register_buffer(f"mean_{m}", torch.zeros(dim))

    # --- input checks -----------------------------------------------------------------------------

    def _check(self, batch: Any, need_labels: bool = False) -> MultimodalBatch:
        if not isinstance(batch, MultimodalBatch):
            raise InputError(f"expected an emozoo MultimodalBatch with text/audio/vision features, got {type(batch).__name__}")
        if set(batch.features) != set(MODS):
            raise ModalityError(f"IMDer needs features for exactly {MODS} (mark missing ones in `available`), got {tuple(batch.features)}")
        lengths = {m: batch.features[m].shape[1] for m in MODS}
        if len(set(lengths.values())) != 1:
            raise ShapeError(f"IMDer needs word-aligned sequences: every modality must have the same T, got {lengths}")
        if next(iter(lengths.values())) < self.config.conv_kernel:
            raise ShapeError(f"sequence length {lengths['text']} is shorter than conv_kernel={self.config.conv_kernel}")
        for m, dim in zip(MODS, self.config.feature_dims):
            if batch.features[m].shape[2] != dim:
                raise ShapeError(f"features[{m!r}]: expected D = {dim} (config.feature_dims), got shape {tuple(batch.features[m].shape)}")
        if need_labels:
            if batch.labels is None or not batch.labels.is_floating_point() or batch.labels.ndim != 1:
                raise LabelError("IMDer trains on float sentiment labels [N] in [-3, 3]; pass labels=...")
            lo, hi = self.config.label_range
            if bool(((batch.labels < lo) | (batch.labels > hi)).any()):
                raise LabelError(f"labels must lie in [{lo}, {hi}], got min {float(batch.labels.min())} max {float(batch.labels.max())}")
        return batch

    # --- the network ------------------------------------------------------------------------------

    def project(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Temporal Conv1d projection of each modality: [N, T, D] -> [N, width, T - k + 1]."""
        return {m: self.proj[m](features[m].transpose(1, 2)) for m in MODS}

    def _condition(self, proj: dict[str, torch.Tensor], avail: tuple[str, ...]) -> torch.Tensor:
        if len(avail) == 1:
            return proj[avail[0]]
        key = "_".join(sorted(avail))
        first, second = key.split("_")
        return self.pair_cond[key](torch.cat([proj[first], proj[second]], dim=1))

    def _impute(self, features: dict[str, torch.Tensor], available: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = {}
        for m in MODS:
            fill = getattr(self, f"mean_{m}").to(features[m].dtype) if self.config.completion == "mean" else torch.zeros_like(features[m][0, 0])
            out[m] = torch.where(available[m].view(-1, 1, 1), features[m], fill.view(1, 1, -1))
        return out

    def _forward(
        self,
        features: dict[str, torch.Tensor],
        available: dict[str, torch.Tensor],
        targets: dict[str, torch.Tensor] | None = None,
        *,
        steps: int,
        generator: torch.Generator | None = None,
        recover: bool = True,
    ) -> _Out:
        """Project, recover every unavailable modality, fuse, regress. ``targets`` (bool [N] per modality) marks
        rows whose hidden ground truth may supervise the score-matching and reconstruction losses.
        ``recover=False`` (stage 1) only computes the score-matching losses and fuses the observed projections."""
        c = self.config
        zero = features["text"].new_zeros(())
        if c.completion != "diffusion":
            proj = self.project(self._impute(features, available))
            return _Out(self.fusion({m: proj[m].transpose(1, 2) for m in MODS}), zero, zero, proj)
        frozen = self.training and c.freeze_projection_stage2 and targets is not None and recover
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
            proj = self.project(features)
        avail = torch.stack([available[m] for m in MODS], dim=1)
        if self.training:
            self._update_scale(proj, avail)
        scale = {m: self.diffusion_scale[i].to(proj[m].dtype) for i, m in enumerate(MODS)}
        patterns = torch.unique(avail, dim=0)
        out = {m: proj[m].clone() for m in MODS}
        score_terms: dict[str, list[torch.Tensor]] = {m: [] for m in MODS}
        rec_terms: dict[str, list[torch.Tensor]] = {m: [] for m in MODS}
        for pattern in patterns:
            keep = tuple(m for m, a in zip(MODS, pattern.tolist()) if a)
            lost = [m for m in MODS if m not in keep]
            if not lost:
                continue
            rows = (avail == pattern).all(dim=1).nonzero().flatten()
            # the diffusion losses never move the projections: they define the space the score networks model
            sub = {m: proj[m][rows].detach() / scale[m] for m in MODS}
            cond = self._condition(sub, keep)
            for m in lost:
                if recover:
                    x_hat = sample(
                        self.score[m], cond.detach(), c.sigma, steps, c.sampler, c.sample_eps, c.condition_noise, generator
                    )
                    refined = self.refine[m](x_hat)
                    out[m] = out[m].index_copy(0, rows, refined * scale[m])
                if targets is not None:
                    sup = targets[m][rows]
                    if bool(sup.any()):
                        gt = sub[m][sup]
                        if recover:
                            rec_terms[m].append(((refined[sup] - gt) ** 2).flatten(1))
                        gt_k, cond_k = gt.repeat(c.score_repeats, 1, 1), cond[sup].repeat(c.score_repeats, 1, 1)
                        t = torch.rand(gt_k.shape[0], device=gt.device) * (1.0 - c.train_eps) + c.train_eps
                        score_terms[m].append(
                            score_matching_loss(self.score[m], gt_k, cond_k, t, torch.randn_like(gt_k), c.sigma, c.condition_noise)
                        )
        score_loss = sum((torch.cat(v).mean() for v in score_terms.values() if v), zero)
        rec_loss = sum((torch.cat(v).mean() for v in rec_terms.values() if v), zero)
        pred = self.fusion({m: out[m].transpose(1, 2) for m in MODS})
        return _Out(pred, score_loss, rec_loss, out)

    @torch.no_grad()
    def _update_scale(self, proj: dict[str, torch.Tensor], avail: torch.Tensor, momentum: float = 0.1) -> None:
        """Running std of each modality's observed projected features (the first update sets it)."""
        first = int(self.diffusion_scale_updates) == 0
        for i, m in enumerate(MODS):
            rows = avail[:, i]
            if int(rows.sum()) < 2:
                continue
            std = proj[m][rows].float().std().clamp_min(1e-4)
            self.diffusion_scale[i] = std if first else (1 - momentum) * self.diffusion_scale[i] + momentum * std
        self.diffusion_scale_updates += 1

    # --- training ---------------------------------------------------------------------------------

    def fit(self, train: MultimodalBatch, val: MultimodalBatch | None = None, *, runtime: Any = None, callbacks: Any = (), masks: Any = None) -> dict[str, Any]:
        """Stage 1 (complete modalities: task L1 + 0.1 x score matching under random simulated masks) for
        ``config.stage1_steps``, then stage 2 (the missing-rate masks: L1 + 0.1 x (score + rec)) for ``stage2_steps``.

        ``masks`` (bool [N, 3], columns text/audio/vision) fixes the stage-2 availability; by default it is drawn by
        ``config.mask_mode`` at ``config.missing_rate``. ``val`` (its own ``available`` is used as is) selects the
        best stage-2 epoch by validation MAE, as the official code selects by validation loss.
        Returns ``{"pretrain": History, "train": History}``.
        """
        from emozoo.runtime import Runtime

        c = self.config
        train = self._check(train, need_labels=True)
        if val is not None:
            val = self._check(val, need_labels=True)
        rt = runtime or Runtime(device="cpu", seed=c.seed)
        real = torch.stack([train.available[m] for m in MODS], dim=1).cpu()
        if c.completion == "mean":
            for m in MODS:
                x = train.features[m][train.available[m]]
                getattr(self, f"mean_{m}").copy_(x.reshape(-1, x.shape[-1]).mean(0) if len(x) else torch.zeros_like(x[0, 0]))
        self.to(rt.device)
        n = len(train)
        histories: dict[str, Any] = {}
        if c.stage1_steps > 0:
            histories["pretrain"] = self._run_stage(rt, train, real, None, c.stage1_steps, callbacks, "imder-stage1")
        if c.stage2_steps > 0:
            if masks is not None:
                sim = torch.as_tensor(miss.check_masks(masks, n))
            elif c.mask_mode == "per_sample":
                sim = torch.as_tensor(miss.per_sample_masks(n, c.missing_rate, c.mask_seed))
            else:
                sim = None  # drawn per batch inside the stage
            histories["train"] = self._run_stage(rt, train, real, sim, c.stage2_steps, callbacks, "imder-stage2", val=val)
        self.eval()
        return histories

    def _run_stage(self, rt: Any, train: MultimodalBatch, real: torch.Tensor, sim: torch.Tensor | None, steps: int, callbacks: Any, desc: str, val: MultimodalBatch | None = None) -> Any:
        c = self.config
        stage2 = desc.endswith("2")
        frozen_proj = stage2 and c.completion == "diffusion" and c.freeze_projection_stage2
        params = [p for name, p in self.named_parameters() if not (frozen_proj and name.startswith("proj."))]
        optimizer = torch.optim.Adam(params, lr=c.lr)
        gen = torch.Generator().manual_seed(c.seed)
        loader = torch.utils.data.DataLoader(torch.arange(len(train)), batch_size=c.batch_size, shuffle=True, generator=gen)
        model, optimizer, loader = rt.prepare(self, optimizer, loader)
        num_batches = len(loader)
        paper_rng = random.Random(c.mask_seed)
        pattern_gen = torch.Generator().manual_seed(c.mask_seed + 1)
        state = {"step": 0, "best": float("inf"), "weights": None}

        def step(ix: torch.Tensor) -> dict[str, torch.Tensor]:
            ix = ix.cpu()
            batch = train.index(ix).to(rt.device)
            r = real[ix]
            if not stage2:
                a = r & _random_incomplete(len(ix), pattern_gen)
            elif sim is not None:
                a = sim[ix] & r
            else:
                plan = miss.official_batch_plan(num_batches, c.missing_rate, c.paper_mr0_wraparound)
                keep = set(paper_rng.sample(miss._OFFICIAL_ORDER, plan[state["step"] % num_batches]))
                a = torch.tensor([m in keep for m in MODS]).expand_as(r) & r
            state["step"] += 1
            a = _at_least_one(a, r)
            avail = {m: a[:, i].to(rt.device) for i, m in enumerate(MODS)}
            targets = {m: (r[:, i] & ~a[:, i]).to(rt.device) for i, m in enumerate(MODS)}
            features = batch.features
            if not stage2 and not bool(r.all()):  # rows missing in the data itself enter stage 1 as zeros
                features = {m: torch.where(r[:, i].to(rt.device).view(-1, 1, 1), features[m], 0.0) for i, m in enumerate(MODS)}
            self.train()
            with rt.accumulate(model):
                with rt.autocast():
                    out = self._forward(features, avail, targets, steps=c.train_sample_steps, recover=stage2)
                    task = F.l1_loss(out.pred, batch.labels.to(out.pred.dtype))
                    loss = task + c.aux_weight * (out.score_loss + out.rec_loss)
                rt.backward(loss)
                if rt.sync_gradients and c.grad_clip > 0:
                    nn.utils.clip_grad_value_(params, c.grad_clip)
                optimizer.step()
                optimizer.zero_grad()
            return {"loss": loss.detach(), "task_loss": task.detach(), "score_loss": out.score_loss.detach(), "rec_loss": out.rec_loss.detach()}

        class _KeepBest:
            def on_epoch_end(cb, epoch: int, logs: dict) -> bool:
                if val is not None:
                    mae = float((self.predict(val).values - val.labels).abs().mean())
                    logs["val_mae"] = mae
                    if mae < state["best"]:
                        state["best"], state["weights"] = mae, copy.deepcopy(self.state_dict())
                return False

        epochs = -(-steps // num_batches)
        history = rt.train(step, loader, epochs=epochs, max_steps=steps, callbacks=(_KeepBest(), *callbacks), desc=desc)
        if state["weights"] is not None:
            self.load_state_dict(state["weights"])
        return history

    # --- inference --------------------------------------------------------------------------------

    def _apply_missing(self, batch: MultimodalBatch, missing: Any) -> dict[str, torch.Tensor]:
        avail = {m: batch.available[m].clone() for m in MODS}
        if missing is None:
            return avail
        names = (missing,) if isinstance(missing, str) else tuple(missing)
        for name in names:
            if name not in MODS:
                raise ModalityError(f"missing: {name!r} is not one of {MODS}")
            avail[name] = torch.zeros_like(avail[name])
        if not bool(torch.stack(list(avail.values())).any(dim=0).all()):
            raise ModalityError(f"missing={names} leaves some samples with no available modality; keep at least one")
        return avail

    @torch.no_grad()
    def generate(self, n: Any = None, *, condition: Any = None, seed: int | None = None, batch: Any = None, missing: Any = None) -> RecoveredModalities:
        """Recover missing modalities of a batch: ``generate(batch, missing="audio")``, ``generate(batch=..., missing=...)``
        or ``generate(condition=batch)``. ``missing`` (a name or names) hides those modalities in every sample; without it
        the batch's ``available`` mask decides. Returns features in the shared projected space [N, T', width]."""
        given = [x for x in (n, batch, condition) if x is not None]
        if len(given) != 1:
            raise InputError("generate needs exactly one MultimodalBatch: generate(batch, missing=...), generate(batch=...) or generate(condition=...)")
        if self.config.completion != "diffusion":
            raise InputError(f"this model imputes by {self.config.completion!r} and has no diffusion generator; use completion='diffusion'")
        check_inputs(self.method_id, given[0], seed=seed)
        data = self._check(given[0])
        avail = self._apply_missing(data, missing)
        dev = next(self.parameters()).device
        data = data.to(dev)
        avail = {m: a.to(dev) for m, a in avail.items()}
        self.eval()
        gen = torch.Generator(device=dev).manual_seed(self.config.seed if seed is None else int(seed))
        out = self._forward(data.features, avail, steps=self.config.sample_steps, generator=gen)
        return RecoveredModalities({m: out.feats[m].transpose(1, 2) for m in MODS}, {m: ~avail[m] for m in MODS})

    @torch.no_grad()
    def predict(self, inputs: MultimodalBatch, *, batch_size: int = 256, seed: int | None = None) -> Prediction:
        """Sentiment scores in [-3, 3] (``Prediction.values``); unavailable modalities are recovered first."""
        check_inputs(self.method_id, inputs, batch_size=batch_size, seed=seed)
        raw = torch.cat([out.pred.float().cpu() for out in self._batched(inputs, batch_size, seed)])
        lo, hi = self.config.label_range
        return Prediction(values=raw.clamp(lo, hi), extra={"raw": raw})

    @torch.no_grad()
    def recover(self, inputs: MultimodalBatch, *, batch_size: int = 256, seed: int | None = None) -> dict[str, torch.Tensor]:
        """Every modality in the projected space [N, T', width], rows the batch marks unavailable completed: by
        diffusion + refiner, or by the zero / mean imputation of the baselines. The completion protocol's contract
        (:mod:`emozoo.bench.protocols.completion`); compare with :meth:`recovery_targets` of the complete batch."""
        check_inputs(self.method_id, inputs, batch_size=batch_size, seed=seed)
        parts = [out.feats for out in self._batched(inputs, batch_size, seed)]
        return {m: torch.cat([p[m] for p in parts]).transpose(1, 2).float().cpu() for m in MODS}

    @torch.no_grad()
    def recovery_targets(self, inputs: MultimodalBatch, *, batch_size: int = 256) -> dict[str, torch.Tensor]:
        """The observed features in the space :meth:`recover` returns: each modality's projection [N, T', width].
        The projection has no bias, so zero-filled inputs map to the zero vector there."""
        data = self._check(inputs)
        dev = next(self.parameters()).device
        self.eval()
        parts = [self.project(data.index(slice(i, i + batch_size)).to(dev).features) for i in range(0, len(data), batch_size)]
        return {m: torch.cat([p[m] for p in parts]).transpose(1, 2).float().cpu() for m in MODS}

    def _batched(self, inputs: MultimodalBatch, batch_size: int, seed: int | None) -> Any:
        data = self._check(inputs)
        dev = next(self.parameters()).device
        self.eval()
        gen = torch.Generator(device=dev).manual_seed(self.config.seed if seed is None else int(seed))
        for start in range(0, len(data), batch_size):
            part = data.index(slice(start, start + batch_size)).to(dev)
            yield self._forward(part.features, part.available, steps=self.config.sample_steps, generator=gen)

    def evaluate(self, data: MultimodalBatch, protocol: str | None = None) -> dict[str, float]:
        """The MMSA sentiment report (Acc-2, F1, Acc-5, Acc-7, MAE, Corr) of ``predict`` on labelled data."""
        from emozoo.metrics import sentiment_report

        data = self._check(data, need_labels=True)
        return sentiment_report(data.labels.cpu().numpy(), self.predict(data).values.numpy())


def _random_incomplete(n: int, generator: torch.Generator) -> torch.Tensor:
    """Bool [n, 3]: each row one of the 6 patterns that hide 1 or 2 modalities, uniformly (stage 1's simulated masks)."""
    patterns = torch.tensor([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1) if 0 < a + b + c < 3], dtype=torch.bool)
    return patterns[torch.randint(len(patterns), (n,), generator=generator)]


def _at_least_one(a: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Rows left with no modality after intersecting simulated and real masks fall back to their real availability."""
    empty = ~a.any(dim=1)
    return torch.where(empty[:, None], real, a)


def apply_masks(batch: MultimodalBatch, masks: Any) -> MultimodalBatch:
    """A copy of ``batch`` whose ``available`` is ``masks`` (bool [N, 3], columns text/audio/vision) AND its own."""
    m = torch.as_tensor(miss.check_masks(np.asarray(masks), len(batch)))
    avail = {k: batch.available[k].cpu() & m[:, i] for i, k in enumerate(MODS)}
    return MultimodalBatch(features=batch.features, available=avail, labels=batch.labels, lengths=batch.lengths)
