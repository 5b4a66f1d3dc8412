"""Hook implementations of emozoo-stargan: the one declaration of ``laun-stargan``; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="LAUN Improved StarGAN for Facial Emotion Recognition",
    year=2020,
    authors="Wang, X., Gong, J., Hu, M., Gu, Y., Ren, F.",
    venue="IEEE Access 8, 161509-161518",
    url="https://doi.org/10.1109/ACCESS.2020.3021531",
    survey_ref=191,
    bibtex=(
        "@article{wang2020laun,\n  title={LAUN Improved StarGAN for Facial Emotion Recognition},\n"
        "  author={Wang, Xiaohua and Gong, Jianqiao and Hu, Min and Gu, Yu and Ren, Fuji},\n"
        "  journal={IEEE Access},\n  volume={8},\n  pages={161509--161518},\n  year={2020},\n"
        "  doi={10.1109/ACCESS.2020.3021531}\n}"
    ),
)

_IMAGES = ("N", "channels", "image_size", "image_size")

SPEC = MethodSpec(
    id="laun-stargan",
    aliases=("stargan-fer", "wang2020laun"),
    model_class="emozoo_stargan.model:LAUNStarGAN",
    family="GAN",
    modality="face",
    modalities=("vision",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="StarGAN expression-to-expression translation with LAUN's Attention U-Net generator and contextual loss; "
    "turns majority-class faces into minority expressions; a CNN on real + translated faces predicts.",
    can_generate=True,
    can_predict=True,
    code_url="https://github.com/yunjey/stargan",
    inputs=(
        TensorSpec("images", _IMAGES, "float32", "ImageBatch: faces in [0, 1] (grey C = 1 by default)"),
        TensorSpec("labels", ("N",), "int64", "expression class ids 0..num_classes-1 (training only)"),
    ),
    outputs=(
        TensorSpec("images", ("n", "channels", "image_size", "image_size"), "float32",
                   "generate(): source faces translated to the conditioned expressions, in [0, 1]"),
        TensorSpec("labels", ("n",), "int64", "generate(): the target expression of each translation"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream CNN scores (softmax)"),
    ),
    reported=(
        ReportedResult("KDEF", "ACC", 95.97, source="survey",
                       note="UNVERIFIED against the full text: the survey's Table 6 and the paper's abstract (StarGAN-augmented: 93.78)"),
        ReportedResult("MMI", "ACC", 98.30, source="survey",
                       note="UNVERIFIED against the full text: the survey's Table 6 and the paper's abstract (StarGAN-augmented: 97.09)"),
    ),
    datasets=("muxspace-faces", "KDEF", "MMI"),
    example="emozoo_stargan.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register LAUN improved StarGAN (aliases ``stargan-fer``, ``wang2020laun``)."""
    register(SPEC)
