"""emozoo.metrics against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from emozoo import metrics as M
from emozoo.errors import (
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    NonFiniteError,
    ShapeError,
)

approx = pytest.approx

# Imbalanced 3-class example used below.
#   y_true: six 0s, two 1s, two 2s
#   class 0: support 6, predicted 7 (idx 0-6), TP 6 -> recall 6/6 = 1,   F1 = 2*6/(6+7) = 12/13
#   class 1: support 2, predicted 2 (idx 7, 9), TP 1 -> recall 1/2,      F1 = 2*1/(2+2) = 1/2
#   class 2: support 2, predicted 1 (idx 8),    TP 1 -> recall 1/2,      F1 = 2*1/(2+1) = 2/3
IMB_TRUE = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
IMB_PRED = [0, 0, 0, 0, 0, 0, 0, 1, 2, 1]


# --- classification -------------------------------------------------------------------------------


def test_perfect_predictions() -> None:
    y = [2, 0, 1, 1, 0]
    assert M.classification_report(y, y) == {"ACC": 1.0, "UAR": 1.0, "WF1": 1.0, "MF1": 1.0}


def test_all_wrong_predictions() -> None:
    # every class has TP 0 -> recall 0 and F1 0 for all classes
    assert M.classification_report([0, 1, 2, 0], [1, 2, 0, 2]) == {"ACC": 0.0, "UAR": 0.0, "WF1": 0.0, "MF1": 0.0}


def test_imbalanced_acc_differs_from_uar() -> None:
    # ACC = (6 + 1 + 1) / 10 = 0.8 ; UAR = (1 + 1/2 + 1/2) / 3 = 2/3
    assert M.accuracy(IMB_TRUE, IMB_PRED) == approx(0.8)
    assert M.uar(IMB_TRUE, IMB_PRED) == approx(2 / 3)
    # MF1 = (12/13 + 1/2 + 2/3) / 3 ; WF1 = (6*12/13 + 2*1/2 + 2*2/3) / 10
    assert M.macro_f1(IMB_TRUE, IMB_PRED) == approx((12 / 13 + 1 / 2 + 2 / 3) / 3)
    assert M.weighted_f1(IMB_TRUE, IMB_PRED) == approx((6 * 12 / 13 + 2 * 0.5 + 2 * 2 / 3) / 10)
    assert M.classification_report(IMB_TRUE, IMB_PRED) == approx(
        {"ACC": 0.8, "UAR": 2 / 3, "WF1": (6 * 12 / 13 + 1 + 4 / 3) / 10, "MF1": (12 / 13 + 1 / 2 + 2 / 3) / 3}
    )


def test_confusion_matrix_exact() -> None:
    # rows = true: true 0 -> six predicted 0; true 1 -> one 0, one 1; true 2 -> one 1, one 2
    cm = M.confusion_matrix(IMB_TRUE, IMB_PRED)
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(cm, [[6, 0, 0], [1, 1, 0], [0, 1, 1]])
    # num_classes pads an unseen class 3 with zeros
    np.testing.assert_array_equal(M.confusion_matrix([0, 1], [1, 1], num_classes=4)[:, 3], [0, 0, 0, 0])
    assert M.confusion_matrix([0, 1], [1, 1], num_classes=4).shape == (4, 4)


def test_class_never_predicted_has_f1_zero() -> None:
    y_true, y_pred = [0, 0, 1, 1, 2], [0, 0, 1, 1, 1]
    # class 0: F1 1; class 1: TP 2, support 2, predicted 3 -> F1 4/5; class 2: never predicted -> F1 0
    assert M.macro_f1(y_true, y_pred) == approx((1 + 0.8 + 0) / 3)  # 0.6
    assert M.weighted_f1(y_true, y_pred) == approx((2 * 1 + 2 * 0.8 + 1 * 0) / 5)  # 0.72
    assert M.uar(y_true, y_pred) == approx((1 + 1 + 0) / 3)
    assert M.accuracy(y_true, y_pred) == approx(4 / 5)


def test_macro_f1_averages_over_union_and_labels_argument() -> None:
    y_true, y_pred = [0, 0, 1, 1], [0, 0, 1, 2]
    # class 0: F1 1; class 1: TP 1, support 2, predicted 1 -> 2/3; class 2 (predicted only): TP 0 -> F1 0
    assert M.macro_f1(y_true, y_pred) == approx((1 + 2 / 3 + 0) / 3)  # union {0, 1, 2} = 5/9
    assert M.weighted_f1(y_true, y_pred) == approx((2 * 1 + 2 * 2 / 3 + 0 * 0) / 4)  # 5/6
    # UAR defaults to the classes in y_true {0, 1}: (1 + 1/2) / 2
    assert M.uar(y_true, y_pred) == approx(0.75)
    # labels= restricts or extends the averaged classes
    assert M.macro_f1(y_true, y_pred, labels=[0, 1]) == approx((1 + 2 / 3) / 2)
    assert M.macro_f1(y_true, y_pred, labels=[1]) == approx(2 / 3)
    assert M.uar(y_true, y_pred, labels=[0, 1, 2]) == approx((1 + 1 / 2 + 0) / 3)  # class 2 has no support -> 0
    assert M.weighted_f1(y_true, y_pred, labels=[1, 2]) == approx((2 * 2 / 3 + 0) / 2)
    assert M.weighted_f1(y_true, y_pred, labels=[2]) == 0.0  # no true samples at all in the listed classes
    # a class absent from both sides has F1 0 and still counts in the macro mean
    assert M.macro_f1(y_true, y_pred, labels=[0, 1, 2, 5]) == approx((1 + 2 / 3 + 0 + 0) / 4)
    assert M.classification_report(y_true, y_pred, labels=[0, 1])["MF1"] == approx(5 / 6)


def test_whole_number_floats_and_bools_are_labels() -> None:
    assert M.accuracy([0.0, 1.0, 2.0], np.array([0, 1, 1])) == approx(2 / 3)
    assert M.accuracy([True, False], [True, True]) == 0.5


def test_results_are_python_floats() -> None:
    assert type(M.accuracy([0, 1], [0, 1])) is float
    assert all(type(v) is float for v in M.classification_report([0, 1], [0, 0]).values())
    assert type(M.ccc([1, 2], [1, 3])) is float


# --- regression -----------------------------------------------------------------------------------


def test_regression_hand_computed() -> None:
    t, p = [1, 2, 3, 4], [1, 3, 2, 5]
    # mean t = 2.5, mean p = 11/4 = 2.75
    # dev t = -1.5 -0.5 0.5 1.5 ; dev p = -1.75 0.25 -0.75 2.25
    # sum dev t*dev p = 2.625 - 0.125 - 0.375 + 3.375 = 5.5 -> cov = 5.5/4 = 1.375
    # sum dev t^2 = 5 -> var t = 1.25 ; sum dev p^2 = 3.0625+0.0625+0.5625+5.0625 = 8.75 -> var p = 2.1875
    # CCC = 2*1.375 / (1.25 + 2.1875 + 0.25^2) = 2.75 / 3.5 = 11/14
    assert M.ccc(t, p) == approx(11 / 14)
    # Pearson = 5.5 / sqrt(5 * 8.75)
    assert M.pearson(t, p) == approx(5.5 / math.sqrt(43.75))
    # |errors| = 0 1 1 1 -> MAE 3/4, RMSE sqrt(3/4)
    assert M.mae(t, p) == approx(0.75)
    assert M.rmse(t, p) == approx(math.sqrt(0.75))


def test_ccc_identical_is_one_and_bias_lowers_it_below_pearson() -> None:
    x = [0.3, -1.2, 2.5, 0.0, 1.1]
    assert M.ccc(x, x) == approx(1.0)
    # p = t + 1: var t = var p = cov = 1.25, mean gap 1 -> CCC = 2.5 / (1.25 + 1.25 + 1) = 5/7, Pearson = 1
    t, p = [1, 2, 3, 4], [2, 3, 4, 5]
    assert M.pearson(t, p) == approx(1.0)
    assert M.ccc(t, p) == approx(5 / 7)
    assert M.ccc(t, p) < M.pearson(t, p)


def test_pearson_sign_and_constant_ccc() -> None:
    assert M.pearson([1, 2, 3], [3, 2, 1]) == approx(-1.0)
    # constant prediction 2 vs t = 1 2 3: cov 0 -> CCC 0 (Pearson would be undefined)
    assert M.ccc([1, 2, 3], [2, 2, 2]) == 0.0


# --- sentiment (MMSA) ------------------------------------------------------------------------------


SENT_TRUE = [0.0, 0.0, -1.4, 2.6, 1.0, -0.4, 3.0, -2.2]
SENT_PRED = [0.3, -0.2, 0.6, 3.8, 0.0, 0.4, 2.5, -4.0]


def test_sentiment_report_hand_computed() -> None:
    r = M.sentiment_report(SENT_TRUE, SENT_PRED)
    assert list(r) == ["Acc-2", "F1", "Acc-2_has0", "F1_has0", "Acc-5", "Acc-7", "MAE", "Corr"]
    # Acc-2: drop idx 0, 1 (truth 0). truth>0 = [0,1,1,0,1,0], pred>0 = [1,1,0,1,1,0] (pred 0.0 is negative)
    #   matches idx 3, 6, 7 -> 3/6
    assert r["Acc-2"] == approx(0.5)
    # F1: pos: support 3, predicted 4, TP 2 -> 4/7 ; neg: support 3, predicted 2, TP 1 -> 2/5
    #   weighted = (3*4/7 + 3*2/5) / 6 = 17/35
    assert r["F1"] == approx(17 / 35)
    # has0: truth>=0 = [1,1,0,1,1,0,1,0], pred>=0 = [1,0,1,1,1,1,1,0] -> matches idx 0,3,4,6,7 = 5/8
    assert r["Acc-2_has0"] == approx(5 / 8)
    # pos: support 5, predicted 6, TP 4 -> 8/11 ; neg: support 3, predicted 2, TP 1 -> 2/5
    #   weighted = (5*8/11 + 3*2/5) / 8 = 133/220
    assert r["F1_has0"] == approx(133 / 220)
    # Acc-7: clip [-3,3] + np.round: truth 0 0 -1 3 1 -0 3 -2 ; pred 0 -0 1 3(3.8) 0 0 2(2.5 half-to-even) -3(-4.0)
    #   matches idx 0, 1, 3, 5 -> 4/8
    assert r["Acc-7"] == approx(0.5)
    # Acc-5: clip [-2,2] + round: truth 0 0 -1 2 1 -0 2 -2 ; pred 0 -0 1 2 0 0 2 -2 -> mismatches idx 2, 4 -> 6/8
    assert r["Acc-5"] == approx(0.75)
    # MAE = (0.3 + 0.2 + 2.0 + 1.2 + 1.0 + 0.8 + 0.5 + 1.8) / 8 = 7.8 / 8
    assert r["MAE"] == approx(0.975)
    assert r["Corr"] == approx(np.corrcoef(SENT_TRUE, SENT_PRED)[0, 1])  # independent reference
    assert M.acc2(SENT_TRUE, SENT_PRED) == r["Acc-2"]
    assert M.acc2(SENT_TRUE, SENT_PRED, exclude_zero=False) == r["Acc-2_has0"]
    assert M.acc5(SENT_TRUE, SENT_PRED) == r["Acc-5"]
    assert M.acc7(SENT_TRUE, SENT_PRED) == r["Acc-7"]


def test_acc7_clips_beyond_three_and_rounds_half_to_even() -> None:
    # truth 3.6 -> clip 3 -> 3 (unclipped it would round to 4); pred 2.6 -> 3 ; -3.6 -> -3 vs -9 -> -3
    assert M.acc7([3.6, -3.6], [2.6, -9.0]) == 1.0
    # np.round: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0
    assert M.acc7([0.5, 1.5, 2.5, -0.5], [0, 2, 2, 0]) == 1.0
    assert M.acc7([0.5], [1.0]) == 0.0
    # Acc-5 clips at 2: 2.6 -> 2 and 3.6 -> 2 agree
    assert M.acc5([3.6, -2.4], [2.6, -7.0]) == 1.0


def test_acc2_all_zero_truth_has_no_samples() -> None:
    with pytest.raises(EmptyInputError, match="Acc-2_has0"):
        M.acc2([0.0, 0.0], [1.0, -1.0])
    assert M.acc2([0.0, 0.0], [1.0, -1.0], exclude_zero=False) == 0.5


# --- torch inputs ---------------------------------------------------------------------------------


def test_torch_tensors_match_numpy() -> None:
    torch = pytest.importorskip("torch")
    t, p = torch.tensor(IMB_TRUE), torch.tensor(IMB_PRED)
    assert M.classification_report(t, p) == M.classification_report(np.array(IMB_TRUE), np.array(IMB_PRED))
    np.testing.assert_array_equal(M.confusion_matrix(t, p), M.confusion_matrix(IMB_TRUE, IMB_PRED))
    st_, sp = torch.tensor(SENT_TRUE), torch.tensor(SENT_PRED, requires_grad=True)
    expected = M.sentiment_report(np.float32(SENT_TRUE), np.float32(SENT_PRED))
    assert M.sentiment_report(st_, sp) == approx(expected)
    assert M.ccc(st_, sp) == approx(M.ccc(np.float32(SENT_TRUE), np.float32(SENT_PRED)))
    assert M.compute(["ACC", "UAR"], t, p) == {"ACC": approx(0.8), "UAR": approx(2 / 3)}


def test_module_never_imports_torch() -> None:
    tree = ast.parse(Path(M.__file__).read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not any(name.split(".")[0] == "torch" for name in imported)


# --- by name --------------------------------------------------------------------------------------


def test_metrics_table_and_compute() -> None:
    assert {"ACC", "UAR", "WF1", "MF1", "CCC", "MAE", "RMSE", "Corr"} <= set(M.METRICS)
    out = M.compute(["ACC", "UAR", "MF1"], IMB_TRUE, IMB_PRED)
    assert out == approx({"ACC": 0.8, "UAR": 2 / 3, "MF1": (12 / 13 + 1 / 2 + 2 / 3) / 3})
    assert M.compute("MAE", [1, 2, 3, 4], [1, 3, 2, 5]) == {"MAE": approx(0.75)}


def test_compute_unknown_name_lists_known() -> None:
    with pytest.raises(InputError, match="unknown metric") as info:
        M.compute(["ACC", "acc"], [0, 1], [0, 1])
    msg = str(info.value)
    assert "'acc'" in msg and "ACC, UAR, WF1, MF1, CCC, MAE, RMSE, Corr" in msg and "did you mean 'ACC'" in msg


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "y_true", "y_pred", "error", "match"),
    [
        (M.accuracy, [0, 1, 1], [0, 1], ShapeError, "same length, got 3 and 2"),
        (M.ccc, [0.1, 0.2], [0.1], ShapeError, "same length"),
        (M.accuracy, [[0, 1], [1, 0]], [[0, 1], [1, 0]], ShapeError, r"y_true must be 1-D.*\(2, 2\)"),
        (M.uar, 3, 3, ShapeError, "1-D"),
        (M.accuracy, [0, 1], [0, float("nan")], NonFiniteError, "y_pred must be finite.*index 1"),
        (M.mae, [0.0, float("inf")], [0.0, 1.0], NonFiniteError, "y_true must be finite"),
        (M.accuracy, [], [], EmptyInputError, "y_true is empty"),
        (M.ccc, [], [], EmptyInputError, "empty"),
        (M.macro_f1, [0, 1], [0.5, 1.0], LabelError, r"y_pred must hold integer class ids, got 0\.5"),
        (M.accuracy, ["a", "b"], ["a", "b"], DTypeError, "real numbers"),
        (M.pearson, [1.0, 2.0, 3.0], [0.5, 0.5, 0.5], InputError, "y_pred has zero variance.*ccc or mae"),
        (M.pearson, [2, 2], [1, 3], InputError, "y_true has zero variance"),
        (M.ccc, [2, 2], [2, 2], InputError, "0/0"),
        (M.confusion_matrix, [0, -1], [0, 1], LabelError, r"y_true must hold class indices in \[0, 2\)"),
    ],
)
def test_bad_input_raises_typed_error(fn, y_true, y_pred, error, match) -> None:
    with pytest.raises(error, match=match):
        fn(y_true, y_pred)


def test_bad_labels_and_num_classes() -> None:
    with pytest.raises(LabelError, match="must not repeat"):
        M.macro_f1([0, 1], [0, 1], labels=[0, 0, 1])
    with pytest.raises(LabelError, match="labels must hold integer"):
        M.uar([0, 1], [0, 1], labels=[0.5])
    with pytest.raises(LabelError, match=r"y_pred must hold class indices in \[0, 2\)"):
        M.confusion_matrix([0, 1], [0, 2], num_classes=2)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(InputError, match="num_classes must be a positive int"):
            M.confusion_matrix([0, 1], [0, 1], num_classes=bad)


def test_input_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        M.accuracy([0, 1], [0])


# --- properties -----------------------------------------------------------------------------------

label_pairs = st.integers(1, 30).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 4), min_size=n, max_size=n), st.lists(st.integers(0, 4), min_size=n, max_size=n))
)


@settings(max_examples=60, deadline=None)
@given(label_pairs)
def test_accuracy_is_trace_over_n_and_scores_are_fractions(pair) -> None:
    y_true, y_pred = pair
    cm = M.confusion_matrix(y_true, y_pred, num_classes=5)
    assert cm.sum() == len(y_true)
    assert M.accuracy(y_true, y_pred) == approx(np.trace(cm) / len(y_true))
    assert all(0.0 <= v <= 1.0 for v in M.classification_report(y_true, y_pred).values())


@settings(max_examples=60, deadline=None)
@given(label_pairs, st.randoms(use_true_random=False))
def test_metrics_invariant_to_sample_order(pair, rnd) -> None:
    y_true, y_pred = pair
    order = list(range(len(y_true)))
    rnd.shuffle(order)
    shuffled = ([y_true[i] for i in order], [y_pred[i] for i in order])
    assert M.classification_report(*shuffled) == approx(M.classification_report(y_true, y_pred))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_uar_equals_accuracy_when_classes_balanced(k, per_class, data) -> None:
    # each of k classes has per_class samples: UAR = sum_c TP_c / (k * per_class) = ACC
    y_true = [c for c in range(k) for _ in range(per_class)]
    y_pred = data.draw(st.lists(st.integers(0, k), min_size=len(y_true), max_size=len(y_true)))
    assert M.uar(y_true, y_pred) == approx(M.accuracy(y_true, y_pred))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=2, max_size=20))
def test_ccc_bounded_by_pearson(pairs) -> None:
    t, p = np.array(pairs).T
    assume(np.ptp(t) > 1e-3 and np.ptp(p) > 1e-3)
    assert abs(M.ccc(t, p)) <= abs(M.pearson(t, p)) + 1e-9


# --- the names speech papers use, the percent table, the column order -------------------------------------------


def test_ua_and_wa_against_hand_computed_values():
    # recalls: class 0 2/3, class 1 1/1, class 2 1/2 -> UA = (2/3 + 1 + 1/2) / 3 = 13/18; WA = 4/6 correct
    y_true, y_pred = [0, 0, 0, 1, 2, 2], [0, 0, 1, 1, 2, 0]
    assert M.compute(["UA", "WA"], y_true, y_pred) == {"UA": pytest.approx(13 / 18), "WA": pytest.approx(4 / 6)}
    report = M.classification_report(y_true, y_pred)
    assert M.lookup(report, "UA") == pytest.approx(13 / 18) and M.lookup(report, "WA") == pytest.approx(4 / 6)
    assert M.lookup(report, "UAR") == report["UAR"] and M.lookup(report, "CCC") is None
    assert M.canonical("UA") == "UAR" and M.canonical("wa") == "ACC" and M.canonical("MAE") == "MAE"
    with pytest.raises(InputError, match="did you mean 'UA'"):
        M.compute(["ua"], y_true, y_pred)


def test_one_percent_table_and_a_fixed_column_order():
    assert all(M.is_percent(n) for n in ("ACC", "UAR", "UA", "WA", "wa", "Acc-2", "ACC-7", "WF1", "MF1", "F1_has0"))
    assert not any(M.is_percent(n) for n in ("MAE", "Corr", "CCC", "RMSE", "MMD2"))
    from emozoo.bench import report
    from emozoo.hub import cards

    assert report.PERCENT_METRICS is M.PERCENT_METRICS and not hasattr(cards, "PERCENT_METRICS")
    assert M.ordered(["MAE", "zeta", "MF1", "ACC", "UAR"]) == ["ACC", "UAR", "MF1", "MAE", "zeta"]
    assert M.ordered(["MAE", "ACC", "UAR"], headline="UA") == ["UAR", "ACC", "MAE"]
    assert M.ordered(["MAE", "ACC"], headline="CCC") == ["ACC", "MAE"]  # a headline not measured is not invented


def test_multilabel_report_against_hand_counts() -> None:
    t = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    p = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1]])
    out = M.multilabel_report(t, p, ["a", "b", "c"])
    # class a: TP 2 FP 0 FN 0 -> 1; b: TP 1 FP 1 FN 1 -> 0.5; c: TP 1 FP 0 FN 1 -> 2/3
    assert out["F1:a"] == 1.0 and out["F1:b"] == 0.5 and out["F1:c"] == pytest.approx(2 / 3)
    assert out["MF1"] == pytest.approx((1 + 0.5 + 2 / 3) / 3)
    assert out["WF1"] == pytest.approx((2 * 1 + 2 * 0.5 + 2 * 2 / 3) / 6)
    assert out["microF1"] == pytest.approx(2 * 4 / (2 * 4 + 1 + 2))
    assert out["ACC"] == 0.25  # only row 1 is exactly right
    assert M.multilabel_report(np.zeros((2, 2)), np.zeros((2, 2)))["MF1"] == 0.0  # zero_division = 0
    with pytest.raises(LabelError, match="0 or 1"):
        M.multilabel_report(t, p * 0.5)
    with pytest.raises(ShapeError, match="\\[N, K\\]"):
        M.multilabel_report(t[0], p[0])
    with pytest.raises(ShapeError, match="same classes"):
        M.multilabel_report(t, p[:, :2])


def test_dimensional_report_per_dimension_and_mean() -> None:
    t = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 3.0], [4.0, 1.0]])
    p = np.array([[1.5, 1.0], [2.5, 2.0], [3.5, 3.0], [4.5, 4.0]])
    out = M.dimensional_report(t, p, ["V", "A"])
    assert out["r:V"] == pytest.approx(1.0) and out["MAE:V"] == pytest.approx(0.5)
    assert out["r:A"] == pytest.approx(np.corrcoef(t[:, 1], p[:, 1])[0, 1])
    assert out["Corr"] == pytest.approx((out["r:V"] + out["r:A"]) / 2) and out["MAE"] == pytest.approx((0.5 + 1.5) / 2)
    with pytest.raises(InputError, match="zero variance"):
        M.dimensional_report(t, np.ones_like(t))
    with pytest.raises(ShapeError, match="names"):
        M.dimensional_report(t, p, ["V"])
