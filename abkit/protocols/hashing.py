"""MurmurHash3 x86_32 of unit ids, vectorised in numpy.

The hash behind deterministic assignment: the same id and seed give the same 32-bit value on every machine, process
and Python version, and in every other language that implements MurmurHash3 x86_32 over UTF-8 bytes.

How it runs: keys become one flat byte buffer with start offsets and lengths (strings through Arrow, which holds them
as UTF-8 already; integers written as decimal digits by numpy), and the 4-byte blocks are read from that buffer as
unaligned little-endian words, all keys at once, block by block. Keys are processed longest first so that each block
step works on a contiguous prefix of the keys.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from abkit.errors import DataError, ParameterError

__all__ = ["murmur3_32"]

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_TAIL_MASKS = np.array([0x0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)
_FOUR_DIGITS = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), dtype="<u4")
_CHUNK = 1 << 18  # keys per pass: small temporaries, memory reused between passes

# One piece of keys: (buffer, starts, lengths); key i is buffer[starts[i]:starts[i] + lengths[i]].
_Piece = tuple[np.ndarray, np.ndarray, np.ndarray]


def murmur3_32(keys: Any, *, seed: int = 0) -> Any:
    """MurmurHash3 x86_32 of each key's UTF-8 bytes, as unsigned 32-bit integers.

    Parameters
    ----------
    keys : str, bytes, int, or array-like of them
        The keys: a numpy array (str, bytes, object or integer dtype), a pandas Series or Index, a pyarrow Array or
        ChunkedArray (string, binary, integer or dictionary of those), or a list. Strings are hashed as their UTF-8
        bytes, bytes as they are, integers as their decimal string (``42`` hashes like ``"42"``, ``-7`` like
        ``"-7"``). Floats and booleans are refused, as their text form is ambiguous.
    seed : int, default 0
        The seed, an integer in [0, 2**32).

    Returns
    -------
    numpy.ndarray of uint32, or numpy.uint32 for a single key
        The hash of each key, in input order.

    Raises
    ------
    ParameterError
        If the keys are of an unsupported type or the seed is out of range.
    DataError
        If a key is missing (None, NaN, NA).

    Notes
    -----
    The result equals ``mmh3.hash(key, seed, signed=False)`` of the ``mmh3`` package and the reference C++
    ``MurmurHash3_x86_32`` of SMHasher, applied to ``key.encode("utf-8")``.

    References
    ----------
    Appleby, A. (2011). MurmurHash3, SMHasher. https://github.com/aappleby/smhasher

    Examples
    --------
    >>> hex(murmur3_32("test"))
    '0xba6bd213'
    >>> murmur3_32(["", "a", 42], seed=1).tolist()
    [1364076727, 1485495528, 371412632]
    """
    seed = _check_seed(seed, "murmur3_32")
    if isinstance(keys, str | bytes | int | np.integer | np.str_ | np.bytes_) and not isinstance(keys, bool):
        return murmur3_32([keys], seed=seed)[0]
    return _hash_keys(keys, seed=seed, prefix=b"", param="keys", func="murmur3_32")


def _check_seed(seed: Any, func: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= int(seed) < 2**32:
        raise ParameterError(f"The 'seed' parameter of {func} must be an integer in [0, 2**32). Got {seed!r} instead.")
    return int(seed)


def _hash_keys(keys: Any, *, seed: int, prefix: bytes, param: str, func: str) -> np.ndarray:
    """Hash ``prefix + bytes(key)`` for every key; validation messages name ``param`` of ``func``."""
    try:
        normalised = _normalise(keys, param=param, func=func)
    except UnicodeError as error:
        raise ParameterError(
            f"The '{param}' parameter of {func} must hold valid Unicode strings. Got a string that cannot be encoded "
            f"as UTF-8 ({error}) instead; clean the ids (e.g. remove lone surrogates) first."
        ) from error
    return _hash_normalised(normalised, seed=seed, prefix=prefix)


def _hash_normalised(keys: np.ndarray | pa.Array | pa.ChunkedArray, *, seed: int, prefix: bytes) -> np.ndarray:
    if isinstance(keys, pa.ChunkedArray):
        parts = [_hash_normalised(chunk, seed=seed, prefix=prefix) for chunk in keys.chunks]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint32)
    if isinstance(keys, pa.Array) and pa.types.is_dictionary(keys.type):
        values = _hash_normalised(_arrow_keys(keys.dictionary), seed=seed, prefix=prefix)
        return values[keys.indices.to_numpy(zero_copy_only=False)]
    # Chunks of keys, so that the temporaries are small and their memory is reused from one chunk to the next.
    n = len(keys)
    out = np.empty(n, dtype=np.uint32)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        if isinstance(keys, np.ndarray):
            piece = _decimal_piece(keys[lo:hi])
        else:
            piece = _arrow_piece(keys.slice(lo, hi - lo))
        out[lo:hi] = _hash_piece(piece, seed=seed, prefix=prefix)
    return out


# ---------------------------------------------------------------------------------------------------------- input


def _normalise(keys: Any, *, param: str, func: str) -> np.ndarray | pa.Array | pa.ChunkedArray:
    """Integer ids as an int64/uint64 numpy array; anything else as an Arrow string/binary(/dictionary) array."""

    def refuse(found: str) -> ParameterError:
        return ParameterError(
            f"The '{param}' parameter of {func} must hold strings, bytes or integers. Got {found} instead; "
            "convert the ids to strings or integers first (e.g. ids.astype('int64') for whole-number floats)."
        )

    if isinstance(keys, pd.DataFrame):
        raise ParameterError(
            f"The '{param}' parameter of {func} must be one column of ids, not a DataFrame; "
            "pass the column, e.g. df['user_id']."
        )
    if isinstance(keys, pd.Series | pd.Index):
        if keys.hasnans:
            raise _missing_error(np.flatnonzero(pd.isna(np.asarray(keys, dtype=object)))[0], param, func)
        if keys.dtype.kind in "iu":
            return _normalise(keys.to_numpy(), param=param, func=func)
        keys = pa.array(keys, from_pandas=True)
    elif isinstance(keys, np.ndarray):
        if keys.ndim != 1:
            raise ParameterError(
                f"The '{param}' parameter of {func} must be one-dimensional. Got shape {keys.shape} instead."
            )
        if keys.dtype.kind in "iu":
            return _as_64_bits(keys)
        if keys.dtype.kind == "T":  # numpy's variable-width StringDType
            keys = keys.astype(object)
        if keys.dtype.kind not in "USO":
            raise refuse(f"an array of dtype {keys.dtype}")
        keys = _object_to_arrow(keys, refuse) if keys.dtype.kind == "O" else pa.array(keys)
    elif not isinstance(keys, pa.Array | pa.ChunkedArray):
        if isinstance(keys, str | bytes) or not hasattr(keys, "__iter__"):
            raise refuse(f"{type(keys).__name__}")
        keys = _object_to_arrow(np.fromiter(keys, dtype=object), refuse)
    if keys.null_count:
        valid = keys.is_valid().to_numpy(zero_copy_only=False)
        raise _missing_error(int(np.flatnonzero(~valid)[0]), param, func)
    return _arrow_keys(keys, refuse)


def _object_to_arrow(values: np.ndarray, refuse: Any) -> pa.Array | pa.ChunkedArray:
    """Object array of str, bytes or int to Arrow; mixed str/int keys become strings."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        arr = None
    if arr is not None:
        return arr
    # Mixed strings and integers, or integers beyond 64 bits: decimal text for each integer.
    out = np.empty(values.size, dtype=object)
    for i, v in enumerate(values):
        if isinstance(v, str):
            out[i] = v
        elif isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
            out[i] = str(int(v))
        elif v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
            out[i] = None
        else:
            raise refuse(f"an element of type {type(v).__name__} ({v!r}) at position {i}")
    return pa.array(out, type=pa.string(), from_pandas=True)


