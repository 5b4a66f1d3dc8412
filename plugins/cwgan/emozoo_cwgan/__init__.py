"""emozoo-cwgan: cWGAN-GP augmentation of EEG differential-entropy features (Luo & Lu 2018; Luo et al. 2020)."""
