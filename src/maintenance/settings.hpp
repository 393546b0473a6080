// Settings of the maintenance subsystem (assistant_hub.maintenance_*), registered at library load.
#pragma once

namespace assistant_hub::maintenance {

// Rows one cleanup DELETE removes at most: keeps each statement, and its row locks, small.
int batch_rows();
// Batches one cleanup round may run per table: bounds the length of one run_maintenance().
int max_batches();
// Changed rows (at least; or a tenth of the table when larger) that make a table worth an ANALYZE.
int analyze_min_changes();

} // namespace assistant_hub::maintenance
