"""Hook implementations of emozoo-face: registers the muxspace facial-expression set (imports no torch)."""

from __future__ import annotations

from emozoo import DatasetSpec, hookimpl

MUXSPACE_LABELS: tuple[str, ...] = ("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")

PHOTO_CAVEAT = (
    "The images are photographs of real third parties (Labeled Faces in the Wild and web images); their copyright is "
    "not addressed upstream. Use them as a research fixture only: no real image is shipped, pushed or committed; "
    "benchmark outputs hold generated images only."
)

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="muxspace-faces",
        paper_dataset="",  # no surveyed paper reports on this set: tables compare against FER2013 / RAF-DB numbers, stated
        name="facial_expressions (muxspace): 13,677 face images, 48x48 grey, 8 expressions, long-tailed",
        adapter_class="emozoo_face.adapters:MuxspaceFacesAdapter",
        modality="face",
        modalities=("face", "image"),
        metric="UAR",  # a long tail: neutral + happiness are 92 % of the images, so accuracy says little
        label_names=MUXSPACE_LABELS,
        license="Apache-2.0 (the repository's licence; the photographs' own copyright is not addressed: see the caveat)",
        url="https://github.com/muxspace/facial_expressions",
        citation='B. L. Y. Rowe et al., "facial_expressions", https://github.com/muxspace/facial_expressions (2016).',
        description=(
            "48x48 greyscale (FER2013 layout) in FER2013-style classes plus contempt: neutral 6,864, happiness 5,693, "
            "surprise 366, sadness 267, anger 251, disgust 207, fear 20, contempt 9. Person-grouped stratified 5-fold "
            "splits (identity from the file name); a person-disjoint validation carve-out. " + PHOTO_CAVEAT
        ),
        subset_note=(
            "not FER2013 / RAF-DB: 13.7k mostly posed news photos, crowd-labelled, 8 classes with a far longer tail "
            "(contempt 9, fear 20 images)"
        ),
    ),
)


@hookimpl
def emozoo_register_datasets(register):
    """Register the face data sets this plugin reads."""
    for spec in DATASETS:
        register(spec)
