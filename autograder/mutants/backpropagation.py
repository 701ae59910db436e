"""Classic bugs in chapter 3 (backpropagation) and the graded tests that must catch each.

``backward`` reuses ``dense_forward`` (through the chapter's ``forward``), ``output_error``,
``dense_backward`` and ``sigmoid_derivative``, and ``train_step`` reuses ``backward``, so a
bug in a building block also fails the tests of the exercises built on it.
``gradient_check`` reuses ``numeric_gradient``.
"""

from autograder.mutants import Mutant, Unfinished

_BUILT_ON_DENSE_BACKWARD = frozenset({"test_dense_backward", "test_backward", "test_train_step"})
_BUILT_ON_OUTPUT_ERROR = frozenset({"test_output_error", "test_backward", "test_train_step"})

MUTANTS = [
    # dense_forward
    Mutant(
        name="forward_without_bias",
        description="dense_forward forgets to add the bias",
        cell="dense_forward",
        old="return X @ W + b",
        new="return X @ W",
        # the chapter's forward pass is built from dense_forward
        fails=frozenset({"test_dense_forward", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="forward_always_float64",
        description="dense_forward converts X to float64 'to be safe', so float32 in gives float64 out",
        cell="dense_forward",
        old="return X @ W + b",
        new="return np.asarray(X, dtype=np.float64) @ W + b",
        fails=frozenset({"test_dense_forward"}),
    ),
    # sigmoid_derivative
    Mutant(
        name="sigmoid_derivative_of_z",
        description="sigmoid_derivative computes sigma(z) * (1 - z) instead of sigma(z) * (1 - sigma(z))",
        cell="sigmoid_derivative",
        old="return s * (1 - s)",
        new="return s * (1 - z)",
        # backward uses it for sigmoid networks, and train_step's tests include some
        fails=frozenset({"test_sigmoid_derivative", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="sigmoid_derivative_direct_formula",
        description="sigmoid_derivative uses exp(-z) / (1 + exp(-z))**2, which is nan for z = -1000",
        cell="sigmoid_derivative",
        old="s = sigmoid(z)\n    return s * (1 - s)",
        new="return np.exp(-z) / (1 + np.exp(-z)) ** 2",
        fails=frozenset({"test_sigmoid_derivative"}),
    ),
    Mutant(
        name="sigmoid_derivative_float64",
        description="sigmoid_derivative converts z to float64, so float32 in gives float64 out",
        cell="sigmoid_derivative",
        old="s = sigmoid(z)",
        new="s = sigmoid(np.asarray(z, dtype=np.float64))",
        fails=frozenset({"test_sigmoid_derivative"}),
    ),
    # output_error
    Mutant(
        name="output_error_summed",
        description="output_error forgets to divide by the batch size (the gradient of the summed loss)",
        cell="output_error",
        old="return (P - Y) / N",
        new="return P - Y",
        fails=_BUILT_ON_OUTPUT_ERROR,
    ),
    Mutant(
        name="one_hot_by_column",
        description="output_error sets Y[:, labels] = 1, filling whole columns instead of one entry per row",
        cell="output_error",
        old="Y[np.arange(N), labels] = 1",
        new="Y[:, labels] = 1",
        fails=_BUILT_ON_OUTPUT_ERROR,
    ),
    Mutant(
        name="output_error_unshifted_softmax",
        description="output_error computes its own softmax without subtracting the row maximum",
        cell="output_error",
        old="P = softmax(logits)",
        new="P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)",
        # the network tests never reach logits large enough to overflow
        fails=frozenset({"test_output_error"}),
    ),
    Mutant(
        name="one_hot_float64",
        description="output_error builds Y with np.zeros(P.shape), so float32 logits give float64",
        cell="output_error",
        old="Y = np.zeros_like(P)",
        new="Y = np.zeros(P.shape)",
        fails=frozenset({"test_output_error"}),
    ),
    # dense_backward
    Mutant(
        name="transposed_weight_gradient",
        description="dense_backward returns dZ.T @ X, the transpose of the weight gradient",
        cell="dense_backward",
        old="dW = X.T @ dZ",
        new="dW = dZ.T @ X",
        # non-square layers give the wrong shape; square ones the right shape with wrong values
        fails=_BUILT_ON_DENSE_BACKWARD,
    ),
    Mutant(
        name="bias_gradient_averaged",
        description="dense_backward averages dZ over the batch for db instead of summing it",
        cell="dense_backward",
        old="db = dZ.sum(axis=0)",
        new="db = dZ.mean(axis=0)",
        fails=_BUILT_ON_DENSE_BACKWARD,
    ),
    Mutant(
        name="input_gradient_untransposed",
        description="dense_backward computes dX = dZ @ W instead of dZ @ W.T",
        cell="dense_backward",
        old="dX = dZ @ W.T",
        new="dX = dZ @ W",
        fails=_BUILT_ON_DENSE_BACKWARD,
    ),
    Mutant(
        name="outer_product_weight_gradient",
        description="dense_backward uses the one-example formula np.outer(X, dZ) for a whole batch",
        cell="dense_backward",
        old="dW = X.T @ dZ",
        new="dW = np.outer(X, dZ)",
        fails=_BUILT_ON_DENSE_BACKWARD,
    ),
    Mutant(
        name="bias_gradient_keepdims",
        description="dense_backward returns db of shape (1, d_out) instead of b's shape (d_out,)",
        cell="dense_backward",
        old="db = dZ.sum(axis=0)",
        new="db = dZ.sum(axis=0, keepdims=True)",
        fails=_BUILT_ON_DENSE_BACKWARD,
    ),
    # backward
    Mutant(
        name="activation_derivative_forgotten",
        description="backward passes the error to the layer below without multiplying by f'(Z)",
        cell="backward",
        old=("if activation == \"sigmoid\":\n                dZ = dA_in * sigmoid_derivative(Z_below)\n"
             "            else:\n                dZ = dA_in * (Z_below > 0)"),
        new="dZ = dA_in",
        fails=frozenset({"test_backward", "test_train_step"}),
    ),
    Mutant(
        name="relu_derivative_one_at_zero",
        description="backward takes ReLU'(0) = 1, letting a unit at exactly z = 0 pass gradient",
        cell="backward",
        old="dZ = dA_in * (Z_below > 0)",
        new="dZ = dA_in * (Z_below >= 0)",
        fails=frozenset({"test_backward"}),
    ),
    Mutant(
        name="relu_value_for_derivative",
        description="backward multiplies by ReLU(Z) instead of ReLU'(Z)",
        cell="backward",
        old="dZ = dA_in * (Z_below > 0)",
        new="dZ = dA_in * relu(Z_below)",
        fails=frozenset({"test_backward", "test_train_step"}),
    ),
    Mutant(
        name="derivative_at_activation",
        description="backward evaluates sigma' at the activation A = sigma(Z) instead of at Z",
        cell="backward",
        old="dZ = dA_in * sigmoid_derivative(Z_below)",
        new="dZ = dA_in * sigmoid_derivative(A_in)",
        fails=frozenset({"test_backward", "test_train_step"}),
    ),
    Mutant(
        name="first_layer_skipped",
        description="backward's loop stops before the first layer, which gets no gradient",
        cell="backward",
        old="for layer in range(len(params) - 1, -1, -1):",
        new="for layer in range(len(params) - 1, 0, -1):",
        fails=frozenset({"test_backward", "test_train_step"}),
    ),
    # numeric_gradient
    Mutant(
        name="one_sided_difference",
        description="numeric_gradient uses the forward difference (f(x + eps) - f(x)) / eps",
        cell="numeric_gradient",
        old=("flat[i] = saved - eps\n        f_minus = f(x_work)\n        flat[i] = saved\n"
             "        flat_grad[i] = (f_plus - f_minus) / (2 * eps)"),
        new="flat[i] = saved\n        f_minus = f(x_work)\n        flat_grad[i] = (f_plus - f_minus) / eps",
        fails=frozenset({"test_numeric_gradient", "test_gradient_check"}),
    ),
    Mutant(
        name="central_difference_over_eps",
        description="numeric_gradient divides the central difference by eps instead of 2 * eps",
        cell="numeric_gradient",
        old="flat_grad[i] = (f_plus - f_minus) / (2 * eps)",
        new="flat_grad[i] = (f_plus - f_minus) / eps",
        fails=frozenset({"test_numeric_gradient", "test_gradient_check"}),
    ),
    Mutant(
        name="entry_not_restored",
        description="numeric_gradient leaves each entry at x - eps, so later entries see a shifted point",
        cell="numeric_gradient",
        old="f_minus = f(x_work)\n        flat[i] = saved\n",
        new="f_minus = f(x_work)\n",
        fails=frozenset({"test_numeric_gradient", "test_gradient_check"}),
    ),
    Mutant(
        name="no_float64_copy",
        description="numeric_gradient copies x without converting it, so a float32 x is nudged in float32",
        cell="numeric_gradient",
        old="x_work = np.array(x, dtype=np.float64)",
        new="x_work = np.array(x)",
        fails=frozenset({"test_numeric_gradient", "test_gradient_check"}),
    ),
    # gradient_check
    Mutant(
        name="absolute_error",
        description="gradient_check returns the largest absolute difference instead of the relative error",
        cell="gradient_check",
        old="return float(worst / max(scale, np.finfo(np.float64).tiny))",
        new="return float(worst)",
        fails=frozenset({"test_gradient_check"}),
    ),
    Mutant(
        name="norm_relative_error",
        description="gradient_check uses |a - g| / (|a| + |g|) with Euclidean norms instead of maxima",
        cell="gradient_check",
        old="worst = np.max(np.abs(analytic - numeric))\n    scale = np.max(np.abs(analytic) + np.abs(numeric))",
        new=("worst = np.linalg.norm(analytic - numeric)\n"
             "    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)"),
        fails=frozenset({"test_gradient_check"}),
    ),
    Mutant(
        name="no_zero_guard",
        description="gradient_check divides by the scale unguarded, giving nan for two zero gradients",
        cell="gradient_check",
        old="return float(worst / max(scale, np.finfo(np.float64).tiny))",
        new="return float(worst / scale)",
        fails=frozenset({"test_gradient_check"}),
    ),
    Mutant(
        name="eps_not_passed_on",
        description="gradient_check calls numeric_gradient(f, x) and so ignores its own eps",
        cell="gradient_check",
        old="numeric = numeric_gradient(f, x, eps)\n",  # the code, not the docstring
        new="numeric = numeric_gradient(f, x)\n",
        fails=frozenset({"test_gradient_check"}),
    ),
    # train_step
    Mutant(
        name="gradient_ascent",
        description="train_step adds the gradient instead of subtracting it",
        cell="train_step",
        old="new_params = [(W - lr * dW, b - lr * db)",
        new="new_params = [(W + lr * dW, b + lr * db)",
        fails=frozenset({"test_train_step"}),
    ),
    Mutant(
        name="loss_after_step",
        description="train_step reports the loss of the new parameters instead of the old ones",
        cell="train_step",
        old="return new_params, float(loss)",
        new="return new_params, network_loss(new_params, X, labels, activation)",
        fails=frozenset({"test_train_step"}),
    ),
    Mutant(
        name="in_place_update",
        description="train_step updates the caller's arrays with -= and returns the same list",
        cell="train_step",
        old="new_params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]",
        new=("for (W, b), (dW, db) in zip(params, grads):\n        W -= lr * dW\n        b -= lr * db\n"
             "    new_params = params"),
        fails=frozenset({"test_train_step"}),
    ),
    Mutant(
        name="activation_ignored",
        description="train_step always differentiates a ReLU network, whatever activation it is given",
        cell="train_step",
        old=("loss = network_loss(params, X, labels, activation)\n"
             "    grads = backward(params, X, labels, activation)"),
        new=("loss = network_loss(params, X, labels, \"relu\")\n"
             "    grads = backward(params, X, labels, \"relu\")"),
        fails=frozenset({"test_train_step"}),
    ),
    Mutant(
        name="bias_step_without_lr",
        description="train_step moves the biases by their whole gradient, b - db, forgetting lr",
        cell="train_step",
        old="new_params = [(W - lr * dW, b - lr * db)",
        new="new_params = [(W - lr * dW, b - db)",
        fails=frozenset({"test_train_step"}),
    ),
]

# Stops before the gradient checker and the training step (one demo cell calls each).
UNFINISHED = Unfinished(
    name="grace",
    stubs=frozenset({"gradient_check", "train_step"}),
    fails=frozenset({"test_gradient_check", "test_train_step"}),
)
