"""Reading a cursor's batches ahead on a thread: the same batches in order, an error where
the caller reads, and a caller that stops early leaves no thread behind."""

from __future__ import annotations

import threading

import pytest

from ledger.services.read_ahead import read_ahead


def test_batches_come_in_order_and_all_of_them():
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_while_fetching_is_raised_to_the_reader_after_the_batches_before_it():
    def batches():
        yield 1
        yield 2
        raise LookupError("cursor gone")

    seen = []
    with pytest.raises(LookupError, match="cursor gone"):
        for batch in read_ahead(batches()):
            seen.append(batch)
    assert seen == [1, 2]


def test_a_reader_that_stops_early_stops_the_thread():
    fetched = []

    def batches():
        for n in range(10_000):
            fetched.append(n)
            yield n

    reader = read_ahead(batches(), depth=2)
    assert next(reader) == 0
    reader.close()
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
    assert len(fetched) < 10, "it fetched a few ahead, not the whole cursor"
