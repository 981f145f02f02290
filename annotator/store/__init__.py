"""The SQLite project file (sqlite-utils): the only package that writes SQL."""

from annotator.store.schema import SCHEMA_VERSION
from annotator.store.store import Store, annotation_to_json

__all__ = ["SCHEMA_VERSION", "Store", "annotation_to_json"]
