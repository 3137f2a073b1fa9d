"""Exceptions that hypergensim raises for user mistakes and unusable data.

Every exception here is *expected*: the command line prints its message on
one line and exits non-zero, without a traceback (``--debug`` shows one).
Messages name the file, the line and the offending value wherever one
applies, so a user can fix the input without reading code.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "HypergensimError",
    "InputError",
    "CycleError",
    "ConfigError",
    "DataUnavailableError",
    "NumericalError",
    "MissingDependencyError",
]


class HypergensimError(Exception):
    """Base class of every error hypergensim reports to a user.

    Examples
    --------
    >>> try:
    ...     raise DataUnavailableError("WordNet 3.0 not found: run `hypergensim data wordnet`")
    ... except HypergensimError as err:  # every error hypergensim reports
    ...     print(err)
    WordNet 3.0 not found: run `hypergensim data wordnet`
    """


class InputError(HypergensimError, ValueError):
    """Bad input data: a file, a line in it, or a value passed in Python.

    Parameters
    ----------
    message : str
        What is wrong, in words.
    path : str or Path, optional
        The file the problem is in.
    line : int, optional
        The 1-based line number in ``path``.
    value : str, optional
        The offending content, shown shortened and quoted.

    Examples
    --------
    >>> print(InputError("expected 2 columns, found 3", path="edges.csv", line=7, value="dog,mammal,x"))
    edges.csv:7: expected 2 columns, found 3: 'dog,mammal,x'
    >>> isinstance(InputError("bad"), ValueError)
    True
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        value: object = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.value = value
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        elif line is not None:
            where = f"line {line}: "
        shown = ""
        if value is not None:
            text = value if isinstance(value, str) else repr(value)
            if len(text) > 80:
                text = text[:77] + "..."
            shown = f": {text!r}"
        super().__init__(f"{where}{message}{shown}")


class CycleError(InputError):
    """The relations contain a directed cycle, so they are not a hierarchy.

    Examples
    --------
    >>> print(CycleError(["a", "b"], path="edges.tsv"))
    edges.tsv: the relations contain a cycle (2 nodes): a -> b -> a
    """

    def __init__(self, cycle: list[str], *, path: str | Path | None = None) -> None:
        self.cycle = list(cycle)
        shown = " -> ".join(self.cycle[:12] + (["..."] if len(self.cycle) > 12 else []))
        super().__init__(
            f"the relations contain a cycle ({len(self.cycle)} nodes): {shown} -> {self.cycle[0]}",
            path=path,
        )


class ConfigError(HypergensimError, ValueError):
    """An invalid parameter, preset, or experiment specification.

    Examples
    --------
    >>> isinstance(ConfigError("dim must be >= 1"), ValueError)  # code that catches ValueError catches it too
    True
    """


class DataUnavailableError(HypergensimError):
    """A data set that hypergensim needs (such as WordNet) cannot be found.

    Examples
    --------
    >>> print(DataUnavailableError("WordNet 3.0 not found"))
    WordNet 3.0 not found
    """


class NumericalError(HypergensimError, FloatingPointError):
    """Training or evaluation met NaN or infinite values.

    Examples
    --------
    >>> isinstance(NumericalError("the loss is NaN at epoch 3"), FloatingPointError)
    True
    """


class MissingDependencyError(HypergensimError, ImportError):
    """An optional package (an extra such as ``hypergensim[keras]``) is needed but not installed.

    Examples
    --------
    >>> isinstance(MissingDependencyError("keras is not installed: pip install 'hypergensim[keras]'"), ImportError)
    True
    """
