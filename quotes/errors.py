"""The library's exceptions. The CLI turns each into a one-line message and an exit code."""


class QuotesError(Exception):
    """Base class for every error `quotes` raises on purpose."""


class InputError(QuotesError):
    """An input file or stream could not be read as an article."""


class ModelError(QuotesError):
    """The spaCy pipeline could not be loaded."""


class DatabaseError(QuotesError):
    """The database is missing, unreadable or not a `quotes` database."""


class NotFound(QuotesError):
    """A requested record does not exist."""


class ClusterError(QuotesError):
    """A Dask cluster could not run an ingest (`quotes.cluster`)."""


class ClusterAddressError(ClusterError):
    """No Dask scheduler at the address given, or an address that is not one (a usage error)."""
