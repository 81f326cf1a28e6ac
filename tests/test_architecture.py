"""Rules of the code base, checked like code: one write path, one-way imports, small modules.

* Only the actions write a ticket, its handoffs and holdings (``tickets/actions/``) or a
  referral (``referrals/actions.py``). An AST scan of the application code (the apps and
  config) and of scripts/ looks for every way of writing one: an instance's ``save()``/``delete()``, a manager's or queryset's
  ``create``/``update``/``delete``/``bulk_*``/``*_or_create`` (through the model, a related
  manager or a name bound to a queryset of the model) and raw SQL that inserts, updates,
  deletes or truncates their tables. Migrations are exempt; tests/ and bench/ are tools that
  build fixtures and benchmark data directly, so they are not scanned.
* Imports flow one way (docs/architecture.md): an app imports only apps lower in ``APPS``,
  including imports inside functions, ``import_string("...")`` and ``apps.get_model(...)``.
* No Python module is longer than ``MAX_LINES``.

The scanner is tested on synthetic snippets first, so a scan that finds nothing is known
to be able to find something.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Ours, lowest first: each app may import only the apps before it. ``config`` sits on top.
APPS = ["core", "outbox", "departments", "tickets", "referrals", "escalation", "reports", "desk"]
TOP = "config"
# Tools: they may import anything and are not application code.
TOOLS = ["tests", "bench", "scripts"]

MAX_LINES = 500


def python_files(*tops: str):
    """Every .py file under the given top-level folders, migrations excluded."""
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "__pycache__" in relative:
                continue
            yield relative, path


# --- The single write path ---------------------------------------------------------------

PROTECTED = ("Ticket", "Handoff", "Holding", "Referral")
# Where each model may be written (a path, or a folder ending in "/").
WRITERS = {
    "Ticket": ("tickets/actions/",),
    "Handoff": ("tickets/actions/",),
    "Holding": ("tickets/actions/",),
    "Referral": ("referrals/actions.py",),
}
TABLES = {
    "tickets_ticket": "Ticket",
    "tickets_handoff": "Handoff",
    "tickets_holding": "Holding",
    "tickets_referral": "Referral",
}
# Variable or attribute names taken to hold an instance (ticket, locked_ticket, x.ticket).
INSTANCE_NAMES = {"ticket": "Ticket", "handoff": "Handoff", "holding": "Holding", "referral": "Referral"}
# Related managers that reach the protected models (tickets/models.py, referrals/models.py).
RELATED_MANAGERS = {
    "tickets": "Ticket",
    "owned_tickets": "Ticket",
    "follow_ups": "Ticket",
    "handoffs": "Handoff",
    "holdings": "Holding",
    "referrals": "Referral",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_WRITES = {
    "create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "delete",
    "acreate", "aupdate", "abulk_create", "abulk_update", "aget_or_create", "aupdate_or_create", "adelete",
}
INSTANCE_WRITES = {"save", "delete", "asave", "adelete"}



def _table(group: str) -> str:
    """A table name, maybe quoted or schema-qualified, captured as ``group``."""
    return r'["`]?(?:\w+\.)?["`]?(?P<' + group + ">" + "|".join(TABLES) + r")\b"


RAW_WRITE = re.compile(
    r"\b(?:INSERT\s+INTO\s+" + _table("insert")
    + r"|UPDATE\s+(?:ONLY\s+)?" + _table("update")
    + r"|DELETE\s+FROM\s+(?:ONLY\s+)?" + _table("delete")
    + r"|TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?:\w+\s*,\s*)*" + _table("truncate") + r")",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    model: str
    what: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.what} ({self.model})"


def _instance_model(name: str) -> str | None:
    for word, model in INSTANCE_NAMES.items():
        if name == word or name.endswith("_" + word):
            return model
    return None


class _WriteScanner(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.AST):
        self.path = path
        self.writes: list[Write] = []
        # Names that stand for a protected model in this module: the model itself, an
        # import alias, or ``apps.get_model("tickets", "Ticket")`` bound to a name.
        self.model_names = {name: name for name in PROTECTED}
        # Names bound (anywhere in the module) to a manager, queryset or instance of one.
        self.bound: dict[str, str] = {}
        # Names bound to one of the tables' names (``table = Ticket._meta.db_table``).
        self.table_names: dict[str, str] = {}
        self._docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        self._bind(tree)

    # Which protected model an expression reaches, if any.
    def model_of(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.model_names.get(node.id) or self.bound.get(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr in PROTECTED:
                return node.attr
            if node.attr in MANAGERS:
                return self.model_of(node.value)
            if node.attr in RELATED_MANAGERS:
                return RELATED_MANAGERS[node.attr]
            return self.model_of(node.value)
        if isinstance(node, ast.Call):
            got = _get_model_literal(node)
            if got is not None:
                return got
            return self.model_of(node.func)
        if isinstance(node, ast.Subscript):
            return self.model_of(node.value)
        return None

    def _bind(self, tree: ast.AST):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in PROTECTED and alias.asname:
                        self.model_names[alias.asname] = alias.name
        # Two passes: ``qs = Ticket.objects.all()`` then ``rows = qs.filter(...)``.
        for _ in range(2):
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    model = self._manager_chain_model(node.value)
                    table = self._table_of(node.value)
                    for target in targets:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name) and model and name.id not in self.model_names:
                                self.bound[name.id] = model
                            if isinstance(name, ast.Name) and table:
                                self.table_names[name.id] = table

    def _manager_chain_model(self, node: ast.AST) -> str | None:
        """The model when ``node`` is a model, manager or queryset chain of a protected model."""
        if isinstance(node, ast.Call) and _get_model_literal(node):
            return _get_model_literal(node)
        chain = node
        while isinstance(chain, ast.Call | ast.Attribute | ast.Subscript):
            if isinstance(chain, ast.Attribute) and (chain.attr in MANAGERS or chain.attr in RELATED_MANAGERS):
                return self.model_of(chain)
            chain = chain.func if isinstance(chain, ast.Call) else chain.value
        if isinstance(chain, ast.Name) and chain.id in self.bound:
            return self.bound[chain.id]
        return None

    def visit_Call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant):
            # "UPDATE {table} ...".format(table=...): the text with the tables filled in.
            text = str(func.value.value)
            for keyword in node.keywords:
                table = self._table_of(keyword.value)
                if keyword.arg and table:
                    text = text.replace("{" + keyword.arg + "}", table)
            self._raw_sql(node, text)
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in QUERYSET_WRITES:
                model = self._manager_chain_model(receiver)
                if model:
                    self._found(node, model, f".{func.attr}() on {ast.unparse(receiver)}")
            if func.attr in INSTANCE_WRITES and not self._already_found(node):
                model = None
                if isinstance(receiver, ast.Name):
                    model = _instance_model(receiver.id) or self.bound.get(receiver.id)
                elif isinstance(receiver, ast.Attribute):
                    model = _instance_model(receiver.attr)
                elif isinstance(receiver, ast.Call):
                    model = self.model_of(receiver.func) if isinstance(receiver.func, ast.Name) else None
                if model:
                    self._found(node, model, f".{func.attr}() on {ast.unparse(receiver)}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, str) and id(node) not in self._docstrings:
            self._raw_sql(node, node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr):
        text = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                text.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                text.append(self._table_of(part.value) or "{}")
        self._raw_sql(node, "".join(text))

    def _table_of(self, node: ast.AST) -> str | None:
        """``Ticket._meta.db_table`` (or a name bound to it) as the table's name."""
        if isinstance(node, ast.Name):
            return self.table_names.get(node.id)
        if isinstance(node, ast.Constant) and node.value in TABLES:
            return str(node.value)
        if isinstance(node, ast.Attribute) and node.attr == "db_table":
            inner = node.value
            if isinstance(inner, ast.Attribute) and inner.attr == "_meta":
                model = self.model_of(inner.value)
                if model:
                    return next(table for table, m in TABLES.items() if m == model)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "quote_name":
            return self._table_of(node.args[0]) if node.args else None
        return None

    def _raw_sql(self, node: ast.AST, text: str):
        if any(w.line == node.lineno and w.what.startswith("raw SQL") for w in self.writes):
            return  # One finding per statement: a .format() call and its template string.
        for match in RAW_WRITE.finditer(text):
            self._found(node, TABLES[next(t for t in match.groupdict().values() if t)], f"raw SQL {match.group(0)!r}")

    def _already_found(self, node: ast.AST) -> bool:
        return any(w.line == node.lineno and w.what.startswith(".") for w in self.writes)

    def _found(self, node: ast.AST, model: str, what: str):
        self.writes.append(Write(self.path, node.lineno, model, what))


