"""emozoo-acgan: ACGAN for facial expressions (Peng et al. 2020, survey ref. 217; Odena et al. 2017)."""

__all__: list[str] = []
