#include "partition/catalog.hpp"

#include "partition/time_values.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
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

static pg::SpiArg oid_arg(Oid oid) { return {OIDOID, ObjectIdGetDatum(oid)}; }

static const char *const table_query = R"(
        SELECT c.oid, n.nspname, c.relname, c.relkind, p.partstrat, p.partnatts,
               (SELECT a.attname FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.oid AND p.partnatts = 1 AND a.attnum = p.partattrs[0]),
               pg_catalog.pg_get_userbyid(c.relowner)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = c.oid
        WHERE c.oid = ANY ($1))";

static Table table_from_row(uint64 i) {
    Table t;
    t.oid = static_cast<Oid>(std::stoul(spi_text_or(i, 1)));
    t.schema = spi_text_or(i, 2);
    t.name = spi_text_or(i, 3);
    t.qualified = quote_qualified_identifier(t.schema.c_str(), t.name.c_str());
    t.relkind = spi_text_or(i, 4)[0];
    t.strategy = spi_text_or(i, 5, " ")[0];
    t.key_columns = std::stoi(spi_text_or(i, 6, "0"));
    t.key_column = spi_text_or(i, 7);
    t.owner = spi_text_or(i, 8);
    return t;
}

// An oid[] parameter. (A text parameter cast to oid[] in the query would be parsed again for
// every row the query reads.)
static pg::SpiArg oid_array(const std::vector<Oid> &oids) {
    Datum array = pg::call([&] {
        std::vector<Datum> elements(oids.begin(), oids.end());
        for (size_t i = 0; i < oids.size(); i++)
            elements[i] = ObjectIdGetDatum(oids[i]);
        return PointerGetDatum(construct_array(elements.data(), static_cast<int>(elements.size()),
                                               OIDOID, sizeof(Oid), true, TYPALIGN_INT));
    });
    return {OIDARRAYOID, array};
}

Table load_table(pg::SpiConnection &spi, Oid oid) {
    auto tables = load_tables(spi, {oid});
    if (tables.empty())
        throw Error(sqlstate::undefined_table,
                    "relation with OID " + std::to_string(oid) + " does not exist");
    return tables.begin()->second;
}

std::map<Oid, Table> load_tables(pg::SpiConnection &spi, const std::vector<Oid> &oids) {
    std::map<Oid, Table> tables;
    if (oids.empty())
        return tables;
    spi.execute(table_query, {oid_array(oids)});
    for (uint64 i = 0; i < SPI_processed; i++) {
        Table t = table_from_row(i);
        tables[t.oid] = t;
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
    spi.execute("SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum) "
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
        c.lower = to_local(castNode(Const, lo->value)->constvalue, set->control_type,
                           set->time_zone);
    if (!c.upper_unbounded)
        c.upper = to_local(castNode(Const, hi->value)->constvalue, set->control_type,
                           set->time_zone);
}

std::map<Oid, std::vector<Child>> load_children(pg::SpiConnection &spi,
                                                const std::vector<const Set *> &sets) {
    std::map<Oid, std::vector<Child>> result;
    if (sets.empty())
        return result;
    std::vector<Oid> parents;
    std::map<Oid, const Set *> by_oid;
    for (const Set *s : sets) {
        parents.push_back(s->parent);
        by_oid[s->parent] = s;
        result[s->parent];
    }

    spi.execute(R"(
        SELECT i.inhparent, c.oid, c.relname, n.nspname, c.relpartbound
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE i.inhparent = ANY ($1) AND c.relispartition
        ORDER BY i.inhparent, c.relname)",
                {oid_array(parents)});
    // Copy the rows first: converting bounds may call back into SPI-free code only, but keep the
    // SPI result untouched while parsing.
    struct Row {
        Oid parent, oid;
        std::string name, schema, bound;
    };
    std::vector<Row> rows;
    rows.reserve(SPI_processed);
    for (uint64 i = 0; i < SPI_processed; i++) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc desc = SPI_tuptable->tupdesc;
        bool isnull = false;
        Row r;
        r.parent = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
        r.oid = DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull));
        r.name = NameStr(*DatumGetName(SPI_getbinval(tuple, desc, 3, &isnull)));
        r.schema = NameStr(*DatumGetName(SPI_getbinval(tuple, desc, 4, &isnull)));
        Datum bound = SPI_getbinval(tuple, desc, 5, &isnull);
        if (!isnull)
            r.bound = pg::call([&] { return std::string(TextDatumGetCString(bound)); });
        rows.push_back(std::move(r));
    }
    for (const Row &r : rows) {
        Child c;
        c.oid = r.oid;
        c.name = r.name;
        c.qualified = quote_qualified_identifier(r.schema.c_str(), r.name.c_str());
        parse_bound(r.bound, c, by_oid[r.parent]);
        result[r.parent].push_back(std::move(c));
    }
    return result;
}

} // namespace assistant_hub::partition
