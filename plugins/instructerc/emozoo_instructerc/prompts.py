"""InstructERC's retrieval template: instruction, dialogue window, demonstration, label statement (and the two auxiliary tasks).

The wording follows the official data processing (``code/data_process.py`` of LIN-SHANG/InstructERC); the
retrieved demonstration (not released upstream) is inserted before the label statement so that every
prompt still ends with the question and the answer (the label word) follows directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emozoo.data.batches import Dialogue
from emozoo.errors import InputError

INSTRUCTION = "Now you are expert of sentiment and emotional analysis. "
HISTORY_HEADER = "The following conversation noted between '### ###' involves several speakers. ### "


@dataclass(frozen=True)
class Demonstration:
    """A retrieved training utterance and its gold label, shown to the model as an example."""

    text: str
    label: str


def _turn(speaker: str, text: str) -> str:
    return f'{speaker}: "{text}"'


def _labels(label_names: Sequence[str]) -> str:
    return ", ".join(label_names)


def _check_target(dialogue: Dialogue, target: int) -> None:
    if not 0 <= target < len(dialogue.utterances):
        raise InputError(f"target index {target} is outside dialogue {dialogue.dialogue_id!r} of {len(dialogue.utterances)} utterances")


def _history(dialogue: Dialogue, start: int, stop: int) -> str:
    return "\n".join(_turn(u.speaker, u.text) for u in dialogue.utterances[start:stop])


def emotion_prompt(
    dialogue: Dialogue,
    target: int,
    label_names: Sequence[str],
    window: int = 12,
    demonstration: Demonstration | None = None,
) -> str:
    """The main task: the last ``window`` turns up to and including ``target``, then the question about ``target``."""
    _check_target(dialogue, target)
    if window < 1:
        raise InputError(f"window must be >= 1 (turns shown, the target included), got {window}")
    start = max(target + 1 - window, 0)
    u = dialogue.utterances[target]
    text = INSTRUCTION + HISTORY_HEADER + _history(dialogue, start, target + 1) + " ### "
    if demonstration is not None:
        text += f'Here is a demonstration: the emotional label of <"{demonstration.text}"> is <{demonstration.label}>. '
    text += f"Please select the emotional label of <{_turn(u.speaker, u.text)}> from <{_labels(label_names)}>:"
    return text


def speaker_prompt(text: str, num_speakers: int) -> str:
    """Auxiliary task 1 (speaker identification): which ``Speaker_k`` said ``text``, without context."""
    speakers = ", ".join(f"Speaker_{k}" for k in range(num_speakers))
    return INSTRUCTION + f"Please select the Speaker label of the utterance <Speaker: {text}> from <{speakers}>:"


def impact_prompt(dialogue: Dialogue, target: int, label_names: Sequence[str], window: int = 12) -> str:
    """Auxiliary task 2 (emotion impact prediction): turns before ``target`` only; predict the next speaker's emotion."""
    _check_target(dialogue, target)
    if target == 0:
        raise InputError("emotion impact prediction needs at least one earlier turn; target must be >= 1")
    start = max(target + 1 - window, 0)
    speaker = dialogue.utterances[target].speaker
    return (
        INSTRUCTION
        + HISTORY_HEADER
        + _history(dialogue, start, target)
        + " ### "
        + f"Based on the above historical utterances, next utterance is spoken by <{speaker}>, "
        + f"please predict the emotion states of <{speaker}> from <{_labels(label_names)}>:"
    )
