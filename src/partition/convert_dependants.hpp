// What a table conversion must keep: the dependants of the old table, captured as SQL that
// recreates them on the new parent (which takes the old table's name), and the things that
// cannot be kept, reported before anything changes.
#pragma once

#include <string>
#include <vector>

#include "partition/catalog.hpp"

namespace assistant_hub::partition {

// Everything that prevents the conversion of table t on column control, one line each.
std::vector<std::string> conversion_problems(pg::SpiConnection &spi, const Table &t,
                                             const std::string &control);

struct Dependants {
    std::vector<std::string> drop_triggers; // on the old table, before the swap
    std::vector<std::string> index_renames; // old index OID -> free the name for the parent
    std::vector<Oid> index_oids;
    std::vector<std::string> indexes;        // on the parent: CREATE INDEX / ADD CONSTRAINT
    std::vector<std::string> foreign_keys;   // on the parent; attach the old table's ones
    std::vector<std::string> triggers;       // on the parent (row triggers clone to partitions)
    std::vector<std::string> table_settings; // owner, comment, row security, policies, grants
    std::vector<std::string> views;          // CREATE OR REPLACE VIEW over the parent
    std::vector<std::string> sequences;      // serial sequences: OWNED BY the parent's column
    struct Identity {
        std::string column, last_value;
        bool is_called;
    };
    std::vector<Identity> identities;
};

// Captures t's dependants; t must be locked against DDL.
Dependants capture_dependants(pg::SpiConnection &spi, const Table &t);

} // namespace assistant_hub::partition
