"""Evaluation parts shared by the benchmark harness (:mod:`emozoo.bench`) and method plugins.

* :mod:`emozoo.evaluation.classifiers`: the fixed downstream classifiers (MLP, CNN, linear SVM) and their training;
* :mod:`emozoo.evaluation.distribution`: how close synthetic samples are to real ones (MMD², band moments);
* :mod:`emozoo.evaluation.missing`: seeded per-sample missing-modality masks;
* :mod:`emozoo.evaluation.augmentation`: class-balanced counts, Gaussian-noise copies, per-class pools and
  scoring a classifier trained on a training set, the pieces of the augmentation protocol;
* :mod:`emozoo.evaluation.text_audit`: exact and near copies of training texts among generated ones.

This package sits below ``bench`` and the plugins and imports neither. Submodules (but text_audit) import torch; this file does
not, so ``import emozoo.evaluation`` stays cheap.
"""