def _arrow_keys(arr: pa.Array | pa.ChunkedArray, refuse: Any = None) -> pa.Array | pa.ChunkedArray:
    t = arr.type
    if pa.types.is_null(t) and len(arr) == 0:  # an empty list or object array
        return np.empty(0, dtype=np.int64)
    value_type = t.value_type if pa.types.is_dictionary(t) else t
    if pa.types.is_integer(value_type) or _is_text(value_type) or value_type in (pa.string_view(), pa.binary_view()):
        if pa.types.is_dictionary(t) or _is_text(t):
            return arr
        if pa.types.is_integer(t):
            return _as_64_bits(np.asarray(arr.to_numpy(zero_copy_only=False)))
        return arr.cast(pa.large_binary())
    if refuse is None:
        raise ParameterError(f"Keys of Arrow type {t} cannot be hashed; cast them to strings or integers first.")
    raise refuse(f"Arrow type {t}")


def _as_64_bits(ids: np.ndarray) -> np.ndarray:
    return ids.astype(np.uint64 if ids.dtype.kind == "u" else np.int64, copy=False)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


def _missing_error(position: int, param: str, func: str) -> DataError:
    return DataError(
        f"The '{param}' parameter of {func} must not contain missing ids. Got a missing value at position "
        f"{position} instead; drop or fill the missing ids first."
    )


