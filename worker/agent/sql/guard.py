"""SELECT-only policy enforced on the parsed statement, not on the text."""

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

MAX_SQL_CHARS = 5000

# Functions sqlite may run; everything else (load_extension, readfile, writefile, randomblob, ...) is refused.
SAFE_FUNCTIONS = frozenset(
    """abs avg ceil ceiling coalesce count cume_dist date datetime dense_rank first_value floor
    group_concat hex ifnull iif instr julianday lag last_value lead length like glob lower ltrim max min
    nth_value ntile nullif percent_rank quote rank replace round row_number rtrim sign strftime
    string_agg substr substring sum time total trim typeof unicode unixepoch upper""".split()
)

_FORBIDDEN_NODES = (
    exp.DML,
    exp.DDL,
    exp.Drop,
    exp.Alter,
    exp.Into,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Command,
    exp.Set,
    exp.LoadData,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Use,
)


class UnsafeSQL(Exception):
    """The statement parsed but is not a plain read-only SELECT."""


class UnparseableSQL(Exception):
    """The text is not SQL sqlglot understands; it is never executed."""


def ensure_select(sql: str) -> str:
    """Validate one read-only SELECT and return it re-rendered from the parse tree.

    Executing the re-rendered text (comments dropped) means sqlite runs exactly what was checked,
    so comment or quoting tricks that parse differently in sqlite cannot smuggle a second statement.
    """
    if len(sql) > MAX_SQL_CHARS:
        raise UnsafeSQL(f"SQL longer than {MAX_SQL_CHARS} characters")
    if "\x00" in sql:
        raise UnsafeSQL("NUL byte in SQL")
    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except SqlglotError as exc:
        raise UnparseableSQL(str(exc).splitlines()[0]) from exc
    if len(statements) != 1:
        raise UnsafeSQL(f"exactly one statement allowed, got {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise UnsafeSQL(f"only SELECT is allowed, got {statement.key.upper()}")
    for node in statement.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeSQL(f"{node.key.upper()} is not allowed inside a query")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if isinstance(node, exp.Anonymous) and name not in SAFE_FUNCTIONS:
                raise UnsafeSQL(f"function {name}() is not allowed")
    return statement.sql(dialect="sqlite", comments=False)
