"""Runnable examples: the back-propagation lab (`python -m examples.lab1`) and its discussion
(`python -m examples.experiments`)."""
