"""emozoo-physio-diffusion: a class-conditional DDPM over multichannel physiological windows (after Tosato et al. 2023)."""
