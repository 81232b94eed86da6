"""CDK constructs and stacks built from a validated Design. Knows CDK and the spec model; reads no files."""
