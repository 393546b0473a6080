// The fixed-size shared-memory ring of captured statements. Writers (the executor hooks' slow
// path) append under the ring's LWLock; a full ring counts a drop and returns. Entries leave the
// ring only when a flush transaction commits (release_up_to), so a failed flush loses nothing.
// Counters obey captured = flushed + dropped + pending at every instant (all under the lock).
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "datatype/timestamp.h"
#include "storage/latch.h"
}

namespace assistant_hub::slowlog {

enum class Status : uint8 { ok = 0, error = 1, cancelled = 2 };
const char *status_name(Status s);

// One captured statement; its text and plan follow in the ring slot.
struct EntryHeader {
    TimestampTz started_at;
    TimestampTz finished_at;
    uint64 query_id; // core compute_query_id; 0 when not computed
    uint64 rows;
    double duration_ms;
    Oid database_id;
    Oid role_id;
    int32 encoding; // the database's encoding, in which text and plan are written
    int32 threshold_ms;
    int32 text_len;
    int32 plan_len;
    Status status;
    char sqlstate[6]; // "" when the statement succeeded
    char user_id[40]; // assistant_hub.user_id at capture ("" for none)
    char application_name[NAMEDATALEN];
};

// A copy of ring entries [first, end) in backend-local memory.
struct RingCopy {
    uint64 first = 0;
    uint64 end = 0;
    int count = 0;
    Size stride = 0;
    int text_size = 0;
    char *data = nullptr;
    const EntryHeader &header(int i) const {
        return *reinterpret_cast<const EntryHeader *>(data + i * stride);
    }
    const char *text(int i) const { return data + i * stride + sizeof(EntryHeader); }
    const char *plan(int i) const { return text(i) + text_size; }
};

struct RingStats {
    uint64 captured, flushed, dropped;
    int capacity, used;
};

void ring_request_shmem();
void ring_attach(); // shmem_startup_hook: create or attach, reload the dump in the postmaster
bool ring_attached();
int ring_text_capacity(); // bytes available for a statement's text (and, separately, its plan)

// Appends an entry; text and plan are clipped to the slot on a character boundary. Never raises
// an error and never waits for anything but the ring's own short LWLock.
void ring_push(const EntryHeader &header, const char *text, int text_len, const char *plan,
               int plan_len) noexcept;

RingStats ring_stats();
// Copies at most max_entries entries, starting at position `from` (or at the oldest pending
// entry, if that is later).
RingCopy ring_copy_pending(uint64 from, int max_entries);
// The flush that copied entries up to `end` committed: they leave the ring.
void ring_release_up_to(uint64 end) noexcept;

// The flush worker's latch, set by writers when the ring is half full.
void ring_set_worker_latch(Latch *latch) noexcept;
// True when a writer woke the worker because the ring is half full.
bool ring_wants_flush() noexcept;

} // namespace assistant_hub::slowlog
