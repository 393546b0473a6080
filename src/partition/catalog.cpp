#include "partition/catalog.hpp"

#include <algorithm>

#include "partition/time_values.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_partitioned_table.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::partition {

std::optional<std::string> spi_text(uint64 row, int col) {
    char *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
    if (!v)
        return std::nullopt;
    return std::string(v);
}

std::string spi_text_or(uint64 row, int col, const char *fallback) {
    auto v = spi_text(row, col);
    return v ? *v : std::string(fallback);
}

static pg::SpiArg oid_arg(Oid oid) {
    return {OIDOID, ObjectIdGetDatum(oid)};
}

// A table as the catalog caches describe it (palloc'd strings; name null when it is gone).
struct RawTable {
    char *schema, *name, *key_column, *owner;
    char relkind, strategy;
    int key_columns;
};

static RawTable raw_table(Oid oid) {
    RawTable raw{nullptr, nullptr, nullptr, nullptr, 0, ' ', 0};
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(oid));
    if (!HeapTupleIsValid(tuple))
        return raw;
    auto *form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    raw.name = pstrdup(NameStr(form->relname));
    raw.schema = get_namespace_name(form->relnamespace);
    raw.relkind = form->relkind;
    raw.owner = GetUserNameFromId(form->relowner, true);
    ReleaseSysCache(tuple);
    HeapTuple key = SearchSysCache1(PARTRELID, ObjectIdGetDatum(oid));
    if (HeapTupleIsValid(key)) {
        auto *part = reinterpret_cast<Form_pg_partitioned_table>(GETSTRUCT(key));
        raw.strategy = part->partstrat;
        raw.key_columns = part->partnatts;
        if (part->partnatts == 1 && part->partattrs.values[0] != 0)
            raw.key_column = get_attname(oid, part->partattrs.values[0], true);
        ReleaseSysCache(key);
    }
    return raw;
}

Table load_table(pg::SpiConnection &spi, Oid oid) {
    auto tables = load_tables(spi, {oid});
    if (tables.empty())
        throw Error(sqlstate::undefined_table,
                    "relation with OID " + std::to_string(oid) + " does not exist");
    return tables.begin()->second;
}

std::map<Oid, Table> load_tables(pg::SpiConnection &, const std::vector<Oid> &oids) {
    std::map<Oid, Table> tables;
    for (Oid oid : oids) {
        RawTable raw = pg::call([&] { return raw_table(oid); });
        if (raw.name == nullptr || raw.schema == nullptr)
            continue;
        Table t;
        t.oid = oid;
        t.schema = raw.schema;
        t.name = raw.name;
        t.qualified = quote_qualified_identifier(raw.schema, raw.name);
        t.relkind = raw.relkind;
        t.strategy = raw.strategy;
        t.key_columns = raw.key_columns;
        t.key_column = raw.key_column ? raw.key_column : "";
        t.owner = raw.owner ? raw.owner : "";
        tables[oid] = t;
    }
    return tables;
}

std::optional<Column> load_column(pg::SpiConnection &spi, Oid rel, const std::string &name) {
    spi.execute("SELECT attnum, atttypid, attnotnull FROM pg_catalog.pg_attribute "
                "WHERE attrelid = $1 AND attname = $2 AND attnum > 0 AND NOT attisdropped",
                {oid_arg(rel), {TEXTOID, CStringGetTextDatum(name.c_str())}});
    if (SPI_processed == 0)
        return std::nullopt;
    Column c;
    c.attnum = static_cast<int16>(std::stoi(spi_text_or(0, 1)));
    c.type = static_cast<Oid>(std::stoul(spi_text_or(0, 2)));
    c.not_null = spi_text_or(0, 3) == "t";
    return c;
}

std::string copy_column_list(pg::SpiConnection &spi, Oid rel) {
    spi.execute(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum) "
        "FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = ''",
        {oid_arg(rel)});
    return spi_text_or(0, 1);
}

// The interval in column col of row row of the last SPI result; nullopt for NULL.
static std::optional<Interval> spi_interval(uint64 row, int col) {
    bool isnull = false;
    Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
    if (isnull)
        return std::nullopt;
    return *DatumGetIntervalP(d);
}

