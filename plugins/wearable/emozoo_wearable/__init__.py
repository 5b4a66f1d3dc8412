"""emozoo-wearable: Empatica E4 readers, the Stress-Predict label timeline, windows, features and subject-disjoint folds."""

from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
