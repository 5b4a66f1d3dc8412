"""emozoo-eeg: the EEG emotion data layer (readers, DE features, electrode grids, evaluation protocols).

Importing the package imports neither torch nor scipy; the submodules that need them do so themselves.
"""

__version__ = "0.1.0"
