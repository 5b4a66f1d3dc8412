"""emozoo-semantic-aug: VAE-GAN semantic data augmentation for long-tailed facial expression recognition (Li et al. 2023)."""

from emozoo_semantic_aug.balancing import balancing_conditions, balancing_counts

__all__ = ["balancing_conditions", "balancing_counts"]
