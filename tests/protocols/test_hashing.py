from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abkit.errors import DataError, ParameterError
from abkit.protocols import hashing
from abkit.protocols.hashing import murmur3_32

_MASK = 0xFFFFFFFF


def reference_murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3_x86_32 written from the SMHasher C++ source, one byte string at a time (independent of abkit)."""

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & _MASK

    def scramble(k: int) -> int:
        return (rotl((k * 0xCC9E2D51) & _MASK, 15) * 0x1B873593) & _MASK

    h = seed
    n_body = len(data) - len(data) % 4
    for i in range(0, n_body, 4):
        h ^= scramble(int.from_bytes(data[i : i + 4], "little"))
        h = (rotl(h, 13) * 5 + 0xE6546B64) & _MASK
    tail = data[n_body:]
    if tail:
        h ^= scramble(int.from_bytes(tail, "little"))
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    return h ^ (h >> 16)


# Published MurmurHash3_x86_32 test vectors: (key bytes, seed, hash). Sources: the vectors checked against the
# SMHasher reference and collected in the Stack Overflow question "MurmurHash3 test vectors", the mmh3 README
# ("Hello, world!", seed 1234) and Wikipedia's MurmurHash page. Every tail length 0..3 appears, and multi-byte
# UTF-8 ("π" is 2 bytes). Each also checked here with mmh3 5.3.1: mmh3.hash(key, seed, signed=False).
PUBLISHED = [
    (b"", 0, 0),
    (b"", 1, 0x514E28B7),
    (b"", 0xFFFFFFFF, 0x81F16F39),
    (b"\x00\x00\x00\x00", 0, 0x2362F9DE),
    (b"\xff\xff\xff\xff", 0, 0x76293B50),
    (b"\x21\x43\x65\x87", 0, 0xF55B516B),
    (b"\x21\x43\x65\x87", 0x5082EDEE, 0x2362F9DE),
    (b"\x21\x43\x65", 0, 0x7E4A8634),
    (b"\x21\x43", 0, 0xA0F7B07A),
    (b"\x21", 0, 0x72661CF4),
    (b"\x00\x00\x00", 0, 0x85F0B427),
    (b"\x00\x00", 0, 0x30F4C306),
    (b"\x00", 0, 0x514E28B7),
    (b"aaaa", 0x9747B28C, 0x5A97808A),
    (b"aaa", 0x9747B28C, 0x283E0130),
    (b"aa", 0x9747B28C, 0x5D211726),
    (b"a", 0x9747B28C, 0x7FA09EA6),
    (b"abcd", 0x9747B28C, 0xF0478627),
    (b"abc", 0x9747B28C, 0xC84A62DD),
    (b"ab", 0x9747B28C, 0x74875592),
    (b"Hello, world!", 0x9747B28C, 0x24884CBA),
    ("ππππππππ".encode(), 0x9747B28C, 0xD58063C1),
    (b"a" * 256, 0x9747B28C, 0x37405BDC),
    (b"abc", 0, 0xB3DD93FA),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0, 0xEE925B90),
    (b"The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
    (b"test", 0, 0xBA6BD213),
    (b"Hello, world!", 1234, 0xFAF6CDB3),
]

# Multi-byte UTF-8 strings (2, 3, 4 bytes per character), seeds 0 and 42; computed with mmh3 5.3.1 as
# mmh3.hash(key, seed, signed=False) and with reference_murmur3_32(key.encode(), seed).
UTF8 = [
    ("é", 0x10110787, 0x3D08829F),
    ("€", 0x5B43FCA5, 0x209FC060),
    ("😀", 0xBEB42EFA, 0x6FEF0513),
    ("日本語", 0xA5A47297, 0xC5C6DEB8),
    ("naïve café", 0x6764EA36, 0xA4975774),
]


def _random_strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcXYZ019_-:é€日😀\x00 "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(n)]


@pytest.mark.parametrize(("key", "seed", "expected"), PUBLISHED)
def test_murmur3_32_published_vectors(key: bytes, seed: int, expected: int) -> None:
    assert reference_murmur3_32(key, seed) == expected  # the test's own reference agrees with the publication
    assert murmur3_32(key, seed=seed) == expected
    assert murmur3_32([key], seed=seed).tolist() == [expected]


def test_murmur3_32_published_vectors_in_one_array() -> None:
    for seed in {s for _, s, _ in PUBLISHED}:
        keys = [k for k, s, _ in PUBLISHED if s == seed]
        expected = [h for _, s, h in PUBLISHED if s == seed]
        got = murmur3_32(np.array(keys, dtype=object), seed=seed)
        assert got.dtype == np.uint32
        assert got.tolist() == expected


@pytest.mark.parametrize(("key", "expected_0", "expected_42"), UTF8)
def test_murmur3_32_utf8_strings(key: str, expected_0: int, expected_42: int) -> None:
    assert murmur3_32(key) == expected_0 == reference_murmur3_32(key.encode(), 0)
    assert murmur3_32(key, seed=42) == expected_42 == reference_murmur3_32(key.encode(), 42)


def test_murmur3_32_random_strings_match_reference() -> None:
    keys = _random_strings(3000, seed=1)
    for seed in (0, 1, 0x9747B28C, 0xFFFFFFFF):
        expected = [reference_murmur3_32(k.encode(), seed) for k in keys]
        assert murmur3_32(keys, seed=seed).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.text(max_size=30) | st.binary(max_size=30), max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_murmur3_32_property_matches_reference(keys: list[str | bytes], seed: int) -> None:
    texts = [k for k in keys if isinstance(k, str)]
    blobs = [k for k in keys if isinstance(k, bytes)]
    for group, encode in ((texts, str.encode), (blobs, bytes)):
        got = murmur3_32(pa.array(group, type=pa.string() if group is texts else pa.binary()), seed=seed)
        assert got.tolist() == [reference_murmur3_32(encode(k), seed) for k in group]


def test_murmur3_32_matches_mmh3_package() -> None:
    mmh3 = pytest.importorskip("mmh3")
    keys = _random_strings(20_000, seed=2)
    expected = [mmh3.hash(k, 7, signed=False) for k in keys]
    assert murmur3_32(keys, seed=7).tolist() == expected


def test_murmur3_32_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _random_strings(500, seed=3) + list(range(-50, 50))
    whole = murmur3_32(keys)
    monkeypatch.setattr(hashing, "_CHUNK", 7)
    assert murmur3_32(keys).tolist() == whole.tolist()
    assert murmur3_32(np.arange(-50, 50)).tolist() == whole[-100:].tolist()
    assert whole.tolist() == [reference_murmur3_32(str(k).encode()) for k in keys]


def test_murmur3_32_prefix_matches_concatenation() -> None:
    keys = _random_strings(400, seed=4)
    for prefix in ("", "a", "ab", "abc", "abcd", "abcde", "exp-42:", "éé:"):
        got = hashing._hash_keys(keys, seed=5, prefix=prefix.encode(), param="keys", func="test")
        assert got.tolist() == [reference_murmur3_32((prefix + k).encode(), 5) for k in keys]


def test_murmur3_32_integers_hash_as_decimal_text() -> None:
    ints = [0, 1, -1, 9, 10, 99, 100, 9999, 10_000, -10_000, 2**31, 2**32 - 1, 2**32, 10**15, -(2**63), 2**63 - 1]
    expected = [reference_murmur3_32(str(i).encode()) for i in ints]
    assert murmur3_32(np.array(ints, dtype=np.int64)).tolist() == expected
    assert murmur3_32(ints).tolist() == expected
    assert murmur3_32(pd.Series(ints)).tolist() == expected
    assert murmur3_32(pa.array(ints)).tolist() == expected
    assert murmur3_32(-7) == reference_murmur3_32(b"-7")
    big = [2**64 - 1, 2**63, 0]
    assert murmur3_32(np.array(big, dtype=np.uint64)).tolist() == [reference_murmur3_32(str(i).encode()) for i in big]
    assert murmur3_32([2**70, "x"]).tolist() == [reference_murmur3_32(str(2**70).encode()), murmur3_32("x")]
    small = np.arange(-300, 300, dtype=np.int16)
    expected_small = [reference_murmur3_32(str(i).encode()) for i in small]
    assert murmur3_32(small).tolist() == expected_small
    assert murmur3_32(pa.array(small)).tolist() == expected_small
    assert murmur3_32(pa.array(small).dictionary_encode()).tolist() == expected_small
    assert murmur3_32(small.astype(object)).tolist() == expected_small
    assert murmur3_32(pa.array(np.arange(250, dtype=np.uint8))).tolist() == expected_small[300:550]


def test_murmur3_32_input_types_agree() -> None:
    keys = ["user_1", "", "日本語", "a b", "x" * 33]
    expected = [reference_murmur3_32(k.encode()) for k in keys]
    variants = [
        keys,
        tuple(keys),
        np.array(keys),
        np.array(keys, dtype=object),
        np.array(keys, dtype=np.dtypes.StringDType()),
        np.array([k.encode() for k in keys], dtype=object),
        pd.Series(keys),
        pd.Series(keys, dtype=object),
        pd.Series(keys, dtype="category"),
        pd.Index(keys),
        pa.array(keys),
        pa.array(keys, type=pa.large_string()),
        pa.array(keys, type=pa.string_view()),
        pa.chunked_array([keys[:2], keys[2:]]),
        pa.array(["pad", *keys]).slice(1),
        pa.array(keys).dictionary_encode(),
    ]
    for v in variants:
        assert murmur3_32(v).tolist() == expected, type(v)
    assert murmur3_32(pd.Series([5, 6], dtype="Int64")).tolist() == murmur3_32(["5", "6"]).tolist()
    assert murmur3_32(pd.Series([10, 20, 10]).astype("category")).tolist() == murmur3_32(["10", "20", "10"]).tolist()
    assert murmur3_32(np.array([b"ab", b"c"])).tolist() == murmur3_32(["ab", "c"]).tolist()


def test_murmur3_32_empty_and_long_keys() -> None:
    assert murmur3_32(pa.array(["", ""])).tolist() == [0, 0]
    assert murmur3_32(pa.array(["ab", "", ""]).slice(1)).tolist() == [0, 0]
    long_keys = ["x" * 20_001, "y", "z" * 4_000]
    assert murmur3_32(long_keys, seed=3).tolist() == [reference_murmur3_32(k.encode(), 3) for k in long_keys]


def test_murmur3_32_empty_input() -> None:
    for empty in ([], np.array([], dtype=str), np.array([], dtype=np.int64), pd.Series([], dtype=object)):
        got = murmur3_32(empty)
        assert got.dtype == np.uint32
        assert got.shape == (0,)


@pytest.mark.parametrize(
    "keys",
    [
        np.array([1.5, 2.0]),
        pd.Series([1.0, 2.0]),
        np.array([True, False]),
        [1.5],
        [True],
        ["a", 1.5],
        np.array([["a", "b"]]),
        pd.DataFrame({"id": ["a"]}),
        pa.array([1.0]),
        1.5,
        None,
    ],
)
def test_murmur3_32_bad_keys_raise(keys: object) -> None:
    with pytest.raises(ParameterError, match="'keys' parameter of murmur3_32"):
        murmur3_32(keys)


@pytest.mark.parametrize(
    "keys", [["a", None], np.array(["a", np.nan], dtype=object), pd.Series(["a", None]), pa.array(["a", None])]
)
def test_murmur3_32_missing_keys_raise(keys: object) -> None:
    with pytest.raises(DataError, match="missing"):
        murmur3_32(keys)


def test_murmur3_32_invalid_unicode_raises() -> None:
    with pytest.raises(ParameterError, match="valid Unicode"):
        murmur3_32(["ok", "a\ud800"])


@pytest.mark.parametrize("seed", [-1, 2**32, 1.0, True, "0"])
def test_murmur3_32_bad_seed_raises(seed: object) -> None:
    with pytest.raises(ParameterError, match="'seed' parameter of murmur3_32"):
        murmur3_32(["a"], seed=seed)  # type: ignore[arg-type]
