"""emozoo-stargan: LAUN improved StarGAN (Wang et al. 2020) for facial-expression translation; imports no torch here."""

__version__ = "0.1.0"
