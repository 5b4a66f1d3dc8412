"""Hook implementations of emozoo-speech: registers RAVDESS and the CREMA-D clips (imports no torch, no librosa)."""

from __future__ import annotations

from emozoo import DatasetSpec, hookimpl

RAVDESS_LABELS: tuple[str, ...] = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="ravdess",
        paper_dataset="RAVDESS",
        name="RAVDESS speech (audio-only, 24 actors, 1,440 utterances)",
        adapter_class="emozoo_speech.adapters:RAVDESSAdapter",
        modality="speech",
        modalities=("audio",),
        metric="UA",  # unweighted accuracy (= UAR), EmoBox's headline metric for RAVDESS
        label_names=RAVDESS_LABELS,
        license="CC BY-NC-SA 4.0 (non-commercial)",
        url="https://zenodo.org/record/1188976",
        citation=(
            "S. R. Livingstone and F. A. Russo, The Ryerson Audio-Visual Database of Emotional Speech and Song (RAVDESS): "
            "a dynamic, multimodal set of facial and vocal expressions in North American English, PLoS ONE 13(5): e0196391, "
            "2018. https://doi.org/10.1371/journal.pone.0196391"
        ),
        description=(
            "8 emotions in RAVDESS code order; EmoBox's 6 speaker-independent folds (4 test actors each), 2 training "
            "actors (one male, one female) held out for validation; front-ends: log-mel [T, 64] (default), eGeMAPS [88], "
            "waveform."
        ),
    ),
    DatasetSpec(
        id="crema-d-clips",
        paper_dataset="CREMA-D",
        name="CREMA-D, 12 clips of actors 1001-1002 (cross-corpus test set on RAVDESS labels)",
        adapter_class="emozoo_speech.adapters:CremaDClipsAdapter",
        modality="speech",
        modalities=("audio",),
        metric="UA",
        label_names=RAVDESS_LABELS,
        license="ODbL 1.0 (database) / DbCL 1.0 (contents)",
        url="https://github.com/CheyneyComputerScience/CREMA-D",
        citation=(
            "H. Cao, D. G. Cooper, M. K. Keutmann, R. C. Gur, A. Nenkova and R. Verma, CREMA-D: Crowd-sourced Emotional "
            "Multimodal Actors Dataset, IEEE Trans. Affective Computing 5(4):377-390, 2014."
        ),
        description=(
            "Test-only: labels mapped onto RAVDESS ids ANG->angry, DIS->disgust, FEA->fearful, HAP->happy, "
            "NEU->neutral, SAD->sad (calm and surprised never occur); train on RAVDESS with train_dir=."
        ),
        subset_note="12 of CREMA-D's 7,442 clips (2 actors, 1 sentence): a smoke-test cross-corpus set, not the corpus",
    ),
)


@hookimpl
def emozoo_register_datasets(register):
    """Register the speech emotion data sets this plugin reads."""
    for spec in DATASETS:
        register(spec)
