"""With its DEFAULT sigma, sampler and conditioning, IMDer recovers missing modalities better than zero- or mean-fill.

The toy's modalities share a latent (recoverable from the others) and each has a private one (not recoverable), so
recovery can beat zero-fill only by modelling p(missing | available). Everything but the network sizes and step
budgets is the config's default: sigma, sampler, condition noise, the two-stage schedule.
"""

import torch
from emozoo_imder.missing import per_sample_masks
from emozoo_imder.model import IMDer, IMDerConfig, apply_masks
from emozoo_imder.toy import make_toy

DIMS = (12, 6, 8)


def test_default_diffusion_recovers_missing_features_better_than_zero_and_mean_fill():
    kw = {"dims": DIMS, "length": 8, "noise": (0.1, 0.1, 0.1), "private": 0.3}
    train, test = make_toy(128, seed=0, **kw), make_toy(64, seed=1, **kw)
    defaults = IMDerConfig()
    cfg = IMDerConfig(
        feature_dims=DIMS, width=8, num_heads=2, fusion_layers=1, memory_layers=1, score_channels=(16, 32), time_embed_dim=16,
        score_attn_layers=1, refine_blocks=1, refine_reduction=4, embed_dropout=0.0, attn_dropout_audio=0.0,
        # a small step budget, so large batches: every stage-1 step sees all 128 samples x 16 (t, z) draws
        batch_size=128, score_repeats=16, lr=0.004, stage1_steps=200, stage2_steps=5, train_sample_steps=5, missing_rate=0.5,
    )
    assert (cfg.sigma, cfg.sampler, cfg.condition_noise, cfg.sample_steps) == (
        defaults.sigma, defaults.sampler, defaults.condition_noise, defaults.sample_steps,
    )
    torch.manual_seed(0)
    model = IMDer(cfg)
    model.fit(train)  # stage 1: score matching under simulated masks; stage 2: MR 0.5, refiner on sampled features
    masked = apply_masks(test, per_sample_masks(len(test), 0.5, seed=3))
    recovered, truth = model.recover(masked), model.recovery_targets(test)
    train_mean = {m: v.mean(dim=(0, 1)) for m, v in model.recovery_targets(train).items()}
    err = {"recovered": [], "zero": [], "mean": []}
    for m in truth:
        hidden = ~masked.available[m]
        assert bool(hidden.any())
        x = truth[m][hidden]
        err["recovered"].append(((recovered[m][hidden] - x) ** 2).flatten())
        err["zero"].append((x**2).flatten())
        err["mean"].append(((x - train_mean[m]) ** 2).flatten())
    mse = {k: float(torch.cat(v).mean()) for k, v in err.items()}
    assert mse["recovered"] < mse["zero"], mse  # measured 0.306 vs 0.350 (mean-fill 0.35)
    assert mse["recovered"] < mse["mean"], mse
