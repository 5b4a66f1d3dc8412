"""Hook implementations of emozoo-aae: registers ``aae-ser`` (Sahu et al.) and ``aae-ser-semisupervised`` (Latif et al.); no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Adversarial auto-encoders for speech based emotion recognition",
    year=2018,
    authors="Sahu, S., Gupta, R., Sivaraman, G., AbdAlmageed, W., Espy-Wilson, C.",
    venue="Interspeech 2017 (arXiv:1806.02146, 2018)",
    url="https://arxiv.org/abs/1806.02146",
    survey_ref=155,
    bibtex=(
        "@inproceedings{sahu2017aae,\n  title={Adversarial Auto-Encoders for Speech Based Emotion Recognition},\n"
        "  author={Sahu, Saurabh and Gupta, Rahul and Sivaraman, Ganesh and AbdAlmageed, Wael and Espy-Wilson, Carol},\n"
        "  booktitle={Proc. Interspeech 2017},\n  pages={1243--1247},\n  year={2017},\n  doi={10.21437/Interspeech.2017-1421}\n}"
    ),
)

LATIF_PAPER = Paper(
    title="Multitask semi-supervised adversarial autoencoding for speech emotion recognition",
    year=2020,
    authors="Latif, S., Rana, R., Khalifa, S., Jurdak, R., Epps, J., Schuller, B. W.",
    venue="IEEE Transactions on Affective Computing 13(2), 992-1004",
    url="https://doi.org/10.1109/TAFFC.2020.2983669",
    survey_ref=34,
    bibtex=(
        "@article{latif2020multitask,\n  title={Multitask Semi-Supervised Adversarial Autoencoding for Speech Emotion Recognition},\n"
        "  author={Latif, Siddique and Rana, Rajib and Khalifa, Sara and Jurdak, Raja and Epps, Julien and Schuller, Bj{\\\"o}rn W.},\n"
        "  journal={IEEE Transactions on Affective Computing},\n  volume={13},\n  number={2},\n  pages={992--1004},\n  year={2020}\n}"
    ),
)

_INPUTS = (
    TensorSpec("features", ("N", "input_dim"), "float32",
               "utterance functionals (kind 'functionals', e.g. eGeMAPSv02 D=88), or frame features [N, T, input_dim] "
               "(kind 'features', with num_frames > 0)"),
    TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (training only)"),
)
_OUTPUTS = (
    TensorSpec("features", ("n", "input_dim"), "float32", "generate(): decoded prior samples, original feature scale"),
    TensorSpec("labels", ("n",), "int64", "generate(): the class each sample was drawn for"),
    TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): softmax of the classifier's scores"),
)

SPEC = MethodSpec(
    id="aae-ser",
    aliases=("sahu2018",),
    model_class="emozoo_aae.model:AAE",
    family="AE",
    modality="speech",
    tasks=("data_augmentation", "feature_extraction"),
    paper=PAPER,
    summary=("Adversarial auto-encoder compressing utterance functionals into a code matched to a class-conditional "
             "mixture-of-Gaussians prior; a linear SVM on the code classifies, decoded prior samples augment."),
    can_generate=True,
    can_predict=True,
    inputs=_INPUTS,
    outputs=_OUTPUTS,
    reported=(
        ReportedResult(
            "IEMOCAP", "UAR", 58.38, source="survey",
            note="UNVERIFIED: as the survey's Table 5 prints it; the paper's result tables were not reachable offline "
                 "(1582-d IS10 features, 4 classes, the paper's folds)",
        ),
    ),
    datasets=("IEMOCAP",),
    example="emozoo_aae.example:example",
)

SEMI_SUPERVISED = MethodSpec(
    id="aae-ser-semisupervised",
    aliases=("latif2020",),
    model_class=SPEC.model_class,
    family="AE",
    modality="speech",
    tasks=("data_augmentation", "semi_supervised"),
    paper=LATIF_PAPER,
    summary=("Semi-supervised AAE: a categorical (class) code and a continuous (style) code, each matched to its prior "
             "by a discriminator, a supervised classification phase on labelled data and auxiliary heads (gender, speaker)."),
    can_generate=True,
    can_predict=True,
    inputs=_INPUTS,
    outputs=_OUTPUTS,
    reported=(
        ReportedResult("IEMOCAP", "ACC", 66.7, source="survey",
                       note="UNVERIFIED: as the survey's Table 5 prints it; the paper's text was not reachable offline"),
        ReportedResult("MSP-IMPROV", "ACC", 60.2, source="survey",
                       note="UNVERIFIED: as the survey's Table 5 prints it; the paper's text was not reachable offline"),
    ),
    datasets=("IEMOCAP", "MSP-IMPROV"),
    preset={"mode": "semi_supervised", "auxiliary_classes": {"gender": 2}},
    example="emozoo_aae.example:semi_supervised_example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register ``aae-ser`` (alias ``sahu2018``) and its semi-supervised preset ``aae-ser-semisupervised`` (``latif2020``)."""
    register(SPEC)
    register(SEMI_SUPERVISED)
