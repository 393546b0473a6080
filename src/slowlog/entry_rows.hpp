// Turns a ring entry into what the log and pending_slow_queries() show: text repaired for its
// encoding, then normalized (no literal leaves the ring), names resolved from oids.
#pragma once

#include <string>

#include "slowlog/ring.hpp"

namespace assistant_hub::slowlog {

struct EntryRow {
    std::string query_text; // normalized
    std::string plan;       // normalized; empty when none was kept
    int64 query_hash;
    const char *database_name; // palloc'd; null when the database is gone
    const char *role_name;     // palloc'd; null when the role is gone
};

EntryRow describe_entry(const RingCopy &copy, int i);

// Raised by every slow-query function when the library was not preloaded.
void require_capture_loaded();

} // namespace assistant_hub::slowlog
