// split_hash_partitions(parent): doubles the partitions of a hash set. Each partition of modulus
// N and remainder r becomes two, of modulus 2N and remainders r and r + N (PostgreSQL allows
// moduli that divide each other side by side). The new tables are filled before they are
// attached, so no trigger fires for the moved rows; the set is locked for the whole copy, so it
// is an operation for a quiet moment.
#include "partition/catalog.hpp"
#include "partition/ddl.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

using namespace assistant_hub;
using namespace assistant_hub::partition;

static const int max_hash_partitions = 1024;

AH_SQL_FUNCTION(split_hash_partitions) {
    return pg::guard([&] {
        const char *func = "split_hash_partitions";
        if (PG_ARGISNULL(0))
            throw Error(sqlstate::null_value_not_allowed,
                        std::string(func) + ": argument \"parent\" must not be null");
        Oid oid = PG_GETARG_OID(0);
        pg::SpiConnection spi;
        auto sets = load_sets(spi, oid);
        Table parent = load_table(spi, oid);
        if (sets.empty() || sets.front().kind != "hash")
            throw Error(sqlstate::object_not_in_prerequisite_state,
                        std::string(func) + ": table " + parent.qualified +
                            " is not a registered hash partition set",
                        {}, "Register it with partition_by_hash().");
        const Set &set = sets.front();
        const int n = set.partitions;
        if (2 * n > max_hash_partitions)
            throw Error(sqlstate::invalid_parameter_value,
                        std::string(func) + ": table " + parent.qualified +
                            " would have more than " + std::to_string(max_hash_partitions) +
                            " partitions");
        std::vector<Child> children = load_children(spi, {&set})[oid];
        if (static_cast<int>(children.size()) != n)
            throw Error(sqlstate::object_not_in_prerequisite_state,
                        std::string(func) + ": table " + parent.qualified + " has " +
                            std::to_string(children.size()) + " partitions, not " +
                            std::to_string(n),
                        {}, "Run run_partition_maintenance() first.");
        for (const Child &c : children)
            if (c.modulus != n)
                throw Error(sqlstate::object_not_in_prerequisite_state,
                            std::string(func) + ": partition " + c.qualified + " has modulus " +
                                std::to_string(c.modulus) + ", not " + std::to_string(n));
        spi.execute(("LOCK TABLE " + parent.qualified + " IN ACCESS EXCLUSIVE MODE").c_str());
        const std::string cols = copy_column_list(spi, oid);
        const std::string key = quote_identifier(set.control.c_str());
        for (const Child &old : children) {
            const std::string old_name = child_name(old.name, "old");
            spi.execute(("ALTER TABLE " + old.qualified + " RENAME TO " +
                         quote_identifier(old_name.c_str()))
                            .c_str());
            const std::string old_q =
                quote_qualified_identifier(parent.schema.c_str(), old_name.c_str());
            std::vector<std::string> fresh;
            for (int remainder : {old.remainder, old.remainder + n}) {
                std::string name = child_name(parent.name, "p" + std::to_string(remainder));
                std::string q = quote_qualified_identifier(parent.schema.c_str(), name.c_str());
                create_like(spi, parent, q);
                spi.execute(("INSERT INTO " + q + " (" + cols + ") SELECT " + cols + " FROM " +
                             old_q + " WHERE pg_catalog.satisfies_hash_partition($1, $2, $3, " +
                             key + ")")
                                .c_str(),
                            {{OIDOID, ObjectIdGetDatum(oid)},
                             {INT4OID, Int32GetDatum(2 * n)},
                             {INT4OID, Int32GetDatum(remainder)}});
                fresh.push_back(q);
            }
            spi.execute(("ALTER TABLE " + parent.qualified + " DETACH PARTITION " + old_q).c_str());
            spi.execute(("DROP TABLE " + old_q).c_str());
            for (int i = 0; i < 2; i++)
                spi.execute(("ALTER TABLE " + parent.qualified + " ATTACH PARTITION " + fresh[i] +
                             " FOR VALUES WITH (MODULUS " + std::to_string(2 * n) + ", REMAINDER " +
                             std::to_string(old.remainder + i * n) + ")")
                                .c_str());
        }
        spi.execute("UPDATE assistant_hub.partition_sets SET partitions = $2 WHERE parent = $1",
                    {{REGCLASSOID, ObjectIdGetDatum(oid)}, {INT4OID, Int32GetDatum(2 * n)}});
        PG_RETURN_INT32(2 * n);
    });
}
