#include <new>

#include "metrics/delta_store.hpp"
#include "metrics/metrics.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
}

namespace assistant_hub::metrics {
namespace {

struct Store {
    MemoryContext context;
    DeltaLevels levels;
};

// Null when this transaction has no deltas. Never destroyed: its memory goes with
// TopTransactionContext, so it is only forgotten at transaction end.
Store *store = nullptr;

// A subtransaction commits: its deltas become its parent's. Relabelling its maps allocates nothing,
// so this cannot fail inside the commit; a level may then hold several maps, summed when written.
void on_subcommit(int nest_level) {
    for (auto it = store->levels.rbegin();
         it != store->levels.rend() && it->nest_level >= nest_level; ++it)
        it->nest_level = nest_level - 1;
}

// A subtransaction rolls back: its deltas vanish with its changes.
void on_subabort(int nest_level) {
    while (store != nullptr && !store->levels.empty() &&
           store->levels.back().nest_level >= nest_level)
        store->levels.pop_back();
}

void subxact_callback(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (store == nullptr)
        return;
    int nest_level = GetCurrentTransactionNestLevel();
    if (event == SUBXACT_EVENT_COMMIT_SUB)
        on_subcommit(nest_level);
    else if (event == SUBXACT_EVENT_ABORT_SUB)
        on_subabort(nest_level); // destroying a map only frees memory: it cannot fail
}

void xact_callback(XactEvent event, void *) {
    switch (event) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE:
        if (store != nullptr)
            pg::guard([] {
                write_deltas(store->levels);
                store = nullptr;
            });
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PREPARE:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_PARALLEL_ABORT:
        store = nullptr;
        break;
    default:
        break;
    }
}

} // namespace

DeltaMap &current_deltas() {
    if (store == nullptr) {
        MemoryContext context = pg::call([] {
            return AllocSetContextCreate(TopTransactionContext, "assistant_hub metric deltas",
                                         ALLOCSET_DEFAULT_SIZES);
        });
        void *memory = pg::call([&] { return MemoryContextAlloc(context, sizeof(Store)); });
        store = new (memory) Store{context, pg::make_in<DeltaLevels>(context)};
    }
    int nest_level = GetCurrentTransactionNestLevel();
    // A level deeper than the current one can only be left over from a subtransaction whose end we
    // did not see; keep its deltas rather than lose them.
    if (!store->levels.empty() && store->levels.back().nest_level > nest_level)
        on_subcommit(nest_level + 1);
    if (store->levels.empty() || store->levels.back().nest_level < nest_level)
        store->levels.push_back(DeltaLevel{
            nest_level, DeltaMap(DeltaKeyLess(), DeltaMap::allocator_type(store->context))});
    return store->levels.back().deltas;
}

void add_delta(DeltaMap &deltas, const DeltaKey &key, int64 delta) {
    auto it = deltas.lower_bound(key);
    if (it != deltas.end() && !deltas.key_comp()(key, it->first)) {
        it->second += delta;
        return;
    }
    DeltaKey stored = key;
    if (key.storage == KeyStorage::text && key.text_length > 0) {
        void *copy = MemoryContextAllocExtended(deltas.get_allocator().context(), key.text_length,
                                                MCXT_ALLOC_NO_OOM);
        if (copy == nullptr)
            throw std::bad_alloc();
        memcpy(copy, key.text, key.text_length);
        stored.text = static_cast<const char *>(copy);
    }
    deltas.emplace_hint(it, stored, delta);
}

bool has_pending_uuid(const unsigned char *uuid) {
    if (store == nullptr)
        return false;
    for (const DeltaLevel &level : store->levels)
        for (const auto &[key, delta] : level.deltas)
            if (key.storage == KeyStorage::uuid && delta != 0 &&
                memcmp(key.uuid, uuid, sizeof key.uuid) == 0)
                return true;
    return false;
}

const DeltaLevels *pending_levels() {
    return store ? &store->levels : nullptr;
}

void register_delta_store_callbacks() {
    RegisterXactCallback(xact_callback, nullptr);
    RegisterSubXactCallback(subxact_callback, nullptr);
}

} // namespace assistant_hub::metrics
