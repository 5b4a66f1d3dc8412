"""The emozoo command: tables for people, JSON for scripts, exit codes for errors."""

from __future__ import annotations

import json

import pytest

from emozoo.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_installed_table_and_json(registry, capsys):
    code, out, _ = _run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "family", "modality", "tasks", "can", "plugin"]
    assert lines[2].split() == ["toy-mlp", "AE", "eeg", "recognition", "predict", "emozoo-toy", "0.3.1"]
    code, out, _ = _run(capsys, "list", "--json", "--modality", "eeg", "toy-mlp-*")
    assert [m["id"] for m in json.loads(out)] == ["toy-mlp-wide"]
    code, out, _ = _run(capsys, "list", "--family", "GAN")
    assert "no installed method matches" in out


def test_list_all_shows_catalogue_with_status(registry, capsys):
    code, out, _ = _run(capsys, "list", "--all", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 132
    by_ref = {r["ref"]: r for r in rows}
    assert by_ref[265]["id"] == "vae-d2gan"
    assert by_ref[44]["emozoo"] == "-"
    code, out, _ = _run(capsys, "list", "--all", "--modality", "EEG", "--task", "data_augmentation")
    assert "vae-d2gan" in out and "Chatziagapi" not in out
    assert out.strip().endswith("of 132 surveyed methods")


def test_info_method_catalogue_and_unknown(registry, capsys):
    code, out, _ = _run(capsys, "info", "toy")
    assert code == 0 and out.startswith("toy-mlp  (AE, physiological / eeg)")
    assert "install: pip install emozoo-toy" in out and "reported:  toy ACC 100 (paper)" in out
    code, out, _ = _run(capsys, "info", "vae-d2gan")
    assert code == 0 and "survey ref [265]" in out and "SEED ACC 92.5; SEED-IV ACC 82.3" in out
    code, out, _ = _run(capsys, "info", "vae-d2gan", "--json")
    assert json.loads(out)["catalogue"]["ref"] == 265


def test_info_unknown_suggests(registry, capsys):
    code, _, err = _run(capsys, "info", "toy-mpl")
    assert code == 2 and "did you mean 'toy-mlp'" in err


def test_doctor_reports_plugins_problems_and_exit_code(registry, capsys):
    code, out, _ = _run(capsys, "doctor", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["plugins"][0]["distribution"] == "emozoo-toy"
    assert "cpu" in report["devices"] and report["problems"] == []
    registry.register_plugin(object(), name="broken")  # registering a non-plugin still works: no hooks
    from emozoo import hookimpl

    class Bad:
        @hookimpl
        def emozoo_register_methods(self, register):
            raise RuntimeError("kaput")

    registry.register_plugin(Bad(), name="bad")
    code, out, err = _run(capsys, "doctor")
    assert code == 1 and "[error] bad (register_methods): RuntimeError: kaput" in out
    code, out, err = _run(capsys, "list")
    assert code == 0 and "toy-mlp" in out and "run `emozoo doctor`" in err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
