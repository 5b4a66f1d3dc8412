"""Hook implementations of emozoo-semantic-aug: the one declaration of ``semantic-aug-fer``; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Semantic data augmentation for long-tailed facial expression recognition",
    year=2023,
    authors="Li, Z., Wang, Y., Guan, B., Yin, J.",
    venue="2023 8th International Conference on Computer and Communication Systems (ICCCS), IEEE, pp. 1052-1055",
    url="https://arxiv.org/abs/2411.17254",
    survey_ref=47,
    bibtex=(
        "@inproceedings{li2023semantic,\n  title={Semantic Data Augmentation for Long-tailed Facial Expression Recognition},\n"
        "  author={Li, Zijian and Wang, Yan and Guan, Bowen and Yin, JianKai},\n"
        "  booktitle={2023 8th International Conference on Computer and Communication Systems (ICCCS)},\n"
        "  pages={1052--1055},\n  year={2023},\n  organization={IEEE}\n}"
    ),
)

SPEC = MethodSpec(
    id="semantic-aug-fer",
    aliases=("li2023",),
    model_class="emozoo_semantic_aug.model:SemanticAugFER",
    family="hybrid",
    modality="face",
    modalities=("face", "image"),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="VAE-GAN (encoder, decoder/generator, hinge-loss discriminator); new faces of a class by adding randomness to the "
    "latent codes of its real images, with semantic directions transferred from the head classes to the tail.",
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("images", ("N", "channels", "image_size", "image_size"), "float32", "ImageBatch face images in [0, 1] (grey: channels 1)"),
        TensorSpec("labels", ("N",), "int64", "expression class ids 0..num_classes-1 (training only)"),
    ),
    outputs=(
        TensorSpec("images", ("n", "channels", "image_size", "image_size"), "float32", "generate(): synthetic faces in [0, 1]"),
        TensorSpec("labels", ("n",), "int64", "generate(): the conditioned class of each sample"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream pooled CNN (softmax)"),
    ),
    reported=(
        ReportedResult(
            "RAF-DB",
            "ACC",
            74.43,
            source="survey",
            note="UNVERIFIED: as the survey's Table 6 prints it; the paper's tables were not reachable offline",
        ),
    ),
    datasets=("RAF-DB", "muxspace-faces"),
    example="emozoo_semantic_aug.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register the VAE-GAN semantic augmentation of Li et al. 2023 (alias ``li2023``)."""
    register(SPEC)
