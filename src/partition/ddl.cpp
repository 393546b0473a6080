#include "partition/ddl.hpp"

#include <algorithm>

#include "partition/time_values.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

namespace assistant_hub::partition {

static const char *const default_check_name = "assistant_hub_default_bounds";

std::string child_name(const std::string &parent_name, const std::string &suffix) {
    int room = NAMEDATALEN - 1 - 1 - static_cast<int>(suffix.size());
    int keep = pg::call([&] {
        return pg_mbcliplen(parent_name.c_str(), static_cast<int>(parent_name.size()), room);
    });
    return parent_name.substr(0, keep) + "_" + suffix;
}

static std::string qualified(const Table &parent, const std::string &name) {
    return quote_qualified_identifier(parent.schema.c_str(), name.c_str());
}

static void exec(pg::SpiConnection &spi, const std::string &sql) {
    spi.execute(sql.c_str());
}

void create_like(pg::SpiConnection &spi, const Table &parent, const std::string &qualified_name) {
    exec(spi, "CREATE TABLE " + qualified_name + " (LIKE " + parent.qualified +
                  " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED"
                  " INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING STATISTICS"
                  " INCLUDING INDEXES INCLUDING COMMENTS)");
    // Partitions belong to the parent's owner whoever runs maintenance.
    exec(spi,
         "ALTER TABLE " + qualified_name + " OWNER TO " + quote_identifier(parent.owner.c_str()));
}

Coverage coverage(const std::vector<Child> &children, const Slot &slot, const Child **overlap) {
    std::vector<Slot> parts;
    for (const Child &c : children) {
        if (!c.is_range)
            continue;
        int64 lo = c.lower_unbounded ? INT64_MIN : c.lower;
        int64 hi = c.upper_unbounded ? INT64_MAX : c.upper;
        if (lo < slot.upper && hi > slot.lower) {
            parts.push_back({lo, hi});
            if (overlap)
                *overlap = &c;
        }
    }
    if (parts.empty())
        return Coverage::free;
    std::sort(parts.begin(), parts.end(),
              [](const Slot &a, const Slot &b) { return a.lower < b.lower; });
    int64 reached = slot.lower;
    for (const Slot &p : parts) {
        if (p.lower > reached)
            return Coverage::partly;
        reached = std::max(reached, p.upper);
    }
    return reached >= slot.upper ? Coverage::covered : Coverage::partly;
}

// The CHECK of a default partition: the control column lies outside every range partition (or
// is NULL). Contiguous partitions are merged, so the expression stays short.
static std::string default_check(const Set &set, std::vector<Slot> ranges) {
    if (ranges.empty())
        return {};
    std::sort(ranges.begin(), ranges.end(),
              [](const Slot &a, const Slot &b) { return a.lower < b.lower; });
    std::vector<Slot> blocks;
    for (const Slot &r : ranges) {
        if (!blocks.empty() && r.lower <= blocks.back().upper)
            blocks.back().upper = std::max(blocks.back().upper, r.upper);
        else
            blocks.push_back(r);
    }
    const std::string col = quote_identifier(set.control.c_str());
    auto lit = [&](int64 v) { return bound_literal(v, set.control_type, set.time_zone); };
    std::vector<std::string> arms;
    for (size_t i = 0; i <= blocks.size(); i++) {
        bool has_low = i > 0 && blocks[i - 1].upper != INT64_MAX;          // after block i-1
        bool has_high = i < blocks.size() && blocks[i].lower != INT64_MIN; // before block i
        if (i > 0 && !has_low)
            continue;
        if (i < blocks.size() && i == 0 && !has_high)
            continue;
        std::string arm;
        if (i > 0)
            arm = col + " >= " + lit(blocks[i - 1].upper);
        if (i < blocks.size())
            arm += (arm.empty() ? "" : " AND ") + col + " < " + lit(blocks[i].lower);
        arms.push_back("(" + arm + ")");
    }
    if (arms.empty())
        return "false";
    std::string expr;
    for (const std::string &a : arms)
        expr += (expr.empty() ? "" : " OR ") + a;
    return expr;
}

static std::vector<Slot> range_slots(const std::vector<Child> &children) {
    std::vector<Slot> ranges;
    for (const Child &c : children)
        if (c.is_range)
            ranges.push_back(
                {c.lower_unbounded ? INT64_MIN : c.lower, c.upper_unbounded ? INT64_MAX : c.upper});
    return ranges;
}

// Replaces the default partition's CHECK by one that excludes ranges (validated here, under the
// lock the caller holds; the default partition is expected to be small).
static void set_default_check(pg::SpiConnection &spi, const Set &set, const std::string &def,
                              const std::vector<Slot> &ranges) {
    std::string check = default_check(set, ranges);
    spi.execute(
        "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
        {{TEXTOID, CStringGetTextDatum(def.c_str())},
         {TEXTOID, CStringGetTextDatum(default_check_name)}});
    std::vector<std::string> parts;
    if (SPI_processed > 0)
        parts.push_back(std::string("DROP CONSTRAINT ") + default_check_name);
    if (!check.empty())
        parts.push_back("ADD CONSTRAINT " + std::string(default_check_name) + " CHECK (" + check +
                        ")");
    std::string sql;
    for (const std::string &p : parts)
        sql += (sql.empty() ? "ALTER TABLE " + def + " " : ", ") + p;
    if (!sql.empty())
        exec(spi, sql);
}

int64 create_time_partition(pg::SpiConnection &spi, const Set &set, const Table &parent,
                            const std::vector<Child> &children, const Child *default_child,
                            const Slot &slot, const std::string &name) {
    const std::string target = qualified(parent, name);
    const std::string lo = bound_literal(slot.lower, set.control_type, set.time_zone);
    const std::string hi = bound_literal(slot.upper, set.control_type, set.time_zone);
    create_like(spi, parent, target);
    int64 moved = 0;
    if (default_child) {
        const std::string col = quote_identifier(set.control.c_str());
        const std::string cols = copy_column_list(spi, parent.oid);
        moved = static_cast<int64>(spi.execute(
            ("WITH moved AS (DELETE FROM ONLY " + default_child->qualified + " WHERE " + col +
             " >= " + lo + " AND " + col + " < " + hi + " RETURNING *) INSERT INTO " + target +
             " (" + cols + ") SELECT " + cols + " FROM moved")
                .c_str()));
        std::vector<Slot> ranges = range_slots(children);
        ranges.push_back(slot);
        set_default_check(spi, set, default_child->qualified, ranges);
    }
    exec(spi, "ALTER TABLE " + parent.qualified + " ATTACH PARTITION " + target +
                  " FOR VALUES FROM (" + lo + ") TO (" + hi + ")");
    return moved;
}

void create_default_partition(pg::SpiConnection &spi, const Set &set, const Table &parent,
                              const std::vector<Child> &children, const std::string &name) {
    const std::string target = qualified(parent, name);
    create_like(spi, parent, target);
    set_default_check(spi, set, target, range_slots(children));
    exec(spi, "ALTER TABLE " + parent.qualified + " ATTACH PARTITION " + target + " DEFAULT");
}

void create_hash_partition(pg::SpiConnection &spi, const Table &parent, const std::string &name,
                           int modulus, int remainder) {
    const std::string target = qualified(parent, name);
    create_like(spi, parent, target);
    exec(spi, "ALTER TABLE " + parent.qualified + " ATTACH PARTITION " + target +
                  " FOR VALUES WITH (MODULUS " + std::to_string(modulus) + ", REMAINDER " +
                  std::to_string(remainder) + ")");
}

void drop_partition(pg::SpiConnection &spi, const Child &child) {
    exec(spi, "DROP TABLE " + child.qualified);
}

void detach_partition(pg::SpiConnection &spi, const Table &parent, const Child &child) {
    exec(spi, "ALTER TABLE " + parent.qualified + " DETACH PARTITION " + child.qualified);
}

} // namespace assistant_hub::partition
