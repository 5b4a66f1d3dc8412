"""Registers the vae-d2gan method and its plain conditional-VAE ablation with emozoo; imports no torch (the contract
for fast listing)."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Data augmentation for EEG-based emotion recognition using generative adversarial networks",
    year=2021,
    authors="Bao, G., Yan, B., Tong, L., Shu, J., Wang, L., Yang, K., Zeng, Y.",
    venue="Frontiers in Computational Neuroscience 15:723843",
    url="https://www.frontiersin.org/articles/10.3389/fncom.2021.723843/full",
    survey_ref=265,
    bibtex=(
        "@article{bao2021vaed2gan,\n  title={Data Augmentation for EEG-Based Emotion Recognition Using Generative Adversarial Networks},\n"
        "  author={Bao, Guangcheng and Yan, Bin and Tong, Li and Shu, Jun and Wang, Linyuan and Yang, Kai and Zeng, Ying},\n"
        "  journal={Frontiers in Computational Neuroscience},\n  volume={15},\n  pages={723843},\n  year={2021},\n"
        "  doi={10.3389/fncom.2021.723843}\n}"
    ),
)


SPEC = MethodSpec(
    id="vae-d2gan",
    model_class="emozoo_vae_d2gan.model:VAED2GAN",
    family="hybrid",
    modality="physiological",
    modalities=("eeg",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="VAE whose decoder is a dual-discriminator GAN generator; class-conditional synthesis of 5-band DE features on 9x9 scalp maps.",
    can_generate=True,
    can_predict=True,
    datasets=("SEED", "SEED-IV"),
    example="emozoo_vae_d2gan.example:example",
    inputs=(
        TensorSpec("features", ("N", 62, 5), "float32", "DE features, channels x bands (SEED's 62-channel order; delta..gamma)"),
        TensorSpec("labels", ("N",), "int64", "emotion class ids 0..num_classes-1 (for fit)"),
    ),
    outputs=(
        TensorSpec("features", ("n", 62, 5), "float32", "generate(): synthetic DE features in the original scale"),
        TensorSpec("labels", ("n",), "int64", "generate(): their class ids"),
        TensorSpec("probabilities", ("N", "num_classes"), "float32", "predict(): downstream classifier output"),
    ),
    reported=(
        ReportedResult("SEED", "ACC", 92.5, source="survey", note="UNVERIFIED (as the survey's Table 11 prints it; the paper's text was not reachable): with augmentation; +1.5 points over no augmentation"),
        ReportedResult("SEED-IV", "ACC", 82.3, source="survey", note="UNVERIFIED (as the survey's Table 11 prints it): with augmentation; +3.5 points over no augmentation"),
    ),
)

#: The ablation: the same model with the adversarial term off (``adv_weight`` 0: no discriminators are trained), i.e.
#: the conditional VAE alone, under the same encoder, decoder, observation noise, schedule and downstream classifier.
CVAE_SPEC = MethodSpec(
    id="vae-d2gan-cvae",
    model_class=SPEC.model_class,
    family=SPEC.family,
    modality=SPEC.modality,
    modalities=SPEC.modalities,
    tasks=SPEC.tasks,
    paper=Paper(
        title="Learning structured output representation using deep conditional generative models",
        year=2015,
        authors="Sohn, K., Lee, H., Yan, X.",
        venue="NeurIPS 2015",
    ),
    summary="Ablation of vae-d2gan: its conditional VAE alone (adv_weight 0, no discriminators), same networks and budget.",
    can_generate=SPEC.can_generate,
    can_predict=SPEC.can_predict,
    preset={"adv_weight": 0.0},
    baseline=True,
    datasets=SPEC.datasets,
    inputs=SPEC.inputs,
)


@hookimpl
def emozoo_register_methods(register):
    """Register the VAE-D2GAN method spec and its conditional-VAE ablation."""
    register(SPEC)
    register(CVAE_SPEC)