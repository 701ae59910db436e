"""References for Chapter 10, evaluating classifiers.

The hidden tests of ``solutions/10_evaluation.md`` compare each graded exercise with
the function of the same name here. Most are thin wrappers around ``sklearn.metrics``
that pin down the conventions the chapter states; ``voc_ap`` has no scikit-learn
counterpart, so it is an independent PyTorch implementation, checked against
hand-worked values in ``tests/test_masters.py``.

Conventions shared with the chapter (scikit-learn 1.9):

* labels are 0/1 integers or booleans for the binary functions, 0 .. C-1 for the
  multi-class ones; the positive class is 1 (True);
* ``confusion_matrix`` has a row for every true class and a column for every
  predicted class, 0 .. n_classes - 1, int64, also for empty input (all zeros;
  scikit-learn refuses empty input);
* ``precision_recall_f1`` is ``precision_recall_fscore_support(average="binary")``:
  ``zero_division`` replaces a 0/0 precision or recall, and F-beta is computed from
  the counts, (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP), so that only a 0/0 there
  (no positives at all, none predicted) takes ``zero_division``;
* ``precision_recall_curve`` keeps every distinct score as a threshold (increasing),
  appends the point (precision 1, recall 0), and with no positives sets recall to 1
  at every threshold; thresholds keep the scores' dtype;
* ``average_precision`` is ``average_precision_score``: sum of (R_k - R_{k-1}) P_k
  over that curve, so 0.0 with no positives;
* ``roc_curve`` is ``roc_curve(drop_intermediate=False)``: a first threshold of +inf,
  float64 thresholds, NaN rates where a class is absent;
* ``roc_auc`` is ``roc_auc_score`` but raises ``ValueError`` when only one class is
  present (scikit-learn 1.9 warns and returns NaN; older versions raised);
* ``macro_micro_weighted`` is ``precision_recall_fscore_support(labels=range(C),
  average=...)`` with zero_division 0 or 1;
* ``voc_ap`` is the VOC/Detectron average precision from recall and precision
  arrays: all-point (precision envelope) or 11-point with thresholds k / 10.
"""

import warnings

import numpy as np
import torch
from sklearn import metrics


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _binary(y_true):
    return np.asarray(y_true).astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.size == 0:
        return np.zeros((n_classes, n_classes), dtype=np.int64)
    return metrics.confusion_matrix(y_true, y_pred, labels=np.arange(n_classes)).astype(
        np.int64)


def precision_recall_f1(y_true, y_pred, beta=1.0, zero_division=0.0):
    if np.asarray(y_true).size == 0:  # scikit-learn refuses; every ratio is 0/0
        return float(zero_division), float(zero_division), float(zero_division)
    p, r, f, _ = _quiet(metrics.precision_recall_fscore_support, _binary(y_true),
                        _binary(y_pred), beta=beta, average="binary", labels=[0, 1],
                        zero_division=zero_division)
    return float(p), float(r), float(f)


def precision_recall_curve(y_true, scores):
    return _quiet(metrics.precision_recall_curve, _binary(y_true), np.asarray(scores))


def average_precision(y_true, scores):
    return float(_quiet(metrics.average_precision_score, _binary(y_true),
                        np.asarray(scores)))


def roc_curve(y_true, scores):
    fpr, tpr, thr = _quiet(metrics.roc_curve, _binary(y_true), np.asarray(scores),
                           drop_intermediate=False)
    return fpr, tpr, thr.astype(np.float64)


def roc_auc(y_true, scores):
    y = _binary(y_true)
    if y.size == 0 or y.min() == y.max():
        raise ValueError("ROC AUC is undefined with only one class")
    return float(metrics.roc_auc_score(y, np.asarray(scores)))


def macro_micro_weighted(y_true, y_pred, n_classes, average, zero_division=0.0):
    p, r, f, _ = _quiet(metrics.precision_recall_fscore_support, np.asarray(y_true),
                        np.asarray(y_pred), labels=np.arange(n_classes), average=average,
                        zero_division=zero_division)
    return float(p), float(r), float(f)


def voc_ap(recall, precision, use_07_metric=False):
    """VOC average precision, in float64 PyTorch, written independently of the chapter."""
    rec = torch.as_tensor(np.asarray(recall, dtype=np.float64))
    prec = torch.as_tensor(np.asarray(precision, dtype=np.float64))
    if use_07_metric:
        total = torch.zeros((), dtype=torch.float64)
        for k in range(11):
            reached = rec >= k / 10
            if bool(reached.any()):
                total = total + prec[reached].max()
        return float(total / 11)
    one = torch.ones(1, dtype=torch.float64)
    r = torch.cat([0 * one, rec, one])
    p = torch.cat([0 * one, prec, 0 * one])
    # envelope: the best precision at this recall or any later point
    envelope = torch.flip(torch.cummax(torch.flip(p, [0]), 0).values, [0])
    widths = r[1:] - r[:-1]
    return float((widths * envelope[1:]).sum())
