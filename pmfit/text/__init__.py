"""Text as pmfit shows it, shared by the core and the rendering layer: input text with its
control characters made visible (`literal`), numbers as people read them (`numbers`).

Pure functions of the standard library: no rich, no typer.
"""
