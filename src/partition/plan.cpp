#include "partition/plan.hpp"

#include "partition/steps.hpp"
#include "partition/time_values.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace assistant_hub::partition {

// Upper bound on the partitions one call plans, so a tiny step cannot run away.
static const int max_slots = 10000;

const char *action_name(Action::Kind kind) {
    switch (kind) {
    case Action::create:
    case Action::create_default:
    case Action::create_hash:
        return "created";
    case Action::rescue:
        return "rescued";
    case Action::drop:
        return "dropped";
    case Action::detach:
        return "detached";
    case Action::skip:
        return "skipped";
    }
    return "?";
}

const Child *default_child(const std::vector<Child> &children) {
    for (const Child &c : children)
        if (c.is_default)
            return &c;
    return nullptr;
}

static std::string slot_text(const Set &set, const Slot &slot) {
    return "[" + iso_timestamp(slot.lower) + ", " + iso_timestamp(slot.upper) + ")";
}

void plan_time_slots(const Set &set, const Table &parent, const std::vector<Child> &children,
                     int64 from, int64 to, std::vector<Action> &out) {
    int n = 0;
    for (int64 t = from; t <= to; t = add_steps(t, set.step, 1)) {
        if (++n > max_slots)
            throw Error(sqlstate::invalid_parameter_value,
                        "partition set " + set.parent_text + " would need more than " +
                            std::to_string(max_slots) + " partitions",
                        {}, "Use a longer step or a shorter range.");
        Slot slot{t, add_steps(t, set.step, 1)};
        bool planned = false;
        for (const Action &a : out)
            planned |= (a.kind == Action::rescue || a.kind == Action::create) && a.slot.lower == t;
        if (planned)
            continue;
        const Child *overlap = nullptr;
        Coverage cov = coverage(children, slot, &overlap);
        if (cov == Coverage::covered)
            continue;
        std::string name = child_name(parent.name, name_suffix(t, set.step));
        if (cov == Coverage::free)
            out.push_back({Action::create, name, slot});
        else if (cov == Coverage::partly)
            out.push_back({Action::skip, name, slot, InvalidOid, 0, 0,
                           "range " + slot_text(set, slot) + " is partly covered by partition " +
                               overlap->qualified});
    }
}

void plan_rescue(pg::SpiConnection &spi, const Set &set, const Table &parent,
                 const std::vector<Child> &children, std::vector<Action> &out) {
    const Child *def = default_child(children);
    if (!def)
        return;
    const std::string col = quote_identifier(set.control.c_str());
    const std::string first = "SELECT min(" + col + ") FROM ONLY " + def->qualified;
    const std::string next = first + " WHERE " + col + " >= $1";
    bool has_retain = set.has_retain;
    int64 cutoff = has_retain ? subtract_interval(local_now(set.time_zone), set.retain_months,
                                                  set.retain_days, set.retain_usecs)
                              : 0;
    bool started = false;
    int64 from = 0;
    for (int n = 0; n < max_slots; n++) {
        if (started)
            spi.execute(next.c_str(),
                        {{set.control_type, from_local(from, set.control_type, set.time_zone)}});
        else
            spi.execute(first.c_str(), {});
        bool isnull = false;
        Datum v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (isnull)
            return;
        int64 local = to_local(v, set.control_type, set.time_zone);
        if (!in_named_range(local) || (started && local < from)) {
            // Rows no partition can be named for stay where they are; reported once per run.
            out.push_back({Action::skip, child_name(parent.name, "default"), Slot{from, from},
                           InvalidOid, 0, 0,
                           "rows in the default partition lie outside the years 1 to 9999 that "
                           "time partitions support"});
            return;
        }
        int64 lower = align_down(local, set.step);
        Slot slot{lower, add_steps(lower, set.step, 1)};
        std::string name = child_name(parent.name, name_suffix(lower, set.step));
        const Child *overlap = nullptr;
        if (has_retain && slot.upper <= cutoff)
            out.push_back(
                {Action::skip, name, slot, InvalidOid, 0, 0,
                 "rows of " + slot_text(set, slot) +
                     " are older than the retention period and stay in the default partition"});
        else if (coverage(children, slot, &overlap) != Coverage::free)
            out.push_back({Action::skip, name, slot, InvalidOid, 0, 0,
                           "rows of " + slot_text(set, slot) +
                               " in the default partition overlap partition " +
                               overlap->qualified});
        else
            out.push_back({Action::rescue, name, slot});
        started = true;
        from = slot.upper;
    }
}