def _get_model_literal(node: ast.Call) -> str | None:
    """``apps.get_model("tickets", "Ticket")`` or ``get_model("tickets.Ticket")``: the model."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name != "get_model":
        return None
    literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    for literal in literals:
        model = literal.rsplit(".", 1)[-1]
        if model in PROTECTED:
            return model
    return None


def writes_in(source: str, path: str = "<snippet>") -> list[Write]:
    tree = ast.parse(source)
    scanner = _WriteScanner(path, tree)
    scanner.visit(tree)
    return scanner.writes


def allowed(write: Write) -> bool:
    return any(
        write.path == place or (place.endswith("/") and write.path.startswith(place))
        for place in WRITERS[write.model]
    )


@pytest.mark.parametrize(
    ("snippet", "model"),
    [
        ("ticket.save()", "Ticket"),
        ("locked_ticket.save(update_fields=['owner'])", "Ticket"),
        ("self.ticket.save()", "Ticket"),
        ("referral.delete()", "Referral"),
        ("handoff.save()", "Handoff"),
        ("Ticket.objects.create(subject='x')", "Ticket"),
        ("Ticket.objects.filter(pk=1).update(owner=None)", "Ticket"),
        ("Ticket.objects.select_for_update().filter(pk=1).delete()", "Ticket"),
        ("Handoff.objects.bulk_create(rows)", "Handoff"),
        ("Holding.objects.get_or_create(ticket=t, owner=u, tier=x)", "Holding"),
        ("Referral.objects.update_or_create(pk=1, defaults={})", "Referral"),
        ("Ticket._default_manager.bulk_update(rows, ['owner'])", "Ticket"),
        ("models.Ticket.objects.update(owner=None)", "Ticket"),
        ("from tickets.models import Ticket as T\nT.objects.update(owner=None)", "Ticket"),
        ("t.handoffs.create(kind='opened')", "Handoff"),
        ("customer.tickets.filter(status='open').update(status='resolved')", "Ticket"),
        ("t.referrals.all().delete()", "Referral"),
        ("t.holdings.create(owner=u)", "Holding"),
        ("qs = Ticket.objects.filter(pk=1)\nrows = qs.exclude(owner=None)\nrows.update(owner=None)", "Ticket"),
        ("locked = Ticket.objects.select_for_update().get(pk=1)\nlocked.save()", "Ticket"),
        ("apps.get_model('tickets', 'Ticket').objects.update(owner=None)", "Ticket"),
        ("Model = apps.get_model('tickets.Handoff')\nModel.objects.all().delete()", "Handoff"),
        ("Ticket(subject='x').save()", "Ticket"),
        ("cursor.execute('UPDATE tickets_ticket SET owner_id = NULL')", "Ticket"),
        ("cursor.execute('delete from \"tickets_handoff\" where id = %s', [1])", "Handoff"),
        ("cursor.execute('INSERT INTO public.tickets_holding (ticket_id) VALUES (1)')", "Holding"),
        ("cursor.execute('TRUNCATE TABLE tickets_referral CASCADE')", "Referral"),
        ("cursor.execute(f'UPDATE {Ticket._meta.db_table} SET owner_id = NULL')", "Ticket"),
        ("SQL = '''\n    WITH due AS (SELECT 1)\n    UPDATE tickets_ticket t SET tier_id = 2\n'''", "Ticket"),
        ("table = connection.ops.quote_name(Handoff._meta.db_table)\ncursor.execute(f'DELETE FROM {table}')",
         "Handoff"),
        ("cursor.execute('UPDATE {t} SET x = 1'.format(t=Referral._meta.db_table))", "Referral"),
        ("cursor.execute('TRUNCATE {t}'.format(t='tickets_holding'))", "Holding"),
    ],
)
def test_the_write_scanner_catches(snippet, model):
    found = writes_in(textwrap.dedent(snippet))
    assert [w.model for w in found] == [model], found


@pytest.mark.parametrize(
    "snippet",
    [
        "Ticket.objects.filter(pk=1).count()",
        "Ticket.objects.select_for_update().get(pk=1)",
        "Customer.objects.create(name='x')",
        "LedgerSeal.objects.create(day=d)",
        "form.save()",
        "figures.update(extra)",
        "digest.update(b'x')",
        "token.delete()",
        "cursor.execute('SELECT count(*) FROM tickets_handoff')",
        "SQL = 'CREATE TRIGGER t BEFORE UPDATE OR DELETE ON tickets_handoff FOR EACH ROW'",
        "SQL = 'DROP TRIGGER IF EXISTS tickets_handoff_no_update;'",
        "def f():\n    '''Refuses UPDATE tickets_handoff and DELETE FROM tickets_handoff.'''",
        "cursor.execute('UPDATE tickets_outboundemail SET sent_at = now()')",
    ],
)
def test_the_write_scanner_lets_reads_and_other_models_through(snippet):
    assert writes_in(textwrap.dedent(snippet)) == []


def test_the_write_scanner_knows_the_actions_from_the_rest():
    assert allowed(Write("tickets/actions/moves.py", 1, "Ticket", ""))
    assert allowed(Write("referrals/actions.py", 1, "Referral", ""))
    assert not allowed(Write("referrals/actions.py", 1, "Ticket", ""))
    assert not allowed(Write("tickets/actions/moves.py", 1, "Referral", ""))
    assert not allowed(Write("tickets/ledger.py", 1, "Handoff", ""))


def test_the_write_scanner_sees_the_writes_the_actions_make():
    """On the real code: a scan blind to the actions' own writes would prove nothing below."""
    found = {
        write.model
        for relative, path in python_files("tickets/actions", "referrals")
        for write in writes_in(path.read_text(), relative)
        if allowed(write)
    }
    assert found == set(PROTECTED)


