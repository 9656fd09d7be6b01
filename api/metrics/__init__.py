"""Any metric of the semantic layer, by the dimensions it allows: the route and the service the
copilot shares."""
