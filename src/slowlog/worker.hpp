// The background worker that flushes the ring every assistant_hub.flush_interval_ms on a primary.
#pragma once

namespace assistant_hub::slowlog {
void register_flush_worker();
} // namespace assistant_hub::slowlog
