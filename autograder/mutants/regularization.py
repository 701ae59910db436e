"""Classic bugs in chapter 5 (regularization) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

MUTANTS = [
    # --- weight_penalty ---
    Mutant(
        name="l2_without_half",
        description="weight_penalty uses l2 * sum(w**2) (no 1/2) with the gradient l2 * w",
        cell="weight_penalty",
        old="0.5 * l2 * float((W64 * W64).sum())",
        new="l2 * float((W64 * W64).sum())",
        fails=frozenset({"test_weight_penalty"}),
    ),
    Mutant(
        name="l1_subgradient_one_at_zero",
        description="weight_penalty's L1 subgradient is +1 at a weight of exactly 0 (w >= 0)",
        cell="weight_penalty",
        old="grads.append((l1 * np.sign(W) + l2 * W).astype(W.dtype))",
        new="grads.append((l1 * np.where(W >= 0, 1.0, -1.0) + l2 * W).astype(W.dtype))",
        fails=frozenset({"test_weight_penalty"}),
    ),
    # --- EarlyStopping ---
    Mutant(
        name="patience_off_by_one",
        description="EarlyStopping stops only after patience + 1 epochs without improvement",
        cell="early_stopping",
        old="return self.bad_epochs >= self.patience",
        new="return self.bad_epochs > self.patience",
        fails=frozenset({"test_early_stopping"}),
    ),
    Mutant(
        name="ties_improve",
        description="EarlyStopping counts a loss equal to the best one as an improvement",
        cell="early_stopping",
        old="loss < self.best_loss - self.min_delta",
        new="loss <= self.best_loss - self.min_delta",
        fails=frozenset({"test_early_stopping"}),
    ),
    Mutant(
        name="restores_last_weights",
        description="EarlyStopping keeps the weights of every epoch, so it restores the last, not the best",
        cell="early_stopping",
        old="    else:\n        self.bad_epochs += 1\n",
        new="    else:\n        self.bad_epochs += 1\n"
            "        self.best_params = {name: np.array(value, copy=True)\n"
            "                            for name, value in params.items()}\n",
        fails=frozenset({"test_early_stopping"}),
    ),
    # --- smoothed_cross_entropy ---
    Mutant(
        name="smoothing_over_other_classes",
        description="smoothed_cross_entropy spreads s over the C - 1 wrong classes, as the textbook does",
        cell="smoothed_cross_entropy",
        old="losses = (1 - s) * nll + s * uniform",
        new="others = (-log_p.sum(axis=1) - nll) / max(C - 1, 1)\n    losses = (1 - s) * nll + s * others",
        fails=frozenset({"test_smoothed_cross_entropy"}),
    ),
    Mutant(
        name="smoothed_log_of_softmax",
        description="smoothed_cross_entropy takes log(softmax), which gives inf when a probability underflows",
        cell="smoothed_cross_entropy",
        old="log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)",
        new="log_p = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))",
        fails=frozenset({"test_smoothed_cross_entropy"}),
    ),
    # --- dropout ---
    Mutant(
        name="dropout_not_inverted",
        description="dropout zeroes entries but does not scale the kept ones by 1 / (1 - p)",
        cell="dropout",
        old="mask = keep.astype(X.dtype) * X.dtype.type(1.0 / (1.0 - p))",
        new="mask = keep.astype(X.dtype)",
        fails=frozenset({"test_dropout"}),
    ),
    Mutant(
        name="dropout_p_is_keep_probability",
        description="dropout reads p as the keep probability, as the textbook does",
        cell="dropout",
        old="keep = rng.random(X.shape) >= p\n    if p >= 1:\n        mask = np.zeros_like(X)\n"
            "    else:\n        mask = keep.astype(X.dtype) * X.dtype.type(1.0 / (1.0 - p))",
        new="keep = rng.random(X.shape) < p\n    if p <= 0:\n        mask = np.zeros_like(X)\n"
            "    else:\n        mask = keep.astype(X.dtype) * X.dtype.type(1.0 / p)",
        fails=frozenset({"test_dropout"}),
    ),
    Mutant(
        name="dropout_active_in_eval",
        description="dropout ignores train and drops entries in evaluation mode too",
        cell="dropout",
        old="    if not train:\n        return X.copy(), np.ones_like(X)\n",
        new="",
        fails=frozenset({"test_dropout"}),
    ),
    Mutant(
        name="dropout_p_one_divides_by_zero",
        description="dropout divides by 1 - p even for p = 1, giving nan",
        cell="dropout",
        old="    if p >= 1:\n        mask = np.zeros_like(X)\n    else:\n"
            "        mask = keep.astype(X.dtype) * X.dtype.type(1.0 / (1.0 - p))",
        new="    mask = keep.astype(X.dtype) / X.dtype.type(1.0 - p)",
        fails=frozenset({"test_dropout"}),
    ),
    Mutant(
        name="dropout_mask_float64",
        description="dropout builds its mask as keep / (1 - p), float64 even for float32 activations",
        cell="dropout",
        old="mask = keep.astype(X.dtype) * X.dtype.type(1.0 / (1.0 - p))",
        new="mask = keep / (1.0 - p)",
        fails=frozenset({"test_dropout"}),
    ),
    # --- batchnorm_forward ---
    Mutant(
        name="bn_unbiased_normalization",
        description="batchnorm_forward normalizes with the unbiased variance (dividing by N - 1)",
        cell="batchnorm_forward",
        old="var = ((X - mean) ** 2).mean(axis=0)  # two passes: accurate for a large mean",
        new="var = ((X - mean) ** 2).sum(axis=0) / (N - 1)",
        fails=frozenset({"test_batchnorm_forward"}),
    ),
    Mutant(
        name="bn_running_var_biased",
        description="batchnorm_forward puts the biased batch variance into the running variance",
        cell="batchnorm_forward",
        old="momentum * var * (N / (N - 1))",
        new="momentum * var",
        fails=frozenset({"test_batchnorm_forward"}),
    ),
    Mutant(
        name="bn_momentum_reversed",
        description="batchnorm_forward keeps momentum of the OLD running statistics (Keras's convention)",
        cell="batchnorm_forward",
        old="new_mean = (1 - momentum) * running_mean + momentum * mean\n"
            "        new_var = (1 - momentum) * running_var + momentum * var * (N / (N - 1))",
        new="new_mean = momentum * running_mean + (1 - momentum) * mean\n"
            "        new_var = momentum * running_var + (1 - momentum) * var * (N / (N - 1))",
        fails=frozenset({"test_batchnorm_forward"}),
    ),
    Mutant(
        name="bn_eval_uses_batch_stats",
        description="batchnorm_forward normalizes with the batch statistics in evaluation mode too",
        cell="batchnorm_forward",
        old="        mean, var = running_mean, running_var\n",
        new="        mean, var = X.mean(axis=0), X.var(axis=0)\n",
        fails=frozenset({"test_batchnorm_forward"}),
    ),
    Mutant(
        name="bn_one_pass_variance",
        description="batchnorm_forward computes the variance as E[x^2] - E[x]^2, which cancels for a large mean",
        cell="batchnorm_forward",
        old="var = ((X - mean) ** 2).mean(axis=0)  # two passes: accurate for a large mean",
        new="var = np.maximum((X * X).mean(axis=0) - mean * mean, 0.0)",
        fails=frozenset({"test_batchnorm_forward"}),
    ),
    # --- batchnorm_backward ---
    Mutant(
        name="bn_backward_forgets_variance_path",
        description="batchnorm_backward follows the path through the mean but not through the variance",
        cell="batchnorm_backward",
        old="dX = inv_std * (dX_hat - dX_hat.mean(axis=0) - X_hat * (dX_hat * X_hat).mean(axis=0))",
        new="dX = inv_std * (dX_hat - dX_hat.mean(axis=0))",
        fails=frozenset({"test_batchnorm_backward"}),
    ),
    # --- initialize ---
    Mutant(
        name="he_uses_fan_out",
        description="initialize's He variance divides by fan_out (the number of columns of W)",
        cell="initialize",
        old="var = 2.0 / ((1.0 + negative_slope**2) * d_in)",
        new="var = 2.0 / ((1.0 + negative_slope**2) * d_out)",
        fails=frozenset({"test_initialize"}),
    ),
    Mutant(
        name="uniform_bound_is_std",
        description="initialize draws uniform weights on [-std, std] instead of [-sqrt(3) std, sqrt(3) std]",
        cell="initialize",
        old="bound = math.sqrt(3.0 * var)",
        new="bound = math.sqrt(var)",
        fails=frozenset({"test_initialize"}),
    ),
    Mutant(
        name="he_ignores_negative_slope",
        description="initialize's He variance is 2 / fan_in whatever the leaky ReLU's slope",
        cell="initialize",
        old="var = 2.0 / ((1.0 + negative_slope**2) * d_in)",
        new="var = 2.0 / d_in",
        fails=frozenset({"test_initialize"}),
    ),
    Mutant(
        name="init_global_random_state",
        description="initialize draws from np.random's global generator, not from rng",
        cell="initialize",
        old="return rng.normal(0.0, math.sqrt(var), size=(d_in, d_out))",
        new="return np.random.normal(0.0, math.sqrt(var), size=(d_in, d_out))",
        fails=frozenset({"test_initialize"}),
    ),
    # --- activations ---
    Mutant(
        name="leaky_relu_derivative_one_at_zero",
        description="leaky_relu's derivative is 1 at Z = 0 (Z >= 0), not the slope as in PyTorch",
        cell="activations",
        old="D = np.where(positive, 1.0, slope).astype(Z.dtype)",
        new="D = np.where(Z >= 0, 1.0, slope).astype(Z.dtype)",
        fails=frozenset({"test_activations"}),
    ),
    Mutant(
        name="elu_derivative_ignores_alpha",
        description="elu's derivative for Z <= 0 is exp(Z), forgetting the factor alpha",
        cell="activations",
        old="D = np.where(positive, 1.0, alpha * (e + 1)).astype(Z.dtype)",
        new="D = np.where(positive, 1.0, e + 1).astype(Z.dtype)",
        fails=frozenset({"test_activations"}),
    ),
    Mutant(
        name="elu_overflows",
        description="elu computes exp(Z) on every entry inside np.where, which overflows for large Z",
        cell="activations",
        old="e = np.expm1(np.minimum(Z, 0))  # exp(Z) - 1, only ever of Z <= 0: cannot overflow",
        new="e = np.exp(Z) - 1",
        fails=frozenset({"test_activations"}),
    ),
    Mutant(
        name="gelu_always_tanh",
        description="gelu always uses the tanh approximation, whatever approximate says",
        cell="activations",
        old='if approximate == "none":',
        new='if approximate == "exact":',
        fails=frozenset({"test_activations"}),
    ),
    Mutant(
        name="gelu_derivative_is_cdf",
        description="gelu's derivative is Phi(Z) alone, forgetting the product rule's Z * phi(Z)",
        cell="activations",
        old="A, D = Z * cdf, cdf + Z * pdf",
        new="A, D = Z * cdf, cdf",
        fails=frozenset({"test_activations"}),
    ),
]

# Stops before the two batch-norm exercises.
UNFINISHED = Unfinished(
    name="noor",
    stubs=frozenset({"batchnorm_forward", "batchnorm_backward"}),
    fails=frozenset({"test_batchnorm_forward", "test_batchnorm_backward"}),
)
