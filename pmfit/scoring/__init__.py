"""The scoring engine: pure functions from a bank and answers to a result."""
