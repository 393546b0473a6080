// The DDL of partition sets. New partitions are built as CREATE TABLE (LIKE parent ... INCLUDING
// INDEXES) and then attached, which needs only SHARE UPDATE EXCLUSIVE on the parent (CREATE TABLE
// ... PARTITION OF would take ACCESS EXCLUSIVE), and the indexes exist before the attach.
#pragma once

#include <string>
#include <vector>

#include "partition/catalog.hpp"

namespace assistant_hub::partition {

// <parent>_<suffix>, the parent's name clipped (on a character boundary) so that it fits
// NAMEDATALEN.
std::string child_name(const std::string &parent_name, const std::string &suffix);

// A range slot of a time set: [lower, upper) in local time.
struct Slot {
    int64 lower, upper;
};

// Creates and attaches the partition of slot. When the set has a default partition, the slot's
// rows are moved out of it first (in the same step) and its CHECK is widened so that the attach
// does not scan it. Returns the number of rows moved.
int64 create_time_partition(pg::SpiConnection &spi, const Set &set, const Table &parent,
                            const std::vector<Child> &children, const Child *default_child,
                            const Slot &slot, const std::string &name);

// Creates and attaches <parent>_default, with its CHECK.
void create_default_partition(pg::SpiConnection &spi, const Set &set, const Table &parent,
                              const std::vector<Child> &children, const std::string &name);

void create_hash_partition(pg::SpiConnection &spi, const Table &parent, const std::string &name,
                           int modulus, int remainder);

// CREATE TABLE name (LIKE parent INCLUDING ...): the shape the parent needs to attach it.
void create_like(pg::SpiConnection &spi, const Table &parent, const std::string &qualified_name);

void drop_partition(pg::SpiConnection &spi, const Child &child);
void detach_partition(pg::SpiConnection &spi, const Table &parent, const Child &child);

// Whether the range partitions among children cover slot entirely, not at all (free) or in part;
// overlap is set to a partition that overlaps it, if any.
enum class Coverage { free, covered, partly };
Coverage coverage(const std::vector<Child> &children, const Slot &slot, const Child **overlap);

} // namespace assistant_hub::partition
