"""Benchmarks: run each as a script (`.venv/bin/python benchmarks/<name>.py --help`)."""
