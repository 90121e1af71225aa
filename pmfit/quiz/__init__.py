"""The quiz's core: session state and navigation, the adaptive order and its exact
stopping bound, and saved progress. Pure: no typer, no rich, no terminal."""
