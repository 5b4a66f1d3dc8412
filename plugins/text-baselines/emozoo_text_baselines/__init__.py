"""emozoo-text-baselines: TF-IDF + linear models on texts, plain and with token-level augmentation (EDA-style)."""
