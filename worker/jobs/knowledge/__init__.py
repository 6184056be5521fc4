"""Knowledge-base jobs of the indexing worker: index, clean up, search, embed; retrieval for the chat worker."""
