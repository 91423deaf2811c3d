"""Reports generated from a PartitionPlan alone."""
