"""Optimizers: update rules that move parameters along their gradients, as in `torch.optim`.

opt = nn.optim.Adam(model.parameters(), lr=1e-3)
loss.backward(); opt.step(); opt.zero_grad()
scheduler = nn.optim.lr_scheduler.StepLR(opt, step_size=10)   # scheduler.step() once per epoch
"""

from nn.optim import lr_scheduler
from nn.optim.adagrad import Adagrad
from nn.optim.adam import Adam, AdamW
from nn.optim.optimizer import Optimizer
from nn.optim.rmsprop import RMSprop
from nn.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
