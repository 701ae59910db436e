"""Classic bugs in chapter 1 (the perceptron) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    Mutant(
        name="strict_step",
        description="predict uses > instead of >=, so a point exactly on the boundary gets 0",
        cell="predict",
        old="return (scores >= 0).astype(np.int64)",
        new="return (scores > 0).astype(np.int64)",
        # update and training reuse predict; training starts at w = 0, b = 0, where every score is 0
        fails=frozenset({"test_predict", "test_perceptron_update", "test_train_perceptron"}),
    ),
    Mutant(
        name="boolean_predictions",
        description="predict returns the booleans of the comparison instead of int64 labels",
        cell="predict",
        old="return (scores >= 0).astype(np.int64)",
        new="return scores >= 0",
        # the XOR network is built from predict, so its output is boolean too
        fails=frozenset({"test_predict", "test_xor_network"}),
    ),
    Mutant(
        name="update_sign_flipped",
        description="the update uses y_hat - y, pushing the boundary away from a misclassified point",
        cell="perceptron_update",
        old="error = y - y_hat",
        new="error = y_hat - y",
        fails=frozenset({"test_perceptron_update", "test_train_perceptron"}),
    ),
    Mutant(
        name="bias_not_updated",
        description="the update changes the weights but leaves the bias where it was",
        cell="perceptron_update",
        old="b_new = b + lr * error",
        new="b_new = b",
        fails=frozenset({"test_perceptron_update", "test_train_perceptron"}),
    ),
    Mutant(
        name="learning_rate_ignored",
        description="the update always takes a step of size 1, whatever the learning rate",
        cell="perceptron_update",
        old="w_new = w + lr * error * x\n    b_new = b + lr * error",
        new="w_new = w + error * x\n    b_new = b + error",
        fails=frozenset({"test_perceptron_update", "test_train_perceptron"}),
    ),
    Mutant(
        name="update_in_place",
        description="the update modifies the caller's weight array in place (w += ...)",
        cell="perceptron_update",
        old="w_new = w + lr * error * x",
        new="w_new = w\n    w_new += lr * error * x",
        # training starts from its own zero array, so its results are still right
        fails=frozenset({"test_perceptron_update"}),
    ),
    Mutant(
        name="clean_epoch_not_recorded",
        description="training stops on a clean epoch before recording it, so the mistakes "
                    "list lacks its final 0",
        cell="train_perceptron",
        old="mistakes.append(count)\n        if count == 0:\n            break",
        new="if count == 0:\n            break\n        mistakes.append(count)",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="one_epoch_short",
        description="training runs at most max_epochs - 1 epochs",
        cell="train_perceptron",
        old="for epoch in range(max_epochs):",
        new="for epoch in range(max_epochs - 1):",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="stops_after_first_epoch",
        description="training returns after one epoch instead of repeating until a clean pass",
        cell="train_perceptron",
        old="if count == 0:\n            break",
        new="break",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="stale_predictions",
        description="training predicts the whole epoch with the weights from its start, "
                    "not after each update",
        cell="train_perceptron",
        old="for x_i, y_i in zip(X, y):\n            if predict(x_i[None, :], w, b)[0] != y_i:",
        new="y_hat_epoch = predict(X, w, b)\n"
            "        for x_i, y_i, p_i in zip(X, y, y_hat_epoch):\n"
            "            if p_i != y_i:",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="and_bias_on_boundary",
        description="AND with bias -1, so the inputs (0, 1) and (1, 0) score exactly 0 and fire",
        cell="gate_weights",
        old='"and": ([1.0, 1.0], -1.5)',
        new='"and": ([1.0, 1.0], -1.0)',
        fails=frozenset({"test_gate_weights"}),
    ),
    Mutant(
        name="xor_output_is_or",
        description="the XOR network's output unit computes OR of the hidden units instead of AND",
        cell="xor_network",
        old="return predict(hidden, np.array([1.0, 1.0]), -1.5)",
        new="return predict(hidden, np.array([1.0, 1.0]), -0.5)",
        fails=frozenset({"test_xor_network"}),
    ),
    Mutant(
        name="multi_output_no_bias",
        description="multi_output_predict forgets to add the biases",
        cell="multi_output_predict",
        old="scores = X @ W + b",
        new="scores = X @ W",
        fails=frozenset({"test_multi_output_predict"}),
    ),
    Mutant(
        name="multi_output_strict_step",
        description="multi_output_predict uses > instead of >=",
        cell="multi_output_predict",
        old="return (scores >= 0).astype(np.int64)",
        new="return (scores > 0).astype(np.int64)",
        fails=frozenset({"test_multi_output_predict"}),
    ),
    # --- added for issue 8: size-1 dimensions, empty batches, margins, optional arguments ---
    Mutant(
        name="predict_squeezes",
        description="predict squeezes the scores, so a batch of one point gives a 0-d array",
        cell="predict",
        old="scores = X @ w + b",
        new="scores = (X @ w + b).squeeze()",
        # update and training index predict(x[None, :], ...)[0]; the XOR network on one row
        fails=frozenset({"test_predict", "test_perceptron_update", "test_train_perceptron",
                         "test_xor_network"}),
    ),
    Mutant(
        name="predict_loop_empty_float",
        description="predict builds its result from a Python list, which is float64 when empty",
        cell="predict",
        old="scores = X @ w + b\n    return (scores >= 0).astype(np.int64)",
        new="return np.array([int(x @ w + b >= 0) for x in X])",
        # the XOR network passes an empty batch through predict
        fails=frozenset({"test_predict", "test_xor_network"}),
    ),
    Mutant(
        name="gate_scores_not_distances",
        description="AND gets large scores (weights 3, 3, bias -4) but (0, 1) is only 0.24 "
                    "from its boundary: scores were made large, not distances",
        cell="gate_weights",
        old='"and": ([1.0, 1.0], -1.5)',
        new='"and": ([3.0, 3.0], -4.0)',
        fails=frozenset({"test_gate_weights"}),
    ),
    Mutant(
        name="nand_from_boundary_and",
        description="NAND negated from an AND with bias -1: right outputs, but (0, 1) and (1, 0) "
                    "lie on the boundary",
        cell="gate_weights",
        old='"nand": ([-1.0, -1.0], 1.5)',
        new='"nand": ([-1.0, -1.0], 1.0)',
        fails=frozenset({"test_gate_weights"}),
    ),
    Mutant(
        name="implies_reversed",
        description="IMPLIES computed as 'if x2 then x1': the weights point the wrong way",
        cell="gate_weights",
        old='"implies": ([-1.0, 1.0], 0.5)',
        new='"implies": ([1.0, -1.0], 0.5)',
        fails=frozenset({"test_gate_weights"}),
    ),
    Mutant(
        name="not_weight_scalar",
        description="NOT's single weight is returned as a number (shape ()), not an array of shape (1,)",
        cell="gate_weights",
        old='"not": ([-1.0], 0.5)',
        new='"not": (-1.0, 0.5)',
        fails=frozenset({"test_gate_weights"}),
    ),
    Mutant(
        name="update_bias_shape",
        description="the update forgets the [0] after predict, so the bias comes back with shape (1,)",
        cell="perceptron_update",
        old="y_hat = predict(x[None, :], w, b)[0]",
        new="y_hat = predict(x[None, :], w, b)",
        fails=frozenset({"test_perceptron_update", "test_train_perceptron"}),
    ),
    Mutant(
        name="update_always_applies",
        description="the update uses the signed label 2y - 1 as the error, so it also moves on "
                    "correctly classified points",
        cell="perceptron_update",
        old="error = y - y_hat",
        new="error = 2 * y - 1",
        # training only calls the update on mistakes, where 2y - 1 equals y - y_hat
        fails=frozenset({"test_perceptron_update"}),
    ),
    Mutant(
        name="train_ignores_lr",
        description="training calls the update with a learning rate of 1, whatever lr it was given",
        cell="train_perceptron",
        old="w, b = perceptron_update(w, b, x_i, y_i, lr)",
        new="w, b = perceptron_update(w, b, x_i, y_i, 1.0)",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="train_shuffles",
        description="training visits the points in a shuffled order instead of the given one",
        cell="train_perceptron",
        old="for x_i, y_i in zip(X, y):",
        new="for i in np.random.default_rng(0).permutation(len(X)):\n"
            "            x_i, y_i = X[i], y[i]",
        fails=frozenset({"test_train_perceptron"}),
    ),
    Mutant(
        name="multi_output_W_transposed",
        description="multi_output_predict multiplies by W.T, as if each row of W were a perceptron",
        cell="multi_output_predict",
        old="scores = X @ W + b",
        new="scores = X @ W.T + b",
        fails=frozenset({"test_multi_output_predict"}),
    ),
    Mutant(
        name="multi_output_squeezes",
        description="multi_output_predict squeezes its result, dropping a dimension of size 1",
        cell="multi_output_predict",
        old="return (scores >= 0).astype(np.int64)",
        new="return (scores >= 0).astype(np.int64).squeeze()",
        fails=frozenset({"test_multi_output_predict"}),
    ),
]

# Stops before the XOR network and the multi-output perceptron (few demo cells call them,
# so a version of this student whose stubs loop forever still grades quickly).
UNFINISHED = Unfinished(
    name="grace",
    stubs=frozenset({"xor_network", "multi_output_predict"}),
    fails=frozenset({"test_xor_network", "test_multi_output_predict"}),
)
