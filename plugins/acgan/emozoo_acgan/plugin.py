"""Hook implementations of emozoo-acgan: the one declaration of ``acgan-fer``; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Emotion recognition using generative adversarial networks",
    year=2020,
    authors="Peng, Z., Li, J., Sun, Z.",
    venue="2020 International Conference on Computer Engineering and Intelligent Control (ICCEIC), IEEE, pp. 77-80",
    survey_ref=217,
    bibtex=(
        "@inproceedings{peng2020emotion,\n  title={Emotion recognition using generative adversarial networks},\n"
        "  author={Peng, Z. and Li, J. and Sun, Z.},\n"
        "  booktitle={2020 International Conference on Computer Engineering and Intelligent Control (ICCEIC)},\n"
        "  pages={77--80},\n  publisher={IEEE},\n  year={2020}\n}\n"
        "@inproceedings{odena2017conditional,\n  title={Conditional Image Synthesis with Auxiliary Classifier GANs},\n"
        "  author={Odena, Augustus and Olah, Christopher and Shlens, Jonathon},\n  booktitle={ICML},\n"
        "  pages={2642--2651},\n  year={2017}\n}"
    ),
)

SPEC = MethodSpec(
    id="acgan-fer",
    aliases=("peng2020",),
    model_class="emozoo_acgan.model:ACGAN",
    family="GAN",
    modality="face",
    modalities=("vision",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="Auxiliary-classifier GAN on 48x48 grey face images: G(z, c) and a discriminator with a real/fake head "
    "and an emotion head; generates class-conditional faces and recognises emotions with the auxiliary classifier.",
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("images", ("N", "channels", "image_size", "image_size"), "float32", "ImageBatch: face images in [0, 1]"),
        TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (training only)"),
    ),
    outputs=(
        TensorSpec("images", ("n", "channels", "image_size", "image_size"), "float32", "generate(): synthetic faces in [0, 1]"),
        TensorSpec("labels", ("n",), "int64", "generate(): the conditioned class of each sample"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32",
                   "predict(): the discriminator's auxiliary classifier (softmax), or the downstream CNN"),
    ),
    reported=(
        ReportedResult(
            "FER2013",
            "ACC",
            73.0,
            source="survey",
            note="UNVERIFIED: as the survey's Table 8 prints it (occlusion and complex backgrounds); the paper's text was not reachable offline",
        ),
    ),
    datasets=("FER2013", "muxspace-faces"),
    example="emozoo_acgan.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register ACGAN for facial expressions (alias ``peng2020``)."""
    register(SPEC)
