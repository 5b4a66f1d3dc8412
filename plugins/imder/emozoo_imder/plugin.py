"""Hook implementations of emozoo-imder (imports no torch)."""

from emozoo import DatasetSpec, MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    title="Incomplete Multimodality-Diffused Emotion Recognition",
    year=2023,
    authors="Wang, Y., Li, Y., Cui, Z.",
    venue="NeurIPS 2023",
    url="https://openreview.net/pdf?id=BuGFwUS9B3",
    survey_ref=307,
)

# Paper, CMU-MOSI, complete modalities (MR = 0): UNVERIFIED, the PDF was not reachable offline (see card.md).
REPORTED = (
    ReportedResult("CMU-MOSI", "Acc-2", 85.7, note="MR=0.0; unverified (paper not reachable offline)"),
    ReportedResult("CMU-MOSI", "F1", 85.6, note="MR=0.0; unverified (paper not reachable offline)"),
    ReportedResult("CMU-MOSI", "Acc-7", 45.3, note="MR=0.0; unverified (paper not reachable offline)"),
    ReportedResult("CMU-MOSI/CMU-MOSEI", "ACC", 79.6, source="survey", note="survey Table 12 prints 79.6/80.9 (MOSI/MOSEI)"),
)


SPEC = MethodSpec(
    id="imder",
    model_class="emozoo_imder.model:IMDer",
    family="DM",
    modality="multimodal",
    modalities=("text", "audio", "vision"),
    tasks=("modality_completion", "recognition"),
    paper=PAPER,
    summary="Score-based (VE-SDE) diffusion recovers missing modalities conditioned on the available ones; MulT fusion regresses sentiment.",
    can_generate=True,
    can_predict=True,
    code_url="https://github.com/mdswyz/IMDer",
    inputs=(
        TensorSpec("text", ("N", 50, 768), description="BERT features, word-aligned"),
        TensorSpec("audio", ("N", 50, "D_a"), description="COVAREP (MOSI 5, MOSEI 74)"),
        TensorSpec("vision", ("N", 50, "D_v"), description="Facet (MOSI 20, MOSEI 35)"),
        TensorSpec("available", ("N",), dtype="bool", description="one mask per modality"),
    ),
    outputs=(
        TensorSpec("values", ("N",), description="predict(): sentiment in [-3, 3]"),
        *(TensorSpec(f"features.{m}", ("N", "T", "width"), description=f"generate(): {m} in the shared projected space") for m in ("text", "audio", "vision")),
        *(TensorSpec(f"recovered.{m}", ("N",), "bool", f"generate(): True where the {m} row was generated") for m in ("text", "audio", "vision")),
    ),
    reported=REPORTED,
    datasets=("cmu-mosi", "cmu-mosei"),
    example="emozoo_imder.example:example",
)


@hookimpl
def emozoo_register_methods(register):
    register(SPEC)


@hookimpl
def emozoo_register_datasets(register):
    common = {
        "modality": "multimodal",
        "modalities": ("text", "audio", "vision"),
        "task": "regression",
        "license": "CMU Multimodal SDK data terms (research use); features are downloaded by the user",
        "url": "https://github.com/thuiar/MMSA",
    }
    register(
        DatasetSpec(
            id="cmu-mosi",
            name="CMU-MOSI (MMSA aligned_50 features)",
            adapter_class="emozoo_imder.data:CMUMOSI",
            description="2,199 opinion clips; word-aligned BERT/COVAREP/Facet features, sentiment in [-3, 3].",
            citation="Zadeh et al., MOSI, IEEE Intelligent Systems 2016",
            **common,
        )
    )
    register(
        DatasetSpec(
            id="cmu-mosei",
            name="CMU-MOSEI (MMSA aligned_50 features)",
            adapter_class="emozoo_imder.data:CMUMOSEI",
            description="23,453 clips; word-aligned BERT/COVAREP/Facet features, sentiment in [-3, 3].",
            citation="Zadeh et al., CMU-MOSEI, ACL 2018",
            **common,
        )
    )
