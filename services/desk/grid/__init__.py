"""The grid tier at the desk: patrol reports (巡查上报), visits (走访) and the assessment of
grid workers (网格员考核)."""
