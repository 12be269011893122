"""Opening the database, each thread's connection, the file's identity, transactions and durability.

:class:`StoreConnections` is the base every table module's mixin builds on: it owns the connections and
:meth:`~StoreConnections.transaction`, and reads through :meth:`~StoreConnections._rows` and friends, which turn a
SQLite failure into a typed error (:func:`explain`).

Connections are opened in SQLite's autocommit mode (``isolation_level=None``): Python's ``sqlite3`` never begins a
transaction behind the store's back, so a transaction is exactly a ``transaction()`` block (``BEGIN IMMEDIATE`` ...
``COMMIT``), and a statement outside one cannot leave an implicit transaction open that a later block would join
and never commit.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import sqlite_utils

from barcode_plugins.errors import BarcodeError, EnvironmentFault, StoreError
from barcode_plugins.store.schema import APPLICATION_ID, OUR_TABLES, SCHEMA_VERSION, migrate, read_version

BUSY_TIMEOUT_SECONDS = 30.0
_SQLITE_HEADER = b"SQLite format 3\x00"
#: The store class a transaction belongs to (``with store.transaction() as same_store:``).
S = TypeVar("S", bound="StoreConnections")


def explain(error: sqlite3.DatabaseError, path: str) -> BarcodeError:
    """The typed error for a SQLite failure: the machine's fault (:class:`EnvironmentFault`: disk full,
    read-only, locked too long, I/O) or the file's (:class:`StoreError`: not SQLite, damaged)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return EnvironmentFault(f"cannot write database {path}: the disk is full (nothing was written)")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return EnvironmentFault(f"cannot write database {path}: it is read-only ({text})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return EnvironmentFault(
            f"database {path} stayed locked by another process for more than {BUSY_TIMEOUT_SECONDS:g} s; try again"
        )
    if name.startswith("SQLITE_IOERR"):
        return EnvironmentFault(f"cannot read or write database {path}: input/output error ({text})")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text or "malformed" in text:
        return StoreError(f"{path} is not a barcode-plugins database (not SQLite, or damaged): {text}")
    if name == "SQLITE_CANTOPEN" or "unable to open" in text:
        return StoreError(f"cannot open database {path}: {text} (is the directory writable?)")
    return StoreError(f"database {path}: {text}")


