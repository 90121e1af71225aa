"""Views of banks and results: text formats here, Rich renderables in their own modules."""
