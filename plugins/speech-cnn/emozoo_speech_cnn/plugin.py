"""Registers the three speech baselines (a log-mel CNN; + SpecAugment; + signal augmentation) with emozoo; imports no
torch (the contract for fast listing). The augmented two are presets of the same class: a variant is data."""

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

#: The network is emozoo's shared "pooled_cnn" (the augmentation protocol's downstream log-mel CNN), a small VGG-style
#: CNN in the line of the log-mel CNN baselines of speech emotion recognition; no single paper defines it.
PAPER = Paper(
    title="Very deep convolutional networks for large-scale image recognition (the VGG block design the log-mel CNN follows)",
    year=2015,
    authors="Simonyan, K., Zisserman, A.",
    venue="ICLR 2015",
    url="https://arxiv.org/abs/1409.1556",
)

SPECAUGMENT_PAPER = Paper(
    title="SpecAugment: A simple data augmentation method for automatic speech recognition",
    year=2019,
    authors="Park, D. S., Chan, W., Zhang, Y., Chiu, C.-C., Zoph, B., Cubuk, E. D., Le, Q. V.",
    venue="Interspeech 2019",
    url="https://arxiv.org/abs/1904.08779",
    bibtex=(
        "@inproceedings{park2019specaugment,\n  title={SpecAugment: A Simple Data Augmentation Method for Automatic Speech Recognition},\n"
        "  author={Park, Daniel S. and Chan, William and Zhang, Yu and Chiu, Chung-Cheng and Zoph, Barret and Cubuk, Ekin D. and Le, Quoc V.},\n"
        "  booktitle={Proc. Interspeech 2019},\n  pages={2613--2617},\n  year={2019}\n}"
    ),
)

SIGNAL_PAPER = Paper(
    title="Audio augmentation for speech recognition",
    year=2015,
    authors="Ko, T., Peddinti, V., Povey, D., Khudanpur, S.",
    venue="Interspeech 2015",
    url="https://www.isca-archive.org/interspeech_2015/ko15_interspeech.html",
    bibtex=(
        "@inproceedings{ko2015audio,\n  title={Audio augmentation for speech recognition},\n"
        "  author={Ko, Tom and Peddinti, Vijayaditya and Povey, Daniel and Khudanpur, Sanjeev},\n"
        "  booktitle={Proc. Interspeech 2015},\n  pages={3586--3589},\n  year={2015}\n}"
    ),
)

_INPUTS = (
    TensorSpec("inputs", ("N", "S"), "float32", "AudioBatch kind 'waveform' (mono, with sample_rate): the method computes log-mel itself"),
    TensorSpec("inputs", ("N", "n_frames", "n_mels"), "float32", "or AudioBatch kind 'features': log-mel from the same front-end (not for signalaug's fit)"),
    TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (fit only)"),
)

SPEC = MethodSpec(
    id="speech-cnn",
    model_class="emozoo_speech_cnn.model:SpeechCNN",
    family="other",
    modality="speech",
    modalities=("audio", "speech"),
    tasks=("recognition",),
    paper=PAPER,
    summary="Log-mel CNN baseline (emozoo's pooled_cnn, the augmentation protocol's downstream network), no augmentation.",
    can_generate=False,
    can_predict=True,
    baseline=True,
    datasets=("RAVDESS", "CREMA-D"),
    inputs=_INPUTS,
    outputs=(
        TensorSpec("labels", ("N",), "int64", "predicted class ids"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "softmax of the CNN's logits"),
    ),
    example="emozoo_speech_cnn.example:example",
)

SPECAUGMENT_SPEC = MethodSpec(
    id="speech-cnn-specaugment",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=SPEC.modalities,
    tasks=SPEC.tasks,
    paper=SPECAUGMENT_PAPER,
    summary="The log-mel CNN baseline trained with SpecAugment (frequency and time masks drawn per training batch).",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={"augment": "specaugment"},
    baseline=True,
    datasets=SPEC.datasets,
    inputs=SPEC.inputs,
    example="emozoo_speech_cnn.example:example_specaugment",
)

SIGNALAUG_SPEC = MethodSpec(
    id="speech-cnn-signalaug",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=SPEC.modalities,
    tasks=SPEC.tasks,
    paper=SIGNAL_PAPER,
    summary="The log-mel CNN baseline trained on waveforms plus copies with white noise, speed perturbation and pitch shift.",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={"augment": "signal"},
    baseline=True,
    datasets=SPEC.datasets,
    inputs=(SPEC.inputs[0], SPEC.inputs[2]),
    example="emozoo_speech_cnn.example:example_signalaug",
)


@hookimpl
def emozoo_register_methods(register):
    """Register speech-cnn and its SpecAugment and signal-augmentation presets."""
    register(SPEC)
    register(SPECAUGMENT_SPEC)
    register(SIGNALAUG_SPEC)
