"""Hook implementations of emozoo-bagan: the one declaration of ``bagan-ser``; imports no torch."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Data augmentation using GANs for speech emotion recognition",
    year=2019,
    authors="Chatziagapi, A., Paraskevopoulos, G., Sgouropoulos, D., Pantazopoulos, G., Nikandrou, M., "
    "Giannakopoulos, T., Katsamanis, A., Potamianos, A., Narayanan, S.",
    venue="Interspeech 2019",
    url="https://doi.org/10.21437/Interspeech.2019-2561",
    survey_ref=44,
    bibtex=(
        "@inproceedings{chatziagapi2019data,\n  title={Data Augmentation Using GANs for Speech Emotion Recognition},\n"
        "  author={Chatziagapi, Aggelina and Paraskevopoulos, Georgios and Sgouropoulos, Dimitris and Pantazopoulos, "
        "Georgios and Nikandrou, Malvina and Giannakopoulos, Theodoros and Katsamanis, Athanasios and Potamianos, "
        "Alexandros and Narayanan, Shrikanth},\n  booktitle={Interspeech 2019},\n  pages={171--175},\n  year={2019}\n}"
    ),
)

SPEC = MethodSpec(
    id="bagan-ser",
    aliases=("chatziagapi2019",),
    model_class="emozoo_bagan.model:BAGAN",
    family="GAN",
    modality="speech",
    modalities=("audio",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="Balancing GAN on log-mel spectrograms: autoencoder-initialised generator and (K+1)-way discriminator, "
    "class-conditional latent Gaussians; synthesises under-represented emotions.",
    can_generate=True,
    can_predict=True,
    code_url="https://github.com/IBM/BAGAN",
    inputs=(
        TensorSpec("inputs", ("N", "num_frames", "num_mels"), "float32", "AudioBatch kind 'features': log-mel spectrograms (dB)"),
        TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (training only)"),
    ),
    outputs=(
        TensorSpec("inputs", ("n", "num_frames", "num_mels"), "float32", "generate(): synthetic log-mel spectrograms, input scale"),
        TensorSpec("labels", ("n",), "int64", "generate(): the conditioned class of each sample"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream CNN scores (softmax)"),
    ),
    reported=(
        ReportedResult(
            "IEMOCAP",
            "UAR",
            53.6,
            source="survey",
            note="UNVERIFIED: as the survey's Table 4 prints it (UA, 4 emotions); the paper's text was not reachable offline",
        ),
    ),
    datasets=("IEMOCAP", "FEEL-25k"),
    example="emozoo_bagan.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register BAGAN for speech (alias ``chatziagapi2019``)."""
    register(SPEC)
