"""Getting millions of generated rows into PostgreSQL quickly, and knowing when they are there.

* ``BufferedSink`` keeps the rows in memory and COPYs them through Django's connection at
  the end (small loads, and inside a test's transaction).
* ``StreamingSink`` COPYs each table through its own connection while the rows are being
  generated, so PostgreSQL parses and stores on the second core while Python plays the
  tickets on the first. Those connections skip the foreign-key triggers
  (``session_replication_role = replica``, a superuser setting; the rows come from one
  consistent model and ``bench.dashboard.check_ledger`` checks them afterwards).
* ``secondary_indexes_dropped`` drops the plain indexes of the loaded tables for the load
  and builds them again afterwards, two at a time; primary keys and unique constraints stay.
* ``Marker``: a one-row table in the benchmark database saying what was built, so a rerun
  with the same sizes reuses it.
"""

import io
import json
import queue
import re
import threading
import time

MARKER_TABLE = "bench_dashboard_build"
CHUNK_LINES = 20_000


def connection_kwargs(settings_dict: dict, dbname: str | None = None) -> dict:
    return {
        "dbname": dbname or settings_dict["NAME"],
        "user": settings_dict.get("USER") or "postgres",
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
    }


def lift_statement_timeout(settings_dict: dict) -> None:
    """Django's connections from now on run without config.settings' statement timeout:
    migrating, loading and replaying a million tickets takes minutes, not a page's 30 s."""
    from django.db import connection

    options = settings_dict.setdefault("OPTIONS", {})
    if "statement_timeout=" in options.get("options", ""):
        options["options"] = re.sub(r"statement_timeout=\d+", "statement_timeout=0", options["options"])
        connection.close()


def connect(settings_dict: dict, dbname: str | None = None, *, autocommit: bool = True):
    import psycopg2

    conn = psycopg2.connect(**connection_kwargs(settings_dict, dbname))
    conn.autocommit = autocommit
    return conn


# --- sinks -------------------------------------------------------------------------------


class BufferedSink:
    """Rows in memory, COPYed in table order by ``copy(cursor)``."""

    def __init__(self, tables: dict[str, str]):
        self.tables = tables
        self.buffers = {table: io.StringIO() for table in tables}
        self.counts = dict.fromkeys(tables, 0)

    def write(self, table: str, line: str) -> None:
        self.buffers[table].write(line)
        self.counts[table] += 1

    def copy(self, raw_cursor) -> None:
        for table, columns in self.tables.items():
            buffer = self.buffers[table]
            buffer.seek(0)
            raw_cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


class _Chunks(io.TextIOBase):
    """A file for ``copy_expert`` that reads the chunks another thread puts in a queue."""

    def __init__(self, chunks: queue.Queue):
        self.chunks = chunks

    def read(self, size=-1) -> str:
        chunk = self.chunks.get()
        return chunk or ""

    def readline(self, size=-1) -> str:  # pragma: no cover - COPY only calls read()
        return self.read(size)


class StreamingSink:
    """One COPY per table, each on its own connection and thread, fed while rows are made."""

    def __init__(self, settings_dict: dict, tables: dict[str, str]):
        self.tables = tables
        self.pending = {table: [] for table in tables}
        self.counts = dict.fromkeys(tables, 0)
        self.queues = {table: queue.Queue(maxsize=32) for table in tables}
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._copy, args=(settings_dict, table, columns), daemon=True)
            for table, columns in tables.items()
        ]
        for thread in self.threads:
            thread.start()

    def _copy(self, settings_dict, table, columns) -> None:
        try:
            conn = connect(settings_dict, autocommit=False)
            with conn, conn.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET synchronous_commit = off")
                cursor.copy_expert(
                    f"COPY {table} ({columns}) FROM STDIN", _Chunks(self.queues[table]), size=1 << 20
                )
            conn.close()
        except BaseException as exc:  # reported by close()
            self.errors.append(exc)
            while self.queues[table].get() is not None:  # let the producer finish
                pass

    def write(self, table: str, line: str) -> None:
        lines = self.pending[table]
        lines.append(line)
        if len(lines) >= CHUNK_LINES:
            self._flush(table)

    def _flush(self, table: str) -> None:
        lines = self.pending[table]
        if lines:
            self.counts[table] += len(lines)
            self.queues[table].put("".join(lines))
            self.pending[table] = []

    def close(self) -> None:
        for table in self.tables:
            self._flush(table)
            self.queues[table].put(None)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


# --- indexes -------------------------------------------------------------------------------

SECONDARY_INDEXES_SQL = """
SELECT c.relname, pg_get_indexdef(i.indexrelid), pg_relation_size(i.indrelid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = ANY(%s::regclass[])
  AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""


def drop_secondary_indexes(settings_dict: dict, tables) -> list[str]:
    """Drop the plain indexes of ``tables``; return their definitions."""
    conn = connect(settings_dict)
    with conn.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES_SQL, [list(tables)])
        indexes = cursor.fetchall()
        for name, _definition, _size in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    conn.close()
    return [definition for _name, definition, _size in indexes]


def run_in_parallel(settings_dict: dict, statements: list[str], workers: int = 2,
                    setup=("SET maintenance_work_mem = '256MB'",)) -> None:
    """Run independent statements (CREATE INDEX, VACUUM) on ``workers`` connections."""
    work = queue.Queue()
    for statement in statements:
        work.put(statement)
    errors: list[BaseException] = []

    def worker():
        conn = connect(settings_dict)
        try:
            with conn.cursor() as cursor:
                for statement in setup:
                    cursor.execute(statement)
                while True:
                    try:
                        statement = work.get_nowait()
                    except queue.Empty:
                        return
                    cursor.execute(statement)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# --- the marker ----------------------------------------------------------------------------


class Marker:
    """What the benchmark database holds: sizes, seed and the generator's version."""

    def __init__(self, settings_dict: dict):
        self.settings_dict = settings_dict

    def read(self) -> dict | None:
        conn = connect(self.settings_dict)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
                if cursor.fetchone()[0] is None:
                    return None
                cursor.execute(f"SELECT facts FROM {MARKER_TABLE}")
                row = cursor.fetchone()
                return row[0] if row else None
        finally:
            conn.close()

    def write(self, facts: dict) -> None:
        conn = connect(self.settings_dict)
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (facts jsonb NOT NULL)")
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")
            cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", [json.dumps(facts)])
        conn.close()


class Stopwatch:
    """Named laps, printed as they end."""

    def __init__(self, verbose: bool = True):
        self.verbose, self.laps, self.started = verbose, {}, time.perf_counter()
        self._last = self.started

    def lap(self, name: str) -> float:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now
        if self.verbose:
            print(f"  {name}: {self.laps[name]:.1f} s", flush=True)
        return self.laps[name]

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started
