"""Rule evaluation with no I/O: text normalisation, condition matching, merging actions."""
