"""The pieces of the lab that `lab1.py` and `experiments.py` share: the training loop, the
figures, the report, the multi-seed sweeps and the bar-image task of the small CNN."""
