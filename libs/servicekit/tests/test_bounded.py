import pytest

from servicekit.bounded import BoundedDict


def test_putting_past_the_bound_empties_the_map_first_when_it_drops_all() -> None:
    kept: BoundedDict[str, int] = BoundedDict(3)
    for n, key in enumerate("abc"):
        kept.put(key, n)
    assert kept.full()

    kept.put("d", 3)

    assert kept == {"d": 3}


def test_putting_past_the_bound_forgets_the_oldest_put_when_it_drops_the_oldest() -> None:
    kept: BoundedDict[str, int] = BoundedDict(3, drop="oldest")
    for n, key in enumerate("abcd"):
        kept.put(key, n)

    assert list(kept) == ["b", "c", "d"]


def test_putting_several_makes_room_for_all_of_them() -> None:
    dropping_all: BoundedDict[str, int] = BoundedDict(4)
    dropping_oldest: BoundedDict[str, int] = BoundedDict(4, drop="oldest")
    for kept in (dropping_all, dropping_oldest):
        kept.put_all({"a": 0, "b": 1, "c": 2})
        kept.put_all({"d": 3, "e": 4})

    assert dropping_all == {"d": 3, "e": 4}
    assert list(dropping_oldest) == ["b", "c", "d", "e"]


def test_a_map_within_its_bound_keeps_everything_and_reads_as_a_dict() -> None:
    kept: BoundedDict[str, int] = BoundedDict(2)
    kept.put("a", 0)
    assert not kept.full()
    kept.put("b", 1)

    assert kept.full()
    assert kept.get("a") == 0 and "b" in kept and kept.pop("b") == 1
    assert kept == {"a": 0}


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        BoundedDict(0)
