"""The completion protocol's table: one line per (missing rate, method), 95 % t-intervals over Fold.unit."""

import math

import pytest

from emozoo.bench import report


def _cell(method, unit, seed, metrics_by_rate, fold=None):
    records = [{"condition": "missing_rate", "ratio": r, "classifier": None, "metrics": m} for r, m in metrics_by_rate.items()]
    return {"method": method, "fold": fold or unit, "unit": unit, "seed": seed, "status": "ok", "records": records}


def test_intervals_over_units_hand_computed():
    # two seeds of three speakers; per-unit means of MAE at rate 0.5: 0.2, 0.4, 0.9
    values = {"s1": (0.1, 0.3), "s2": (0.4, 0.4), "s3": (0.8, 1.0)}
    cells = [_cell("m", u, k, {0.5: {"MAE": v[k], "recovered_minus_zero_fill_mse": v[k] - 0.5}}) for u, v in values.items() for k in (0, 1)]
    (row,) = report.aggregate(cells)
    means = [0.2, 0.4, 0.9]
    mu = sum(means) / 3
    s = math.sqrt(sum((x - mu) ** 2 for x in means) / 2)
    ci = 4.3027 * s / math.sqrt(3)  # t(0.975, 2)
    assert row["n_units"] == 3 and row["metrics"]["MAE"]["ci95"] == pytest.approx(ci)
    table = report.completion_table([row])
    line = table.splitlines()[2]
    assert line.startswith("| 0.5 | m | 6 (3) |")
    assert f"{row['metrics']['MAE']['mean']:.3f} ± {row['metrics']['MAE']['std']:.3f} [±{ci:.3f}]" in line
    assert "recovered − zero-fill" in table.splitlines()[0]


def test_one_unit_has_no_interval_as_before():
    # folds without a unit are each their own unit; one fold: no interval (the old, unit-less completion table)
    cells = [{**_cell("m", None, k, {0.3: {"MAE": 0.1 * (k + 1)}}, fold="f"), "unit": None} for k in (0, 1)]
    (row,) = report.aggregate(cells)
    assert row["n_units"] == 1 and row["metrics"]["MAE"]["ci95"] is None
    assert "[±" not in report.completion_table([row]) and "| 2 (1) |" in report.completion_table([row])


def test_rows_order_recovery_columns_and_worse_share():
    rec = {"recovered_mse": 2.0, "zero_fill_mse": 1.0, "mean_fill_mse": 1.5, "recovered_minus_zero_fill_mse": 1.0}
    cells = []
    for unit, worse in (("a", 1.0), ("b", 0.0)):
        cells.append(_cell("imder", unit, 0, {0.0: {"Acc-2": 0.9}, 0.5: {"Acc-2": 0.8, **rec, "recovery_worse_than_zero_fill": worse}}))
        cells.append(_cell("zero", unit, 0, {0.0: {"Acc-2": 0.9}, 0.5: {"Acc-2": 0.7}}))
    rows = report.aggregate(cells) + [{"method": "x", "condition": "real", "ratio": None, "classifier": None, "n": 1, "metrics": {}}]
    table = report.completion_table(rows, methods=["zero", "imder"], extra={"note": lambda r: f"<{r['method']}>"})
    header, _, *lines = table.splitlines()
    assert header == "| missing rate | method | n (units) | Acc-2 | recovered MSE | zero-fill MSE | mean-fill MSE | recovered − zero-fill | worse | note |"
    assert [line.split(" | ")[:2] for line in lines] == [["| 0", "zero"], ["| 0", "imder"], ["| 0.5", "zero"], ["| 0.5", "imder"]]
    assert "Acc-2" in header and "recovery_worse_than_zero_fill" not in header and "recovered_mse" not in header
    assert lines[3].split(" | ")[-2] == "50 %"  # worse in one of two (unit, seed) cells
    assert lines[3].endswith("\\<imder\\> |")  # extra columns are escaped Markdown cells
    assert "80.00 ± 0.00 [±0.00]" in lines[3] and "2.000 ± 0.000 [±0.000]" in lines[3]
    assert lines[2].split(" | ")[-2] == ""  # zero-fill recorded no recovery
