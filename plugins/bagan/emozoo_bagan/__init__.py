"""emozoo-bagan: BAGAN augmentation of log-mel spectrograms for speech emotion recognition (Chatziagapi et al. 2019)."""

from emozoo_bagan.balancing import balancing_conditions, balancing_counts

__all__ = ["balancing_conditions", "balancing_counts"]