def test_only_the_actions_write_tickets_handoffs_holdings_and_referrals():
    """Application code and scripts/ (the drill writes only through the actions too)."""
    offenders = []
    for relative, path in python_files(*APPS, TOP, "scripts"):
        offenders += [w for w in writes_in(path.read_text(), relative) if not allowed(w)]
    assert offenders == [], "written outside the actions:\n" + "\n".join(map(str, offenders))


# --- One-way imports -----------------------------------------------------------------------

OURS = [*APPS, TOP]


def _app_of(dotted: str) -> str | None:
    top = dotted.split(".", 1)[0]
    return top if top in OURS else None


def imported_apps(source: str, module: str) -> list[tuple[int, str, str]]:
    """(line, app, how) for every reference to one of our apps in a module's source."""
    tree = ast.parse(source)
    package = module.rsplit(".", 1)[0] if not module.endswith(".__init__") else module[: -len(".__init__")]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if app := _app_of(alias.name):
                    found.append((node.lineno, app, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if app := _app_of(target):
                found.append((node.lineno, app, f"from {target} import ..."))
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in {"import_string", "import_module", "__import__"} and strings:
                if app := _app_of(strings[0]):
                    found.append((node.lineno, app, f"{name}({strings[0]!r})"))
            elif name == "get_model" and strings:
                label = strings[0].split(".", 1)[0]
                if label in OURS:
                    found.append((node.lineno, label, f"get_model({', '.join(map(repr, strings))})"))
    return found


def upward_imports(relative: str, source: str) -> list[str]:
    app = relative.split("/", 1)[0]
    if app == TOP or app not in APPS:
        return []
    module = relative[: -len(".py")].replace("/", ".")
    rank = APPS.index(app)
    return [
        f"{relative}:{line}: {how} ({app} may import only {', '.join(APPS[:rank]) or 'no other app'})"
        for line, other, how in imported_apps(source, module)
        if other != app and (other == TOP or APPS.index(other) > rank)
    ]


@pytest.mark.parametrize(
    ("relative", "snippet"),
    [
        ("tickets/views/x.py", "from reports.metrics import people"),
        ("tickets/x.py", "def f():\n    import escalation.sweep"),
        ("core/x.py", "from config import settings"),
        ("departments/x.py", "import_string('tickets.actions.do_open_ticket')"),
        ("outbox/x.py", "apps.get_model('tickets', 'Ticket')"),
        ("outbox/x.py", "apps.get_model('referrals.Referral')"),
        ("escalation/x.py", "from desk.views import home"),
        ("tickets/api/x.py", "from ...referrals import queries"),
    ],
)
def test_the_import_check_catches_upward_imports(relative, snippet):
    assert len(upward_imports(relative, snippet)) == 1


@pytest.mark.parametrize(
    ("relative", "snippet"),
    [
        ("reports/x.py", "from tickets.models import Ticket\nimport core.errors"),
        ("tickets/api/x.py", "from . import serializers\nfrom ..models import Ticket"),
        ("desk/x.py", "from reports import metrics\nimport_string('escalation.sweep.sweep')"),
        ("config/urls.py", "from desk import urls"),
        ("tickets/x.py", "apps.get_model('auth', 'User')\nimport django.apps"),
    ],
)
def test_the_import_check_lets_downward_imports_through(relative, snippet):
    assert upward_imports(relative, snippet) == []


def test_apps_import_only_apps_below_them():
    offenders = []
    for relative, path in python_files(*APPS):
        offenders += upward_imports(relative, path.read_text())
    assert offenders == [], "imports against the order " + " <- ".join(APPS) + ":\n" + "\n".join(offenders)


def test_the_app_order_is_the_settings_order():
    from django.conf import settings

    assert [app for app in settings.INSTALLED_APPS if app in APPS] == APPS


# --- Module size ---------------------------------------------------------------------------


def test_no_module_is_over_the_size_limit():
    """Every module of ours, tests and tools included (manage.py too); migrations apart."""
    modules = [*python_files(*APPS, TOP, *TOOLS), *((path.name, path) for path in sorted(ROOT.glob("*.py")))]
    sizes = {relative: len(path.read_text().splitlines()) for relative, path in modules}
    over = {relative: lines for relative, lines in sizes.items() if lines > MAX_LINES}
    assert over == {}, f"over {MAX_LINES} lines: {over}"
