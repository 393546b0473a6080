// The metrics subsystem's shared declarations: its setting and the per-backend registration.
#pragma once

namespace assistant_hub::metrics {

// assistant_hub.metrics_timezone: the time zone new metrics bucket days in.
const char *metrics_timezone();

// Registers the transaction callbacks that apply deltas at commit, and the catalog cache
// invalidation callback. Called once per backend from _PG_init.
void register_delta_store_callbacks();
void register_metric_cache_callbacks();

} // namespace assistant_hub::metrics
