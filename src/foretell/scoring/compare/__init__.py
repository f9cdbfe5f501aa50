"""Comparison kernels: crowd aggregates, peer scores, paired tests and relative skill.

Every function here works on one question's forecasts (crowd, peer) or on a per-question
score table (paired tests, relative skill), as plain numpy arrays: no storage, no pandas.
"""
