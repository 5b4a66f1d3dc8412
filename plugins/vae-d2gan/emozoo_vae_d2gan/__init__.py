"""emozoo plugin: VAE-D2GAN (Bao et al. 2021), EEG differential-entropy data augmentation."""
