"""Released weights: the plan of what is trained on which real data, the pipeline that trains, checks, publishes and
pins each release, and the lookups (``list_pretrained``, short names) that find them.

See ``releases/README.md`` for the maintainer's commands and DESIGN.md for where releases sit in the zoo.
"""

from __future__ import annotations

from emozoo.release.plan import ReleasePlan, ReleaseSpec, load_plan

__all__ = ["ReleasePlan", "ReleaseSpec", "load_plan"]
