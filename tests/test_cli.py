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
    assert by_ref[146]["emozoo"] == "-"  # Sahu et al. 2018 (GAN + CGAN): surveyed, not implemented
    code, out, _ = _run(capsys, "list", "--all", "--modality", "EEG", "--task", "data_augmentation")
    assert "vae-d2gan" in out and "Chatziagapi" not in out
    assert out.strip().endswith("of 132 surveyed methods")


def test_info_method_catalogue_and_unknown(registry, capsys):
    code, out, _ = _run(capsys, "info", "toy")
    assert code == 0 and out.startswith("toy-mlp  (AE, physiological / eeg)")
    assert "plugin:    emozoo-toy 0.3.1, installed at " in out and "reported:  toy ACC 100 (paper)" in out
    assert "source:    an out-of-tree plugin (emozoo-toy)" in out and "pip install" not in out  # on no index: no install line
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


def test_info_names_a_catalogued_plugin_and_where_it_is(capsys):
    code, out, _ = _run(capsys, "info", "cwgan")
    assert code == 0 and "source:    the zoo's plugin for survey entry 'luo2018' (ref [264])" in out
    assert "plugins/cwgan/emozoo_cwgan" in out or "site-packages/emozoo_cwgan" in out


def test_doctor_does_not_ask_an_outsider_to_patch_the_core(registry, capsys):
    code, out, _ = _run(capsys, "doctor")
    assert "build_registry" not in out and "out-of-tree methods" in out and "toy-mlp" in out


def test_listing_into_a_closed_pipe_ends_quietly():
    """`emozoo list --all | head -1`: the reader leaves early; no BrokenPipeError traceback, SIGPIPE's exit code."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "emozoo", "list", "--all", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()  # everything after the first bytes now hits a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)  # 0 when the whole output fit into the pipe before it closed
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_broken_pipe_returns_sigpipe_code(monkeypatch, capsys):
    import emozoo.cli as cli

    def explode(args):
        raise BrokenPipeError

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["list"].set_defaults(func=explode)
    assert cli.main(["list"]) == 141


@pytest.mark.parametrize("argv,message", [
    (["--seeds", "abc"], "--seeds takes a count (3) or a list of integers"),
    (["--seeds", "0"], "--seeds count must be >= 1"),
    (["--seeds", "1,-2"], "must lie in [0, 2**31)"),
    (["--max-folds", "0"], "expected a positive integer, got 0"),
    (["--dataset-option", "noequals"], "expected KEY=VALUE"),
])
def test_bench_arguments_are_checked_before_anything_runs(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(["bench", "toy-mlp", "--dataset", "toy-blobs", *argv])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_bench_config_errors_are_typed(tmp_path, capsys):
    broken = tmp_path / "b.json"
    broken.write_text("{not json")
    for path, message in ((tmp_path / "missing.toml", "cannot read it"), (broken, "not valid JSON")):
        code, _, err = _run(capsys, "bench", "toy-mlp", "--dataset", "toy-blobs", "--config", str(path))
        assert code == 2 and message in err and str(path) in err


def test_dataset_and_protocol_options_from_the_command_line_win_over_the_config(tmp_path):
    from emozoo.cli import _bench_config, build_parser

    config = tmp_path / "c.toml"
    config.write_text('[dataset]\nn_per_class = 5\nnoise = 0.1\n[protocol]\nratios = [1.0]\n')
    args = build_parser().parse_args(["bench", "m", "--dataset", "d", "--config", str(config),
                                      "--dataset-option", "n_per_class=8", "--dataset-option", "name=abc",
                                      "--protocol-option", "ratios=[0.5,2]"])
    assert _bench_config(args) == {"dataset": {"n_per_class": 8, "noise": 0.1, "name": "abc"}, "protocol": {"ratios": [0.5, 2]}}


def test_bench_protocol_choices_are_the_harness_protocols() -> None:
    from emozoo.bench.protocols import PROTOCOLS
    from emozoo.cli import BENCH_PROTOCOLS

    assert list(BENCH_PROTOCOLS) == list(PROTOCOLS)
