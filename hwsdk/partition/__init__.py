"""Partitioning: assign nodes to targets, cut cycle-free regions, build the PartitionPlan."""

from hwsdk.partition.assign import Assignment, assign
from hwsdk.partition.plan import PLAN_SCHEMA_VERSION, PartitionPlan, RegionInfo
from hwsdk.partition.regions import RegionCut, cut_regions

__all__ = ["Assignment", "assign", "RegionCut", "cut_regions", "PartitionPlan", "RegionInfo",
           "PLAN_SCHEMA_VERSION"]
