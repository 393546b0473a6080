// The slow-query settings (assistant_hub.*), read by the hooks, the ring and the flush worker.
#pragma once

namespace assistant_hub::slowlog {

extern int slow_query_ms;     // -1: capture off; 0: every statement
extern bool track_nested;     // statements run inside functions and procedures too
extern bool log_plans;        // keep the plan (EXPLAIN, costs off) of each slow statement
extern int slow_query_buffer; // ring entries (postmaster)
extern int flush_interval_ms; // how often the worker moves the ring into the log
extern char *flush_database;  // the database the worker connects to (postmaster)

void define_settings();

} // namespace assistant_hub::slowlog
