"""Classic bugs in chapter 6 (convolutional networks) and the graded tests that must catch each."""

from autograder.mutants import Mutant, Unfinished

_MAX = frozenset({"test_max_pool2d"})
_AVG = frozenset({"test_avg_pool2d"})
_CNN = frozenset({"test_small_cnn"})
_RES = frozenset({"test_residual_block"})
_FREEZE = frozenset({"test_freeze_and_replace_head"})

MUTANTS = [
    # --- conv_output_size ---
    Mutant(
        name="size_ignores_dilation",
        description="conv_output_size treats a dilated kernel as if it spanned k cells",
        cell="conv_output_size",
        old="span = dilation * (k - 1) + 1",
        new="span = k",
        fails=frozenset({"test_conv_output_size"}),
    ),
    Mutant(
        name="size_pads_one_side",
        description="conv_output_size adds the padding once instead of at both ends",
        cell="conv_output_size",
        old="size = (n + 2 * padding - span) // stride + 1",
        new="size = (n + padding - span) // stride + 1",
        fails=frozenset({"test_conv_output_size"}),
    ),
    Mutant(
        name="size_rounds_up",
        description="conv_output_size rounds the number of steps up instead of down",
        cell="conv_output_size",
        old="size = (n + 2 * padding - span) // stride + 1",
        new="size = -(-(n + 2 * padding - span) // stride) + 1",
        fails=frozenset({"test_conv_output_size"}),
    ),
    Mutant(
        name="size_truncates",
        description="conv_output_size truncates towards zero (int of a float), so a "
                    "kernel one cell too long still gets one position with stride 2",
        cell="conv_output_size",
        old="size = (n + 2 * padding - span) // stride + 1",
        new="size = int((n + 2 * padding - span) / stride) + 1",
        fails=frozenset({"test_conv_output_size"}),
    ),
    Mutant(
        name="size_allows_empty",
        description="conv_output_size returns 0 instead of raising when nothing fits",
        cell="conv_output_size",
        old="if size < 1:",
        new="if size < 0:",
        fails=frozenset({"test_conv_output_size"}),
    ),
    Mutant(
        name="size_no_argument_check",
        description="conv_output_size does not validate its arguments (stride 0 divides "
                    "by zero, negative padding passes)",
        cell="conv_output_size",
        old="if min(n, k, stride, dilation) < 1 or padding < 0:",
        new="if False:",
        fails=frozenset({"test_conv_output_size"}),
    ),
    # --- conv2d_forward ---
    Mutant(
        name="conv_flips_kernel",
        description="conv2d_forward computes the textbook convolution (flipped kernel) "
                    "instead of PyTorch's cross-correlation",
        cell="conv2d_forward",
        old='np.einsum("nchw,oc->nohw", taps, W[:, :, u, v])',
        new='np.einsum("nchw,oc->nohw", taps, W[:, :, k_h - 1 - u, k_w - 1 - v])',
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_ignores_stride_in_taps",
        description="conv2d_forward computes the strided output size but slides the "
                    "kernel one pixel at a time",
        cell="conv2d_forward",
        old="taps = Xp[:, :, u:u + stride * H_out:stride, v:v + stride * W_out:stride]",
        new="taps = Xp[:, :, u:u + H_out, v:v + W_out]",
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_swapped_kernel_axes",
        description="conv2d_forward reads the kernel as (C_in, C_out, ...)",
        cell="conv2d_forward",
        old='np.einsum("nchw,oc->nohw", taps, W[:, :, u, v])',
        new='np.einsum("nchw,co->nohw", taps, W[:, :, u, v].reshape(C_in, C_out))',
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_float64_output",
        description="conv2d_forward always returns float64",
        cell="conv2d_forward",
        old="Y = np.zeros((N, C_out, H_out, W_out), dtype=X.dtype)",
        new="Y = np.zeros((N, C_out, H_out, W_out))",
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_bias_on_width",
        description="conv2d_forward adds the bias along the last axis (the numpy "
                    "broadcasting habit)",
        cell="conv2d_forward",
        old="Y += b.reshape(1, C_out, 1, 1)",
        new="Y += b",
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_requires_bias",
        description="conv2d_forward fails without a bias",
        cell="conv2d_forward",
        old="if b is not None:",
        new="if True:",
        fails=frozenset({"test_conv2d_forward"}),
    ),
    Mutant(
        name="conv_pads_one_side",
        description="conv2d_forward pads only the top and the left of each image",
        cell="conv2d_forward",
        old="pads = ((0, 0), (0, 0), (padding, padding), (padding, padding))",
        new="pads = ((0, 0), (0, 0), (2 * padding, 0), (2 * padding, 0))",
        fails=frozenset({"test_conv2d_forward"}),
    ),
    # --- conv2d_backward ---
    Mutant(
        name="backward_keeps_border",
        description="conv2d_backward returns the gradient of the padded image",
        cell="conv2d_backward",
        old="dX = dXp[:, :, padding:padding + H, padding:padding + W_in]",
        new="dX = dXp",
        fails=frozenset({"test_conv2d_backward"}),
    ),
    Mutant(
        name="backward_crops_wrong_corner",
        description="conv2d_backward crops the padded gradient from the top-left corner",
        cell="conv2d_backward",
        old="dX = dXp[:, :, padding:padding + H, padding:padding + W_in]",
        new="dX = dXp[:, :, :H, :W_in]",
        fails=frozenset({"test_conv2d_backward"}),
    ),
    Mutant(
        name="backward_db_per_pixel",
        description="conv2d_backward sums dY over the batch only",
        cell="conv2d_backward",
        old="db = dY.sum(axis=(0, 2, 3))",
        new="db = dY.sum(axis=0)",
        fails=frozenset({"test_conv2d_backward"}),
    ),
    Mutant(
        name="backward_no_stride",
        description="conv2d_backward ignores the stride when it maps outputs to pixels",
        cell="conv2d_backward",
        old="rows = slice(u, u + stride * H_out, stride)",
        new="rows = slice(u, u + H_out)",
        fails=frozenset({"test_conv2d_backward"}),
    ),
    Mutant(
        name="backward_overwrites_dx",
        description="conv2d_backward assigns each tap's contribution to dX instead of "
                    "adding it",
        cell="conv2d_backward",
        old='dXp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dY, W[:, :, u, v])',
        new='dXp[:, :, rows, cols] = np.einsum("nohw,oc->nchw", dY, W[:, :, u, v])',
        fails=frozenset({"test_conv2d_backward"}),
    ),
    Mutant(
        name="backward_flipped_kernel",
        description="conv2d_backward sends the gradient through the flipped kernel",
        cell="conv2d_backward",
        old='np.einsum("nohw,oc->nchw", dY, W[:, :, u, v])',
        new='np.einsum("nohw,oc->nchw", dY, W[:, :, k_h - 1 - u, k_w - 1 - v])',
        fails=frozenset({"test_conv2d_backward"}),
    ),
    # --- max pooling ---
    Mutant(
        name="maxpool_stride_one_default",
        description="max_pool2d_forward uses stride 1 when no stride is given",
        cell="max_pool2d",
        old="    s = kernel if stride is None else stride\n    N, C, H, W_in = X.shape",
        new="    s = 1 if stride is None else stride\n    N, C, H, W_in = X.shape",
        fails=_MAX,
    ),
    Mutant(
        name="maxpool_ties_all",
        description="max_pool2d_backward gives the gradient to every element that "
                    "equals the maximum",
        cell="max_pool2d",
        old="first = (X[:, :, rows, cols] == Y) & ~done",
        new="first = X[:, :, rows, cols] == Y",
        fails=_MAX,
    ),
    Mutant(
        name="maxpool_ties_column_order",
        description="max_pool2d_backward breaks ties column by column",
        cell="max_pool2d",
        old="    for u in range(kernel):  # visits each window's elements in reading order\n"
            "        for v in range(kernel):",
        new="    for v in range(kernel):\n        for u in range(kernel):",
        fails=_MAX,
    ),
    Mutant(
        name="maxpool_overwrites",
        description="max_pool2d_backward assigns the gradient, so overlapping windows "
                    "overwrite each other",
        cell="max_pool2d",
        old="dX[:, :, rows, cols] += np.where(first, dY, 0)",
        new="dX[:, :, rows, cols] = np.where(first, dY, dX[:, :, rows, cols])",
        fails=_MAX,
    ),
    Mutant(
        name="maxpool_no_size_check",
        description="max_pool2d_forward returns an empty array for a window larger "
                    "than the image",
        cell="max_pool2d",
        old="    if kernel > H or kernel > W_in:\n        raise ValueError(",
        new="    if False:\n        raise ValueError(",
        fails=_MAX,
    ),
    # --- average pooling ---
    Mutant(
        name="avgpool_divides_by_kernel",
        description="avg_pool2d_forward divides the window's sum by k instead of k * k",
        cell="avg_pool2d",
        old="return Y / (kernel * kernel)",
        new="return Y / kernel",
        fails=_AVG,
    ),
    Mutant(
        name="avgpool_backward_whole_gradient",
        description="avg_pool2d_backward gives every element the window's whole gradient",
        cell="avg_pool2d",
        old="share = dY / (kernel * kernel)",
        new="share = dY",
        fails=_AVG,
    ),
    Mutant(
        name="avgpool_backward_overwrites",
        description="avg_pool2d_backward assigns the shares, so overlapping windows do "
                    "not add up",
        cell="avg_pool2d",
        old="dX[:, :, u:u + s * H_out:s, v:v + s * W_out:s] += share",
        new="dX[:, :, u:u + s * H_out:s, v:v + s * W_out:s] = share",
        fails=_AVG,
    ),
    Mutant(
        name="avgpool_backward_stride_default",
        description="avg_pool2d_backward uses stride 1 when no stride is given",
        cell="avg_pool2d",
        old="    s = kernel if stride is None else stride\n    H_out, W_out = dY.shape[2:]",
        new="    s = 1 if stride is None else stride\n    H_out, W_out = dY.shape[2:]",
        fails=_AVG,
    ),
    # --- SmallCNN ---
    Mutant(
        name="cnn_channels_last_flatten",
        description="SmallCNN flattens the feature maps in (row, column, channel) order",
        cell="small_cnn",
        old="return self.head(x.flatten(1))",
        new="return self.head(x.permute(0, 2, 3, 1).flatten(1))",
        fails=_CNN,
    ),
    Mutant(
        name="cnn_flatten_squeezes",
        description="SmallCNN flattens with squeeze(), which drops the batch of one digit",
        cell="small_cnn",
        old="return self.head(x.flatten(1))",
        new="return self.head(x.squeeze().reshape(-1, self.head.in_features).squeeze())",
        fails=_CNN,
    ),
    Mutant(
        name="cnn_avg_pool",
        description="SmallCNN pools the second stage by averaging",
        cell="small_cnn",
        old="x = F.max_pool2d(F.relu(self.conv2(x)), 2)",
        new="x = F.avg_pool2d(F.relu(self.conv2(x)), 2)",
        fails=_CNN,
    ),
    Mutant(
        name="cnn_no_second_relu",
        description="SmallCNN forgets the ReLU after conv2",
        cell="small_cnn",
        old="x = F.max_pool2d(F.relu(self.conv2(x)), 2)",
        new="x = F.max_pool2d(self.conv2(x), 2)",
        fails=_CNN,
    ),
    Mutant(
        name="cnn_fixed_width",
        description="SmallCNN hard-codes 16 channels for conv2, ignoring width",
        cell="small_cnn",
        old="self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)",
        new="self.conv2 = nn.Conv2d(width, 16, 3, padding=1)",
        fails=_CNN,
    ),
    Mutant(
        name="cnn_no_padding",
        description="SmallCNN's convolutions have no padding and a head sized to match",
        cell="small_cnn",
        old="    self.conv1 = nn.Conv2d(1, width, 3, padding=1)\n"
            "    self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)\n"
            "    self.head = nn.Linear(2 * width * 2 * 2, num_classes)",
        new="    self.conv1 = nn.Conv2d(1, width, 3)\n"
            "    self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)\n"
            "    self.head = nn.Linear(2 * width, num_classes)",
        fails=_CNN,
    ),
    # --- ResidualBlock ---
    Mutant(
        name="res_projection_only_for_channels",
        description="ResidualBlock projects the shortcut only when the channels change, "
                    "not when the stride does",
        cell="residual_block",
        old="if stride != 1 or in_channels != out_channels:",
        new="if in_channels != out_channels:",
        fails=_RES,
    ),
    Mutant(
        name="res_always_projects",
        description="ResidualBlock always uses a 1x1 projection in the shortcut",
        cell="residual_block",
        old="if stride != 1 or in_channels != out_channels:",
        new="if True:",
        fails=_RES,
    ),
    Mutant(
        name="res_relu_before_add",
        description="ResidualBlock applies the last ReLU to the branch before adding x",
        cell="residual_block",
        old="return F.relu(out + self.shortcut(x))",
        new="return F.relu(out) + self.shortcut(x)",
        fails=_RES,
    ),
    Mutant(
        name="res_no_final_relu",
        description="ResidualBlock returns the sum without the final ReLU",
        cell="residual_block",
        old="return F.relu(out + self.shortcut(x))",
        new="return out + self.shortcut(x)",
        fails=_RES,
    ),
    Mutant(
        name="res_stride_on_second_conv",
        description="ResidualBlock downsamples in conv2 instead of conv1",
        cell="residual_block",
        old="self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)",
        new="self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=stride, "
            "padding=1, bias=False)\n    self.conv1.stride = (1, 1)",
        fails=_RES,
    ),
    Mutant(
        name="res_conv_bias",
        description="ResidualBlock's convolutions keep their biases",
        cell="residual_block",
        old="self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)",
        new="self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)",
        fails=_RES,
    ),
    Mutant(
        name="res_projection_without_bn",
        description="ResidualBlock's projection shortcut has no batch norm",
        cell="residual_block",
        old="nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),\n"
            "            nn.BatchNorm2d(out_channels))",
        new="nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False))",
        fails=_RES,
    ),
    # --- freeze_and_replace_head ---
    Mutant(
        name="freeze_after_replacing",
        description="freeze_and_replace_head freezes after swapping the head, so the "
                    "new head does not learn either",
        cell="freeze_and_replace_head",
        old="    for p in model.parameters():\n        p.requires_grad_(False)\n"
            "    old = model.head\n"
            "    model.head = nn.Linear(old.in_features, num_classes).to(old.weight.device,\n"
            "                                                            old.weight.dtype)\n",
        new="    old = model.head\n"
            "    model.head = nn.Linear(old.in_features, num_classes).to(old.weight.device,\n"
            "                                                            old.weight.dtype)\n"
            "    for p in model.parameters():\n        p.requires_grad_(False)\n",
        fails=_FREEZE,
    ),
    Mutant(
        name="freeze_nothing",
        description="freeze_and_replace_head replaces the head but leaves the body "
                    "trainable",
        cell="freeze_and_replace_head",
        old="p.requires_grad_(False)",
        new="p.requires_grad_(True)",
        fails=_FREEZE,
    ),
    Mutant(
        name="freeze_weights_only",
        description="freeze_and_replace_head freezes the weights but not the biases",
        cell="freeze_and_replace_head",
        old="    for p in model.parameters():\n",
        new="    for p in (q for n, q in model.named_parameters() if 'bias' not in n):\n",
        fails=_FREEZE,
    ),
    Mutant(
        name="freeze_keeps_class_count",
        description="freeze_and_replace_head builds the new head with the old number "
                    "of classes",
        cell="freeze_and_replace_head",
        old="nn.Linear(old.in_features, num_classes)",
        new="nn.Linear(old.in_features, old.out_features)",
        fails=_FREEZE,
    ),
    Mutant(
        name="freeze_float32_head",
        description="freeze_and_replace_head leaves the new head in float32 whatever "
                    "the model's dtype",
        cell="freeze_and_replace_head",
        old=".to(old.weight.device,\n                                                            "
            "old.weight.dtype)",
        new="",
        fails=_FREEZE,
    ),
    Mutant(
        name="freeze_returns_nothing",
        description="freeze_and_replace_head changes the model but returns None",
        cell="freeze_and_replace_head",
        old="return model",
        new="return None",
        fails=_FREEZE,
    ),
]

# Stops after pooling: the three modules are left as stubs.
UNFINISHED = Unfinished(
    name="yann",
    stubs=frozenset({"small_cnn", "residual_block", "freeze_and_replace_head"}),
    fails=frozenset({"test_small_cnn", "test_residual_block",
                     "test_freeze_and_replace_head"}),
)
