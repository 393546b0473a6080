// What the partition manager reads from the catalogs: a table's identity and partition key, the
// registered sets (assistant_hub.partition_sets) and each parent's children with their bounds.
// Children come from pg_inherits and pg_class.relpartbound only, so planning locks no user table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "partition/pure_time_steps.hpp"
#include "pg/spi.hpp"

namespace assistant_hub::partition {

// Text of column col (1-based) of row row of the last SPI result; nullopt for NULL.
std::optional<std::string> spi_text(uint64 row, int col);
std::string spi_text_or(uint64 row, int col, const char *fallback = "");

struct Table {
    Oid oid = InvalidOid;
    std::string schema, name;
    std::string qualified; // quoted schema.name
    char relkind = 0;
    char strategy = 0; // partitioned tables: 'r' range, 'h' hash, 'l' list
    int key_columns = 0;
    std::string key_column; // name of the single partition key column, if any
    std::string owner;
};
// Throws undefined_table when oid names no table.
Table load_table(pg::SpiConnection &spi, Oid oid);
// Several at once (one query); a missing OID is simply absent.
std::map<Oid, Table> load_tables(pg::SpiConnection &spi, const std::vector<Oid> &oids);

struct Column {
    int16 attnum = 0;
    Oid type = InvalidOid;
    bool not_null = false;
};
std::optional<Column> load_column(pg::SpiConnection &spi, Oid rel, const std::string &name);
// Quoted, comma-separated names of the columns a row copy can write (not generated, not dropped).
std::string copy_column_list(pg::SpiConnection &spi, Oid rel);

struct Set {
    Oid parent = InvalidOid;
    std::string parent_text; // as regclass prints it (for messages)
    std::string kind;        // "time" or "hash"
    std::string control;
    Oid control_type = InvalidOid;
    Step step;
    int premake = 0;
    bool has_retain = false;
    int32 retain_months = 0, retain_days = 0;
    int64 retain_usecs = 0;
    bool retain_keep_table = false;
    std::string time_zone;
    int partitions = 0;
    bool default_partition = false;
};
// All registered sets, or the one of parent.
std::vector<Set> load_sets(pg::SpiConnection &spi, Oid parent = InvalidOid);

struct Child {
    Oid oid = InvalidOid;
    std::string name; // unquoted relname
    std::string qualified;
    bool is_default = false;
    bool is_range = false;
    bool lower_unbounded = false, upper_unbounded = false;
    int64 lower = 0, upper = 0; // local timestamps (time sets)
    int modulus = 0, remainder = 0;
};
// The children of each of parents, keyed by parent; bounds converted to local time with the
// set's time zone when a set is given.
std::map<Oid, std::vector<Child>> load_children(pg::SpiConnection &spi,
                                                const std::vector<const Set *> &sets);

} // namespace assistant_hub::partition
