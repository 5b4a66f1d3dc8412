"""emozoo-speech: the speech emotion data layer (audio reading, log-mel / eGeMAPS front-ends, feature cache, RAVDESS and CREMA-D).

Importing the package imports neither torch nor librosa; the submodules that need them do so themselves.
"""

__version__ = "0.1.0"
