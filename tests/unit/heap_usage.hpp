// Bytes the test process holds on the heap through operator new, counted by
// replacements of the global operator new and delete (heap_usage.cpp). Lets a
// test bound real memory, not just what a component says it takes.
#pragma once

#include <cstddef>

namespace tor::test::heap {

/// Bytes allocated by operator new and not yet deleted, process-wide.
std::size_t live() noexcept;
/// The most `live()` has been since the last reset_peak().
std::size_t peak() noexcept;
/// Starts a new peak at the current live bytes.
void reset_peak() noexcept;

}  // namespace tor::test::heap
