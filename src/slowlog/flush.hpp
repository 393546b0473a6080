// Moves the ring into assistant_hub.query_performance_log (normalized text) and upserts
// assistant_hub.slow_query_alerts once per query hash. Runs inside the caller's transaction: the
// entries leave the ring only when that transaction commits (a rolled-back flush, or savepoint,
// leaves them pending). Concurrent flushers queue on one cluster-wide transaction lock.
#pragma once

#include <cstdint>

namespace assistant_hub::slowlog {

// Flushes everything pending; returns the number of entries written. Throws on a standby.
int64_t flush_ring();

} // namespace assistant_hub::slowlog
