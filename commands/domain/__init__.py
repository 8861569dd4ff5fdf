"""Pure road-map rules: periods, the expected path, status, direction and due dates.

Standard library only, and every rule that depends on the date takes it as a parameter,
so that each result can be checked by hand and tested without a clock.
"""
