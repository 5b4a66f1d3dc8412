"""Prompt construction against literal strings, and label parsing."""

import pytest

from emozoo.data.batches import Dialogue, Utterance
from emozoo.errors import InputError
from emozoo_instructerc.parsing import edit_distance, parse_label, parse_report
from emozoo_instructerc.prompts import Demonstration, emotion_prompt, impact_prompt, speaker_prompt

LABELS = ("neutral", "joy", "anger")
D = Dialogue(
    "d",
    (
        Utterance("Speaker_0", "Hi.", "neutral"),
        Utterance("Speaker_1", "Hello!", "joy"),
        Utterance("Speaker_0", "Go away.", "anger"),
        Utterance("Speaker_2", "Why?", "neutral"),
    ),
)
HEAD = "Now you are expert of sentiment and emotional analysis. The following conversation noted between '### ###' involves several speakers. ### "


def test_emotion_prompt_window_speakers_labels():
    text = emotion_prompt(D, 2, LABELS, window=2)
    assert text == (
        HEAD + 'Speaker_1: "Hello!"\nSpeaker_0: "Go away."'
        ' ### Please select the emotional label of <Speaker_0: "Go away."> from <neutral, joy, anger>:'
    )


def test_emotion_prompt_window_larger_than_history_and_demonstration():
    text = emotion_prompt(D, 1, LABELS, window=12, demonstration=Demonstration("I am so happy", "joy"))
    assert text == (
        HEAD + 'Speaker_0: "Hi."\nSpeaker_1: "Hello!" ### '
        'Here is a demonstration: the emotional label of <"I am so happy"> is <joy>. '
        'Please select the emotional label of <Speaker_1: "Hello!"> from <neutral, joy, anger>:'
    )


def test_impact_prompt_stops_before_target_and_names_next_speaker():
    text = impact_prompt(D, 3, LABELS, window=3)
    assert text == (
        HEAD + 'Speaker_1: "Hello!"\nSpeaker_0: "Go away." ### Based on the above historical utterances, next utterance is '
        "spoken by <Speaker_2>, please predict the emotion states of <Speaker_2> from <neutral, joy, anger>:"
    )
    assert "Why?" not in text
    with pytest.raises(InputError):
        impact_prompt(D, 0, LABELS)


def test_speaker_prompt():
    assert speaker_prompt("Hi.", 3) == (
        "Now you are expert of sentiment and emotional analysis. "
        "Please select the Speaker label of the utterance <Speaker: Hi.> from <Speaker_0, Speaker_1, Speaker_2>:"
    )


def test_bad_target_and_window():
    with pytest.raises(InputError):
        emotion_prompt(D, 4, LABELS)
    with pytest.raises(InputError):
        emotion_prompt(D, 0, LABELS, window=0)


def test_edit_distance_values():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "joy") == 3
    assert edit_distance("joy", "joy") == 0


@pytest.mark.parametrize(
    ("text", "label", "status"),
    [
        ("joy", "joy", "exact"),
        (" Anger.\nmore text", "anger", "exact"),
        ("I think it is joy here", "joy", "contained"),
        ("neutrall", "neutral", "closest"),
        ("angr", "anger", "closest"),
        ("xqzzw", "joy", "unparseable"),
        ("", "joy", "unparseable"),
    ],
)
def test_parse_label(text, label, status):
    parsed = parse_label(text, LABELS)
    assert (parsed.label, parsed.status) == (label, status)


def test_parse_report_counts_every_status():
    parsed = [parse_label(t, LABELS) for t in ("joy", "joy!", "xqzzw", "zzzzzz", "angr")]
    assert parse_report(parsed) == {"exact": 2, "contained": 0, "closest": 1, "unparseable": 2}
