"""Shared lowerings from the IR: to eager PyTorch calls and to torch.fx (more land per engine)."""
