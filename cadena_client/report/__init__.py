"""The joint committee's view of an MRA: what the services record (`usage`), the report built from the
chain's history and those records (`committee`), and its forms for people (`documents`)."""
