"""A corpus of foreign CDK apps (their sources and pruned assemblies) to test docgen on; see README.md."""
