#ifndef CMALLOCSTATS_H
#define CMALLOCSTATS_H
#include <stddef.h>

/// Bytes the C allocator has handed out and not yet had back (glibc's mallinfo2: in-use chunks plus
/// mmapped ones). For benchmarks that measure what a structure holds, independent of what the
/// allocator returns to the system.
size_t cmallocstats_in_use(void);

#endif
