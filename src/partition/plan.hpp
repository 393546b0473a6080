// Plans of partition sets: what a set needs (partitions to premake, rows to rescue from the
// default partition, partitions past retention), computed from the catalog and the clock. Only
// the rescue looks at data, and only at the default partition of sets that have one.
#pragma once

#include <string>
#include <vector>

#include "partition/catalog.hpp"
#include "partition/ddl.hpp"
#include "partition/steps.hpp"

namespace assistant_hub::partition {

struct Action {
    enum Kind { create, rescue, create_default, create_hash, drop, detach, skip } kind;
    std::string partition; // the partition's name (unqualified)
    Slot slot{0, 0};
    Oid child = InvalidOid; // drop/detach
    int modulus = 0, remainder = 0;
    std::string reason; // skip
};
const char *action_name(Action::Kind kind);

// Premake slots from..to (aligned local times, inclusive) that no partition covers yet.
void plan_time_slots(const Set &set, const Table &parent, const std::vector<Child> &children,
                     int64 from, int64 to, std::vector<Action> &out);
// Rows of the default partition outside every partition, by slot.
void plan_rescue(pg::SpiConnection &spi, const Set &set, const Table &parent,
                 const std::vector<Child> &children, std::vector<Action> &out);
// Everything maintenance would do to the set now.
std::vector<Action> plan_set(pg::SpiConnection &spi, const Set &set, const Table &parent,
                             const std::vector<Child> &children);

const Child *default_child(const std::vector<Child> &children);

// Applies one action; updates children so that later actions see it. Returns a detail for the
// result row (rows moved), or empty.
std::string apply(pg::SpiConnection &spi, const Set &set, const Table &parent,
                  std::vector<Child> &children, const Action &action);
// The locks action needs, taken without queueing by run_step.
std::vector<LockRequest> locks_for(const Table &parent, const std::vector<Child> &children,
                                   const Action &action);

} // namespace assistant_hub::partition
