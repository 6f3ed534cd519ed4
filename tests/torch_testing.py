"""Shared by the tests/test_torch_*.py files (imported, so that they need no conftest)."""
import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one intra-op thread is faster, and far faster on a shared, loaded machine
    (OpenMP threads spin-waiting for a busy core made one trainer test 40x slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
