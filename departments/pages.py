"""The department screens' parts that apps above departments add.

``tickets`` adds the tickets transferred in and out of a department to its page;
``referrals`` adds "Ask this department" to the directory opened from a ticket.
"""

from core.parts import PageParts

# part(request, *, department, now) -> context
department_page_parts = PageParts()
# part(request) -> context
directory_page_parts = PageParts()
