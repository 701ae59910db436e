"""PyTorch references for Chapter 6, convolutional networks.

The hidden tests of ``solutions/06_cnns.md`` compare each graded exercise with the
function or module of the same name here. Functions accept NumPy arrays and return torch
tensors (or plain Python values); ``autograder.hidden.agree`` turns tensors back into
NumPy for the comparison.

Conventions shared with the chapter:

* images are batches in PyTorch's layout, (N, C_in, H, W), and a kernel tensor is
  (C_out, C_in, k_h, k_w), as ``F.conv2d`` takes them;
* "convolution" is what every deep-learning library computes: the cross-correlation,
  with the kernel NOT flipped;
* a float32 input is computed in float32 and gives a float32 result; every other input
  is computed in float64;
* ``stride=None`` in a pooling function means a stride equal to the kernel size;
  windows that do not fit are dropped (floor), as with ``ceil_mode=False``.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _tensor(a, grad=False):
    """A tensor copy of ``a``: float32 stays float32, anything else becomes float64."""
    a = np.asarray(a)
    dtype = np.float32 if a.dtype == np.float32 else np.float64
    return torch.tensor(np.array(a, dtype=dtype), requires_grad=grad)


# --- output size ----------------------------------------------------------------------------


def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    """The length of a convolution's output along one axis, as PyTorch's conv1d gives it.

    Raises ValueError where PyTorch refuses (the output would be empty).
    """
    x = torch.zeros(1, 1, n)
    w = torch.zeros(1, 1, k)
    try:
        return int(F.conv1d(x, w, padding=padding, stride=stride, dilation=dilation).shape[-1])
    except RuntimeError as err:
        raise ValueError(str(err)) from None


# --- convolution ----------------------------------------------------------------------------


def conv2d(X, W, b=None, stride=1, padding=0):
    """F.conv2d on NumPy inputs (cross-correlation, kernel not flipped)."""
    bias = None if b is None else _tensor(b)
    return F.conv2d(_tensor(X), _tensor(W), bias, stride=stride, padding=padding)


def conv2d_grads(dY, X, W, stride=1, padding=0):
    """(dX, dW, db) of sum(conv2d(X, W, b) * dY), by autograd; db has shape (C_out,)."""
    Xt, Wt = _tensor(X, grad=True), _tensor(W, grad=True)
    bt = torch.zeros(Wt.shape[0], dtype=Wt.dtype, requires_grad=True)
    Y = F.conv2d(Xt, Wt, bt, stride=stride, padding=padding)
    (Y * _tensor(dY)).sum().backward()
    return Xt.grad, Wt.grad, bt.grad


# --- pooling --------------------------------------------------------------------------------


def max_pool2d(X, kernel, stride=None):
    return F.max_pool2d(_tensor(X), kernel, stride=stride)


def max_pool2d_grad(dY, X, kernel, stride=None):
    """dX of sum(max_pool2d(X) * dY): ties send the gradient to the first maximum."""
    Xt = _tensor(X, grad=True)
    (F.max_pool2d(Xt, kernel, stride=stride) * _tensor(dY)).sum().backward()
    return Xt.grad


def avg_pool2d(X, kernel, stride=None):
    return F.avg_pool2d(_tensor(X), kernel, stride=stride)


def avg_pool2d_grad(dY, X, kernel, stride=None):
    Xt = _tensor(X, grad=True)
    (F.avg_pool2d(Xt, kernel, stride=stride) * _tensor(dY)).sum().backward()
    return Xt.grad


# --- modules --------------------------------------------------------------------------------


class SmallCNN(nn.Module):
    """conv1 (1 -> width, 3x3, pad 1), ReLU, 2x2 max pool, conv2 (width -> 2 width), ReLU,
    2x2 max pool, flatten in PyTorch's (channel, row, column) order, head (Linear)."""

    def __init__(self, num_classes=10, width=8):
        super().__init__()
        self.conv1 = nn.Conv2d(1, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)
        self.head = nn.Linear(2 * width * 2 * 2, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.head(x.flatten(1))


class ResidualBlock(nn.Module):
    """The basic block of ResNet: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
