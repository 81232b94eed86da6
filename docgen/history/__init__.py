"""The recorded history of the design: per-seq resource inventories and what changed between two."""
