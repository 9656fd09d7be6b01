"""Ad spend read from the warehouse marts."""
