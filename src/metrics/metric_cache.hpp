// Metric definitions as the trigger code needs them, loaded from assistant_hub.metrics once per
// backend and kept until the catalog or a relation of a source's partition tree changes.
#pragma once

#include "metrics/delta_key.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "nodes/primnodes.h"
#include "pgtime.h"
#include "utils/rel.h"
}

namespace assistant_hub::metrics {

struct MetricDefinition {
    int32 id;
    Oid source;
    AttrNumber key_attnum; // in source
    Oid key_type;
    AttrNumber time_attnum; // in source
    Oid time_type;
    KeyStorage storage;
    pg_tz *zone;
    Node *filter; // boolean expression over source's columns, or null
};

// A metric as one relation of its source's partition tree sees it: that relation's column numbers
// and its filter, ready for ExecInitQual.
struct BoundMetric {
    const MetricDefinition *definition;
    AttrNumber key_attnum;
    AttrNumber time_attnum;
    Expr *filter; // or null
};

// The metric with this id, or null when it does not exist (any more).
const MetricDefinition *find_metric(int32 id);

// The metric as rel sees it. Throws when the metric does not exist. Valid until the next call of
// find_metric or bind_metric (an invalidation may replace the cache then).
const BoundMetric &bind_metric(int32 id, Relation rel);

// The role that owns the metric catalogs (the extension's owner); the trigger code reads and
// writes them with its rights, so application roles need no privileges on them.
Oid metric_catalog_owner();
Oid metric_catalog_relid();

// Switches to the catalog owner for the lifetime of the object (a SECURITY DEFINER section).
class AsMetricOwner {
  public:
    AsMetricOwner();
    ~AsMetricOwner();
    AsMetricOwner(const AsMetricOwner &) = delete;
    AsMetricOwner &operator=(const AsMetricOwner &) = delete;

  private:
    Oid saved_user_;
    int saved_context_;
};

} // namespace assistant_hub::metrics
