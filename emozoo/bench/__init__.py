"""Side-by-side benchmarks: the same splits, seeds and metrics for every method, resumable, with provenance.

    >>> import emozoo
    >>> result = emozoo.benchmark(["vae-d2gan", "cwgan"], dataset="seed-synthetic", protocol="augmentation", seeds=2)
    >>> result = emozoo.benchmark(["vae-d2gan", "cwgan"], dataset="seed-synthetic", seeds=5, workers=2)  # 2 processes
"""

from emozoo.data.folds import Fold
from emozoo.bench.runner import BenchmarkResult, benchmark, card_metrics

__all__ = ["BenchmarkResult", "Fold", "benchmark", "card_metrics"]
