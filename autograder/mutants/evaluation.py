"""Classic bugs in chapter 10 (evaluating classifiers) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

_ENDS = "ends = np.r_[np.flatnonzero(s_sorted[1:] != s_sorted[:-1]), s_sorted.size - 1]"

MUTANTS = [
    # --- confusion_matrix ---
    Mutant(
        name="cm_transposed",
        description="confusion_matrix puts predicted classes in rows and true ones in columns",
        cell="confusion_matrix",
        old="cells = y_true * n_classes + y_pred",
        new="cells = y_pred * n_classes + y_true",
        fails=frozenset({"test_confusion_matrix"}),
    ),
    Mutant(
        name="cm_fancy_index_add",
        description="confusion_matrix does M[y_true, y_pred] += 1, which counts a repeated pair once",
        cell="confusion_matrix",
        old="counts = np.bincount(cells, minlength=n_classes * n_classes)\n"
            "    return counts.reshape(n_classes, n_classes).astype(np.int64)",
        new="M = np.zeros((n_classes, n_classes), dtype=np.int64)\n"
            "    M[y_true, y_pred] += 1\n    return M",
        fails=frozenset({"test_confusion_matrix"}),
    ),
    Mutant(
        name="cm_classes_from_labels",
        description="confusion_matrix takes the number of classes from the largest label seen",
        cell="confusion_matrix",
        old="    # one number per",
        new="    n_classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1\n"
            "    # one number per",
        fails=frozenset({"test_confusion_matrix"}),
    ),
    Mutant(
        name="cm_float_counts",
        description="confusion_matrix returns float counts (np.zeros' default dtype)",
        cell="confusion_matrix",
        old="return counts.reshape(n_classes, n_classes).astype(np.int64)",
        new="return counts.reshape(n_classes, n_classes).astype(np.float64)",
        fails=frozenset({"test_confusion_matrix"}),
    ),
    # --- precision_recall_f1 ---
    Mutant(
        name="prf_f_from_replaced_ratios",
        description="precision_recall_f1 takes the harmonic mean of precision and recall after "
                    "zero_division replaced them (NaN where sklearn gives 0)",
        cell="precision_recall_f1",
        old="f = ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)",
        new="f = ratio((1 + b2) * precision * recall, b2 * precision + recall)",
        fails=frozenset({"test_precision_recall_f1"}),
    ),
    Mutant(
        name="prf_beta_not_squared",
        description="precision_recall_f1 uses beta where F-beta has beta squared",
        cell="precision_recall_f1",
        old="b2 = beta * beta",
        new="b2 = beta",
        fails=frozenset({"test_precision_recall_f1"}),
    ),
    Mutant(
        name="prf_beta_weighs_fp",
        description="precision_recall_f1 puts beta^2 on the false positives instead of the misses",
        cell="precision_recall_f1",
        old="(1 + b2) * tp + b2 * fn + fp)",
        new="(1 + b2) * tp + fn + b2 * fp)",
        fails=frozenset({"test_precision_recall_f1"}),
    ),
    Mutant(
        name="prf_zero_division_ignored",
        description="precision_recall_f1 always gives 0 for 0/0, whatever zero_division says",
        cell="precision_recall_f1",
        old="else float(zero_division)",
        new="else 0.0",
        fails=frozenset({"test_precision_recall_f1"}),
    ),
    Mutant(
        name="prf_fp_fn_swapped",
        description="precision_recall_f1 counts misses as false positives and the other way round",
        cell="precision_recall_f1",
        old="fp = int(np.count_nonzero(~y_true & y_pred))",
        new="fp = int(np.count_nonzero(y_true & ~y_pred))",
        fails=frozenset({"test_precision_recall_f1"}),
    ),
    # --- precision_recall_curve ---
    Mutant(
        name="prc_no_tie_grouping",
        description="precision_recall_curve makes a threshold of every example, ties included",
        cell="precision_recall_curve",
        old=_ENDS,
        new="ends = np.arange(s_sorted.size)",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_first_of_tie",
        description="precision_recall_curve counts only the first example of a run of ties",
        cell="precision_recall_curve",
        old=_ENDS,
        new="ends = np.r_[0, np.flatnonzero(s_sorted[1:] != s_sorted[:-1]) + 1]",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_no_closing_point",
        description="precision_recall_curve leaves out the final (precision 1, recall 0) point",
        cell="precision_recall_curve",
        old="return (np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0],",
        new="return (precision[::-1].copy(), recall[::-1].copy(),",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_decreasing_thresholds",
        description="precision_recall_curve keeps the sorted order (thresholds decreasing)",
        cell="precision_recall_curve",
        old="return (np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0],\n"
            "            s_sorted[ends][::-1].copy())",
        new="return (np.r_[precision, 1.0], np.r_[recall, 0.0], s_sorted[ends].copy())",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_thresholds_float64",
        description="precision_recall_curve turns the thresholds into float64",
        cell="precision_recall_curve",
        old="s_sorted[ends][::-1].copy())",
        new="s_sorted[ends][::-1].astype(np.float64))",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_recall_unguarded",
        description="precision_recall_curve divides by zero positives (recall NaN, not 1)",
        cell="precision_recall_curve",
        old="if tp[-1] > 0:",
        new="if True:",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    Mutant(
        name="prc_recall_zero_without_positives",
        description="precision_recall_curve sets recall to 0 when there are no positives",
        cell="precision_recall_curve",
        old="recall = np.ones(tp.shape)",
        new="recall = np.zeros(tp.shape)",
        fails=frozenset({"test_precision_recall_curve"}),
    ),
    # --- average_precision ---
    Mutant(
        name="ap_interpolated",
        description="average_precision uses the precision envelope (VOC all-point), not the curve",
        cell="average_precision",
        old="return float(np.sum(gained * tp / (tp + fp)))",
        new="return float(np.sum(gained * np.maximum.accumulate((tp / (tp + fp))[::-1])[::-1]))",
        fails=frozenset({"test_average_precision"}),
    ),
    Mutant(
        name="ap_trapezoid",
        description="average_precision integrates the curve with the trapezoid rule",
        cell="average_precision",
        old="return float(np.sum(gained * tp / (tp + fp)))",
        new="return float(np.trapezoid(np.r_[1.0, tp / (tp + fp)], np.r_[0.0, tp / tp[-1]]))",
        fails=frozenset({"test_average_precision"}),
    ),
    Mutant(
        name="ap_no_tie_grouping",
        description="average_precision makes a threshold of every example, ties included",
        cell="average_precision",
        old=_ENDS,
        new="ends = np.arange(s_sorted.size)",
        fails=frozenset({"test_average_precision"}),
    ),
    Mutant(
        name="ap_nan_without_positives",
        description="average_precision divides by zero positives (NaN instead of 0.0)",
        cell="average_precision",
        old="    if tp[-1] == 0:\n        return 0.0\n",
        new="",
        fails=frozenset({"test_average_precision"}),
    ),
    # --- voc_ap ---
    Mutant(
        name="voc_arange_thresholds",
        description="voc_ap's 11 thresholds come from np.arange(0, 1.1, 0.1), so 0.3 is 0.300...04",
        cell="voc_ap",
        old="reached = prec[rec >= k / 10]",
        new="reached = prec[rec >= np.arange(0.0, 1.1, 0.1)[k]]",
        fails=frozenset({"test_voc_ap"}),
    ),
    Mutant(
        name="voc_11_strict",
        description="voc_ap's 11-point variant counts recall > t instead of >= t",
        cell="voc_ap",
        old="reached = prec[rec >= k / 10]",
        new="reached = prec[rec > k / 10]",
        fails=frozenset({"test_voc_ap"}),
    ),
    Mutant(
        name="voc_11_divide_by_10",
        description="voc_ap averages the 11 values over 10",
        cell="voc_ap",
        old="return float(total / 11)",
        new="return float(total / 10)",
        fails=frozenset({"test_voc_ap"}),
    ),
    Mutant(
        name="voc_envelope_from_left",
        description="voc_ap takes the running maximum from the left (precision so far)",
        cell="voc_ap",
        old="p = np.maximum.accumulate(p[::-1])[::-1]",
        new="p = np.maximum.accumulate(p)",
        fails=frozenset({"test_voc_ap"}),
    ),
    Mutant(
        name="voc_no_envelope",
        description="voc_ap sums the raw precision, without the envelope",
        cell="voc_ap",
        old="p = np.maximum.accumulate(p[::-1])[::-1]",
        new="pass",
        fails=frozenset({"test_voc_ap"}),
    ),
    Mutant(
        name="voc_left_endpoint",
        description="voc_ap weighs each recall step by the envelope where the step starts",
        cell="voc_ap",
        old="* p[steps + 1]",
        new="* p[steps]",
        fails=frozenset({"test_voc_ap"}),
    ),
    # --- roc_curve ---
    Mutant(
        name="roc_no_start_point",
        description="roc_curve has no (0, 0) point at the threshold +inf",
        cell="roc_curve",
        old="tp = np.r_[0, np.cumsum(y_sorted)[ends]]\n"
            "    fp = np.r_[0, np.cumsum(1 - y_sorted)[ends]]\n"
            "    thresholds = np.r_[np.inf, s_sorted[ends].astype(np.float64)]",
        new="tp = np.cumsum(y_sorted)[ends]\n"
            "    fp = np.cumsum(1 - y_sorted)[ends]\n"
            "    thresholds = s_sorted[ends].astype(np.float64)",
        fails=frozenset({"test_roc_curve"}),
    ),
    Mutant(
        name="roc_max_plus_one",
        description="roc_curve starts at the threshold max(scores) + 1, as old scikit-learn did",
        cell="roc_curve",
        old="thresholds = np.r_[np.inf,",
        new="thresholds = np.r_[s_sorted[0] + 1.0,",
        fails=frozenset({"test_roc_curve"}),
    ),
    Mutant(
        name="roc_no_tie_grouping",
        description="roc_curve makes a threshold of every example, ties included",
        cell="roc_curve",
        old=_ENDS,
        new="ends = np.arange(s_sorted.size)",
        fails=frozenset({"test_roc_curve"}),
    ),
    Mutant(
        name="roc_fpr_over_all",
        description="roc_curve divides false positives by N instead of by the negatives",
        cell="roc_curve",
        old="return fp / fp[-1],",
        new="return fp / y.size,",
        fails=frozenset({"test_roc_curve"}),
    ),
    # --- roc_auc ---
    Mutant(
        name="auc_ties_win",
        description="roc_auc gives tied scores the highest rank of their run (a tie counts as a win)",
        cell="roc_auc",
        old="mid_rank = last_rank - (sizes - 1) / 2",
        new="mid_rank = last_rank",
        fails=frozenset({"test_roc_auc"}),
    ),
    Mutant(
        name="auc_nan_for_one_class",
        description="roc_auc returns NaN instead of raising when only one class is present",
        cell="roc_auc",
        old='raise ValueError("roc_auc needs at least one positive and one negative example")',
        new='return float("nan")',
        fails=frozenset({"test_roc_auc"}),
    ),
    Mutant(
        name="auc_pairs_off_by_one",
        description="roc_auc subtracts n_pos (n_pos - 1) / 2 from the positives' rank sum",
        cell="roc_auc",
        old="(rank_sum - n_pos * (n_pos + 1) / 2)",
        new="(rank_sum - n_pos * (n_pos - 1) / 2)",
        fails=frozenset({"test_roc_auc"}),
    ),
    # --- macro_micro_weighted ---
    Mutant(
        name="mmw_f1_of_averages",
        description="macro_micro_weighted returns the F1 of the averaged precision and recall",
        cell="macro_micro_weighted",
        old="return tuple(float(np.average(v, weights=weights)) for v in per_class)",
        new="p, r = (float(np.average(v, weights=weights)) for v in per_class[:2])\n"
            "    return p, r, (2 * p * r / (p + r) if p + r > 0 else float(zero_division))",
        fails=frozenset({"test_macro_micro_weighted"}),
    ),
    Mutant(
        name="mmw_macro_over_present_classes",
        description="macro_micro_weighted's macro average skips classes that never occur",
        cell="macro_micro_weighted",
        old='weights = support if average == "weighted" else np.ones(n_classes)',
        new='weights = support if average == "weighted" else (support + predicted > 0)',
        fails=frozenset({"test_macro_micro_weighted"}),
    ),
    Mutant(
        name="mmw_weighted_by_predictions",
        description="macro_micro_weighted weighs the classes by how often they are predicted",
        cell="macro_micro_weighted",
        old='weights = support if average == "weighted"',
        new='weights = predicted if average == "weighted"',
        fails=frozenset({"test_macro_micro_weighted"}),
    ),
    Mutant(
        name="mmw_micro_is_macro",
        description="macro_micro_weighted computes micro like macro (no pooling of counts)",
        cell="macro_micro_weighted",
        old='if average == "micro":  # pool',
        new='if False:  # pool',
        fails=frozenset({"test_macro_micro_weighted"}),
    ),
    Mutant(
        name="mmw_zero_division_ignored",
        description="macro_micro_weighted always gives 0 for 0/0, whatever zero_division says",
        cell="macro_micro_weighted",
        old="out = np.full(num.shape, float(zero_division))",
        new="out = np.zeros(num.shape)",
        fails=frozenset({"test_macro_micro_weighted"}),
    ),
]

UNFINISHED = Unfinished(
    name="ines",
    stubs=frozenset({"voc_ap", "roc_auc"}),
    fails=frozenset({"test_voc_ap", "test_roc_auc"}),
)