def _arrow_piece(arr: pa.Array) -> _Piece:
    """Flat bytes, starts and lengths of a string/binary Arrow array (zero copy where possible)."""
    t = arr.type
    large = pa.types.is_large_string(t) or pa.types.is_large_binary(t)
    _, offsets_buf, data_buf = arr.buffers()
    itemsize = 8 if large else 4
    offsets = np.frombuffer(
        offsets_buf, dtype=np.int64 if large else np.int32, count=len(arr) + 1, offset=arr.offset * itemsize
    )
    first, last = (int(offsets[0]), int(offsets[-1])) if len(arr) else (0, 0)
    if data_buf is None or last == first:
        data = np.empty(0, dtype=np.uint8)
    else:
        data = np.frombuffer(data_buf, dtype=np.uint8, count=last - first, offset=first)
    starts = offsets[:-1].astype(np.int64) - first
    return data, starts, np.diff(offsets).astype(np.int64)


def _decimal_piece(ids: np.ndarray) -> _Piece:
    """Decimal text of integers, right-aligned in a fixed-width byte matrix (numpy only, no Python loop per id).

    Four digits at a time: the remainder by 10,000 indexes a table of the 4-byte texts "0000" ... "9999".
    """
    n = ids.size
    negative = ids < 0 if ids.dtype.kind == "i" else np.zeros(n, dtype=bool)
    magnitude = ids.view(np.uint64)
    if negative.any():  # two's-complement negation in uint64 is exact for every int64, including -2**63
        magnitude = np.where(negative, ~magnitude + np.uint64(1), magnitude)
    top = int(magnitude.max()) if n else 0
    work = magnitude.astype(np.uint32) if top < 2**32 else magnitude.copy()
    n_digits = len(str(top))
    digits = np.ones(n, dtype=np.int64)
    for k in range(1, n_digits):
        digits += work >= work.dtype.type(10**k)
    lengths = digits + negative
    n_words = (n_digits + 1 + 3) // 4
    width = 4 * n_words
    matrix = np.empty((n, n_words), dtype="<u4")
    ten_thousand = work.dtype.type(10_000)
    for g in range(n_words):
        work, group = np.divmod(work, ten_thousand)
        matrix[:, n_words - 1 - g] = _FOUR_DIGITS[group]
    text = matrix.view(np.uint8).reshape(n, width)
    if negative.any():
        rows = np.flatnonzero(negative)
        text[rows, width - 1 - digits[rows]] = ord("-")
    starts = np.arange(n, dtype=np.int64) * width + (width - lengths)
    return text.reshape(-1), starts, lengths


