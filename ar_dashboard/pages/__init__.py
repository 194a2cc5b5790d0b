"""HTML pages: each view parses the filters, calls selectors, renders. No arithmetic here."""
