"""Hook implementations of emozoo-physio-diffusion: the one declaration of ``physio-ddpm`` (alias ``tosato2023``); no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="EEG synthetic data generation using probabilistic diffusion models",
    year=2023,
    authors="Tosato, G., Dalbagno, C. M., Fumagalli, F.",
    venue="arXiv preprint arXiv:2303.06068",
    url="https://arxiv.org/abs/2303.06068",
    survey_ref=274,
    bibtex=(
        "@article{tosato2023eeg,\n  title={EEG Synthetic Data Generation Using Probabilistic Diffusion Models},\n"
        "  author={Tosato, Giulio and Dalbagno, Cesare M. and Fumagalli, Francesco},\n"
        "  journal={arXiv preprint arXiv:2303.06068},\n  year={2023}\n}"
    ),
)

SPEC = MethodSpec(
    id="physio-ddpm",
    aliases=("tosato2023",),
    model_class="emozoo_physio_diffusion.model:PhysioDDPM",
    family="DM",
    modality="physiological",
    modalities=("wrist", "ppg", "eda"),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary=(
        "Class-conditional DDPM (linear schedule, T = 1000, epsilon prediction, L_simple) with a 1-D U-Net over "
        "multichannel physiological windows; ancestral or DDIM sampling; generated windows augment a downstream "
        "1-D CNN."
    ),
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("features", ("N", "num_channels", "window_length"), "float32",
                   "PhysioBatch layout 'channels_time': raw windows, all channels at one rate (e.g. BVP, EDA, TEMP, HR at 16 Hz)"),
        TensorSpec("labels", ("N",), "int64", "class ids 0..num_classes-1, e.g. 0 no stress, 1 stress (fit only)"),
    ),
    outputs=(
        TensorSpec("features", ("n", "num_channels", "window_length"), "float32",
                   "generate(): synthetic windows on the training data's scale, same channels and layout"),
        TensorSpec("labels", ("n",), "int64", "generate(): the class each window was conditioned on"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): the downstream classifier's class probabilities"),
    ),
    reported=(
        ReportedResult(
            "SEED",
            "ACC",
            92.98,
            source="survey",
            note=(
                "UNVERIFIED: as the survey's Table 11 prints it (EEG, SEED, 3 emotions, electrode-frequency distribution "
                "maps); the paper's result tables were not reachable offline to confirm the number or its protocol. "
                "Our data differ: wrist E4 windows of stress-predict, 2 classes"
            ),
        ),
    ),
    datasets=("SEED", "stress-predict"),
    example="emozoo_physio_diffusion.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register the ``physio-ddpm`` method (alias ``tosato2023``)."""
    register(SPEC)
