"""Annotator: close reading and corpus annotation for text and PDF documents."""

__version__ = "0.1.0"
