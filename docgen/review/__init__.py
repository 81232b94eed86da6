"""The review of a change: two cloud assemblies compared for the people who approve it (resources and
replacements, cost, security, the doc's sections), as data (model.py) and as one Markdown comment (markdown.py)."""
