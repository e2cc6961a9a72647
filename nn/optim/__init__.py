"""Optimizers: update rules that move parameters along their gradients, as in `torch.optim`.

opt = nn.optim.Adam(model.parameters(), lr=1e-3)
loss.backward(); opt.step(); opt.zero_grad()
"""

from nn.optim.adagrad import Adagrad
from nn.optim.adam import Adam, AdamW
from nn.optim.optimizer import Optimizer
from nn.optim.rmsprop import RMSprop
from nn.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]
