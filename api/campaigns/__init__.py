"""The campaign tree (campaigns, ad sets / ad groups, ads) with status and the period's metrics."""
