#include "slowlog/ring.hpp"

#include <algorithm>
#include <cstring>

#include "pg/guard.hpp"
#include "slowlog/settings.hpp"

extern "C" {
#include "mb/pg_wchar.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/backend_status.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::slowlog {
namespace {

constexpr const char *tranche_name = "assistant_hub_slowlog";
constexpr const char *dump_file = "pg_stat/assistant_hub_slowlog.stat";
constexpr const char *dump_file_tmp = "pg_stat/assistant_hub_slowlog.stat.tmp";
constexpr uint32 dump_magic = 0x41485331; // "AHS1"

struct RingShared {
    LWLock *lock;
    Latch *worker_latch;
    bool worker_woken;
    uint64 head; // next position to write; slot = position % capacity
    uint64 tail; // oldest pending position
    uint64 captured;
    uint64 flushed;
    uint64 dropped;
    int capacity;
    int text_size;
    Size stride;
};

RingShared *ring = nullptr;

Size stride_for(int text_size) {
    return MAXALIGN(sizeof(EntryHeader) + 2 * (Size)text_size);
}

Size ring_size() {
    Size s = MAXALIGN(sizeof(RingShared));
    return add_size(s, mul_size(stride_for(pgstat_track_activity_query_size), slow_query_buffer));
}

char *slot(uint64 position) {
    return reinterpret_cast<char *>(ring) + MAXALIGN(sizeof(RingShared)) +
           (position % ring->capacity) * ring->stride;
}

// Clips to at most limit bytes without splitting a character (as far as the lead bytes tell).
int clip(const char *s, int len, int limit) {
    if (len <= limit)
        return len;
    return pg_mbcliplen(s, len, limit);
}

void write_slot(char *dst, const EntryHeader &header, const char *text, int text_len,
                const char *plan, int plan_len) {
    EntryHeader *h = reinterpret_cast<EntryHeader *>(dst);
    *h = header;
    h->text_len = text ? clip(text, text_len, ring->text_size) : 0;
    h->plan_len = plan ? clip(plan, plan_len, ring->text_size) : 0;
    char *t = dst + sizeof(EntryHeader);
    if (h->text_len > 0)
        std::memcpy(t, text, h->text_len);
    if (h->plan_len > 0)
        std::memcpy(t + ring->text_size, plan, h->plan_len);
}

// The postmaster writes the pending entries and counters at a clean shutdown, after every backend
// and the flush worker have exited, and reads them back at the next start.
void dump_at_exit(int code, Datum) {
    if (code != 0 || ring == nullptr)
        return;
    FILE *f = AllocateFile(dump_file_tmp, PG_BINARY_W);
    if (f == nullptr) {
        ereport(LOG, (errcode_for_file_access(),
                      errmsg("could not write file \"%s\": %m", dump_file_tmp)));
        return;
    }
    uint64 count = ring->head - ring->tail;
    bool ok = fwrite(&dump_magic, sizeof dump_magic, 1, f) == 1 &&
              fwrite(&ring->captured, sizeof(uint64), 1, f) == 1 &&
              fwrite(&ring->flushed, sizeof(uint64), 1, f) == 1 &&
              fwrite(&ring->dropped, sizeof(uint64), 1, f) == 1 &&
              fwrite(&count, sizeof count, 1, f) == 1;
    for (uint64 p = ring->tail; ok && p < ring->head; p++) {
        const EntryHeader *h = reinterpret_cast<const EntryHeader *>(slot(p));
        const char *t = slot(p) + sizeof(EntryHeader);
        ok = fwrite(h, sizeof *h, 1, f) == 1 &&
             fwrite(t, 1, h->text_len, f) == (size_t)h->text_len &&
             fwrite(t + ring->text_size, 1, h->plan_len, f) == (size_t)h->plan_len;
    }
    if (FreeFile(f) != 0)
        ok = false;
    if (!ok) {
        ereport(LOG, (errcode_for_file_access(),
                      errmsg("could not write file \"%s\": %m", dump_file_tmp)));
        unlink(dump_file_tmp);
        return;
    }
    (void)durable_rename(dump_file_tmp, dump_file, LOG);
}

void load_dump() {
    FILE *f = AllocateFile(dump_file, PG_BINARY_R);
    if (f == nullptr)
        return; // no dump: first start, or a crash
    uint32 magic = 0;
    uint64 captured = 0, flushed = 0, dropped = 0, count = 0;
    bool ok = fread(&magic, sizeof magic, 1, f) == 1 && magic == dump_magic &&
              fread(&captured, sizeof captured, 1, f) == 1 &&
              fread(&flushed, sizeof flushed, 1, f) == 1 &&
              fread(&dropped, sizeof dropped, 1, f) == 1 && fread(&count, sizeof count, 1, f) == 1;
    uint64 loaded = 0;
    char *text = static_cast<char *>(palloc(MaxAllocSize / 4));
    for (uint64 i = 0; ok && i < count; i++) {
        EntryHeader h;
        ok = fread(&h, sizeof h, 1, f) == 1 && h.text_len >= 0 && h.plan_len >= 0 &&
             (Size)h.text_len + h.plan_len < MaxAllocSize / 4 &&
             fread(text, 1, h.text_len + h.plan_len, f) == (size_t)(h.text_len + h.plan_len);
        if (!ok)
            break;
        if (loaded >= (uint64)ring->capacity)
            continue; // the ring is smaller than before the restart: counted as dropped below
        // track_activity_query_size may have shrunk: the clip may then cut a character, which
        // the flush repairs like any invalid byte.
        write_slot(slot(ring->head), h, text, std::min(h.text_len, ring->text_size),
                   text + h.text_len, std::min(h.plan_len, ring->text_size));
        ring->head++;
        loaded++;
    }
    pfree(text);
    FreeFile(f);
    if (!ok) {
        ereport(LOG, (errmsg("ignoring corrupt slow-query dump file \"%s\"", dump_file)));
        ring->head = ring->tail = 0;
        loaded = 0;
        captured = flushed = dropped = count = 0;
    }
    // Entries that did not fit count as dropped, so captured = flushed + dropped + pending holds.
    ring->flushed = flushed;
    ring->dropped = dropped + (count - loaded);
    ring->captured = ring->flushed + ring->dropped + loaded;
    unlink(dump_file);
}

} // namespace

const char *status_name(Status s) {
    switch (s) {
    case Status::ok:
        return "ok";
    case Status::error:
        return "error";
    case Status::cancelled:
        return "cancelled";
    }
    return "error";
}

void ring_request_shmem() {
    RequestAddinShmemSpace(ring_size());
    RequestNamedLWLockTranche(tranche_name, 1);
}

void ring_attach() {
    bool found = false;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    ring = static_cast<RingShared *>(ShmemInitStruct(tranche_name, ring_size(), &found));
    if (!found) {
        std::memset(ring, 0, sizeof *ring);
        ring->lock = &(GetNamedLWLockTranche(tranche_name))->lock;
        ring->capacity = slow_query_buffer;
        ring->text_size = pgstat_track_activity_query_size;
        ring->stride = stride_for(ring->text_size);
    }
    LWLockRelease(AddinShmemInitLock);
    if (!IsUnderPostmaster) {
        on_shmem_exit(dump_at_exit, (Datum)0);
        if (!found)
            load_dump();
    }
}

bool ring_attached() {
    return ring != nullptr;
}

int ring_text_capacity() {
    return ring ? ring->text_size : 0;
}

void ring_push(const EntryHeader &header, const char *text, int text_len, const char *plan,
               int plan_len) noexcept {
    if (ring == nullptr)
        return;
    Latch *wake = nullptr;
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    ring->captured++;
    uint64 used = ring->head - ring->tail;
    if (used >= (uint64)ring->capacity) {
        ring->dropped++;
    } else {
        write_slot(slot(ring->head), header, text, text_len, plan, plan_len);
        ring->head++;
        if (used + 1 >= (uint64)ring->capacity / 2 && !ring->worker_woken && ring->worker_latch) {
            ring->worker_woken = true;
            wake = ring->worker_latch;
        }
    }
    LWLockRelease(ring->lock);
    if (wake)
        SetLatch(wake);
}

RingStats ring_stats() {
    LWLockAcquire(ring->lock, LW_SHARED);
    RingStats s{ring->captured, ring->flushed, ring->dropped, ring->capacity,
                static_cast<int>(ring->head - ring->tail)};
    LWLockRelease(ring->lock);
    return s;
}

RingCopy ring_copy_pending(uint64 from, int max_entries) {
    RingCopy copy;
    copy.stride = ring->stride;
    copy.text_size = ring->text_size;
    // Allocated before taking the lock: palloc may raise an error, which must never happen while
    // the lock is held.
    LWLockAcquire(ring->lock, LW_SHARED);
    uint64 available = ring->head - std::max(from, ring->tail);
    LWLockRelease(ring->lock);
    int room = static_cast<int>(std::min<uint64>(available, max_entries));
    if (room == 0)
        return copy;
    copy.data = static_cast<char *>(pg::call([&] {
        return MemoryContextAllocHuge(CurrentMemoryContext, mul_size(ring->stride, room));
    }));
    LWLockAcquire(ring->lock, LW_SHARED);
    copy.first = std::max(from, ring->tail);
    copy.end = std::min(ring->head, copy.first + room);
    for (uint64 p = copy.first; p < copy.end; p++, copy.count++) {
        const EntryHeader *h = reinterpret_cast<const EntryHeader *>(slot(p));
        char *dst = copy.data + copy.count * copy.stride;
        std::memcpy(dst, slot(p), sizeof(EntryHeader) + h->text_len);
        std::memcpy(dst + sizeof(EntryHeader) + ring->text_size,
                    slot(p) + sizeof(EntryHeader) + ring->text_size, h->plan_len);
    }
    LWLockRelease(ring->lock);
    return copy;
}

void ring_release_up_to(uint64 end) noexcept {
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    if (end > ring->tail) {
        ring->flushed += end - ring->tail;
        ring->tail = end;
    }
    ring->worker_woken = false;
    LWLockRelease(ring->lock);
}

void ring_set_worker_latch(Latch *latch) noexcept {
    LWLockAcquire(ring->lock, LW_EXCLUSIVE);
    ring->worker_latch = latch;
    ring->worker_woken = false;
    LWLockRelease(ring->lock);
}

} // namespace assistant_hub::slowlog

namespace assistant_hub::slowlog {

bool ring_wants_flush() noexcept {
    LWLockAcquire(ring->lock, LW_SHARED);
    bool woken = ring->worker_woken;
    LWLockRelease(ring->lock);
    return woken;
}

} // namespace assistant_hub::slowlog
