"""What the simulated people and customers write: subjects, notes, resolutions, answers.

Everything an agent would call a "proper" note is at least 20 characters long
(``TIERDESK_SHORT_NOTE_CHARS``); the lazy ones are shorter on purpose, so the dumping
report can tell them apart.
"""

FIRST_NAMES = [
    "Adriana", "Bogdan", "Carmen", "Dorin", "Elisa", "Florin", "Gabriela", "Horia", "Irina",
    "Jonas", "Katarina", "Liviu", "Magda", "Nicolae", "Oana", "Petra", "Radu", "Sorina",
    "Tudor", "Ursula", "Valentin", "Wiktoria", "Yusuf", "Zara", "Alin", "Bianca", "Cosmin",
    "Diana", "Emil", "Felicia",
]  # fmt: skip
LAST_NAMES = [
    "Andrei", "Barbu", "Ciobanu", "Dinu", "Enache", "Florea", "Gheorghe", "Hagi", "Ionescu",
    "Jurca", "Kiss", "Lazar", "Munteanu", "Neagu", "Oprea", "Preda", "Rusu", "Stoica",
    "Toma", "Ungureanu", "Vasile", "Weber", "Zamfir", "Moldovan", "Nistor", "Petrescu",
]  # fmt: skip

# Simulated agents, added when a tier has too few people to play every habit. Usernames are
# "sim-" + the lower-cased first name, so reruns find the same people.
AGENT_NAMES = [
    ("Dana", "Ilie"), ("Mara", "Pop"), ("Luca", "Rossi"), ("Sven", "Berg"), ("Ines", "Costa"),
    ("Tariq", "Aziz"), ("Yuki", "Sato"), ("Olga", "Ivanova"), ("Pavel", "Novak"),
    ("Lena", "Vogel"), ("Omar", "Haddad"), ("Zoe", "Martin"), ("Hugo", "Laurent"),
    ("Nora", "Lind"), ("Ilan", "Peretz"), ("Rhea", "Kapoor"), ("Tomas", "Kral"),
    ("Vera", "Sousa"), ("Aksel", "Dahl"), ("Mina", "Park"),
]  # fmt: skip
MANAGER_NAME = ("Maren", "Holt")

# category slug -> what customers call about
SUBJECTS = {
    "delivery": [
        "Parcel not delivered",
        "Courier left the parcel with a neighbour",
        "Wrong delivery address",
        "Delivery slot missed",
        "Parcel arrived damaged",
        "Tracking has not moved for days",
    ],
    "returns": [
        "How do I return an item?",
        "Return label not received",
        "Refund after return is late",
        "Returned the wrong item by mistake",
        "Exchange for another size",
    ],
    "billing": [
        "Charged twice for the same order",
        "Invoice shows the wrong amount",
        "Discount not applied",
        "Need an invoice for a company",
        "Card payment declined but money taken",
    ],
    "product-fault": [
        "Kettle stopped heating",
        "Washing machine shows an error code",
        "Phone charger overheats",
        "Vacuum cleaner loses suction",
        "Blender jug cracked",
        "Headphones: one side silent",
    ],
    "account": [
        "Cannot log in",
        "Password reset email never arrives",
        "Change the email on my account",
        "Account locked after several attempts",
        "Delete my account",
    ],
}
GENERIC_SUBJECTS = [
    "Question about my order",
    "Complaint about the service",
    "Order status",
    "Need help with a purchase",
    "Change an order",
    "Product question",
]

DESCRIPTIONS = [
    "Customer called, order number given, wants an answer today.",
    "Second call about this; customer is polite but impatient.",
    "Customer sent photos by email.",
    "Customer is travelling next week and wants this settled before.",
    "",
]

