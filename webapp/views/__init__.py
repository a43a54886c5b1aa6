"""HTTP views: one blueprint per area of the workbench."""
