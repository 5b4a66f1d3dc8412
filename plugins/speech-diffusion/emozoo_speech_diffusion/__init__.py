"""emozoo-speech-diffusion: a class-conditional (I)DDPM over log-mel spectrograms for speech emotion augmentation (Malik et al. 2023)."""
