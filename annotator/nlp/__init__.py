"""spaCy for Annotator: pipelines, entity and sentiment suggestions, token snapping, occurrences.

Qt-free. Offsets everywhere are Python code points in a document's canonical text, end
exclusive. Names are exported lazily so that ``annotator.nlp.occurrences`` (plain ``re``)
can be used without paying for importing spaCy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ModelNotFound": "models",
    "available_pipelines": "models",
    "default_model_name": "models",
    "load_pipeline": "models",
    "model_source": "models",
    "label_set_from_model": "models",
    "Suggestion": "suggest",
    "EntityResult": "suggest",
    "suggest_entities": "suggest",
    "filter_rejected": "suggest",
    "to_annotation": "suggest",
    "SentimentConfig": "settings",
    "SentenceSentiment": "sentiment",
    "DocumentSentiment": "sentiment",
    "SentimentResult": "sentiment",
    "sentiment_pipeline": "sentiment",
    "suggest_sentiment": "sentiment",
    "analyze_text": "sentiment",
    "snap_to_tokens": "tokens",
    "token_spans": "tokens",
    "find_occurrences": "occurrences",
    "find_occurrences_in_documents": "occurrences",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'annotator.nlp' has no attribute {name!r}")
    return getattr(importlib.import_module(f"annotator.nlp.{module}"), name)