# ----------------------------------------------------------------------------------------------------------- core


def _rotl(x: np.ndarray, r: int) -> None:
    high = x >> np.uint32(32 - r)
    x <<= np.uint32(r)
    x |= high


def _mix_k(k: np.ndarray) -> None:
    k *= _C1
    _rotl(k, 15)
    k *= _C2


def _mix_h(h: np.ndarray, k: np.ndarray) -> None:
    h ^= k
    _rotl(h, 13)
    h *= np.uint32(5)
    h += np.uint32(0xE6546B64)


def _fmix(h: np.ndarray) -> None:
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)


def _hash_piece(piece: _Piece, *, seed: int, prefix: bytes) -> np.ndarray:
    """MurmurHash3 x86_32 of ``prefix + buf[start:start + length]`` for each key of the piece.

    The prefix's whole 4-byte blocks are hashed once; its last ``r = len(prefix) % 4`` bytes are the low bytes of
    each key's first virtual word, which is read at ``start - r`` and patched.
    """
    data, starts, lengths = piece
    n_full = len(prefix) // 4
    r = len(prefix) % 4
    h0 = np.array([seed], dtype=np.uint32)
    for j in range(n_full):
        k = np.frombuffer(prefix, dtype="<u4", count=1, offset=4 * j).astype(np.uint32)
        _mix_k(k)
        _mix_h(h0, k)
    patch = (np.uint32((1 << (8 * r)) - 1), np.uint32(int.from_bytes(prefix[4 * n_full :], "little")))
    # 4 zero bytes before (reads at start - r) and 4 after (the tail word may run past the end).
    padded = np.zeros(data.size + 8, dtype=np.uint8)
    padded[4 : 4 + data.size] = data
    words = np.ndarray(shape=(padded.size - 3,), dtype="<u4", buffer=padded, strides=(1,))
    return _hash_chunk(words, starts + (4 - r), lengths + r, h0[0], r, patch, len(prefix) - r)


def _hash_chunk(
    words: np.ndarray,
    vstarts: np.ndarray,
    vlengths: np.ndarray,
    h0: np.uint32,
    r: int,
    patch: tuple[np.uint32, np.uint32],
    extra_length: int,
) -> np.ndarray:
    """Blocks, tail and finalisation for keys whose virtual bytes start at ``vstarts`` in ``words``."""
    mask, pword = patch
    n_blocks = vlengths >> 2
    most = int(n_blocks.max()) if n_blocks.size else 0
    least = int(n_blocks.min()) if n_blocks.size else 0
    order = None
    if most != least:  # longest first, so that each block step works on a contiguous prefix
        descending = most - n_blocks
        if most < 2**16:  # 16-bit keys sort by radix, in linear time
            descending = descending.astype(np.uint16)
        order = np.argsort(descending, kind="stable")
        vstarts, vlengths, n_blocks = vstarts[order], vlengths[order], n_blocks[order]
    counts = np.searchsorted(-n_blocks, -np.arange(most), side="left") if order is not None else None
    h = np.full(vstarts.size, h0, dtype=np.uint32)
    for j in range(most):
        c = vstarts.size if counts is None or j < least else int(counts[j])
        k = words[vstarts[:c] + 4 * j]
        if j == 0 and r:
            k &= ~mask
            k |= pword
        _mix_k(k)
        _mix_h(h[:c], k)
    k = words[vstarts + 4 * n_blocks]
    if r:
        first = n_blocks == 0
        k[first] = (k[first] & ~mask) | pword
    k &= _TAIL_MASKS[vlengths & 3]
    _mix_k(k)
    h ^= k
    h ^= (vlengths + extra_length).astype(np.uint32)
    _fmix(h)
    if order is None:
        return h
    out = np.empty_like(h)
    out[order] = h
    return out
