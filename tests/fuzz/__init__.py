"""A random-program fuzzer for the engine: `python -m tests.fuzz --programs 5000 [--second-order]`."""
