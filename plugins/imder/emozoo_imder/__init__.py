"""emozoo-imder: Incomplete Multimodality-Diffused emotion recognition (Wang, Li, Cui, NeurIPS 2023)."""
