"""Training utilities, as `torch.nn.utils`: gradient clipping, and a monitor of gradient flow."""

from nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from nn.utils.gradient_monitor import GradientMonitor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "GradientMonitor"]
