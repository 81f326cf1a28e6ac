"""The demo organisation as data: departments, people, categories, customers, the directory.

Read by ``manage.py seed_demo`` (seed_demo.py), which creates whatever of it is missing. A
module whose name starts with an underscore is not a management command.
"""

from dataclasses import dataclass
from datetime import time, timedelta

from departments.models import BulletinKind

EMAIL_DOMAIN = "tierdesk.example"
DEFAULT_PASSWORD = "demo"
RESOLVE_WITHIN = timedelta(hours=20)
# The simulated history: calls on an average weekday, and the seed that makes it repeatable.
HISTORY_CALLS_PER_DAY = 12
HISTORY_SEED = 2026

# slug -> (name, description, [(level, tier name), ...])
DEPARTMENTS = {
    "customer-service": (
        "Customer service",
        "Takes every call first, gathers what the customer says and follows the ticket to the end.",
        [(1, "Front line"), (2, "Specialists"), (3, "Experts")],
    ),
    "sales": ("Sales", "Offers, quotes, discounts and large orders.", [(1, "Sales desk")]),
    "order-intake": (
        "Order intake",
        "Entering, changing and cancelling orders.",
        [(1, "Order desk")],
    ),
    "technology": (
        "Technology",
        "The web shop, accounts and anything with a login.",
        [(1, "Tech support")],
    ),
    "accounting": ("Accounting", "Invoices, refunds and payments.", [(1, "Accounts")]),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    department: str | None = None
    level: int | None = None
    is_lead: bool = False
    manager: bool = False
    superuser: bool = False


USERS = [
    DemoUser("ana", "Ana", "Popa", "Agent", "customer-service", 1),
    DemoUser("ravi", "Ravi", "Sharma", "Agent", "customer-service", 1),
    DemoUser("ioana", "Ioana", "Dumitrescu", "Tier lead", "customer-service", 2, is_lead=True),
    DemoUser("marko", "Marko", "Horvat", "Agent", "customer-service", 2),
    DemoUser("priya", "Priya", "Nair", "Tier lead", "customer-service", 3, is_lead=True),
    DemoUser("andrei", "Andrei", "Stan", "Manager", manager=True),
    # Each other department has one person, who leads its only tier, so that tickets
    # transferred there notify somebody.
    DemoUser("elena", "Elena", "Marin", "Tier lead", "sales", 1, is_lead=True),
    DemoUser("vikram", "Vikram", "Rao", "Tier lead", "order-intake", 1, is_lead=True),
    DemoUser("ivan", "Ivan", "Kovač", "Tier lead", "technology", 1, is_lead=True),
    DemoUser("mihai", "Mihai", "Georgescu", "Tier lead", "accounting", 1, is_lead=True),
    DemoUser("admin", "Site", "Administrator", "Administrator", superuser=True),
]

# slug -> (name, intake checklist: questions for the caller, one per line)
CATEGORIES = {
    "delivery": (
        "Delivery",
        "Order number?\nDelivery address and postcode?\nWhen was delivery promised?\nTracking number, if any?",
    ),
    "returns": (
        "Returns",
        "Order number?\nWhich items, and why are they coming back?\nIs the packaging intact?\n"
        "Refund or replacement?",
    ),
    "billing": (
        "Billing",
        "Invoice number?\nWhich amount is wrong, and what did the customer expect?\nHow did they pay?",
    ),
    "product-fault": (
        "Product fault",
        "Product and serial number?\nWhen was it bought?\nWhat exactly happens, and since when?\n"
        "Photos or a video available?",
    ),
    "account": (
        "Account",
        "Email address on the account?\nWhat does the customer see when it fails?\n"
        "Did they change anything recently (password, email, phone)?",
    ),
}

# The language each demo user works in (set when their preferences are first made; a
# choice they change later stays). Unlisted users follow their browser.
USER_LANGUAGES = {
    "ana": "ro", "ioana": "ro", "andrei": "ro", "elena": "ro", "mihai": "ro",
    "ravi": "hi", "priya": "hi", "vikram": "hi",
    "ivan": "hr", "marko": "hr",
}

# external_reference -> (name, email, phone, language); the reference marks a customer as demo data.
CUSTOMERS = {
    "DEMO-1001": ("Maria Popescu", "maria.popescu@example.net", "+40 721 000 101", "ro"),
    "DEMO-1002": ("John Carter", "john.carter@example.net", "+44 20 7946 0102", "en"),
    "DEMO-1003": ("Ananya Iyer", "ananya.iyer@example.net", "+91 98 7654 0103", "hi"),
    "DEMO-1004": ("Luka Babić", "luka.babic@example.net", "+385 91 000 0104", "hr"),
    "DEMO-1005": ("Cristina Vlad", "cristina.vlad@example.net", "+40 731 000 105", "ro"),
    "DEMO-1006": ("Tomas Novak", "tomas.novak@example.net", "+420 601 000 106", "en"),
}


# (department, name, role, phone, username, duty days, from, until, backs up)
CONTACTS = [
    ("sales", "Elena Marin", "Sales lead", "+40 21 300 0101", "elena", "12345", time(9), time(17), None),
    ("sales", "Dan Pop", "Key accounts", "+40 21 300 0102", None, "12345", time(10), time(18), "Elena Marin"),
    ("order-intake", "Vikram Rao", "Order desk lead", "+40 21 300 0201", "vikram", "123456", time(8), time(20), None),
    ("technology", "Ivan Kovač", "Web shop on call", "+40 21 300 0301", "ivan", "1234567", time(20), time(8), None),
    ("accounting", "Mihai Georgescu", "Refunds", "+40 21 300 0401", "mihai", "12345", time(9), time(16), None),
    ("customer-service", "Ioana Dumitru", "Specialists lead", "+40 21 300 0001", "ioana", "12345", time(8), time(20), None),
]

CUSTOMER_LINKS = [
    ("order-intake", "Orders", "https://orders.example.com/customers/{external_id}"),
    ("accounting", "Invoices", "https://billing.example.com/accounts/{external_id}"),
]

# (department, author, title, body, kind, category, pinned, posted days ago, lasts days)
BULLETINS = [
    (
        "sales", "elena", "X200 kettle out of stock until the 30th: offer the X210",
        "The X210 sells at the X200's price to anyone who ordered an X200. Same warranty.",
        BulletinKind.OUT_OF_STOCK, "delivery", True, 3, 14,
    ),
    (
        "technology", "ivan", "Password reset emails delayed by up to an hour",
        "The mail provider is throttling us. Tell callers to wait an hour before asking again.",
        BulletinKind.KNOWN_FAULT, "account", False, 2, 7,
    ),
    (
        "technology", "ivan", "The sale page does not share the cart with the rest of the shop",
        "Items added on /sale must be bought from /sale. A fix ships next week.",
        BulletinKind.KNOWN_FAULT, None, False, 5, 10,
    ),
    (
        "sales", "elena", "Free delivery on orders over 200 lei this month",
        "Applies automatically at checkout; no code needed.",
        BulletinKind.PROMOTION, None, False, 4, 20,
    ),
    (
        "accounting", "mihai", "Refunds now paid within 5 working days",
        "Down from 10. Count from the day the return is accepted.",
        BulletinKind.POLICY, "billing", False, 6, None,
    ),
]


def hours_text(days: str, start, end) -> str:
    names = {"12345": "Mon-Fri", "123456": "Mon-Sat", "1234567": "Every day"}
    span = f"{start:%H:%M}-{end:%H:%M}" if start and end else "all day"
    return f"{names.get(days, days)} {span}"
