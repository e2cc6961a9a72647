"""`nn.functional` (import as F): activations, `linear`, convolution and pooling,
normalisation, dropout, embedding, losses."""

from nn.functional.activation import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from nn.functional.conv import conv2d, max_pool2d
from nn.functional.linear import linear
from nn.functional.lookup import embedding
from nn.functional.loss import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss
from nn.functional.normalization import batch_norm
from nn.functional.pooling import avg_pool2d
from nn.functional.regularization import dropout
from nn.functional.smooth_activation import silu, softplus

__all__ = [
    "sigmoid", "relu", "tanh", "leaky_relu", "softmax", "log_softmax", "linear", "conv2d", "max_pool2d",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "dropout", "batch_norm", "avg_pool2d", "softplus", "silu", "embedding",
]  # fmt: skip