RESOLUTIONS = {
    "delivery": [
        "Courier confirmed a new delivery slot for tomorrow morning; customer agreed.",
        "Reshipped the parcel with express delivery at no charge.",
        "Found the parcel at the depot; customer picks it up today.",
    ],
    "returns": [
        "Emailed the return label and explained the 30-day window.",
        "Refund issued to the card; 5 working days.",
        "Arranged the exchange; the new size ships today.",
    ],
    "billing": [
        "Refunded the duplicate payment and sent the confirmation.",
        "Corrected the invoice and emailed the new copy.",
        "Applied the missing discount as a refund to the card.",
    ],
    "product-fault": [
        "Walked the customer through a reset; it works again.",
        "Approved a replacement under warranty; courier collects the faulty unit.",
        "Booked a technician visit for Thursday.",
    ],
    "account": [
        "Verified the customer's identity and reset the login by hand.",
        "Changed the account email after the security questions.",
        "Unlocked the account and explained the password rules.",
    ],
}
GENERIC_RESOLUTIONS = [
    "Answered the question and confirmed by email.",
    "Explained the policy; customer is satisfied.",
    "Sorted in the order system and told the customer.",
]
ON_THE_CALL = [
    "Explained it on the call; nothing else needed.",
    "Gave the tracking link and the delivery window on the call.",
    "Answered on the call and emailed the details.",
]

PASS_NOTES = [
    "Checked the order, the courier and the payment; needs the warehouse system.",
    "Reset and firmware update did not help; needs a specialist diagnosis.",
    "Refund over my limit: the customer wants 450 lei back, needs approval.",
    "Customer already called three times; tried the usual fixes, see notes.",
    "Account shows two profiles merged; I cannot split them from the front line.",
]
THIN_NOTES = ["no idea", "pls check", "for t2", "cant fix", "??", "see ticket"]
TRANSFER_NOTES = [
    "Volume order: sales sets the price and the discount.",
    "The order must be changed in the order system; intake does that.",
    "Refund needed after an accepted return; accounting pays it.",
    "Login problem on the web shop side; technology owns the accounts.",
]
THIN_TRANSFER_NOTES = ["not ours", "wrong dept", "for you", "pls handle"]
RETURN_NOTES = [
    "Nothing for us here: this is a delivery complaint, back to customer service.",
    "We checked: the order is fine; the customer needs help with the product itself.",
    "Not a billing matter after all; please handle it with the customer.",
]
RELEASE_NOTES = [
    "Going off shift; back to the queue so someone can call the customer.",
    "Waiting on the customer's photos; anyone can pick this up when they arrive.",
]
LATE_RELEASE_NOTES = ["", "out of time today", "back to queue"]
INTERNAL_NOTES = [
    "Called the customer back: waiting for the order number by email.",
    "Customer sent photos; attached to the order in the shop.",
    "Checked with the courier: parcel is at the local depot.",
    "Left a voicemail; will try again this afternoon.",
]
QUESTIONS = [
    "Can you tell us whether this order can still be changed?",
    "Is there a known problem with this product this week?",
    "Was the refund for this customer already paid?",
    "Can we offer a discount here, and how much?",
]
ANSWERS = [
    "Yes, checked in our system: done on our side, you can confirm to the customer.",
    "Known issue since Monday; the replacement model ships from the 20th.",
    "Paid yesterday; it shows on the card in 2-3 days.",
    "10 % is fine for this customer; note it on the order.",
]
MANAGER_RESOLUTIONS = [
    "Closed by the manager after calling the customer back: refund approved.",
    "Manager decision: goodwill voucher sent, customer accepted.",
]
MANAGER_PASS_NOTES = [
    "Manager: this needs a specialist today, the customer has waited long enough.",
    "Manager: moving it up; the front line has tried everything in the notes.",
]
COMMENTS = {
    1: ["Nobody called me back.", "I explained it three times to three people.", ""],
    2: ["Took far too long.", "Sent from one department to another.", ""],
    3: ["OK in the end.", "", ""],
    4: ["Thanks, sorted.", "Good, a bit slow.", ""],
    5: ["Very helpful, thank you!", "Solved on the first call.", "", ""],
}


def subjects_for(slug: str | None) -> list[str]:
    return SUBJECTS.get(slug or "", GENERIC_SUBJECTS)


def resolutions_for(slug: str | None) -> list[str]:
    return RESOLUTIONS.get(slug or "", GENERIC_RESOLUTIONS)
PAUSE_REASONS = [
    "Asked the customer for the order number.",
    "Waiting for a photo of the damaged parcel.",
    "Asked which address the delivery should go to.",
    "Waiting for the customer to confirm the invoice details.",
]
CUSTOMER_ANSWERS = [
    "The customer sent the order number.",
    "Photo received from the customer.",
    "The customer confirmed the address.",
]
