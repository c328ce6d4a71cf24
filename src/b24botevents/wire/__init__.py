"""The wire layer: request bodies to plain trees and back, with PHP's semantics.

Bitrix24 serialises events with PHP's ``http_build_query`` and its own SDK reads them with
``parse_str``. This package owns both directions:

* ``parse_form`` decodes ``application/x-www-form-urlencoded`` bodies into nested
  ``dict``/``list``/``str`` trees, equal to PHP 8.2's ``parse_str`` for every well-formed key
  (PHP arrays keyed exactly ``0..n-1`` in order become lists, as ``json_encode`` renders them);
* ``encode_form`` is ``http_build_query``, byte for byte;
* ``decode_body`` picks form or JSON by content type, and ``tree_from_pairs`` /
  ``tree_from_mapping`` accept what web frameworks have already parsed.

Where PHP silently reshapes input (``a[b`` becomes ``a_b``, ``a[b]c`` drops ``c``, an empty
name drops the field) this package raises ``PayloadError`` instead. Everything is bounded by
``Limits`` and runs in time linear in the body, with no recursion.

This module is the public surface. Behind it: ``form`` (``parse_form``), ``json_body``
(``parse_json``), ``intake`` (pairs, multi-dicts and mappings), ``content`` (content-type
dispatch and ``to_tree``) and ``encode`` (``encode_form``); the package-private ``_tree``
(the ``parse_str`` tree builder and key rules) and ``_text`` (a body as checked text) are
shared between them.
"""

from __future__ import annotations

# The media-type constants are importable as before but, as before, not in __all__.
from .content import FORM_MEDIA_TYPE as FORM_MEDIA_TYPE
from .content import JSON_MEDIA_TYPE as JSON_MEDIA_TYPE
from .content import decode_body, media_type, to_tree
from .encode import encode_form
from .form import parse_form
from .intake import check_tree, tree_from_mapping, tree_from_pairs
from .json_body import parse_json

__all__ = [
    "check_tree",
    "decode_body",
    "encode_form",
    "media_type",
    "parse_form",
    "parse_json",
    "to_tree",
    "tree_from_mapping",
    "tree_from_pairs",
]
