"""The browser screens for agents, tier leads and managers, one concern per module.

Every view reads through ``tickets.queries`` and changes tickets only through
``tickets.actions``, exactly like the API.
"""
