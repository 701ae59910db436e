"""Classic bugs in chapter 3 (backpropagation) and the graded tests that must catch each.

``backward`` reuses ``dense_forward`` (through the chapter's ``forward``), ``output_error``,
``dense_backward`` and ``sigmoid_derivative``, and ``train_step`` reuses ``backward``, so a
bug in a building block also fails the tests of the exercises built on it.
``gradient_check`` reuses ``numeric_gradient``.
"""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    Mutant(
        name="transposed_weight_gradient",
        description="dense_backward returns dA.T @ X, the transpose of the weight gradient",
        cell="dense_backward",
        old="dW = X.T @ dA",
        new="dW = dA.T @ X",
        # non-square layers give the wrong shape; the hidden tests' square layers give the right
        # shape with wrong values
        fails=frozenset({"test_dense_backward", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="bias_gradient_averaged",
        description="dense_backward averages dA over the batch for db instead of summing it",
        cell="dense_backward",
        old="db = dA.sum(axis=0)",
        new="db = dA.mean(axis=0)",
        # every visible value check uses a single sample, where mean and sum agree
        fails=frozenset({"test_dense_backward", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="sigmoid_derivative_of_z",
        description="sigmoid_derivative computes sigma(z) * (1 - z) instead of sigma(z) * (1 - sigma(z))",
        cell="sigmoid_derivative",
        old="return s * (1 - s)",
        new="return s * (1 - z)",
        # backward uses it for sigmoid networks, and train_step's hidden tests include some
        fails=frozenset({"test_sigmoid_derivative", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="one_sided_difference",
        description="numeric_gradient uses the forward difference (f(x + eps) - f(x)) / eps",
        cell="numeric_gradient",
        old=("flat[i] = saved - eps\n        f_minus = f(x_work)\n        flat[i] = saved\n"
             "        flat_grad[i] = (f_plus - f_minus) / (2 * eps)"),
        new="flat[i] = saved\n        f_minus = f(x_work)\n        flat_grad[i] = (f_plus - f_minus) / eps",
        # its error of about eps * f'' / 2 passes the visible tests' tolerance but not the
        # hidden comparison with autograd, and it makes a right gradient look "suspicious"
        fails=frozenset({"test_numeric_gradient", "test_gradient_check"}),
    ),
    Mutant(
        name="activation_derivative_forgotten",
        description="backward passes the error to the layer below without multiplying by f'(A)",
        cell="backward",
        old=("if activation == \"sigmoid\":\n                dA = dH_in * sigmoid_derivative(A_below)\n"
             "            else:\n                dA = dH_in * (A_below > 0)"),
        new="dA = dH_in",
        fails=frozenset({"test_backward", "test_train_step"}),
    ),
    Mutant(
        name="output_error_summed",
        description="output_error forgets to divide by the batch size (the gradient of the summed loss)",
        cell="output_error",
        old="return (P - Y) / n",
        new="return P - Y",
        # a single sample cannot tell the sum from the mean; the hidden batches can
        fails=frozenset({"test_output_error", "test_backward", "test_train_step"}),
    ),
    Mutant(
        name="input_gradient_untransposed",
        description="dense_backward computes dX = dA @ W instead of dA @ W.T",
        cell="dense_backward",
        old="dX = dA @ W.T",
        new="dX = dA @ W",
        fails=frozenset({"test_dense_backward", "test_backward", "test_train_step"}),
    ),
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
        name="absolute_error",
        description="gradient_check returns the largest absolute difference instead of the relative error",
        cell="gradient_check",
        old="return float(worst / max(scale, np.finfo(np.float64).tiny))",
        new="return float(worst)",
        fails=frozenset({"test_gradient_check"}),
    ),
    Mutant(
        name="gradient_ascent",
        description="train_step adds the gradient instead of subtracting it",
        cell="train_step",
        old="new_params = [(W - lr * dW, b - lr * db)",
        new="new_params = [(W + lr * dW, b + lr * db)",
        fails=frozenset({"test_train_step"}),
    ),
]

# Stops before the gradient checker and the training step (one demo cell calls each).
UNFINISHED = Unfinished(
    name="grace",
    stubs=frozenset({"gradient_check", "train_step"}),
    fails=frozenset({"test_gradient_check", "test_train_step"}),
)
