"""Names folded for search (the worker list's `search_name`): the rule is every list's, in
`lmis_shared.text` (`search_key`, `like_word_prefix`)."""

from lmis_shared.text import like_word_prefix, search_key

__all__ = ["like_word_prefix", "search_key"]
