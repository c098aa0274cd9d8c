"""Rules: pure functions from facts to Results, one per check id."""
