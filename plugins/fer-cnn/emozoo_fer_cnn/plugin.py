"""Registers the three face baselines (a small image CNN; + classical augmentation; + class rebalancing) with emozoo;
imports no torch (the contract for fast listing). The augmented and rebalanced ones are presets of the same class."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

#: The anchor: the single-network FER2013 state of the art whose training recipe (augmentation) we follow. The network
#: here is not their VGGNet but emozoo's shared small CNN (pooled_cnn); see card.md.
PAPER = Paper(
    title="Facial Emotion Recognition: State of the Art Performance on FER2013",
    year=2021,
    authors="Khaireddin, Y., Chen, Z.",
    venue="arXiv:2105.03588",
    url="https://arxiv.org/abs/2105.03588",
    bibtex=(
        "@article{khaireddin2021facial,\n  title={Facial Emotion Recognition: State of the Art Performance on FER2013},\n"
        "  author={Khaireddin, Yousif and Chen, Zhuofa},\n  journal={arXiv preprint arXiv:2105.03588},\n  year={2021}\n}"
    ),
)

REBALANCE_PAPER = Paper(
    title="AffectNet: A Database for Facial Expression, Valence, and Arousal Computing in the Wild",
    year=2017,
    authors="Mollahosseini, A., Hasani, B., Mahoor, M. H.",
    venue="IEEE Transactions on Affective Computing 10(1)",
    url="https://arxiv.org/abs/1708.03985",
    bibtex=(
        "@article{mollahosseini2017affectnet,\n  title={AffectNet: A Database for Facial Expression, Valence, and Arousal Computing in the Wild},\n"
        "  author={Mollahosseini, Ali and Hasani, Behzad and Mahoor, Mohammad H.},\n"
        "  journal={IEEE Transactions on Affective Computing},\n  volume={10},\n  number={1},\n  pages={18--31},\n  year={2019}\n}"
    ),
)

_REPORTED = (
    ReportedResult("FER2013", "ACC", 73.28, "paper",
                   "Khaireddin & Chen's VGGNet variant, single network, FER2013 test set; not this network (card.md)"),
)

_INPUTS = (
    TensorSpec("images", ("N", "image_channels", "image_size", "image_size"), "float32",
               "ImageBatch images in [0, 1] (grey 48 x 48 by default); convert raw pixels with emozoo_face.frontend.prepare_images"),
    TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (fit only)"),
)

_OUTPUTS = (
    TensorSpec("labels", ("N",), "int64", "predicted class ids"),
    TensorSpec("probabilities", ("N", "num_classes"), "float32", "softmax of the CNN's logits"),
)

SPEC = MethodSpec(
    id="fer-cnn",
    model_class="emozoo_fer_cnn.model:FERCNN",
    family="other",
    modality="face",
    modalities=("face", "image"),
    tasks=("recognition",),
    paper=PAPER,
    summary="Small VGG-style CNN on 48x48 faces (emozoo's pooled_cnn, the augmentation protocol's downstream network), no augmentation.",
    can_generate=False,
    can_predict=True,
    baseline=True,
    datasets=("muxspace-faces", "FER2013"),
    inputs=_INPUTS,
    outputs=_OUTPUTS,
    reported=_REPORTED,
    example="emozoo_fer_cnn.example:example",
)

CLASSICAUG_SPEC = MethodSpec(
    id="fer-cnn-classicaug",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=SPEC.modalities,
    tasks=SPEC.tasks,
    paper=PAPER,
    summary="The face CNN baseline trained with classical augmentation per batch (shift, flip, rotation, random erasing; Khaireddin & Chen 2021).",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={"augment": "classical"},
    baseline=True,
    datasets=SPEC.datasets,
    inputs=SPEC.inputs,
    reported=_REPORTED,
    example="emozoo_fer_cnn.example:example_classicaug",
)

REBALANCED_SPEC = MethodSpec(
    id="fer-cnn-rebalanced",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=SPEC.modalities,
    tasks=SPEC.tasks,
    paper=REBALANCE_PAPER,
    summary="The face CNN baseline with class rebalancing: inverse-frequency weighted cross-entropy (or class-balanced oversampling).",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={"rebalance": "weighted"},
    baseline=True,
    datasets=SPEC.datasets,
    inputs=SPEC.inputs,
    example="emozoo_fer_cnn.example:example_rebalanced",
)


@hookimpl
def emozoo_register_methods(register):
    """Register fer-cnn and its classical-augmentation and rebalanced presets."""
    register(SPEC)
    register(CLASSICAUG_SPEC)
    register(REBALANCED_SPEC)
