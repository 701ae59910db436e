"""Classic bugs in chapter 2 (cross-entropy, softmax, logistic regression) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    # --- stable_sigmoid ---
    Mutant(
        name="sigmoid_naive",
        description="stable_sigmoid is the textbook 1 / (1 + exp(-z)), which overflows for z near -1000",
        cell="stable_sigmoid",
        old="a = np.exp(-np.abs(z))  # in (0, 1], so it cannot overflow\n"
            "    return np.where(z >= 0, 1 / (1 + a), a / (1 + a))",
        new="return 1 / (1 + np.exp(-z))",
        # logistic_regression_step calls the sigmoid, and its tests reach scores of +-1000
        fails=frozenset({"test_stable_sigmoid", "test_logistic_regression_step"}),
    ),
    Mutant(
        name="sigmoid_float64_cast",
        description="stable_sigmoid converts its input to float64 'to be safe', so float32 scores come back float64",
        cell="stable_sigmoid",
        old="z = np.asarray(z)",
        new="z = np.asarray(z, dtype=np.float64)",
        fails=frozenset({"test_stable_sigmoid"}),
    ),
    # --- binary_cross_entropy ---
    Mutant(
        name="bce_sign_flipped",
        description="binary_cross_entropy forgets the minus sign and returns the (negative) mean log-likelihood",
        cell="binary_cross_entropy",
        old="return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
        new="return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
        fails=frozenset({"test_binary_cross_entropy"}),
    ),
    Mutant(
        name="bce_no_clipping",
        description="binary_cross_entropy takes logs without clipping, so p = 0 or 1 gives log(0)",
        cell="binary_cross_entropy",
        old="p = np.clip(p, eps, 1 - eps)\n    ",
        new="",
        fails=frozenset({"test_binary_cross_entropy"}),
    ),
    Mutant(
        name="bce_eps_ignored",
        description="binary_cross_entropy clips with the default 1e-7 whatever eps it is given",
        cell="binary_cross_entropy",
        old="p = np.clip(p, eps, 1 - eps)",
        new="p = np.clip(p, 1e-7, 1 - 1e-7)",
        fails=frozenset({"test_binary_cross_entropy"}),
    ),
    # --- binary_cross_entropy_with_logits ---
    Mutant(
        name="bce_logits_via_probabilities",
        description="binary_cross_entropy_with_logits goes through sigmoid and clipping, capping a mistake at 16.1",
        cell="binary_cross_entropy_with_logits",
        old="return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))",
        new="return binary_cross_entropy(stable_sigmoid(z), y)",
        fails=frozenset({"test_binary_cross_entropy_with_logits"}),
    ),
    Mutant(
        name="bce_logits_log_not_log1p",
        description="binary_cross_entropy_with_logits takes log(1 + x) instead of log1p(x), so tiny losses become 0",
        cell="binary_cross_entropy_with_logits",
        old="np.log1p(np.exp(-np.abs(z)))",
        new="np.log(1 + np.exp(-np.abs(z)))",
        fails=frozenset({"test_binary_cross_entropy_with_logits"}),
    ),
    # --- softmax ---
    Mutant(
        name="softmax_no_max_shift",
        description="softmax exponentiates the raw scores: fine on small logits, nan (overflow) on logits near 1000",
        cell="softmax",
        old="shifted = z - np.max(z, axis=axis, keepdims=True)",
        new="shifted = z",
        # the Jacobian and the cross-entropy gradient are built on softmax, and their tests use large logits
        fails=frozenset({"test_softmax", "test_softmax_jacobian", "test_cross_entropy_grad"}),
    ),
    Mutant(
        name="softmax_sum_over_everything",
        description="softmax divides by the sum of the whole array, so the rows of a batch do not each sum to 1",
        cell="softmax",
        old="return e / np.sum(e, axis=axis, keepdims=True)",
        new="return e / np.sum(e)",
        fails=frozenset({"test_softmax", "test_cross_entropy_grad"}),
    ),
    Mutant(
        name="softmax_ignores_axis",
        description="softmax always works along the last axis, whatever axis it is given",
        cell="softmax",
        old="shifted = z - np.max(z, axis=axis, keepdims=True)\n"
            "    e = np.exp(shifted)\n"
            "    return e / np.sum(e, axis=axis, keepdims=True)",
        new="shifted = z - np.max(z, axis=-1, keepdims=True)\n"
            "    e = np.exp(shifted)\n"
            "    return e / np.sum(e, axis=-1, keepdims=True)",
        fails=frozenset({"test_softmax"}),
    ),
    Mutant(
        name="softmax_tau_multiplies",
        description="softmax multiplies the scores by the temperature instead of dividing by it",
        cell="softmax",
        old="z = z / tau",
        new="z = z * tau",
        fails=frozenset({"test_softmax"}),
    ),
    # --- one_hot ---
    Mutant(
        name="one_hot_negative_labels_wrap",
        description="one_hot checks only the upper bound, so NumPy silently reads the label -1 as the last class",
        cell="one_hot",
        old="if np.any((labels < 0) | (labels >= num_classes)):",
        new="if np.any(labels >= num_classes):",
        fails=frozenset({"test_one_hot"}),
    ),
    Mutant(
        name="one_hot_validation_breaks_empty",
        description="one_hot validates with labels.min() and labels.max(), which raise on an empty batch",
        cell="one_hot",
        old="if np.any((labels < 0) | (labels >= num_classes)):",
        new="if labels.min() < 0 or labels.max() >= num_classes:",
        fails=frozenset({"test_one_hot"}),
    ),
    Mutant(
        name="one_hot_smoothing_over_other_classes",
        description="one_hot spreads the smoothing over the C - 1 wrong classes instead of over all C classes",
        cell="one_hot",
        old="return (1.0 - smoothing) * T + smoothing / num_classes",
        new="return (1.0 - smoothing) * T + smoothing / (num_classes - 1) * (1.0 - T)",
        # cross_entropy_grad builds its smoothed targets with one_hot
        fails=frozenset({"test_one_hot", "test_cross_entropy_grad"}),
    ),
    # --- cross_entropy ---
    Mutant(
        name="reduction_swapped",
        description="cross_entropy returns the mean for reduction='sum' and the sum for reduction='mean'",
        cell="cross_entropy",
        old='if reduction == "sum":',
        new='if reduction == "mean":',
        fails=frozenset({"test_cross_entropy"}),
    ),
    Mutant(
        name="cross_entropy_log_of_softmax",
        description="cross_entropy takes -log(softmax(logits)), which is inf when the true class's probability underflows",
        cell="cross_entropy",
        old="m = np.max(logits, axis=1, keepdims=True)  # (N, 1): each row's largest score\n"
            "    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))  # (N, 1)\n"
            "    losses = lse[:, 0] - logits[np.arange(N), labels]",
        new="losses = -np.log(softmax(logits, axis=1)[np.arange(N), labels])",
        fails=frozenset({"test_cross_entropy"}),
    ),
    Mutant(
        name="cross_entropy_labels_column_slice",
        description="cross_entropy picks logits[:, labels], an N x N block, instead of one score per row",
        cell="cross_entropy",
        old="logits[np.arange(N), labels]",
        new="logits[:, labels]",
        fails=frozenset({"test_cross_entropy"}),
    ),
    Mutant(
        name="cross_entropy_none_squeezed",
        description="cross_entropy squeezes its (N, 1) losses, so reduction='none' on one example gives shape ()",
        cell="cross_entropy",
        old="losses = lse[:, 0] - logits[np.arange(N), labels]",
        new="losses = (lse - logits[np.arange(N), labels][:, None]).squeeze()",
        fails=frozenset({"test_cross_entropy"}),
    ),
    # --- softmax_jacobian ---
    Mutant(
        name="jacobian_diagonal_only",
        description="softmax_jacobian keeps only the diagonal p_c (1 - p_c) and forgets the off-diagonal -p_c p_k",
        cell="softmax_jacobian",
        old="return np.diag(p) - np.outer(p, p)",
        new="return np.diag(p * (1 - p))",
        fails=frozenset({"test_softmax_jacobian"}),
    ),
    Mutant(
        name="jacobian_inner_product",
        description="softmax_jacobian writes p^T p as p.T @ p, which for a 1-D p is the inner product, a number",
        cell="softmax_jacobian",
        old="return np.diag(p) - np.outer(p, p)",
        new="return np.diag(p) - p.T @ p",
        fails=frozenset({"test_softmax_jacobian"}),
    ),
    # --- cross_entropy_grad ---
    Mutant(
        name="grad_missing_one_over_n",
        description="cross_entropy_grad returns softmax(logits) - T, the gradient of the summed loss, not of the mean",
        cell="cross_entropy_grad",
        old="return (softmax(logits, axis=1) - T) / N",
        new="return softmax(logits, axis=1) - T",
        fails=frozenset({"test_cross_entropy_grad"}),
    ),
    Mutant(
        name="grad_one_hot_float64",
        description="cross_entropy_grad subtracts one_hot's float64 targets, so float32 logits give a float64 gradient",
        cell="cross_entropy_grad",
        old="T = one_hot(labels, C, smoothing).astype(logits.dtype)",
        new="T = one_hot(labels, C, smoothing)",
        fails=frozenset({"test_cross_entropy_grad"}),
    ),
    # --- logistic_regression_step ---
    Mutant(
        name="logistic_step_sums_gradient",
        description="logistic_regression_step sums the per-point gradients instead of averaging them",
        cell="logistic_regression_step",
        old="grad_w = X.T @ error / N\n    grad_b = error.sum() / N",
        new="grad_w = X.T @ error\n    grad_b = error.sum()",
        fails=frozenset({"test_logistic_regression_step"}),
    ),
    Mutant(
        name="logistic_step_uses_step_function",
        description="logistic_regression_step keeps the perceptron's hard 0/1 prediction instead of the sigmoid",
        cell="logistic_regression_step",
        old="p = stable_sigmoid(X @ w + b)",
        new="p = (X @ w + b >= 0).astype(np.float64)",
        fails=frozenset({"test_logistic_regression_step"}),
    ),
    Mutant(
        name="logistic_step_updates_w_in_place",
        description="logistic_regression_step updates w in place with -=, changing the caller's array",
        cell="logistic_regression_step",
        old="return w - lr * grad_w, float(b - lr * grad_b)",
        new="w -= lr * grad_w\n    return w, float(b - lr * grad_b)",
        fails=frozenset({"test_logistic_regression_step"}),
    ),
]

# Stops before the two backward passes (the Jacobian and the cross-entropy gradient); each is
# called by only a few demo cells.
UNFINISHED = Unfinished(
    name="emmy",
    stubs=frozenset({"softmax_jacobian", "cross_entropy_grad"}),
    fails=frozenset({"test_softmax_jacobian", "test_cross_entropy_grad"}),
)
