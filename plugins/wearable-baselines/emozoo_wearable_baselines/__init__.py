"""emozoo-wearable-baselines: handcrafted-feature and 1-D CNN stress baselines on raw wrist windows, plain and augmented."""
