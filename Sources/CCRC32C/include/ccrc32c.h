#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `length` bytes, continuing from `crc` (0 to start): the SSE 4.2 crc32
/// instruction where the CPU has it, a table-driven loop otherwise.
uint32_t ccrc32c_update(uint32_t crc, const void *bytes, size_t length);

#endif
