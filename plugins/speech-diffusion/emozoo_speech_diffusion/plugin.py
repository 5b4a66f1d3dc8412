"""Hook implementations of emozoo-speech-diffusion: the one declaration of ``speech-ddpm`` (alias ``malik2023``); no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="A preliminary study on augmenting speech emotion recognition using a diffusion model",
    year=2023,
    authors="Malik, I., Latif, S., Jurdak, R., Schuller, B. W.",
    venue="Interspeech 2023",
    url="https://doi.org/10.21437/Interspeech.2023-1080",
    survey_ref=149,
    bibtex=(
        "@inproceedings{malik2023diffusion,\n  title={A preliminary study on augmenting speech emotion recognition using a "
        "diffusion model},\n  author={Malik, Ibrahim and Latif, Siddique and Jurdak, Raja and Schuller, Bj{\\\"o}rn W.},\n"
        "  booktitle={Proc. Interspeech 2023},\n  pages={646--650},\n  year={2023},\n  doi={10.21437/Interspeech.2023-1080}\n}"
    ),
)

SPEC = MethodSpec(
    id="speech-ddpm",
    aliases=("malik2023",),
    model_class="emozoo_speech_diffusion.model:SpeechDDPM",
    family="DM",
    modality="speech",
    tasks=("data_augmentation",),
    paper=PAPER,
    summary=(
        "Emotion-conditional denoising diffusion model (IDDPM: cosine schedule, learned variance) over log-mel maps; "
        "generated spectrograms augment the real training data of a CNN classifier."
    ),
    can_generate=True,
    can_predict=True,
    inputs=(
        TensorSpec("features", ("N", "T", "n_mels"), "float32", "AudioBatch kind 'features': log-mel power in dB, any T >= 1"),
        TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (fit only)"),
    ),
    outputs=(
        TensorSpec("features", ("n", "T", "n_mels"), "float32", "generate(): log-mel maps on the input's scale, T of the training data"),
        TensorSpec("labels", ("n",), "int64", "generate(): the emotion each sample was conditioned on"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): the downstream CNN's class probabilities"),
    ),
    reported=(
        ReportedResult(
            "CREMA-D/RAVDESS",
            "UAR",
            61.22,
            source="survey",
            note=(
                "UNVERIFIED: as the survey's Table 4 prints it (OCR read 61.22, possibly 61.99; one value for the row); "
                "the paper's result tables were not reachable offline to confirm the number, its data set and protocol"
            ),
        ),
    ),
    datasets=("IEMOCAP", "MSP-IMPROV", "CREMA-D", "RAVDESS"),
    example="emozoo_speech_diffusion.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register the ``speech-ddpm`` method (alias ``malik2023``)."""
    register(SPEC)
