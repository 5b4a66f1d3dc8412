"""Registers the wearable stress baselines with emozoo; imports no torch (the contract for fast listing).

Three models, each plain and with classical time-series augmentation as a preset (``-aug``): a variant is data."""

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

WESAD_PAPER = Paper(
    title="Introducing WESAD, a multimodal dataset for wearable stress and affect detection (the handcrafted-feature pipeline the feature baselines follow)",
    year=2018,
    authors="Schmidt, P., Reiss, A., Duerichen, R., Marberger, C., Van Laerhoven, K.",
    venue="ICMI 2018",
    url="https://doi.org/10.1145/3242969.3242985",
    bibtex=(
        "@inproceedings{schmidt2018wesad,\n  title={Introducing WESAD, a Multimodal Dataset for Wearable Stress and Affect Detection},\n"
        "  author={Schmidt, Philip and Reiss, Attila and Duerichen, Robert and Marberger, Claus and Van Laerhoven, Kristof},\n"
        "  booktitle={Proc. 20th ACM International Conference on Multimodal Interaction (ICMI)},\n  pages={400--408},\n  year={2018}\n}"
    ),
)

FCN_PAPER = Paper(
    title="Time series classification from scratch with deep neural networks: a strong baseline (the FCN the 1-D CNN follows)",
    year=2017,
    authors="Wang, Z., Yan, W., Oates, T.",
    venue="IJCNN 2017",
    url="https://arxiv.org/abs/1611.06455",
    bibtex=(
        "@inproceedings{wang2017time,\n  title={Time series classification from scratch with deep neural networks: A strong baseline},\n"
        "  author={Wang, Zhiguang and Yan, Weizhong and Oates, Tim},\n  booktitle={Proc. IJCNN 2017},\n  pages={1578--1585},\n  year={2017}\n}"
    ),
)

UM_PAPER = Paper(
    title="Data augmentation of wearable sensor data for Parkinson's disease monitoring using convolutional neural networks",
    year=2017,
    authors="Um, T. T., Pfister, F. M. J., Pichler, D., Endo, S., Lang, M., Hirche, S., Fietzek, U., Kulic, D.",
    venue="ICMI 2017",
    url="https://arxiv.org/abs/1706.00527",
    bibtex=(
        "@inproceedings{um2017data,\n  title={Data Augmentation of Wearable Sensor Data for Parkinson's Disease Monitoring Using Convolutional Neural Networks},\n"
        "  author={Um, Terry T. and Pfister, Franz M. J. and Pichler, Daniel and Endo, Satoshi and Lang, Muriel and Hirche, Sandra and Fietzek, Urban and Kuli{\\'c}, Dana},\n"
        "  booktitle={Proc. 19th ACM International Conference on Multimodal Interaction (ICMI)},\n  pages={216--220},\n  year={2017}\n}"
    ),
)
UM_CODE = "https://github.com/terryum/Data-Augmentation-For-Wearable-Sensor-Data"

_WINDOWS = TensorSpec("features", ("N", "C", "T"), "float32",
                      "PhysioBatch(layout='channels_time', modality='wrist'): raw windows at the config's rate, channels in config.channels order")
_FLAT = TensorSpec("features", ("N", "D"), "float32", "or PhysioBatch(layout='flat'): the data plugin's window features (no augmentation)")
_LABELS = TensorSpec("labels", ("N",), "int64", "0 no stress, 1 stress (fit only)")
_OUTPUTS = (
    TensorSpec("labels", ("N",), "int64", "predicted class ids"),
    TensorSpec("probabilities", ("N", "num_classes"), "float32", "class probabilities"),
)
_COMMON = dict(family="other", modality="physiological", modalities=("wrist", "ppg", "eda"), tasks=("recognition",),
               can_generate=False, can_predict=True, baseline=True, datasets=("stress-predict",), outputs=_OUTPUTS)


def _specs(id_: str, model_class: str, paper: Paper, summary: str, inputs: tuple, example: str, aug_summary: str) -> tuple[MethodSpec, MethodSpec]:
    """The plain spec and its ``-aug`` preset (augment=True)."""
    plain = MethodSpec(id=id_, model_class=model_class, paper=paper, summary=summary, inputs=inputs, example=example, **_COMMON)
    aug = MethodSpec(id=f"{id_}-aug", model_class=model_class, paper=UM_PAPER, code_url=UM_CODE, summary=aug_summary,
                     preset={"augment": True}, inputs=inputs, example=f"{example}_aug", **_COMMON)
    return plain, aug


LOGREG_SPEC, LOGREG_AUG_SPEC = _specs(
    "wearable-logreg", "emozoo_wearable_baselines.logreg:WearableLogReg", WESAD_PAPER,
    "Handcrafted window features (emozoo-wearable) -> standardisation -> scikit-learn logistic regression; weights as tensors.",
    (_WINDOWS, _FLAT, _LABELS), "emozoo_wearable_baselines.example:example_logreg",
    "wearable-logreg trained on the raw windows plus augmented copies (jitter, scaling, time warp; Um et al. 2017) before the features.",
)
GBT_SPEC, GBT_AUG_SPEC = _specs(
    "wearable-gbt", "emozoo_wearable_baselines.gbt:WearableGBT", WESAD_PAPER,
    "Handcrafted window features -> scikit-learn HistGradientBoostingClassifier; its trees saved as tensors, predicted by emozoo.",
    (_WINDOWS, _FLAT, _LABELS), "emozoo_wearable_baselines.example:example_gbt",
    "wearable-gbt trained on the raw windows plus augmented copies (jitter, scaling, time warp; Um et al. 2017) before the features.",
)
CNN1D_SPEC, CNN1D_AUG_SPEC = _specs(
    "wearable-cnn1d", "emozoo_wearable_baselines.cnn1d:WearableCNN1D", FCN_PAPER,
    "Fully convolutional 1-D network (Wang et al. 2017 FCN) on raw wrist windows, cross-entropy + Adam.",
    (_WINDOWS, _LABELS), "emozoo_wearable_baselines.example:example_cnn1d",
    "wearable-cnn1d with every training batch augmented afresh (jitter, scaling, time warp; Um et al. 2017).",
)
SPECS = (LOGREG_SPEC, LOGREG_AUG_SPEC, GBT_SPEC, GBT_AUG_SPEC, CNN1D_SPEC, CNN1D_AUG_SPEC)


@hookimpl
def emozoo_register_methods(register):
    """Register the three wearable baselines and their augmented presets."""
    for spec in SPECS:
        register(spec)
