"""The main job (``python -m emozoo.showcase``, run by ``scripts/main.sh``): the zoo's released models scored on their
held-out data with intervals, a short fresh augmentation benchmark beside its baselines, and the leaderboard."""

from emozoo.showcase.held_out import HeldOutScore, score_release
from emozoo.showcase.run import RELEASES, FreshBenchmark, MainJobResult, run_main_job

__all__ = ["RELEASES", "FreshBenchmark", "HeldOutScore", "MainJobResult", "run_main_job", "score_release"]
