// Which relations dashboard_summary's fast path reads, and the proof that they are what the SQL
// body would read: the hub tables by name in schema hub, and btree indexes whose leading columns
// and predicate make an index scan count exactly the rows the SQL body counts. Resolved once per
// backend and kept until an invalidation touches one of them; every read locks them again.
#include <iterator>

#include "metrics/dashboard_summary.hpp"

extern "C" {
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "catalog/pg_type_d.h"
#include "commands/defrem.h"
#include "nodes/primnodes.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "storage/lmgr.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace assistant_hub::metrics::summary {
namespace {

// A journal partition and its verified index on (user_id, entry_date). Users in different time
// zones have different days, so the last few are kept (at a month's end, two or three).
struct PartitionIndex {
    Oid partition, index;
};
constexpr int partitions_kept = 8;

// The relations looked up by name in schema hub.
constexpr const char *relation_names[] = {"users",
                                          "journal_entries",
                                          "tasks",
                                          "calendar_events",
                                          "email_threads",
                                          "idx_tasks_dashboard",
                                          "idx_calendar_events_dashboard",
                                          "idx_email_threads_unread_count"};

// The resolved relations (OIDs only: relcache entries are not ours to keep). generation counts
// invalidations, so that a caller can tell whether one arrived while it was taking locks.
struct ResolvedHub {
    bool resolved = false;
    bool usable = false;
    Oid users, users_pkey, journal, tasks, tasks_pending, events, events_confirmed, threads,
        threads_unread;
    AttrNumber users_timezone;
    bool detach_pending; // a journal partition being detached concurrently
    uint32 name_hashes[std::size(relation_names)]; // in schema hub, for RELNAMENSP
    PartitionIndex partitions[partitions_kept] = {};
    int next_partition = 0; // the slot to fill next, round robin
} hub;
uint64 generation = 0;
bool callbacks_registered = false;

void forget_all() {
    hub.resolved = false;
    for (PartitionIndex &p : hub.partitions)
        p = PartitionIndex{};
    ++generation;
}

void on_relcache_invalidation(Datum, Oid relid) {
    if (relid == InvalidOid)
        return forget_all();
    for (PartitionIndex &p : hub.partitions)
        if (p.partition == relid || p.index == relid) {
            p = PartitionIndex{};
            ++generation;
        }
    if (!hub.resolved)
        return;
    const Oid known[] = {hub.users,         hub.users_pkey, hub.journal,          hub.tasks,
                         hub.tasks_pending, hub.events,     hub.events_confirmed, hub.threads,
                         hub.threads_unread};
    for (Oid oid : known)
        if (oid == relid)
            return forget_all();
}

// The verified index of partition, or InvalidOid if not known.
Oid known_partition_index(Oid partition) {
    for (const PartitionIndex &p : hub.partitions)
        if (p.partition == partition)
            return p.index;
    return InvalidOid;
}

void remember_partition_index(Oid partition, Oid index) {
    if (OidIsValid(known_partition_index(partition)))
        return;
    hub.partitions[hub.next_partition] = PartitionIndex{partition, index};
    hub.next_partition = (hub.next_partition + 1) % partitions_kept;
}

// A renamed schema changes what "hub.users" names without touching the tables' relcache entries.
void on_namespace_invalidation(Datum, int, uint32) {
    forget_all();
}

// A relation created, renamed or dropped under one of the names we look up (a missing index
// created later, say), by the hash of its (name, schema) key; 0 resets everything.
void on_relation_name_invalidation(Datum, int, uint32 hash) {
    if (hash == 0)
        return forget_all();
    for (uint32 known : hub.name_hashes)
        if (known == hash)
            return forget_all();
}

void register_callbacks_once() {
    if (callbacks_registered)
        return;
    CacheRegisterRelcacheCallback(on_relcache_invalidation, (Datum)0);
    CacheRegisterSyscacheCallback(NAMESPACEOID, on_namespace_invalidation, (Datum)0);
    CacheRegisterSyscacheCallback(RELNAMENSP, on_relation_name_invalidation, (Datum)0);
    callbacks_registered = true;
}

struct ColumnSpec {
    const char *name;
    Oid type;
};

// The attribute of rel named name, if it has type type.
AttrNumber column_attnum(Relation rel, const char *name, Oid type) {
    TupleDesc desc = RelationGetDescr(rel);
    for (int i = 0; i < desc->natts; ++i) {
        Form_pg_attribute att = TupleDescAttr(desc, i);
        if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
            return att->atttypid == type ? att->attnum : InvalidAttrNumber;
    }
    return InvalidAttrNumber;
}

Oid default_btree_family(Oid type) {
    Oid opclass = GetDefaultOpClass(type, BTREE_AM_OID);
    return OidIsValid(opclass) ? get_opclass_family(opclass) : InvalidOid;
}

// A valid btree index of heap on plain columns whose first key columns are cols, with the
// columns' default operator families and collations: scan keys on those columns with the type's
// own comparison functions then select exactly the rows the SQL comparisons select.
bool index_leads_with(Relation heap, Relation index, const ColumnSpec *cols, int ncols) {
    Form_pg_index form = index->rd_index;
    if (index->rd_rel->relam != BTREE_AM_OID || !form->indisvalid || !form->indislive ||
        form->indnkeyatts < ncols || RelationGetIndexExpressions(index) != NIL)
        return false;
    for (int i = 0; i < ncols; ++i) {
        AttrNumber attnum = column_attnum(heap, cols[i].name, cols[i].type);
        if (attnum == InvalidAttrNumber || form->indkey.values[i] != attnum ||
            index->rd_opfamily[i] != default_btree_family(cols[i].type) ||
            index->rd_indcollation[i] !=
                TupleDescAttr(RelationGetDescr(heap), attnum - 1)->attcollation)
            return false;
    }
    return true;
}

bool is_column(Node *node, Relation heap, const char *name) {
    if (node != nullptr && IsA(node, RelabelType))
        node = reinterpret_cast<Node *>(reinterpret_cast<RelabelType *>(node)->arg);
    if (node == nullptr || !IsA(node, Var))
        return false;
    Var *var = reinterpret_cast<Var *>(node);
    return var->varlevelsup == 0 && var->varattno > 0 &&
           strcmp(NameStr(TupleDescAttr(RelationGetDescr(heap), var->varattno - 1)->attname),
                  name) == 0;
}

bool is_const(Node *node, Oid type) {
    return node != nullptr && IsA(node, Const) &&
           reinterpret_cast<Const *>(node)->consttype == type &&
           !reinterpret_cast<Const *>(node)->constisnull;
}

// column <op> 'value' on a text column, compared in the column's collation.
bool is_text_comparison(Node *clause, Relation heap, Oid funcid, const char *column,
                        const char *value) {
    if (clause == nullptr || !IsA(clause, OpExpr))
        return false;
    OpExpr *op = reinterpret_cast<OpExpr *>(clause);
    if (op->opfuncid != funcid || list_length(op->args) != 2)
        return false;
    Node *left = static_cast<Node *>(linitial(op->args)),
         *right = static_cast<Node *>(lsecond(op->args));
    AttrNumber attnum = column_attnum(heap, column, TEXTOID);
    return attnum != InvalidAttrNumber && is_column(left, heap, column) &&
           is_const(right, TEXTOID) &&
           op->inputcollid == TupleDescAttr(RelationGetDescr(heap), attnum - 1)->attcollation &&
           strcmp(TextDatumGetCString(reinterpret_cast<Const *>(right)->constvalue), value) == 0;
}

// NOT column, or column = false (the planner folds the latter into the former).
bool is_false_test(Node *clause, Relation heap, const char *column) {
    if (column_attnum(heap, column, BOOLOID) == InvalidAttrNumber || clause == nullptr)
        return false;
    if (IsA(clause, BoolExpr)) {
        BoolExpr *b = reinterpret_cast<BoolExpr *>(clause);
        return b->boolop == NOT_EXPR && list_length(b->args) == 1 &&
               is_column(static_cast<Node *>(linitial(b->args)), heap, column);
    }
    if (IsA(clause, OpExpr)) {
        OpExpr *op = reinterpret_cast<OpExpr *>(clause);
        if (op->opfuncid != F_BOOLEQ || list_length(op->args) != 2)
            return false;
        Node *right = static_cast<Node *>(lsecond(op->args));
        return is_column(static_cast<Node *>(linitial(op->args)), heap, column) &&
               is_const(right, BOOLOID) &&
               !DatumGetBool(reinterpret_cast<Const *>(right)->constvalue);
    }
    return false;
}

// The index predicate as one clause, or null if it has none or several.
Node *sole_predicate(Relation index) {
    List *predicate = RelationGetIndexPredicate(index);
    return list_length(predicate) == 1 ? static_cast<Node *>(linitial(predicate)) : nullptr;
}

Relation open_named(Oid schema, const char *name, char relkind) {
    Oid relid = get_relname_relid(name, schema);
    if (!OidIsValid(relid))
        return nullptr;
    Relation rel = try_relation_open(relid, AccessShareLock);
    if (rel != nullptr && rel->rd_rel->relkind != relkind) {
        relation_close(rel, NoLock);
        return nullptr;
    }
    return rel;
}

Oid oid_of(Relation rel) {
    return rel != nullptr ? RelationGetRelid(rel) : InvalidOid;
}

void remember(const SummaryRelations &rels) {
    hub.users = oid_of(rels.users);
    hub.users_pkey = oid_of(rels.users_pkey);
    hub.journal = oid_of(rels.journal);
    hub.tasks = oid_of(rels.tasks);
    hub.tasks_pending = oid_of(rels.tasks_pending);
    hub.events = oid_of(rels.events);
    hub.events_confirmed = oid_of(rels.events_confirmed);
    hub.threads = oid_of(rels.threads);
    hub.threads_unread = oid_of(rels.threads_unread);
    hub.users_timezone = rels.users_timezone;
}

// Opens the relations by name and checks them; false (and nothing open) if one is not as
// create_hub_schema() makes it.
bool resolve_and_open(SummaryRelations &rels) {
    rels = SummaryRelations{};
    Oid schema = get_namespace_oid("hub", true);
    if (!OidIsValid(schema))
        return false;
    for (size_t i = 0; i < std::size(relation_names); ++i)
        hub.name_hashes[i] = GetSysCacheHashValue2(RELNAMENSP, CStringGetDatum(relation_names[i]),
                                                   ObjectIdGetDatum(schema));
    rels.users = open_named(schema, "users", RELKIND_RELATION);
    rels.journal = open_named(schema, "journal_entries", RELKIND_PARTITIONED_TABLE);
    rels.tasks = open_named(schema, "tasks", RELKIND_RELATION);
    rels.events = open_named(schema, "calendar_events", RELKIND_RELATION);
    rels.threads = open_named(schema, "email_threads", RELKIND_RELATION);
    rels.tasks_pending = open_named(schema, "idx_tasks_dashboard", RELKIND_INDEX);
    rels.events_confirmed = open_named(schema, "idx_calendar_events_dashboard", RELKIND_INDEX);
    rels.threads_unread = open_named(schema, "idx_email_threads_unread_count", RELKIND_INDEX);
    if (rels.users != nullptr && OidIsValid(RelationGetPrimaryKeyIndex(rels.users)))
        rels.users_pkey =
            try_relation_open(RelationGetPrimaryKeyIndex(rels.users), AccessShareLock);

    bool ok = rels.users && rels.users_pkey && rels.journal && rels.tasks && rels.events &&
              rels.threads && rels.tasks_pending && rels.events_confirmed && rels.threads_unread;
    // Inheritance children: the SQL body counts their rows too, which the parents' indexes do not
    // hold (and whose writes the parents' triggers do not see).
    ok = ok && !rels.users->rd_rel->relhassubclass && !rels.tasks->rd_rel->relhassubclass &&
         !rels.events->rd_rel->relhassubclass && !rels.threads->rd_rel->relhassubclass;
    const ColumnSpec user_id = {"user_id", UUIDOID};
    if (ok) {
        const ColumnSpec id[] = {{"id", UUIDOID}};
        rels.users_timezone = column_attnum(rels.users, "timezone", TEXTOID);
        ok = rels.users_timezone != InvalidAttrNumber &&
             index_leads_with(rels.users, rels.users_pkey, id, 1) &&
             rels.users_pkey->rd_index->indisunique &&
             RelationGetIndexPredicate(rels.users_pkey) == NIL;
    }
    if (ok) {
        // Range partitions on entry_date alone: the day's partition is found from the bounds.
        PartitionKey key = RelationGetPartitionKey(rels.journal);
        AttrNumber entry_date = column_attnum(rels.journal, "entry_date", DATEOID);
        ok = column_attnum(rels.journal, "user_id", UUIDOID) != InvalidAttrNumber &&
             entry_date != InvalidAttrNumber &&
             get_partition_strategy(key) == PARTITION_STRATEGY_RANGE && key->partnatts == 1 &&
             key->partattrs[0] == entry_date && key->partexprs == NIL &&
             key->partopfamily[0] == default_btree_family(DATEOID);
    }
    if (ok) {
        // status = 'pending' implies the predicate; the scan keys cover every condition.
        const ColumnSpec cols[] = {user_id, {"status", TEXTOID}, {"due_date", DATEOID}};
        ok = index_leads_with(rels.tasks, rels.tasks_pending, cols, 3) &&
             is_text_comparison(sole_predicate(rels.tasks_pending), rels.tasks, F_TEXTNE, "status",
                                "completed");
    }
    if (ok) {
        // The predicate is the status condition; the scan keys cover the rest.
        const ColumnSpec cols[] = {user_id, {"start_time", TIMESTAMPTZOID}};
        ok = index_leads_with(rels.events, rels.events_confirmed, cols, 2) &&
             is_text_comparison(sole_predicate(rels.events_confirmed), rels.events, F_TEXTEQ,
                                "status", "confirmed");
    }
    if (ok) {
        const ColumnSpec cols[] = {user_id};
        ok = index_leads_with(rels.threads, rels.threads_unread, cols, 1) &&
             is_false_test(sole_predicate(rels.threads_unread), rels.threads, "is_read");
    }
    hub.detach_pending = ok && RelationGetPartitionDesc(rels.journal, false)->detached_exist;
    // Found or not, changes to them must reach us: a negative result is cached too.
    remember(rels);
    if (!ok)
        close_summary_relations(rels);
    return ok;
}

// The planner's rule for an index built while HOT chains were broken: not usable by a transaction
// whose xmin precedes the index (indcheckxmin).
bool usable_now(Relation index) {
    return index->rd_index->indisvalid &&
           (!index->rd_index->indcheckxmin ||
            TransactionIdPrecedes(HeapTupleHeaderGetXmin(index->rd_indextuple->t_data),
                                  TransactionXmin));
}

// The partition's btree index on (user_id, entry_date) without predicate, or InvalidOid.
Oid find_partition_index(Relation partition) {
    const ColumnSpec cols[] = {{"user_id", UUIDOID}, {"entry_date", DATEOID}};
    ListCell *cell;
    foreach (cell, RelationGetIndexList(partition)) {
        Relation index = try_relation_open(lfirst_oid(cell), AccessShareLock);
        if (index == nullptr)
            continue;
        bool fits =
            index_leads_with(partition, index, cols, 2) && RelationGetIndexPredicate(index) == NIL;
        relation_close(index, NoLock);
        if (fits)
            return lfirst_oid(cell);
    }
    return InvalidOid;
}

} // namespace

bool resolved_summary_tables(Oid tables[5]) {
    if (!hub.resolved) { // first use, or an invalidation since: resolve them (and lock them)
        SummaryRelations rels;
        if (!open_summary_relations(rels))
            return false;
        close_summary_relations(rels);
    }
    // While a partition is being detached concurrently, new snapshots do not see it but the
    // cache (built before) counted its rows.
    if (!hub.resolved || !hub.usable || hub.detach_pending)
        return false;
    tables[0] = hub.users;
    tables[1] = hub.journal;
    tables[2] = hub.tasks;
    tables[3] = hub.events;
    tables[4] = hub.threads;
    return true;
}

bool open_summary_relations(SummaryRelations &rels) {
    register_callbacks_once();
    // Twice at most: a second invalidation while locking sends the read to the SQL path.
    for (int attempt = 0; attempt < 2; ++attempt) {
        uint64 seen = generation;
        if (!hub.resolved) {
            bool ok = resolve_and_open(rels);
            if (generation != seen) { // something changed while we were looking
                if (ok)
                    close_summary_relations(rels);
                continue;
            }
            hub.resolved = true;
            hub.usable = ok;
            if (!ok)
                return false;
        } else {
            if (!hub.usable)
                return false;
            const Oid oids[] = {
                hub.users,  hub.users_pkey,       hub.journal, hub.tasks,         hub.tasks_pending,
                hub.events, hub.events_confirmed, hub.threads, hub.threads_unread};
            for (Oid oid : oids)
                LockRelationOid(oid, AccessShareLock); // may process invalidations
            if (generation != seen)
                continue;
            rels.users = relation_open(hub.users, NoLock);
            rels.users_pkey = relation_open(hub.users_pkey, NoLock);
            rels.journal = relation_open(hub.journal, NoLock);
            rels.tasks = relation_open(hub.tasks, NoLock);
            rels.tasks_pending = relation_open(hub.tasks_pending, NoLock);
            rels.events = relation_open(hub.events, NoLock);
            rels.events_confirmed = relation_open(hub.events_confirmed, NoLock);
            rels.threads = relation_open(hub.threads, NoLock);
            rels.threads_unread = relation_open(hub.threads_unread, NoLock);
            rels.users_timezone = hub.users_timezone;
        }
        if (usable_now(rels.users_pkey) && usable_now(rels.tasks_pending) &&
            usable_now(rels.events_confirmed) && usable_now(rels.threads_unread))
            return true;
        close_summary_relations(rels);
        return false;
    }
    return false;
}

void close_summary_relations(SummaryRelations &rels) {
    // NoLock: the locks stay until the end of the transaction, as the executor's do.
    Relation *all[] = {&rels.users,         &rels.users_pkey, &rels.journal,          &rels.tasks,
                       &rels.tasks_pending, &rels.events,     &rels.events_confirmed, &rels.threads,
                       &rels.threads_unread};
    for (Relation *rel : all) {
        if (*rel != nullptr)
            relation_close(*rel, NoLock);
        *rel = nullptr;
    }
}

bool open_journal_partition(Relation journal, DateADT day, Relation *partition, Relation *index) {
    *partition = *index = nullptr;
    // The partitions the planner would see (detached ones omitted), and the one whose range holds
    // day, else the default partition, as partition pruning would find them.
    PartitionDesc desc = RelationGetPartitionDesc(journal, true);
    if (desc->nparts == 0)
        return true;
    PartitionKey key = RelationGetPartitionKey(journal);
    Datum value = DateADTGetDatum(day);
    bool equal;
    int offset = partition_range_datum_bsearch(key->partsupfunc, key->partcollation,
                                               desc->boundinfo, 1, &value, &equal);
    int which = desc->boundinfo->indexes[offset + 1];
    if (which < 0)
        which = desc->boundinfo->default_index;
    if (which < 0)
        return true;
    if (!desc->is_leaf[which])
        return false;
    Oid partition_oid = desc->oids[which];
    // Dropping a partition locks its parent exclusively, so it exists while we hold the parent.
    LockRelationOid(partition_oid, AccessShareLock);
    uint64 seen = generation;
    Relation part = relation_open(partition_oid, NoLock);
    if (part->rd_rel->relkind != RELKIND_RELATION) {
        relation_close(part, NoLock);
        return false;
    }
    Oid index_oid = known_partition_index(partition_oid);
    if (!OidIsValid(index_oid))
        index_oid = find_partition_index(part);
    if (!OidIsValid(index_oid)) {
        relation_close(part, NoLock);
        return false;
    }
    LockRelationOid(index_oid, AccessShareLock);
    if (generation != seen) { // the partition or its indexes changed: look again next time
        relation_close(part, NoLock);
        return false;
    }
    remember_partition_index(partition_oid, index_oid);
    Relation ix = relation_open(index_oid, NoLock);
    if (!usable_now(ix)) {
        relation_close(ix, NoLock);
        relation_close(part, NoLock);
        return false;
    }
    *partition = part;
    *index = ix;
    return true;
}

} // namespace assistant_hub::metrics::summary