std::vector<Set> load_sets(pg::SpiConnection &spi, Oid parent) {
    spi.execute(R"(
        SELECT s.parent::oid, s.parent::text, s.kind, s.control, a.atttypid, s.step, s.premake,
               s.retain, s.retain_keep_table, s.time_zone, s.partitions, s.default_partition
        FROM assistant_hub.partition_sets s
        LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = s.parent AND a.attname = s.control AND NOT a.attisdropped
        WHERE $1 = 0 OR s.parent = $1
        ORDER BY s.parent::oid)",
                {oid_arg(parent)});
    std::vector<Set> sets;
    for (uint64 i = 0; i < SPI_processed; i++) {
        Set s;
        s.parent = static_cast<Oid>(std::stoul(spi_text_or(i, 1)));
        s.parent_text = spi_text_or(i, 2);
        s.kind = spi_text_or(i, 3);
        s.control = spi_text_or(i, 4);
        s.control_type = static_cast<Oid>(std::stoul(spi_text_or(i, 5, "0")));
        if (auto step = spi_interval(i, 6))
            s.step = Step{step->month, step->day, step->time};
        s.premake = std::stoi(spi_text_or(i, 7, "0"));
        if (auto retain = spi_interval(i, 8)) {
            s.has_retain = true;
            s.retain_months = retain->month;
            s.retain_days = retain->day;
            s.retain_usecs = retain->time;
        }
        s.retain_keep_table = spi_text_or(i, 9) == "t";
        s.time_zone = spi_text_or(i, 10, "UTC");
        s.partitions = std::stoi(spi_text_or(i, 11, "0"));
        s.default_partition = spi_text_or(i, 12) == "t";
        sets.push_back(std::move(s));
    }
    return sets;
}

// The bounds of one child, from its pg_class.relpartbound (a serialized PartitionBoundSpec).
static void parse_bound(const std::string &text, Child &c, const Set *set) {
    auto *spec = static_cast<PartitionBoundSpec *>(
        pg::call([&] { return stringToNode(pstrdup(text.c_str())); }));
    if (spec == nullptr || !IsA(spec, PartitionBoundSpec))
        return;
    c.is_default = spec->is_default;
    if (spec->strategy == PARTITION_STRATEGY_HASH) {
        c.modulus = spec->modulus;
        c.remainder = spec->remainder;
        return;
    }
    if (spec->is_default || spec->strategy != PARTITION_STRATEGY_RANGE)
        return;
    if (list_length(spec->lowerdatums) != 1 || list_length(spec->upperdatums) != 1)
        return;
    auto *lo = static_cast<PartitionRangeDatum *>(linitial(spec->lowerdatums));
    auto *hi = static_cast<PartitionRangeDatum *>(linitial(spec->upperdatums));
    c.is_range = true;
    c.lower_unbounded = lo->kind != PARTITION_RANGE_DATUM_VALUE;
    c.upper_unbounded = hi->kind != PARTITION_RANGE_DATUM_VALUE;
    if (set == nullptr || !is_time_type(set->control_type))
        return;
    if (!c.lower_unbounded)
        c.lower =
            to_local(castNode(Const, lo->value)->constvalue, set->control_type, set->time_zone);
    if (!c.upper_unbounded)
        c.upper =
            to_local(castNode(Const, hi->value)->constvalue, set->control_type, set->time_zone);
}

// One partition as the catalog caches describe it (palloc'd strings).
struct RawChild {
    char *name, *schema, *bound;
    bool is_partition;
};

static RawChild raw_child(Oid oid) {
    RawChild raw{nullptr, nullptr, nullptr, false};
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(oid));
    if (!HeapTupleIsValid(tuple))
        return raw; // dropped since pg_inherits was read
    auto *form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
    raw.is_partition = form->relispartition;
    raw.name = pstrdup(NameStr(form->relname));
    raw.schema = get_namespace_name(form->relnamespace);
    bool isnull = false;
    Datum bound = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_relpartbound, &isnull);
    if (!isnull)
        raw.bound = TextDatumGetCString(bound);
    ReleaseSysCache(tuple);
    return raw;
}

std::map<Oid, std::vector<Child>> load_children(pg::SpiConnection &,
                                                const std::vector<const Set *> &sets) {
    // pg_inherits and the relation cache of pg_class, without locking any child: the same
    // catalog rows a query would read, without a query's executor in between.
    std::map<Oid, std::vector<Child>> result;
    for (const Set *set : sets) {
        std::vector<Child> &children = result[set->parent];
        // find_inheritance_children fails on a parent that is gone; maintenance unregisters it.
        List *oids = pg::call([&] {
            return SearchSysCacheExists1(RELOID, ObjectIdGetDatum(set->parent))
                       ? find_inheritance_children(set->parent, NoLock)
                       : NIL;
        });
        ListCell *cell;
        foreach (cell, oids) {
            Oid oid = lfirst_oid(cell);
            RawChild raw = pg::call([&] { return raw_child(oid); });
            if (!raw.is_partition || raw.schema == nullptr)
                continue;
            Child c;
            c.oid = oid;
            c.name = raw.name;
            c.qualified = quote_qualified_identifier(raw.schema, raw.name);
            if (raw.bound)
                parse_bound(raw.bound, c, set);
            children.push_back(std::move(c));
        }
        std::sort(children.begin(), children.end(),
                  [](const Child &a, const Child &b) { return a.name < b.name; });
    }
    return result;
}

} // namespace assistant_hub::partition
