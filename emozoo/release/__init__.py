"""Released weights: the plan of what is trained on which real data, the pipeline that trains, checks, publishes and
pins each release, and the lookups (``list_pretrained``, short names, each release's test split) that find and
re-score them.

    >>> emozoo.release.list_pretrained(modality="speech")
    >>> emozoo.release.reproduce("speech-cnn-ravdess")      # {metric: (the card's value, measured now)}

See ``releases/README.md`` for the maintainer's commands.
"""

from __future__ import annotations

from emozoo.release.build import ReproductionError, build_release
from emozoo.release.lookup import find_release, list_pretrained, release_test_split, reproduce
from emozoo.release.pipeline import ReleaseFailedError, run_releases
from emozoo.release.plan import ReleasePlan, ReleaseSpec, load_plan
from emozoo.release.publish import publish_release

__all__ = [
    "ReleaseFailedError",
    "ReleasePlan",
    "ReleaseSpec",
    "ReproductionError",
    "build_release",
    "find_release",
    "list_pretrained",
    "load_plan",
    "publish_release",
    "release_test_split",
    "reproduce",
    "run_releases",
]
