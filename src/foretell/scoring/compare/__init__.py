"""Comparison kernels: crowd aggregates, peer scores, paired tests and relative skill.

``median`` holds the standing median both the crowd median and the peer scores' median of
the people use: the median of the forecasts standing at each moment, by ranks and bit masks
instead of a sort of every moment's members.

Every function here works on one question's forecasts (crowd, peer) or on a per-question
score table (paired tests, relative skill), as plain numpy arrays: no storage, no pandas.
"""
