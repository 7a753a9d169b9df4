"""Small dense linear algebra in numba (bifur._linalg) against LAPACK through numpy."""
from __future__ import annotations

import numpy as np
import pytest

from bifur._linalg import bordered_solve
from bifur.continuation.problem import Problem


@pytest.mark.parametrize("k", [2, 5, 17, 48])
def test_bordered_solve_matches_numpy_solve_and_slogdet(k):
    rng = np.random.default_rng(k)
    for _ in range(20):
        J, row = rng.normal(size=(k - 1, k)), rng.normal(size=k)
        rhs, last = rng.normal(size=k - 1), float(rng.normal())
        x = np.empty(k)
        logdet, sign = bordered_solve(J, row, rhs, last, x)
        A = np.vstack([J, row])
        expect = np.linalg.solve(A, np.append(rhs, last))
        s, ld = np.linalg.slogdet(A)
        assert np.allclose(x, expect, rtol=1e-9, atol=1e-12 * np.abs(expect).max())
        assert sign == s and logdet == pytest.approx(ld, rel=1e-12, abs=1e-12)


def test_a_singular_bordered_system_is_reported_and_raises_in_the_problem():
    J = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])      # rank 1: the bordered matrix is singular
    x = np.empty(3)
    assert bordered_solve(J, np.array([0.0, 0.0, 1.0]), np.zeros(2), 1.0, x)[1] == 0.0
    with pytest.raises(np.linalg.LinAlgError):
        Problem.solve_bordered(None, J, np.array([0.0, 0.0, 1.0]), np.zeros(2), 1.0)
    # beyond the size limit the LAPACK path gives the same answer as the small-system kernel
    rng = np.random.default_rng(0)
    J, row, rhs = rng.normal(size=(60, 61)), rng.normal(size=61), rng.normal(size=60)
    big = Problem.solve_bordered(None, J, row, rhs, 0.5)
    assert np.allclose(np.vstack([J, row]) @ big.x, np.append(rhs, 0.5))
    assert big.sign == np.linalg.slogdet(np.vstack([J, row]))[0]
