"""pmfit's version: a leaf module, so that any layer can name it without importing the
package's facade (`pmfit/__init__.py`), which imports the core."""

__version__ = "0.1.0"
