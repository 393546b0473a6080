// What each subsystem registers at library load (GUCs, hooks, shared memory requests).
#pragma once

namespace assistant_hub {
void init_settings();
void init_maintenance();
void init_partition(); // src/partition: settings of the partition manager
void init_metrics();   // src/metrics/settings.cpp
void init_slowlog();   // src/slowlog: settings, executor hooks, shared ring, flush worker
} // namespace assistant_hub
