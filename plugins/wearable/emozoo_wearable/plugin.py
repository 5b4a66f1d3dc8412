"""Hook implementations of emozoo-wearable: registers the Stress-Predict wrist set (imports no torch)."""

from __future__ import annotations

from emozoo import DatasetSpec, hookimpl

LABEL_NAMES: tuple[str, ...] = ("no_stress", "stress")

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="stress-predict",
        name="Stress-Predict: Empatica E4 wrist BVP, EDA, TEMP and HR of 35 people, stress / no stress",
        adapter_class="emozoo_wearable.adapters:StressPredictAdapter",
        modality="physiological",
        modalities=("wrist", "ppg", "eda"),
        metric="UAR",  # balanced accuracy: 2,266 no-stress vs 1,153 stress windows; F1 of the stress class is not in emozoo.metrics
        label_names=LABEL_NAMES,
        license="MIT (Copyright (c) 2022 Talha Iqbal; keep the notice)",
        url="https://github.com/italha-d/Stress-Predict-Dataset",
        citation=(
            "T. Iqbal, A. J. Simpkin, D. Roshan, N. Glynn, J. Killilea, J. Walsh, G. Molloy, S. Ganly, H. Ryman, E. Coen, "
            "A. Elahi, W. Wijns, A. Shahzad. Stress Monitoring Using Wearable Sensors: A Pilot Study and Stress-Predict "
            "Dataset. Sensors 22(21):8135, 2022. https://doi.org/10.3390/s22218135"
        ),
        description=(
            "35 volunteers, ~55 min each: Stroop, interview and hyperventilation (stress, 1) with baseline / relaxation "
            "between them (no stress, 0). BVP (64 Hz), EDA and TEMP (4 Hz) and HR (1 Hz) resampled to 16 Hz (BVP "
            "low-pass decimated, the rest linearly interpolated) over their common span; 60 s windows every 30 s "
            "(WESAD-style). Labels per second from Time_logs.xlsx phases with stress boundaries snapped to the event "
            "tags (+-120 s); consent and gaps unlabelled; a window takes its majority label and is dropped below 80 % "
            "purity. 3,419 windows (2,266 no stress, 1,153 stress). Subject-disjoint folds only: leave-one-subject-out "
            "(35) or StratifiedGroupKFold(5)."
        ),
    ),
)


@hookimpl
def emozoo_register_datasets(register):
    """Register the wearable data sets this plugin reads."""
    for spec in DATASETS:
        register(spec)
