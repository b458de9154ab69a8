"""Reports (统计与通报): the three rates, rankings, breakdowns and handling times of a period."""
