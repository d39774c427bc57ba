"""Reply drafts to the customer: the language to write in, the templates and their filling."""
