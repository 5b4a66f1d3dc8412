"""emozoo-face: the facial-expression data layer (image front-end, kornia transforms, the muxspace face set).

Importing the package imports no torch; the submodules that need it do so themselves.
"""

__version__ = "0.1.0"
