"""Hook implementations of emozoo-biosignal-gan: registers the ``biosignal-gan`` method; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Biosignal data augmentation based on generative adversarial networks",
    year=2018,
    authors="Haradal, S., Hayashi, H., Uchida, S.",
    venue="EMBC 2018",
    url="",  # the DOI could not be confirmed offline; EMBC 2018 proceedings, pp. 368-371
    survey_ref=269,
    bibtex=(
        "@inproceedings{haradal2018biosignal,\n  title={Biosignal data augmentation based on generative adversarial networks},\n"
        "  author={Haradal, Shota and Hayashi, Hideaki and Uchida, Seiichi},\n  booktitle={2018 40th Annual International Conference "
        "of the IEEE Engineering in Medicine and Biology Society (EMBC)},\n  pages={368--371},\n  year={2018}\n}"
    ),
)

SPEC = MethodSpec(
    id="biosignal-gan",
    aliases=("haradal-gan", "lstm-gan"),
    model_class="emozoo_biosignal_gan.model:BiosignalGAN",
    family="GAN",
    modality="physiological",
    # "wrist"/"ppg" are not yet in the core's MethodSpec vocabulary (emozoo/specs.py); the batches it takes are wrist windows
    modalities=("wrist", "ppg", "eda"),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="One GAN per class, LSTM generator and LSTM discriminator on raw multichannel windows; synthetic windows "
            "augment a downstream 1-D CNN's training set.",
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("features", ("N", "num_channels", "window"), "float32", "raw windows, layout channels_time (wrist: bvp, eda, temp, hr at 16 Hz)"),
        TensorSpec("labels", ("N",), "int64", "class ids 0..num_classes-1 (training only; stress-predict: 0 no stress, 1 stress)"),
    ),
    outputs=(
        TensorSpec("features", ("n", "num_channels", "window"), "float32", "generated windows on the input's scale"),
        TensorSpec("labels", ("n",), "int64", "the conditioned class of each generated window"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream classifier scores (softmax)"),
    ),
    reported=(
        ReportedResult(
            "ECG200",
            "ACC",
            76.20,
            source="survey",
            note="UNVERIFIED: as the survey's Table 11 prints it (ECG 200); the paper's text was not reachable offline to "
                 "confirm the number, its classifier and its protocol",
        ),
    ),
    datasets=("stress-predict", "ECG200"),
    example="emozoo_biosignal_gan.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register the per-class LSTM GAN (aliases ``haradal-gan``, ``lstm-gan``)."""
    register(SPEC)
