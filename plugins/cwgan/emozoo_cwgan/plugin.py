"""Hook implementations of emozoo-cwgan: registers the ``cwgan`` method; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="EEG data augmentation for emotion recognition using a conditional Wasserstein GAN",
    year=2018,
    authors="Luo, Y., Lu, B.-L.",
    venue="EMBC 2018",
    url="https://doi.org/10.1109/EMBC.2018.8512865",
    survey_ref=264,
    bibtex=(
        "@inproceedings{luo2018cwgan,\n  title={EEG data augmentation for emotion recognition using a conditional "
        "Wasserstein GAN},\n  author={Luo, Yun and Lu, Bao-Liang},\n  booktitle={2018 40th Annual International "
        "Conference of the IEEE Engineering in Medicine and Biology Society (EMBC)},\n  pages={2535--2538},\n  year={2018}\n}"
    ),
)


SPEC = MethodSpec(
    id="cwgan",
    aliases=("cwgan-gp",),
    model_class="emozoo_cwgan.model:CWGAN",
    family="GAN",
    modality="physiological",
    modalities=("eeg",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="Conditional WGAN-GP generating DE EEG features per emotion; keeps only samples that pass quality tests.",
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("features", ("N", "num_channels", "num_bands"), "float32", "DE features, layout channels_bands (SEED: 62 x 5)"),
        TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (training only)"),
    ),
    outputs=(
        TensorSpec("features", ("n", "num_channels", "num_bands"), "float32", "generated DE features, original scale"),
        TensorSpec("labels", ("n",), "int64", "the conditioned class of each generated sample"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream classifier scores (softmax)"),
    ),
    reported=(
        ReportedResult(
            "SEED",
            "ACC",
            86.96,
            source="survey",
            note="UNVERIFIED: as the survey's Table 11 prints it; the paper's text was not reachable offline to confirm the number and its protocol",
        ),
    ),
    datasets=("SEED", "DEAP"),
    example="emozoo_cwgan.example:example",
)


#: cWGAN-GP on multichannel wrist windows [N, C, T] (issue #17): the same losses, n_critic, conditioning and selection,
#: WaveGAN-style 1-D (transposed) convolutions; sizes for Stress-Predict's 4 channels x 60 s at 16 Hz, 2 classes.
WRIST_SPEC = MethodSpec(
    id="cwgan-wrist",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=("wrist", "ppg", "eda"),
    tasks=SPEC.tasks,
    paper=PAPER,
    summary="cWGAN-GP on multichannel wrist windows [N, C, T] (1-D convolutional generator/critic after WaveGAN), per class.",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={
        "input_kind": "channels_time", "num_channels": 4, "window_length": 960, "num_classes": 2,
        "label_names": ("no_stress", "stress"), "judge": "cnn1d", "classifier": "cnn1d",
    },
    inputs=(
        TensorSpec("features", ("N", "num_channels", "window_length"), "float32",
                   "windows, PhysioBatch layout channels_time (e.g. bvp, eda, temp, hr at 16 Hz: 4 x 960)"),
        TensorSpec("labels", ("N",), "int64", "class ids 0..num_classes-1, e.g. 0 no stress, 1 stress (training only)"),
    ),
    outputs=(
        TensorSpec("features", ("n", "num_channels", "window_length"), "float32", "generated windows, original scale per channel"),
        TensorSpec("labels", ("n",), "int64", "the conditioned class of each generated window"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream classifier scores (softmax)"),
    ),
    reported=SPEC.reported,
    datasets=("stress-predict",),
    example="emozoo_cwgan.example:example_windows",
)


@hookimpl
def emozoo_register_methods(register):
    """Register cWGAN-GP (alias ``cwgan-gp``) and its wrist-window preset ``cwgan-wrist``."""
    register(SPEC)
    register(WRIST_SPEC)