"""The question bank: its typed model, loading and validation, and linting."""
