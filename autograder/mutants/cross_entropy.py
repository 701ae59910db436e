"""Classic bugs in chapter 2 (cross-entropy, softmax, logistic regression) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    Mutant(
        name="softmax_no_max_shift",
        description="softmax exponentiates the raw scores: fine on small logits, nan (overflow) on logits near 1000",
        cell="softmax",
        old="shifted = z - np.max(z, axis=axis, keepdims=True)",
        new="shifted = z",
        # the Jacobian and the cross-entropy gradient are built on softmax, and their hidden tests use large logits
        fails=frozenset({"test_softmax", "test_softmax_jacobian", "test_cross_entropy_grad"}),
    ),
    Mutant(
        name="grad_missing_one_over_n",
        description="cross_entropy_grad returns softmax(logits) - Y, the gradient of the summed loss, not of the mean",
        cell="cross_entropy_grad",
        old="return G / n",
        new="return G",
        # the visible tests use a single example (n = 1) and row sums, which this bug does not change
        fails=frozenset({"test_cross_entropy_grad"}),
    ),
    Mutant(
        name="bce_sign_flipped",
        description="binary_cross_entropy forgets the minus sign and returns the (negative) mean log-likelihood",
        cell="binary_cross_entropy",
        old="return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
        new="return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))",
        fails=frozenset({"test_binary_cross_entropy"}),
    ),
    Mutant(
        name="one_hot_int_dtype",
        description="one_hot builds an int64 matrix instead of float64",
        cell="one_hot",
        old="Y = np.zeros((len(labels), num_classes))",
        new="Y = np.zeros((len(labels), num_classes), dtype=np.int64)",
        fails=frozenset({"test_one_hot"}),
    ),
    Mutant(
        name="reduction_swapped",
        description="cross_entropy returns the mean for reduction='sum' and the sum for reduction='mean'",
        cell="cross_entropy",
        old='if reduction == "sum":',
        new='if reduction == "mean":',
        # the visible tests use single examples, where the mean and the sum agree
        fails=frozenset({"test_cross_entropy"}),
    ),
    Mutant(
        name="sigmoid_naive",
        description="stable_sigmoid is the textbook 1 / (1 + exp(-z)), which overflows for z near -1000",
        cell="stable_sigmoid",
        old="a = np.exp(-np.abs(z))  # in (0, 1], so it cannot overflow\n"
            "    return np.where(z >= 0, 1 / (1 + a), a / (1 + a))",
        new="return 1 / (1 + np.exp(-z))",
        # logistic_regression_step calls the sigmoid, and its hidden tests reach scores of +-1000
        fails=frozenset({"test_stable_sigmoid", "test_logistic_regression_step"}),
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
        name="bce_logits_via_probabilities",
        description="binary_cross_entropy_with_logits goes through sigmoid and clipping, capping a mistake at 16.1",
        cell="binary_cross_entropy_with_logits",
        old="return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))",
        new="return binary_cross_entropy(stable_sigmoid(z), y)",
        fails=frozenset({"test_binary_cross_entropy_with_logits"}),
    ),
    Mutant(
        name="cross_entropy_log_of_softmax",
        description="cross_entropy takes -log(softmax(logits)), which is inf when the true class's probability underflows",
        cell="cross_entropy",
        old="m = np.max(logits, axis=1)\n"
            "    lse = m + np.log(np.sum(np.exp(logits - m[:, None]), axis=1))\n"
            "    losses = lse - logits[np.arange(n), labels]",
        new="losses = -np.log(softmax(logits, axis=1)[np.arange(n), labels])",
        fails=frozenset({"test_cross_entropy"}),
    ),
    Mutant(
        name="jacobian_diagonal_only",
        description="softmax_jacobian keeps only the diagonal p_i (1 - p_i) and forgets the off-diagonal -p_i p_j",
        cell="softmax_jacobian",
        old="return np.diag(p) - np.outer(p, p)",
        new="return np.diag(p * (1 - p))",
        fails=frozenset({"test_softmax_jacobian"}),
    ),
    Mutant(
        name="logistic_step_sums_gradient",
        description="logistic_regression_step sums the per-point gradients instead of averaging them",
        cell="logistic_regression_step",
        old="grad_w = X.T @ error / n\n    grad_b = error.sum() / n",
        new="grad_w = X.T @ error\n    grad_b = error.sum()",
        # the visible tests use single points, where the sum and the mean agree
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
]

# Stops before the two backward passes (the Jacobian and the cross-entropy gradient); each is
# called by only one or two demo cells.
UNFINISHED = Unfinished(
    name="emmy",
    stubs=frozenset({"softmax_jacobian", "cross_entropy_grad"}),
    fails=frozenset({"test_softmax_jacobian", "test_cross_entropy_grad"}),
)
