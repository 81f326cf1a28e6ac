"""The benchmark's customers' names."""

# Customers' names: 46 first names and 48 surnames of the four languages, and an initial, so
# a search for a common full name finds a few hundred people in a million, as in life.
FIRST_NAMES = (
    "Ana", "Ivana", "Marija", "Petra", "Lucija", "Ema", "Luka", "Ivan", "Marko", "Josip",
    "Tomislav", "Ante", "Priya", "Ananya", "Diya", "Kavya", "Aarav", "Vivaan", "Arjun",
    "Rohan", "Ishaan", "Rahul", "Neha", "Pooja", "Ioana", "Elena", "Maria", "Andreea",
    "Alexandra", "Mihai", "Andrei", "Alexandru", "Ion", "Radu", "Bogdan", "Cristina",
    "Emma", "Olivia", "Sophie", "James", "Oliver", "Jack", "Harry", "George", "Grace",
    "Lily",
)
SURNAMES = (
    "Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Kovačić", "Knežević",
    "Vuković", "Marković", "Petrović", "Matić", "Sharma", "Verma", "Gupta", "Singh",
    "Kumar", "Patel", "Reddy", "Iyer", "Nair", "Rao", "Joshi", "Mehta", "Popescu",
    "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei",
    "Ciobanu", "Rusu", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies",
    "Evans", "Thomas", "Roberts", "Walker", "Wright",
)


def customer_name(n: int) -> str:
    first, rest = FIRST_NAMES[n % len(FIRST_NAMES)], n // len(FIRST_NAMES)
    initial = chr(65 + (rest // len(SURNAMES)) % 20)
    return f"{first} {initial}. {SURNAMES[rest % len(SURNAMES)]}"