def _identity(path: str) -> tuple[int, int] | None:
    """Device and inode of a file (``None`` if it does not exist): what stays the same while it is the same file."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _open(target: str, *, uri: bool = False) -> sqlite3.Connection:
    # Autocommit (isolation_level=None): only the store begins and ends transactions (see the module docstring).
    return sqlite3.connect(target, uri=uri, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False, isolation_level=None)


def _rollback(conn: sqlite3.Connection) -> None:
    # A failed rollback (rare: WAL rollback only forgets frames) must not hide the error that caused it; what was
    # not committed is not in the file either way.
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")


class _Transaction(Generic[S]):
    """:meth:`StoreConnections.transaction`. A class rather than ``@contextmanager``: a receive enters it twice per
    scan and the generator machinery cost more than the rest of the bookkeeping."""

    __slots__ = ("_joined", "_store")

    def __init__(self, store: S) -> None:
        self._store = store
        self._joined = False

    def __enter__(self) -> S:
        store = self._store
        memory_lock = store._memory_lock
        if memory_lock is not None:
            memory_lock.acquire()  # the one in-memory connection: threads take turns, whole transactions
        try:
            conn = store.db.conn
            if conn.in_transaction:
                self._joined = True
                return store
            if memory_lock is None:
                store.check_file()
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            self._release()
            raise explain(error, store.path) from None
        except BaseException:
            self._release()
            raise
        return store

    def _release(self) -> None:
        if self._store._memory_lock is not None:
            self._store._memory_lock.release()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if self._joined:
                return  # the outer transaction commits or rolls back
            conn = self._store.db.conn
            if exc_type is not None:
                _rollback(conn)
                if isinstance(exc, sqlite3.DatabaseError):  # e.g. the disk filled up in the middle
                    raise explain(exc, self._store.path) from None
                return  # the exception propagates
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                _rollback(conn)
                raise explain(error, self._store.path) from None
        finally:
            self._release()


class StoreConnections:
    """The connections of one SQLite database file (or of one in-memory database) and their transactions.

    :param path: a file path, or ``":memory:"`` for a throwaway store. The parent directory must exist (the
        engine creates the default data directory; a path the user gave is never created silently).
    :raises StoreError: the file is not a barcode-plugins database (another application's SQLite file is
        inspected read-only and refused without a byte changed), or it cannot be opened.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        self._memory_lock: threading.RLock | None = threading.RLock() if memory else None
        self._local = threading.local()
        #: Every open connection and the thread it belongs to (close() closes them all).
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        self._durable = False
        self._closed = False
        self._shared_db: sqlite_utils.Database | None = None
        self._identity: tuple[int, int] | None = None
        self._wal_identity: tuple[int, int] | None = None
        if not memory:
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreError(f"cannot open database {self.path}: directory {parent} does not exist")
            self._inspect()
        try:
            db = self._connect(_open(self.path))
            if not memory:
                db.enable_wal()
            self._migrate()
            if not memory:
                self._identity = _identity(self.path)
                self._wal_identity = _identity(self.path + "-wal")
        except sqlite3.DatabaseError as error:
            self.close()
            raise explain(error, self.path) from None
        except OSError as error:
            self.close()
            raise StoreError(f"cannot open database {self.path}: {error.strerror or error}") from None
        except BaseException:
            self.close()
            raise

    def _inspect(self) -> None:
        """Refuse a file that is not ours before writing anything to it (not even ``journal_mode``)."""
        try:
            with open(self.path, "rb") as handle:
                header = handle.read(100)
        except FileNotFoundError:
            return  # a new database
        except OSError as error:
            raise StoreError(f"cannot open database {self.path}: {error.strerror or error}") from None
        if not header:
            return  # an empty file: SQLite makes it a new database
        if len(header) < 100 or not header.startswith(_SQLITE_HEADER):
            raise StoreError(f"{self.path} is not a barcode-plugins database (not SQLite, or damaged)")
        if int.from_bytes(header[68:72], "big") == APPLICATION_ID:
            return
        # No id in the file's header: a database of version 2 or older, one whose header is still in the WAL, or
        # another application's. A read-only look tells them apart.
        try:
            conn = _open(f"file:{quote(os.path.abspath(self.path))}?mode=ro", uri=True)
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if application_id == APPLICATION_ID:
                return
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return
            ours = application_id == 0 and tables >= OUR_TABLES
            if ours:
                ours = conn.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is not None
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
        finally:
            conn.close()
        if not ours:
            raise StoreError(
                f"{self.path} is a SQLite database of another application (no barcode-plugins schema);"
                " it was left untouched"
            )

    def _connect(self, conn: sqlite3.Connection) -> sqlite_utils.Database:
        """Set up a new connection for the calling thread and remember it for :meth:`close`. Connections of
        threads that have ended are closed here: a server starting a thread per request must not leak one each."""
        with self._connections_lock:
            if self._closed:
                conn.close()
                raise StoreError(f"database {self.path} is closed")
            self._connections.append((threading.current_thread(), conn))
        db = sqlite_utils.Database(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA synchronous = {'FULL' if self._durable else 'NORMAL'}")
        self._local.db = db
        if self._memory_lock is not None:
            self._shared_db = db
            return db
        if self._identity is not None:
            # Read first, so this connection holds the write-ahead log open: closing the last other one below
            # would otherwise delete the -wal file, and a new one would look like a replaced log.
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with self._connections_lock:
            ended = [old for thread, old in self._connections if not thread.is_alive()]
            self._connections = [(thread, old) for thread, old in self._connections if thread.is_alive()]
        for old in ended:
            old.close()  # its thread is gone, so nothing can be using it
        return db

    @property
    def db(self) -> sqlite_utils.Database:
        """The calling thread's connection (opened on its first use; the one connection of a memory store)."""
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        if self._memory_lock is not None:
            if self._shared_db is None:
                raise StoreError("the in-memory database is closed")
            return self._shared_db
        if self._closed:
            raise StoreError(f"database {self.path} is closed")
        self.check_file()  # a new connection must not create an empty file where the database was
        try:
            return self._connect(_open(f"file:{quote(os.path.abspath(self.path))}?mode=rw", uri=True))
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    def check_file(self) -> None:
        """Raise :class:`EnvironmentFault` if the database file (or its write-ahead log) was removed or replaced
        since the store opened it: writing on would go to a file nobody will read again. Two ``stat`` calls."""
        if self._identity is None:
            return
        current = _identity(self.path)
        problem = None
        if current is None:
            problem = "was removed"
        elif current != self._identity:
            problem = "was replaced by another file"
        elif self._wal_identity is not None and _identity(self.path + "-wal") != self._wal_identity:
            problem = "lost its write-ahead log (the -wal file was removed or replaced)"
        if problem:
            raise EnvironmentFault(
                f"database {self.path} {problem} while open; stopped before writing (reopen it to go on)"
            )

    def set_durable(self, durable: bool) -> None:
        """``True``: every commit is fsynced (survives power loss; interactive receiving).

        ``False`` (default): WAL with ``synchronous=NORMAL`` — a commit survives a killed process, which is what a
        batch needs, at a fraction of the cost. Applies to the calling thread's connection and every one opened
        after.
        """
        self._durable = durable
        self.db.conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")

    def close(self) -> None:
        """Close every thread's connection. Call it when no thread uses the store any more."""
        with self._connections_lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for _thread, conn in connections:
            conn.close()
        self._local = threading.local()
        self._shared_db = None

    def transaction(self: S) -> AbstractContextManager[S]:
        """One write transaction (``BEGIN IMMEDIATE``: takes the write lock up front, so read-then-write is safe
        against other processes and threads). Nested use joins the outer transaction.

        :raises EnvironmentFault: the file was removed or replaced, the disk is full, the file is read-only, or
            another writer held the lock longer than the busy timeout.
        """
        return _Transaction(self)

    def _migrate(self) -> None:
        if read_version(self.db, self.path) >= SCHEMA_VERSION:
            return  # the usual case: no write lock taken
        conn = self.db.conn
        # A table rebuild (version 3) drops tables other tables point at: foreign keys wait until it is done.
        # The pragma cannot change inside a transaction, so it is set around it.
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self.transaction():
                migrate(self.db, self.path)
        finally:
            conn.execute("PRAGMA foreign_keys = ON")

    def schema_version(self) -> int:
        """The schema version the database is at."""
        try:
            return read_version(self.db, self.path)
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    # -- reads: plain statements on the thread's connection, failures explained -------------------------------
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        # The raw connection, not ``db.query``: its savepoint guard triples the statements of a hot lookup.
        try:
            cursor = self.db.conn.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    def _one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _tuples(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows as tuples, for hot reads where a dict per row costs more than the query."""
        try:
            return self.db.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self._tuples(sql, params)
        return rows[0][0] if rows else None

    def _table_rows(
        self, table: str, where: str | None = None, params: Sequence[Any] = (), order_by: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows of one table through sqlite-utils' ``rows_where``: the idiom for reads that are not hot."""
        try:
            return list(self.db.table(table).rows_where(where, params, order_by=order_by))
        except sqlite3.DatabaseError as error:
            raise explain(error, self.path) from None