std::vector<Action> plan_set(pg::SpiConnection &spi, const Set &set, const Table &parent,
                             const std::vector<Child> &children) {
    std::vector<Action> actions;
    if (set.kind == "hash") {
        std::vector<bool> present(set.partitions, false);
        for (const Child &c : children)
            if (c.modulus == set.partitions && c.remainder < set.partitions)
                present[c.remainder] = true;
        bool other_layout = false;
        for (const Child &c : children)
            other_layout |= c.modulus != set.partitions;
        if (other_layout)
            return actions; // a split in progress or a hand-made layout: leave it alone
        for (int r = 0; r < set.partitions; r++)
            if (!present[r])
                actions.push_back({Action::create_hash,
                                   child_name(parent.name, "p" + std::to_string(r)),
                                   {0, 0},
                                   InvalidOid,
                                   set.partitions,
                                   r});
        return actions;
    }
    int64 now = local_now(set.time_zone);
    int64 current = align_down(now, set.step);
    if (set.default_partition && !default_child(children))
        actions.push_back({Action::create_default, child_name(parent.name, "default")});
    plan_rescue(spi, set, parent, children, actions);
    plan_time_slots(set, parent, children, current, add_steps(current, set.step, set.premake),
                    actions);
    if (set.has_retain) {
        int64 cutoff = subtract_interval(now, set.retain_months, set.retain_days, set.retain_usecs);
        for (const Child &c : children)
            if (c.is_range && !c.upper_unbounded && c.upper <= cutoff)
                actions.push_back({set.retain_keep_table ? Action::detach : Action::drop,
                                   c.name,
                                   {c.lower, c.upper},
                                   c.oid});
    }
    return actions;
}

std::string apply(pg::SpiConnection &spi, const Set &set, const Table &parent,
                  std::vector<Child> &children, const Action &action) {
    std::string detail;
    switch (action.kind) {
    case Action::create:
    case Action::rescue: {
        int64 moved = create_time_partition(spi, set, parent, children, default_child(children),
                                            action.slot, action.partition);
        if (action.kind == Action::rescue || moved > 0)
            detail = "moved " + std::to_string(moved) + (moved == 1 ? " row" : " rows") +
                     " out of the default partition";
        Child c;
        c.name = action.partition;
        c.qualified = quote_qualified_identifier(parent.schema.c_str(), action.partition.c_str());
        c.is_range = true;
        c.lower = action.slot.lower;
        c.upper = action.slot.upper;
        children.push_back(c);
        break;
    }
    case Action::create_default: {
        create_default_partition(spi, set, parent, children, action.partition);
        Child c;
        c.name = action.partition;
        c.qualified = quote_qualified_identifier(parent.schema.c_str(), action.partition.c_str());
        c.is_default = true;
        spi.execute("SELECT $1::regclass::oid",
                    {{TEXTOID, CStringGetTextDatum(c.qualified.c_str())}});
        c.oid = static_cast<Oid>(std::stoul(spi_text_or(0, 1)));
        children.push_back(c);
        break;
    }
    case Action::create_hash:
        create_hash_partition(spi, parent, action.partition, action.modulus, action.remainder);
        break;
    case Action::drop:
    case Action::detach:
        for (auto it = children.begin(); it != children.end(); ++it) {
            if (it->oid != action.child)
                continue;
            if (action.kind == Action::drop)
                drop_partition(spi, *it);
            else
                detach_partition(spi, parent, *it);
            children.erase(it);
            break;
        }
        break;
    case Action::skip:
        break;
    }
    return detail;
}

std::vector<LockRequest> locks_for(const Table &parent, const std::vector<Child> &children,
                                   const Action &action) {
    const Child *def = default_child(children);
    switch (action.kind) {
    case Action::create:
    case Action::rescue:
        if (def)
            return {{parent.oid, ShareUpdateExclusiveLock}, {def->oid, AccessExclusiveLock}};
        return {{parent.oid, ShareUpdateExclusiveLock}};
    case Action::create_default:
    case Action::create_hash:
        return {{parent.oid, ShareUpdateExclusiveLock}};
    case Action::drop:
    case Action::detach:
        return {{parent.oid, AccessExclusiveLock}, {action.child, AccessExclusiveLock}};
    case Action::skip:
        break;
    }
    return {};
}

} // namespace assistant_hub::partition
