"""The prompts of multistep-erc (ours, after [252]'s description: chain-of-thought inspired steps; stated in the card).

Context (a dialogue's last ``window`` utterances up to the target, or a lone text)::

    Conversation:
    Speaker_0: "..."
    Speaker_1: "..."

    Target utterance: Speaker_1: "..."

Step 1 (description): the context, then "In one sentence, describe how Speaker_1 feels when saying the target utterance,
and why." Step 2 (decision): the context, "How the speaker feels: <step 1's answer>", optional labelled examples, then
"Which one of these emotion labels fits the target utterance best: neutral, joy, ...? Answer with the label only."
The single-step baseline (zero-shot-erc) is step 2 without the description line.
"""

from __future__ import annotations

from collections.abc import Sequence


def _quote(speaker: str | None, text: str) -> str:
    return f'{speaker}: "{text}"' if speaker else f'"{text}"'


def context(history: Sequence[tuple[str, str]], target: tuple[str | None, str]) -> str:
    """The dialogue window (``history``: earlier (speaker, text) turns) and the target utterance."""
    speaker, text = target
    if not history and speaker is None:
        return f"Text: {_quote(None, text)}"
    turns = "\n".join(_quote(s, t) for s, t in history)
    head = f"Conversation:\n{turns}\n\n" if turns else ""
    return f"{head}Target utterance: {_quote(speaker, text)}"


def describe_prompt(ctx: str, speaker: str | None) -> str:
    """Step 1: ask how the speaker (or writer) feels, and why."""
    who = speaker or "the writer"
    what = "saying the target utterance" if speaker else "writing this text"
    return f"{ctx}\n\nIn one sentence, describe how {who} feels when {what}, and why."


def decide_prompt(ctx: str, label_names: Sequence[str], description: str | None = None, examples: Sequence[tuple[str, str]] = ()) -> str:
    """Step 2 (or the single step): ask for one label of ``label_names``."""
    parts = [ctx]
    if description:
        parts.append(f"How the speaker feels: {description.strip()}")
    if examples:
        parts.append("Examples:\n" + "\n".join(f'"{t}" -> {label}' for t, label in examples))
    target = "the target utterance" if "Target utterance" in ctx else "the text"
    parts.append(f"Which one of these emotion labels fits {target} best: {', '.join(label_names)}? Answer with the label only.")
    return "\n\n".join(parts)
