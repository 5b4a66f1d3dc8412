"""Evaluation protocols shared by every method plugin: downstream classifiers, distribution measures, augmentation.

Submodules import torch; this package file does not, so ``import emozoo.protocols`` stays cheap.
"""
