"""emozoo-aae: adversarial auto-encoders for speech emotion (Sahu et al. 2017/2018; Latif et al. 2020 as a preset)."""

__version__ = "0.1.0"
